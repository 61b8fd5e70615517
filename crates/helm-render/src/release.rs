//! The whole render of a release, as Helm's install does it before touching a cluster:
//! dependency processing, render values (coalescing, schema validation), the engine, notes,
//! manifest sorting, hooks and CRDs; and what `helm template` prints from it.

use std::collections::BTreeMap;

use gotemplate::Map;

use crate::chart::Chart;
use crate::engine::{RenderError, RenderOptions};
use crate::manifest::{sort_manifests, Hook, Manifest};

/// What rendering a release produced.
#[derive(Debug, Clone, Default)]
pub struct RenderedRelease {
    /// The manifest text Helm stores in the release (`---\n# Source: ...` documents,
    /// CRDs first when included).
    pub manifest: String,
    /// Sorted plain manifests.
    pub manifests: Vec<Manifest>,
    /// Hooks, sorted by kind.
    pub hooks: Vec<Hook>,
    /// Rendered `NOTES.txt` (the top chart's, or every chart's when asked).
    pub notes: String,
    /// The coalesced values the templates saw.
    pub values: Map,
    /// CRD files from `crds/` of the chart and its subcharts: (full path, text).
    pub crds: Vec<(String, String)>,
}

/// Options beyond the engine's.
#[derive(Clone, Default)]
pub struct ReleaseRenderOptions {
    /// Engine settings (release info, capabilities, lookup).
    pub render: RenderOptions,
    /// Put CRDs from `crds/` in the manifest (`--include-crds`).
    pub include_crds: bool,
    /// Include every chart's NOTES.txt (`--render-subchart-notes`).
    pub subchart_notes: bool,
    /// Skip `values.schema.json` validation.
    pub skip_schema_validation: bool,
}

fn err(message: impl Into<String>) -> RenderError {
    RenderError {
        message: message.into(),
        file: None,
    }
}

/// Helm's engine render of a chart with the user's values: dependency processing, render
/// values (coalescing, schema validation), the kubeVersion check, then every template.
/// Returns the chart after dependency processing, the coalesced values and the files.
pub fn render_files(
    mut chart: Chart,
    user: &Map,
    opts: &ReleaseRenderOptions,
) -> Result<(Chart, Map, BTreeMap<String, String>), RenderError> {
    crate::dependencies::process_dependencies(&mut chart, user, &crate::semver_check::compatible)
        .map_err(err)?;
    let values = crate::coalesce::coalesce_values(&chart, user).map_err(err)?;
    if !opts.skip_schema_validation {
        crate::schema::validate_against_schema(&chart, &values).map_err(|e| {
            err(format!(
                "values don't meet the specifications of the schema(s) in the following chart(s):\n{e}"
            ))
        })?;
    }
    let caps = &opts.render.capabilities;
    if !chart.metadata.kube_version.is_empty()
        && !crate::semver_check::compatible(
            &chart.metadata.kube_version,
            &caps.kube_version.normalized,
        )
    {
        return Err(err(format!(
            "chart requires kubeVersion: {} which is incompatible with Kubernetes {}",
            chart.metadata.kube_version, caps.kube_version.version
        )));
    }
    let files = crate::engine::render(&chart, &values, &opts.render)?;
    Ok((chart, values, files))
}

/// Renders `chart` with the user's values as Helm's install would.
pub fn render_release(
    chart: Chart,
    user: &Map,
    opts: &ReleaseRenderOptions,
) -> Result<RenderedRelease, RenderError> {
    let (chart, values, mut files) = render_files(chart, user, opts)?;
    let top_notes = format!("{}/templates/NOTES.txt", chart.name());
    let mut notes = String::new();
    let note_keys: Vec<String> = files
        .keys()
        .filter(|k| k.ends_with("NOTES.txt"))
        .cloned()
        .collect();
    for k in note_keys {
        if let Some(v) = files.remove(&k) {
            if opts.subchart_notes || k == top_notes {
                if !notes.is_empty() {
                    notes.push('\n');
                }
                notes.push_str(&v);
            }
        }
    }
    let (hooks, manifests) = match sort_manifests(&files) {
        Ok(x) => x,
        Err(e) => {
            return Err(err(format!(
                "{e}\n\nUse --debug flag to render out invalid YAML"
            )))
        }
    };
    let mut crds = Vec::new();
    collect_crds(&chart, &mut crds);
    let mut manifest = String::new();
    if opts.include_crds {
        for (name, text) in &crds {
            manifest.push_str(&format!("---\n# Source: {name}\n{text}\n"));
        }
    }
    for m in &manifests {
        manifest.push_str(&format!("---\n# Source: {}\n{}\n", m.name, m.content));
    }
    Ok(RenderedRelease {
        manifest,
        manifests,
        hooks,
        notes,
        values,
        crds,
    })
}

fn collect_crds(chart: &Chart, out: &mut Vec<(String, String)>) {
    for f in &chart.files {
        let lower = f.name.to_ascii_lowercase();
        if f.name.starts_with("crds/")
            && (lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json"))
        {
            out.push((
                format!("{}/{}", chart.full_path(), f.name),
                crate::chart::utf8_text(&f.data).into_owned(),
            ));
        }
    }
    for d in &chart.dependencies {
        collect_crds(d, out);
    }
}

/// What `helm template` prints for a rendered release.
#[derive(Debug, Clone, Default)]
pub struct TemplateOutput {
    /// Leave hooks out (`--no-hooks`).
    pub no_hooks: bool,
    /// Leave test hooks out (`--skip-tests`).
    pub skip_tests: bool,
    /// Only these templates (`--show-only`), as glob patterns on `templates/...` paths.
    pub show_only: Vec<String>,
}

/// Formats `helm template`'s standard output.
pub fn template_text(rel: &RenderedRelease, out: &TemplateOutput) -> Result<String, RenderError> {
    let mut text = String::new();
    text.push_str(rel.manifest.trim());
    text.push('\n');
    if !out.no_hooks {
        for h in &rel.hooks {
            if out.skip_tests && h.events.iter().any(|e| e == "test") {
                continue;
            }
            text.push_str(&format!("---\n# Source: {}\n{}\n", h.path, h.manifest));
        }
    }
    if out.show_only.is_empty() {
        return Ok(text);
    }
    let docs = crate::manifest::split_manifests(&text);
    let mut selected = String::new();
    for pattern in &out.show_only {
        let mut found = false;
        for doc in &docs {
            let Some(src) = doc.lines().find_map(|l| l.strip_prefix("# Source: ")) else {
                continue;
            };
            let Some((_, rest)) = src.split_once('/') else {
                continue;
            };
            if crate::ignore::match_path(pattern, rest) == Some(true) {
                selected.push_str(&format!("---\n{doc}\n"));
                found = true;
            }
        }
        if !found {
            return Err(err(format!("could not find template {pattern} in chart")));
        }
    }
    Ok(selected)
}

/// Helm's `mergeMaps` for `-f` files: maps merge recursively, anything else is replaced.
pub fn merge_maps(base: &Map, over: &Map) {
    for (k, v) in over.entries() {
        match (base.get(&k), &v) {
            (Some(gotemplate::Value::Map(bm)), gotemplate::Value::Map(om)) => merge_maps(&bm, om),
            _ => base.insert(&*k, v),
        }
    }
}

/// Values as the CLI collects them (`-f` files merged in order).
pub fn values_from_files(texts: &[(String, String)]) -> Result<Map, RenderError> {
    let base = Map::new();
    for (name, text) in texts {
        let m = crate::values::parse_values_keep_nulls(text)
            .map_err(|e| err(format!("failed to parse {name}: {e}")))?;
        merge_maps(&base, &m);
    }
    Ok(base)
}
