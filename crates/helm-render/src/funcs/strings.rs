//! Sprig's string functions: trimming, case conversion (Go's `strings`, Masterminds/goutils
//! and huandu/xstrings v1.5.0 rules), `substr`/`trunc`/`abbrev`, `wrap`, quoting, `indent`,
//! splitting and joining, `sortAlpha`.
//!
//! Go's string functions work on bytes; where Sprig slices in the middle of a UTF-8 sequence
//! the result is kept as lossy UTF-8, since template strings are Rust strings. The random
//! string functions (`randAlpha`, ...) belong to `random.rs`; `shuffle` is here.

use gotemplate::{ArgType, ElemType, FuncError, FuncMap, List, Map, MapKind, Signature, Value};
use rand::Rng;

use super::cast::{arg, arg_int, arg_str, to_string, to_strings};

/// Largest string a repeating function may build, so a template cannot exhaust memory.
const MAX_OUTPUT: usize = 256 << 20;

/// Registers this family's functions.
pub fn register(m: &mut FuncMap) {
    use ArgType::{Any, Int, String as S};
    let s1 = || Signature::fixed(&[S]);
    let s2 = || Signature::fixed(&[S, S]);

    m.add("hello", Signature::fixed(&[]), |_, _| {
        Ok(Value::str("Hello!"))
    });
    m.add("upper", s1(), |_, a| {
        Ok(Value::from(
            arg_str(a, 0).chars().map(simple_upper).collect::<String>(),
        ))
    });
    m.add("lower", s1(), |_, a| {
        Ok(Value::from(
            arg_str(a, 0).chars().map(simple_lower).collect::<String>(),
        ))
    });
    m.add("title", s1(), |_, a| Ok(Value::from(title(arg_str(a, 0)))));
    m.add("untitle", s1(), |_, a| {
        Ok(Value::from(untitle(arg_str(a, 0))))
    });
    m.add("swapcase", s1(), |_, a| {
        Ok(Value::from(swapcase(arg_str(a, 0))))
    });
    m.add("snakecase", s1(), |_, a| {
        Ok(Value::from(camel_to_lower(arg_str(a, 0), '_')))
    });
    m.add("kebabcase", s1(), |_, a| {
        Ok(Value::from(camel_to_lower(arg_str(a, 0), '-')))
    });
    m.add("camelcase", s1(), |_, a| {
        Ok(Value::from(pascal_case(arg_str(a, 0))))
    });
    m.add("shuffle", s1(), |_, a| {
        Ok(Value::from(shuffle(arg_str(a, 0))))
    });
    m.add("trim", s1(), |_, a| Ok(Value::str(arg_str(a, 0).trim())));
    for name in ["trimAll", "trimall"] {
        m.add(name, s2(), |_, a| {
            let cut = arg_str(a, 0);
            Ok(Value::str(
                arg_str(a, 1).trim_matches(|c: char| cut.contains(c)),
            ))
        });
    }
    m.add("trimSuffix", s2(), |_, a| {
        let (suf, s) = (arg_str(a, 0), arg_str(a, 1));
        Ok(Value::str(s.strip_suffix(suf).unwrap_or(s)))
    });
    m.add("trimPrefix", s2(), |_, a| {
        let (pre, s) = (arg_str(a, 0), arg_str(a, 1));
        Ok(Value::str(s.strip_prefix(pre).unwrap_or(s)))
    });
    m.add("nospace", s1(), |_, a| {
        Ok(Value::from(nospace(arg_str(a, 0))))
    });
    m.add("initials", s1(), |_, a| {
        Ok(Value::from(initials(arg_str(a, 0))))
    });
    m.add("substr", Signature::fixed(&[Int, Int, S]), |_, a| {
        substr(arg_int(a, 0), arg_int(a, 1), arg_str(a, 2)).map(Value::from)
    });
    m.add("trunc", Signature::fixed(&[Int, S]), |_, a| {
        Ok(Value::from(trunc(arg_int(a, 0), arg_str(a, 1))))
    });
    m.add("abbrev", Signature::fixed(&[Int, S]), |_, a| {
        let (w, s) = (arg_int(a, 0), arg_str(a, 1));
        if w < 4 {
            return Ok(Value::str(s));
        }
        Ok(Value::from(abbreviate_full(s.as_bytes(), 0, w)))
    });
    m.add("abbrevboth", Signature::fixed(&[Int, Int, S]), |_, a| {
        let (left, right, s) = (arg_int(a, 0), arg_int(a, 1), arg_str(a, 2));
        if right < 4 || (left > 0 && right < 7) {
            return Ok(Value::str(s));
        }
        Ok(Value::from(abbreviate_full(s.as_bytes(), left, right)))
    });
    m.add("repeat", Signature::fixed(&[Int, S]), |_, a| {
        repeat(arg_str(a, 1), arg_int(a, 0)).map(Value::from)
    });
    m.add("wrap", Signature::fixed(&[Int, S]), |_, a| {
        wrap_custom(arg_str(a, 1), arg_int(a, 0), "", false).map(Value::from)
    });
    m.add("wrapWith", Signature::fixed(&[Int, S, S]), |_, a| {
        wrap_custom(arg_str(a, 2), arg_int(a, 0), arg_str(a, 1), true).map(Value::from)
    });
    m.add("contains", s2(), |_, a| {
        Ok(Value::Bool(arg_str(a, 1).contains(arg_str(a, 0))))
    });
    m.add("hasPrefix", s2(), |_, a| {
        Ok(Value::Bool(arg_str(a, 1).starts_with(arg_str(a, 0))))
    });
    m.add("hasSuffix", s2(), |_, a| {
        Ok(Value::Bool(arg_str(a, 1).ends_with(arg_str(a, 0))))
    });
    m.add("quote", Signature::variadic(&[], Any), |_, a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(|v| gotemplate::fmt::quote(&to_string(v)))
            .collect();
        Ok(Value::from(parts.join(" ")))
    });
    m.add("squote", Signature::variadic(&[], Any), |_, a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(|v| format!("'{}'", gotemplate::fmt::format_value(v)))
            .collect();
        Ok(Value::from(parts.join(" ")))
    });
    m.add("cat", Signature::variadic(&[], Any), |_, a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(gotemplate::fmt::format_value)
            .collect();
        Ok(Value::from(parts.join(" ")))
    });
    m.add("indent", Signature::fixed(&[Int, S]), |_, a| {
        indent(arg_int(a, 0), arg_str(a, 1)).map(Value::from)
    });
    m.add("nindent", Signature::fixed(&[Int, S]), |_, a| {
        indent_after(arg_int(a, 0), arg_str(a, 1), "\n").map(Value::from)
    });
    m.add("replace", Signature::fixed(&[S, S, S]), |_, a| {
        let (old, new, src) = (arg_str(a, 0), arg_str(a, 1), arg_str(a, 2));
        let hits = if old.is_empty() {
            src.chars().count() + 1
        } else {
            src.matches(old).count()
        };
        if hits.saturating_mul(new.len()) > MAX_OUTPUT {
            return Err(FuncError::msg(format!(
                "replace: output exceeds the limit of {MAX_OUTPUT} bytes"
            )));
        }
        Ok(Value::from(src.replace(old, new)))
    });
    m.add("plural", Signature::fixed(&[S, S, Int]), |_, a| {
        Ok(Value::str(if arg_int(a, 2) == 1 {
            arg_str(a, 0)
        } else {
            arg_str(a, 1)
        }))
    });
    m.add("split", s2(), |_, a| {
        Ok(parts_map(go_split(arg_str(a, 1), arg_str(a, 0), -1)))
    });
    m.add("splitn", Signature::fixed(&[S, Int, S]), |_, a| {
        Ok(parts_map(go_split(
            arg_str(a, 2),
            arg_str(a, 0),
            arg_int(a, 1),
        )))
    });
    m.add("splitList", s2(), |_, a| {
        Ok(Value::List(List::strings(go_split(
            arg_str(a, 1),
            arg_str(a, 0),
            -1,
        ))))
    });
    m.add("join", Signature::fixed(&[S, Any]), |_, a| {
        Ok(Value::from(to_strings(arg(a, 1)).join(arg_str(a, 0))))
    });
    m.add("sortAlpha", Signature::fixed(&[Any]), |_, a| {
        Ok(Value::List(List::strings(sort_alpha(arg(a, 0)))))
    });
}

/// Go's `unicode.ToUpper`: the simple (one rune) mapping, so `ß` stays `ß`.
pub fn simple_upper(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    match c as u32 {
        // Greek with ypogegrammeni: the simple mapping is the titlecase letter.
        0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7 => {
            char::from_u32(c as u32 + 8).unwrap_or(c)
        }
        0x1FB3 => '\u{1FBC}',
        0x1FC3 => '\u{1FCC}',
        0x1FF3 => '\u{1FFC}',
        _ => {
            let mut up = c.to_uppercase();
            match (up.next(), up.next()) {
                (Some(u), None) => u,
                _ => c,
            }
        }
    }
}

/// Go's `unicode.ToLower` (simple mapping).
pub fn simple_lower(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    if c == '\u{130}' {
        return 'i';
    }
    let mut low = c.to_lowercase();
    match (low.next(), low.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Go's `unicode.ToTitle`: upper case except for the Latin digraphs, which have a title form.
pub fn simple_title(c: char) -> char {
    match c as u32 {
        0x1C4..=0x1C6 => '\u{1C5}',
        0x1C7..=0x1C9 => '\u{1C8}',
        0x1CA..=0x1CC => '\u{1CB}',
        0x1F1..=0x1F3 => '\u{1F2}',
        0x1F88..=0x1F8F | 0x1F98..=0x1F9F | 0x1FA8..=0x1FAF | 0x1FBC | 0x1FCC | 0x1FFC => c,
        _ => simple_upper(c),
    }
}

/// Go's `unicode.IsTitle` (general category Lt).
fn is_title(c: char) -> bool {
    matches!(c as u32,
        0x1C5 | 0x1C8 | 0x1CB | 0x1F2 | 0x1F88..=0x1F8F | 0x1F98..=0x1F9F | 0x1FA8..=0x1FAF
        | 0x1FBC | 0x1FCC | 0x1FFC)
}

/// Go's `unicode.IsUpper` (category Lu): Rust's `Uppercase` property minus the
/// `Other_Uppercase` symbols (circled letters, Roman numerals).
fn is_upper(c: char) -> bool {
    c.is_uppercase()
        && !is_title(c)
        && !matches!(c as u32,
            0x2160..=0x216F | 0x24B6..=0x24CF | 0x1F130..=0x1F149 | 0x1F150..=0x1F169
            | 0x1F170..=0x1F189)
}

/// Go's `unicode.IsLower` (category Ll): Rust's `Lowercase` property minus the
/// `Other_Lowercase` modifier letters and symbols.
fn is_lower(c: char) -> bool {
    c.is_lowercase()
        && !matches!(c as u32,
            0xAA | 0xBA | 0x2B0..=0x2B8 | 0x2C0..=0x2C1 | 0x2E0..=0x2E4 | 0x345 | 0x37A
            | 0x10FC | 0x1D2C..=0x1D6A | 0x1D78 | 0x1D9B..=0x1DBF | 0x2071 | 0x207F
            | 0x2090..=0x209C | 0x2170..=0x217F | 0x24D0..=0x24E9 | 0x2C7C..=0x2C7D
            | 0xA69C..=0xA69D | 0xA770 | 0xA7F2..=0xA7F4 | 0xA7F8..=0xA7F9 | 0xAB5C..=0xAB5F
            | 0xAB69 | 0x10780 | 0x10783..=0x10785 | 0x10787..=0x107B0 | 0x107B2..=0x107BA
            | 0x1E030..=0x1E06D)
}

/// Go's `unicode.IsSpace` for a rune made from one byte (Latin-1), as goutils uses it.
fn is_space_byte(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ' | 0x85 | 0xA0)
}

/// Go's `unicode.IsPunct` (category P): exact for ASCII and Latin-1, the common blocks beyond.
fn is_punct(c: char) -> bool {
    if c.is_ascii() {
        return matches!(
            c,
            '!' | '"'
                | '#'
                | '%'
                | '&'
                | '\''
                | '('
                | ')'
                | '*'
                | ','
                | '-'
                | '.'
                | '/'
                | ':'
                | ';'
                | '?'
                | '@'
                | '['
                | '\\'
                | ']'
                | '_'
                | '{'
                | '}'
        );
    }
    matches!(c as u32,
        0xA1 | 0xA7 | 0xAB | 0xB6 | 0xB7 | 0xBB | 0xBF | 0x2010..=0x2027 | 0x2030..=0x2043
        | 0x2045..=0x2051 | 0x2053..=0x205E | 0x3001..=0x3003 | 0x3008..=0x3011
        | 0xFF01..=0xFF03 | 0xFF05..=0xFF0A | 0xFF0C..=0xFF0F)
}

/// Go's `strings.Title` separator rule.
fn is_title_separator(c: char) -> bool {
    if c.is_ascii() {
        return !(c.is_ascii_alphanumeric() || c == '_');
    }
    if c.is_alphanumeric() {
        return false;
    }
    c.is_whitespace()
}

/// Go's (deprecated) `strings.Title`: the first letter after a separator is title-cased, and
/// every ASCII character other than letters, digits and `_` separates (`it's` → `It'S`).
pub fn title(s: &str) -> String {
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let out = if is_title_separator(prev) {
                simple_title(c)
            } else {
                c
            };
            prev = c;
            out
        })
        .collect()
}

/// goutils `Uncapitalize`: lower-cases the first rune of each whitespace-separated word.
fn untitle(s: &str) -> String {
    let mut next = true;
    s.chars()
        .map(|c| {
            if c.is_whitespace() {
                next = true;
                c
            } else if next {
                next = false;
                simple_lower(c)
            } else {
                c
            }
        })
        .collect()
}

/// goutils `SwapCase`: upper and title become lower, lower becomes upper (title case right
/// after whitespace).
fn swapcase(s: &str) -> String {
    let mut whitespace = true;
    s.chars()
        .map(|c| {
            if is_upper(c) || is_title(c) {
                whitespace = false;
                simple_lower(c)
            } else if is_lower(c) {
                if whitespace {
                    whitespace = false;
                    simple_title(c)
                } else {
                    simple_upper(c)
                }
            } else {
                whitespace = c.is_whitespace();
                c
            }
        })
        .collect()
}

/// goutils `DeleteWhiteSpace`: walks bytes, turning each kept byte into the rune of the
/// same number (so non-ASCII text comes out as Latin-1 mojibake), unless nothing was removed.
fn nospace(s: &str) -> String {
    if !s.bytes().any(is_space_byte) {
        return s.to_string();
    }
    s.bytes()
        .filter(|b| !is_space_byte(*b))
        .map(char::from)
        .collect()
}

/// goutils `Initials`: the first byte of each whitespace-separated word, as a Latin-1 rune.
fn initials(s: &str) -> String {
    let mut out = String::new();
    let mut gap = true;
    for b in s.bytes() {
        if is_space_byte(b) {
            gap = true;
        } else if gap {
            out.push(char::from(b));
            gap = false;
        }
    }
    out
}

/// Bytes cut out of a string as text: each byte of an invalid sequence becomes one U+FFFD,
/// as Go's `range` and `encoding/json` read such bytes (Rust's own lossy conversion would
/// merge a truncated sequence into a single replacement).
fn lossy(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    let mut rest = b;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                out.push('\u{FFFD}');
                rest = bad.get(1..).unwrap_or_default();
            }
        }
    }
}

/// Sprig's `substring`, with Go's slice-bounds panics.
fn substr(start: i64, end: i64, s: &str) -> Result<String, FuncError> {
    let b = s.as_bytes();
    let len = b.len() as i64;
    let oob = |m: String| {
        Err(FuncError::msg(format!(
            "runtime error: slice bounds out of range {m}"
        )))
    };
    if start < 0 {
        if end < 0 {
            return oob(format!("[:{end}]"));
        }
        if end > len {
            return oob(format!("[:{end}] with length {len}"));
        }
        return Ok(lossy(b.get(..end as usize).unwrap_or(b)));
    }
    if end < 0 || end > len {
        if start > len {
            return oob(format!("[{start}:{len}]"));
        }
        return Ok(lossy(b.get(start as usize..).unwrap_or_default()));
    }
    if start > end {
        return oob(format!("[{start}:{end}]"));
    }
    Ok(lossy(
        b.get(start as usize..end as usize).unwrap_or_default(),
    ))
}

/// Sprig's `trunc`: the first `c` bytes, or the last `-c` bytes when `c` is negative.
fn trunc(c: i64, s: &str) -> String {
    let b = s.as_bytes();
    let len = b.len() as i64;
    if c < 0 && len + c > 0 {
        return lossy(b.get((len + c) as usize..).unwrap_or_default());
    }
    if c >= 0 && len > c {
        return lossy(b.get(..c as usize).unwrap_or_default());
    }
    s.to_string()
}

/// goutils `AbbreviateFull` (byte based); widths too small for the offset give "".
fn abbreviate_full(s: &[u8], offset: i64, max_width: i64) -> String {
    if s.is_empty() || max_width < 4 {
        return String::new();
    }
    let len = s.len() as i64;
    if len <= max_width {
        return lossy(s);
    }
    let mut offset = offset.min(len);
    if len.saturating_sub(offset) < max_width - 3 {
        offset = len - (max_width - 3);
    }
    let slice = |a: i64, b: i64| {
        lossy(
            s.get(a.max(0) as usize..b.max(0) as usize)
                .unwrap_or_default(),
        )
    };
    if offset <= 4 {
        return format!("{}...", slice(0, max_width - 3));
    }
    if max_width < 7 {
        return String::new();
    }
    if offset + max_width - 3 < len {
        let rest = s.get(offset as usize..).unwrap_or_default();
        return format!("...{}", abbreviate_full(rest, 0, max_width - 3));
    }
    format!("...{}", slice(len - (max_width - 3), len))
}

/// Go's `strings.Repeat`, with its panics and a size limit.
fn repeat(s: &str, count: i64) -> Result<String, FuncError> {
    if count < 0 {
        return Err(FuncError::msg("strings: negative Repeat count"));
    }
    let total = (s.len() as u128) * (count as u128);
    if total > i64::MAX as u128 {
        return Err(FuncError::msg("strings: Repeat output length overflow"));
    }
    if total > MAX_OUTPUT as u128 {
        return Err(FuncError::msg(format!(
            "strings: Repeat output of {total} bytes exceeds the limit of {MAX_OUTPUT}"
        )));
    }
    Ok(s.repeat(count as usize))
}

/// Sprig's `indent`: the pad before the text and after every newline.
fn indent(spaces: i64, v: &str) -> Result<String, FuncError> {
    indent_after(spaces, v, "")
}

/// `lead` then [`indent`] of `v` (`nindent` is `"\n"` then `indent`).
fn indent_after(spaces: i64, v: &str, lead: &str) -> Result<String, FuncError> {
    let pad = repeat(" ", spaces)?;
    let lines = v.bytes().filter(|&b| b == b'\n').count() + 1;
    let extra = pad.len().saturating_mul(lines);
    if extra > MAX_OUTPUT {
        return Err(FuncError::msg("indent: output exceeds the size limit"));
    }
    // One pass into a buffer of the final size (`toYaml | nindent` is in nearly every chart).
    let mut out = String::with_capacity(lead.len() + v.len() + extra);
    out.push_str(lead);
    for (i, line) in v.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&pad);
        out.push_str(line);
    }
    Ok(out)
}

/// goutils `WrapCustom` (byte based): breaks at the last space within the width, long words
/// broken only when `wrap_long` is set.
fn wrap_custom(s: &str, width: i64, newline: &str, wrap_long: bool) -> Result<String, FuncError> {
    if s.is_empty() {
        return Ok(String::new());
    }
    let newline = if newline.is_empty() { "\n" } else { newline };
    let b = s.as_bytes();
    let len = b.len();
    let width = usize::try_from(width.max(1))
        .unwrap_or(usize::MAX)
        .min(len + 1);
    let mut out: Vec<u8> = Vec::with_capacity(len + 16);
    let mut offset = 0usize;
    while len - offset > width {
        if out.len() > MAX_OUTPUT {
            return Err(FuncError::msg(format!(
                "wrap: output exceeds the limit of {MAX_OUTPUT} bytes"
            )));
        }
        if b.get(offset) == Some(&b' ') {
            offset += 1;
            continue;
        }
        let end = width + offset + 1;
        let window = b.get(offset..end).unwrap_or_default();
        if let Some(sp) = window.iter().rposition(|&c| c == b' ') {
            let at = offset + sp;
            out.extend_from_slice(b.get(offset..at).unwrap_or_default());
            out.extend_from_slice(newline.as_bytes());
            offset = at + 1;
        } else if wrap_long {
            let end = width + offset;
            out.extend_from_slice(b.get(offset..end).unwrap_or_default());
            out.extend_from_slice(newline.as_bytes());
            offset += width;
        } else {
            let end = width + offset;
            match b.get(end..).and_then(|r| r.iter().position(|&c| c == b' ')) {
                None => {
                    out.extend_from_slice(b.get(offset..).unwrap_or_default());
                    offset = len;
                }
                Some(i) => {
                    let at = i + end;
                    out.extend_from_slice(b.get(offset..at).unwrap_or_default());
                    out.extend_from_slice(newline.as_bytes());
                    offset = at + 1;
                }
            }
        }
    }
    out.extend_from_slice(b.get(offset..).unwrap_or_default());
    Ok(lossy(&out))
}

/// Go's `strings.SplitN` (`n < 0`: all parts; `n == 0`: none; an empty separator splits
/// into runes).
pub fn go_split(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    let limit = if n < 0 { usize::MAX } else { n as usize };
    if sep.is_empty() {
        let mut out: Vec<String> = Vec::new();
        for (i, c) in s.char_indices() {
            if out.len() + 1 == limit {
                out.push(s.get(i..).unwrap_or_default().to_string());
                return out;
            }
            out.push(c.to_string());
        }
        return out;
    }
    s.splitn(limit, sep).map(str::to_string).collect()
}

/// Sprig's `split`/`splitn` result: a `map[string]string` keyed `_0`, `_1`, ...
fn parts_map(parts: Vec<String>) -> Value {
    Value::Map(Map::from_entries(
        MapKind::Typed(ElemType::String),
        parts
            .into_iter()
            .enumerate()
            .map(|(i, p)| (format!("_{i}"), Value::from(p))),
    ))
}

/// Sprig's `sortAlpha`: slices go through `strslice` and are sorted bytewise; any other
/// value becomes a one-element list of its string form.
pub fn sort_alpha(v: &Value) -> Vec<String> {
    let is_slice = match v {
        Value::List(_) | Value::Bytes(_) => true,
        Value::Object(o) => o.as_list().is_some(),
        _ => false,
    };
    if !is_slice {
        return vec![to_string(v)];
    }
    let mut items = match v {
        Value::Object(o) => o
            .as_list()
            .map(|l| to_strings(&Value::List(l)))
            .unwrap_or_default(),
        other => to_strings(other),
    };
    items.sort();
    items
}

/// xstrings `Shuffle`: a random permutation of the runes.
fn shuffle(s: &str) -> String {
    let mut runes: Vec<char> = s.chars().collect();
    let mut rng = rand::thread_rng();
    for i in (1..runes.len()).rev() {
        let j = rng.gen_range(0..=i);
        runes.swap(i, j);
    }
    runes.into_iter().collect()
}

fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || c.is_whitespace()
}

/// xstrings `isAlphabet`: letters, CJK ideographs excluded.
fn is_alphabet(c: char) -> bool {
    if !c.is_alphabetic() || c.is_numeric() {
        return false;
    }
    !matches!(c as u32, 0x4E00..=0x9FCC | 0x3400..=0x4D85 | 0x20000..=0x2B81D)
}

/// xstrings v1.5.0 `ToPascalCase` (Sprig's `camelcase`): connectors (`-`, `_`, spaces)
/// are dropped and the rune after them upper-cased; leading connectors stay; an initial
/// upper-case run is lowered after its first rune (`GOLANG_IS` → `GolangIs`).
fn pascal_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    let mut r0 = '\0';
    let mut first_upper = false;
    let mut found = false;
    for c in chars.by_ref() {
        if !is_connector(c) {
            first_upper = is_upper(c);
            r0 = simple_upper(c);
            found = true;
            break;
        }
        out.push(c);
    }
    if !found {
        // xstrings writes the last connector a second time here.
        if let Some(last) = s.chars().last() {
            out.push(last);
        }
        return out;
    }
    if chars.peek().is_none() {
        out.push(r0);
        return out;
    }
    for c in chars {
        let r1 = r0;
        r0 = c;
        if is_connector(r0) && is_connector(r1) {
            out.push(r1);
            continue;
        }
        if is_connector(r1) {
            first_upper = is_upper(r0);
            r0 = simple_upper(r0);
        } else {
            if first_upper {
                if is_upper(r0) {
                    r0 = simple_lower(r0);
                } else {
                    first_upper = false;
                }
            }
            out.push(r1);
        }
    }
    out.push(r0);
    out
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Word {
    Invalid,
    Number,
    Upper,
    Alphabet,
    Connector,
    Punct,
    Other,
}

/// Length in bytes of the leading run of `s` whose runes satisfy `f`.
fn run_len(s: &str, f: impl Fn(char) -> bool) -> usize {
    s.char_indices()
        .find(|(_, c)| !f(*c))
        .map_or(s.len(), |(i, _)| i)
}

/// xstrings `nextWord`: the type and text of the next word and the remaining text.
fn next_word(s: &str) -> (Word, &str, &str) {
    let Some(r) = s.chars().next() else {
        return (Word::Invalid, "", "");
    };
    let mut offset = r.len_utf8();
    let rest = s.get(offset..).unwrap_or_default();
    let wt = if is_connector(r) {
        offset += run_len(rest, is_connector);
        Word::Connector
    } else if is_punct(r) {
        offset += run_len(rest, is_punct);
        Word::Punct
    } else if is_upper(r) {
        if let Some(r2) = rest.chars().next() {
            if is_upper(r2) {
                let mut prev = r2.len_utf8();
                offset += prev;
                let mut broke_on = None;
                for c in s.get(offset..).unwrap_or_default().chars() {
                    if !is_upper(c) {
                        broke_on = Some(c);
                        break;
                    }
                    prev = c.len_utf8();
                    offset += prev;
                }
                // "HTTPStatus": the last upper-case rune starts the next word.
                if broke_on.is_some_and(is_alphabet) {
                    offset -= prev;
                }
            } else if is_alphabet(r2) {
                offset += r2.len_utf8();
                let tail = s.get(offset..).unwrap_or_default();
                offset += run_len(tail, |c| is_alphabet(c) && !is_upper(c));
            }
        }
        Word::Upper
    } else if is_alphabet(r) {
        offset += run_len(rest, |c| is_alphabet(c) && !is_upper(c));
        Word::Alphabet
    } else if r.is_numeric() {
        offset += run_len(rest, char::is_numeric);
        Word::Number
    } else {
        offset += run_len(rest, |c| {
            !(is_connector(c) || is_alphabet(c) || c.is_numeric() || is_punct(c))
        });
        Word::Other
    };
    let (word, remaining) = s.split_at(offset.min(s.len()));
    (wt, word, remaining)
}

/// xstrings `toLower`: upper-case words and connectors are rewritten, others copied.
fn word_lower(out: &mut String, wt: Word, word: &str, connector: char) {
    if wt != Word::Upper && wt != Word::Connector {
        out.push_str(word);
        return;
    }
    for c in word.chars() {
        if is_connector(c) {
            out.push(connector);
        } else if is_upper(c) {
            out.push(simple_lower(c));
        } else {
            out.push(c);
        }
    }
}

/// xstrings `camelCaseToLowerCase` (`ToSnakeCase`/`ToKebabCase`).
fn camel_to_lower(s: &str, conn: char) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    let (mut wt, mut word, mut remaining) = next_word(s);
    while !remaining.is_empty() {
        if wt != Word::Connector {
            word_lower(&mut out, wt, word, conn);
        }
        let prev = wt;
        let last = word;
        (wt, word, remaining) = next_word(remaining);
        match prev {
            Word::Number => {
                while wt == Word::Alphabet || wt == Word::Number {
                    word_lower(&mut out, wt, word, conn);
                    (wt, word, remaining) = next_word(remaining);
                }
                if !matches!(wt, Word::Invalid | Word::Punct | Word::Connector) {
                    out.push(conn);
                }
            }
            Word::Connector => word_lower(&mut out, prev, last, conn),
            Word::Punct => {}
            _ => {
                if wt != Word::Number {
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(conn);
                    }
                    continue;
                }
                if remaining.is_empty() {
                    continue;
                }
                let last = word;
                (wt, word, remaining) = next_word(remaining);
                // A number followed by a non-letter belongs to the previous word
                // ("Bld4Floor" → "bld4_floor").
                if wt != Word::Alphabet {
                    word_lower(&mut out, Word::Number, last, conn);
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(conn);
                    }
                    continue;
                }
                // Lower-case letters after a number start a new word ("HTTP2xx" → "http_2xx").
                out.push(conn);
                word_lower(&mut out, Word::Number, last, conn);
                while wt == Word::Alphabet || wt == Word::Number {
                    word_lower(&mut out, wt, word, conn);
                    (wt, word, remaining) = next_word(remaining);
                }
                if !matches!(wt, Word::Invalid | Word::Connector | Word::Punct) {
                    out.push(conn);
                }
            }
        }
    }
    word_lower(&mut out, wt, word, conn);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_conversions_follow_xstrings() {
        let snake = |s| camel_to_lower(s, '_');
        assert_eq!(snake("FirstName"), "first_name");
        assert_eq!(snake("HTTPServer"), "http_server");
        assert_eq!(snake("firstName lastName"), "first_name_last_name");
        assert_eq!(snake("already_snake"), "already_snake");
        assert_eq!(snake("kebab-case"), "kebab_case");
        assert_eq!(snake("ABC"), "abc");
        assert_eq!(snake("a1B2"), "a1_b2");
        assert_eq!(snake("NoHTTPS"), "no_https");
        assert_eq!(snake("http2xx"), "http_2xx");
        assert_eq!(snake("HTTP20xOK"), "http_20x_ok");
        assert_eq!(snake("Duration2m3s"), "duration_2m3s");
        assert_eq!(snake("Bld4Floor3rd"), "bld4_floor_3rd");
        assert_eq!(camel_to_lower("with space", '-'), "with-space");
        assert_eq!(pascal_case("http_server"), "HttpServer");
        assert_eq!(pascal_case("_leading"), "_Leading");
        assert_eq!(pascal_case("_complex__case_"), "_Complex_Case_");
        assert_eq!(pascal_case("AlreadyCamel"), "AlreadyCamel");
        assert_eq!(pascal_case("GOLANG_IS_GREAT"), "GolangIsGreat");
        assert_eq!(pascal_case("x"), "X");
        assert_eq!(pascal_case("--"), "---");
    }

    #[test]
    fn title_and_swapcase_follow_go() {
        assert_eq!(title("it's o'neil"), "It'S O'Neil");
        assert_eq!(
            title("hello world-foo_bar baz.qux"),
            "Hello World-Foo_bar Baz.Qux"
        );
        assert_eq!(title("élan ünïcode"), "Élan Ünïcode");
        assert_eq!(untitle("Hello World ABC"), "hello world aBC");
        assert_eq!(swapcase("Hello World ß ÉA"), "hELLO wORLD ß éa");
        assert_eq!(
            "abc Éé ß".chars().map(simple_upper).collect::<String>(),
            "ABC ÉÉ ß"
        );
    }

    #[test]
    fn byte_based_helpers() {
        assert_eq!(nospace("é x"), "Ã©x");
        assert_eq!(nospace("é"), "é");
        assert_eq!(initials("First Try"), "FT");
        assert_eq!(initials("a b  c"), "abc");
    }

    #[test]
    fn substr_and_trunc() {
        assert_eq!(substr(1, 3, "hello").ok().as_deref(), Some("el"));
        assert_eq!(substr(-1, 2, "hello").ok().as_deref(), Some("he"));
        assert_eq!(substr(2, -1, "hello").ok().as_deref(), Some("llo"));
        assert_eq!(
            substr(3, 1, "hello")
                .err()
                .map(|e| e.to_string())
                .as_deref(),
            Some("runtime error: slice bounds out of range [3:1]")
        );
        assert_eq!(
            substr(7, 9, "hello")
                .err()
                .map(|e| e.to_string())
                .as_deref(),
            Some("runtime error: slice bounds out of range [7:5]")
        );
        assert_eq!(trunc(-2, "abcdef"), "ef");
        assert_eq!(trunc(-10, "abc"), "abc");
        assert_eq!(trunc(0, "abc"), "");
    }

    #[test]
    fn abbreviations() {
        assert_eq!(abbreviate_full(b"hello world", 0, 5), "he...");
        assert_eq!(abbreviate_full(b"hello", 0, 4), "h...");
        assert_eq!(abbreviate_full(b"1234 5678 9123", 5, 10), "...5678...");
        assert_eq!(abbreviate_full(b"abcdefghij", 0, 7), "abcd...");
        assert_eq!(abbreviate_full(b"abcdefghij", i64::MIN, 7), "abcd...");
    }

    #[test]
    fn cut_bytes_become_one_replacement_each() {
        assert_eq!(trunc(2, "日本"), "\u{FFFD}\u{FFFD}");
        assert_eq!(trunc(4, "日本"), "日\u{FFFD}");
    }

    #[test]
    fn wrapping() {
        assert_eq!(
            wrap_custom("The quick brown fox jumps over the lazy dog", 10, "", false)
                .unwrap_or_default(),
            "The quick\nbrown fox\njumps over\nthe lazy\ndog"
        );
        assert_eq!(
            wrap_custom("abcdefghijkl mn", 5, "", false).unwrap_or_default(),
            "abcdefghijkl\nmn"
        );
        assert_eq!(
            wrap_custom("Hello World", 5, "\t", true).unwrap_or_default(),
            "Hello\tWorld"
        );
        assert_eq!(
            wrap_custom("abc def ghi", 3, "<br>", true).unwrap_or_default(),
            "abc<br>def<br>ghi"
        );
    }

    #[test]
    fn splitting() {
        assert_eq!(go_split("a,b,,c", ",", -1), ["a", "b", "", "c"]);
        assert_eq!(go_split("abc", "", -1), ["a", "b", "c"]);
        assert_eq!(go_split("abc", "", 2), ["a", "bc"]);
        assert!(go_split("", "", -1).is_empty());
        assert_eq!(go_split("", ",", -1), [""]);
        assert_eq!(go_split("foo$bar$baz", "$", 2), ["foo", "bar$baz"]);
        assert!(go_split("a,b", ",", 0).is_empty());
    }

    #[test]
    fn repeat_and_indent_errors() {
        assert!(repeat("a", -1).is_err());
        assert_eq!(repeat("ab", 3).ok().as_deref(), Some("ababab"));
        assert_eq!(indent(2, "a\nb").ok().as_deref(), Some("  a\n  b"));
        assert_eq!(
            indent_after(1, "a\n\nb\n", "\n").ok().as_deref(),
            Some("\n a\n \n b\n ")
        );
        assert!(indent(i64::MAX, "a").is_err());
    }
}
