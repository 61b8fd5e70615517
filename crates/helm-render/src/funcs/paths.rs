//! Sprig's path and URL functions: `base`, `dir`, `ext`, `clean`, `isAbs` (Go's `path`), the
//! `os*` variants (Go's `path/filepath`, identical on Linux), and `urlParse`/`urlJoin`, which
//! follow Go's `net/url` parsing, escaping and error messages. `urlquery` is Go's builtin.

use gotemplate::{ArgType, FuncError, FuncMap, Map, Signature, Value};

use super::cast::{arg, arg_str, NIL_DEREF};

/// Registers this family's functions.
pub fn register(m: &mut FuncMap) {
    use ArgType::{Map as M, String as S};
    let s1 = || Signature::fixed(&[S]);
    for (plain, os) in [("base", "osBase"), ("dir", "osDir"), ("ext", "osExt")] {
        let f = match plain {
            "base" => base,
            "dir" => dir,
            _ => ext,
        };
        m.add(plain, s1(), move |_, a| Ok(Value::from(f(arg_str(a, 0)))));
        m.add(os, s1(), move |_, a| Ok(Value::from(f(arg_str(a, 0)))));
    }
    for name in ["clean", "osClean"] {
        m.add(name, s1(), |_, a| Ok(Value::from(clean(arg_str(a, 0)))));
    }
    for name in ["isAbs", "osIsAbs"] {
        m.add(name, s1(), |_, a| {
            Ok(Value::Bool(arg_str(a, 0).starts_with('/')))
        });
    }
    m.add("urlParse", s1(), |_, a| {
        let u = parse_url(arg_str(a, 0))
            .map_err(|e| FuncError::msg(format!("unable to parse url: {e}")))?;
        let d = Map::new();
        d.insert("scheme", Value::from(u.scheme.clone()));
        d.insert("host", Value::from(u.host.clone()));
        d.insert("hostname", Value::from(hostname(&u.host)));
        d.insert("path", Value::from(u.path.clone()));
        d.insert("query", Value::from(u.raw_query.clone()));
        d.insert("opaque", Value::from(u.opaque.clone()));
        d.insert("fragment", Value::from(u.fragment.clone()));
        d.insert(
            "userinfo",
            Value::from(u.user.as_ref().map(Userinfo::to_string).unwrap_or_default()),
        );
        Ok(Value::Map(d))
    });
    m.add("urlJoin", Signature::fixed(&[M]), |_, a| {
        let d = arg(a, 0).as_map().unwrap_or_default();
        let get = |k: &str| dict_get_or_empty(&d, k);
        let mut u = Url {
            scheme: get("scheme")?,
            host: get("host")?,
            path: get("path")?,
            raw_query: get("query")?,
            opaque: get("opaque")?,
            fragment: get("fragment")?,
            ..Url::default()
        };
        let userinfo = get("userinfo")?;
        if !userinfo.is_empty() {
            let temp = parse_url(&format!("proto://{userinfo}@host"))
                .map_err(|e| FuncError::msg(format!("unable to parse userinfo in dict: {e}")))?;
            u.user = temp.user;
        }
        Ok(Value::from(u.to_string()))
    });
}

/// Sprig's `dictGetOrEmpty`: missing keys are "", non-strings panic.
fn dict_get_or_empty(d: &Map, key: &str) -> Result<String, FuncError> {
    match d.get(key) {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.to_string()),
        Some(Value::Nil) => Err(FuncError::msg(NIL_DEREF)),
        Some(other) => Err(FuncError::msg(format!(
            "unable to parse {key} key, must be of type string, but {} found",
            other.kind_name()
        ))),
    }
}

/// Go's `path.Base`.
pub fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_string();
    }
    match trimmed.rfind('/') {
        Some(i) => trimmed.get(i + 1..).unwrap_or_default().to_string(),
        None => trimmed.to_string(),
    }
}

/// Go's `path.Dir`: everything before the last slash, cleaned.
pub fn dir(p: &str) -> String {
    let cut = p.rfind('/').map_or(0, |i| i + 1);
    clean(p.get(..cut).unwrap_or_default())
}

/// Go's `path.Ext`: from the last dot of the last element.
pub fn ext(p: &str) -> String {
    for (i, c) in p.char_indices().rev() {
        if c == '/' {
            break;
        }
        if c == '.' {
            return p.get(i..).unwrap_or_default().to_string();
        }
    }
    String::new()
}

/// Go's `path.Clean`: lexical processing of `.`, `..` and repeated slashes.
pub fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for elem in p.split('/') {
        match elem {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// A parsed URL (the fields of Go's `url.URL` Sprig uses).
#[derive(Default, Debug)]
struct Url {
    scheme: String,
    opaque: String,
    user: Option<Userinfo>,
    host: String,
    path: String,
    omit_host: bool,
    force_query: bool,
    raw_query: String,
    fragment: String,
}

#[derive(Debug)]
struct Userinfo {
    username: String,
    password: Option<String>,
}

impl std::fmt::Display for Userinfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&escape(&self.username, Mode::UserPassword))?;
        if let Some(p) = &self.password {
            write!(f, ":{}", escape(p, Mode::UserPassword))?;
        }
        Ok(())
    }
}

/// Go's `url.Error` text: `parse "URL": MSG`.
fn url_error(raw: &str, msg: &str) -> String {
    format!("parse {}: {msg}", gotemplate::fmt::quote(raw))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    Zone,
    UserPassword,
    Fragment,
}

/// Go's `shouldEscape`.
fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if matches!(mode, Mode::Host | Mode::Zone)
        && matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
        )
    {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => {
            return match mode {
                Mode::Fragment => false,
                Mode::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
                Mode::Path => c == b'?',
                Mode::Host | Mode::Zone => true,
            };
        }
        _ => {}
    }
    if mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
        return false;
    }
    true
}

/// Go's `escape` (percent-encoding with upper-case hex).
fn escape(s: &str, mode: Mode) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if should_escape(b, mode) {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

fn unhex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Go's `unescape`: validates `%XX` escapes (and host characters) and decodes them.
fn unescape(s: &str, mode: Mode) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            let h1 = b.get(i + 1).copied().and_then(unhex);
            let h2 = b.get(i + 2).copied().and_then(unhex);
            let (Some(h1), Some(h2)) = (h1, h2) else {
                let end = (i + 3).min(b.len());
                let bad = String::from_utf8_lossy(b.get(i..end).unwrap_or_default());
                return Err(format!(
                    "invalid URL escape {}",
                    gotemplate::fmt::quote(&bad)
                ));
            };
            if mode == Mode::Host && h1 < 8 && b.get(i..i + 3) != Some(b"%25") {
                let bad = String::from_utf8_lossy(b.get(i..i + 3).unwrap_or_default());
                return Err(format!(
                    "invalid URL escape {}",
                    gotemplate::fmt::quote(&bad)
                ));
            }
            out.push(h1 * 16 + h2);
            i += 3;
            continue;
        }
        if matches!(mode, Mode::Host | Mode::Zone) && c < 0x80 && should_escape(c, mode) {
            let bad = String::from_utf8_lossy(&[c]).into_owned();
            return Err(format!(
                "invalid character {} in host name",
                gotemplate::fmt::quote(&bad)
            ));
        }
        out.push(c);
        i += 1;
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Go's `url.Parse`.
fn parse_url(raw: &str) -> Result<Url, String> {
    let (u, frag) = match raw.split_once('#') {
        Some((u, f)) => (u, Some(f)),
        None => (raw, None),
    };
    let mut url = parse_inner(u).map_err(|e| url_error(u, &e))?;
    if let Some(f) = frag.filter(|f| !f.is_empty()) {
        url.fragment = unescape(f, Mode::Fragment).map_err(|e| url_error(raw, &e))?;
    }
    Ok(url)
}

fn parse_inner(raw: &str) -> Result<Url, String> {
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("net/url: invalid control character in URL".to_string());
    }
    let mut url = Url::default();
    if raw == "*" {
        url.path = "*".to_string();
        return Ok(url);
    }
    let (scheme, rest) = get_scheme(raw)?;
    url.scheme = scheme.to_ascii_lowercase();
    let mut rest = rest.to_string();
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        url.force_query = true;
        rest.pop();
    } else if let Some((r, q)) = rest.clone().split_once('?') {
        url.raw_query = q.to_string();
        rest = r.to_string();
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            url.opaque = rest;
            return Ok(url);
        }
        let segment = rest.split('/').next().unwrap_or_default();
        if segment.contains(':') {
            return Err("first path segment in URL cannot contain colon".to_string());
        }
    }
    if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let authority_and_path = rest.get(2..).unwrap_or_default().to_string();
        let (authority, path) = match authority_and_path.find('/') {
            Some(i) => authority_and_path.split_at(i),
            None => (authority_and_path.as_str(), ""),
        };
        let (user, host) = parse_authority(authority)?;
        url.user = user;
        url.host = host;
        rest = path.to_string();
    } else if !url.scheme.is_empty() && rest.starts_with('/') {
        url.omit_host = true;
    }
    url.path = unescape(&rest, Mode::Path)?;
    Ok(url)
}

/// Go's `getScheme`.
fn get_scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        if c.is_ascii_alphabetic() {
            continue;
        }
        if c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.') {
            if i == 0 {
                return Ok(("", raw));
            }
            continue;
        }
        if c == b':' {
            if i == 0 {
                return Err("missing protocol scheme".to_string());
            }
            return Ok((
                raw.get(..i).unwrap_or_default(),
                raw.get(i + 1..).unwrap_or_default(),
            ));
        }
        return Ok(("", raw));
    }
    Ok(("", raw))
}

/// Go's `validUserinfo`.
fn valid_userinfo(s: &str) -> bool {
    s.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                '-' | '.'
                    | '_'
                    | ':'
                    | '~'
                    | '!'
                    | '$'
                    | '&'
                    | '\''
                    | '('
                    | ')'
                    | '*'
                    | '+'
                    | ','
                    | ';'
                    | '='
                    | '%'
                    | '@'
            )
            || !c.is_ascii()
    })
}

fn parse_authority(authority: &str) -> Result<(Option<Userinfo>, String), String> {
    let at = authority.rfind('@');
    let host = match at {
        Some(i) => parse_host(authority.get(i + 1..).unwrap_or_default())?,
        None => parse_host(authority)?,
    };
    let Some(i) = at else {
        return Ok((None, host));
    };
    let userinfo = authority.get(..i).unwrap_or_default();
    if !valid_userinfo(userinfo) {
        return Err("net/url: invalid userinfo".to_string());
    }
    let user = match userinfo.split_once(':') {
        None => Userinfo {
            username: unescape(userinfo, Mode::UserPassword)?,
            password: None,
        },
        Some((u, p)) => Userinfo {
            username: unescape(u, Mode::UserPassword)?,
            password: Some(unescape(p, Mode::UserPassword)?),
        },
    };
    Ok((Some(user), host))
}

/// Go's `validOptionalPort`: empty, or `:` followed by digits.
fn valid_optional_port(port: &str) -> bool {
    match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(digits) => digits.bytes().all(|b| b.is_ascii_digit()),
    }
}

fn parse_host(host: &str) -> Result<String, String> {
    if host.starts_with('[') {
        let Some(i) = host.rfind(']') else {
            return Err("missing ']' in host".to_string());
        };
        let colon_port = host.get(i + 1..).unwrap_or_default();
        if !valid_optional_port(colon_port) {
            return Err(format!(
                "invalid port {} after host",
                gotemplate::fmt::quote(colon_port)
            ));
        }
        let inside = host.get(..i).unwrap_or_default();
        if let Some(zone) = inside.find("%25") {
            let h1 = unescape(host.get(..zone).unwrap_or_default(), Mode::Host)?;
            let h2 = unescape(host.get(zone..i).unwrap_or_default(), Mode::Zone)?;
            let h3 = unescape(host.get(i..).unwrap_or_default(), Mode::Host)?;
            return Ok(format!("{h1}{h2}{h3}"));
        }
    } else if let Some(i) = host.rfind(':') {
        let colon_port = host.get(i..).unwrap_or_default();
        if !valid_optional_port(colon_port) {
            return Err(format!(
                "invalid port {} after host",
                gotemplate::fmt::quote(colon_port)
            ));
        }
    }
    unescape(host, Mode::Host)
}

/// Go's `URL.Hostname`: the host without port and IPv6 brackets.
fn hostname(host: &str) -> String {
    let mut h = host;
    if let Some(i) = h.rfind(':') {
        if valid_optional_port(h.get(i..).unwrap_or_default()) {
            h = h.get(..i).unwrap_or_default();
        }
    }
    if let Some(inner) = h.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
        h = inner;
    }
    h.to_string()
}

impl std::fmt::Display for Url {
    /// Go's `URL.String`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut buf = String::new();
        if !self.scheme.is_empty() {
            buf.push_str(&self.scheme);
            buf.push(':');
        }
        if !self.opaque.is_empty() {
            buf.push_str(&self.opaque);
        } else {
            let no_authority = self.host.is_empty() && self.user.is_none();
            if !(no_authority && (self.scheme.is_empty() || self.omit_host)) {
                if !self.host.is_empty() || !self.path.is_empty() || self.user.is_some() {
                    buf.push_str("//");
                }
                if let Some(u) = &self.user {
                    buf.push_str(&u.to_string());
                    buf.push('@');
                }
                if !self.host.is_empty() {
                    buf.push_str(&escape(&self.host, Mode::Host));
                }
            }
            let path = if self.path == "*" {
                "*".to_string()
            } else {
                escape(&self.path, Mode::Path)
            };
            if !path.is_empty() && !path.starts_with('/') && !self.host.is_empty() {
                buf.push('/');
            }
            if buf.is_empty() {
                let segment = path.split('/').next().unwrap_or_default();
                if segment.contains(':') {
                    buf.push_str("./");
                }
            }
            buf.push_str(&path);
        }
        if self.force_query || !self.raw_query.is_empty() {
            buf.push('?');
            buf.push_str(&self.raw_query);
        }
        if !self.fragment.is_empty() {
            buf.push('#');
            buf.push_str(&escape(&self.fragment, Mode::Fragment));
        }
        f.write_str(&buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_go() {
        assert_eq!(base("a/b/c.txt"), "c.txt");
        assert_eq!(base("a/b/"), "b");
        assert_eq!(base(""), ".");
        assert_eq!(base("//"), "/");
        assert_eq!(dir("a/b/c"), "a/b");
        assert_eq!(dir("c"), ".");
        assert_eq!(dir("/a"), "/");
        assert_eq!(dir("a//b"), "a");
        assert_eq!(dir("a/b/"), "a/b");
        assert_eq!(ext("a.tar.gz"), ".gz");
        assert_eq!(ext("a.b/c"), "");
        assert_eq!(clean("a//b/.."), "a");
        assert_eq!(clean("/../x"), "/x");
        assert_eq!(clean("../../x/./y/"), "../../x/y");
    }

    fn parsed(s: &str) -> String {
        match parse_url(s) {
            Ok(u) => format!(
                "{}|{}|{}|{}|{}|{}",
                u.scheme, u.host, u.path, u.raw_query, u.opaque, u.fragment
            ),
            Err(e) => e,
        }
    }

    #[test]
    fn url_parsing_follows_net_url() {
        assert_eq!(parsed("http://h:80/x?y=1"), "http|h:80|/x|y=1||");
        assert_eq!(parsed("mailto:x@y.z"), "mailto||||x@y.z|");
        assert_eq!(parsed("host:1234"), "host||||1234|");
        assert_eq!(parsed("/rel/path?x"), "||/rel/path|x||");
        assert_eq!(
            parsed("://missing-scheme"),
            "parse \"://missing-scheme\": missing protocol scheme"
        );
        assert_eq!(
            parsed("http://h/%zz"),
            "parse \"http://h/%zz\": invalid URL escape \"%zz\""
        );
        assert_eq!(hostname("h:80"), "h");
        assert_eq!(hostname("[::1]:80"), "::1");
    }

    #[test]
    fn url_string_follows_net_url() {
        let u = Url {
            scheme: "https".into(),
            host: "h.io:8443".into(),
            path: "/a b".into(),
            raw_query: "x=1&y=2".into(),
            fragment: "f".into(),
            user: Some(Userinfo {
                username: "u".into(),
                password: Some("p".into()),
            }),
            ..Url::default()
        };
        assert_eq!(u.to_string(), "https://u:p@h.io:8443/a%20b?x=1&y=2#f");
        let u = Url {
            host: "h".into(),
            ..Url::default()
        };
        assert_eq!(u.to_string(), "//h");
        let u = Url {
            scheme: "mailto".into(),
            opaque: "a@b".into(),
            ..Url::default()
        };
        assert_eq!(u.to_string(), "mailto:a@b");
    }
}
