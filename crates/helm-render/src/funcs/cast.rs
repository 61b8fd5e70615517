//! Conversions shared by every Sprig family, with the exact quirks of spf13/cast v1.7.0
//! (`toInt64`, `toInt`, `toFloat64`, `toBool`) and of Sprig's own `strval`/`strslice`
//! helpers (`to_string`, `to_strings`).
//!
//! cast never fails through Sprig: a value it cannot convert becomes the zero value. Strings
//! go through Go's `strconv` rules, which differ from Rust's (`"010"` is octal, `"0x1F"` is
//! hex, `" 42"` is invalid), so the parsers here are written against Go's grammar.

use gotemplate::Value;

/// Go's conversion of a float64 to int64 on amd64: truncation toward zero, and the
/// "integer indefinite" value (`i64::MIN`) for NaN and out-of-range inputs.
pub fn go_f64_to_i64(f: f64) -> i64 {
    // 2^63 as f64; every finite f64 in [-2^63, 2^63) fits.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() || !(-LIMIT..LIMIT).contains(&f) {
        i64::MIN
    } else {
        f.trunc() as i64
    }
}

/// cast's `trimZeroDecimal`: `"4.0"`/`"4.00"` become `"4"`, anything else is unchanged.
fn trim_zero_decimal(s: &str) -> &str {
    let bytes = s.as_bytes();
    let mut found_zero = false;
    for i in (1..=bytes.len()).rev() {
        match bytes.get(i - 1) {
            Some(b'.') => {
                if found_zero {
                    return s.get(..i - 1).unwrap_or(s);
                }
            }
            Some(b'0') => found_zero = true,
            _ => return s,
        }
    }
    s
}

/// Go's `underscoreOK`: underscores only between digits (a base prefix counts as a digit).
fn underscore_ok(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let b = s.as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if let (Some(b'0'), Some(p)) = (b.first(), b.get(1)) {
        if matches!(p.to_ascii_lowercase(), b'b' | b'o' | b'x') {
            i = 2;
            saw = b'0';
            hex = p.eq_ignore_ascii_case(&b'x');
        }
    }
    while let Some(&c) = b.get(i) {
        i += 1;
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

/// Go's `strconv.ParseInt(s, 0, 64)`: optional sign, `0x`/`0o`/`0b` prefixes, a leading `0`
/// meaning octal, underscores between digits; `None` on any syntax or range error.
pub fn parse_int_base0(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..)?),
        Some(b'+') => (false, s.get(1..)?),
        _ => (false, s),
    };
    let mag = parse_uint_base0(body)?;
    if neg {
        if mag > 1u64 << 63 {
            return None;
        }
        Some((mag as i64).wrapping_neg())
    } else if mag > i64::MAX as u64 {
        None
    } else {
        Some(mag as i64)
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)` (no sign allowed).
fn parse_uint_base0(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let lower = s.to_ascii_lowercase();
    let (base, digits) = if let Some(rest) = lower.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (8, rest)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (2, rest)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower.get(1..)?)
    } else {
        (10, lower.as_str())
    };
    let mut value: u64 = 0;
    let mut any_digit = base == 8 && digits.len() + 1 == lower.len(); // the leading 0 counts
    let mut underscores = false;
    for c in digits.chars() {
        if c == '_' {
            underscores = true;
            continue;
        }
        let d = c.to_digit(base)?;
        any_digit = true;
        value = value
            .checked_mul(u64::from(base))?
            .checked_add(u64::from(d))?;
    }
    if !any_digit {
        return None;
    }
    if underscores && !underscore_ok(s) {
        return None;
    }
    Some(value)
}

/// Go's `strconv.ParseFloat(s, 64)` for the decimal forms (and `inf`/`nan` words):
/// `None` on syntax errors and on overflow to infinity.
pub fn parse_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let word = body.to_ascii_lowercase();
    if matches!(word.as_str(), "inf" | "infinity" | "nan") {
        return s.parse::<f64>().ok();
    }
    let cleaned: String;
    let text = if s.contains('_') {
        if !underscore_ok(s) {
            return None;
        }
        cleaned = s.replace('_', "");
        cleaned.as_str()
    } else {
        s
    };
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    if unsigned.starts_with("0x") || unsigned.starts_with("0X") {
        let v = parse_hex_float(unsigned.get(2..)?)?;
        return Some(if text.starts_with('-') { -v } else { v });
    }
    // Rust accepts exactly the decimal float grammar Go does apart from the words above,
    // which were handled already; reject them here so "infinity" spelled oddly cannot slip in.
    if !text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    let v: f64 = text.parse().ok()?;
    if v.is_infinite() {
        return None; // Go: ErrRange
    }
    Some(v)
}

/// The part of a Go hexadecimal float literal after `0x`: hex digits with an optional
/// point, then a mandatory binary exponent (`1p-2`, `1.8p1`). `None` on syntax errors and
/// overflow.
fn parse_hex_float(s: &str) -> Option<f64> {
    let (mant, exp) = s.split_once(['p', 'P'])?;
    let exp: i64 = exp.parse().ok()?;
    let mut value: u64 = 0;
    let mut shift: i64 = 0; // binary exponent adjustment from the digits
    let mut seen_point = false;
    let mut any = false;
    for c in mant.chars() {
        if c == '.' {
            if seen_point {
                return None;
            }
            seen_point = true;
            continue;
        }
        let d = c.to_digit(16)?;
        any = true;
        if value >> 60 == 0 {
            value = value * 16 + u64::from(d);
            if seen_point {
                shift -= 4;
            }
        } else if !seen_point {
            // Digits beyond 64 bits of precision only scale the value.
            shift += 4;
        }
    }
    if !any {
        return None;
    }
    let total = exp.checked_add(shift)?;
    let v = (value as f64) * 2f64.powi(i32::try_from(total.clamp(-2000, 2000)).ok()?);
    v.is_finite().then_some(v)
}

/// cast.ToInt64: numbers truncate, strings parse with base prefixes after trimming a zero
/// decimal part, bools are 0/1, anything else (nil, lists, maps, objects) is 0.
pub fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Float(f) => go_f64_to_i64(*f),
        Value::Bool(b) => i64::from(*b),
        Value::String(s) => parse_int_base0(trim_zero_decimal(s)).unwrap_or(0),
        _ => 0,
    }
}

/// cast.ToInt (Go's `int` is 64-bit, so it is the same as [`to_int64`]).
pub fn to_int(v: &Value) -> i64 {
    to_int64(v)
}

/// cast.ToFloat64: numbers convert, strings parse as Go floats (`"1e400"` is 0), bools are
/// 0/1, anything else is 0.
pub fn to_float64(v: &Value) -> f64 {
    match v {
        Value::Int(i) | Value::Int64(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::String(s) => parse_float(s).unwrap_or(0.0),
        _ => 0.0,
    }
}

/// cast.ToBool: numbers are true when non-zero, strings follow `strconv.ParseBool`
/// (`1 t T TRUE true True` / `0 f F FALSE false False`), anything else is false.
pub fn to_bool(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Int(i) | Value::Int64(i) => *i != 0,
        Value::Float(f) => *f != 0.0,
        Value::String(s) => matches!(&**s, "1" | "t" | "T" | "TRUE" | "true" | "True"),
        _ => false,
    }
}

/// Sprig's `strval`: strings as they are, `[]byte` as text, a Stringer's `String()`,
/// otherwise `fmt.Sprintf("%v", v)`.
pub fn to_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Object(o) => match o.as_stringer() {
            Some(s) => s,
            None => gotemplate::fmt::format_value(v),
        },
        _ => gotemplate::fmt::format_value(v),
    }
}

/// Sprig's `strslice`: a `[]string` as is; any other slice element by element through
/// [`to_string`], dropping nils (a `[]byte` yields its bytes as decimal numbers); nil is an
/// empty list; any other value is a one-element list.
pub fn to_strings(v: &Value) -> Vec<String> {
    match v {
        Value::List(l) => l.iter().filter(|x| !x.is_nil()).map(to_string).collect(),
        Value::Bytes(b) => b.iter().map(|x| x.to_string()).collect(),
        Value::Nil => Vec::new(),
        // A named slice type (Helm's `VersionSet`) is walked by reflection too.
        Value::Object(o) => match o.as_list() {
            Some(l) => l.iter().filter(|x| !x.is_nil()).map(to_string).collect(),
            None => vec![to_string(v)],
        },
        other => vec![to_string(other)],
    }
}

/// Argument `i` as the executor passed it (nil when absent, which the signatures rule out).
pub fn arg(args: &[Value], i: usize) -> &Value {
    const NIL: &Value = &Value::Nil;
    args.get(i).unwrap_or(NIL)
}

/// A `string` parameter (already checked by the executor against the signature).
pub fn arg_str(args: &[Value], i: usize) -> &str {
    match args.get(i) {
        Some(Value::String(s)) => s,
        _ => "",
    }
}

/// An `int` parameter (already checked by the executor against the signature).
pub fn arg_int(args: &[Value], i: usize) -> i64 {
    match args.get(i) {
        Some(Value::Int(n)) | Some(Value::Int64(n)) => *n,
        _ => 0,
    }
}

/// A [`gotemplate::Context`] for unit tests that call registered closures directly: it has
/// no templates to run.
#[cfg(test)]
pub(crate) struct NoTemplates;

#[cfg(test)]
impl gotemplate::Context for NoTemplates {
    fn execute_template(&mut self, name: &str, _: &Value) -> Result<String, gotemplate::Error> {
        Err(gotemplate::Error::Other(format!("no template {name:?}")))
    }

    fn parse_and_execute(
        &mut self,
        name: &str,
        _: &str,
        _: &Value,
    ) -> Result<String, gotemplate::Error> {
        Err(gotemplate::Error::Other(format!("no template {name:?}")))
    }

    fn root_template_name(&self) -> String {
        "test".to_string()
    }

    fn host(&self) -> Option<&(dyn std::any::Any + Send + Sync)> {
        None
    }
}

/// Calls function `name` of `m` with already-converted arguments; `%v` of the result or
/// the error text (test helper).
#[cfg(test)]
pub(crate) fn call(m: &gotemplate::FuncMap, name: &str, args: &[Value]) -> String {
    let Some(f) = m.get(name) else {
        return format!("no function {name}");
    };
    match (f.imp)(&mut NoTemplates, args) {
        Ok(v) => gotemplate::fmt::format_value(&v),
        Err(e) => format!("ERR {e}"),
    }
}

/// The Go runtime's message for a nil interface whose type is asked for (Sprig calls
/// `reflect.TypeOf(nil).Kind()` in most list functions).
pub const NIL_DEREF: &str = "runtime error: invalid memory address or nil pointer dereference";

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::str(x)
    }

    #[test]
    fn int_strings_follow_parse_int_base0() {
        assert_eq!(to_int64(&s("42")), 42);
        assert_eq!(to_int64(&s("010")), 8);
        assert_eq!(to_int64(&s("0x1F")), 31);
        assert_eq!(to_int64(&s("0b11")), 3);
        assert_eq!(to_int64(&s("0o17")), 15);
        assert_eq!(to_int64(&s("-5")), -5);
        assert_eq!(to_int64(&s(" 42")), 0);
        assert_eq!(to_int64(&s("abc")), 0);
        assert_eq!(to_int64(&s("1e3")), 0);
        assert_eq!(to_int64(&s("4.9")), 0);
        assert_eq!(to_int64(&s("4.0")), 4);
        assert_eq!(to_int64(&s("0")), 0);
        assert_eq!(to_int64(&s("08")), 0);
        assert_eq!(to_int64(&s("1_000")), 1000);
        assert_eq!(to_int64(&s("1__0")), 0);
        assert_eq!(to_int64(&s("9223372036854775807")), i64::MAX);
        assert_eq!(to_int64(&s("9223372036854775808")), 0);
        assert_eq!(to_int64(&s("-9223372036854775808")), i64::MIN);
        assert_eq!(to_int64(&s("")), 0);
        assert_eq!(to_int64(&s("0x")), 0);
    }

    #[test]
    fn int_from_other_values() {
        assert_eq!(to_int64(&Value::Float(3.7)), 3);
        assert_eq!(to_int64(&Value::Float(-3.7)), -3);
        assert_eq!(to_int64(&Value::Float(1e19)), i64::MIN);
        assert_eq!(to_int64(&Value::Bool(true)), 1);
        assert_eq!(to_int64(&Value::Nil), 0);
        assert_eq!(to_int(&Value::Int64(7)), 7);
    }

    #[test]
    fn floats_follow_parse_float() {
        assert_eq!(to_float64(&s("4.9")), 4.9);
        assert_eq!(to_float64(&s("1e3")), 1000.0);
        assert_eq!(to_float64(&s("1e400")), 0.0);
        assert_eq!(to_float64(&s("abc")), 0.0);
        assert_eq!(to_float64(&s(" 1")), 0.0);
        assert!(to_float64(&s("-Inf")).is_infinite());
        assert_eq!(to_float64(&s("0x1p-2")), 0.25);
        assert_eq!(to_float64(&s("-0x1.8p1")), -3.0);
        assert_eq!(to_float64(&s("0x1")), 0.0);
        assert_eq!(to_float64(&Value::Bool(true)), 1.0);
        assert_eq!(to_float64(&Value::Int(3)), 3.0);
    }

    #[test]
    fn bools_follow_parse_bool() {
        assert!(to_bool(&s("True")));
        assert!(!to_bool(&s("yes")));
        assert!(to_bool(&Value::Int(2)));
        assert!(!to_bool(&Value::Nil));
    }

    #[test]
    fn strslice_drops_nils() {
        let l = Value::List(gotemplate::List::new(vec![s("a"), Value::Nil, s("b")]));
        assert_eq!(to_strings(&l), ["a", "b"]);
        assert!(to_strings(&Value::Nil).is_empty());
        assert_eq!(to_strings(&s("x")), ["x"]);
        assert_eq!(
            to_strings(&Value::Bytes(std::sync::Arc::from(&b"hi"[..]))),
            ["104", "105"]
        );
    }
}
