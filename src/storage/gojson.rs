//! JSON text exactly as Go's `encoding/json.Marshal` writes it.
//!
//! Owns the byte-level details that make our release JSON identical to Helm's: HTML-safe
//! string escaping (`<` `>` `&` as `\u003c`…, U+2028/U+2029, `\b` `\f`), Go's float64
//! formatting (`1e+21`, `1e-7`), and map keys sorted bytewise (`Sorted`). Field order of
//! structs is the caller's (serde field order mirrors Go's struct order).

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{Number, Value};

/// `MAX_DEPTH` bounds nesting of free-form values we write or sort.
pub const MAX_DEPTH: usize = 1000;

/// `DepthError`: a value nests deeper than `MAX_DEPTH`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("json: value nested deeper than {MAX_DEPTH} levels")]
pub struct DepthError;

/// `to_go_json` renders `v` compactly, keeping object order, with Go's escaping and numbers.
///
/// Errors: `DepthError` when `v` nests deeper than `MAX_DEPTH`.
pub fn to_go_json(v: &Value) -> Result<String, DepthError> {
    let mut out = String::new();
    write_value(&mut out, v, 0)?;
    Ok(out)
}

fn write_value(out: &mut String, v: &Value, depth: usize) -> Result<(), DepthError> {
    if depth > MAX_DEPTH {
        return Err(DepthError);
    }
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item, depth + 1)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_value(out, item, depth + 1)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// Largest integer a float64 holds exactly; beyond it Go (which decodes numbers into
/// float64) would print the rounded float.
const EXACT_INT: u64 = 1 << 53;

fn write_number(out: &mut String, n: &Number) {
    if let Some(u) = n.as_u64() {
        if u <= EXACT_INT {
            out.push_str(&u.to_string());
            return;
        }
    } else if let Some(i) = n.as_i64() {
        if i.unsigned_abs() <= EXACT_INT {
            out.push_str(&i.to_string());
            return;
        }
    }
    if let Some(f) = n.as_f64() {
        out.push_str(&format_float(f));
    } else {
        out.push_str(&n.to_string());
    }
}

/// `format_float` is Go's `encoding/json` float64 encoding: shortest digits, fixed notation
/// for 1e-6 <= |f| < 1e21, otherwise exponent form with a signed, unpadded-below-10 exponent.
pub fn format_float(f: f64) -> String {
    helm_render::json::format_float_json(f)
}

fn write_string(out: &mut String, s: &str) {
    // Go's encoding/json escaping, with `<`, `>` and `&` escaped as Helm's encoder does.
    helm_render::json::quote_json(s, out, true);
}

/// `Sorted` serializes a free-form value with object keys in bytewise order, as Go marshals
/// `map[string]any`. Use it (via `serialize_sorted`) for values, config and annotations.
pub struct Sorted<'a>(pub &'a Value, pub usize);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.1 > MAX_DEPTH {
            return Err(serde::ser::Error::custom(DepthError));
        }
        match self.0 {
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Sorted(item, self.1 + 1))?;
                }
                seq.end()
            }
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                let mut m = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    m.serialize_entry(k, &Sorted(v, self.1 + 1))?;
                }
                m.end()
            }
            other => other.serialize(s),
        }
    }
}

/// `serialize_sorted` is a `serialize_with` helper for free-form `Value` fields.
pub fn serialize_sorted<S: Serializer>(v: &Value, s: S) -> Result<S::Ok, S::Error> {
    Sorted(v, 0).serialize(s)
}

/// `serialize_sorted_map` is `serialize_sorted` for `serde_json::Map` fields.
pub fn serialize_sorted_map<S: Serializer>(
    m: &serde_json::Map<String, Value>,
    s: S,
) -> Result<S::Ok, S::Error> {
    let mut entries: Vec<(&String, &Value)> = m.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = s.serialize_map(Some(entries.len()))?;
    for (k, v) in entries {
        out.serialize_entry(k, &Sorted(v, 1))?;
    }
    out.end()
}

/// `serialize_sorted_opt_map` is `serialize_sorted_map` for `Option` fields (`None` = null).
pub fn serialize_sorted_opt_map<S: Serializer>(
    m: &Option<serde_json::Map<String, Value>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match m {
        Some(m) => serialize_sorted_map(m, s),
        None => s.serialize_none(),
    }
}

/// `serialize_sorted_vec` is `serialize_sorted` for lists of free-form values.
pub fn serialize_sorted_vec<S: Serializer>(v: &[Value], s: S) -> Result<S::Ok, S::Error> {
    let mut seq = s.serialize_seq(Some(v.len()))?;
    for item in v {
        seq.serialize_element(&Sorted(item, 1))?;
    }
    seq.end()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escapes_like_go() {
        let v = json!("a<b>&c\"\\\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}\u{2028}\u{2029}é");
        assert_eq!(
            to_go_json(&v).unwrap(),
            r#""a\u003cb\u003e\u0026c\"\\\n\r\t\b\f\u0001\u001f"#.to_string()
                + "\u{7f}\\u2028\\u2029é\""
        );
    }

    #[test]
    fn floats_like_go() {
        let cases = [
            (1.0, "1"),
            (1.5, "1.5"),
            (-0.25, "-0.25"),
            (1e6, "1000000"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1.5e300, "1.5e+300"),
            (1e-6, "0.000001"),
            (1e-7, "1e-7"),
            (1.25e-10, "1.25e-10"),
            (0.1, "0.1"),
            (0.0, "0"),
        ];
        for (f, want) in cases {
            assert_eq!(format_float(f), want, "{f}");
        }
    }

    #[test]
    fn big_integers_go_through_float64() {
        assert_eq!(
            to_go_json(&json!(9007199254740993u64)).unwrap(),
            "9007199254740992"
        );
        assert_eq!(to_go_json(&json!(-42)).unwrap(), "-42");
        assert_eq!(
            to_go_json(&json!(12345678901234567890u64)).unwrap(),
            "12345678901234567000"
        );
    }

    #[test]
    fn sorted_orders_keys_recursively() {
        let v: Value = serde_json::from_str(r#"{"b":1,"a":{"z":[{"y":1,"x":2}],"B":0}}"#).unwrap();
        let sorted = serde_json::to_value(Sorted(&v, 0)).unwrap();
        assert_eq!(
            to_go_json(&sorted).unwrap(),
            r#"{"a":{"B":0,"z":[{"x":2,"y":1}]},"b":1}"#
        );
    }

    #[test]
    fn depth_is_bounded() {
        let mut v = json!(1);
        for _ in 0..(MAX_DEPTH + 5) {
            v = json!([v]);
        }
        assert_eq!(to_go_json(&v), Err(DepthError));
        assert!(serde_json::to_value(Sorted(&v, 0)).is_err());
        // Dropping a deep Value recurses in serde_json; unwind it iteratively.
        let mut cur = v;
        while let Value::Array(mut items) = cur {
            cur = items.pop().unwrap_or(Value::Null);
        }
    }
}
