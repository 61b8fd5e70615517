//! Go's builtin template functions (`and`, `or`, `not`, `len`, `index`, `slice`, `call`,
//! `print*`, `html`, `js`, `urlquery`, `eq`/`ne`/`lt`/`le`/`gt`/`ge`) with Go 1.26's exact
//! semantics and error texts, plus the two Go types the value model lacks but builtins and
//! literals produce: `uint8` (a byte from `index "abc" 1`) and `complex128` (`{{ 1i }}`).
//!
//! Most of Go's builtins take `reflect.Value` parameters, so they see the difference between
//! an invalid value (`(.missing)`), a nil interface (`.missing`) and a concrete value; they
//! therefore work on the executor's [`V`] rather than on plain [`Value`]s. `and`/`or`
//! short-circuit and are evaluated by the executor itself.

use std::sync::Arc;

use crate::exec::V;
use crate::funcs::{ArgType, FuncError};
use crate::value::{List, Object, Value};

/// Names of Go's builtin functions, which the parser accepts without a FuncMap entry.
pub const BUILTIN_NAMES: &[&str] = &[
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
    "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
];

/// One of Go's builtins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    And,
    Or,
    Not,
    Len,
    Index,
    Slice,
    Call,
    Html,
    Js,
    Urlquery,
    Print,
    Printf,
    Println,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Builtin {
    /// The builtin called `name`, if any.
    pub(crate) fn lookup(name: &str) -> Option<Builtin> {
        Some(match name {
            "and" => Builtin::And,
            "or" => Builtin::Or,
            "not" => Builtin::Not,
            "len" => Builtin::Len,
            "index" => Builtin::Index,
            "slice" => Builtin::Slice,
            "call" => Builtin::Call,
            "html" => Builtin::Html,
            "js" => Builtin::Js,
            "urlquery" => Builtin::Urlquery,
            "print" => Builtin::Print,
            "printf" => Builtin::Printf,
            "println" => Builtin::Println,
            "eq" => Builtin::Eq,
            "ne" => Builtin::Ne,
            "lt" => Builtin::Lt,
            "le" => Builtin::Le,
            "gt" => Builtin::Gt,
            "ge" => Builtin::Ge,
            _ => return None,
        })
    }

    /// Go's parameter list: fixed parameters and the variadic tail, if any.
    pub(crate) fn params(self) -> (&'static [ArgType], Option<ArgType>) {
        use ArgType::{Any, Reflect, String};
        match self {
            Builtin::And
            | Builtin::Or
            | Builtin::Index
            | Builtin::Slice
            | Builtin::Call
            | Builtin::Eq => (&[Reflect], Some(Reflect)),
            Builtin::Not | Builtin::Len => (&[Reflect], None),
            Builtin::Html | Builtin::Js | Builtin::Urlquery | Builtin::Print | Builtin::Println => {
                (&[], Some(Any))
            }
            Builtin::Printf => (&[String], Some(Any)),
            Builtin::Ne | Builtin::Lt | Builtin::Le | Builtin::Gt | Builtin::Ge => {
                (&[Reflect, Reflect], None)
            }
        }
    }
}

fn msg(m: impl Into<String>) -> FuncError {
    FuncError::Msg(m.into())
}

fn values(args: &[V]) -> Vec<Value> {
    args.iter().map(V::to_value).collect()
}

/// Calls a builtin (other than `and`/`or`) with already evaluated arguments.
pub(crate) fn call(b: Builtin, args: &[V]) -> Result<V, FuncError> {
    let arg = |i: usize| args.get(i).unwrap_or(&V::Invalid);
    let rest = args.get(1..).unwrap_or(&[]);
    let boolean = |r: Result<bool, FuncError>| r.map(|b| V::Val(Value::Bool(b)));
    match b {
        Builtin::And | Builtin::Or => {
            // Evaluated lazily by the executor; this is the eager equivalent.
            let want = b == Builtin::Or;
            let mut last = V::Invalid;
            for a in args {
                last = a.clone();
                if a.truth() == want {
                    break;
                }
            }
            Ok(last)
        }
        Builtin::Not => Ok(V::Val(Value::Bool(!arg(0).truth()))),
        Builtin::Len => length(arg(0)).map(|n| V::Val(Value::Int(n))),
        Builtin::Index => index(arg(0), rest),
        Builtin::Slice => slice(arg(0), rest),
        Builtin::Call => call_fn("", arg(0)),
        Builtin::Html => Ok(V::Val(Value::from(html_escape(&eval_args(args))))),
        Builtin::Js => Ok(V::Val(Value::from(js_escape(&eval_args(args))))),
        Builtin::Urlquery => Ok(V::Val(Value::from(query_escape(&eval_args(args))))),
        Builtin::Print => Ok(V::Val(Value::from(crate::fmt::sprint(&values(args))))),
        Builtin::Println => Ok(V::Val(Value::from(crate::fmt::sprintln(&values(args))))),
        Builtin::Printf => {
            let format = arg(0).to_value();
            let format = format.as_str().unwrap_or("");
            Ok(V::Val(Value::from(crate::fmt::sprintf(
                format,
                &values(rest),
            ))))
        }
        Builtin::Eq => boolean(eq(arg(0), rest)),
        Builtin::Ne => boolean(eq(arg(0), rest).map(|b| !b)),
        Builtin::Lt => boolean(lt(arg(0), arg(1))),
        Builtin::Le => boolean(le(arg(0), arg(1))),
        Builtin::Gt => boolean(le(arg(0), arg(1)).map(|b| !b)),
        Builtin::Ge => boolean(lt(arg(0), arg(1)).map(|b| !b)),
    }
}

/// Go's `call`: the value model has no function values, so every call fails as Go's does
/// for a non-function. `callee` is how the template wrote the function operand.
pub(crate) fn call_fn(callee: &str, f: &V) -> Result<V, FuncError> {
    match f.indirect_iface() {
        None => Err(msg("call of nil")),
        Some(v) => Err(msg(format!(
            "non-function {callee} of type {}",
            v.type_name()
        ))),
    }
}

/// Go's type name with pointer indirection removed (what `reflect.Indirect(v).Type()` says).
fn indirect_type_name(v: &Value) -> String {
    let name = v.type_name();
    match name.strip_prefix('*') {
        Some(rest) => rest.to_string(),
        None => name,
    }
}

/// Go's `len`.
fn length(item: &V) -> Result<i64, FuncError> {
    let v = match item {
        // reflect.Value.Type on the zero Value panics; template's safeCall reports it.
        V::Invalid => return Err(msg("reflect: call of reflect.Value.Type on zero Value")),
        V::Iface(Value::Nil) | V::Val(Value::Nil) => return Err(msg("len of nil pointer")),
        V::Iface(v) | V::Val(v) => v,
    };
    let n = match v {
        Value::String(s) => s.len(),
        Value::Bytes(b) => b.len(),
        Value::List(l) => l.len(),
        Value::Map(m) => m.len(),
        Value::Object(o) => {
            if let Some(m) = o.as_map() {
                m.len()
            } else if let Some(l) = o.as_list() {
                l.len()
            } else {
                return Err(msg(format!("len of type {}", indirect_type_name(v))));
            }
        }
        other => return Err(msg(format!("len of type {}", other.type_name()))),
    };
    Ok(i64::try_from(n).unwrap_or(i64::MAX))
}

/// Go's `indexArg`: an integer index within `0..=cap`. `value` is the index as the function
/// sees it (`None` = invalid).
fn index_arg(value: Option<&V>, cap: usize) -> Result<usize, FuncError> {
    let x: i64 = match value {
        None | Some(V::Invalid) => return Err(msg("cannot index slice/array with nil")),
        Some(V::Iface(_)) => {
            return Err(msg("cannot index slice/array with type interface {}"));
        }
        Some(V::Val(v)) => match v {
            Value::Int(i) | Value::Int64(i) => *i,
            Value::Object(o) => match o.as_any().downcast_ref::<GoUint8>() {
                Some(b) => i64::from(b.0),
                None => {
                    return Err(msg(format!(
                        "cannot index slice/array with type {}",
                        v.type_name()
                    )))
                }
            },
            Value::Nil => return Err(msg("cannot index slice/array with nil")),
            other => {
                return Err(msg(format!(
                    "cannot index slice/array with type {}",
                    other.type_name()
                )))
            }
        },
    };
    match usize::try_from(x) {
        Ok(n) if n <= cap => Ok(n),
        _ => Err(msg(format!("index out of range: {x}"))),
    }
}

/// The interface-stripped index (`indirectInterface`), as `index` uses it.
fn stripped(v: &V) -> V {
    match v.indirect_iface() {
        None => V::Invalid,
        Some(x) => V::Val(x.clone()),
    }
}

/// Go's `prepareArg` for a map key (every map in the value model has string keys).
fn map_key(index: &V) -> Result<&str, FuncError> {
    match index.indirect_iface() {
        None => Err(msg("value is nil; should be of type string")),
        Some(Value::String(s)) => Ok(s),
        Some(v) => Err(msg(format!(
            "value has type {}; should be string",
            v.type_name()
        ))),
    }
}

fn list_elem(l: &List, i: usize) -> Result<V, FuncError> {
    match l.get(i) {
        Some(e) => Ok(V::of_elem(e.clone(), l.elem())),
        None => Err(msg("reflect: slice index out of range")),
    }
}

/// Go's `index`.
fn index(item: &V, indexes: &[V]) -> Result<V, FuncError> {
    let Some(first) = item.indirect_iface() else {
        return Err(msg("index of untyped nil"));
    };
    let mut cur = V::Val(first.clone());
    for raw in indexes {
        let idx = stripped(raw);
        let x = match &cur {
            V::Invalid | V::Iface(Value::Nil) | V::Val(Value::Nil) => {
                return Err(msg("index of nil pointer"))
            }
            V::Iface(x) | V::Val(x) => x.clone(),
        };
        cur = match &x {
            Value::List(l) => list_elem(l, index_arg(Some(&idx), l.len())?)?,
            Value::Bytes(b) => {
                let i = index_arg(Some(&idx), b.len())?;
                match b.get(i) {
                    Some(&c) => V::Val(uint8(c)),
                    None => return Err(msg("reflect: slice index out of range")),
                }
            }
            Value::String(s) => {
                let i = index_arg(Some(&idx), s.len())?;
                match s.as_bytes().get(i) {
                    Some(&c) => V::Val(uint8(c)),
                    None => return Err(msg("reflect: string index out of range")),
                }
            }
            Value::Map(m) => {
                let key = map_key(&idx)?;
                let elem = m.kind().elem();
                V::of_elem(m.get(key).unwrap_or_else(|| elem.zero()), elem)
            }
            Value::Object(o) => {
                if let Some(m) = o.as_map() {
                    let key = map_key(&idx)?;
                    let elem = m.kind().elem();
                    V::of_elem(m.get(key).unwrap_or_else(|| elem.zero()), elem)
                } else if let Some(l) = o.as_list() {
                    list_elem(&l, index_arg(Some(&idx), l.len())?)?
                } else {
                    return Err(msg(format!(
                        "can't index item of type {}",
                        indirect_type_name(&x)
                    )));
                }
            }
            other => {
                return Err(msg(format!(
                    "can't index item of type {}",
                    other.type_name()
                )))
            }
        };
    }
    Ok(cur)
}

/// Go's builtin `slice` (Sprig replaces it in Helm, but a plain set keeps Go's).
fn slice(item: &V, indexes: &[V]) -> Result<V, FuncError> {
    let Some(v) = item.indirect_iface() else {
        return Err(msg("slice of untyped nil"));
    };
    if indexes.len() > 3 {
        return Err(msg(format!("too many slice indexes: {}", indexes.len())));
    }
    let len = match v {
        Value::String(s) => {
            if indexes.len() == 3 {
                return Err(msg("cannot 3-index slice a string"));
            }
            s.len()
        }
        Value::List(l) => l.len(),
        Value::Bytes(b) => b.len(),
        other => {
            return Err(msg(format!(
                "can't slice item of type {}",
                indirect_type_name(other)
            )))
        }
    };
    let mut idx = [0, len, len];
    for (slot, index) in idx.iter_mut().zip(indexes) {
        // Go's slice does not strip interfaces from its indexes.
        *slot = index_arg(Some(index), len)?;
    }
    let [i, j, k] = idx;
    if i > j {
        return Err(msg(format!("invalid slice index: {i} > {j}")));
    }
    if indexes.len() == 3 && j > k {
        return Err(msg(format!("invalid slice index: {j} > {k}")));
    }
    let out = match v {
        Value::String(s) => match s.get(i..j) {
            Some(sub) => Value::str(sub),
            None => Value::from(
                String::from_utf8_lossy(s.as_bytes().get(i..j).unwrap_or(&[])).into_owned(),
            ),
        },
        Value::List(l) => Value::List(List::typed(
            l.elem(),
            l.as_slice().get(i..j).unwrap_or(&[]).to_vec(),
        )),
        Value::Bytes(b) => Value::Bytes(Arc::from(b.get(i..j).unwrap_or(&[]))),
        _ => Value::Nil,
    };
    Ok(V::Val(out))
}

/// Go's comparison kinds (`basicKind`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Invalid,
    Bool,
    Complex,
    Int,
    Float,
    String,
    Uint,
}

fn basic_kind(v: Option<&Value>) -> Kind {
    match v {
        Some(Value::Bool(_)) => Kind::Bool,
        Some(Value::Int(_) | Value::Int64(_)) => Kind::Int,
        Some(Value::Float(_)) => Kind::Float,
        Some(Value::String(_)) => Kind::String,
        Some(Value::Object(o)) => {
            let any = o.as_any();
            if any.is::<GoUint8>() {
                Kind::Uint
            } else if any.is::<GoComplex>() {
                Kind::Complex
            } else {
                Kind::Invalid
            }
        }
        _ => Kind::Invalid,
    }
}

fn int_of(v: Option<&Value>) -> i64 {
    match v {
        Some(Value::Int(i) | Value::Int64(i)) => *i,
        _ => 0,
    }
}

fn uint_of(v: Option<&Value>) -> u64 {
    match v {
        Some(Value::Object(o)) => o
            .as_any()
            .downcast_ref::<GoUint8>()
            .map_or(0, |b| u64::from(b.0)),
        _ => 0,
    }
}

fn float_of(v: Option<&Value>) -> f64 {
    match v {
        Some(Value::Float(f)) => *f,
        _ => 0.0,
    }
}

fn str_of(v: Option<&Value>) -> &str {
    match v {
        Some(Value::String(s)) => s,
        _ => "",
    }
}

fn complex_of(v: Option<&Value>) -> (f64, f64) {
    match v {
        Some(Value::Object(o)) => o
            .as_any()
            .downcast_ref::<GoComplex>()
            .map_or((0.0, 0.0), |c| (c.re, c.im)),
        _ => (0.0, 0.0),
    }
}

fn incompatible(a: Option<&Value>, b: Option<&Value>) -> FuncError {
    let name = |v: Option<&Value>| v.map_or_else(|| "<nil>".to_string(), Value::type_name);
    msg(format!(
        "incompatible types for comparison: {} and {}",
        name(a),
        name(b)
    ))
}

/// Go's `reflect.Kind` name, for `canCompare`.
fn reflect_kind(v: &Value) -> &'static str {
    v.kind_name()
}

fn percent_s(v: &Value) -> String {
    crate::fmt::sprintf("%s", std::slice::from_ref(v))
}

/// `==` on two values of the same non-basic kind (both present and non-nil).
fn equal_other(a: &Value, b: &Value) -> Result<bool, FuncError> {
    let comparable = match b {
        Value::List(_) | Value::Map(_) | Value::Bytes(_) => false,
        Value::Object(o) => !matches!(o.kind_name(), "map" | "slice" | "func"),
        _ => true,
    };
    if !comparable {
        return Err(msg(format!(
            "non-comparable type {}: {}",
            percent_s(b),
            b.type_name()
        )));
    }
    Ok(match (a, b) {
        // Pointers are equal only when they point to the same value.
        (Value::Object(x), Value::Object(y)) if x.kind_name() == "ptr" => Arc::ptr_eq(x, y),
        (Value::Object(x), Value::Object(y)) => x.equals(y.as_ref()).unwrap_or_else(|| {
            Arc::ptr_eq(x, y) || (x.type_name() == y.type_name() && x.format_v() == y.format_v())
        }),
        _ => false,
    })
}

/// Go's `eq`: `a == b || a == c || ...`.
fn eq(arg1: &V, rest: &[V]) -> Result<bool, FuncError> {
    let a = arg1.indirect_iface();
    if rest.is_empty() {
        return Err(msg("missing argument for comparison"));
    }
    let k1 = basic_kind(a);
    for arg in rest {
        let b = arg.indirect_iface();
        let k2 = basic_kind(b);
        let truth = if k1 != k2 {
            match (k1, k2) {
                (Kind::Int, Kind::Uint) => {
                    let x = int_of(a);
                    x >= 0 && x.unsigned_abs() == uint_of(b)
                }
                (Kind::Uint, Kind::Int) => {
                    let y = int_of(b);
                    y >= 0 && uint_of(a) == y.unsigned_abs()
                }
                _ => {
                    if a.is_some() && b.is_some() {
                        return Err(incompatible(a, b));
                    }
                    false
                }
            }
        } else {
            match k1 {
                Kind::Bool => {
                    matches!((a, b), (Some(Value::Bool(x)), Some(Value::Bool(y))) if x == y)
                }
                Kind::Complex => complex_of(a) == complex_of(b),
                Kind::Float => float_of(a) == float_of(b),
                Kind::Int => int_of(a) == int_of(b),
                Kind::String => str_of(a) == str_of(b),
                Kind::Uint => uint_of(a) == uint_of(b),
                Kind::Invalid => match (a, b) {
                    (None, None) => true,
                    (None, Some(_)) | (Some(_), None) => false,
                    (Some(x), Some(y)) => {
                        if reflect_kind(x) != reflect_kind(y) {
                            return Err(msg(format!(
                                "non-comparable types {}: {}, {}: {}",
                                percent_s(x),
                                x.type_name(),
                                y.type_name(),
                                crate::fmt::format_value(y)
                            )));
                        }
                        equal_other(x, y)?
                    }
                },
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Go's `lt`.
fn lt(arg1: &V, arg2: &V) -> Result<bool, FuncError> {
    let bad_type = || msg("invalid type for comparison");
    let a = arg1.indirect_iface();
    let k1 = basic_kind(a);
    if k1 == Kind::Invalid {
        return Err(bad_type());
    }
    let b = arg2.indirect_iface();
    let k2 = basic_kind(b);
    if k2 == Kind::Invalid {
        return Err(bad_type());
    }
    if k1 != k2 {
        return match (k1, k2) {
            (Kind::Int, Kind::Uint) => {
                let x = int_of(a);
                Ok(x < 0 || x.unsigned_abs() < uint_of(b))
            }
            (Kind::Uint, Kind::Int) => {
                let y = int_of(b);
                Ok(y >= 0 && uint_of(a) < y.unsigned_abs())
            }
            _ => Err(incompatible(a, b)),
        };
    }
    match k1 {
        Kind::Float => Ok(float_of(a) < float_of(b)),
        Kind::Int => Ok(int_of(a) < int_of(b)),
        Kind::String => Ok(str_of(a) < str_of(b)),
        Kind::Uint => Ok(uint_of(a) < uint_of(b)),
        Kind::Bool | Kind::Complex | Kind::Invalid => Err(bad_type()),
    }
}

/// Go's `le`: `lt || eq`.
fn le(arg1: &V, arg2: &V) -> Result<bool, FuncError> {
    if lt(arg1, arg2)? {
        return Ok(true);
    }
    eq(arg1, std::slice::from_ref(arg2))
}

/// Go's `evalArgs`: the text of `html`/`js`/`urlquery` arguments (`fmt.Sprint` of them, a
/// nil printing as `<no value>`).
fn eval_args(args: &[V]) -> String {
    if let [one] = args {
        if let Some(Value::String(s)) = one.indirect_iface() {
            return s.to_string();
        }
    }
    let vals: Vec<Value> = args
        .iter()
        .map(|a| match a.indirect_iface() {
            None => Value::str("<no value>"),
            Some(v) => v.clone(),
        })
        .collect();
    crate::fmt::sprint(&vals)
}

/// Go's `template.HTMLEscapeString`.
pub fn html_escape(s: &str) -> String {
    if !s.contains(['\'', '"', '&', '<', '>', '\0']) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Go's `template.JSEscapeString`.
pub fn js_escape(s: &str) -> String {
    let special = |c: char| {
        matches!(c, '\\' | '\'' | '"' | '<' | '>' | '&' | '=') || c < ' ' || !c.is_ascii()
    };
    if !s.contains(special) {
        return s.to_string();
    }
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if c < ' ' => {
                let b = c as u8;
                out.push_str("\\u00");
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0x0f)]));
            }
            c if c.is_ascii() || crate::fmt::is_print(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", u32::from(c))),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
pub fn query_escape(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len() + 8);
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0x0f)]));
            }
        }
    }
    out
}

/// A Go `uint8` (what indexing a string or `[]byte` yields).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GoUint8(pub u8);

/// A `uint8` as a template value.
pub fn uint8(b: u8) -> Value {
    Value::Object(Arc::new(GoUint8(b)))
}

impl Object for GoUint8 {
    fn type_name(&self) -> String {
        "uint8".to_string()
    }
    fn kind_name(&self) -> &'static str {
        "uint8"
    }
    fn format_v(&self) -> String {
        self.0.to_string()
    }
    fn is_true(&self) -> bool {
        self.0 != 0
    }
    fn equals(&self, other: &dyn Object) -> Option<bool> {
        Some(other.as_any().downcast_ref::<GoUint8>() == Some(self))
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A Go `complex128` (the value of an imaginary literal such as `1i`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GoComplex {
    /// Real part.
    pub re: f64,
    /// Imaginary part.
    pub im: f64,
}

impl GoComplex {
    /// Parses a Go complex literal as the lexer accepts it: `2i`, `1.5i`, `1+2i`, `1e3-2i`.
    pub fn parse(text: &str) -> Option<GoComplex> {
        let t: String = text.chars().filter(|&c| c != '_').collect();
        let body = t.strip_suffix('i')?;
        // The imaginary part starts at the last sign that is not an exponent's sign.
        let bytes = body.as_bytes();
        let mut split = None;
        for (i, &c) in bytes.iter().enumerate().skip(1) {
            if (c == b'+' || c == b'-')
                && !matches!(bytes.get(i - 1), Some(b'e' | b'E' | b'p' | b'P'))
            {
                split = Some(i);
            }
        }
        let num = |s: &str| -> Option<f64> {
            if let Ok(f) = s.parse::<f64>() {
                return Some(f);
            }
            let (neg, digits) = match s.strip_prefix('-') {
                Some(d) => (true, d),
                None => (false, s.strip_prefix('+').unwrap_or(s)),
            };
            let v = if let Some(h) = digits
                .strip_prefix("0x")
                .or_else(|| digits.strip_prefix("0X"))
            {
                u64::from_str_radix(h, 16).ok()? as f64
            } else if let Some(o) = digits
                .strip_prefix("0o")
                .or_else(|| digits.strip_prefix("0O"))
            {
                u64::from_str_radix(o, 8).ok()? as f64
            } else if let Some(b) = digits
                .strip_prefix("0b")
                .or_else(|| digits.strip_prefix("0B"))
            {
                u64::from_str_radix(b, 2).ok()? as f64
            } else {
                return None;
            };
            Some(if neg { -v } else { v })
        };
        match split {
            Some(i) => Some(GoComplex {
                re: num(body.get(..i)?)?,
                im: num(body.get(i..)?)?,
            }),
            None => Some(GoComplex {
                re: 0.0,
                im: num(body)?,
            }),
        }
    }
}

impl Object for GoComplex {
    fn type_name(&self) -> String {
        "complex128".to_string()
    }
    fn kind_name(&self) -> &'static str {
        "complex128"
    }
    fn format_v(&self) -> String {
        let re = crate::fmt::sprint(&[Value::Float(self.re)]);
        let im = crate::fmt::sprintf("%+g", &[Value::Float(self.im)]);
        format!("({re}{im}i)")
    }
    fn is_true(&self) -> bool {
        self.re != 0.0 || self.im != 0.0
    }
    fn equals(&self, other: &dyn Object) -> Option<bool> {
        Some(other.as_any().downcast_ref::<GoComplex>() == Some(self))
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Map, MapKind};

    fn s(x: &str) -> V {
        V::Val(Value::str(x))
    }
    fn i(x: i64) -> V {
        V::Val(Value::Int(x))
    }
    fn err(r: Result<V, FuncError>) -> String {
        match r {
            Ok(v) => panic!("expected an error, got {v:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn escapers_match_go() {
        assert_eq!(
            html_escape("<a href='x'>&\"</a>\0"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt;\u{FFFD}"
        );
        assert_eq!(
            js_escape("it's \"q\" <tag> & = \n \\ é"),
            "it\\'s \\\"q\\\" \\u003Ctag\\u003E \\u0026 \\u003D \\u000A \\\\ é"
        );
        assert_eq!(js_escape("a\u{200B}b"), "a\\u200Bb");
        assert_eq!(query_escape("a b&c=d/é?"), "a+b%26c%3Dd%2F%C3%A9%3F");
    }

    #[test]
    fn index_errors_match_go() {
        let list = V::Iface(Value::List(List::new(vec![Value::Float(1.0)])));
        assert_eq!(err(index(&list, &[i(5)])), "index out of range: 5");
        assert_eq!(err(index(&list, &[i(-1)])), "index out of range: -1");
        assert_eq!(
            err(index(&list, &[V::Val(Value::Float(1.0))])),
            "cannot index slice/array with type float64"
        );
        assert_eq!(
            err(index(&V::Iface(Value::Nil), &[i(0)])),
            "index of untyped nil"
        );
        let m = V::Val(Value::Map(Map::new()));
        assert_eq!(
            err(index(&m, &[s("nope"), s("deeper")])),
            "index of nil pointer"
        );
        assert_eq!(
            err(index(&m, &[i(1)])),
            "value has type int; should be string"
        );
        assert_eq!(err(index(&i(5), &[i(0)])), "can't index item of type int");
        assert!(
            matches!(index(&s("abc"), &[i(1)]), Ok(V::Val(Value::Object(o))) if o.format_v() == "98")
        );
        assert!(matches!(index(&list, &[i(0)]), Ok(V::Iface(Value::Float(f))) if f == 1.0));
        assert!(matches!(index(&m, &[s("x")]), Ok(V::Iface(Value::Nil))));
    }

    #[test]
    fn len_and_slice() {
        assert!(matches!(length(&s("héllo")), Ok(6)));
        assert_eq!(
            length(&V::Iface(Value::Nil)).unwrap_err().to_string(),
            "len of nil pointer"
        );
        assert_eq!(length(&i(5)).unwrap_err().to_string(), "len of type int");
        let list = V::Val(Value::List(List::new(vec![
            Value::Int(1),
            Value::Int(2),
            Value::Int(3),
        ])));
        let r = slice(&list, &[i(0), i(1), i(2)]);
        assert!(matches!(r, Ok(V::Val(Value::List(l))) if l.len() == 1));
        assert_eq!(
            err(slice(&list, &[i(2), i(1)])),
            "invalid slice index: 2 > 1"
        );
        assert_eq!(err(slice(&list, &[i(1), i(10)])), "index out of range: 10");
        assert!(
            matches!(slice(&s("hello"), &[i(1), i(3)]), Ok(V::Val(Value::String(x))) if &*x == "el")
        );
        let typed = V::Val(Value::Map(Map::with_kind(MapKind::Generic)));
        assert_eq!(
            err(slice(&typed, &[])),
            "can't slice item of type map[string]interface {}"
        );
    }

    #[test]
    fn comparisons_follow_basic_kinds() {
        assert!(matches!(eq(&i(3), &[V::Val(Value::Int64(3))]), Ok(true)));
        assert_eq!(
            eq(&V::Iface(Value::Float(3.0)), &[i(3)])
                .unwrap_err()
                .to_string(),
            "incompatible types for comparison: float64 and int"
        );
        assert!(matches!(eq(&V::Iface(Value::Nil), &[V::Invalid]), Ok(true)));
        assert!(matches!(eq(&s("a"), &[V::Invalid]), Ok(false)));
        assert!(matches!(eq(&i(2), &[i(1), i(2)]), Ok(true)));
        assert_eq!(
            eq(&i(1), &[]).unwrap_err().to_string(),
            "missing argument for comparison"
        );
        assert_eq!(
            lt(&V::Val(Value::Bool(true)), &V::Val(Value::Bool(false)))
                .unwrap_err()
                .to_string(),
            "invalid type for comparison"
        );
        assert_eq!(
            lt(&V::Iface(Value::Nil), &i(1)).unwrap_err().to_string(),
            "invalid type for comparison"
        );
        assert!(matches!(lt(&s("B"), &s("a")), Ok(true)));
        assert!(matches!(le(&s("10"), &s("9")), Ok(true)));
        assert!(matches!(eq(&V::Val(uint8(98)), &[i(98)]), Ok(true)));
    }

    struct Ptr(&'static str);
    impl Object for Ptr {
        fn type_name(&self) -> String {
            "*semver.Version".to_string()
        }
        fn kind_name(&self) -> &'static str {
            self.0
        }
        fn format_v(&self) -> String {
            "1.2.3".to_string()
        }
        fn equals(&self, _: &dyn Object) -> Option<bool> {
            Some(true)
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    #[test]
    fn objects_compare_like_go() {
        let a: Arc<dyn Object> = Arc::new(Ptr("ptr"));
        let b: Arc<dyn Object> = Arc::new(Ptr("ptr"));
        let same = eq(
            &V::Val(Value::Object(a.clone())),
            &[V::Val(Value::Object(a))],
        );
        assert!(matches!(same, Ok(true)));
        let c: Arc<dyn Object> = Arc::new(Ptr("ptr"));
        let other = eq(&V::Val(Value::Object(b)), &[V::Val(Value::Object(c))]);
        assert!(matches!(other, Ok(false)));
        let m: Arc<dyn Object> = Arc::new(Ptr("map"));
        let r = eq(
            &V::Val(Value::Object(m.clone())),
            &[V::Val(Value::Object(m))],
        );
        assert!(r.is_err());
    }

    #[test]
    fn complex_literals_parse() {
        assert_eq!(
            GoComplex::parse("2.5i"),
            Some(GoComplex { re: 0.0, im: 2.5 })
        );
        assert_eq!(
            GoComplex::parse("1+2i"),
            Some(GoComplex { re: 1.0, im: 2.0 })
        );
        assert_eq!(
            GoComplex::parse("1e3-2i"),
            Some(GoComplex {
                re: 1000.0,
                im: -2.0
            })
        );
    }
}
