//! Sprig's defaults and reflection functions: `default`, `empty`, `coalesce`, `all`, `any`,
//! `ternary`, `typeOf`, `typeIs`, `typeIsLike`, `kindOf`, `kindIs` and `deepEqual`.
//!
//! [`is_empty`] and [`deep_equal`] are shared with the list functions (`compact`, `has`,
//! `uniq`, `without`). `fail` and `required` are Helm's and live with the engine.

use std::sync::Arc;

use gotemplate::{ArgType, FuncMap, Signature, Value};

use super::cast::{arg, arg_str};

/// Nesting depth past which `deepEqual` gives up (and reports "not equal").
const MAX_DEPTH: usize = 1000;

/// Registers this family's functions.
pub fn register(m: &mut FuncMap) {
    use ArgType::{Any, Bool, String as S};
    m.add(
        "default",
        Signature::variadic(&[Any], Any),
        |_, a| match a.get(1) {
            Some(given) if !is_empty(given) => Ok(given.clone()),
            _ => Ok(arg(a, 0).clone()),
        },
    );
    m.add("empty", Signature::fixed(&[Any]), |_, a| {
        Ok(Value::Bool(is_empty(arg(a, 0))))
    });
    m.add("coalesce", Signature::variadic(&[], Any), |_, a| {
        Ok(a.iter()
            .find(|v| !is_empty(v))
            .cloned()
            .unwrap_or(Value::Nil))
    });
    m.add("all", Signature::variadic(&[], Any), |_, a| {
        Ok(Value::Bool(a.iter().all(|v| !is_empty(v))))
    });
    m.add("any", Signature::variadic(&[], Any), |_, a| {
        Ok(Value::Bool(a.iter().any(|v| !is_empty(v))))
    });
    m.add("ternary", Signature::fixed(&[Any, Any, Bool]), |_, a| {
        let cond = matches!(a.get(2), Some(Value::Bool(true)));
        Ok(arg(a, if cond { 0 } else { 1 }).clone())
    });
    m.add("typeOf", Signature::fixed(&[Any]), |_, a| {
        Ok(Value::from(arg(a, 0).type_name()))
    });
    m.add("typeIs", Signature::fixed(&[S, Any]), |_, a| {
        Ok(Value::Bool(arg_str(a, 0) == arg(a, 1).type_name()))
    });
    m.add("typeIsLike", Signature::fixed(&[S, Any]), |_, a| {
        let t = arg(a, 1).type_name();
        let target = arg_str(a, 0);
        Ok(Value::Bool(
            target == t || t.strip_prefix('*') == Some(target),
        ))
    });
    m.add("kindOf", Signature::fixed(&[Any]), |_, a| {
        Ok(Value::str(arg(a, 0).kind_name()))
    });
    m.add("kindIs", Signature::fixed(&[S, Any]), |_, a| {
        Ok(Value::Bool(arg_str(a, 0) == arg(a, 1).kind_name()))
    });
    m.add("deepEqual", Signature::fixed(&[Any, Any]), |_, a| {
        Ok(Value::Bool(deep_equal(arg(a, 0), arg(a, 1))))
    });
}

/// Sprig's `empty`: nil, false, zero numbers and empty strings, slices and maps; nil
/// pointers are empty, structs never are. That is the negation of Go template truth.
pub fn is_empty(v: &Value) -> bool {
    !v.is_true()
}

/// Go's `reflect.DeepEqual` on template values: the dynamic types must be identical (`1` and
/// `1.0`, `int` and `int64`, `[]string` and `[]interface {}` all differ), then contents.
pub fn deep_equal(a: &Value, b: &Value) -> bool {
    deep_equal_at(a, b, 0)
}

fn deep_equal_at(a: &Value, b: &Value, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) | (Value::Int64(x), Value::Int64(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bytes(x), Value::Bytes(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.elem() == y.elem()
                && x.len() == y.len()
                && (x.ptr_eq(y)
                    || x.iter()
                        .zip(y.iter())
                        .all(|(p, q)| deep_equal_at(p, q, depth + 1)))
        }
        (Value::Map(x), Value::Map(y)) => {
            if x.kind() != y.kind() {
                return false;
            }
            if x.ptr_eq(y) {
                return true;
            }
            if x.len() != y.len() {
                return false;
            }
            x.entries().iter().all(|(k, v)| match y.get(k) {
                Some(w) => deep_equal_at(v, &w, depth + 1),
                None => false,
            })
        }
        (Value::Object(x), Value::Object(y)) => {
            if x.type_name() != y.type_name() {
                return false;
            }
            if Arc::ptr_eq(x, y) {
                return true;
            }
            x.equals(y.as_ref())
                .unwrap_or_else(|| x.format_sharp_v() == y.format_sharp_v())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gotemplate::{List, Map, MapKind};

    #[test]
    fn emptiness_follows_sprig() {
        assert!(is_empty(&Value::Nil));
        assert!(is_empty(&Value::Int(0)));
        assert!(is_empty(&Value::Float(0.0)));
        assert!(is_empty(&Value::str("")));
        assert!(is_empty(&Value::List(List::default())));
        assert!(is_empty(&Value::Map(Map::new())));
        assert!(!is_empty(&Value::List(List::new(vec![Value::Int(0)]))));
        assert!(!is_empty(&Value::Bool(true)));
    }

    #[test]
    fn deep_equal_needs_identical_types() {
        assert!(deep_equal(&Value::Int(1), &Value::Int(1)));
        assert!(!deep_equal(&Value::Int(1), &Value::Int64(1)));
        assert!(!deep_equal(&Value::Int(1), &Value::Float(1.0)));
        let l1 = Value::List(List::new(vec![Value::Float(1.0), Value::Float(2.0)]));
        let l2 = Value::List(List::new(vec![Value::Float(1.0), Value::Float(2.0)]));
        assert!(deep_equal(&l1, &l2));
        assert!(!deep_equal(
            &Value::List(List::strings(["a"])),
            &Value::List(List::new(vec![Value::str("a")]))
        ));
        let m1 = Map::from_entries(MapKind::Generic, [("a", Value::Int(1))]);
        let m2 = Map::from_entries(MapKind::Generic, [("a", Value::Int(1))]);
        assert!(deep_equal(&Value::Map(m1.clone()), &Value::Map(m2)));
        let named = m1.retyped(MapKind::Named(Arc::from("common.Values")));
        assert!(!deep_equal(&Value::Map(m1), &Value::Map(named)));
    }
}
