//! valuesFrom composition and the values digest.
//!
//! Sources are merged in order (v1's `valueFileSecrets` first, then `valuesFrom`), then
//! `spec.values` on top, with v1's deep merge (maps merge, everything else replaces).
//! Values read from Secrets are never logged or put in errors: messages name the source
//! only.

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::{Api, Client};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::api::{HelmRelease, KeySelector};

/// Maximum nesting the merge and canonical printing follow (values are user input).
const MAX_DEPTH: usize = 256;

/// Composed values and their digest.
#[derive(Debug, Clone, PartialEq)]
pub struct ComposedValues {
    pub values: Map<String, Value>,
    pub digest: String,
}

/// Deep merge of `over` into `base` (v1's `mergeValues`).
pub fn merge(base: &mut Map<String, Value>, over: Map<String, Value>) {
    merge_depth(base, over, 0)
}

fn merge_depth(base: &mut Map<String, Value>, over: Map<String, Value>, depth: usize) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(Value::Object(b)), Value::Object(o)) if depth < MAX_DEPTH => {
                merge_depth(b, o, depth + 1)
            }
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// JSON with object keys sorted, for digests.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out, 0);
    out
}

fn write_canonical(v: &Value, out: &mut String, depth: usize) {
    if depth > MAX_DEPTH {
        out.push_str("null");
        return;
    }
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(x) = m.get(k) {
                    write_canonical(x, out, depth + 1);
                }
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out, depth + 1);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

pub fn values_digest(v: &Map<String, Value>) -> String {
    let mut h = Sha256::new();
    h.update(canonical_json(&Value::Object(v.clone())).as_bytes());
    format!("sha256:{:x}", h.finalize())
}

/// Parses a values document (YAML) into a JSON map, as Helm reads values files.
pub fn parse_values_text(text: &str) -> Result<Map<String, Value>, String> {
    let m = helm_render::values::parse_values(text).map_err(|e| e.to_string())?;
    let t = helm_render::json::to_json(&gotemplate::Value::Map(m)).map_err(|e| e.to_string())?;
    match serde_json::from_str::<Value>(&t).map_err(|e| e.to_string())? {
        Value::Object(o) => Ok(o),
        Value::Null => Ok(Map::new()),
        _ => Err("values are not a map".into()),
    }
}

/// Converts JSON values to the template engine's map.
pub fn to_template_map(v: &Map<String, Value>) -> gotemplate::Map {
    helm_render::json::from_json(&Value::Object(v.clone()).to_string())
}

/// Why composing values failed. Messages never contain Secret data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValuesError {
    #[error("{0}")]
    Source(String),
    #[error("valuesFrom externalSourceRef ({0}) is not supported yet")]
    ExternalNotSupported(String),
}

fn selector_ns<'a>(sel: &'a KeySelector, hr_ns: &'a str) -> &'a str {
    sel.namespace
        .as_deref()
        .filter(|n| !n.is_empty())
        .unwrap_or(hr_ns)
}

/// Reads every `valuesFrom` source and merges them with `spec.values`.
pub async fn compose(
    client: &Client,
    hr: &HelmRelease,
    chart: &helm_render::Chart,
) -> Result<ComposedValues, ValuesError> {
    let hr_ns = hr.defaulted_namespace().to_string();
    let mut out = Map::new();
    for src in hr.values_from_sources() {
        if let Some(sel) = &src.config_map_key_ref {
            let ns = selector_ns(sel, &hr_ns);
            let key = sel.key_or_default();
            let api: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
            let text = match api.get_opt(&sel.name).await {
                Ok(Some(cm)) => cm.data.and_then(|d| d.get(key).cloned()),
                Ok(None) => None,
                Err(e) => {
                    return Err(ValuesError::Source(format!(
                        "reading configmap {ns}/{}: {e}",
                        sel.name
                    )))
                }
            };
            match text {
                Some(t) => merge(
                    &mut out,
                    parse_values_text(&t).map_err(|e| {
                        ValuesError::Source(format!("configmap {ns}/{} key {key}: {e}", sel.name))
                    })?,
                ),
                None if sel.optional => {}
                None => {
                    return Err(ValuesError::Source(format!(
                        "could not find key {key} in configmap {ns}/{}",
                        sel.name
                    )))
                }
            }
        } else if let Some(sel) = &src.secret_key_ref {
            let ns = selector_ns(sel, &hr_ns);
            let key = sel.key_or_default();
            let api: Api<Secret> = Api::namespaced(client.clone(), ns);
            let data = match api.get_opt(&sel.name).await {
                Ok(Some(s)) => s.data.and_then(|d| d.get(key).map(|b| b.0.clone())),
                Ok(None) => None,
                Err(e) => {
                    return Err(ValuesError::Source(format!(
                        "reading secret {ns}/{}: {}",
                        sel.name,
                        e_reason(&e)
                    )))
                }
            };
            match data {
                Some(bytes) => {
                    let text = String::from_utf8_lossy(&bytes);
                    // The parser's message could quote Secret content: keep it out.
                    let m = parse_values_text(&text).map_err(|_| {
                        ValuesError::Source(format!(
                            "secret {ns}/{} key {key}: not a valid values document",
                            sel.name
                        ))
                    })?;
                    merge(&mut out, m)
                }
                None if sel.optional => {}
                None => {
                    return Err(ValuesError::Source(format!(
                        "could not find key {key} in secret {ns}/{}",
                        sel.name
                    )))
                }
            }
        } else if let Some(sel) = &src.chart_file_ref {
            let optional = sel.optional.unwrap_or(false);
            let path = sel.path.trim_start_matches("./");
            let file = chart
                .files
                .iter()
                .chain(chart.templates.iter())
                .find(|f| f.name == path);
            match file {
                Some(f) => merge(
                    &mut out,
                    parse_values_text(&String::from_utf8_lossy(&f.data))
                        .map_err(|e| ValuesError::Source(format!("chart file {path}: {e}")))?,
                ),
                None if optional => {}
                None => {
                    return Err(ValuesError::Source(format!(
                        "chart file {path} not found in chart"
                    )))
                }
            }
        } else if let Some(sel) = &src.external_source_ref {
            if !sel.optional.unwrap_or(false) {
                return Err(ValuesError::ExternalNotSupported(sel.url.clone()));
            }
        }
    }
    merge(&mut out, hr.values());
    let digest = values_digest(&out);
    Ok(ComposedValues {
        values: out,
        digest,
    })
}

/// An API error's reason without its message body (which can echo request data).
fn e_reason(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => format!("{} ({})", s.reason, s.code),
        _ => "request failed".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(o) => o,
            _ => Map::new(),
        }
    }

    #[test]
    fn deep_merge_replaces_non_maps() {
        let mut a = obj(json!({"a": {"b": 1, "c": [1]}, "d": 1}));
        merge(&mut a, obj(json!({"a": {"c": [2], "e": 3}, "d": {"x": 1}})));
        assert_eq!(
            Value::Object(a),
            json!({"a": {"b": 1, "c": [2], "e": 3}, "d": {"x": 1}})
        );
    }

    #[test]
    fn digest_ignores_key_order() {
        let a = obj(json!({"a": 1, "b": {"x": 1, "y": 2}}));
        let b = obj(json!({"b": {"y": 2, "x": 1}, "a": 1}));
        assert_eq!(values_digest(&a), values_digest(&b));
        let c = obj(json!({"a": 2, "b": {"y": 2, "x": 1}}));
        assert_ne!(values_digest(&a), values_digest(&c));
    }

    #[test]
    fn parses_yaml_values() {
        let m = parse_values_text("a: 1\nb:\n  c: x\n").unwrap();
        assert_eq!(Value::Object(m), json!({"a": 1, "b": {"c": "x"}}));
    }
}
