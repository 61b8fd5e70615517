//! Sprig's regular-expression functions (`regexMatch`, `regexFind`, `regexFindAll`,
//! `regexReplaceAll`, `regexReplaceAllLiteral`, `regexSplit`, `regexQuoteMeta` and the `must*`
//! variants) with Go `regexp` semantics.
//!
//! Patterns are Go RE2 syntax. They are walked here the way Go's `regexp/syntax` parser walks
//! them, which yields Go's exact error messages (`missing closing ): \`(\``) and a translation
//! into the Rust `regex` crate's dialect: Go's `\d`, `\w`, `\s` and `\b` are ASCII-only, a `{`
//! that does not start a repeat is a literal, and Rust's class set operators (`&&`, `--`, `~~`)
//! mean nothing in Go. Matching loops (`FindAll`, `ReplaceAll`, `Split`) and `$1`/`${name}`
//! expansion follow Go's algorithms, including how empty matches are skipped.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, OnceLock};

use ::regex::{Regex, RegexBuilder};
use gotemplate::{ArgType, FuncError, FuncMap, List, Signature, Value};

use super::encoding::arg_str;

/// Go's `regexp/syntax` maximum repeat count and nesting depth.
const MAX_REPEAT: i64 = 1000;
const MAX_NESTING: usize = 1000;
/// Compiled patterns kept per process; the cache is simply emptied when full.
const CACHE_LIMIT: usize = 512;

/// Registers this family's functions.
pub fn register(m: &mut FuncMap) {
    use ArgType::{Int, String as S};
    m.add("regexMatch", Signature::fixed(&[S, S]), |_, a| {
        Ok(Value::Bool(
            compile(arg_str(a, 0)).is_ok_and(|re| re.is_match(arg_str(a, 1))),
        ))
    });
    m.add("mustRegexMatch", Signature::fixed(&[S, S]), |_, a| {
        let re = compile(arg_str(a, 0)).map_err(FuncError::msg)?;
        Ok(Value::Bool(re.is_match(arg_str(a, 1))))
    });
    m.add("regexFindAll", Signature::fixed(&[S, S, Int]), |_, a| {
        let re = must_compile(arg_str(a, 0))?;
        Ok(find_all(&re, arg_str(a, 1), arg_int(a, 2)))
    });
    m.add(
        "mustRegexFindAll",
        Signature::fixed(&[S, S, Int]),
        |_, a| {
            let re = compile(arg_str(a, 0)).map_err(FuncError::msg)?;
            Ok(find_all(&re, arg_str(a, 1), arg_int(a, 2)))
        },
    );
    m.add("regexFind", Signature::fixed(&[S, S]), |_, a| {
        let re = must_compile(arg_str(a, 0))?;
        Ok(find(&re, arg_str(a, 1)))
    });
    m.add("mustRegexFind", Signature::fixed(&[S, S]), |_, a| {
        let re = compile(arg_str(a, 0)).map_err(FuncError::msg)?;
        Ok(find(&re, arg_str(a, 1)))
    });
    m.add("regexReplaceAll", Signature::fixed(&[S, S, S]), |_, a| {
        let re = must_compile(arg_str(a, 0))?;
        Ok(Value::from(replace_all(
            &re,
            arg_str(a, 1),
            arg_str(a, 2),
            true,
        )))
    });
    m.add(
        "mustRegexReplaceAll",
        Signature::fixed(&[S, S, S]),
        |_, a| {
            let re = compile(arg_str(a, 0)).map_err(FuncError::msg)?;
            Ok(Value::from(replace_all(
                &re,
                arg_str(a, 1),
                arg_str(a, 2),
                true,
            )))
        },
    );
    m.add(
        "regexReplaceAllLiteral",
        Signature::fixed(&[S, S, S]),
        |_, a| {
            let re = must_compile(arg_str(a, 0))?;
            Ok(Value::from(replace_all(
                &re,
                arg_str(a, 1),
                arg_str(a, 2),
                false,
            )))
        },
    );
    m.add(
        "mustRegexReplaceAllLiteral",
        Signature::fixed(&[S, S, S]),
        |_, a| {
            let re = compile(arg_str(a, 0)).map_err(FuncError::msg)?;
            Ok(Value::from(replace_all(
                &re,
                arg_str(a, 1),
                arg_str(a, 2),
                false,
            )))
        },
    );
    m.add("regexSplit", Signature::fixed(&[S, S, Int]), |_, a| {
        let re = must_compile(arg_str(a, 0))?;
        Ok(split(&re, arg_str(a, 1), arg_int(a, 2)))
    });
    m.add("mustRegexSplit", Signature::fixed(&[S, S, Int]), |_, a| {
        let re = compile(arg_str(a, 0)).map_err(FuncError::msg)?;
        Ok(split(&re, arg_str(a, 1), arg_int(a, 2)))
    });
    m.add("regexQuoteMeta", Signature::fixed(&[S]), |_, a| {
        Ok(Value::from(quote_meta(arg_str(a, 0))))
    });
}

fn arg_int(args: &[Value], i: usize) -> i64 {
    match args.get(i) {
        Some(Value::Int(n) | Value::Int64(n)) => *n,
        _ => 0,
    }
}

/// A compiled Go regexp: the Rust program plus the original pattern (Go's `Split` looks at it).
pub struct GoRegex {
    pub(crate) re: Regex,
    expr_empty: bool,
    /// Go's `SubexpNames()`: Go allows a name twice, Rust does not, so repeated names are
    /// compiled as plain groups and resolved here.
    names: Vec<Option<String>>,
}

impl GoRegex {
    /// Go's `MatchString`.
    pub fn is_match(&self, s: &str) -> bool {
        self.re.is_match(s)
    }
}

/// Go's `regexp.Compile`: the error is Go's `error parsing regexp: CODE: \`EXPR\``.
pub fn compile(pattern: &str) -> Result<Arc<GoRegex>, String> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<GoRegex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(re) = cache
        .lock()
        .ok()
        .and_then(|c| c.get(pattern).map(Arc::clone))
    {
        return Ok(re);
    }
    let (translated, names) = translate(pattern).map_err(|e| e.to_string())?;
    let re = RegexBuilder::new(&translated)
        .nest_limit(4 * MAX_NESTING as u32)
        .size_limit(64 << 20)
        .build()
        .map_err(|e| rust_error_to_go(&e, pattern))?;
    let re = Arc::new(GoRegex {
        re,
        expr_empty: pattern.is_empty(),
        names,
    });
    if let Ok(mut c) = cache.lock() {
        if c.len() >= CACHE_LIMIT {
            c.clear();
        }
        c.insert(pattern.to_string(), Arc::clone(&re));
    }
    Ok(re)
}

/// Go's `regexp.MustCompile` inside a template: the panic becomes the call's error.
fn must_compile(pattern: &str) -> Result<Arc<GoRegex>, FuncError> {
    compile(pattern)
        .map_err(|e| FuncError::msg(format!("regexp: Compile({}): {e}", go_quote(pattern))))
}

/// Go's `regexp.quote`: backquoted when possible, else `strconv.Quote`.
fn go_quote(s: &str) -> String {
    let can_backquote = s
        .chars()
        .all(|c| c != '`' && c != '\u{FEFF}' && (c == '\t' || !c.is_control()));
    if can_backquote {
        return format!("`{s}`");
    }
    strconv_quote(s)
}

/// Go's `strconv.Quote` (what `%q` prints for a string).
pub(crate) fn strconv_quote(s: &str) -> String {
    gotemplate::fmt::quote(s)
}

/// A Go `regexp/syntax` error.
#[derive(Debug, PartialEq, Eq)]
struct SyntaxError {
    code: &'static str,
    expr: String,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error parsing regexp: {}: `{}`", self.code, self.expr)
    }
}

const ERR_MISSING_PAREN: &str = "missing closing )";
const ERR_UNEXPECTED_PAREN: &str = "unexpected )";
const ERR_MISSING_BRACKET: &str = "missing closing ]";
const ERR_INVALID_CHAR_RANGE: &str = "invalid character class range";
const ERR_INVALID_ESCAPE: &str = "invalid escape sequence";
const ERR_INVALID_NAMED_CAPTURE: &str = "invalid named capture";
const ERR_INVALID_PERL_OP: &str = "invalid or unsupported Perl syntax";
const ERR_INVALID_REPEAT_OP: &str = "invalid nested repetition operator";
const ERR_INVALID_REPEAT_SIZE: &str = "invalid repeat count";
const ERR_MISSING_REPEAT_ARG: &str = "missing argument to repetition operator";
const ERR_TRAILING_BACKSLASH: &str = "trailing backslash at end of expression";
const ERR_NESTING_DEPTH: &str = "expression nests too deeply";

fn err(code: &'static str, expr: &str) -> SyntaxError {
    SyntaxError {
        code,
        expr: expr.to_string(),
    }
}

/// Maps a Rust compile failure the Go walk did not predict (rare: unknown Unicode class
/// names, size limits) to a Go-shaped message.
fn rust_error_to_go(e: &::regex::Error, pattern: &str) -> String {
    match e {
        ::regex::Error::CompiledTooBig(_) => {
            format!("error parsing regexp: expression too large: `{pattern}`")
        }
        _ => {
            let text = e.to_string();
            if text.contains("Unicode property") || text.contains("Unicode class") {
                format!("error parsing regexp: {ERR_INVALID_CHAR_RANGE}: `{pattern}`")
            } else {
                format!("error parsing regexp: {ERR_INVALID_PERL_OP}: `{pattern}`")
            }
        }
    }
}

/// Appends a literal character in a form the Rust parser reads as that character alone.
fn push_lit(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() || !c.is_ascii() {
        out.push(c);
    } else {
        let _ = write!(out, "\\x{{{:x}}}", c as u32);
    }
}

/// Go's ASCII Perl classes (`\d`, `\s`, `\w` and negations) as Rust classes.
fn perl_class(c: char) -> Option<&'static str> {
    Some(match c {
        'd' => "[0-9]",
        'D' => "[^0-9]",
        's' => "[\\t\\n\\f\\r ]",
        'S' => "[^\\t\\n\\f\\r ]",
        'w' => "[0-9A-Za-z_]",
        'W' => "[^0-9A-Za-z_]",
        _ => return None,
    })
}

const POSIX_CLASSES: &[&str] = &[
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
    "space", "upper", "word", "xdigit",
];

/// Walks a Go pattern, returning Go's syntax error or the equivalent Rust pattern.
fn translate(pat: &str) -> Result<(String, Vec<Option<String>>), SyntaxError> {
    let b = pat.as_bytes();
    let mut out = String::with_capacity(pat.len() + 16);
    let mut i = 0usize;
    let mut depth = 0usize;
    // Whether the top of Go's parse stack is an operand (not empty, `(` or `|`).
    let mut operand = false;
    let mut last_repeat: Option<usize> = None;
    let mut names: Vec<Option<String>> = vec![None];
    while i < b.len() {
        let mut repeat: Option<usize> = None;
        match b[i] {
            b'(' if b.get(i + 1) == Some(&b'?') => {
                let (next, opened) = perl_flags(pat, i, &mut out, &mut names)?;
                if opened {
                    depth += 1;
                    operand = false;
                }
                i = next;
            }
            b'(' => {
                out.push('(');
                names.push(None);
                depth += 1;
                operand = false;
                i += 1;
            }
            b'|' => {
                out.push('|');
                operand = false;
                i += 1;
            }
            b')' => {
                if depth == 0 {
                    return Err(err(ERR_UNEXPECTED_PAREN, pat));
                }
                depth -= 1;
                out.push(')');
                operand = true;
                i += 1;
            }
            b'^' | b'$' | b'.' => {
                out.push(char::from(b[i]));
                operand = true;
                i += 1;
            }
            b'[' => {
                i = parse_class(pat, i, &mut out)?;
                operand = true;
            }
            b'*' | b'+' | b'?' => {
                let mut after = i + 1;
                if b.get(after) == Some(&b'?') {
                    after += 1;
                }
                check_repeat(pat, i, after, last_repeat, operand)?;
                out.push_str(&pat[i..after]);
                repeat = Some(i);
                i = after;
            }
            b'{' => match parse_repeat(pat, i) {
                None => {
                    push_lit(&mut out, '{');
                    operand = true;
                    i += 1;
                }
                Some((min, max, end)) => {
                    if !(0..=MAX_REPEAT).contains(&min)
                        || max > MAX_REPEAT
                        || (max >= 0 && min > max)
                    {
                        return Err(err(ERR_INVALID_REPEAT_SIZE, &pat[i..end]));
                    }
                    let mut after = end;
                    if b.get(after) == Some(&b'?') {
                        after += 1;
                    }
                    check_repeat(pat, i, after, last_repeat, operand)?;
                    out.push_str(&pat[i..after]);
                    repeat = Some(i);
                    i = after;
                }
            },
            b'\\' => {
                i = parse_backslash(pat, i, &mut out, &mut operand)?;
            }
            _ => {
                let c = pat[i..].chars().next().unwrap_or('\u{FFFD}');
                push_lit(&mut out, c);
                operand = true;
                i += c.len_utf8();
            }
        }
        if depth > MAX_NESTING {
            return Err(err(ERR_NESTING_DEPTH, pat));
        }
        last_repeat = repeat;
    }
    if depth != 0 {
        return Err(err(ERR_MISSING_PAREN, pat));
    }
    Ok((out, names))
}

/// Go's checks before applying a repetition operator spanning `pat[start..after]`.
fn check_repeat(
    pat: &str,
    start: usize,
    after: usize,
    last_repeat: Option<usize>,
    operand: bool,
) -> Result<(), SyntaxError> {
    if let Some(l) = last_repeat {
        return Err(err(ERR_INVALID_REPEAT_OP, &pat[l..after]));
    }
    if !operand {
        return Err(err(ERR_MISSING_REPEAT_ARG, &pat[start..after]));
    }
    Ok(())
}

/// Go's `parseRepeat` at `pat[i] == '{'`: `(min, max, end)` with `max == -1` for `{n,}` and
/// `min == -1` when a number is too big; `None` when `{` is a literal.
fn parse_repeat(pat: &str, i: usize) -> Option<(i64, i64, usize)> {
    let b = pat.as_bytes();
    let mut j = i + 1;
    let (mut min, nj) = parse_int(b, j)?;
    j = nj;
    let max;
    match b.get(j)? {
        b',' => {
            j += 1;
            match b.get(j)? {
                b'}' => max = -1,
                _ => {
                    let (m, nj) = parse_int(b, j)?;
                    j = nj;
                    max = m;
                    if m < 0 {
                        min = -1;
                    }
                }
            }
        }
        _ => max = min,
    }
    if b.get(j) != Some(&b'}') {
        return None;
    }
    Some((min, max, j + 1))
}

/// Go's `parseInt`: digits without leading zeros; values of 1e8 and more become -1.
fn parse_int(b: &[u8], start: usize) -> Option<(i64, usize)> {
    let first = *b.get(start)?;
    if !first.is_ascii_digit() {
        return None;
    }
    if first == b'0' && b.get(start + 1).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let mut j = start;
    let mut n: i64 = 0;
    while let Some(&d) = b.get(j).filter(|d| d.is_ascii_digit()) {
        if n >= 0 {
            n = if n >= 100_000_000 {
                -1
            } else {
                n * 10 + i64::from(d - b'0')
            };
        }
        j += 1;
    }
    Some((n, j))
}

/// Go's `parsePerlFlags` at `(?`: named groups, flag groups and non-capturing groups.
/// Returns the next index and whether a group was opened.
fn perl_flags(
    pat: &str,
    i: usize,
    out: &mut String,
    names: &mut Vec<Option<String>>,
) -> Result<(usize, bool), SyntaxError> {
    let t = &pat[i..];
    let tb = t.as_bytes();
    let starts_with_p = tb.len() > 4 && tb[2] == b'P' && tb[3] == b'<';
    let starts_with_name = tb.len() > 3 && tb[2] == b'<';
    if starts_with_p || starts_with_name {
        let begin = if starts_with_p { 4 } else { 3 };
        let Some(end) = t.find('>') else {
            return Err(err(ERR_INVALID_NAMED_CAPTURE, t));
        };
        let name = t.get(begin..end).unwrap_or("");
        if name.is_empty() || !name.bytes().all(|c| c == b'_' || c.is_ascii_alphanumeric()) {
            return Err(err(ERR_INVALID_NAMED_CAPTURE, &t[..=end]));
        }
        if names.iter().any(|n| n.as_deref() == Some(name)) {
            out.push('(');
        } else {
            let _ = write!(out, "(?P<{name}>");
        }
        names.push(Some(name.to_string()));
        return Ok((i + end + 1, true));
    }
    let mut flags = String::new();
    let mut negated = false;
    let mut saw_flag = false;
    let mut pos = 2usize;
    while let Some(c) = t[pos..].chars().next() {
        pos += c.len_utf8();
        match c {
            'i' | 'm' | 's' | 'U' => {
                flags.push(c);
                saw_flag = true;
            }
            '-' if !negated => {
                negated = true;
                flags.push('-');
                saw_flag = false;
            }
            ':' | ')' if !negated || saw_flag => {
                if c == ':' {
                    let _ = write!(out, "(?{flags}:");
                    return Ok((i + pos, true));
                }
                if !flags.is_empty() {
                    let _ = write!(out, "(?{flags})");
                }
                return Ok((i + pos, false));
            }
            _ => break,
        }
    }
    Err(err(ERR_INVALID_PERL_OP, &t[..pos]))
}

/// A backslash sequence outside a class at `pat[i] == '\\'`.
fn parse_backslash(
    pat: &str,
    i: usize,
    out: &mut String,
    operand: &mut bool,
) -> Result<usize, SyntaxError> {
    let b = pat.as_bytes();
    match b.get(i + 1) {
        Some(b'A') => {
            out.push_str("\\A");
            *operand = true;
            return Ok(i + 2);
        }
        Some(b'z') => {
            out.push_str("\\z");
            *operand = true;
            return Ok(i + 2);
        }
        Some(b'b') => {
            out.push_str("(?-u:\\b)");
            *operand = true;
            return Ok(i + 2);
        }
        Some(b'B') => {
            out.push_str("(?-u:\\B)");
            *operand = true;
            return Ok(i + 2);
        }
        Some(b'C') => return Err(err(ERR_INVALID_ESCAPE, &pat[i..i + 2])),
        Some(b'Q') => {
            let rest = &pat[i + 2..];
            let (lit, next) = match rest.find("\\E") {
                Some(e) => (&rest[..e], i + 2 + e + 2),
                None => (rest, pat.len()),
            };
            for c in lit.chars() {
                push_lit(out, c);
                *operand = true;
            }
            return Ok(next);
        }
        Some(b'p' | b'P') => {
            let next = unicode_class(pat, i, out)?;
            *operand = true;
            return Ok(next);
        }
        Some(&c) => {
            if let Some(cls) = perl_class(char::from(c)) {
                out.push_str(cls);
                *operand = true;
                return Ok(i + 2);
            }
        }
        None => {}
    }
    let (c, next) = parse_escape(pat, i)?;
    push_lit(out, c);
    *operand = true;
    Ok(next)
}

/// Go's `parseUnicodeClass` at `\p`/`\P`, emitting the Rust form.
fn unicode_class(pat: &str, i: usize, out: &mut String) -> Result<usize, SyntaxError> {
    let s = &pat[i..];
    let mut negate = s.as_bytes().get(1) == Some(&b'P');
    let after = &s[2..];
    let (seq_len, mut name) = match after.chars().next() {
        Some('{') => {
            let Some(end) = s.find('}') else {
                return Err(err(ERR_INVALID_CHAR_RANGE, s));
            };
            (end + 1, &s[3..end])
        }
        Some(c) => (2 + c.len_utf8(), &after[..c.len_utf8()]),
        None => (2, ""),
    };
    if let Some(n) = name.strip_prefix('^') {
        negate = !negate;
        name = n;
    }
    // Go knows "Any", the general categories and the scripts; the Rust parser is asked
    // whether it knows the name too (it knows a superset).
    let valid = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && Regex::new(&format!("\\p{{{name}}}")).is_ok();
    if !valid {
        return Err(err(ERR_INVALID_CHAR_RANGE, &s[..seq_len]));
    }
    let _ = write!(out, "\\{}{{{name}}}", if negate { 'P' } else { 'p' });
    Ok(i + seq_len)
}

/// Go's `parseEscape` at `pat[i] == '\\'`: a single escaped character.
fn parse_escape(pat: &str, i: usize) -> Result<(char, usize), SyntaxError> {
    let t = &pat[i + 1..];
    let Some(c) = t.chars().next() else {
        return Err(err(ERR_TRAILING_BACKSLASH, ""));
    };
    let mut pos = i + 1 + c.len_utf8();
    let b = pat.as_bytes();
    let is_oct = |x: Option<&u8>| x.is_some_and(|d| (b'0'..=b'7').contains(d));
    match c {
        c if c.is_ascii() && !c.is_ascii_alphanumeric() => return Ok((c, pos)),
        '1'..='7' if !is_oct(b.get(pos)) => {}
        '0'..='7' => {
            let mut r = c as u32 - '0' as u32;
            for _ in 1..3 {
                if !is_oct(b.get(pos)) {
                    break;
                }
                r = r * 8 + u32::from(b[pos] - b'0');
                pos += 1;
            }
            return Ok((char::from_u32(r).unwrap_or('\u{FFFD}'), pos));
        }
        'x' => {
            if let Some(r) = parse_hex_escape(pat, &mut pos) {
                return Ok((r, pos));
            }
        }
        'a' => return Ok(('\u{7}', pos)),
        'f' => return Ok(('\u{c}', pos)),
        'n' => return Ok(('\n', pos)),
        'r' => return Ok(('\r', pos)),
        't' => return Ok(('\t', pos)),
        'v' => return Ok(('\u{b}', pos)),
        _ => {}
    }
    Err(err(ERR_INVALID_ESCAPE, &pat[i..pos]))
}

/// The part of `\x` after the `x`: `HH` or `{H...}`. `pos` advances over what Go consumed,
/// so the error text covers the same characters.
fn parse_hex_escape(pat: &str, pos: &mut usize) -> Option<char> {
    let mut chars = pat[*pos..].chars();
    let c = chars.next()?;
    *pos += c.len_utf8();
    if c == '{' {
        let mut r: u32 = 0;
        let mut n = 0;
        loop {
            let d = chars.next()?;
            *pos += d.len_utf8();
            if d == '}' {
                break;
            }
            r = r * 16 + d.to_digit(16)?;
            if r > 0x10FFFF {
                return None;
            }
            n += 1;
        }
        if n == 0 {
            return None;
        }
        return char::from_u32(r).or(Some('\u{FFFD}'));
    }
    let x = c.to_digit(16);
    let d = chars.next()?;
    *pos += d.len_utf8();
    let y = d.to_digit(16);
    char::from_u32(x? * 16 + y?)
}

/// Go's `parseClass` at `pat[start] == '['`, emitting an equivalent Rust class.
fn parse_class(pat: &str, start: usize, out: &mut String) -> Result<usize, SyntaxError> {
    let b = pat.as_bytes();
    let whole = &pat[start..];
    let mut t = start + 1;
    out.push('[');
    if b.get(t) == Some(&b'^') {
        out.push('^');
        t += 1;
    }
    let mut first = true;
    loop {
        if t >= b.len() {
            return Err(err(ERR_MISSING_BRACKET, whole));
        }
        if b[t] == b']' && !first {
            break;
        }
        first = false;
        if b[t] == b'[' && b.get(t + 1) == Some(&b':') {
            if let Some(rel) = pat[t + 2..].find(":]") {
                let name = &pat[t..t + 2 + rel + 2];
                let inner = &name[2..name.len() - 2];
                let base = inner.strip_prefix('^').unwrap_or(inner);
                if !POSIX_CLASSES.contains(&base) {
                    return Err(err(ERR_INVALID_CHAR_RANGE, name));
                }
                out.push_str(name);
                t += name.len();
                continue;
            }
        }
        if b[t] == b'\\' {
            match b.get(t + 1) {
                Some(b'p' | b'P') => {
                    t = unicode_class(pat, t, out)?;
                    continue;
                }
                Some(&c) => {
                    if let Some(cls) = perl_class(char::from(c)) {
                        out.push_str(cls);
                        t += 2;
                        continue;
                    }
                }
                None => {}
            }
        }
        let rng_start = t;
        let (lo, nt) = class_char(pat, t, whole)?;
        t = nt;
        push_lit(out, lo);
        if b.get(t) == Some(&b'-') && b.get(t + 1).is_some_and(|&c| c != b']') {
            let (hi, nt) = class_char(pat, t + 1, whole)?;
            t = nt;
            if hi < lo {
                return Err(err(ERR_INVALID_CHAR_RANGE, &pat[rng_start..t]));
            }
            out.push('-');
            push_lit(out, hi);
        }
    }
    out.push(']');
    Ok(t + 1)
}

/// Go's `parseClassChar`.
fn class_char(pat: &str, t: usize, whole: &str) -> Result<(char, usize), SyntaxError> {
    let Some(c) = pat[t..].chars().next() else {
        return Err(err(ERR_MISSING_BRACKET, whole));
    };
    if c == '\\' {
        return parse_escape(pat, t);
    }
    Ok((c, t + c.len_utf8()))
}

/// Go's `allMatches`: successive non-overlapping matches, an empty match right after a
/// previous match is skipped, and the search always advances by at least one character.
pub(crate) fn all_matches<'h>(re: &GoRegex, s: &'h str, n: i64) -> Vec<::regex::Captures<'h>> {
    let limit = if n < 0 { s.len() as i64 + 1 } else { n };
    let mut found = Vec::new();
    let mut pos = 0usize;
    let mut prev_end: Option<usize> = None;
    while (found.len() as i64) < limit && pos <= s.len() {
        let Some(caps) = re.re.captures_at(s, pos) else {
            break;
        };
        let Some(m) = caps.get(0) else {
            break;
        };
        let mut accept = true;
        if m.end() == pos {
            if Some(m.start()) == prev_end {
                accept = false;
            }
            pos += s[pos..].chars().next().map_or(1, char::len_utf8);
        } else {
            pos = m.end();
        }
        prev_end = Some(m.end());
        if accept {
            found.push(caps);
        }
    }
    found
}

fn find(re: &GoRegex, s: &str) -> Value {
    Value::from(re.re.find(s).map_or("", |m| m.as_str()))
}

fn find_all(re: &GoRegex, s: &str, n: i64) -> Value {
    let items: Vec<&str> = all_matches(re, s, n)
        .iter()
        .filter_map(|c| c.get(0).map(|m| m.as_str()))
        .collect();
    Value::List(List::strings(items))
}

/// Go's `Regexp.Split`.
fn split(re: &GoRegex, s: &str, n: i64) -> Value {
    if n == 0 {
        return Value::List(List::strings(Vec::<&str>::new()));
    }
    if !re.expr_empty && s.is_empty() {
        return Value::List(List::strings([""]));
    }
    let mut parts: Vec<&str> = Vec::new();
    let (mut beg, mut end) = (0usize, 0usize);
    for caps in all_matches(re, s, n) {
        let Some(m) = caps.get(0) else { continue };
        if n > 0 && parts.len() as i64 == n - 1 {
            break;
        }
        end = m.start();
        if m.end() != 0 {
            parts.push(&s[beg..end]);
        }
        beg = m.end();
    }
    if end != s.len() {
        parts.push(&s[beg..]);
    }
    Value::List(List::strings(parts))
}

/// Go's `ReplaceAllString` (`expand`) and `ReplaceAllLiteralString`.
fn replace_all(re: &GoRegex, src: &str, repl: &str, expand: bool) -> String {
    let mut out = String::with_capacity(src.len());
    let mut last_end = 0usize;
    let mut search = 0usize;
    while search <= src.len() {
        let Some(caps) = re.re.captures_at(src, search) else {
            break;
        };
        let Some(m) = caps.get(0) else { break };
        out.push_str(&src[last_end..m.start()]);
        if m.end() > last_end || m.start() == 0 {
            if expand {
                expand_template(re, &caps, repl, &mut out);
            } else {
                out.push_str(repl);
            }
        }
        last_end = m.end();
        let width = src[search..].chars().next().map_or(0, char::len_utf8);
        if search + width > m.end() {
            search += width;
        } else if search + 1 > m.end() {
            search += 1;
        } else {
            search = m.end();
        }
    }
    out.push_str(&src[last_end.min(src.len())..]);
    out
}

/// Go's `Regexp.expand`: `$$`, `$name`, `${name}`, numbers without leading zeros; anything
/// malformed leaves the `$` as text.
fn expand_template(re: &GoRegex, caps: &::regex::Captures<'_>, template: &str, out: &mut String) {
    let mut t = template;
    while let Some(d) = t.find('$') {
        out.push_str(&t[..d]);
        t = &t[d + 1..];
        if let Some(rest) = t.strip_prefix('$') {
            out.push('$');
            t = rest;
            continue;
        }
        let Some((name, rest)) = extract_name(t) else {
            out.push('$');
            continue;
        };
        t = rest;
        let num = group_number(name);
        let group = match num {
            Some(n) => caps.get(n),
            // The first group of that name that took part in the match.
            None => re
                .names
                .iter()
                .enumerate()
                .filter(|(_, n)| n.as_deref() == Some(name))
                .find_map(|(i, _)| caps.get(i)),
        };
        if let Some(g) = group {
            out.push_str(g.as_str());
        }
    }
    out.push_str(t);
}

/// Go's `extract`: the name after `$` (letters, digits, `_`), braced or not, and the rest.
fn extract_name(s: &str) -> Option<(&str, &str)> {
    let (braced, body) = match s.strip_prefix('{') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let len: usize = body
        .chars()
        .take_while(|c| c.is_alphabetic() || c.is_numeric() || *c == '_')
        .map(char::len_utf8)
        .sum();
    if len == 0 {
        return None;
    }
    let name = &body[..len];
    let rest = &body[len..];
    if braced {
        return rest.strip_prefix('}').map(|r| (name, r));
    }
    Some((name, rest))
}

/// A group number as Go reads it: ASCII digits, below 1e8, no leading zero.
fn group_number(name: &str) -> Option<usize> {
    if name.len() > 1 && name.starts_with('0') {
        return None;
    }
    let mut n: usize = 0;
    for c in name.bytes() {
        if !c.is_ascii_digit() || n >= 100_000_000 {
            return None;
        }
        n = n * 10 + usize::from(c - b'0');
    }
    Some(n)
}

/// Go's `regexp.QuoteMeta`.
pub fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strs(v: &Value) -> Vec<String> {
        v.as_list()
            .map(|l| {
                l.iter()
                    .map(|x| x.as_str().unwrap_or("?").to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn c(p: &str) -> Arc<GoRegex> {
        compile(p).unwrap()
    }

    #[test]
    fn go_error_messages() {
        assert_eq!(
            compile("(").err().unwrap(),
            "error parsing regexp: missing closing ): `(`"
        );
        assert_eq!(
            compile("[").err().unwrap(),
            "error parsing regexp: missing closing ]: `[`"
        );
        assert_eq!(
            compile("a(?=b)").err().unwrap(),
            "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"
        );
        assert_eq!(
            compile("a**").err().unwrap(),
            "error parsing regexp: invalid nested repetition operator: `**`"
        );
        assert_eq!(
            compile("*a").err().unwrap(),
            "error parsing regexp: missing argument to repetition operator: `*`"
        );
        assert_eq!(
            compile("a)").err().unwrap(),
            "error parsing regexp: unexpected ): `a)`"
        );
        assert_eq!(
            compile("[z-a]").err().unwrap(),
            "error parsing regexp: invalid character class range: `z-a`"
        );
        assert_eq!(
            compile("\\q").err().unwrap(),
            "error parsing regexp: invalid escape sequence: `\\q`"
        );
        assert_eq!(
            compile("a\\").err().unwrap(),
            "error parsing regexp: trailing backslash at end of expression: ``"
        );
        assert_eq!(
            compile("a{1001}").err().unwrap(),
            "error parsing regexp: invalid repeat count: `{1001}`"
        );
        assert!(must_compile("(")
            .err()
            .unwrap()
            .to_string()
            .starts_with("regexp: Compile(`(`): error parsing"));
    }

    #[test]
    fn go_syntax_translates() {
        assert!(c("a{").is_match("a{"));
        assert!(c("x{a}").is_match("x{a}"));
        assert!(c("[a&&b]").is_match("&"));
        assert!(!c("\\d").is_match("٣"));
        assert!(c("\\w+").is_match("abc"));
        assert!(!c("^\\s$").is_match("\u{b}"));
        assert!(c("(?P<x>a)(?<y>b)").is_match("ab"));
        assert!(c("\\Qa.b\\E").is_match("a.b"));
        assert!(!c("\\Qa.b\\E").is_match("axb"));
        assert!(c("[[:alpha:]]").is_match("q"));
        assert!(c("\\p{L}+").is_match("é"));
        assert_eq!(
            compile("[\\p{Foo}]").err().unwrap(),
            "error parsing regexp: invalid character class range: `\\p{Foo}`"
        );
        assert!(c("\\141").is_match("a"));
        assert!(c("(?i)ABC").is_match("abc"));
        assert!(c("^*a").is_match("a"));
    }

    #[test]
    fn find_all_and_split_follow_go() {
        assert_eq!(
            strs(&find_all(&c("[0-9]+"), "a1b22c333", -1)),
            ["1", "22", "333"]
        );
        assert_eq!(strs(&find_all(&c("[0-9]+"), "a1b22c333", 2)), ["1", "22"]);
        assert!(strs(&find_all(&c("[0-9]+"), "a1b22c333", 0)).is_empty());
        assert_eq!(strs(&find_all(&c("a*"), "baaab", -1)), ["", "aaa", ""]);
        assert_eq!(strs(&split(&c("[,;] *"), "a, b;c", -1)), ["a", "b", "c"]);
        assert_eq!(strs(&split(&c(","), "a,b,c", 2)), ["a", "b,c"]);
        assert_eq!(strs(&split(&c("x*"), "abc", -1)), ["a", "b", "c"]);
        assert_eq!(strs(&split(&c(","), "", -1)), [""]);
    }

    #[test]
    fn replace_expands_like_go() {
        let re = c("a(x*)b");
        assert_eq!(replace_all(&re, "-ab-axxb-", "${1}W", true), "-W-xxW-");
        assert_eq!(replace_all(&re, "-ab-axxb-", "$1W", true), "---");
        assert_eq!(replace_all(&re, "-ab-axxb-", "$$1", true), "-$1-$1-");
        assert_eq!(replace_all(&re, "-ab-axxb-", "${1}", false), "-${1}-${1}-");
        assert_eq!(replace_all(&c("(?P<n>b)"), "abc", "[$n]", true), "a[b]c");
        let dup = c("(?P<n>x)?(?P<n>b)");
        assert_eq!(replace_all(&dup, "abc", "[$n]", true), "a[b]c");
        assert_eq!(replace_all(&c("x*"), "abc", "-", true), "-a-b-c-");
        assert_eq!(replace_all(&c("b"), "abc", "$", true), "a$c");
    }

    #[test]
    fn quote_meta_matches_go() {
        assert_eq!(quote_meta("1.2.3+[x]*?"), "1\\.2\\.3\\+\\[x\\]\\*\\?");
        assert_eq!(go_quote("a`b"), "\"a`b\"");
    }
}
