//! Helm's YAML writers and `fromYaml`: `toYaml` byte-identical to `sigs.k8s.io/yaml.Marshal`
//! (encoding/json, then go-yaml v2's encoder), `toYamlPretty` (goyaml.v3 encoder, indent 2),
//! `fromYaml`/`fromYamlArray`.
//!
//! The emitter is a tree-walking rewrite of libyaml's emitter as go-yaml ports it: the same
//! scalar analysis (which styles a string allows), the same style choice (plain, single- or
//! double-quoted, literal `|`), the same line folding at 80 columns for flow scalars, the same
//! indentation (v2 writes block sequences under a mapping key without indenting them, v3
//! indents them). Strings that would read back as another YAML type are double-quoted, with
//! each version's resolver deciding. Map keys are sorted with go-yaml's "natural" order.

use gotemplate::{List, Map, Str, Value};

use crate::content_cache::ContentCache;
use crate::json::{format_float_g, format_float_json, object_json, JsonView};
use crate::values::{go_parse_int, resolve_plain, resolve_plain_tag, GoYaml};

/// Maximum nesting depth accepted when emitting.
const MAX_DEPTH: usize = 1000;

/// A YAML marshalling error (Go's text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct YamlError(pub String);

/// A value ready to emit: maps with string keys already in output order.
#[derive(Debug, Clone)]
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(Str),
    /// Text written plain without a resolver check (goyaml.v3's timestamps).
    Plain(String),
    Seq(Vec<Node>),
    Map(Vec<(Str, Node)>),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    /// go-yaml v2 (`toYaml`)
    V2,
    /// goyaml.v3 (`toYamlPretty`)
    V3,
}

/// Helm's `toYaml`/`mustToYaml` text: `yaml.Marshal(v)` with the trailing newline trimmed.
/// The error is `mustToYaml`'s message (`toYaml` prints nothing on error).
pub fn to_yaml(v: &Value) -> Result<String, YamlError> {
    if let Some(mut s) = fast_to_yaml(v) {
        s.pop();
        return Ok(s);
    }
    let node =
        json_node(v, 0).map_err(|e| YamlError(format!("error marshaling into JSON: {e}")))?;
    let mut e = Emitter::new(Flavor::V2);
    e.document(&node);
    let mut s = e.out;
    if s.ends_with('\n') {
        s.pop();
    }
    Ok(s)
}

/// `sigs.k8s.io/yaml.Marshal(v)`: the full text including the final newline.
pub fn marshal(v: &Value) -> Result<String, YamlError> {
    let node =
        json_node(v, 0).map_err(|e| YamlError(format!("error marshaling into JSON: {e}")))?;
    let mut e = Emitter::new(Flavor::V2);
    e.document(&node);
    Ok(e.out)
}

/// Helm's `toYamlPretty`: goyaml.v3's encoder with indent 2 on the raw value, trailing newline
/// trimmed.
pub fn to_yaml_pretty(v: &Value) -> Result<String, YamlError> {
    let node = raw_node(v, 0)?;
    let mut e = Emitter::new(Flavor::V3);
    e.document(&node);
    let mut s = e.out;
    if s.ends_with('\n') {
        s.pop();
    }
    Ok(s)
}

/// Helm's `fromYaml`: the first document as a map; errors go into the `Error` key.
pub fn from_yaml(text: &str) -> Map {
    // Charts decode the same texts on every render (`.Files.Get x | fromYaml`, included
    // helpers): results are cached by the text, and each call gets its own deep copy.
    static CACHE: std::sync::OnceLock<ContentCache<Map>> = std::sync::OnceLock::new();
    let cached = CACHE
        .get_or_init(|| ContentCache::new(FROM_YAML_CACHE_MAX_BYTES))
        .get_or_try(text.as_bytes(), || {
            Ok::<_, std::convert::Infallible>(from_yaml_uncached(text))
        });
    match cached {
        Ok(m) => crate::coalesce::deep_copy_map(&m),
        Err(never) => match never {},
    }
}

/// Bytes of `fromYaml` input texts whose results [`from_yaml`] keeps.
const FROM_YAML_CACHE_MAX_BYTES: usize = 4 * 1024 * 1024;

fn from_yaml_uncached(text: &str) -> Map {
    let m = Map::new();
    match crate::values::parse_yaml_document(text) {
        Err(e) => m.insert("Error", Value::str(e.0)),
        Ok(Value::Nil) => {}
        Ok(Value::Map(decoded)) => {
            for (k, v) in decoded.entries() {
                m.insert(&*k, v);
            }
        }
        Ok(other) => m.insert(
            "Error",
            Value::str(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                crate::values::json_kind(&other)
            )),
        ),
    }
    m
}

/// Helm's `fromYamlArray`: the first document as a list; an error is the only element.
pub fn from_yaml_array(text: &str) -> List {
    match crate::values::parse_yaml_document(text) {
        Err(e) => List::new(vec![Value::str(e.0)]),
        Ok(Value::Nil) => List::new(vec![]),
        Ok(Value::List(l)) => l,
        Ok(other) => List::new(vec![Value::str(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type []interface {{}}",
            crate::values::json_kind(&other)
        ))]),
    }
}

// ---------------------------------------------------------------------------------------
// Values to emitter nodes.

fn depth_error(v: &Value) -> YamlError {
    YamlError(format!(
        "json: unsupported value: encountered a cycle via {}",
        v.type_name()
    ))
}

/// What go-yaml v2 sees after the JSON round trip: integral JSON numbers are ints, others
/// floats; `[]byte` is a base64 string; objects use their JSON view.
fn json_node(v: &Value, depth: usize) -> Result<Node, YamlError> {
    if depth > MAX_DEPTH {
        return Err(depth_error(v));
    }
    Ok(match v {
        Value::Nil => Node::Null,
        Value::Bool(b) => Node::Bool(*b),
        Value::Int(i) | Value::Int64(i) => Node::Int(*i),
        Value::Float(f) => {
            if !f.is_finite() {
                return Err(YamlError(format!(
                    "json: unsupported value: {}",
                    format_float_g(*f, 64)
                )));
            }
            json_number_node(*f)
        }
        Value::String(s) => Node::Str(fold_nel(s)),
        Value::Bytes(b) => Node::Str(Str::from(crate::json::base64_encode(b))),
        Value::List(l) => Node::Seq(
            l.iter()
                .map(|x| json_node(x, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        // sigs.k8s.io/yaml goes through JSON, where a nil map is `null`.
        Value::Map(m) if m.is_nil() => Node::Null,
        Value::Map(m) => {
            let mut pairs = Vec::with_capacity(m.len());
            for (k, v) in m.entries() {
                pairs.push((fold_nel(&k), json_node(&v, depth + 1)?));
            }
            Node::Map(sort_pairs(pairs, Flavor::V2))
        }
        Value::Object(o) => match object_json(o) {
            JsonView::Value(v) => json_node(&v, depth + 1)?,
            JsonView::Struct(fields) => {
                let mut pairs = Vec::with_capacity(fields.len());
                for (k, v) in fields {
                    pairs.push((Str::from(k), json_node(&v, depth + 1)?));
                }
                Node::Map(sort_pairs(pairs, Flavor::V2))
            }
        },
    })
}

/// go-yaml reads the JSON text back as YAML, and its scanner treats a raw NEL (U+0085, which
/// encoding/json does not escape) as a line break inside the double-quoted string: the break
/// and the spaces around it fold to one space, or to `n-1` newlines for `n` breaks.
fn fold_nel(s: &Str) -> Str {
    if !s.contains('\u{85}') {
        return s.clone();
    }
    let mut out = String::with_capacity(s.len());
    let mut pending_spaces = 0usize;
    let mut breaks = 0usize;
    for c in s.chars() {
        match c {
            ' ' => pending_spaces += 1,
            '\u{85}' => {
                breaks += 1;
                pending_spaces = 0;
            }
            _ => {
                if breaks > 0 {
                    if breaks == 1 {
                        out.push(' ');
                    } else {
                        out.extend(std::iter::repeat_n('\n', breaks - 1));
                    }
                    breaks = 0;
                    pending_spaces = 0;
                }
                out.extend(std::iter::repeat_n(' ', pending_spaces));
                pending_spaces = 0;
                out.push(c);
            }
        }
    }
    if breaks > 0 {
        if breaks == 1 {
            out.push(' ');
        } else {
            out.extend(std::iter::repeat_n('\n', breaks - 1));
        }
    } else {
        out.extend(std::iter::repeat_n(' ', pending_spaces));
    }
    Str::from(out)
}

/// The number go-yaml reads back from encoding/json's text for `f`: integral values print
/// as integers and read back as `int` (or `uint64` above `MaxInt64`), others stay floats
/// (JSON's shortest formatting round-trips exactly).
fn json_number_node(f: f64) -> Node {
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    const TWO_64: f64 = 18_446_744_073_709_551_616.0;
    // Below 2^53 encoding/json prints integral values exactly; above, its shortest digits
    // padded with zeros are a different integer, so take the textual path.
    if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        if (-TWO_63..TWO_63).contains(&f) {
            return Node::Int(f as i64);
        }
        if (0.0..TWO_64).contains(&f) {
            return Node::Uint(f as u64);
        }
    }
    if f.fract() != 0.0 {
        return Node::Float(f);
    }
    match resolve_plain(&format_float_json(f)).1 {
        GoYaml::Int(i) => Node::Int(i),
        GoYaml::Uint(u) => Node::Uint(u),
        GoYaml::Float(g) => Node::Float(g),
        _ => Node::Float(f),
    }
}

// ---------------------------------------------------------------------------------------
// `toYaml` without a node tree, for what charts pass most often.

/// The text `marshal` would produce for a map of plain words, integral numbers, booleans and
/// nulls, nested maps of the same, and lists of such scalars (`resources`,
/// `securityContext`, labels): written straight from the values, without building and
/// sorting a node tree. `None` for anything else (other scalars need quoting, folding or
/// number formatting; lists of collections nest differently), which takes the general path.
/// `fast_path_agrees_with_the_emitter` checks the two against each other.
fn fast_to_yaml(v: &Value) -> Option<String> {
    let Value::Map(m) = v else { return None };
    if m.is_nil() {
        return None;
    }
    let mut out = String::with_capacity(64);
    if m.is_empty() {
        out.push_str("{}\n");
    } else {
        fast_map(m, 0, &mut out)?;
    }
    Some(out)
}

/// Keys go-yaml writes as a plain simple key (short, nothing to quote).
fn fast_key(k: &str) -> bool {
    k.len() <= 128 && is_simple_plain(k) && can_use_plain(k, Flavor::V2)
}

fn fast_map(m: &Map, indent: usize, out: &mut String) -> Option<()> {
    // Deep nesting goes the general way, which bounds and reports it.
    if indent > 2 * 64 {
        return None;
    }
    let entries = m.entries();
    if !entries.iter().all(|(k, _)| fast_key(k)) {
        return None;
    }
    for i in key_order(entries.iter().map(|(k, _)| &**k), Flavor::V2) {
        let (k, v) = entries.get(i)?;
        push_indent(out, indent);
        out.push_str(k);
        out.push(':');
        match v {
            Value::Map(inner) if inner.is_nil() => out.push_str(" null\n"),
            Value::Map(inner) if inner.is_empty() => out.push_str(" {}\n"),
            Value::Map(inner) => {
                out.push('\n');
                fast_map(inner, indent + 2, out)?;
            }
            Value::List(l) if l.is_empty() => out.push_str(" []\n"),
            Value::List(l) => {
                out.push('\n');
                // go-yaml v2 does not indent a sequence that is a mapping's value.
                for item in l.iter() {
                    push_indent(out, indent);
                    out.push('-');
                    out.push(' ');
                    fast_scalar(item, out)?;
                    out.push('\n');
                }
            }
            scalar => {
                out.push(' ');
                fast_scalar(scalar, out)?;
                out.push('\n');
            }
        }
    }
    Some(())
}

fn push_indent(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

fn fast_scalar(v: &Value, out: &mut String) -> Option<()> {
    use std::fmt::Write as _;
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) if f.is_finite() => match json_number_node(*f) {
            Node::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Node::Uint(u) => {
                let _ = write!(out, "{u}");
            }
            _ => return None,
        },
        Value::String(s) if is_simple_plain(s) && can_use_plain(s, Flavor::V2) => out.push_str(s),
        _ => return None,
    }
    Some(())
}

/// What goyaml.v3 sees: the Go values themselves.
fn raw_node(v: &Value, depth: usize) -> Result<Node, YamlError> {
    if depth > MAX_DEPTH {
        return Err(depth_error(v));
    }
    Ok(match v {
        Value::Nil => Node::Null,
        Value::Bool(b) => Node::Bool(*b),
        Value::Int(i) | Value::Int64(i) => Node::Int(*i),
        Value::Float(f) => Node::Float(*f),
        Value::String(s) => Node::Str(s.clone()),
        Value::Bytes(b) => Node::Seq(b.iter().map(|&x| Node::Int(i64::from(x))).collect()),
        Value::List(l) => Node::Seq(
            l.iter()
                .map(|x| raw_node(x, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(m) => {
            let mut pairs = Vec::with_capacity(m.len());
            for (k, v) in m.entries() {
                pairs.push((k, raw_node(&v, depth + 1)?));
            }
            Node::Map(sort_pairs(pairs, Flavor::V3))
        }
        Value::Object(o) if o.type_name() == "time.Duration" => Node::Str(Str::from(o.format_v())),
        Value::Object(o) if o.type_name() == "time.Time" => match object_json(o) {
            JsonView::Value(Value::String(s)) => Node::Plain(s.to_string()),
            _ => Node::Str(Str::from(o.format_v())),
        },
        Value::Object(o) => match object_json(o) {
            JsonView::Value(v) => raw_node(&v, depth + 1)?,
            JsonView::Struct(fields) => {
                // goyaml.v3 names struct fields in lower case and keeps declaration order.
                let mut pairs = Vec::with_capacity(fields.len());
                for (k, v) in fields {
                    pairs.push((Str::from(k.to_lowercase()), raw_node(&v, depth + 1)?));
                }
                Node::Map(pairs)
            }
        },
    })
}

/// go-yaml's `keyList.Less` for string keys: letters sort after non-letters, runs of digits
/// compare as numbers.
///
/// goyaml.v3 adds one rule: after an equal digit, a letter sorts before a non-letter.
fn key_less<T: Copy + Into<char>>(a: &[T], b: &[T], flavor: Flavor) -> bool {
    let ch = |s: &[T], i: usize| -> char { s[i].into() };
    let mut digits = false;
    for i in 0..a.len().min(b.len()) {
        let (ca, cb) = (ch(a, i), ch(b, i));
        if ca == cb {
            digits = ca.is_numeric();
            continue;
        }
        let al = ca.is_alphabetic();
        let bl = cb.is_alphabetic();
        if al && bl {
            return ca < cb;
        }
        if al || bl {
            if digits && flavor == Flavor::V3 {
                return al;
            }
            return bl;
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if ca == '0' || cb == '0' {
            let mut j = i;
            while j > 0 {
                j -= 1;
                if !ch(a, j).is_numeric() {
                    break;
                }
                if ch(a, j) != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < a.len() && ch(a, ai).is_numeric() {
            an = an
                .wrapping_mul(10)
                .wrapping_add(i64::from(ch(a, ai) as u32).wrapping_sub(i64::from(b'0')));
            ai += 1;
        }
        let mut bi = i;
        while bi < b.len() && ch(b, bi).is_numeric() {
            bn = bn
                .wrapping_mul(10)
                .wrapping_add(i64::from(ch(b, bi) as u32).wrapping_sub(i64::from(b'0')));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ca < cb;
    }
    a.len() < b.len()
}

/// Sorts map entries with [`key_less`]. A merge sort that never panics, even on the
/// comparator's non-transitive cases (where Go's own order is unspecified).
fn sort_pairs(pairs: Vec<(Str, Node)>, flavor: Flavor) -> Vec<(Str, Node)> {
    let order = key_order(pairs.iter().map(|(k, _)| &**k), flavor);
    let mut slots: Vec<Option<(Str, Node)>> = pairs.into_iter().map(Some).collect();
    order
        .iter()
        .filter_map(|&i| slots.get_mut(i).and_then(Option::take))
        .collect()
}

/// The indices of `keys` in the emitter's key order (stable).
fn key_order<'k>(keys: impl Iterator<Item = &'k str> + Clone, flavor: Flavor) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..keys.clone().count()).collect();
    let mut buf = idx.clone();
    if keys.clone().all(str::is_ascii) {
        // ASCII keys compare on their bytes, without decoding.
        let keys: Vec<&[u8]> = keys.map(str::as_bytes).collect();
        merge_sort(
            &mut idx,
            &mut buf,
            &|x, y| match (keys.get(x), keys.get(y)) {
                (Some(a), Some(b)) => key_less(a, b, flavor),
                _ => false,
            },
        );
    } else {
        let keys: Vec<Vec<char>> = keys.map(|k| k.chars().collect()).collect();
        merge_sort(
            &mut idx,
            &mut buf,
            &|x, y| match (keys.get(x), keys.get(y)) {
                (Some(a), Some(b)) => key_less(a, b, flavor),
                _ => false,
            },
        );
    }
    idx
}

fn merge_sort(v: &mut [usize], buf: &mut [usize], less: &dyn Fn(usize, usize) -> bool) {
    let n = v.len();
    if n <= 1 {
        return;
    }
    let mid = n / 2;
    {
        let (l, r) = v.split_at_mut(mid);
        let (bl, br) = buf.split_at_mut(mid);
        merge_sort(l, bl, less);
        merge_sort(r, br, less);
    }
    let (mut i, mut j, mut k) = (0, mid, 0);
    while i < mid && j < n {
        if less(v[j], v[i]) {
            buf[k] = v[j];
            j += 1;
        } else {
            buf[k] = v[i];
            i += 1;
        }
        k += 1;
    }
    while i < mid {
        buf[k] = v[i];
        i += 1;
        k += 1;
    }
    while j < n {
        buf[k] = v[j];
        j += 1;
        k += 1;
    }
    v.copy_from_slice(&buf[..n]);
}

// ---------------------------------------------------------------------------------------
// Scalar resolution for quoting decisions.

/// go-yaml's `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    i += 1;
    while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) && i - start < 2 {
            i += 1;
        }
        let len = i - start;
        let ok = match len {
            1 => true,
            2 => b.get(start).is_some_and(|c| (b'0'..=b'5').contains(c)),
            _ => false,
        };
        if !ok {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// Reads 1 or 2 digits (Go's `getnum` with fixed=false).
fn getnum(b: &[u8], i: &mut usize) -> Option<u32> {
    let d1 = *b.get(*i)?;
    if !d1.is_ascii_digit() {
        return None;
    }
    *i += 1;
    let mut v = u32::from(d1 - b'0');
    if let Some(&d2) = b.get(*i) {
        if d2.is_ascii_digit() {
            v = v * 10 + u32::from(d2 - b'0');
            *i += 1;
        }
    }
    Some(v)
}

/// go-yaml's `parseTimestamp` acceptance: `2006-1-2`, optionally followed by `T`/`t`/space
/// and `15:4:5` with optional fraction and (for `T`/`t`) a `Z07:00` zone.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let year: u32 = s[..4].parse().unwrap_or(0);
    let mut i = 5;
    let Some(month) = getnum(b, &mut i) else {
        return false;
    };
    if b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    let Some(day) = getnum(b, &mut i) else {
        return false;
    };
    if !(1..=12).contains(&month) || day < 1 {
        return false;
    }
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let mdays = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day > mdays {
        return false;
    }
    if i == b.len() {
        return true;
    }
    let sep = b[i];
    if !matches!(sep, b'T' | b't' | b' ') {
        return false;
    }
    i += 1;
    let time_ok = (|| {
        let h = getnum(b, &mut i)?;
        (b.get(i) == Some(&b':')).then_some(())?;
        i += 1;
        let m = getnum(b, &mut i)?;
        (b.get(i) == Some(&b':')).then_some(())?;
        i += 1;
        let sec = getnum(b, &mut i)?;
        (h < 24 && m < 60 && sec < 60).then_some(())
    })();
    if time_ok.is_none() {
        return false;
    }
    if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    if sep == b' ' {
        return i == b.len();
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            let z = &b[i + 1..];
            z.len() == 5
                && z[0].is_ascii_digit()
                && z[1].is_ascii_digit()
                && z[2] == b':'
                && z[3].is_ascii_digit()
                && z[4].is_ascii_digit()
        }
        _ => false,
    }
}

/// True when the string may be written plain (it reads back as the same string).
fn can_use_plain(s: &str, flavor: Flavor) -> bool {
    // Only strings starting with these can resolve to something other than a string.
    match s.as_bytes().first() {
        Some(c) if !b"+-.0123456789yYnNtTfFoO~<".contains(c) => return true,
        _ => {}
    }
    if s.as_bytes().first().is_some_and(u8::is_ascii_digit) && is_timestamp(s) {
        return false;
    }
    match flavor {
        Flavor::V2 => {
            if s == "<<" {
                // The merge key resolves to its own tag, yet go-yaml writes it plain.
                return true;
            }
            resolve_plain_tag(s) == "tag:yaml.org,2002:str" && !is_base60_float(s)
        }
        Flavor::V3 => {
            if matches!(
                s,
                "y" | "Y"
                    | "yes"
                    | "Yes"
                    | "YES"
                    | "on"
                    | "On"
                    | "ON"
                    | "n"
                    | "N"
                    | "no"
                    | "No"
                    | "NO"
                    | "off"
                    | "Off"
                    | "OFF"
            ) {
                return false;
            }
            let tag = resolve_plain_tag(s);
            if tag == "tag:yaml.org,2002:bool" {
                // v3 only knows true/false spellings, all handled as non-plain too.
                return false;
            }
            tag == "tag:yaml.org,2002:str" && !is_base60_float(s) && go_parse_int(s).is_none()
        }
    }
}

// ---------------------------------------------------------------------------------------
// The emitter.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

#[derive(Default)]
struct Analysis {
    multiline: bool,
    flow_plain: bool,
    block_plain: bool,
    single: bool,
    block: bool,
}

/// ASCII words whose analysis allows every style: letters, digits and `_/` anywhere, `-.`
/// after the first character (`---`/`...` and a leading `-` are indicators).
fn is_simple_plain(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter().enumerate().all(|(i, &c)| {
            c.is_ascii_alphanumeric()
                || c == b'_'
                || c == b'/'
                || (i > 0 && (c == b'-' || c == b'.'))
        })
}

fn is_printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn analyze(value: &[char], flavor: Flavor) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            flow_plain: false,
            block_plain: true,
            single: true,
            block: false,
        };
    }
    let mut block_ind = false;
    let mut flow_ind = false;
    let mut line_breaks = false;
    let mut special = false;
    let mut tabs = false;
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut prev_space, mut prev_break) = (false, false);
    if value.len() >= 3
        && ((value[0] == '-' && value[1] == '-' && value[2] == '-')
            || (value[0] == '.' && value[1] == '.' && value[2] == '.'))
    {
        block_ind = true;
        flow_ind = true;
    }
    let mut preceded_by_ws = true;
    let n = value.len();
    for i in 0..n {
        let c = value[i];
        let followed_by_ws =
            i + 1 >= n || matches!(value[i + 1], ' ' | '\t') || is_break(value[i + 1]);
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => {
                    flow_ind = true;
                    block_ind = true;
                }
                '?' | ':' => {
                    flow_ind = true;
                    if followed_by_ws {
                        block_ind = true;
                    }
                }
                '-' if followed_by_ws => {
                    flow_ind = true;
                    block_ind = true;
                }
                _ => {}
            }
        } else {
            match c {
                ',' | '?' | '[' | ']' | '{' | '}' => flow_ind = true,
                ':' => {
                    flow_ind = true;
                    if followed_by_ws {
                        block_ind = true;
                    }
                }
                '#' if preceded_by_ws => {
                    flow_ind = true;
                    block_ind = true;
                }
                _ => {}
            }
        }
        if c == '\t' && flavor == Flavor::V3 {
            tabs = true;
        } else if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i + 1 == n {
                trailing_space = true;
            }
            if prev_break {
                break_space = true;
            }
            prev_space = true;
            prev_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + 1 == n {
                trailing_break = true;
            }
            if prev_space {
                space_break = true;
            }
            prev_space = false;
            prev_break = true;
        } else {
            prev_space = false;
            prev_break = false;
        }
        preceded_by_ws = matches!(c, ' ' | '\t') || is_break(c);
    }
    let mut a = Analysis {
        multiline: line_breaks,
        flow_plain: true,
        block_plain: true,
        single: true,
        block: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if trailing_space {
        a.block = false;
    }
    if break_space {
        a.flow_plain = false;
        a.block_plain = false;
        a.single = false;
    }
    if space_break || tabs || special {
        a.flow_plain = false;
        a.block_plain = false;
        a.single = false;
    }
    if space_break || special {
        a.block = false;
    }
    if line_breaks {
        a.flow_plain = false;
        a.block_plain = false;
    }
    if flow_ind {
        a.flow_plain = false;
    }
    if block_ind {
        a.block_plain = false;
    }
    a
}

struct Emitter {
    flavor: Flavor,
    out: String,
    column: usize,
    whitespace: bool,
    indention: bool,
    indent: i64,
    indents: Vec<i64>,
    flow_level: usize,
    best_indent: i64,
    best_width: usize,
}

impl Emitter {
    fn new(flavor: Flavor) -> Emitter {
        Emitter {
            flavor,
            out: String::new(),
            column: 0,
            whitespace: true,
            indention: true,
            indent: -1,
            indents: Vec::new(),
            flow_level: 0,
            best_indent: 2,
            best_width: if flavor == Flavor::V2 { 80 } else { usize::MAX },
        }
    }

    fn document(&mut self, n: &Node) {
        self.node(n, true, false, false, false);
        self.write_indent_at_end();
    }

    fn write_indent_at_end(&mut self) {
        self.indent = -1;
        self.write_indent();
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
        if self.flavor == Flavor::V3 {
            self.indention = true;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        if self.flavor == Flavor::V2 {
            self.indention = true;
        }
    }

    fn write_indicator(&mut self, ind: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        for c in ind.chars() {
            self.put(c);
        }
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { self.best_indent } else { 0 };
        } else if !indentless {
            self.indent += self.best_indent;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn node(&mut self, n: &Node, root: bool, sequence: bool, mapping: bool, simple_key: bool) {
        let _ = (root, sequence);
        match n {
            Node::Seq(items) => {
                if self.flow_level > 0 || items.is_empty() {
                    self.write_indicator("[", true, true, false);
                    self.increase_indent(true, false);
                    self.flow_level += 1;
                    // Only empty sequences are written in flow style.
                    self.flow_level -= 1;
                    self.pop_indent();
                    self.write_indicator("]", false, false, false);
                } else {
                    self.block_sequence(items, mapping);
                }
            }
            Node::Map(pairs) => {
                if self.flow_level > 0 || pairs.is_empty() {
                    self.write_indicator("{", true, true, false);
                    self.increase_indent(true, false);
                    self.pop_indent();
                    self.write_indicator("}", false, false, false);
                } else {
                    self.block_mapping(pairs);
                }
            }
            Node::Null => self.scalar("null", Style::Plain, simple_key),
            Node::Plain(s) => self.scalar(s, Style::Plain, simple_key),
            Node::Bool(b) => {
                self.scalar(if *b { "true" } else { "false" }, Style::Plain, simple_key)
            }
            Node::Int(i) => self.scalar(&i.to_string(), Style::Plain, simple_key),
            Node::Uint(u) => self.scalar(&u.to_string(), Style::Plain, simple_key),
            Node::Float(f) => {
                let s = match format_float_g(*f, 64).as_str() {
                    "+Inf" => ".inf".to_string(),
                    "-Inf" => "-.inf".to_string(),
                    "NaN" => ".nan".to_string(),
                    s => s.to_string(),
                };
                self.scalar(&s, Style::Plain, simple_key)
            }
            Node::Str(s) => {
                let style = if s.contains('\n') {
                    Style::Literal
                } else if can_use_plain(s, self.flavor) {
                    Style::Plain
                } else {
                    Style::Double
                };
                self.scalar(s, style, simple_key)
            }
        }
    }

    fn block_sequence(&mut self, items: &[Node], mapping: bool) {
        match self.flavor {
            Flavor::V2 => {
                let indentless = mapping && !self.indention;
                self.increase_indent(false, indentless);
            }
            Flavor::V3 => {
                let original = self.indent;
                self.increase_indent(false, false);
                if self.indent > original + 2 {
                    self.indent -= 2;
                }
            }
        }
        for it in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.node(it, false, true, false, false);
        }
        self.pop_indent();
    }

    fn block_mapping(&mut self, pairs: &[(Str, Node)]) {
        self.increase_indent(false, false);
        for (k, v) in pairs {
            self.write_indent();
            let simple = !k.contains(is_break) && k.len() <= 128;
            if simple {
                self.node(&Node::Str(k.clone()), false, false, true, true);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.node(&Node::Str(k.clone()), false, false, true, false);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.node(v, false, false, true, false);
        }
        self.pop_indent();
    }

    fn scalar(&mut self, value: &str, requested: Style, simple_key: bool) {
        if requested == Style::Plain && is_simple_plain(value) {
            // Fast path: nothing in the text can need quoting, folding or escaping.
            if !self.whitespace {
                self.put(' ');
            }
            self.out.push_str(value);
            self.column += value.len();
            self.whitespace = false;
            self.indention = false;
            return;
        }
        let chars: Vec<char> = value.chars().collect();
        let a = analyze(&chars, self.flavor);
        let mut style = requested;
        if simple_key && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain {
            if (self.flow_level > 0 && !a.flow_plain) || (self.flow_level == 0 && !a.block_plain) {
                style = Style::Single;
            }
            if chars.is_empty() && (self.flow_level > 0 || simple_key) {
                style = Style::Single;
            }
        }
        if style == Style::Single && !a.single {
            style = Style::Double;
        }
        if style == Style::Literal && (!a.block || self.flow_level > 0 || simple_key) {
            style = Style::Double;
        }
        self.increase_indent(true, false);
        let allow_breaks = !simple_key;
        match style {
            Style::Plain => self.write_plain(&chars, allow_breaks),
            Style::Single => self.write_single(&chars, allow_breaks),
            Style::Double => self.write_double(&chars, allow_breaks),
            Style::Literal => self.write_literal(&chars),
        }
        self.pop_indent();
    }

    fn write_break_char(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
        if self.flavor == Flavor::V3 {
            self.indention = true;
        }
    }

    fn write_plain(&mut self, v: &[char], allow_breaks: bool) {
        if !v.is_empty() && !self.whitespace {
            self.put(' ');
        }
        let mut spaces = false;
        let mut breaks = false;
        let mut i = 0;
        while i < v.len() {
            let c = v[i];
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && v.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break_char(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
            i += 1;
        }
        if !v.is_empty() {
            self.whitespace = false;
        }
        self.indention = false;
    }

    fn write_single(&mut self, v: &[char], allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let mut spaces = false;
        let mut breaks = false;
        let n = v.len();
        for i in 0..n {
            let c = v[i];
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && i != 0
                    && i != n - 1
                    && v.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break_char(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double(&mut self, v: &[char], allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let mut spaces = false;
        let n = v.len();
        for i in 0..n {
            let c = v[i];
            if !is_printable(c) || c == '\u{feff}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let u = c as u32;
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{b}' => self.put('v'),
                    '\u{c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{a0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let (letter, width) = if u <= 0xFF {
                            ('x', 2)
                        } else if u <= 0xFFFF {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(letter);
                        for k in (0..width).rev() {
                            let d = (u >> (4 * k)) & 0xF;
                            self.put(char::from_digit(d, 16).unwrap_or('0').to_ascii_uppercase());
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > self.best_width && i != 0 && i != n - 1
                {
                    self.write_indent();
                    if v.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, v: &[char]) {
        self.write_indicator("|", true, false, false);
        // Block scalar hints: indentation indicator, chomping.
        if v.first().is_some_and(|&c| c == ' ' || is_break(c)) {
            let hint = char::from_digit(self.best_indent as u32, 10).unwrap_or('2');
            self.write_indicator(&hint.to_string(), false, false, false);
        }
        let chomp = match v.len() {
            0 => Some('-'),
            n => {
                if !is_break(v[n - 1]) {
                    Some('-')
                } else if n == 1 || is_break(v[n - 2]) {
                    Some('+')
                } else {
                    None
                }
            }
        };
        if let Some(c) = chomp {
            self.write_indicator(&c.to_string(), false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in v {
            if is_break(c) {
                self.write_break_char(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

/// Convenience for callers holding a map: `toYaml` of it.
pub fn map_to_yaml(m: &Map) -> Result<String, YamlError> {
    to_yaml(&Value::Map(m.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(text: &str) -> Value {
        Value::Map(crate::values::parse_values(text).unwrap())
    }

    fn x(text: &str) -> String {
        let m = crate::values::parse_values(text).unwrap();
        to_yaml(&m.get("x").unwrap_or_default()).unwrap()
    }

    #[test]
    fn key_order_is_natural() {
        assert_eq!(
            x("x: {b: 1, a: 2, B: 3, A: 4, a10: 5, a9: 6, a09: 7, '10': 9, '9': 10, '09': 11, _x: 12, -x: 13, .x: 14, é: 15, z: 16, Z: 17, x1y2: 18, x1y10: 19, '': 20, ' ': 21, '~': 22, 'a_b': 23, 'a-b': 24, 'ab': 25}\n"),
            "\"\": 20\n' ': 21\n-x: 13\n.x: 14\n_x: 12\n\"~\": 22\n\"9\": 10\n\"09\": 11\n\"10\": 9\nA: 4\nB: 3\nZ: 17\na: 2\na-b: 24\na_b: 23\na9: 6\na09: 7\na10: 5\nab: 25\nb: 1\nx1y2: 18\nx1y10: 19\nz: 16\né: 15"
        );
    }

    #[test]
    fn nested_layout() {
        assert_eq!(
            to_yaml(&vals(
                "a:\n  b:\n    - c: 1\n      d: [x, {e: f}]\n  g: {}\n  h: []\n"
            ))
            .unwrap(),
            "a:\n  b:\n  - c: 1\n    d:\n    - x\n    - e: f\n  g: {}\n  h: []"
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(
            x("x: [\"true\", \"yes\", \"yEs\", \"1e3\", \"0755\", \"12:30\", \"1e\", \"\", \" \", \"  lead\", \"nil\", \"#hash\", \"a #b\", \"a#b\", \": c\", \"a: b\", \"-\", \"--\", \"---\", \"'a\", \"a'b\", \"\\\\\", \"\\t\", \"<<\", \"2024-03-05\"]\n"),
            "- \"true\"\n- \"yes\"\n- yEs\n- \"1e3\"\n- \"0755\"\n- \"12:30\"\n- 1e\n- \"\"\n- ' '\n- '  lead'\n- nil\n- '#hash'\n- 'a #b'\n- a#b\n- ': c'\n- 'a: b'\n- '-'\n- --\n- '---'\n- '''a'\n- a'b\n- \\\n- \"\\t\"\n- <<\n- \"2024-03-05\""
        );
    }

    #[test]
    fn multiline() {
        assert_eq!(
            x("x: {multi: \"line1\\nline2\", trailing_nl: \"line1\\n\", two: \"line1\\n\\n\", lead: \"\\nline1\", only: \"\\n\", crlf: \"a\\r\\nb\", sp: \"a  \\nb\", tab: \"a\\tb\\nc\"}\n"),
            "crlf: \"a\\r\\nb\"\nlead: |2-\n\n  line1\nmulti: |-\n  line1\n  line2\nonly: |2+\n\nsp: \"a  \\nb\"\ntab: \"a\\tb\\nc\"\ntrailing_nl: |\n  line1\ntwo: |+\n  line1\n"
        );
    }

    #[test]
    fn wrapping_and_unicode() {
        assert_eq!(
            x("x: {words: 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam'}\n"),
            "words: lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor\n  incididunt ut labore et dolore magna aliqua ut enim ad minim veniam"
        );
        assert_eq!(
            x("x: {emoji: '🎉', ctl: \"a\\u0001b\", nbsp: \"a\\u00a0b\"}\n"),
            "ctl: \"a\\x01b\"\nemoji: \"\\U0001F389\"\nnbsp: a\u{a0}b"
        );
    }

    #[test]
    fn numbers() {
        let v = vals("i: 8080\nbig: 1000000\ne: 1e21\ntiny: 0.000001\ntinier: 1e-7\nneg0: -0.0\nhuge: 12345678901234567890\nf: 1.5\n");
        assert_eq!(
            to_yaml(&v).unwrap(),
            "big: 1000000\ne: 1e+21\nf: 1.5\nhuge: 12345678901234567000\ni: 8080\nneg0: 0\ntinier: 1e-07\ntiny: 1e-06"
        );
        assert_eq!(to_yaml(&Value::Nil).unwrap(), "null");
        assert_eq!(to_yaml(&Value::str("")).unwrap(), "\"\"");
        assert_eq!(
            to_yaml(&Value::Float(f64::NAN)).unwrap_err().0,
            "error marshaling into JSON: json: unsupported value: NaN"
        );
    }

    #[test]
    fn pretty() {
        let v = vals(
            "x: {b: [1, 2, {c: d}], a: {e: [], f: {}}, s: 'yes', m: \"a\\nb\\n\", big: 1000000}\n",
        );
        let x = v.as_map().and_then(|m| m.get("x")).unwrap_or_default();
        assert_eq!(
            to_yaml_pretty(&x).unwrap(),
            "a:\n  e: []\n  f: {}\nb:\n  - 1\n  - 2\n  - c: d\nbig: 1e+06\nm: |\n  a\n  b\ns: \"yes\""
        );
    }

    #[test]
    fn from_yaml_errors() {
        let l = from_yaml_array("a: 1");
        assert_eq!(
            l.get(0).and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal object into Go value of type []interface {}"
        );
        assert!(from_yaml_array("").is_empty());
        let m = from_yaml("a: 1\n---\nb: 2");
        assert_eq!(m.keys().len(), 1);
    }

    #[test]
    fn time_values() {
        let t = crate::funcs::dates::parse_time("2006-01-02", "2024-03-05").unwrap();
        let d = crate::funcs::dates::GoDuration(86_400_000_000_000);
        let m = Value::Map(Map::from_entries(
            gotemplate::MapKind::Generic,
            [
                ("t", Value::Object(std::sync::Arc::new(t))),
                ("d", Value::Object(std::sync::Arc::new(d))),
            ],
        ));
        assert_eq!(
            to_yaml(&m).unwrap(),
            "d: 86400000000000\nt: \"2024-03-05T00:00:00Z\""
        );
        assert_eq!(
            to_yaml_pretty(&m).unwrap(),
            "d: 24h0m0s\nt: 2024-03-05T00:00:00Z"
        );
        assert_eq!(
            crate::toml::to_toml(&m).unwrap(),
            "d = \"24h0m0s\"\nt = 2024-03-05T00:00:00Z\n"
        );
    }

    #[test]
    fn cycles_are_errors_not_overflows() {
        let m = Map::new();
        m.insert("self", Value::Map(m.clone()));
        let v = Value::Map(m.clone());
        assert_eq!(
            to_yaml(&v).unwrap_err().0,
            "error marshaling into JSON: json: unsupported value: encountered a cycle via map[string]interface {}"
        );
        assert!(crate::json::to_json(&v).is_err());
        assert!(to_yaml_pretty(&v).is_err());
        assert!(crate::toml::to_toml(&v).is_err());
        // Break the cycle so the map can be freed.
        m.remove("self");
    }

    #[test]
    fn large_tree_is_fast() {
        // ~200 KB of YAML: 2000 entries with nested maps, lists and long strings.
        let m = Map::new();
        for i in 0..2000 {
            let inner = Map::new();
            inner.insert("name", Value::str(format!("service-{i}")));
            inner.insert("port", Value::Float(f64::from(8000 + i)));
            inner.insert("enabled", Value::Bool(i % 2 == 0));
            inner.insert(
                "tags",
                Value::List(List::new(vec![
                    Value::str("a"),
                    Value::str("yes"),
                    Value::Float(1.5),
                ])),
            );
            inner.insert(
                "description",
                Value::str("lorem ipsum dolor sit amet ".repeat(2)),
            );
            m.insert(format!("key{i}"), Value::Map(inner));
        }
        let v = Value::Map(m);
        let start = std::time::Instant::now();
        let node = json_node(&v, 0).unwrap();
        eprintln!("json_node took {:?}", start.elapsed());
        let start2 = std::time::Instant::now();
        let mut e = Emitter::new(Flavor::V2);
        e.document(&node);
        eprintln!("emit took {:?}", start2.elapsed());
        let start = std::time::Instant::now();
        let out = to_yaml(&v).unwrap();
        let took = start.elapsed();
        assert!(out.len() > 150_000, "{}", out.len());
        // Generous bound for unoptimized test builds on a loaded machine.
        assert!(took.as_millis() < 2000, "toYaml took {took:?}");
        eprintln!("toYaml of {} bytes took {took:?}", out.len());
        let start = std::time::Instant::now();
        let back = crate::values::parse_values(&out).unwrap();
        eprintln!("parse_values took {:?}", start.elapsed());
        assert_eq!(back.len(), 2000);
    }

    #[test]
    fn typical_chart_values_take_the_fast_path() {
        let v = crate::values::parse_values(
            "limits:\n  cpu: 500m\n  memory: 256Mi\nrequests:\n  cpu: 100m\ncapabilities:\n  drop: [ALL]\nrunAsUser: 1000\nreadOnly: true\nempty: {}\n",
        )
        .unwrap();
        let v = Value::Map(v);
        let fast = fast_to_yaml(&v).expect("takes the fast path");
        assert_eq!(
            fast,
            "capabilities:\n  drop:\n  - ALL\nempty: {}\nlimits:\n  cpu: 500m\n  memory: 256Mi\nreadOnly: true\nrequests:\n  cpu: 100m\nrunAsUser: 1000\n"
        );
        assert_eq!(to_yaml(&v).unwrap(), fast.trim_end_matches('\n'));
        // Quoting, lists of maps and fractions go the general way.
        for text in ["a: 'yes'\n", "a:\n- b: 1\n", "a: 1.5\n", "a: \"x y\"\n"] {
            let v = Value::Map(crate::values::parse_values(text).unwrap());
            assert!(fast_to_yaml(&v).is_none(), "{text}");
        }
    }

    mod props {
        use super::*;
        use gotemplate::MapKind;
        use proptest::prelude::*;

        fn arb_value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                any::<bool>().prop_map(Value::Bool),
                any::<i32>().prop_map(|i| Value::Float(f64::from(i))),
                (-1e9f64..1e9).prop_map(Value::Float),
                "[ -~é✓日🎉\\n\\t]{0,40}".prop_map(Value::str),
                "(yes|no|on|off|y|n|~|null|true|0755|1e3|12:30|-|---|: x|#x|a #b|2024-01-01| x|x ){1,2}"
                    .prop_map(Value::str),
            ];
            leaf.prop_recursive(4, 64, 6, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..5)
                        .prop_map(|v| Value::List(List::new(v))),
                    prop::collection::btree_map("[a-zA-Z0-9 _.:#'-]{0,8}", inner, 0..5)
                        .prop_map(|m| Value::Map(Map::from_entries(MapKind::Generic, m))),
                ]
            })
        }

        /// Values in the fast path's shape, and some just outside it.
        fn arb_chart_value() -> impl Strategy<Value = Value> {
            // Mostly what the fast path takes, with some of what it must leave alone.
            let leaf = prop_oneof![
                2 => any::<bool>().prop_map(Value::Bool),
                2 => any::<i64>().prop_map(Value::Int),
                2 => (-1e6f64..1e6).prop_map(|f| Value::Float(f.round())),
                1 => (-1e3f64..1e3).prop_map(Value::Float),
                1 => Just(Value::Nil),
                8 => "(500m|128Mi|ALL|IfNotPresent|a/b|x.y-z|x-|v1|n1|Y2)".prop_map(Value::str),
                1 => "(1e3|0x1F|012|1_000|yes|No|on|~|null|true|-x|a b|12:30|)".prop_map(Value::str),
            ];
            leaf.prop_recursive(4, 48, 5, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4)
                        .prop_map(|v| Value::List(List::new(v))),
                    prop::collection::btree_map(
                        "(a|b|B|a1|a10|a2|x_y|x-y|x.y|k/v|10|2|on|n|key|key2|Key)",
                        inner,
                        0..5
                    )
                    .prop_map(|m| Value::Map(Map::from_entries(MapKind::Generic, m))),
                ]
            })
        }

        proptest! {
            #[test]
            fn fast_path_agrees_with_the_emitter(
                m in prop::collection::btree_map("(a|b|a1|a10|a2|x-y|x.y|k/v|on|key)", arb_chart_value(), 0..6)
            ) {
                let v = Value::Map(Map::from_entries(MapKind::Generic, m));
                if let Some(fast) = fast_to_yaml(&v) {
                    let node = json_node(&v, 0).unwrap();
                    let mut e = Emitter::new(Flavor::V2);
                    e.document(&node);
                    prop_assert_eq!(fast, e.out);
                }
            }

            #[test]
            fn to_yaml_reparses_to_the_same_value(v in arb_value()) {
                let text = marshal(&v).unwrap();
                let back = crate::values::parse_yaml_document(&text)
                    .unwrap_or_else(|e| panic!("{e} in {text:?}"));
                prop_assert_eq!(
                    crate::json::to_json(&back).unwrap(),
                    crate::json::to_json(&v).unwrap(),
                    "yaml: {:?}", text
                );
            }

            #[test]
            fn to_yaml_pretty_never_fails(v in arb_value()) {
                prop_assert!(to_yaml_pretty(&v).is_ok());
            }
        }
    }
}
