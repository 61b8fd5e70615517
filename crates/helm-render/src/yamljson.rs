//! YAML ↔ JSON the way Kubernetes tools convert manifests (`sigs.k8s.io/yaml`'s
//! `YAMLToJSON` / `JSONToYAML`): YAML 1.1 scalars as go-yaml v2 reads them, integers kept as
//! integers, map keys turned into strings; and back to YAML with go-yaml v2's layout.
//!
//! This is what the operator uses to apply rendered manifests and to print YAML, so the
//! project needs no serde YAML crate (serde_yaml is deprecated).

use crate::values::{decode_go_yaml, GoYaml, ValuesError};

/// Maximum nesting accepted when converting.
const MAX_DEPTH: usize = 10_000;

/// Converts the first YAML document of `text` to JSON, as `sigs.k8s.io/yaml.YAMLToJSON`.
pub fn yaml_to_json(text: &str) -> Result<serde_json::Value, ValuesError> {
    let doc = decode_go_yaml(text)
        .map_err(|e| ValuesError(format!("error converting YAML to JSON: {}", e.0)))?;
    go_to_json(&doc, 0).map_err(|e| ValuesError(format!("error converting YAML to JSON: {e}")))
}

fn key_text(k: &GoYaml) -> Result<String, String> {
    Ok(match k {
        GoYaml::Str(s) => s.clone(),
        GoYaml::Int(i) => i.to_string(),
        GoYaml::Uint(u) => u.to_string(),
        GoYaml::Float(f) => crate::json::format_float_g(*f, 64),
        GoYaml::Bool(b) => b.to_string(),
        GoYaml::Null => "null".to_string(),
        GoYaml::Seq(_) | GoYaml::Map(_) => return Err("invalid map key".to_string()),
    })
}

fn go_to_json(v: &GoYaml, depth: usize) -> Result<serde_json::Value, String> {
    use serde_json::Value as J;
    if depth > MAX_DEPTH {
        return Err(format!("exceeded max depth of {MAX_DEPTH}"));
    }
    Ok(match v {
        GoYaml::Null => J::Null,
        GoYaml::Bool(b) => J::Bool(*b),
        GoYaml::Int(i) => J::from(*i),
        GoYaml::Uint(u) => J::from(*u),
        GoYaml::Float(f) => match serde_json::Number::from_f64(*f) {
            Some(n) => J::Number(n),
            None => return Err(format!("json: unsupported value: {f}")),
        },
        GoYaml::Str(s) => J::String(s.clone()),
        GoYaml::Seq(items) => J::Array(
            items
                .iter()
                .map(|i| go_to_json(i, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        GoYaml::Map(items) => {
            let mut m = serde_json::Map::new();
            for (k, v) in items {
                m.insert(key_text(k)?, go_to_json(v, depth + 1)?);
            }
            J::Object(m)
        }
    })
}

/// Converts JSON to YAML text as `sigs.k8s.io/yaml.JSONToYAML` (go-yaml v2 layout, sorted
/// keys), with a trailing newline.
pub fn json_to_yaml(v: &serde_json::Value) -> Result<String, String> {
    let value = crate::strvals::from_json(v);
    crate::yaml::marshal(&value).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints_stay_ints_and_yaml11_scalars_resolve() {
        let j = yaml_to_json("a: 3\nb: 1.5\nc: yes\nd: \"yes\"\n1: x\ne: [1, null]\n")
            .expect("converts");
        assert_eq!(
            j,
            serde_json::json!({"a": 3, "b": 1.5, "c": true, "d": "yes", "1": "x", "e": [1, null]})
        );
    }

    #[test]
    fn round_trip() {
        let j = serde_json::json!({"kind": "ConfigMap", "data": {"k": "v"}, "num": 2, "n": 1});
        let y = json_to_yaml(&j).expect("emits");
        // go-yaml quotes `n`, a YAML 1.1 boolean.
        assert_eq!(y, "data:\n  k: v\nkind: ConfigMap\n\"n\": 1\nnum: 2\n");
        assert_eq!(yaml_to_json(&y).expect("parses"), j);
    }

    #[test]
    fn bad_yaml_is_an_error() {
        assert!(yaml_to_json("a: [1").is_err());
    }
}
