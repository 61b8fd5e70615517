//! Go `encoding/json` for template values: `toJson`, `toRawJson`, `toPrettyJson` and
//! `fromJson`/`fromJsonArray`/`mustFromJson`, plus the Go number formatting they share with
//! the YAML code (`strconv.FormatFloat` with `'g'`, encoding/json's float format).
//!
//! Encoding follows `json.Marshal`: map keys sorted bytewise, `<`, `>`, `&` escaped as
//! `\u003c`... (unless raw), U+2028/U+2029 always escaped, `[]byte` as base64, NaN and
//! infinities rejected (`json: unsupported value: NaN`). Host objects are encoded through
//! [`object_json`]: known Helm structs by their Go field layout, `time.Time` as RFC 3339,
//! slice- and map-like objects as their elements, Stringers (semver) as their string.
//!
//! Decoding follows `json.Unmarshal` into `interface{}`: numbers become `float64`, objects
//! `map[string]interface {}`, and syntax errors carry Go's scanner messages.

use std::sync::Arc;

use gotemplate::{FieldLookup, List, Map, Object, Value};

/// Maximum nesting depth for encoding and decoding. Go's encoder reports a cycle past 1000
/// levels of maps/slices; the bound also keeps recursion within small thread stacks.
const MAX_DEPTH: usize = 1000;

/// A JSON encoding error (Go's text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct JsonError(pub String);

/// `json.Marshal(v)`.
pub fn to_json(v: &Value) -> Result<String, JsonError> {
    let mut out = String::new();
    encode(v, &mut out, true, 0)?;
    Ok(out)
}

/// Sprig's `toRawJson`: an encoder without HTML escaping, trailing newline trimmed.
pub fn to_raw_json(v: &Value) -> Result<String, JsonError> {
    let mut out = String::new();
    encode(v, &mut out, false, 0)?;
    Ok(out)
}

/// `json.MarshalIndent(v, "", "  ")` (Sprig's `toPrettyJson`).
pub fn to_pretty_json(v: &Value) -> Result<String, JsonError> {
    let compact = to_json(v)?;
    Ok(indent(&compact, "  "))
}

/// Go's `json.Indent` on valid compact JSON.
fn indent(src: &str, ind: &str) -> String {
    let mut out = String::with_capacity(src.len() * 2);
    let mut depth = 0usize;
    let mut in_str = false;
    let mut escaped = false;
    let mut need_indent = false;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(ind);
        }
    };
    for c in src.chars() {
        if in_str {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        if need_indent && c != ']' && c != '}' {
            need_indent = false;
            depth += 1;
            newline(&mut out, depth);
        }
        match c {
            '"' => {
                in_str = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                need_indent = true;
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            '}' | ']' => {
                if need_indent {
                    // An empty object or array stays `{}` / `[]`.
                    need_indent = false;
                } else {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

fn encode(v: &Value, out: &mut String, html: bool, depth: usize) -> Result<(), JsonError> {
    if depth > MAX_DEPTH {
        return Err(JsonError(format!(
            "json: unsupported value: encountered a cycle via {}",
            v.type_name()
        )));
    }
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) => out.push_str(&i.to_string()),
        Value::Float(f) => {
            if !f.is_finite() {
                return Err(JsonError(format!(
                    "json: unsupported value: {}",
                    format_float_g(*f, 64)
                )));
            }
            out.push_str(&format_float_json(*f));
        }
        Value::String(s) => quote_json(s, out, html),
        Value::Bytes(b) => {
            out.push('"');
            out.push_str(&base64_encode(b));
            out.push('"');
        }
        Value::List(l) => {
            out.push('[');
            for (i, item) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode(item, out, html, depth + 1)?;
            }
            out.push(']');
        }
        Value::Map(m) if m.is_nil() => out.push_str("null"),
        Value::Map(m) => encode_pairs(&m.entries(), out, html, depth)?,
        Value::Object(o) => match object_json(o) {
            JsonView::Value(v) => encode(&v, out, html, depth + 1)?,
            JsonView::Struct(fields) => encode_pairs(&fields, out, html, depth)?,
        },
    }
    Ok(())
}

fn encode_pairs<K: AsRef<str>>(
    pairs: &[(K, Value)],
    out: &mut String,
    html: bool,
    depth: usize,
) -> Result<(), JsonError> {
    out.push('{');
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        quote_json(k.as_ref(), out, html);
        out.push(':');
        encode(v, out, html, depth + 1)?;
    }
    out.push('}');
    Ok(())
}

/// What a host object marshals to.
pub enum JsonView {
    /// A value (string, list, map...).
    Value(Value),
    /// A struct: fields in declaration order with their JSON names.
    Struct(Vec<(String, Value)>),
}

/// The JSON view of a host object, as Go's `encoding/json` would marshal the Go value behind
/// it.
pub fn object_json(o: &Arc<dyn Object>) -> JsonView {
    if let Some(u) = o.as_any().downcast_ref::<gotemplate::builtins::GoUint8>() {
        return JsonView::Value(Value::Int(i64::from(u.0)));
    }
    // time.Duration, time.Month and time.Weekday are integers to encoding/json.
    if let Some(d) = o.as_any().downcast_ref::<crate::funcs::dates::GoDuration>() {
        return JsonView::Value(Value::Int(d.0));
    }
    match o.type_name().as_str() {
        "time.Month" => {
            let name = o.format_v();
            if let Some(i) = crate::funcs::dates::LONG_MONTHS
                .iter()
                .position(|m| *m == name)
            {
                return JsonView::Value(Value::Int(i as i64 + 1));
            }
        }
        "time.Weekday" => {
            let name = o.format_v();
            if let Some(i) = crate::funcs::dates::LONG_DAYS
                .iter()
                .position(|d| *d == name)
            {
                return JsonView::Value(Value::Int(i as i64));
            }
        }
        _ => {}
    }
    let ty = o.type_name();
    let bare = ty.trim_start_matches('*');
    let fields = |names: &[(&str, &str, bool)]| -> JsonView {
        let mut out = Vec::new();
        for (go, json, omitempty) in names {
            let v = match o.field(go) {
                FieldLookup::Found(v) => v,
                _ => Value::Nil,
            };
            if *omitempty && !v.is_true() {
                continue;
            }
            out.push((json.to_string(), v));
        }
        JsonView::Struct(out)
    };
    match bare {
        "common.KubeVersion" | "chartutil.KubeVersion" => {
            return fields(&[
                ("Version", "Version", false),
                ("Major", "Major", false),
                ("Minor", "Minor", false),
            ])
        }
        "common.Capabilities" | "chartutil.Capabilities" => {
            return fields(&[
                ("KubeVersion", "KubeVersion", false),
                ("APIVersions", "APIVersions", false),
                ("HelmVersion", "HelmVersion", false),
            ])
        }
        "sprig.certificate" => return fields(&[("Cert", "Cert", false), ("Key", "Key", false)]),
        "version.BuildInfo" => {
            return fields(&[
                ("Version", "version", true),
                ("GitCommit", "git_commit", true),
                ("GitTreeState", "git_tree_state", true),
                ("GoVersion", "go_version", true),
                ("KubeClientVersion", "kube_client_version", false),
            ])
        }
        "time.Time" => {
            let text = match o.as_any().downcast_ref::<crate::funcs::dates::GoTime>() {
                Some(t) => t.format("2006-01-02T15:04:05.999999999Z07:00"),
                None => time_rfc3339(&o.format_v()),
            };
            return JsonView::Value(Value::str(text));
        }
        _ => {}
    }
    if let Some(l) = o.as_list() {
        return JsonView::Value(Value::List(l));
    }
    if let Some(m) = o.as_map() {
        return JsonView::Value(Value::Map(m));
    }
    if let Some(s) = o.as_stringer() {
        return JsonView::Value(Value::str(s));
    }
    JsonView::Value(Value::str(o.format_v()))
}

/// Converts Go's `time.Time.String()` form (`2006-01-02 15:04:05.999999999 -0700 MST`,
/// possibly followed by a monotonic `m=+...` reading) to `MarshalJSON`'s RFC 3339 with
/// nanoseconds.
fn time_rfc3339(s: &str) -> String {
    let mut parts = s.split(' ');
    let (Some(date), Some(time), Some(offset)) = (parts.next(), parts.next(), parts.next()) else {
        return s.to_string();
    };
    let zone = if offset == "+0000" {
        "Z".to_string()
    } else if offset.len() == 5 {
        format!(
            "{}:{}",
            offset.get(..3).unwrap_or(""),
            offset.get(3..).unwrap_or("")
        )
    } else {
        offset.to_string()
    };
    format!("{date}T{time}{zone}")
}

/// Go's JSON string quoting (`encodeState.string`).
pub fn quote_json(s: &str, out: &mut String, html: bool) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' if html => {
                let b = c as u32;
                out.push_str("\\u00");
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 0xF) as usize] as char);
            }
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => {
                let b = c as u32;
                out.push_str("\\u00");
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 0xF) as usize] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Standard base64 with padding (Go's `base64.StdEncoding`).
pub fn base64_encode(b: &[u8]) -> String {
    const ALPHA: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for chunk in b.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &x)| acc | (u32::from(x) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHA[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Go float formatting.

/// Shortest decimal digits of `f` (finite, non-negative) and the decimal point position
/// (`0.d1d2... * 10^dp`), as Go's `strconv` computes them for the given bit size.
fn shortest_digits(f: f64, bits: u32) -> (String, i32) {
    let s = if bits == 32 {
        format!("{:e}", f as f32)
    } else {
        format!("{f:e}")
    };
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    if digits.is_empty() {
        return ("0".to_string(), 1);
    }
    (digits.to_string(), exp + 1)
}

fn fmt_e(neg: bool, digits: &str, dp: i32) -> String {
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    let mut chars = digits.chars();
    out.push(chars.next().unwrap_or('0'));
    let rest: String = chars.collect();
    if !rest.is_empty() {
        out.push('.');
        out.push_str(&rest);
    }
    let exp = if digits == "0" { 0 } else { dp - 1 };
    out.push('e');
    out.push(if exp < 0 { '-' } else { '+' });
    let a = exp.unsigned_abs();
    if a < 10 {
        out.push('0');
    }
    out.push_str(&a.to_string());
    out
}

fn fmt_f(neg: bool, digits: &str, dp: i32) -> String {
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    let nd = digits.len() as i32;
    if dp <= 0 {
        out.push_str("0.");
        for _ in 0..(-dp) {
            out.push('0');
        }
        out.push_str(digits);
    } else if dp >= nd {
        out.push_str(digits);
        for _ in 0..(dp - nd) {
            out.push('0');
        }
    } else {
        let (a, b) = digits.split_at(dp as usize);
        out.push_str(a);
        out.push('.');
        out.push_str(b);
    }
    out
}

fn special(f: f64) -> Option<String> {
    if f.is_nan() {
        Some("NaN".to_string())
    } else if f.is_infinite() {
        Some(if f > 0.0 { "+Inf" } else { "-Inf" }.to_string())
    } else {
        None
    }
}

/// `strconv.FormatFloat(f, 'g', -1, bits)` (also Go's `%v` for floats).
pub fn format_float_g(f: f64, bits: u32) -> String {
    if let Some(s) = special(f) {
        return s;
    }
    let neg = f.is_sign_negative();
    let (digits, dp) = shortest_digits(f.abs(), bits);
    // Go uses %e when the exponent is < -4 or >= the precision, which is 6 for shortest.
    let exp = dp - 1;
    if digits != "0" && !(-4..6).contains(&exp) {
        return fmt_e(neg, &digits, dp);
    }
    fmt_f(neg, &digits, dp)
}

/// `strconv.FormatFloat(f, 'e', -1, 64)`.
pub fn format_float_e(f: f64) -> String {
    if let Some(s) = special(f) {
        return s;
    }
    let (digits, dp) = shortest_digits(f.abs(), 64);
    fmt_e(f.is_sign_negative(), &digits, dp)
}

/// `strconv.FormatFloat(f, 'f', -1, 64)`.
pub fn format_float_f(f: f64) -> String {
    if let Some(s) = special(f) {
        return s;
    }
    let (digits, dp) = shortest_digits(f.abs(), 64);
    fmt_f(f.is_sign_negative(), &digits, dp)
}

/// encoding/json's float64 text: `'f'` between 1e-6 and 1e21, else `'e'` with a one-digit
/// negative exponent (`1e-7`).
pub fn format_float_json(f: f64) -> String {
    let a = f.abs();
    if a != 0.0 && !(1e-6..1e21).contains(&a) {
        let s = format_float_e(f);
        // Go trims "e-07" to "e-7".
        if let Some(i) = s.find("e-0") {
            if s.len() == i + 4 {
                return format!("{}e-{}", &s[..i], &s[i + 3..]);
            }
        }
        return s;
    }
    format_float_f(f)
}

/// Go's `strconv.Quote` (gotemplate's exact port, with Go's printable-rune table).
pub fn go_quote(s: &str) -> String {
    gotemplate::fmt::quote(s)
}

// ---------------------------------------------------------------------------------------
// Decoding.

/// `json.Unmarshal` into `interface{}`: the value, or Go's error text. A number too large for
/// float64 is a type error: the value holds nil there and the first such error is returned
/// alongside (`Err` only for syntax errors).
pub fn decode(text: &str) -> Result<(Value, Option<String>), String> {
    let mut p = JsonParser {
        s: text.as_bytes(),
        i: 0,
        type_err: None,
    };
    p.skip_ws();
    if p.i >= p.s.len() {
        return Err("unexpected end of JSON input".to_string());
    }
    let v = p.value(0)?;
    p.skip_ws();
    if let Some(&c) = p.s.get(p.i) {
        return Err(format!(
            "invalid character {} after top-level value",
            quote_char(p.char_at(p.i).unwrap_or(c as char))
        ));
    }
    Ok((v, p.type_err))
}

/// Go's `quoteChar` for scanner errors: `'x'`, `'\''`, `'"'`, or `'\n'` style escapes.
fn quote_char(c: char) -> String {
    match c {
        '\'' => "'\\''".to_string(),
        '"' => "'\"'".to_string(),
        c => {
            let q = go_quote(&c.to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

struct JsonParser<'a> {
    s: &'a [u8],
    i: usize,
    type_err: Option<String>,
}

impl JsonParser<'_> {
    fn skip_ws(&mut self) {
        while matches!(self.s.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn char_at(&self, i: usize) -> Option<char> {
        std::str::from_utf8(self.s.get(i..)?)
            .ok()
            .and_then(|r| r.chars().next())
            .or_else(|| self.s.get(i).map(|&b| b as char))
    }

    fn err_at(&self, context: &str) -> String {
        match self.char_at(self.i) {
            None => "unexpected end of JSON input".to_string(),
            Some(c) => format!("invalid character {} {context}", quote_char(c)),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err("exceeded max depth".to_string());
        }
        self.skip_ws();
        match self.s.get(self.i) {
            None => Err("unexpected end of JSON input".to_string()),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => Ok(Value::str(self.string()?)),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Nil),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err_at("looking for beginning of value")),
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, String> {
        for (k, expected) in word.bytes().enumerate() {
            match self.s.get(self.i) {
                Some(&c) if c == expected => self.i += 1,
                Some(_) if k > 0 => {
                    return Err(self.err_at(&format!(
                        "in literal {word} (expecting {})",
                        quote_char(expected as char)
                    )))
                }
                Some(_) => return Err(self.err_at("looking for beginning of value")),
                None => return Err("unexpected end of JSON input".to_string()),
            }
        }
        Ok(v)
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        if self.s.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match self.s.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
                    self.i += 1;
                }
            }
            _ => return Err(self.err_at("in numeric literal")),
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if !self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
                return Err(self.err_at("after decimal point in numeric literal"));
            }
            while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
                self.i += 1;
            }
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
                return Err(self.err_at("in exponent of numeric literal"));
            }
            while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
                self.i += 1;
            }
        }
        let text =
            std::str::from_utf8(self.s.get(start..self.i).unwrap_or_default()).unwrap_or_default();
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Float(f)),
            _ => {
                if self.type_err.is_none() {
                    self.type_err = Some(format!(
                        "json: cannot unmarshal number {text} into Go value of type float64"
                    ));
                }
                Ok(Value::Nil)
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut v = 0u32;
        for _ in 0..4 {
            let Some(&c) = self.s.get(self.i) else {
                return Err("unexpected end of JSON input".to_string());
            };
            let d = (c as char)
                .to_digit(16)
                .ok_or_else(|| self.err_at("in \\u hexadecimal character escape"))?;
            v = v * 16 + d;
            self.i += 1;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1; // opening quote
        let mut out = String::new();
        loop {
            let Some(&c) = self.s.get(self.i) else {
                return Err("unexpected end of JSON input".to_string());
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.i += 1;
                    let Some(&e) = self.s.get(self.i) else {
                        return Err("unexpected end of JSON input".to_string());
                    };
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let u = self.hex4()?;
                            if (0xD800..0xDC00).contains(&u)
                                && self.s.get(self.i) == Some(&b'\\')
                                && self.s.get(self.i + 1) == Some(&b'u')
                            {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    let cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                                    out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                                } else {
                                    out.push('\u{fffd}');
                                    self.i = save;
                                }
                            } else {
                                out.push(char::from_u32(u).unwrap_or('\u{fffd}'));
                            }
                        }
                        _ => {
                            self.i -= 1;
                            return Err(self.err_at("in string escape code"));
                        }
                    }
                }
                c if c < 0x20 => return Err(self.err_at("in string literal")),
                _ => {
                    // Copy one UTF-8 character (input came from a &str, so it is valid).
                    let ch = self.char_at(self.i).unwrap_or('\u{fffd}');
                    out.push(ch);
                    self.i += ch.len_utf8().max(1);
                }
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, String> {
        self.i += 1;
        let m = Map::new();
        self.skip_ws();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(Value::Map(m));
        }
        loop {
            self.skip_ws();
            if self.s.get(self.i) != Some(&b'"') {
                return Err(self.err_at("looking for beginning of object key string"));
            }
            let k = self.string()?;
            self.skip_ws();
            if self.s.get(self.i) != Some(&b':') {
                return Err(self.err_at("after object key"));
            }
            self.i += 1;
            let v = self.value(depth + 1)?;
            m.insert(k, v);
            self.skip_ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Map(m));
                }
                _ => return Err(self.err_at("after object key:value pair")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, String> {
        self.i += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(Value::List(List::new(items)));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::List(List::new(items)));
                }
                _ => return Err(self.err_at("after array element")),
            }
        }
    }
}

/// Helm's `fromJson`: a map; errors go into the `Error` key.
pub fn from_json(text: &str) -> Map {
    let m = Map::new();
    match decode(text) {
        Err(e) => m.insert("Error", Value::str(e)),
        Ok((v, err)) => {
            match v {
                Value::Map(decoded) => {
                    for (k, v) in decoded.entries() {
                        m.insert(&*k, v);
                    }
                }
                Value::Nil => {}
                other => {
                    m.insert(
                        "Error",
                        Value::str(format!(
                            "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                            crate::values::json_kind(&other)
                        )),
                    );
                    return m;
                }
            }
            if let Some(e) = err {
                m.insert("Error", Value::str(e));
            }
        }
    }
    m
}

/// Helm's `fromJsonArray`: a list; an error becomes the only element.
pub fn from_json_array(text: &str) -> List {
    match decode(text) {
        Err(e) => List::new(vec![Value::str(e)]),
        Ok((v, err)) => {
            if let Some(e) = err {
                return List::new(vec![Value::str(e)]);
            }
            match v {
                Value::List(l) => l,
                Value::Nil => List::new(vec![]),
                other => List::new(vec![Value::str(format!(
                    "json: cannot unmarshal {} into Go value of type []interface {{}}",
                    crate::values::json_kind(&other)
                ))]),
            }
        }
    }
}

/// Sprig's `mustFromJson`: any JSON value, or the error.
pub fn must_from_json(text: &str) -> Result<Value, String> {
    let (v, err) = decode(text)?;
    match err {
        Some(e) => Err(e),
        None => Ok(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(entries: Vec<(&str, Value)>) -> Value {
        Value::Map(Map::from_entries(gotemplate::MapKind::Generic, entries))
    }

    #[test]
    fn float_formats() {
        assert_eq!(format_float_json(1e21), "1e+21");
        assert_eq!(format_float_json(1e20), "100000000000000000000");
        assert_eq!(format_float_json(1e-7), "1e-7");
        assert_eq!(format_float_json(0.000001), "0.000001");
        assert_eq!(format_float_json(-0.0), "-0");
        assert_eq!(
            format_float_json(12345678901234567890.0),
            "12345678901234567000"
        );
        assert_eq!(format_float_g(1e6, 64), "1e+06");
        assert_eq!(format_float_g(8080.0, 64), "8080");
        assert_eq!(format_float_g(123456789012.0, 64), "1.23456789012e+11");
        assert_eq!(format_float_g(1.5, 32), "1.5");
        assert_eq!(format_float_g(0.1, 32), "0.1");
        assert_eq!(format_float_g(1e-5, 64), "1e-05");
        assert_eq!(format_float_g(0.0001, 64), "0.0001");
        assert_eq!(format_float_g(f64::NAN, 64), "NaN");
    }

    #[test]
    fn encodes_like_go() {
        let v = m(vec![
            ("k<", Value::str(">v&")),
            ("b", Value::List(List::new(vec![Value::Int(1), Value::Nil]))),
        ]);
        assert_eq!(
            to_json(&v).unwrap(),
            r#"{"b":[1,null],"k\u003c":"\u003ev\u0026"}"#
        );
        assert_eq!(to_raw_json(&v).unwrap(), r#"{"b":[1,null],"k<":">v&"}"#);
        assert_eq!(
            to_json(&Value::str("é ✓ 🎉 \u{2028} \u{1} \t")).unwrap(),
            "\"é ✓ 🎉 \\u2028 \\u0001 \\t\""
        );
        assert_eq!(
            to_json(&Value::Float(f64::NAN)).unwrap_err().0,
            "json: unsupported value: NaN"
        );
        assert_eq!(
            to_json(&Value::Bytes(Arc::from(&b"hello"[..]))).unwrap(),
            "\"aGVsbG8=\""
        );
    }

    #[test]
    fn pretty() {
        assert_eq!(
            to_pretty_json(&Value::List(List::new(vec![]))).unwrap(),
            "[]"
        );
        assert_eq!(to_pretty_json(&m(vec![])).unwrap(), "{}");
        let v = m(vec![(
            "a",
            Value::List(List::new(vec![Value::Int(1), m(vec![])])),
        )]);
        assert_eq!(
            to_pretty_json(&v).unwrap(),
            "{\n  \"a\": [\n    1,\n    {}\n  ]\n}"
        );
    }

    #[test]
    fn decoding() {
        let (v, e) = decode("{\"a\": 1, \"b\": [true, null, \"x\"]}").unwrap();
        assert!(e.is_none());
        assert_eq!(to_json(&v).unwrap(), r#"{"a":1,"b":[true,null,"x"]}"#);
        assert_eq!(
            decode("{bad").unwrap_err(),
            "invalid character 'b' looking for beginning of object key string"
        );
        assert_eq!(
            from_json("{\"n\": 1e400}")
                .get("Error")
                .and_then(|v| v.as_str().map(String::from)),
            Some("json: cannot unmarshal number 1e400 into Go value of type float64".to_string())
        );
        let l = from_json_array("{\"a\": 1}");
        assert_eq!(
            l.get(0).and_then(|v| v.as_str().map(String::from)),
            Some("json: cannot unmarshal object into Go value of type []interface {}".to_string())
        );
        assert_eq!(decode("").unwrap_err(), "unexpected end of JSON input");
        assert_eq!(
            decode("[1] x").unwrap_err(),
            "invalid character 'x' after top-level value"
        );
    }
}
