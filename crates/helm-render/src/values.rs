//! Reading YAML exactly as Helm v4 does: `values.yaml` (and `fromYaml`, chart metadata).
//!
//! Helm reads YAML through `sigs.k8s.io/yaml`: go-yaml v2 decodes the first document into
//! `interface{}` with YAML 1.1 scalar rules, the result is converted to JSON (keys become
//! strings) and decoded again with `encoding/json`, so every number ends up a `float64`.
//! This module reproduces that chain:
//!
//! 1. low-level events come from [`saphyr_parser`] (a maintained, dependency-free YAML 1.2
//!    event parser from the yaml-rust lineage, whose scanner derives from libyaml like
//!    go-yaml's); it reports scalar styles and tags, which is all we need from it. serde_yaml
//!    is deprecated and resolves scalars with YAML 1.2 rules, so it cannot be used;
//! 2. [`GoYaml`] is what go-yaml v2 would produce: scalars are resolved here with go-yaml v2's
//!    YAML 1.1 table (`yes`/`on`/`y` booleans, `0755` octal, `1_000`, `~`), anchors and aliases
//!    are expanded, `<<` merge keys applied in go-yaml v2's order;
//! 3. [`GoYaml::to_json_value`] is the JSON round trip: keys to strings, numbers to `float64`,
//!    `NaN`/`Inf` rejected as `encoding/json` does.
//!
//! `parse_values` adds Helm's chart-loader behaviour: documents split on `---` lines and
//! merged, and `null` values removed from maps (Helm's coalescing drops them). Errors carry
//! go-yaml's text (`yaml: line N: ...`) with the loader's prefixes; the chart loader adds
//! `cannot load values.yaml: ` in front.

use std::collections::HashMap;
use std::rc::Rc;

use gotemplate::{List, Map, Value};
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Tag};

/// An error reading YAML; `Display` is Helm's message without the loader's
/// `cannot load values.yaml: ` prefix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValuesError(pub String);

/// Maximum nesting of collections (go-yaml's limit is 10000; ours also bounds recursion).
pub(crate) const MAX_DEPTH: usize = 1000;
/// Maximum number of nodes produced while expanding aliases (billion-laughs guard).
pub(crate) const MAX_EXPANDED_NODES: usize = 5_000_000;

const STR_TAG: &str = "tag:yaml.org,2002:str";
const BOOL_TAG: &str = "tag:yaml.org,2002:bool";
const INT_TAG: &str = "tag:yaml.org,2002:int";
const FLOAT_TAG: &str = "tag:yaml.org,2002:float";
const NULL_TAG: &str = "tag:yaml.org,2002:null";
const TIMESTAMP_TAG: &str = "tag:yaml.org,2002:timestamp";
const BINARY_TAG: &str = "tag:yaml.org,2002:binary";
const MERGE_TAG: &str = "tag:yaml.org,2002:merge";

/// A value as go-yaml v2 decodes YAML into `interface{}`.
#[derive(Debug, Clone, PartialEq)]
pub enum GoYaml {
    /// `nil`
    Null,
    /// `bool`
    Bool(bool),
    /// `int`
    Int(i64),
    /// `uint64` (integers above `math.MaxInt64`)
    Uint(u64),
    /// `float64`
    Float(f64),
    /// `string`
    Str(String),
    /// `[]interface{}`
    Seq(Vec<GoYaml>),
    /// `map[interface{}]interface{}` (insertion order, keys unique)
    Map(Vec<(GoYaml, GoYaml)>),
}

/// Reads a values.yaml as Helm's chart loader does (`loader.LoadValues`): the text is split
/// into documents at `---` lines, each must be a map (or empty), later documents are merged
/// over earlier ones, and `null` values are removed from maps at every depth (lists keep
/// their nils).
pub fn parse_values(text: &str) -> Result<Map, ValuesError> {
    let merged = parse_values_keep_nulls(text)?;
    strip_nulls(&merged, 0);
    Ok(merged)
}

/// [`parse_values`] without removing `null` values (for callers that coalesce themselves).
pub fn parse_values_keep_nulls(text: &str) -> Result<Map, ValuesError> {
    let mut out = Map::new();
    for doc in split_documents(text)? {
        let value = yaml_to_json_value(&doc)
            .map_err(|e| ValuesError(format!("cannot unmarshal yaml document: {e}")))?;
        match value {
            Value::Nil => {}
            Value::Map(m) => out = merge_maps(&out, &m),
            other => {
                return Err(ValuesError(format!(
                    "cannot unmarshal yaml document: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                    json_kind(&other)
                )))
            }
        }
    }
    Ok(out)
}

/// Reads the first YAML document of `text` as `sigs.k8s.io/yaml.Unmarshal` into an
/// `interface{}` does: the JSON-shaped value (maps, lists, float64 numbers, strings, bools,
/// nil). Errors are `error converting YAML to JSON: yaml: ...`.
pub fn parse_yaml_document(text: &str) -> Result<Value, ValuesError> {
    yaml_to_json_value(text)
}

/// go-yaml v2's decoding of the first document of `text` into `interface{}`.
pub fn decode_go_yaml(text: &str) -> Result<GoYaml, ValuesError> {
    let raw = parse_raw(text).map_err(ValuesError)?;
    match raw {
        None => Ok(GoYaml::Null),
        Some((root, anchors)) => {
            let mut d = Decoder {
                anchors: &anchors,
                expanded: 0,
                in_progress: Vec::new(),
            };
            d.decode(&root, 0).map_err(ValuesError)
        }
    }
}

fn yaml_to_json_value(text: &str) -> Result<Value, ValuesError> {
    let decoded = decode_go_yaml(text)
        .map_err(|e| ValuesError(format!("error converting YAML to JSON: {}", e.0)))?;
    decoded
        .to_json_value(0)
        .map_err(|e| ValuesError(format!("error converting YAML to JSON: {e}")))
}

/// The word `encoding/json` uses for a JSON value's kind in unmarshal type errors.
pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Nil => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::Int64(_) | Value::Float(_) => "number",
        Value::String(_) | Value::Bytes(_) => "string",
        Value::List(_) => "array",
        Value::Map(_) | Value::Object(_) => "object",
    }
}

/// Splits a values file into documents like apimachinery's `YAMLReader`: a line starting
/// with `---` followed only by blanks or a comment separates documents; empty documents are
/// skipped.
fn split_documents(text: &str) -> Result<Vec<String>, ValuesError> {
    let mut docs = Vec::new();
    let mut buf = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("---") {
            let trimmed = rest.trim_matches(|c: char| c.is_whitespace());
            if !trimmed.is_empty() && !trimmed.starts_with('#') {
                return Err(ValuesError(format!(
                    "error reading yaml document: invalid Yaml document separator: {trimmed}"
                )));
            }
            if !buf.is_empty() {
                docs.push(std::mem::take(&mut buf));
            }
            continue;
        }
        buf.push_str(line);
    }
    if !buf.is_empty() {
        docs.push(buf);
    }
    Ok(docs)
}

/// Helm's `MergeMaps`: values of `b` win; maps present in both are merged recursively.
/// The result is a new map (nested maps of `a` are copied where they are merged).
fn merge_maps(a: &Map, b: &Map) -> Map {
    let out = a.shallow_copy();
    for (k, v) in b.entries() {
        if let Value::Map(bm) = &v {
            if let Some(Value::Map(am)) = out.get(&k) {
                out.insert(&*k, Value::Map(merge_maps(&am, bm)));
                continue;
            }
        }
        out.insert(&*k, v);
    }
    out
}

/// Removes nil values from maps, recursively (also maps inside lists).
fn strip_nulls(m: &Map, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for (k, v) in m.entries() {
        match v {
            Value::Nil => {
                m.remove(&k);
            }
            Value::Map(inner) => strip_nulls(&inner, depth + 1),
            Value::List(l) => strip_nulls_list(&l, depth + 1),
            _ => {}
        }
    }
}

fn strip_nulls_list(l: &List, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for v in l.iter() {
        match v {
            Value::Map(inner) => strip_nulls(inner, depth + 1),
            Value::List(inner) => strip_nulls_list(inner, depth + 1),
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------------------
// Event stream to a raw node tree.

#[derive(Debug)]
enum Raw {
    Scalar {
        value: String,
        style: ScalarStyle,
        tag: Option<String>,
    },
    Seq(Vec<Rc<Raw>>),
    Map(Vec<(Rc<Raw>, Rc<Raw>)>),
    Alias(usize, String),
}

type Anchors = HashMap<usize, Rc<Raw>>;

enum Frame {
    Seq(usize, Vec<Rc<Raw>>),
    Map(usize, Vec<Rc<Raw>>),
}

fn tag_string(tag: &Tag) -> String {
    format!("{}{}", tag.handle, tag.suffix)
}

/// Parses the first document of `text` into a raw tree. `None` for a stream without
/// documents (empty or comments only).
fn parse_raw(text: &str) -> Result<Option<(Rc<Raw>, Anchors)>, String> {
    let mut anchors: Anchors = HashMap::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Rc<Raw>> = None;
    let mut in_doc = false;
    let parser = Parser::new_from_str(text);
    for item in parser {
        let (event, span) = item.map_err(|e| scan_error_message(&e, text))?;
        let node = match event {
            Event::StreamStart | Event::Nothing => continue,
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                in_doc = true;
                continue;
            }
            Event::DocumentEnd => {
                if in_doc {
                    break;
                }
                continue;
            }
            Event::Alias(id) => Rc::new(Raw::Alias(id, anchor_name_at(text, span.start.index()))),
            Event::Scalar(value, style, anchor, tag) => {
                let n = Rc::new(Raw::Scalar {
                    value: value.into_owned(),
                    style,
                    tag: tag.map(|t| tag_string(&t)),
                });
                if anchor > 0 {
                    anchors.insert(anchor, Rc::clone(&n));
                }
                n
            }
            Event::SequenceStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("yaml: exceeded max depth of {MAX_DEPTH}"));
                }
                stack.push(Frame::Seq(anchor, Vec::new()));
                continue;
            }
            Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("yaml: exceeded max depth of {MAX_DEPTH}"));
                }
                stack.push(Frame::Map(anchor, Vec::new()));
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(anchor, items)) => {
                    let n = Rc::new(Raw::Seq(items));
                    if anchor > 0 {
                        anchors.insert(anchor, Rc::clone(&n));
                    }
                    n
                }
                _ => return Err("yaml: unexpected end of sequence".to_string()),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(anchor, items)) => {
                    let mut pairs = Vec::with_capacity(items.len() / 2);
                    let mut it = items.into_iter();
                    while let (Some(k), Some(v)) = (it.next(), it.next()) {
                        pairs.push((k, v));
                    }
                    let n = Rc::new(Raw::Map(pairs));
                    if anchor > 0 {
                        anchors.insert(anchor, Rc::clone(&n));
                    }
                    n
                }
                _ => return Err("yaml: unexpected end of mapping".to_string()),
            },
        };
        match stack.last_mut() {
            Some(Frame::Seq(_, items)) | Some(Frame::Map(_, items)) => items.push(node),
            None => {
                root = Some(node);
            }
        }
    }
    Ok(root.map(|r| (r, anchors)))
}

/// Turns a saphyr error into go-yaml's `yaml: line N: problem` text.
///
/// libyaml (and so go-yaml) keeps only the "problem" part of a message (saphyr prefixes the
/// context, `while parsing X, `). go-yaml reports scanner errors at the problem line (1-based)
/// and parser errors one line earlier (it forgets to add one); a problem on the first line
/// gets no line at all.
fn scan_error_message(e: &ScanError, text: &str) -> String {
    let info = e.info();
    let problem = match info.find(", ") {
        Some(i) if info.starts_with("while ") => &info[i + 2..],
        _ => info,
    };
    let problem = match problem {
        "expected ',' or ']'" => "did not find expected ',' or ']'".to_string(),
        "simple key expect ':'" => "could not find expected ':'".to_string(),
        "found unknown anchor" => {
            let name = anchor_name_at(text, e.marker().index());
            return format!("yaml: unknown anchor '{name}' referenced");
        }
        p if p.starts_with("unexpected character") || p == "found unprintable character" => {
            "found character that cannot start any token".to_string()
        }
        "tabs disallowed within this context (block indentation)" => {
            "found character that cannot start any token".to_string()
        }
        "unexpected end of plain scalar" | "invalid indentation" | "misplaced bracket" => {
            "did not find expected key".to_string()
        }
        "invalid indentation in quoted scalar" | "found unexpected end of stream" => {
            // libyaml reads on to the end of the input looking for the closing quote.
            let line0 = text.matches('\n').count();
            let problem = "found unexpected end of stream";
            return if line0 == 0 {
                format!("yaml: {problem}")
            } else {
                format!("yaml: line {}: {problem}", line0 + 1)
            };
        }
        "found a tab" => {
            // libyaml points at the tab itself.
            let problem = "found a tab character that violates indentation";
            let start = e.marker().index();
            let line0 = text
                .chars()
                .enumerate()
                .skip(start)
                .find(|(_, c)| *c == '\t')
                .map(|(i, _)| text.chars().take(i).filter(|&c| c == '\n').count())
                .unwrap_or(0);
            return if line0 == 0 {
                format!("yaml: {problem}")
            } else {
                format!("yaml: line {}: {problem}", line0 + 1)
            };
        }
        "illegal placement of ':' indicator" => {
            let closer = innermost_flow(text, e.marker().index());
            format!("did not find expected ',' or '{closer}'")
        }
        p => p.to_string(),
    };
    let parser_error = problem.starts_with("did not find expected")
        || problem.starts_with("found undefined tag handle")
        || problem.starts_with("found duplicate");
    let line0 = e.marker().line().saturating_sub(1);
    let line = if parser_error {
        line0
    } else if line0 != 0 {
        line0 + 1
    } else {
        0
    };
    if line == 0 {
        format!("yaml: {problem}")
    } else {
        format!("yaml: line {line}: {problem}")
    }
}

/// The closing bracket of the innermost flow collection open at character index `idx`.
fn innermost_flow(text: &str, idx: usize) -> char {
    let mut stack = Vec::new();
    let mut quote: Option<char> = None;
    for c in text.chars().take(idx) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[') => stack.push(']'),
            (None, '{') => stack.push('}'),
            (None, ']' | '}') => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.pop().unwrap_or(']')
}

/// The alias name at character index `idx` (just after or at `*`).
fn anchor_name_at(text: &str, idx: usize) -> String {
    let rest: String = text.chars().skip(idx).collect();
    let rest = rest.trim_start_matches('*');
    rest.chars()
        .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}'))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Raw tree to go-yaml v2 values.

struct Decoder<'a> {
    anchors: &'a Anchors,
    expanded: usize,
    /// Anchors being expanded (to detect an alias inside its own anchor).
    in_progress: Vec<usize>,
}

impl Decoder<'_> {
    fn decode(&mut self, n: &Raw, depth: usize) -> Result<GoYaml, String> {
        if depth > MAX_DEPTH {
            return Err(format!("yaml: exceeded max depth of {MAX_DEPTH}"));
        }
        self.expanded += 1;
        if self.expanded > MAX_EXPANDED_NODES {
            return Err("yaml: document contains excessive aliasing".to_string());
        }
        match n {
            Raw::Scalar { value, style, tag } => decode_scalar(value, *style, tag.as_deref()),
            Raw::Alias(id, name) => {
                let recursive = || format!("yaml: anchor '{name}' value contains itself");
                if self.in_progress.contains(id) {
                    return Err(recursive());
                }
                let target = match self.anchors.get(id) {
                    Some(t) => Rc::clone(t),
                    None => return Err(recursive()),
                };
                self.in_progress.push(*id);
                let r = self.decode(&target, depth + 1);
                self.in_progress.pop();
                r
            }
            Raw::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    out.push(self.decode(it, depth + 1)?);
                }
                Ok(GoYaml::Seq(out))
            }
            Raw::Map(pairs) => {
                let mut out = GoMapBuilder::default();
                for (k, v) in pairs {
                    if is_merge_key(k) {
                        self.merge(v, &mut out, depth + 1)?;
                        continue;
                    }
                    let key = self.decode(k, depth + 1)?;
                    if matches!(key, GoYaml::Seq(_) | GoYaml::Map(_)) {
                        return Err(format!("yaml: invalid map key: {}", go_sharp_v(&key, 0)));
                    }
                    let val = self.decode(v, depth + 1)?;
                    out.insert(key, val);
                }
                Ok(GoYaml::Map(out.items))
            }
        }
    }

    /// go-yaml v2's merge: a map (or alias to one) or a sequence of them; in a sequence the
    /// earlier maps win, and merged keys override keys set before the `<<`.
    fn merge(&mut self, v: &Raw, out: &mut GoMapBuilder, depth: usize) -> Result<(), String> {
        const MSG: &str = "yaml: map merge requires map or sequence of maps as the value";
        let resolved = self.resolve_alias(v)?;
        match &*resolved {
            Raw::Map(_) => self.merge_map(&resolved, out, depth),
            Raw::Seq(items) => {
                for it in items.iter().rev() {
                    let target = self.resolve_alias(it)?;
                    if !matches!(&*target, Raw::Map(_)) {
                        return Err(MSG.to_string());
                    }
                    self.merge_map(&target, out, depth)?;
                }
                Ok(())
            }
            _ => Err(MSG.to_string()),
        }
    }

    fn merge_map(&mut self, m: &Raw, out: &mut GoMapBuilder, depth: usize) -> Result<(), String> {
        if let GoYaml::Map(items) = self.decode(m, depth)? {
            for (k, v) in items {
                out.insert(k, v);
            }
        }
        Ok(())
    }

    fn resolve_alias(&self, v: &Raw) -> Result<Rc<Raw>, String> {
        match v {
            Raw::Alias(id, name) => self
                .anchors
                .get(id)
                .cloned()
                .ok_or_else(|| format!("yaml: anchor '{name}' value contains itself")),
            Raw::Scalar { value, style, tag } => Ok(Rc::new(Raw::Scalar {
                value: value.clone(),
                style: *style,
                tag: tag.clone(),
            })),
            Raw::Seq(items) => Ok(Rc::new(Raw::Seq(items.clone()))),
            Raw::Map(pairs) => Ok(Rc::new(Raw::Map(pairs.clone()))),
        }
    }
}

fn is_merge_key(k: &Raw) -> bool {
    match k {
        Raw::Scalar { value, style, tag } => {
            value == "<<"
                && ((tag.is_none() && *style == ScalarStyle::Plain)
                    || tag.as_deref() == Some(MERGE_TAG))
        }
        _ => false,
    }
}

/// A Go map with `interface{}` keys: later assignments to an equal key replace the value.
#[derive(Default)]
struct GoMapBuilder {
    items: Vec<(GoYaml, GoYaml)>,
    index: HashMap<KeyRepr, usize>,
}

#[derive(Hash, PartialEq, Eq)]
enum KeyRepr {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(u64),
    Str(String),
}

impl GoMapBuilder {
    fn insert(&mut self, k: GoYaml, v: GoYaml) {
        let repr = match &k {
            GoYaml::Null => KeyRepr::Null,
            GoYaml::Bool(b) => KeyRepr::Bool(*b),
            GoYaml::Int(i) => KeyRepr::Int(*i),
            GoYaml::Uint(u) => KeyRepr::Uint(*u),
            GoYaml::Float(f) => KeyRepr::Float(if *f == 0.0 { 0 } else { f.to_bits() }),
            GoYaml::Str(s) => KeyRepr::Str(s.clone()),
            GoYaml::Seq(_) | GoYaml::Map(_) => {
                self.items.push((k, v));
                return;
            }
        };
        match self.index.get(&repr) {
            Some(&i) => {
                if let Some(slot) = self.items.get_mut(i) {
                    slot.1 = v;
                }
            }
            None => {
                self.index.insert(repr, self.items.len());
                self.items.push((k, v));
            }
        }
    }
}

fn short_tag(tag: &str) -> String {
    match tag.strip_prefix("tag:yaml.org,2002:") {
        Some(s) => format!("!!{s}"),
        None => tag.to_string(),
    }
}

fn decode_scalar(value: &str, style: ScalarStyle, tag: Option<&str>) -> Result<GoYaml, String> {
    match tag {
        None if style != ScalarStyle::Plain => Ok(GoYaml::Str(value.to_string())),
        None => Ok(resolve_plain(value).1),
        Some(t) => {
            let t = if t == "!" { "" } else { t };
            if t == BINARY_TAG {
                let cleaned: String = value.chars().filter(|c| !c.is_whitespace()).collect();
                return match base64_decode(&cleaned) {
                    Some(bytes) => Ok(GoYaml::Str(String::from_utf8_lossy(&bytes).into_owned())),
                    None => Err("yaml: !!binary value contains invalid base64 data".to_string()),
                };
            }
            if !matches!(
                t,
                "" | STR_TAG | BOOL_TAG | INT_TAG | FLOAT_TAG | TIMESTAMP_TAG | NULL_TAG
            ) {
                // Unresolvable tags (`!foo`, `!!map` on a scalar) keep the text.
                return Ok(GoYaml::Str(value.to_string()));
            }
            if t == STR_TAG {
                return Ok(GoYaml::Str(value.to_string()));
            }
            let (rtag, out) = resolve_plain(value);
            if t.is_empty() || t == rtag {
                return Ok(out);
            }
            if t == FLOAT_TAG && rtag == INT_TAG {
                if let GoYaml::Int(i) = out {
                    return Ok(GoYaml::Float(i as f64));
                }
            }
            if t == TIMESTAMP_TAG && rtag == STR_TAG && looks_like_timestamp(value) {
                return Ok(GoYaml::Str(value.to_string()));
            }
            Err(format!(
                "yaml: cannot decode {} `{}` as a {}",
                short_tag(rtag),
                value,
                short_tag(t)
            ))
        }
    }
}

/// go-yaml v2's `resolve("", s)` for a plain scalar: its tag and value.
pub(crate) fn resolve_plain(s: &str) -> (&'static str, GoYaml) {
    match resolve_plain_kind(s) {
        Plain::Null => (NULL_TAG, GoYaml::Null),
        Plain::Bool(b) => (BOOL_TAG, GoYaml::Bool(b)),
        Plain::Float(f) => (FLOAT_TAG, GoYaml::Float(f)),
        Plain::Int(i) => (INT_TAG, GoYaml::Int(i)),
        Plain::Uint(u) => (INT_TAG, GoYaml::Uint(u)),
        Plain::Merge => (MERGE_TAG, GoYaml::Str(s.to_string())),
        Plain::Str => (STR_TAG, GoYaml::Str(s.to_string())),
    }
}

/// The tag alone of [`resolve_plain`], without building the value (the emitter asks this of
/// every string it writes, to decide whether it needs quotes).
pub(crate) fn resolve_plain_tag(s: &str) -> &'static str {
    match resolve_plain_kind(s) {
        Plain::Null => NULL_TAG,
        Plain::Bool(_) => BOOL_TAG,
        Plain::Float(_) => FLOAT_TAG,
        Plain::Int(_) | Plain::Uint(_) => INT_TAG,
        Plain::Merge => MERGE_TAG,
        Plain::Str => STR_TAG,
    }
}

/// What a plain scalar resolves to; strings carry no copy of the text.
enum Plain {
    Null,
    Bool(bool),
    Float(f64),
    Int(i64),
    Uint(u64),
    Merge,
    Str,
}

fn resolve_plain_kind(s: &str) -> Plain {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Plain::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Plain::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Plain::Bool(false)
        }
        ".nan" | ".NaN" | ".NAN" => return Plain::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Plain::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Plain::Float(f64::NEG_INFINITY),
        "<<" => return Plain::Merge,
        _ => {}
    }
    let first = s.as_bytes().first().copied().unwrap_or(b' ');
    match first {
        b'.' if is_yaml_style_float(s) => {
            if let Some(f) = parse_finite_float(s) {
                return Plain::Float(f);
            }
        }
        b'+' | b'-' | b'0'..=b'9' => {
            // go-yaml drops `_` digit separators before parsing; most numbers have none.
            let plain: std::borrow::Cow<'_, str> = if s.contains('_') {
                s.chars().filter(|&c| c != '_').collect::<String>().into()
            } else {
                s.into()
            };
            if let Some(i) = go_parse_int(&plain) {
                return Plain::Int(i);
            }
            if let Some(u) = go_parse_uint(&plain) {
                return Plain::Uint(u);
            }
            if is_yaml_style_float(&plain) {
                if let Some(f) = parse_finite_float(&plain) {
                    return Plain::Float(f);
                }
            }
        }
        _ => {}
    }
    Plain::Str
}

fn parse_finite_float(s: &str) -> Option<f64> {
    // Go's ParseFloat reports a range error (so go-yaml keeps a string) on overflow.
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Digits of `s` in `base`, as u64 (None on an empty string, a bad digit or overflow).
fn parse_digits(s: &str, base: u32) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for c in s.chars() {
        let d = c.to_digit(base)?;
        v = v.checked_mul(u64::from(base))?.checked_add(u64::from(d))?;
    }
    Some(v)
}

/// Go's `strconv.ParseUint(s, 0, 64)` magnitude part (no sign).
fn parse_base0(s: &str) -> Option<u64> {
    let lower = s.get(..2).map(str::to_ascii_lowercase);
    match lower.as_deref() {
        Some("0x") => parse_digits(s.get(2..)?, 16),
        Some("0o") => parse_digits(s.get(2..)?, 8),
        Some("0b") => parse_digits(s.get(2..)?, 2),
        _ if s.len() > 1 && s.starts_with('0') => parse_digits(s.get(1..)?, 8),
        _ => parse_digits(s, 10),
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`.
pub(crate) fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, mag) = match s.as_bytes().first() {
        Some(b'+') => (false, s.get(1..)?),
        Some(b'-') => (true, s.get(1..)?),
        _ => (false, s),
    };
    let u = parse_base0(mag)?;
    if neg {
        if u <= 1u64 << 63 {
            Some((u as i64).wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(u).ok()
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)`.
fn go_parse_uint(s: &str) -> Option<u64> {
    if s.starts_with(['+', '-']) {
        return None;
    }
    parse_base0(s)
}

/// go-yaml's timestamp shape check (`YYYY-...`).
fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    digits == 4 && b.get(4) == Some(&b'-')
}

/// Standard base64 decoding (as Go's `base64.StdEncoding.DecodeString`).
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let b = s.as_bytes();
    if !b.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(b.len() / 4 * 3);
    for (ci, chunk) in b.chunks(4).enumerate() {
        let last = (ci + 1) * 4 == b.len();
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n: u32 = 0;
        for (i, &c) in chunk.iter().enumerate() {
            let v = if i >= 4 - pad { 0 } else { val(c)? };
            n = (n << 6) | v;
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(bytes.get(..3 - pad)?);
    }
    Some(out)
}

/// Go's `%#v` of a decoded YAML value (for go-yaml's `invalid map key` message).
fn go_sharp_v(v: &GoYaml, depth: usize) -> String {
    if depth > 50 {
        return "...".to_string();
    }
    let elem = |x: &GoYaml| -> String {
        match x {
            GoYaml::Null => "interface {}(nil)".to_string(),
            other => go_sharp_v(other, depth + 1),
        }
    };
    match v {
        GoYaml::Null => "<nil>".to_string(),
        GoYaml::Bool(b) => b.to_string(),
        GoYaml::Int(i) => i.to_string(),
        GoYaml::Uint(u) => format!("0x{u:x}"),
        GoYaml::Float(f) => crate::json::format_float_g(*f, 64),
        GoYaml::Str(s) => crate::json::go_quote(s),
        GoYaml::Seq(items) => {
            let parts: Vec<String> = items.iter().map(elem).collect();
            format!("[]interface {{}}{{{}}}", parts.join(", "))
        }
        GoYaml::Map(items) => {
            let parts: Vec<String> = items
                .iter()
                .map(|(k, v)| format!("{}:{}", elem(k), elem(v)))
                .collect();
            format!("map[interface {{}}]interface {{}}{{{}}}", parts.join(", "))
        }
    }
}

impl GoYaml {
    /// The JSON round trip of `sigs.k8s.io/yaml`: map keys become strings, numbers become
    /// `float64`, NaN and infinities are rejected as `encoding/json` rejects them.
    pub fn to_json_value(&self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err(format!("yaml: exceeded max depth of {MAX_DEPTH}"));
        }
        Ok(match self {
            GoYaml::Null => Value::Nil,
            GoYaml::Bool(b) => Value::Bool(*b),
            GoYaml::Int(i) => Value::Float(*i as f64),
            GoYaml::Uint(u) => Value::Float(*u as f64),
            GoYaml::Float(f) => {
                if !f.is_finite() {
                    return Err(format!(
                        "json: unsupported value: {}",
                        crate::json::format_float_g(*f, 64)
                    ));
                }
                Value::Float(*f)
            }
            GoYaml::Str(s) => Value::str(s),
            GoYaml::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    out.push(it.to_json_value(depth + 1)?);
                }
                Value::List(List::new(out))
            }
            GoYaml::Map(items) => {
                let m = Map::new();
                for (k, v) in items {
                    let key = match k {
                        GoYaml::Str(s) => s.clone(),
                        GoYaml::Int(i) => i.to_string(),
                        GoYaml::Float(f) => match crate::json::format_float_g(*f, 32).as_str() {
                            "+Inf" => ".inf".to_string(),
                            "-Inf" => "-.inf".to_string(),
                            "NaN" => ".nan".to_string(),
                            s => s.to_string(),
                        },
                        GoYaml::Bool(b) => b.to_string(),
                        GoYaml::Null => {
                            return Err(format!(
                                "unsupported map key of type: %!s(<nil>), key: <nil>, value: {}",
                                go_sharp_v(v, 0)
                            ))
                        }
                        GoYaml::Uint(u) => {
                            return Err(format!(
                                "unsupported map key of type: uint64, key: 0x{u:x}, value: {}",
                                go_sharp_v(v, 0)
                            ))
                        }
                        GoYaml::Seq(_) | GoYaml::Map(_) => {
                            return Err(format!("yaml: invalid map key: {}", go_sharp_v(k, 0)))
                        }
                    };
                    m.insert(key, v.to_json_value(depth + 1)?);
                }
                Value::Map(m)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> String {
        match parse_values(text) {
            Ok(m) => crate::json::to_json(&Value::Map(m)).unwrap_or_default(),
            Err(e) => format!("ERR {e}"),
        }
    }

    #[test]
    fn yaml11_booleans_and_keys() {
        assert_eq!(
            json("yes: 1\nno: 2\non: 3\noff: 4\ny: 5\nn: 6\ntrue: 7\n'y': 8\n\"n\": 9\n"),
            r#"{"false":6,"n":9,"true":7,"y":8}"#
        );
        assert_eq!(
            json("a: tRuE\nb: yES\nc: 'yes'\ng: [y, n, yes, no, on, off, Y]\n"),
            r#"{"a":"tRuE","b":"yES","c":"yes","g":[true,false,true,false,true,false,true]}"#
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(
            json(
                "a: 42\nc: +5\ne: 1_000\nf: 0x1F\ng: 0755\nh: 0o755\ni: 0b101\nj: 08\nk: 0xFF_FF\n"
            ),
            r#"{"a":42,"c":5,"e":1000,"f":31,"g":493,"h":493,"i":5,"j":8,"k":65535}"#
        );
        assert_eq!(
            json("b: 1e6\nd: .5\ne: -.25\ng: 685.230_15e+03\nh: 1.\nv: 1.20\nx: 1.2.3\n"),
            r#"{"b":1000000,"d":0.5,"e":-0.25,"g":685230.15,"h":1,"v":1.2,"x":"1.2.3"}"#
        );
        let m = parse_values("a: 12345678901234567890\nb: 99999999999999999999999\n").unwrap();
        assert!(matches!(m.get("a"), Some(Value::Float(f)) if f == 1.2345678901234567e19));
        assert!(matches!(m.get("b"), Some(Value::Float(f)) if f == 1e23));
    }

    #[test]
    fn strings_that_look_like_other_things() {
        assert_eq!(
            json("a: 190:20:30\nb: 2001-12-14\nc: '.inf'\nd: 1e400\n"),
            r#"{"a":"190:20:30","b":"2001-12-14","c":".inf","d":"1e400"}"#
        );
    }

    #[test]
    fn nulls_removed_from_maps_only() {
        assert_eq!(
            json("a: {b: null, c: 1, d: {e: ~}}\nf: [null, 1]\ng: null\n"),
            r#"{"a":{"c":1,"d":{}},"f":[null,1]}"#
        );
    }

    #[test]
    fn anchors_merge_and_copies() {
        assert_eq!(
            json("a: &a {x: 1}\nb: &b {q: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n"),
            r#"{"a":{"x":1},"b":{"q":2},"c":{"q":2,"x":1,"z":3}}"#
        );
        let m = parse_values("base: &b {x: 1}\ncopy: *b\n").unwrap();
        let (Some(Value::Map(a)), Some(Value::Map(b))) = (m.get("base"), m.get("copy")) else {
            panic!("maps expected")
        };
        assert!(!a.ptr_eq(&b));
    }

    #[test]
    fn documents_are_merged() {
        assert_eq!(
            json("a: {x: 1}\n---\na: {z: 2}\nb: 1\n"),
            r#"{"a":{"x":1,"z":2},"b":1}"#
        );
        assert_eq!(json("a: 1\n---\n"), r#"{"a":1}"#);
    }

    #[test]
    fn errors_match_helm() {
        assert_eq!(
            json("~: tilde\nnull: word\n"),
            "ERR cannot unmarshal yaml document: error converting YAML to JSON: unsupported map key of type: %!s(<nil>), key: <nil>, value: \"word\""
        );
        assert_eq!(
            json("? [a, b]\n: list-key\n"),
            "ERR cannot unmarshal yaml document: error converting YAML to JSON: yaml: invalid map key: []interface {}{\"a\", \"b\"}"
        );
        assert_eq!(
            json("- a\n- b\n"),
            "ERR cannot unmarshal yaml document: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}"
        );
        assert_eq!(
            json("a:\n\tb: 1\n"),
            "ERR cannot unmarshal yaml document: error converting YAML to JSON: yaml: line 2: found character that cannot start any token"
        );
        assert_eq!(
            json("a: [1, 2\n"),
            "ERR cannot unmarshal yaml document: error converting YAML to JSON: yaml: line 1: did not find expected ',' or ']'"
        );
        assert!(json("a: .inf\n").contains("json: unsupported value: +Inf"));
    }

    #[test]
    fn tags_blocks_crlf_bom() {
        assert_eq!(
            json("a: !!str 123\nb: !!int \"42\"\nc: !!float 1\nd: !!bool yes\nf: !!binary aGVsbG8=\n"),
            r#"{"a":"123","b":42,"c":1,"d":true,"f":"hello"}"#
        );
        assert_eq!(
            json("a: 1\r\nb: two\r\nc: |\r\n  x\r\n  y\r\n"),
            r#"{"a":1,"b":"two","c":"x\ny\n"}"#
        );
        assert_eq!(json("\u{feff}a: 1\n"), r#"{"a":1}"#);
        assert_eq!(
            json("a: >-\n  folded\n  text\n    more\n  back\n"),
            r#"{"a":"folded text\n  more\nback"}"#
        );
    }

    #[test]
    fn keys_numeric() {
        assert_eq!(
            json("1: one\n1.5: f\n-1: neg\n0x10: hex\n\"\": empty\n"),
            r#"{"":"empty","-1":"neg","1":"one","1.5":"f","16":"hex"}"#
        );
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn parse_values_never_panics(text in "[a-z0-9:\\- \\n\\t\\[\\]{}&*!|>'\"#%@`,?.~<]{0,80}") {
                let _ = parse_values(&text);
            }

            #[test]
            fn parse_values_never_panics_on_any_text(text in "\\PC{0,60}") {
                let _ = parse_values(&text);
            }
        }
    }
}
