//! `render-template CHART_DIR TEMPLATE_PATH [--options FILE]`: renders a chart with Helm's
//! engine and prints one template's raw output (the template suite's interface).

use std::path::PathBuf;
use std::process::ExitCode;

use helm_render::{Capabilities, ReleaseInfo, RenderOptions};
use serde::Deserialize;

/// Arguments of `render-template`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Chart directory.
    chart_dir: PathBuf,
    /// Template path relative to the chart (`templates/case.tpl`).
    template: String,
    /// JSON file with release and capabilities settings.
    #[arg(long)]
    options: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct OptionsFile {
    #[serde(default)]
    release: ReleaseOpts,
    #[serde(default)]
    capabilities: CapabilityOpts,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ReleaseOpts {
    name: String,
    namespace: String,
    revision: i64,
    is_install: bool,
    is_upgrade: bool,
}

impl Default for ReleaseOpts {
    fn default() -> Self {
        let d = ReleaseInfo::default();
        ReleaseOpts {
            name: d.name,
            namespace: d.namespace,
            revision: d.revision,
            is_install: d.is_install,
            is_upgrade: d.is_upgrade,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct CapabilityOpts {
    kube_version: Option<String>,
    api_versions: Vec<String>,
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("Error: {msg}");
    ExitCode::FAILURE
}

/// Runs the command.
pub fn run(args: Args) -> ExitCode {
    let opts: OptionsFile = match &args.options {
        None => OptionsFile::default(),
        Some(p) => match std::fs::read(p)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice(&b).map_err(|e| format!("{}: {e}", p.display())))
        {
            Ok(o) => o,
            Err(e) => return fail(e),
        },
    };
    let kube_version = opts.capabilities.kube_version.as_deref();
    let Some(capabilities) =
        Capabilities::for_target(kube_version, &opts.capabilities.api_versions)
    else {
        return fail(format!(
            "invalid kube version {:?}",
            kube_version.unwrap_or("")
        ));
    };
    let render_opts = RenderOptions {
        release: ReleaseInfo {
            name: opts.release.name,
            namespace: opts.release.namespace,
            revision: opts.release.revision,
            is_install: opts.release.is_install,
            is_upgrade: opts.release.is_upgrade,
            ..ReleaseInfo::default()
        },
        capabilities,
        ..RenderOptions::default()
    };
    let chart_dir = args.chart_dir.clone();
    let template = args.template.clone();
    let result = super::with_big_stack(move || -> Result<String, String> {
        let chart = helm_render::load_dir(&chart_dir).map_err(|e| e.to_string())?;
        let opts = helm_render::release::ReleaseRenderOptions {
            render: render_opts,
            ..Default::default()
        };
        let (chart, _, rendered) =
            helm_render::release::render_files(chart, &gotemplate::Map::new(), &opts)
                .map_err(|e| e.to_string())?;
        let key = format!(
            "{}/{}",
            chart.full_path(),
            template.trim_start_matches("./")
        );
        Ok(rendered.get(&key).cloned().unwrap_or_default())
    });
    super::print_result(result)
}
