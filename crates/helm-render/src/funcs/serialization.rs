//! Serialization functions: Helm's `toYaml`, `mustToYaml`, `toYamlPretty`, `fromYaml`,
//! `fromYamlArray`, `toJson`, `mustToJson`, `fromJson`, `fromJsonArray`, `toToml`,
//! `mustToToml`, `fromToml` (these replace Sprig's same-named ones, as in Helm's funcMap) and
//! Sprig's `toPrettyJson`, `mustToPrettyJson`, `toRawJson`, `mustToRawJson`, `mustFromJson`.
//!
//! Error behaviour follows Go: Helm's non-must variants swallow errors (`""`, or an `Error`
//! key for the `from*` ones), `toToml` returns the encoder's error text, Sprig's `toRawJson`
//! panics (so it fails the render like the must variants).

use gotemplate::{ArgType, FuncError, FuncMap, Signature, Value};

use crate::{json, toml, yaml};

fn arg(a: &[Value]) -> Value {
    a.first().cloned().unwrap_or_default()
}

fn str_arg(a: &[Value]) -> String {
    a.first()
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_default()
}

/// Registers this family's functions.
pub fn register(m: &mut FuncMap) {
    let any = || Signature::fixed(&[ArgType::Any]);
    let string = || Signature::fixed(&[ArgType::String]);

    m.add("toYaml", any(), |_, a| {
        Ok(Value::str(yaml::to_yaml(&arg(a)).unwrap_or_default()))
    });
    m.add("mustToYaml", any(), |_, a| {
        yaml::to_yaml(&arg(a))
            .map(Value::str)
            .map_err(|e| FuncError::msg(e.0))
    });
    m.add("toYamlPretty", any(), |_, a| {
        Ok(Value::str(
            yaml::to_yaml_pretty(&arg(a)).unwrap_or_default(),
        ))
    });
    m.add("fromYaml", string(), |_, a| {
        Ok(Value::Map(yaml::from_yaml(&str_arg(a))))
    });
    m.add("fromYamlArray", string(), |_, a| {
        Ok(Value::List(yaml::from_yaml_array(&str_arg(a))))
    });

    m.add("toJson", any(), |_, a| {
        Ok(Value::str(json::to_json(&arg(a)).unwrap_or_default()))
    });
    m.add("mustToJson", any(), |_, a| {
        json::to_json(&arg(a))
            .map(Value::str)
            .map_err(|e| FuncError::msg(e.0))
    });
    m.add("toPrettyJson", any(), |_, a| {
        Ok(Value::str(
            json::to_pretty_json(&arg(a)).unwrap_or_default(),
        ))
    });
    m.add("mustToPrettyJson", any(), |_, a| {
        json::to_pretty_json(&arg(a))
            .map(Value::str)
            .map_err(|e| FuncError::msg(e.0))
    });
    // Sprig's toRawJson panics on an encoding error, which fails the render.
    m.add("toRawJson", any(), |_, a| {
        json::to_raw_json(&arg(a))
            .map(Value::str)
            .map_err(|e| FuncError::msg(e.0))
    });
    m.add("mustToRawJson", any(), |_, a| {
        json::to_raw_json(&arg(a))
            .map(Value::str)
            .map_err(|e| FuncError::msg(e.0))
    });
    m.add("fromJson", string(), |_, a| {
        Ok(Value::Map(json::from_json(&str_arg(a))))
    });
    m.add("fromJsonArray", string(), |_, a| {
        Ok(Value::List(json::from_json_array(&str_arg(a))))
    });
    m.add("mustFromJson", string(), |_, a| {
        json::must_from_json(&str_arg(a)).map_err(FuncError::msg)
    });

    m.add("toToml", any(), |_, a| {
        let v = arg(a);
        if v.is_nil() {
            return Err(FuncError::msg(toml::NIL_PANIC));
        }
        Ok(Value::str(match toml::to_toml(&v) {
            Ok(s) => s,
            Err(e) => e.0,
        }))
    });
    m.add("mustToToml", any(), |_, a| {
        let v = arg(a);
        if v.is_nil() {
            return Err(FuncError::msg(toml::NIL_PANIC));
        }
        toml::to_toml(&v)
            .map(Value::str)
            .map_err(|e| FuncError::msg(e.0))
    });
    m.add("fromToml", string(), |_, a| {
        Ok(Value::Map(toml::from_toml(&str_arg(a))))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registers_helm_and_sprig_names() {
        let mut m = FuncMap::new();
        register(&mut m);
        for name in [
            "toYaml",
            "mustToYaml",
            "toYamlPretty",
            "fromYaml",
            "fromYamlArray",
            "toJson",
            "mustToJson",
            "toPrettyJson",
            "mustToPrettyJson",
            "toRawJson",
            "mustToRawJson",
            "fromJson",
            "fromJsonArray",
            "mustFromJson",
            "toToml",
            "mustToToml",
            "fromToml",
        ] {
            assert!(m.contains(name), "{name} missing");
        }
        assert_eq!(
            m.get("fromYaml").map(|f| f.sig.clone()),
            Some(Signature::fixed(&[ArgType::String]))
        );
    }
}
