//! Sprig's dictionary functions: `dict`, `get`, `set`, `unset`, `hasKey`, `pluck`, `keys`,
//! `values`, `pick`, `omit`, `merge`/`mergeOverwrite` (dario.cat/mergo rules) and
//! `deepCopy` (mitchellh/copystructure), with their `must*` variants.
//!
//! Maps are shared and mutable as in Go: `set`, `unset` and `merge` change the map they are
//! given (so `.Values` itself when it is passed) and return it. A map passed through a
//! `map[string]interface {}` parameter comes back as that type, so `typeOf (set .Values ..)`
//! is `map[string]interface {}`.

use gotemplate::{ArgType, FuncError, FuncMap, List, Map, MapKind, Signature, Value};

use super::cast::{arg, arg_str, to_string};
use super::defaults::is_empty;

/// Nesting depth past which `merge` and `deepCopy` stop (Go would overflow its stack on a
/// map that contains itself).
const MAX_DEPTH: usize = 1000;

/// Registers this family's functions.
pub fn register(m: &mut FuncMap) {
    use ArgType::{Any, Map as M, String as S};

    m.add("dict", Signature::variadic(&[], Any), |_, a| {
        let d = Map::new();
        for pair in a.chunks(2) {
            let key = to_string(arg(pair, 0));
            d.insert(key, pair.get(1).cloned().unwrap_or_else(|| Value::str("")));
        }
        Ok(Value::Map(d))
    });
    m.add("get", Signature::fixed(&[M, S]), |_, a| {
        Ok(map_arg(arg(a, 0))
            .and_then(|d| d.get(arg_str(a, 1)))
            .unwrap_or_else(|| Value::str("")))
    });
    m.add("set", Signature::fixed(&[M, S, Any]), |_, a| {
        let d =
            map_arg(arg(a, 0)).ok_or_else(|| FuncError::msg("assignment to entry in nil map"))?;
        d.insert(arg_str(a, 1), arg(a, 2).clone());
        Ok(generic(&d))
    });
    m.add("unset", Signature::fixed(&[M, S]), |_, a| {
        Ok(match map_arg(arg(a, 0)) {
            Some(d) => {
                d.remove(arg_str(a, 1));
                generic(&d)
            }
            None => Value::Map(Map::new()),
        })
    });
    m.add("hasKey", Signature::fixed(&[M, S]), |_, a| {
        Ok(Value::Bool(
            map_arg(arg(a, 0)).is_some_and(|d| d.contains_key(arg_str(a, 1))),
        ))
    });
    m.add("pluck", Signature::variadic(&[S], M), |_, a| {
        let key = arg_str(a, 0);
        let found: Vec<Value> = a
            .iter()
            .skip(1)
            .filter_map(|d| map_arg(d).and_then(|d| d.get(key)))
            .collect();
        Ok(Value::List(List::new(found)))
    });
    m.add("keys", Signature::variadic(&[], M), |_, a| {
        let keys: Vec<String> = a
            .iter()
            .filter_map(map_arg)
            .flat_map(|d| d.keys())
            .map(|k| k.to_string())
            .collect();
        Ok(Value::List(List::strings(keys)))
    });
    m.add("values", Signature::fixed(&[M]), |_, a| {
        let vals = map_arg(arg(a, 0))
            .map(|d| d.entries().into_iter().map(|(_, v)| v).collect())
            .unwrap_or_default();
        Ok(Value::List(List::new(vals)))
    });
    m.add("pick", Signature::variadic(&[M], S), |_, a| {
        let out = Map::new();
        if let Some(d) = map_arg(arg(a, 0)) {
            for k in a.iter().skip(1).filter_map(Value::as_str) {
                if let Some(v) = d.get(k) {
                    out.insert(k, v);
                }
            }
        }
        Ok(Value::Map(out))
    });
    m.add("omit", Signature::variadic(&[M], S), |_, a| {
        let out = Map::new();
        if let Some(d) = map_arg(arg(a, 0)) {
            let omit: Vec<&str> = a.iter().skip(1).filter_map(Value::as_str).collect();
            for (k, v) in d.entries() {
                if !omit.contains(&&*k) {
                    out.insert(k, v);
                }
            }
        }
        Ok(Value::Map(out))
    });
    let merges: [(&str, bool, bool); 4] = [
        ("merge", false, false),
        ("mustMerge", false, true),
        ("mergeOverwrite", true, false),
        ("mustMergeOverwrite", true, true),
    ];
    for (name, overwrite, must) in merges {
        m.add(name, Signature::variadic(&[M], M), move |_, a| {
            match merge_all(arg(a, 0), a.get(1..).unwrap_or_default(), overwrite) {
                Ok(v) => Ok(v),
                // Sprig swallows mergo's errors in the plain variants.
                Err(_) if !must => Ok(Value::str("")),
                Err(e) => Err(FuncError::msg(e)),
            }
        });
    }
    for name in ["deepCopy", "mustDeepCopy"] {
        m.add(name, Signature::fixed(&[Any]), |_, a| {
            let v = arg(a, 0);
            if v.is_nil() {
                return Err(FuncError::msg(
                    "reflect: call of reflect.Value.Type on zero Value",
                ));
            }
            deep_copy(v, 0).map_err(FuncError::msg)
        });
    }
}

/// The map behind a `map[string]interface {}` argument; `None` for a nil map.
fn map_arg(v: &Value) -> Option<Map> {
    v.as_map()
}

/// The same map seen as `map[string]interface {}` (what a Go function returns it as).
fn generic(m: &Map) -> Value {
    Value::Map(m.retyped(MapKind::Generic))
}

/// Sprig's `merge`/`mergeOverwrite`: every source merged into `dst` in turn.
fn merge_all(dst: &Value, srcs: &[Value], overwrite: bool) -> Result<Value, String> {
    let mut dst = map_arg(dst);
    for src in srcs {
        let Some(src) = map_arg(src) else { continue };
        // mergo makes a nil destination map when the source is not nil.
        let d = dst.get_or_insert_with(Map::new);
        merge_maps(d, &src, overwrite, 0)?;
    }
    Ok(match dst {
        Some(d) => generic(&d),
        None => Value::Map(Map::new()),
    })
}

fn is_slice(v: &Value) -> bool {
    match v {
        Value::List(_) | Value::Bytes(_) => true,
        Value::Object(o) => o.kind_name() == "slice",
        _ => false,
    }
}

/// mergo's `deepMerge` for two `map[string]interface {}` values, entry by entry:
/// nested maps merge recursively; a nil source entry is copied only when overwriting; a
/// slice replaces the destination's only when overwriting (or the destination map is empty);
/// any other entry fills in a missing or empty destination entry, or overwrites.
fn merge_maps(dst: &Map, src: &Map, overwrite: bool, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("merge: maps nested deeper than {MAX_DEPTH} levels"));
    }
    if dst.ptr_eq(src) {
        return Ok(());
    }
    for (key, s) in src.entries() {
        let d = dst.get(&key);
        if s.is_nil() {
            if overwrite {
                dst.insert(&*key, Value::Nil);
            }
            continue;
        }
        if let Value::Map(sm) = &s {
            if let Some(Value::Map(dm)) = &d {
                merge_maps(dm, sm, overwrite, depth + 1)?;
            }
        } else if is_slice(&s) {
            let keep = match &d {
                None | Some(Value::Nil) => Value::List(List::default()),
                Some(v) => v.clone(),
            };
            let replace = overwrite || dst.is_empty();
            dst.insert(&*key, if replace { s.clone() } else { keep });
        }
        if let Some(dv) = &d {
            if !is_empty(dv) && (is_slice(&s) || (s.as_map().is_some() && dv.as_map().is_some())) {
                continue;
            }
        }
        if overwrite || d.as_ref().is_none_or(is_empty) {
            dst.insert(&*key, s);
        }
    }
    Ok(())
}

/// copystructure's `Copy`: maps and lists are copied all the way down (keeping their Go
/// types); scalars and host objects are immutable and shared.
fn deep_copy(v: &Value, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "deepCopy: values nested deeper than {MAX_DEPTH} levels"
        ));
    }
    Ok(match v {
        Value::Map(m) => {
            let entries = m
                .entries()
                .into_iter()
                .map(|(k, v)| deep_copy(&v, depth + 1).map(|c| (k, c)))
                .collect::<Result<Vec<_>, _>>()?;
            Value::Map(Map::from_entries(m.kind().clone(), entries))
        }
        Value::List(l) => {
            let items = l
                .iter()
                .map(|x| deep_copy(x, depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            Value::List(List::typed(l.elem(), items))
        }
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(v: &Value) -> String {
        match v {
            Value::Map(m) => {
                let parts: Vec<String> = m
                    .entries()
                    .iter()
                    .map(|(k, v)| format!("{k}:{}", json(v)))
                    .collect();
                format!("{{{}}}", parts.join(","))
            }
            Value::List(l) => {
                let parts: Vec<String> = l.iter().map(json).collect();
                format!("[{}]", parts.join(","))
            }
            Value::Nil => "null".into(),
            Value::String(s) => format!("{s:?}"),
            Value::Int(i) => i.to_string(),
            Value::Bool(b) => b.to_string(),
            other => format!("{other:?}"),
        }
    }

    fn map(entries: Vec<(&str, Value)>) -> Map {
        Map::from_entries(MapKind::Generic, entries)
    }

    fn ints(v: &[i64]) -> Value {
        Value::List(List::new(v.iter().map(|i| Value::Int(*i)).collect()))
    }

    fn fixture() -> (Map, Map) {
        let dst = map(vec![
            ("a", Value::Int(1)),
            (
                "nest",
                Value::Map(map(vec![("x", Value::Int(1)), ("l", ints(&[1, 2]))])),
            ),
            ("keep", Value::str("k")),
            ("empty", Value::str("")),
            ("zero", Value::Int(0)),
            ("f", Value::Bool(false)),
        ]);
        let src = map(vec![
            ("a", Value::Int(2)),
            ("b", Value::Int(3)),
            (
                "nest",
                Value::Map(map(vec![("yy", Value::Int(2)), ("l", ints(&[9]))])),
            ),
            ("empty", Value::str("filled")),
            ("zero", Value::Int(5)),
            ("f", Value::Bool(true)),
        ]);
        (dst, src)
    }

    #[test]
    fn merge_keeps_destination_values() {
        let (dst, src) = fixture();
        let out = merge_all(&Value::Map(dst.clone()), &[Value::Map(src)], false);
        assert_eq!(
            out.map(|v| json(&v)).unwrap_or_default(),
            r#"{a:1,b:3,empty:"filled",f:true,keep:"k",nest:{l:[1,2],x:1,yy:2},zero:5}"#
        );
        // The destination itself was changed.
        assert!(dst.contains_key("b"));
    }

    #[test]
    fn merge_overwrite_replaces_even_with_empty_values() {
        let (dst, src) = fixture();
        let out = merge_all(&Value::Map(dst), &[Value::Map(src)], true);
        assert_eq!(
            out.map(|v| json(&v)).unwrap_or_default(),
            r#"{a:2,b:3,empty:"filled",f:true,keep:"k",nest:{l:[9],x:1,yy:2},zero:5}"#
        );
        let dst = map(vec![("a", Value::Int(1)), ("d", ints(&[1]))]);
        let src = map(vec![("a", Value::Int(0)), ("d", ints(&[]))]);
        let out = merge_all(&Value::Map(dst), &[Value::Map(src)], true);
        assert_eq!(out.map(|v| json(&v)).unwrap_or_default(), "{a:0,d:[]}");
        let dst = map(vec![("a", Value::Int(1))]);
        let src = map(vec![("a", Value::Nil)]);
        let out = merge_all(&Value::Map(dst), &[Value::Map(src)], true);
        assert_eq!(out.map(|v| json(&v)).unwrap_or_default(), "{a:null}");
    }

    #[test]
    fn registered_functions_mutate_in_place() {
        use super::super::cast::call;
        let mut fm = FuncMap::new();
        register(&mut fm);
        let d = map(vec![("a", Value::Int(1))]);
        let named = Value::Map(d.retyped(MapKind::Named(std::sync::Arc::from("common.Values"))));
        assert_eq!(
            call(&fm, "set", &[named.clone(), Value::str("b"), Value::Int(2)]),
            "map[a:1 b:2]"
        );
        assert!(d.contains_key("b"));
        assert_eq!(call(&fm, "unset", &[named, Value::str("a")]), "map[b:2]");
        assert_eq!(
            call(
                &fm,
                "dict",
                &[Value::Int(1), Value::str("x"), Value::str("k")]
            ),
            "map[1:x k:]"
        );
        assert_eq!(
            call(&fm, "deepCopy", &[Value::Nil]),
            "ERR reflect: call of reflect.Value.Type on zero Value"
        );
    }

    #[test]
    fn deep_copy_is_independent_and_typed() {
        let inner = map(vec![("b", ints(&[10, 20]))]);
        let named = Map::from_entries(
            MapKind::Named(std::sync::Arc::from("common.Values")),
            [("a", Value::Map(inner.clone()))],
        );
        let copy = deep_copy(&Value::Map(named), 0).unwrap_or_default();
        assert_eq!(copy.type_name(), "common.Values");
        if let Some(Value::Map(c)) = copy.as_map().and_then(|m| m.get("a")) {
            c.insert("x", Value::Int(1));
        }
        assert!(!inner.contains_key("x"));
    }
}
