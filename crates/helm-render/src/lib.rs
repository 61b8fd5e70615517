//! Helm chart rendering identical to Helm v4: chart loading, values (YAML 1.1 as Helm reads
//! it), the Sprig + Helm function library, a go-yaml-identical `toYaml`, the render pipeline,
//! manifest sorting and hooks.
//!
//! Built on the `gotemplate` crate; knows nothing about Kubernetes clusters (`lookup` goes
//! through the [`engine::Lookup`] trait the operator implements).

pub mod archive;
pub mod chart;
pub mod coalesce;
mod content_cache;
pub mod dependencies;
pub mod engine;
pub mod funcs;
pub mod glob;
pub mod ignore;
pub mod json;
pub mod manifest;
pub mod objects;
pub mod release;
pub mod schema;
pub mod semver_check;
pub mod strvals;
pub mod toml;
pub mod values;
pub mod yaml;
pub mod yamljson;

pub use chart::{load_dir, load_files, BufferedFile, Chart, ChartError, Metadata};
pub use content_cache::set_process_caches;
pub use engine::{render, Lookup, OfflineLookup, ReleaseInfo, RenderError, RenderOptions};
pub use objects::{Capabilities, KubeVersion, VersionSet};
