//! Helm chart rendering identical to Helm v4: chart loading, values (YAML 1.1 as Helm reads
//! it), the Sprig + Helm function library, a go-yaml-identical `toYaml`, the render pipeline,
//! manifest sorting and hooks.
//!
//! Built on the `gotemplate` crate; knows nothing about Kubernetes clusters (`lookup` goes
//! through a trait the operator implements).

pub mod funcs;
pub mod json;
pub mod toml;
pub mod values;
pub mod yaml;
