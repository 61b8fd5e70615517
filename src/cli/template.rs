//! `template NAME CHART [flags]`: prints exactly what `helm template` prints.

use std::path::PathBuf;
use std::process::ExitCode;

use helm_render::release::{ReleaseRenderOptions, TemplateOutput};
use helm_render::{Capabilities, ReleaseInfo, RenderOptions};

/// Arguments of `template`, named as `helm template`'s flags.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Release name.
    name: String,
    /// Chart directory or `.tgz` archive.
    chart: PathBuf,
    /// Values files, merged in order.
    #[arg(short = 'f', long = "values")]
    values: Vec<PathBuf>,
    /// Set values on the command line (`a.b=c,d[0]=e`).
    #[arg(long = "set")]
    set: Vec<String>,
    /// Set string values on the command line.
    #[arg(long = "set-string")]
    set_string: Vec<String>,
    /// Set JSON values on the command line.
    #[arg(long = "set-json")]
    set_json: Vec<String>,
    /// Set values from files (`key=path`).
    #[arg(long = "set-file")]
    set_file: Vec<String>,
    /// Set literal string values.
    #[arg(long = "set-literal")]
    set_literal: Vec<String>,
    /// Namespace of the release.
    #[arg(short = 'n', long = "namespace", default_value = "default")]
    namespace: String,
    /// Include CRDs from `crds/` in the output.
    #[arg(long)]
    include_crds: bool,
    /// Accepted for compatibility: `template` prints CRDs only with --include-crds.
    #[arg(long)]
    skip_crds: bool,
    /// Leave hooks out.
    #[arg(long)]
    no_hooks: bool,
    /// Leave test hooks out.
    #[arg(long)]
    skip_tests: bool,
    /// Kubernetes version for `.Capabilities.KubeVersion`.
    #[arg(long)]
    kube_version: Option<String>,
    /// Extra API versions for `.Capabilities.APIVersions` (repeatable, comma-separated).
    #[arg(short = 'a', long = "api-versions", value_delimiter = ',')]
    api_versions: Vec<String>,
    /// Render as an upgrade (`.Release.IsUpgrade`).
    #[arg(long)]
    is_upgrade: bool,
    /// Only print these templates (glob on `templates/...`).
    #[arg(short = 's', long = "show-only")]
    show_only: Vec<String>,
    /// Do not validate values against `values.schema.json`.
    #[arg(long)]
    skip_schema_validation: bool,
    /// Print every chart's NOTES.txt too.
    #[arg(long)]
    render_subchart_notes: bool,
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("Error: {msg}");
    ExitCode::FAILURE
}

/// Runs the command.
pub fn run(args: Args) -> ExitCode {
    // One render per process: caches of derived results would only cost.
    helm_render::set_process_caches(false);
    let kube_version = args.kube_version.as_deref();
    let Some(capabilities) = Capabilities::for_target(kube_version, &args.api_versions) else {
        return fail(format!(
            "invalid kube version '{}'",
            kube_version.unwrap_or("")
        ));
    };
    let opts = ReleaseRenderOptions {
        render: RenderOptions {
            release: ReleaseInfo {
                name: args.name.clone(),
                namespace: args.namespace.clone(),
                revision: 1,
                is_install: !args.is_upgrade,
                is_upgrade: args.is_upgrade,
                ..ReleaseInfo::default()
            },
            capabilities,
            ..RenderOptions::default()
        },
        include_crds: args.include_crds,
        subchart_notes: args.render_subchart_notes,
        skip_schema_validation: args.skip_schema_validation,
    };
    let output = TemplateOutput {
        no_hooks: args.no_hooks,
        skip_tests: args.skip_tests,
        show_only: args.show_only.clone(),
    };
    let result = super::with_big_stack(move || -> Result<String, String> {
        let chart = super::load_chart(&args.chart)?;
        let values = super::collect_values(
            &args.values,
            &args.set_json,
            &args.set,
            &args.set_string,
            &args.set_file,
            &args.set_literal,
        )?;
        let rel = helm_render::release::render_release(chart, &values, &opts)
            .map_err(|e| e.to_string())?;
        helm_render::release::template_text(&rel, &output).map_err(|e| e.to_string())
    });
    super::print_result(result)
}
