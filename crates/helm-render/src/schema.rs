//! `values.schema.json` validation, as Helm's `ValidateAgainstSchema`: the chart's schema
//! against its values, then each subchart's schema against its table, errors collected per
//! chart. Uses `boon`, a Rust port by the author of the Go validator Helm uses
//! (santhosh-tekuri/jsonschema), so messages have the same shape.
//!
//! No remote loading: a `$ref` to a URL fails validation (Helm would fetch it; offline
//! renders must pass `--skip-schema-validation`, as Helm's own conformance cases do).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};

use gotemplate::{Map, Value};

use crate::chart::Chart;

/// Converts a values tree to JSON the way Go's encoding/json sees it.
pub fn to_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Nil => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) | Value::Int64(i) => J::from(*i),
        Value::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                J::from(*f as i64)
            } else {
                serde_json::Number::from_f64(*f)
                    .map(J::Number)
                    .unwrap_or(J::Null)
            }
        }
        Value::String(s) => J::String(s.to_string()),
        Value::Bytes(b) => {
            use base64::Engine as _;
            J::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
        Value::List(l) => J::Array(l.iter().map(to_json).collect()),
        Value::Map(m) => J::Object(
            m.entries()
                .into_iter()
                .map(|(k, v)| (k.to_string(), to_json(&v)))
                .collect(),
        ),
        Value::Object(o) => match o.as_map() {
            Some(m) => to_json(&Value::Map(m)),
            None => J::String(o.format_v()),
        },
    }
}

const SCHEMA_URL: &str = "file:///values.schema.json";

/// A schema document compiled by `boon`.
struct Compiled {
    schemas: boon::Schemas,
    idx: boon::SchemaIndex,
}

fn compile(schema: &[u8]) -> Result<Compiled, String> {
    let schema: serde_json::Value =
        serde_json::from_slice(schema).map_err(|e| format!("invalid values.schema.json: {e}"))?;
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler
        .add_resource(SCHEMA_URL, schema)
        .map_err(|e| e.to_string())?;
    let idx = compiler
        .compile(SCHEMA_URL, &mut schemas)
        .map_err(|e| e.to_string())?;
    Ok(Compiled { schemas, idx })
}

/// Compiled schemas kept across renders (at most this many).
const SCHEMA_CACHE_SIZE: usize = 64;

/// The compiled form of `schema`, from a process-wide cache keyed by the document's exact
/// bytes: compiling (JSON parse, `$ref` resolution, one regex per `pattern`) costs more than
/// validating, and an operator renders the same chart versions over and over. Compile errors
/// are not cached.
fn compiled(schema: &[u8]) -> Result<Arc<Compiled>, String> {
    type Cache = Mutex<VecDeque<(Arc<[u8]>, Arc<Compiled>)>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    if !crate::content_cache::process_caches() {
        return compile(schema).map(Arc::new);
    }
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(hit) = cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .find(|(k, _)| k.as_ref() == schema)
        .map(|(_, c)| c.clone())
    {
        return Ok(hit);
    }
    let c = Arc::new(compile(schema)?);
    let mut guard = cache.lock().unwrap_or_else(|e| e.into_inner());
    if guard.len() >= SCHEMA_CACHE_SIZE {
        guard.pop_front();
    }
    guard.push_back((Arc::from(schema), c.clone()));
    Ok(c)
}

/// Validates `values` against one schema document.
pub fn validate_single(values: &Map, schema: &[u8]) -> Result<(), String> {
    let c = compiled(schema)?;
    let instance = to_json(&Value::Map(values.clone()));
    match c.schemas.validate(&instance, c.idx) {
        Ok(()) => Ok(()),
        Err(e) => {
            let text = format!("{e:#}");
            let text = text
                .strip_prefix("jsonschema validation failed with 'file:///values.schema.json#'\n")
                .unwrap_or(&text)
                .to_string();
            Err(text + "\n")
        }
    }
}

/// Validates the chart's and its subcharts' schemas; the error lists each failing chart.
pub fn validate_against_schema(chart: &Chart, values: &Map) -> Result<(), String> {
    let mut sb = String::new();
    if let Some(schema) = &chart.schema {
        if let Err(e) = validate_single(values, schema) {
            sb.push_str(&format!("{}:\n{e}", chart.name()));
        }
    }
    for sub in &chart.dependencies {
        match values.get(sub.name()) {
            None | Some(Value::Nil) => continue,
            Some(Value::Map(m)) => {
                if let Err(e) = validate_against_schema(sub, &m) {
                    sb.push_str(&e);
                }
            }
            Some(other) => sb.push_str(&format!(
                "{}:\ninvalid type for values: expected object (map), got {}\n",
                sub.name(),
                other.type_name()
            )),
        }
    }
    if sb.is_empty() {
        Ok(())
    } else {
        Err(sb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gotemplate::MapKind;

    #[test]
    fn schema_type_errors_are_reported() {
        let schema =
            br#"{"type":"object","properties":{"port":{"type":"integer"}},"required":["port"]}"#;
        let ok = Map::from_entries(MapKind::Generic, [("port", Value::Float(80.0))]);
        assert!(validate_single(&ok, schema).is_ok());
        let bad = Map::from_entries(MapKind::Generic, [("port", Value::str("x"))]);
        let e = validate_single(&bad, schema).expect_err("invalid");
        assert!(e.contains("port"), "{e}");
        assert!(validate_single(&Map::new(), schema).is_err());
        // The second use of a schema is a cache hit, and gives the same answers.
        assert!(Arc::ptr_eq(
            &compiled(schema).unwrap(),
            &compiled(schema).unwrap()
        ));
        assert!(validate_single(&bad, schema).is_err());
        assert!(validate_single(&Map::new(), b"{not json").is_err());
    }
}
