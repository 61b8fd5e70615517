//! Sprig's list functions: `list`/`tuple`, `first`, `rest`, `last`, `initial`,
//! `append`/`push`, `prepend`, `concat`, `reverse`, `uniq`, `without`, `has`, `compact`,
//! `slice` (which replaces Go's builtin), `chunk`, `dig`, and their `must*` variants.
//!
//! Sprig takes any slice through reflection (`first` of a `[]string` works) and reports other
//! kinds as `Cannot find first on type int`; a nil list makes `reflect.TypeOf(nil).Kind()`
//! panic with a nil dereference. The plain and `must*` variants fail with the same text
//! (the plain one panics with the error the `must*` one returns).

use std::sync::Arc;

use gotemplate::{ArgType, FuncError, FuncMap, List, Map, MapKind, Object, Signature, Value};

use super::cast::{arg, arg_int, to_int, NIL_DEREF};
use super::defaults::{deep_equal, is_empty};

/// Registers this family's functions.
pub fn register(m: &mut FuncMap) {
    use ArgType::{Any, Int};
    let one = || Signature::fixed(&[Any]);
    let two = || Signature::fixed(&[Any, Any]);

    for name in ["list", "tuple"] {
        m.add(name, Signature::variadic(&[], Any), |_, a| {
            Ok(Value::List(List::new(a.to_vec())))
        });
    }
    for name in ["append", "push", "mustAppend", "mustPush"] {
        m.add(name, two(), |_, a| {
            let mut items = items_or(arg(a, 0), |k| format!("Cannot push on type {k}"))?;
            items.push(arg(a, 1).clone());
            Ok(list(items))
        });
    }
    for name in ["prepend", "mustPrepend"] {
        m.add(name, two(), |_, a| {
            let items = items_or(arg(a, 0), |k| format!("Cannot prepend on type {k}"))?;
            let mut out = Vec::with_capacity(items.len() + 1);
            out.push(arg(a, 1).clone());
            out.extend(items);
            Ok(list(out))
        });
    }
    for name in ["first", "mustFirst"] {
        m.add(name, one(), |_, a| {
            let items = items_or(arg(a, 0), |k| format!("Cannot find first on type {k}"))?;
            Ok(items.into_iter().next().unwrap_or(Value::Nil))
        });
    }
    for name in ["last", "mustLast"] {
        m.add(name, one(), |_, a| {
            let items = items_or(arg(a, 0), |k| format!("Cannot find last on type {k}"))?;
            Ok(items.into_iter().last().unwrap_or(Value::Nil))
        });
    }
    for name in ["rest", "mustRest"] {
        m.add(name, one(), |_, a| {
            let items = items_or(arg(a, 0), |k| format!("Cannot find rest on type {k}"))?;
            Ok(list(items.into_iter().skip(1).collect()))
        });
    }
    for name in ["initial", "mustInitial"] {
        m.add(name, one(), |_, a| {
            let mut items = items_or(arg(a, 0), |k| format!("Cannot find initial on type {k}"))?;
            items.pop();
            Ok(list(items))
        });
    }
    for name in ["reverse", "mustReverse"] {
        m.add(name, one(), |_, a| {
            let mut items = items_or(arg(a, 0), |k| format!("Cannot find reverse on type {k}"))?;
            items.reverse();
            Ok(list(items))
        });
    }
    for name in ["compact", "mustCompact"] {
        m.add(name, one(), |_, a| {
            let items = items_or(arg(a, 0), |k| format!("Cannot compact on type {k}"))?;
            Ok(list(items.into_iter().filter(|v| !is_empty(v)).collect()))
        });
    }
    for name in ["uniq", "mustUniq"] {
        m.add(name, one(), |_, a| {
            let items = items_or(arg(a, 0), |k| format!("Cannot find uniq on type {k}"))?;
            let mut out: Vec<Value> = Vec::new();
            for v in items {
                if !out.iter().any(|o| deep_equal(&v, o)) {
                    out.push(v);
                }
            }
            Ok(list(out))
        });
    }
    for name in ["without", "mustWithout"] {
        m.add(name, Signature::variadic(&[Any], Any), |_, a| {
            let items = items_or(arg(a, 0), |k| format!("Cannot find without on type {k}"))?;
            let omit = a.get(1..).unwrap_or_default();
            Ok(list(
                items
                    .into_iter()
                    .filter(|v| !omit.iter().any(|o| deep_equal(v, o)))
                    .collect(),
            ))
        });
    }
    for name in ["has", "mustHas"] {
        m.add(name, two(), |_, a| {
            let haystack = arg(a, 1);
            if haystack.is_nil() {
                return Ok(Value::Bool(false));
            }
            let items = items_or(haystack, |k| format!("Cannot find has on type {k}"))?;
            let needle = arg(a, 0);
            Ok(Value::Bool(items.iter().any(|v| deep_equal(needle, v))))
        });
    }
    for name in ["slice", "mustSlice"] {
        m.add(name, Signature::variadic(&[Any], Any), |_, a| {
            slice(arg(a, 0), a.get(1..).unwrap_or_default())
        });
    }
    m.add("concat", Signature::variadic(&[], Any), |_, a| {
        let mut out = Vec::new();
        for l in a {
            out.extend(items_or(l, |k| format!("Cannot concat type {k} as list"))?);
        }
        Ok(list(out))
    });
    for name in ["chunk", "mustChunk"] {
        m.add(name, Signature::fixed(&[Int, Any]), |_, a| {
            chunk(arg_int(a, 0), arg(a, 1))
        });
    }
    m.add("dig", Signature::variadic(&[], Any), |_, a| dig(a));
}

fn list(items: Vec<Value>) -> Value {
    Value::List(List::new(items))
}

/// The elements of a slice-kind value (`Value::List`, `[]byte`, a slice-like host object),
/// or `None` for any other kind.
pub fn slice_items(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::List(l) => Some(l.to_vec()),
        // Go yields uint8 elements; they are plain integers here.
        Value::Bytes(b) => Some(b.iter().map(|x| Value::Int(i64::from(*x))).collect()),
        Value::Object(o) => o.as_list().map(|l| l.to_vec()),
        _ => None,
    }
}

/// The elements of `v`, or Sprig's error naming its kind (Go's nil-type panic for nil).
fn items_or(v: &Value, msg: impl Fn(&str) -> String) -> Result<Vec<Value>, FuncError> {
    if v.is_nil() {
        return Err(FuncError::msg(NIL_DEREF));
    }
    slice_items(v).ok_or_else(|| FuncError::msg(msg(v.kind_name())))
}

/// Sprig's `slice`: `reflect.Value.Slice(start, end)`, keeping the slice's own type.
fn slice(v: &Value, indices: &[Value]) -> Result<Value, FuncError> {
    let items = items_or(v, |k| {
        format!("list should be type of slice or array but {k}")
    })?;
    let len = items.len() as i64;
    if len == 0 {
        return Ok(Value::Nil);
    }
    let start = indices.first().map_or(0, to_int);
    let end = indices.get(1).map_or(len, to_int);
    if start < 0 || end < start || end > len {
        return Err(FuncError::msg(
            "reflect.Value.Slice: slice index out of bounds",
        ));
    }
    let part: Vec<Value> = items
        .get(start as usize..end as usize)
        .unwrap_or_default()
        .to_vec();
    Ok(match v {
        Value::List(l) => Value::List(List::typed(l.elem(), part)),
        Value::Bytes(b) => Value::Bytes(
            b.get(start as usize..end as usize)
                .unwrap_or_default()
                .into(),
        ),
        _ => Value::List(List::new(part)),
    })
}

/// Go's panic for `make` with a negative length.
const MAKESLICE: &str = "runtime error: makeslice: len out of range";

/// Sprig's `chunk`, with its float arithmetic (a zero or negative size panics in `make`).
fn chunk(size: i64, v: &Value) -> Result<Value, FuncError> {
    let items = items_or(v, |k| format!("Cannot chunk type {k}"))?;
    let l = items.len() as i64;
    let cs = super::cast::go_f64_to_i64(((l - 1) as f64 / size as f64).floor() + 1.0);
    if cs < 0 {
        return Err(FuncError::msg(MAKESLICE));
    }
    let mut out = Vec::new();
    for i in 0..cs {
        let mut clen = size;
        if i == cs - 1 {
            clen = super::cast::go_f64_to_i64((l as f64 % size as f64).floor());
            if clen == 0 {
                clen = size;
            }
        }
        if clen < 0 {
            return Err(FuncError::msg(MAKESLICE));
        }
        let mut part = Vec::new();
        for j in 0..clen {
            let ix = i.wrapping_mul(size).wrapping_add(j);
            let item = usize::try_from(ix).ok().and_then(|x| items.get(x));
            match item {
                Some(x) => part.push(x.clone()),
                None => return Err(FuncError::msg("reflect: slice index out of range")),
            }
        }
        out.push(list(part));
    }
    Ok(Value::Object(Arc::new(Chunks(List::new(out)))))
}

/// The `[][]interface {}` that `chunk` returns: the value model has no nested slice element
/// type, so it is a slice-like host object (ranging, `index`, `len` and printing go through
/// [`Object::as_list`] and [`Object::format_v`]).
struct Chunks(List);

impl Object for Chunks {
    fn type_name(&self) -> String {
        "[][]interface {}".to_string()
    }

    fn kind_name(&self) -> &'static str {
        "slice"
    }

    fn format_v(&self) -> String {
        gotemplate::fmt::format_value(&Value::List(self.0.clone()))
    }

    fn is_true(&self) -> bool {
        !self.0.is_empty()
    }

    fn as_list(&self) -> Option<List> {
        Some(self.0.clone())
    }

    fn equals(&self, other: &dyn Object) -> Option<bool> {
        let other = other.as_any().downcast_ref::<Chunks>()?;
        Some(deep_equal(
            &Value::List(self.0.clone()),
            &Value::List(other.0.clone()),
        ))
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Go's panic text for a failed type assertion from `interface {}`.
fn assertion(v: &Value, want: &str) -> FuncError {
    let have = match v {
        Value::Nil => "nil".to_string(),
        other => other.type_name(),
    };
    FuncError::msg(format!(
        "interface conversion: interface {{}} is {have}, not {want}"
    ))
}

/// A value that a Go type assertion to `map[string]interface {}` accepts.
fn as_generic_map(v: &Value) -> Result<Map, FuncError> {
    match v {
        Value::Map(m) if *m.kind() == MapKind::Generic => Ok(m.clone()),
        other => Err(assertion(other, "map[string]interface {}")),
    }
}

/// Sprig's `dig keys... default dict`.
fn dig(a: &[Value]) -> Result<Value, FuncError> {
    if a.len() < 3 {
        return Err(FuncError::msg("dig needs at least three arguments"));
    }
    let n = a.len();
    let mut dict = as_generic_map(arg(a, n - 1))?;
    let default = arg(a, n - 2).clone();
    let mut keys = Vec::with_capacity(n - 2);
    for k in a.get(..n - 2).unwrap_or_default() {
        match k {
            Value::String(s) => keys.push(s.clone()),
            other => return Err(assertion(other, "string")),
        }
    }
    let last = keys.len().saturating_sub(1);
    for (i, k) in keys.iter().enumerate() {
        let Some(step) = dict.get(k) else {
            return Ok(default);
        };
        if i == last {
            return Ok(step);
        }
        dict = as_generic_map(&step)?;
    }
    Ok(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(v: &[i64]) -> Value {
        list(v.iter().map(|i| Value::Int(*i)).collect())
    }

    fn shown(v: &Result<Value, FuncError>) -> String {
        match v {
            Ok(v) => gotemplate::fmt::format_value(v),
            Err(e) => format!("ERR {e}"),
        }
    }

    #[test]
    fn chunking_follows_sprig() {
        assert_eq!(
            shown(&chunk(2, &ints(&[1, 2, 3, 4, 5]))),
            "[[1 2] [3 4] [5]]"
        );
        assert_eq!(shown(&chunk(3, &ints(&[]))), "[]");
        let typed = chunk(2, &ints(&[1]))
            .map(|v| v.type_name())
            .unwrap_or_default();
        assert_eq!(typed, "[][]interface {}");
        assert_eq!(shown(&chunk(5, &ints(&[1, 2]))), "[[1 2]]");
        assert_eq!(shown(&chunk(0, &ints(&[1, 2]))), format!("ERR {MAKESLICE}"));
        assert_eq!(
            shown(&chunk(2, &Value::Int(3))),
            "ERR Cannot chunk type int"
        );
    }

    #[test]
    fn slicing_keeps_bounds_rules() {
        let l = ints(&[1, 2, 3, 4]);
        assert_eq!(shown(&slice(&l, &[Value::Int(1), Value::Int(3)])), "[2 3]");
        assert_eq!(shown(&slice(&l, &[Value::Int(2)])), "[3 4]");
        assert!(slice(&ints(&[1, 2]), &[Value::Int(1), Value::Int(5)]).is_err());
        let strs = Value::List(List::strings(["a", "b", "c"]));
        match slice(&strs, &[Value::Int(1)]) {
            Ok(v) => assert_eq!(v.type_name(), "[]string"),
            Err(e) => panic!("{e}"),
        }
        assert_eq!(
            shown(&slice(&Value::str("hello"), &[])),
            "ERR list should be type of slice or array but string"
        );
    }

    #[test]
    fn dig_asserts_generic_maps() {
        let inner = Map::from_entries(MapKind::Generic, [("b", Value::Int(1))]);
        let outer = Map::from_entries(MapKind::Generic, [("a", Value::Map(inner))]);
        let args = [
            Value::str("a"),
            Value::str("b"),
            Value::str("def"),
            Value::Map(outer.clone()),
        ];
        assert_eq!(shown(&dig(&args)), "1");
        let args = [
            Value::str("x"),
            Value::str("def"),
            Value::Map(outer.clone()),
        ];
        assert_eq!(shown(&dig(&args)), "def");
        let named = outer.retyped(MapKind::Named(std::sync::Arc::from("common.Values")));
        let args = [Value::str("a"), Value::str("def"), Value::Map(named)];
        assert_eq!(
            shown(&dig(&args)),
            "ERR interface conversion: interface {} is common.Values, not map[string]interface {}"
        );
    }

    #[test]
    fn registered_functions_accept_any_slice() {
        let mut m = FuncMap::new();
        register(&mut m);
        let strs = Value::List(List::strings(["a", "b"]));
        assert_eq!(
            super::super::cast::call(&m, "first", std::slice::from_ref(&strs)),
            "a"
        );
        assert_eq!(
            super::super::cast::call(&m, "mustLast", std::slice::from_ref(&strs)),
            "b"
        );
        assert_eq!(
            super::super::cast::call(&m, "append", &[strs, Value::str("c")]),
            "[a b c]"
        );
        assert_eq!(
            super::super::cast::call(&m, "first", &[Value::Int(1)]),
            "ERR Cannot find first on type int"
        );
        assert_eq!(
            super::super::cast::call(&m, "concat", &[ints(&[1]), Value::Int(2)]),
            "ERR Cannot concat type int as list"
        );
        assert_eq!(
            super::super::cast::call(&m, "uniq", &[ints(&[1, 2, 1])]),
            "[1 2]"
        );
    }

    #[test]
    fn nil_lists_panic_like_go() {
        assert_eq!(
            items_or(&Value::Nil, |k| k.to_string())
                .err()
                .map(|e| e.to_string()),
            Some(NIL_DEREF.to_string())
        );
    }
}
