//! TOML for `toToml`/`mustToToml`/`fromToml`, matching BurntSushi/toml v1.6.0 as Helm uses it.
//!
//! Encoding follows its `Encoder` with the default two-space indent: plain keys first (sorted),
//! then tables and arrays of tables (sorted), a blank line before each top-level table,
//! floats as `%g` with `.0` added when there is no dot or exponent, nil map values skipped.
//! Decoding is a small TOML parser written here (the Rust `toml` crate's error texts and
//! integer types differ from Go's): integers become `int64`, floats `float64`, tables
//! `map[string]interface {}`, datetimes `time.Time`; errors use BurntSushi's
//! `toml: line N (last key "k"): message` shape and land in the `Error` key.

use std::sync::Arc;

use gotemplate::{List, Map, Value};

use crate::json::{format_float_g, object_json, JsonView};

/// The panic Go reports for `toToml nil` (the encoder calls `Type()` on an invalid value).
pub const NIL_PANIC: &str = "reflect: call of reflect.Value.Type on zero Value";

const MAX_DEPTH: usize = 1000;

/// A TOML encoding error (BurntSushi's text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TomlError(pub String);

fn err(s: &str) -> TomlError {
    TomlError(s.to_string())
}

/// BurntSushi's `Encoder.Encode(v)` output.
pub fn to_toml(v: &Value) -> Result<String, TomlError> {
    let mut e = Encoder {
        out: String::new(),
        written: false,
    };
    e.encode(&[], v, 0)?;
    Ok(e.out)
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum TType {
    Hash,
    ArrayHash,
    Other,
}

/// A value after looking through host objects.
fn view(v: &Value) -> Value {
    match v {
        // BurntSushi writes a time.Duration as its quoted String().
        Value::Object(o) if o.type_name() == "time.Duration" => Value::str(o.format_v()),
        Value::Object(o) if o.type_name() != "time.Time" => match object_json(o) {
            JsonView::Value(v) => v,
            JsonView::Struct(fields) => {
                Value::Map(Map::from_entries(gotemplate::MapKind::Generic, fields))
            }
        },
        other => other.clone(),
    }
}

fn toml_type(v: &Value) -> Result<Option<TType>, TomlError> {
    Ok(match view(v) {
        Value::Nil => None,
        Value::Map(_) => Some(TType::Hash),
        Value::List(l) => {
            if is_table_array(&l)? {
                Some(TType::ArrayHash)
            } else {
                Some(TType::Other)
            }
        }
        _ => Some(TType::Other),
    })
}

fn is_table_array(l: &List) -> Result<bool, TomlError> {
    if l.is_empty() {
        return Ok(false);
    }
    let mut ret = true;
    for it in l.iter() {
        match toml_type(it)? {
            None => return Err(err("toml: cannot encode array with nil element")),
            Some(TType::Hash) => {}
            Some(_) => ret = false,
        }
    }
    Ok(ret)
}

fn is_bare(k: &str) -> bool {
    k.chars()
        .all(|r| r.is_ascii_alphanumeric() || r == '_' || r == '-')
}

fn quote_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn maybe_quoted(k: &str) -> String {
    if k.is_empty() {
        "\"\"".to_string()
    } else if is_bare(k) {
        k.to_string()
    } else {
        quote_str(k)
    }
}

fn key_string(key: &[String]) -> String {
    key.iter()
        .map(|k| maybe_quoted(k))
        .collect::<Vec<_>>()
        .join(".")
}

struct Encoder {
    out: String,
    written: bool,
}

impl Encoder {
    fn write(&mut self, s: &str) {
        self.out.push_str(s);
        self.written = true;
    }

    fn newline(&mut self) {
        if self.written {
            self.write("\n");
        }
    }

    fn indent(key: &[String]) -> String {
        "  ".repeat(key.len().saturating_sub(1))
    }

    fn encode(&mut self, key: &[String], v: &Value, depth: usize) -> Result<(), TomlError> {
        if depth > MAX_DEPTH {
            return Err(err("toml: nesting too deep"));
        }
        let v = view(v);
        match &v {
            Value::Nil => Ok(()),
            Value::List(l) => {
                if is_table_array(l)? {
                    self.array_of_tables(key, l, depth)
                } else {
                    self.key_value(key, &v, false, depth)
                }
            }
            Value::Map(m) => self.table(key, m, depth),
            _ => self.key_value(key, &v, false, depth),
        }
    }

    fn key_value(
        &mut self,
        key: &[String],
        v: &Value,
        inline: bool,
        depth: usize,
    ) -> Result<(), TomlError> {
        let Some(last) = key.last() else {
            return self.element(v, depth);
        };
        let head = format!("{}{} = ", Self::indent(key), maybe_quoted(last));
        self.write(&head);
        self.element(v, depth)?;
        if !inline {
            self.newline();
        }
        Ok(())
    }

    fn array_of_tables(&mut self, key: &[String], l: &List, depth: usize) -> Result<(), TomlError> {
        if key.is_empty() {
            return Err(err("toml: top-level values must be Go maps or structs"));
        }
        for it in l.iter() {
            let Value::Map(m) = view(it) else { continue };
            self.newline();
            let head = format!("{}[[{}]]", Self::indent(key), key_string(key));
            self.write(&head);
            self.newline();
            self.map(key, &m, false, depth + 1)?;
        }
        Ok(())
    }

    fn table(&mut self, key: &[String], m: &Map, depth: usize) -> Result<(), TomlError> {
        if key.len() == 1 {
            self.newline();
        }
        if !key.is_empty() {
            let head = format!("{}[{}]", Self::indent(key), key_string(key));
            self.write(&head);
            self.newline();
        }
        self.map(key, m, false, depth + 1)
    }

    fn map(
        &mut self,
        key: &[String],
        m: &Map,
        inline: bool,
        depth: usize,
    ) -> Result<(), TomlError> {
        let mut direct = Vec::new();
        let mut sub = Vec::new();
        for (k, v) in m.entries() {
            match toml_type(&v)? {
                Some(TType::Hash | TType::ArrayHash) => sub.push((k, v)),
                _ => direct.push((k, v)),
            }
        }
        if inline {
            self.write("{");
        }
        let has_sub = !sub.is_empty();
        for (group, trail) in [(direct, has_sub), (sub, false)] {
            let n = group.len();
            for (i, (k, v)) in group.into_iter().enumerate() {
                if v.is_nil() {
                    continue;
                }
                if inline {
                    self.key_value(&[k.to_string()], &v, true, depth + 1)?;
                    if trail || i + 1 != n {
                        self.write(", ");
                    }
                } else {
                    let mut child = key.to_vec();
                    child.push(k.to_string());
                    self.encode(&child, &v, depth + 1)?;
                }
            }
        }
        if inline {
            self.write("}");
        }
        Ok(())
    }

    fn element(&mut self, v: &Value, depth: usize) -> Result<(), TomlError> {
        if depth > MAX_DEPTH {
            return Err(err("toml: nesting too deep"));
        }
        match v {
            Value::Object(o) if o.type_name() == "time.Time" => {
                let s = match o.as_any().downcast_ref::<crate::funcs::dates::GoTime>() {
                    Some(t) => t.format("2006-01-02T15:04:05.999999999Z07:00"),
                    None => o.format_v(),
                };
                self.write(&s);
                Ok(())
            }
            Value::Object(_) => self.element(&view(v), depth + 1),
            Value::Nil => Err(err("toml: cannot encode array with nil element")),
            Value::Bool(b) => {
                self.write(if *b { "true" } else { "false" });
                Ok(())
            }
            Value::Int(i) | Value::Int64(i) => {
                self.write(&i.to_string());
                Ok(())
            }
            Value::Float(f) => {
                let s = if f.is_nan() {
                    if f.is_sign_negative() { "-nan" } else { "nan" }.to_string()
                } else if f.is_infinite() {
                    if *f < 0.0 { "-inf" } else { "inf" }.to_string()
                } else {
                    let s = format_float_g(*f, 64);
                    if s.contains(['.', 'e']) {
                        s
                    } else {
                        format!("{s}.0")
                    }
                };
                self.write(&s);
                Ok(())
            }
            Value::String(s) => {
                self.write(&quote_str(s));
                Ok(())
            }
            Value::Bytes(b) => {
                let parts: Vec<String> = b.iter().map(u8::to_string).collect();
                self.write(&format!("[{}]", parts.join(", ")));
                Ok(())
            }
            Value::List(l) => {
                self.write("[");
                let n = l.len();
                for (i, it) in l.iter().enumerate() {
                    self.element(&view(it), depth + 1)?;
                    if i + 1 != n {
                        self.write(", ");
                    }
                }
                self.write("]");
                Ok(())
            }
            Value::Map(m) => self.map(&[], m, true, depth + 1),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Decoding.

/// Helm's `fromToml`: the document as a map; errors go into the `Error` key.
pub fn from_toml(text: &str) -> Map {
    let root = Map::new();
    let mut p = Parser {
        s: text.chars().collect(),
        i: 0,
        line: 1,
        ctx: Vec::new(),
        in_kv: None,
        root: root.clone(),
        current: root.clone(),
        defined: Vec::new(),
    };
    if let Err(msg) = p.document() {
        let last = p.last_key();
        let e = if last.is_empty() {
            format!("toml: line {}: {msg}", p.line)
        } else {
            format!(
                "toml: line {} (last key {}): {msg}",
                p.line,
                crate::json::go_quote(&last)
            )
        };
        // Go decodes only after a successful parse: on error the map holds just the error.
        let failed = Map::new();
        failed.insert("Error", Value::str(e));
        return failed;
    }
    root
}

struct Parser {
    s: Vec<char>,
    i: usize,
    line: usize,
    /// The `[table]` header path in effect.
    ctx: Vec<String>,
    /// The key of the key/value pair being parsed.
    in_kv: Option<Vec<String>>,
    root: Map,
    current: Map,
    /// Tables defined with a `[header]` (by dotted path), to reject redefinitions.
    defined: Vec<String>,
}

type PResult<T> = Result<T, String>;

impl Parser {
    /// BurntSushi's `current()` key for error messages.
    fn last_key(&self) -> String {
        let mut k = self.ctx.clone();
        if let Some(kv) = &self.in_kv {
            k.extend(kv.iter().cloned());
        }
        key_string(&k)
    }

    fn dup(&self) -> String {
        format!("Key '{}' has already been defined.", self.last_key())
    }

    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn peek_at(&self, k: usize) -> Option<char> {
        self.s.get(self.i + k).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.i += 1;
        }
    }

    fn skip_comment(&mut self) {
        if self.peek() == Some('#') {
            while !matches!(self.peek(), None | Some('\n')) {
                self.i += 1;
            }
        }
    }

    /// Whitespace, comments and newlines (inside arrays).
    fn skip_ws_nl(&mut self) {
        loop {
            self.skip_ws();
            self.skip_comment();
            match self.peek() {
                Some('\n') => {
                    self.bump();
                }
                Some('\r') if self.peek_at(1) == Some('\n') => {
                    self.i += 1;
                }
                _ => return,
            }
        }
    }

    fn expect_eol(&mut self) -> PResult<()> {
        self.skip_ws();
        self.skip_comment();
        match self.peek() {
            None => Ok(()),
            Some('\n') => {
                self.bump();
                Ok(())
            }
            Some('\r') if self.peek_at(1) == Some('\n') => {
                self.i += 1;
                self.bump();
                Ok(())
            }
            Some(c) => Err(format!(
                "expected a top-level item to end with a newline, comment, or EOF, but got {} instead",
                crate::json::go_quote(&c.to_string()).replace('"', "'")
            )),
        }
    }

    fn document(&mut self) -> PResult<()> {
        loop {
            self.skip_ws_nl();
            match self.peek() {
                None => return Ok(()),
                Some('[') => {
                    // A header starts a new context: errors in it name no key.
                    self.ctx.clear();
                    if self.peek_at(1) == Some('[') {
                        self.i += 2;
                        let path = self.key_path(']')?;
                        if self.peek() != Some(']') || self.peek_at(1) != Some(']') {
                            return Err("expected ']]' to close array table".to_string());
                        }
                        self.i += 2;
                        self.array_table(&path)?;
                    } else {
                        self.i += 1;
                        let path = self.key_path(']')?;
                        if self.peek() != Some(']') {
                            return Err("expected ']' to close table".to_string());
                        }
                        self.i += 1;
                        self.table(&path)?;
                    }
                    self.expect_eol()?;
                }
                Some(_) => {
                    if self.peek() == Some('=') {
                        return Err("unexpected '=': key name appears blank".to_string());
                    }
                    let path = self.key_path('=')?;
                    self.in_kv = Some(path.clone());
                    if self.peek() != Some('=') {
                        return Err(match self.peek() {
                            None | Some('\n') => {
                                "unexpected EOF; expected key separator '='".to_string()
                            }
                            Some(c) => format!("expected key separator '=', but got '{c}' instead"),
                        });
                    }
                    self.i += 1;
                    self.skip_ws();
                    let v = self.value(0)?;
                    let current = self.current.clone();
                    self.assign(&current, &path, v)?;
                    self.in_kv = None;
                    self.expect_eol()?;
                }
            }
        }
    }

    /// A dotted key up to (not including) `end`.
    fn key_path(&mut self, end: char) -> PResult<Vec<String>> {
        let mut parts = Vec::new();
        loop {
            self.skip_ws();
            let part = match self.peek() {
                Some('"') => {
                    self.i += 1;
                    self.basic_string()?
                }
                Some('\'') => {
                    self.i += 1;
                    self.literal_string()?
                }
                _ => {
                    let start = self.i;
                    while self
                        .peek()
                        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                    {
                        self.i += 1;
                    }
                    if start == self.i {
                        return Err(match self.peek() {
                            None => "unexpected EOF; expected key".to_string(),
                            Some(c) if c == end || c == '\n' => "empty bare key".to_string(),
                            Some(c) => format!("bare keys cannot contain '{c}'"),
                        });
                    }
                    self.s
                        .get(start..self.i)
                        .unwrap_or_default()
                        .iter()
                        .collect()
                }
            };
            parts.push(part);
            self.skip_ws();
            if self.peek() == Some('.') {
                self.i += 1;
                continue;
            }
            return Ok(parts);
        }
    }

    /// The table at `path` under `base`, created as needed (dotted keys, headers).
    fn descend(&self, base: &Map, path: &[String]) -> PResult<Map> {
        let mut cur = base.clone();
        for k in path {
            cur = match cur.get(k) {
                None => {
                    let m = Map::new();
                    cur.insert(k, Value::Map(m.clone()));
                    m
                }
                Some(Value::Map(m)) => m,
                Some(Value::List(l)) => match l.as_slice().last() {
                    Some(Value::Map(m)) => m.clone(),
                    _ => return Err(self.dup()),
                },
                Some(_) => return Err(self.dup()),
            };
        }
        Ok(cur)
    }

    fn assign(&mut self, base: &Map, path: &[String], v: Value) -> PResult<()> {
        let Some((last, parents)) = path.split_last() else {
            return Err("empty key".to_string());
        };
        let m = self.descend(base, parents)?;
        if m.contains_key(last) {
            return Err(self.dup());
        }
        m.insert(last, v);
        Ok(())
    }

    fn table(&mut self, path: &[String]) -> PResult<()> {
        let name = path.join("\u{0}");
        if self.defined.contains(&name) {
            return Err(format!(
                "Key '{}' has already been defined.",
                key_string(path)
            ));
        }
        self.defined.push(name);
        let root = self.root.clone();
        self.current = self.descend(&root, path)?;
        self.ctx = path.to_vec();
        Ok(())
    }

    fn array_table(&mut self, path: &[String]) -> PResult<()> {
        let Some((last, parents)) = path.split_last() else {
            return Err("empty key".to_string());
        };
        let root = self.root.clone();
        let parent = self.descend(&root, parents)?;
        let m = Map::new();
        let list = match parent.get(last) {
            None => List::new(vec![Value::Map(m.clone())]),
            Some(Value::List(mut l)) => {
                l.push(Value::Map(m.clone()));
                l
            }
            Some(_) => return Err(self.dup()),
        };
        parent.insert(last, Value::List(list));
        self.current = m;
        self.ctx = path.to_vec();
        Ok(())
    }

    fn value(&mut self, depth: usize) -> PResult<Value> {
        if depth > MAX_DEPTH {
            return Err("nesting too deep".to_string());
        }
        match self.peek() {
            None | Some('\n') => Err("unexpected EOF; expected value".to_string()),
            Some('"') => {
                if self.peek_at(1) == Some('"') && self.peek_at(2) == Some('"') {
                    self.i += 3;
                    Ok(Value::str(self.ml_basic_string()?))
                } else {
                    self.i += 1;
                    Ok(Value::str(self.basic_string()?))
                }
            }
            Some('\'') => {
                if self.peek_at(1) == Some('\'') && self.peek_at(2) == Some('\'') {
                    self.i += 3;
                    Ok(Value::str(self.ml_literal_string()?))
                } else {
                    self.i += 1;
                    Ok(Value::str(self.literal_string()?))
                }
            }
            Some('[') => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws_nl();
                    if self.peek() == Some(']') {
                        self.i += 1;
                        return Ok(Value::List(List::new(items)));
                    }
                    items.push(self.value(depth + 1)?);
                    self.skip_ws_nl();
                    match self.peek() {
                        Some(',') => self.i += 1,
                        Some(']') => {
                            self.i += 1;
                            return Ok(Value::List(List::new(items)));
                        }
                        None => return Err("unexpected EOF; expected array separator".to_string()),
                        Some(c) => {
                            return Err(format!(
                                "expected a comma (',') or array terminator (']'), but got '{c}'"
                            ))
                        }
                    }
                }
            }
            Some('{') => {
                self.i += 1;
                let m = Map::new();
                loop {
                    self.skip_ws_nl();
                    if self.peek() == Some('}') {
                        self.i += 1;
                        break;
                    }
                    let path = self.key_path('=')?;
                    if self.peek() != Some('=') {
                        return Err("expected key separator '='".to_string());
                    }
                    self.i += 1;
                    self.skip_ws();
                    let v = self.value(depth + 1)?;
                    self.assign(&m, &path, v)?;
                    self.skip_ws_nl();
                    match self.peek() {
                        Some(',') => self.i += 1,
                        Some('}') => {
                            self.i += 1;
                            break;
                        }
                        _ => {
                            return Err(
                                "expected a comma or an inline table terminator '}'".to_string()
                            )
                        }
                    }
                }
                Ok(Value::Map(m))
            }
            Some(_) => self.scalar(),
        }
    }

    fn scalar(&mut self) -> PResult<Value> {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '_' | '.' | ':'))
            || (self.peek() == Some(' ')
                && self.i > start
                && self
                    .s
                    .get(start..self.i)
                    .is_some_and(|w| w.len() == 10 && w.get(4) == Some(&'-'))
                && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()))
        {
            self.i += 1;
        }
        let word: String = self
            .s
            .get(start..self.i)
            .unwrap_or_default()
            .iter()
            .collect();
        if word.is_empty() {
            let c = self.peek().unwrap_or(' ');
            return Err(format!("expected value but found '{c}' instead"));
        }
        match word.as_str() {
            "true" => return Ok(Value::Bool(true)),
            "false" => return Ok(Value::Bool(false)),
            "inf" | "+inf" => return Ok(Value::Float(f64::INFINITY)),
            "-inf" => return Ok(Value::Float(f64::NEG_INFINITY)),
            "nan" | "+nan" | "-nan" => return Ok(Value::Float(f64::NAN)),
            _ => {}
        }
        if let Some(t) = datetime(&word) {
            return Ok(t);
        }
        if let Some(i) = toml_int(&word) {
            return i.map(Value::Int64);
        }
        if is_toml_float(&word) {
            let clean: String = word.chars().filter(|&c| c != '_').collect();
            if let Ok(f) = clean.parse::<f64>() {
                return Ok(Value::Float(f));
            }
        }
        Err(format!("invalid value: {}", crate::json::go_quote(&word)))
    }

    fn escape(&mut self, out: &mut String) -> PResult<()> {
        let Some(e) = self.bump() else {
            return Err("unexpected EOF".to_string());
        };
        let hex = |p: &mut Parser, n: usize| -> PResult<char> {
            let mut v = 0u32;
            for _ in 0..n {
                let d = p
                    .bump()
                    .and_then(|c| c.to_digit(16))
                    .ok_or_else(|| "invalid escape in string".to_string())?;
                v = v * 16 + d;
            }
            char::from_u32(v).ok_or_else(|| format!("invalid unicode escape: '\\u{v:x}'"))
        };
        match e {
            'b' => out.push('\u{8}'),
            't' => out.push('\t'),
            'n' => out.push('\n'),
            'f' => out.push('\u{c}'),
            'r' => out.push('\r'),
            'e' => out.push('\u{1b}'),
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            'x' => out.push(hex(self, 2)?),
            'u' => out.push(hex(self, 4)?),
            'U' => out.push(hex(self, 8)?),
            c => return Err(format!("invalid escape character '{c}'; only the following escape characters are allowed: \\b, \\t, \\n, \\f, \\r, \\\", \\\\, \\uXXXX, and \\UXXXXXXXX")),
        }
        Ok(())
    }

    fn basic_string(&mut self) -> PResult<String> {
        let mut out = String::new();
        loop {
            match self.peek() {
                None | Some('\n') => return Err("unexpected EOF; expected '\"'".to_string()),
                Some('"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some('\\') => {
                    self.i += 1;
                    self.escape(&mut out)?;
                }
                Some(c) => {
                    self.i += 1;
                    out.push(c);
                }
            }
        }
    }

    fn literal_string(&mut self) -> PResult<String> {
        let mut out = String::new();
        loop {
            match self.peek() {
                None | Some('\n') => return Err("unexpected EOF; expected \"'\"".to_string()),
                Some('\'') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(c) => {
                    self.i += 1;
                    out.push(c);
                }
            }
        }
    }

    fn skip_first_newline(&mut self) {
        if self.peek() == Some('\n') {
            self.bump();
        } else if self.peek() == Some('\r') && self.peek_at(1) == Some('\n') {
            self.i += 1;
            self.bump();
        }
    }

    fn ml_basic_string(&mut self) -> PResult<String> {
        self.skip_first_newline();
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err("unexpected EOF; expected '\"\"\"'".to_string()),
                Some('"') if self.peek_at(1) == Some('"') && self.peek_at(2) == Some('"') => {
                    self.i += 3;
                    // Up to two extra quotes belong to the content.
                    while self.peek() == Some('"') && out.len() < usize::MAX {
                        out.push('"');
                        self.i += 1;
                    }
                    return Ok(out);
                }
                Some('\\') => {
                    // A line-ending backslash trims the newline and following whitespace.
                    let mut k = 1;
                    while matches!(self.peek_at(k), Some(' ' | '\t')) {
                        k += 1;
                    }
                    if matches!(self.peek_at(k), Some('\n' | '\r')) {
                        self.i += k;
                        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
                            self.bump();
                        }
                    } else {
                        self.i += 1;
                        self.escape(&mut out)?;
                    }
                }
                Some(_) => {
                    if let Some(c) = self.bump() {
                        out.push(c);
                    }
                }
            }
        }
    }

    fn ml_literal_string(&mut self) -> PResult<String> {
        self.skip_first_newline();
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err("unexpected EOF; expected \"'''\"".to_string()),
                Some('\'') if self.peek_at(1) == Some('\'') && self.peek_at(2) == Some('\'') => {
                    self.i += 3;
                    while self.peek() == Some('\'') {
                        out.push('\'');
                        self.i += 1;
                    }
                    return Ok(out);
                }
                Some(_) => {
                    if let Some(c) = self.bump() {
                        out.push(c);
                    }
                }
            }
        }
    }
}

/// A TOML integer: `Some(Ok)` for a valid one, `Some(Err)` when out of range, `None` when
/// the word is not integer-shaped.
fn toml_int(w: &str) -> Option<PResult<i64>> {
    let underscores_ok = |d: &str| !d.starts_with('_') && !d.ends_with('_') && !d.contains("__");
    for (prefix, base) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(d) = w.strip_prefix(prefix) {
            if d.is_empty()
                || !underscores_ok(d)
                || !d.chars().all(|c| c == '_' || c.is_digit(base))
            {
                return None;
            }
            let clean: String = d.chars().filter(|&c| c != '_').collect();
            return Some(
                i64::from_str_radix(&clean, base)
                    .map_err(|_| format!("invalid integer: {}", crate::json::go_quote(w))),
            );
        }
    }
    let digits = w.strip_prefix(['+', '-']).unwrap_or(w);
    if digits.is_empty()
        || !underscores_ok(digits)
        || !digits.chars().all(|c| c == '_' || c.is_ascii_digit())
        || (digits.len() > 1 && digits.starts_with('0'))
    {
        return None;
    }
    let clean: String = w.chars().filter(|&c| c != '_').collect();
    Some(
        clean
            .parse::<i64>()
            .map_err(|_| format!("invalid integer: {}", crate::json::go_quote(w))),
    )
}

fn is_toml_float(w: &str) -> bool {
    let digits = w.strip_prefix(['+', '-']).unwrap_or(w);
    let (mant, exp) = match digits.find(['e', 'E']) {
        Some(i) => (&digits[..i], Some(&digits[i + 1..])),
        None => (digits, None),
    };
    let int_ok = |d: &str| {
        !d.is_empty()
            && d.chars().all(|c| c.is_ascii_digit() || c == '_')
            && !d.starts_with('_')
            && !d.ends_with('_')
    };
    let (ip, fp) = match mant.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (mant, None),
    };
    if !int_ok(ip) || (ip.len() > 1 && ip.starts_with('0')) {
        return false;
    }
    if let Some(f) = fp {
        if !int_ok(f) {
            return false;
        }
    }
    match exp {
        Some(e) => int_ok(e.strip_prefix(['+', '-']).unwrap_or(e)),
        None => fp.is_some(),
    }
}

/// A TOML datetime as a Go `time.Time` host object.
fn datetime(w: &str) -> Option<Value> {
    use crate::funcs::dates::parse_time;
    let b = w.as_bytes();
    let layouts: &[&str] = if b.len() >= 10 && b.get(4) == Some(&b'-') {
        if b.len() == 10 {
            &["2006-01-02"]
        } else {
            &[
                "2006-01-02T15:04:05.999999999Z07:00",
                "2006-01-02t15:04:05.999999999Z07:00",
                "2006-01-02 15:04:05.999999999Z07:00",
                "2006-01-02T15:04:05.999999999",
                "2006-01-02t15:04:05.999999999",
                "2006-01-02 15:04:05.999999999",
            ]
        }
    } else if b.get(2) == Some(&b':') {
        &["15:04:05.999999999"]
    } else {
        return None;
    };
    layouts
        .iter()
        .find_map(|l| parse_time(l, w).ok())
        .map(|t| Value::Object(Arc::new(t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(text: &str) -> Value {
        Value::Map(crate::values::parse_values(text).unwrap())
    }

    #[test]
    fn encodes_tables() {
        let v = vals("name: app\nport: 8080\nratio: 0.5\nenabled: true\ntags: [a, b]\ndb: {host: h, port: 5432}\nservers: [{id: 1}, {id: 2}]\n");
        assert_eq!(
            to_toml(&v).unwrap(),
            "enabled = true\nname = \"app\"\nport = 8080.0\nratio = 0.5\ntags = [\"a\", \"b\"]\n\n[db]\n  host = \"h\"\n  port = 5432.0\n\n[[servers]]\n  id = 1.0\n\n[[servers]]\n  id = 2.0\n"
        );
        let nested = Value::Map(Map::from_entries(
            gotemplate::MapKind::Generic,
            [
                ("z", Value::Int(1)),
                (
                    "a",
                    Value::Map(Map::from_entries(
                        gotemplate::MapKind::Generic,
                        [
                            ("y", Value::Int(2)),
                            (
                                "b",
                                Value::Map(Map::from_entries(
                                    gotemplate::MapKind::Generic,
                                    [("c", Value::Int(3))],
                                )),
                            ),
                        ],
                    )),
                ),
                ("m", Value::str("x")),
                ("k y", Value::Nil),
            ],
        ));
        assert_eq!(
            to_toml(&nested).unwrap(),
            "m = \"x\"\nz = 1\n\n[a]\n  y = 2\n  [a.b]\n    c = 3\n"
        );
        assert_eq!(
            to_toml(&Value::List(List::new(vec![Value::Int(1), Value::Int(2)]))).unwrap(),
            "[1, 2]"
        );
        assert_eq!(
            to_toml(&Value::List(List::new(vec![Value::Int(1), Value::Nil])))
                .unwrap_err()
                .0,
            "toml: cannot encode array with nil element"
        );
    }

    #[test]
    fn decodes() {
        let m = from_toml(
            "a = 1\nb = \"x\"\nc = [1, 2]\n[d]\ne = true\nf = 1.5\n[[g]]\nh = 1\n[[g]]\nh = 2\n",
        );
        assert!(matches!(m.get("a"), Some(Value::Int64(1))));
        let d = m.get("d").and_then(|v| v.as_map()).unwrap_or_default();
        assert!(matches!(d.get("f"), Some(Value::Float(f)) if f == 1.5));
        assert_eq!(m.get("g").and_then(|v| v.as_list().map(List::len)), Some(2));
        assert!(m.get("Error").is_none());
        assert_eq!(
            from_toml("a = ")
                .get("Error")
                .and_then(|v| v.as_str().map(String::from)),
            Some("toml: line 1 (last key \"a\"): unexpected EOF; expected value".to_string())
        );
        let t = from_toml("d = 2024-03-05T10:00:00Z\nld = 2024-03-05");
        assert_eq!(
            t.get("d").map(|v| v.type_name()),
            Some("time.Time".to_string())
        );
    }
}
