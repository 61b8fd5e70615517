//! Chart fetching for the reconciler: the `ChartFetcher` trait and `LocalDirFetcher`
//! (`file://` repositories, and `chart.git` URLs naming a local directory that is not a Git
//! repository: a local-development convenience). The HTTP/S3/OCI/Git sources in
//! `crate::source` plug in behind the same trait (`crate::fetch`); chart digests are computed here from the stored form so
//! a release Helm wrote and one we wrote compare equal.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use crate::api::{ChartRef, HelmRelease};
use crate::storage;

/// A chart ready to render, with its identity.
#[derive(Clone)]
pub struct FetchedChart {
    pub chart: helm_render::Chart,
    pub name: String,
    pub version: String,
    /// Digest of the chart as stored in a release (`chart_digest`).
    pub digest: String,
    /// The source's own revision when it has one (the commit of a Git chart); v1 reports
    /// it as `status.revision` instead of the chart version.
    pub source_revision: Option<String>,
}

#[async_trait]
pub trait ChartFetcher: Send + Sync {
    async fn fetch(&self, hr: &HelmRelease) -> Result<FetchedChart, String>;
}

/// Loads charts from the local filesystem: `repository: file:///dir` with `name`/`version`
/// (`dir/<name>` or `dir/<name>-<version>.tgz`), or `git: file:///repo` with `path`.
#[derive(Debug, Default, Clone)]
pub struct LocalDirFetcher {
    /// Base for relative paths.
    pub base: Option<PathBuf>,
}

fn local_path(url: &str, base: Option<&Path>) -> PathBuf {
    let p = url.strip_prefix("file://").unwrap_or(url);
    let p = PathBuf::from(p);
    match base {
        Some(b) if p.is_relative() => b.join(p),
        _ => p,
    }
}

pub fn load_chart_path(path: &Path) -> Result<helm_render::Chart, String> {
    if path.is_dir() {
        return helm_render::load_dir(path).map_err(|e| format!("{}: {e}", path.display()));
    }
    let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    helm_render::archive::load_archive(&data, &helm_render::archive::Limits::default())
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[async_trait]
impl ChartFetcher for LocalDirFetcher {
    async fn fetch(&self, hr: &HelmRelease) -> Result<FetchedChart, String> {
        let r = hr.spec.chart.resolve().map_err(|e| e.to_string())?;
        let (path, want_version) = match r {
            ChartRef::Repo {
                repository,
                name,
                version,
            } => {
                if !repository.starts_with("file://") && !repository.starts_with('/') {
                    return Err(format!(
                        "chart repository {repository:?}: only file:// repositories are supported by this build"
                    ));
                }
                let dir = local_path(repository, self.base.as_deref());
                let tgz = dir.join(format!("{name}-{version}.tgz"));
                let p = if tgz.is_file() { tgz } else { dir.join(name) };
                (p, Some(version.to_string()))
            }
            ChartRef::Git { url, path, .. } => {
                if !url.starts_with("file://") && !url.starts_with('/') {
                    return Err(format!(
                        "git chart source {url:?}: only local (file://) repositories are supported by this build"
                    ));
                }
                (local_path(url, self.base.as_deref()).join(path), None)
            }
        };
        let chart = tokio::task::spawn_blocking(move || load_chart_path(&path))
            .await
            .map_err(|e| e.to_string())??;
        if let Some(v) = want_version {
            if chart.metadata.version != v {
                return Err(format!(
                    "chart {} version {} not found (found {})",
                    chart.metadata.name, v, chart.metadata.version
                ));
            }
        }
        Ok(fetched(chart))
    }
}

/// Wraps a loaded chart with its identity and digest.
pub fn fetched(chart: helm_render::Chart) -> FetchedChart {
    let stored = to_stored_chart(&chart);
    FetchedChart {
        name: chart.metadata.name.clone(),
        version: chart.metadata.version.clone(),
        digest: chart_digest(&stored),
        chart,
        source_revision: None,
    }
}

fn values_json(m: &gotemplate::Map) -> serde_json::Map<String, serde_json::Value> {
    let v = gotemplate::Value::Map(m.clone());
    helm_render::json::to_json(&v)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| match v {
            serde_json::Value::Object(o) => Some(o),
            _ => None,
        })
        .unwrap_or_default()
}

/// The chart as Helm stores it in a release (top-level chart; metadata, templates, files,
/// values, schema).
pub fn to_stored_chart(c: &helm_render::Chart) -> storage::Chart {
    let md = &c.metadata;
    let meta = storage::Metadata {
        name: md.name.clone(),
        home: md.home.clone(),
        sources: md.sources.clone(),
        version: md.version.clone(),
        description: md.description.clone(),
        keywords: md.keywords.clone(),
        icon: md.icon.clone(),
        api_version: md.api_version.clone(),
        condition: md.condition.clone(),
        tags: md.tags.clone(),
        app_version: md.app_version.clone(),
        deprecated: md.deprecated,
        annotations: md.annotations.clone(),
        kube_version: md.kube_version.clone(),
        chart_type: md.chart_type.clone(),
        ..storage::Metadata::default()
    };
    let files = |v: &[helm_render::BufferedFile]| -> Vec<storage::File> {
        v.iter()
            .map(|f| storage::File {
                name: f.name.clone(),
                data: Some(f.data.to_vec()),
                ..storage::File::default()
            })
            .collect()
    };
    storage::Chart {
        metadata: Some(meta),
        templates: Some(files(&c.templates)),
        values: Some(values_json(&c.values)),
        schema: c.schema.as_ref().map(|s| s.to_vec()),
        files: Some(files(&c.files)),
        ..storage::Chart::default()
    }
}

fn hash_str(h: &mut Sha256, s: &[u8]) {
    h.update((s.len() as u64).to_be_bytes());
    h.update(s);
}

/// Digest of a stored chart: name, version, sorted templates and files, values, schema.
pub fn chart_digest(c: &storage::Chart) -> String {
    let mut h = Sha256::new();
    if let Some(m) = &c.metadata {
        hash_str(&mut h, m.name.as_bytes());
        hash_str(&mut h, m.version.as_bytes());
        hash_str(&mut h, m.app_version.as_bytes());
    }
    for set in [&c.templates, &c.files] {
        let mut fs: Vec<&storage::File> = set.iter().flatten().collect();
        fs.sort_by(|a, b| a.name.cmp(&b.name));
        hash_str(&mut h, &(fs.len() as u64).to_be_bytes());
        for f in fs {
            hash_str(&mut h, f.name.as_bytes());
            hash_str(&mut h, f.data.as_deref().unwrap_or_default());
        }
    }
    let vals = c.values.clone().unwrap_or_default();
    hash_str(
        &mut h,
        super::values::canonical_json(&serde_json::Value::Object(vals)).as_bytes(),
    );
    hash_str(&mut h, c.schema.as_deref().unwrap_or_default());
    format!("sha256:{:x}", h.finalize())
}
