//! Helm's `--set` syntax (`pkg/strvals`): `a.b=c,list[0].x=y,arr={1,2}`, with `\` escapes,
//! typed scalars (`true`, `null`, int64), and the `--set-string`, `--set-file`, `--set-json`
//! and `--set-literal` variants. Errors carry Helm's messages.

use gotemplate::{List, Map, Value};

/// Largest list index `--set` accepts.
pub const MAX_INDEX: i64 = 65536;
/// Deepest `a.b.c...` nesting accepted.
pub const MAX_NESTED_NAME_LEVEL: usize = 30;

#[derive(Debug)]
enum PErr {
    Eof,
    NotList,
    Msg(String),
}

type PResult<T> = Result<T, PErr>;

fn msg(s: impl Into<String>) -> PErr {
    PErr::Msg(s.into())
}

fn q(chars: &[char]) -> String {
    gotemplate::fmt::quote(&chars.iter().collect::<String>())
}

enum Mode<'a> {
    Typed { strings: bool },
    File(&'a dyn Fn(&str) -> Result<Value, String>),
    Json,
    Literal,
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    mode: Mode<'a>,
}

impl Parser<'_> {
    fn read(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn unread(&mut self) {
        self.pos = self.pos.saturating_sub(1);
    }

    /// Reads until a stop rune: (runes, the stop rune), or `Eof` with what was read.
    fn runes_until(&mut self, stop: &[char]) -> (Vec<char>, Option<char>) {
        let literal = matches!(self.mode, Mode::Literal);
        let mut v = Vec::new();
        loop {
            match self.read() {
                None => return (v, None),
                Some(r) if stop.contains(&r) => return (v, Some(r)),
                Some('\\') if !literal => match self.read() {
                    None => return (v, None),
                    Some(n) => v.push(n),
                },
                Some(r) => v.push(r),
            }
        }
    }

    fn parse(&mut self, data: &Map) -> Result<(), String> {
        loop {
            match self.key(data, 0) {
                Ok(()) => {}
                Err(PErr::Eof) => return Ok(()),
                Err(PErr::NotList) => return Err("not a list".into()),
                Err(PErr::Msg(m)) => return Err(m),
            }
        }
    }

    fn reader(&self, rs: &[char]) -> PResult<Value> {
        let s: String = rs.iter().collect();
        match &self.mode {
            Mode::Typed { strings } => Ok(typed_val(&s, *strings)),
            Mode::File(f) => f(&s).map_err(PErr::Msg),
            Mode::Json | Mode::Literal => Ok(Value::str(s)),
        }
    }

    fn key(&mut self, data: &Map, level: usize) -> PResult<()> {
        let stop: &[char] = if matches!(self.mode, Mode::Literal) {
            &['=', '[', '.']
        } else {
            &['=', '[', ',', '.']
        };
        let (k, last) = self.runes_until(stop);
        let key: String = k.iter().collect();
        match last {
            None => {
                if k.is_empty() {
                    Err(PErr::Eof)
                } else {
                    Err(msg(format!("key {} has no value", q(&k))))
                }
            }
            Some('[') => {
                let i = self.key_index()?;
                let list = match data.get(&key) {
                    None => Vec::new(),
                    Some(Value::List(l)) if l.elem() == gotemplate::ElemType::Interface => l.to_vec(),
                    Some(other) => {
                        return Err(msg(format!(
                            "unable to parse key: interface conversion: interface {{}} is {}, not []interface {{}}",
                            other.type_name()
                        )))
                    }
                };
                let (list, res) = self.list_item(list, i, level);
                set(data, &key, Value::List(List::new(list)));
                res
            }
            Some('=') => self.assign(data, &key),
            Some(',') => {
                set(data, &key, Value::str(""));
                Err(msg(format!(
                    "key {} has no value (cannot end with ,)",
                    q(&k)
                )))
            }
            Some('.') => {
                let level = level + 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    return Err(msg(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    )));
                }
                let inner = match data.get(&key) {
                    None => Map::new(),
                    Some(Value::Map(m)) => m,
                    Some(other) => {
                        return Err(msg(format!(
                            "unable to parse key: interface conversion: interface {{}} is {}, not map[string]interface {{}}",
                            other.type_name()
                        )))
                    }
                };
                let e = self.key(&inner, level);
                if e.is_ok() && inner.is_empty() {
                    return Err(msg(format!("key map {} has no value", q(&k))));
                }
                if !inner.is_empty() {
                    set(data, &key, Value::Map(inner));
                }
                e
            }
            Some(_) => Err(msg("parse error")),
        }
    }

    fn assign(&mut self, data: &Map, key: &str) -> PResult<()> {
        match self.mode {
            Mode::Literal => {
                let (v, _) = self.runes_until(&[]);
                set(data, key, Value::str(v.iter().collect::<String>()));
                Ok(())
            }
            Mode::Json => {
                if self.empty_val() {
                    set(data, key, Value::Nil);
                    return Ok(());
                }
                let v = self.json_value()?;
                set(data, key, v);
                self.empty_val();
                Ok(())
            }
            _ => match self.val_list() {
                Ok(vl) => {
                    set(data, key, Value::List(List::new(vl)));
                    Ok(())
                }
                Err(PErr::Eof) => {
                    set(data, key, Value::str(""));
                    Err(PErr::Eof)
                }
                Err(PErr::NotList) => {
                    let (rs, _) = self.runes_until(&[',']);
                    let v = self.reader(&rs)?;
                    set(data, key, v);
                    Ok(())
                }
                Err(e) => Err(e),
            },
        }
    }

    fn json_value(&mut self) -> PResult<Value> {
        let rest: String = self.chars[self.pos..].iter().collect();
        let mut stream = serde_json::Deserializer::from_str(&rest).into_iter::<serde_json::Value>();
        match stream.next() {
            Some(Ok(v)) => {
                let consumed = rest[..stream.byte_offset()].chars().count();
                self.pos += consumed;
                Ok(from_json(&v))
            }
            Some(Err(e)) => Err(msg(e.to_string())),
            None => Err(PErr::Eof),
        }
    }

    fn key_index(&mut self) -> PResult<i64> {
        let (v, last) = self.runes_until(&[']']);
        if last.is_none() {
            return Err(msg("error parsing index: EOF"));
        }
        let s: String = v.iter().collect();
        go_atoi(&s).ok_or_else(|| {
            msg(format!(
                "error parsing index: strconv.Atoi: parsing {}: invalid syntax",
                gotemplate::fmt::quote(&s)
            ))
        })
    }

    fn list_item(
        &mut self,
        mut list: Vec<Value>,
        i: i64,
        level: usize,
    ) -> (Vec<Value>, PResult<()>) {
        if i < 0 {
            return (list, Err(msg(format!("negative {i} index not allowed"))));
        }
        let (k, last) = self.runes_until(&['[', '.', '=']);
        if !k.is_empty() {
            return (
                list,
                Err(msg(format!(
                    "unexpected data at end of array index: {}",
                    q(&k)
                ))),
            );
        }
        match last {
            None => (list, Err(PErr::Eof)),
            Some('=') => {
                let v = match self.mode {
                    Mode::Literal => {
                        let (v, _) = self.runes_until(&[]);
                        Value::str(v.iter().collect::<String>())
                    }
                    Mode::Json => {
                        if self.empty_val() {
                            Value::Nil
                        } else {
                            match self.json_value() {
                                Ok(v) => {
                                    self.empty_val();
                                    v
                                }
                                Err(e) => return (list, Err(e)),
                            }
                        }
                    }
                    _ => match self.val_list() {
                        Ok(vl) => Value::List(List::new(vl)),
                        Err(PErr::Eof) => Value::str(""),
                        Err(PErr::NotList) => {
                            let (rs, _) = self.runes_until(&[',']);
                            match self.reader(&rs) {
                                Ok(v) => v,
                                Err(e) => return (list, Err(e)),
                            }
                        }
                        Err(e) => return (list, Err(e)),
                    },
                };
                set_index(list, i, v)
            }
            Some('[') => {
                let next = match self.key_index() {
                    Ok(n) => n,
                    Err(e) => return (list, Err(e)),
                };
                let current = match list.get(i as usize) {
                    Some(Value::List(l)) => l.to_vec(),
                    Some(Value::Nil) | None => Vec::new(),
                    Some(other) => {
                        let t = other.type_name();
                        return (
                            list,
                            Err(msg(format!(
                                "unable to parse key: interface conversion: interface {{}} is {t}, not []interface {{}}"
                            ))),
                        );
                    }
                };
                let (inner, res) = self.list_item(current, next, level);
                if let Err(e) = res {
                    return (list, Err(e));
                }
                set_index(list, i, Value::List(List::new(inner)))
            }
            Some('.') => {
                let inner = match list.get(i as usize) {
                    Some(Value::Map(m)) => m.clone(),
                    Some(_) => {
                        let m = Map::new();
                        if let Some(slot) = list.get_mut(i as usize) {
                            *slot = Value::Map(m.clone());
                        }
                        m
                    }
                    None => Map::new(),
                };
                if let Err(e) = self.key(&inner, level) {
                    return (list, Err(e));
                }
                set_index(list, i, Value::Map(inner))
            }
            Some(t) => (
                Vec::new(),
                Err(msg(format!("parse error: unexpected token {}", t as u32))),
            ),
        }
    }

    fn empty_val(&mut self) -> bool {
        loop {
            match self.read() {
                None | Some(',') => return true,
                Some(r) if r.is_whitespace() => {}
                Some(_) => {
                    self.unread();
                    return false;
                }
            }
        }
    }

    fn val_list(&mut self) -> PResult<Vec<Value>> {
        match self.read() {
            None => return Err(PErr::Eof),
            Some('{') => {}
            Some(_) => {
                self.unread();
                return Err(PErr::NotList);
            }
        }
        let mut list = Vec::new();
        loop {
            let (rs, last) = self.runes_until(&[',', '}']);
            match last {
                None => return Err(msg("list must terminate with '}'")),
                Some('}') => {
                    match self.read() {
                        Some(',') | None => {}
                        Some(_) => self.unread(),
                    }
                    list.push(self.reader(&rs)?);
                    return Ok(list);
                }
                _ => list.push(self.reader(&rs)?),
            }
        }
    }
}

fn set(data: &Map, key: &str, val: Value) {
    if !key.is_empty() {
        data.insert(key, val);
    }
}

fn set_index(mut list: Vec<Value>, index: i64, val: Value) -> (Vec<Value>, PResult<()>) {
    if index < 0 {
        return (
            list,
            Err(msg(format!("negative {index} index not allowed"))),
        );
    }
    if index > MAX_INDEX {
        return (
            list,
            Err(msg(format!(
                "index of {index} is greater than maximum supported index of {MAX_INDEX}"
            ))),
        );
    }
    let i = index as usize;
    if list.len() <= i {
        list.resize(i + 1, Value::Nil);
    }
    list[i] = val;
    (list, Ok(()))
}

fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Helm's `typedVal`: `true`/`false`/`null` (any case), `0`, and int64s without a leading
/// zero; everything else stays a string.
fn typed_val(s: &str, strings: bool) -> Value {
    if strings {
        return Value::str(s);
    }
    if s.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if s.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    if s.eq_ignore_ascii_case("null") {
        return Value::Nil;
    }
    if s == "0" {
        return Value::Int64(0);
    }
    if !s.is_empty() && !s.starts_with('0') {
        if let Some(i) = go_atoi(s) {
            return Value::Int64(i);
        }
    }
    Value::str(s)
}

/// JSON decoded as Go's encoding/json does into `interface{}` (numbers are float64).
pub fn from_json(v: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match v {
        J::Null => Value::Nil,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        J::String(s) => Value::str(s),
        J::Array(a) => Value::List(a.iter().map(from_json).collect()),
        J::Object(o) => {
            let m = Map::new();
            for (k, v) in o {
                m.insert(k, from_json(v));
            }
            Value::Map(m)
        }
    }
}

fn run(s: &str, data: &Map, mode: Mode<'_>) -> Result<(), String> {
    Parser {
        chars: s.chars().collect(),
        pos: 0,
        mode,
    }
    .parse(data)
}

/// `--set`: parses `s` into `data`.
pub fn parse_into(s: &str, data: &Map) -> Result<(), String> {
    run(s, data, Mode::Typed { strings: false })
}

/// `--set-string`: every value a string.
pub fn parse_into_string(s: &str, data: &Map) -> Result<(), String> {
    run(s, data, Mode::Typed { strings: true })
}

/// `--set-json` (key=JSON form).
pub fn parse_json(s: &str, data: &Map) -> Result<(), String> {
    run(s, data, Mode::Json)
}

/// `--set-literal`: the value is everything after `=`.
pub fn parse_literal_into(s: &str, data: &Map) -> Result<(), String> {
    run(s, data, Mode::Literal)
}

/// `--set-file`: values are file paths whose contents become strings.
pub fn parse_into_file(
    s: &str,
    data: &Map,
    read: &dyn Fn(&str) -> Result<Value, String>,
) -> Result<(), String> {
    run(s, data, Mode::File(read))
}

/// Applies the CLI's value flags to `base` in Helm's order and with Helm's error messages.
pub fn apply_cli_values(
    base: &Map,
    set_json: &[String],
    set: &[String],
    set_string: &[String],
    set_file: &[String],
    set_literal: &[String],
) -> Result<(), String> {
    for value in set_json {
        let trimmed = value.trim();
        if trimmed.starts_with('{') {
            let v: serde_json::Value = serde_json::from_str(trimmed)
                .map_err(|_| format!("failed parsing --set-json data JSON: {value}"))?;
            match from_json(&v) {
                Value::Map(m) => crate::release::merge_maps(base, &m),
                _ => return Err(format!("failed parsing --set-json data JSON: {value}")),
            }
        } else {
            parse_json(value, base)
                .map_err(|_| format!("failed parsing --set-json data {value}"))?;
        }
    }
    for value in set {
        parse_into(value, base).map_err(|e| format!("failed parsing --set data: {e}"))?;
    }
    for value in set_string {
        parse_into_string(value, base)
            .map_err(|e| format!("failed parsing --set-string data: {e}"))?;
    }
    let read = |path: &str| -> Result<Value, String> {
        std::fs::read(path)
            .map(|b| Value::str(String::from_utf8_lossy(&b)))
            .map_err(|e| format!("open {path}: {e}"))
    };
    for value in set_file {
        parse_into_file(value, base, &read)
            .map_err(|e| format!("failed parsing --set-file data: {e}"))?;
    }
    for value in set_literal {
        parse_literal_into(value, base)
            .map_err(|e| format!("failed parsing --set-literal data: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Map, String> {
        let m = Map::new();
        parse_into(s, &m)?;
        Ok(m)
    }

    fn show(m: &Map) -> String {
        format!("{m:?}")
    }

    #[test]
    fn scalars_and_nesting() {
        let m = parse("a=1,b.c=true,d=null,e=010,f=x\\,y").expect("parses");
        assert!(matches!(m.get("a"), Some(Value::Int64(1))));
        let b = m.get("b").and_then(|v| v.as_map()).expect("b");
        assert!(matches!(b.get("c"), Some(Value::Bool(true))));
        assert!(matches!(m.get("d"), Some(Value::Nil)));
        assert!(matches!(m.get("e"), Some(Value::String(s)) if &*s == "010"));
        assert!(matches!(m.get("f"), Some(Value::String(s)) if &*s == "x,y"));
    }

    #[test]
    fn lists_and_indexes() {
        let m = parse("l={a,b},x[1].y=2,z[0][1]=q").expect("parses");
        assert_eq!(
            show(&m),
            r#"{"l": ["a", "b"], "x": [nil, {"y": int64(2)}], "z": [[nil, "q"]]}"#
        );
    }

    #[test]
    fn errors_like_helm() {
        assert_eq!(parse("a").unwrap_err(), "key \"a\" has no value");
        assert_eq!(
            parse("a,").unwrap_err(),
            "key \"a\" has no value (cannot end with ,)"
        );
        assert_eq!(
            parse("a[-1]=x").unwrap_err(),
            "negative -1 index not allowed"
        );
        assert!(parse("a[70000]=x")
            .unwrap_err()
            .contains("maximum supported index"));
        assert_eq!(parse("a={x").unwrap_err(), "list must terminate with '}'");
        let deep = (0..40)
            .map(|i| format!("k{i}"))
            .collect::<Vec<_>>()
            .join(".")
            + "=1";
        assert!(parse(&deep).unwrap_err().contains("nested level"));
    }

    #[test]
    fn json_and_literal() {
        let m = Map::new();
        parse_json("a={\"b\":[1,2]},c=null", &m).expect("parses");
        assert_eq!(
            show(&m),
            r#"{"a": {"b": [float64(1), float64(2)]}, "c": nil}"#
        );
        let l = Map::new();
        parse_literal_into("x.y=a,b=c", &l).expect("parses");
        assert_eq!(show(&l), r#"{"x": {"y": "a,b=c"}}"#);
    }
}
