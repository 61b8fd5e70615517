//! Sprig's `semver` and `semverCompare`, with Masterminds/semver v3 semantics: the coercing
//! `NewVersion` parser, the `*semver.Version` host object with its methods, and constraint
//! checking (`>=1.2 <2`, `~1.2`, `^1.2`, `1.2.x`, `||`, hyphen ranges). A pre-release version
//! only satisfies an OR-group in which some constraint itself names a pre-release.
//!
//! The library matches versions and constraints with Go regular expressions; they are run here
//! through [`super::regex`], which has Go's matching semantics, so the accepted syntax is the
//! library's exactly.

use std::any::Any;
use std::sync::Arc;

use gotemplate::{ArgType, FieldLookup, FuncError, FuncMap, Object, Signature, Value};

use super::encoding::arg_str;
use super::regex::{all_matches, compile, strconv_quote, GoRegex};

const ERR_INVALID_SEMVER: &str = "invalid semantic version";
const ERR_SEGMENT_STARTS_ZERO: &str = "version segment starts with 0";
const ERR_INVALID_METADATA: &str = "invalid metadata string";
const ERR_INVALID_PRERELEASE: &str = "invalid prerelease string";

const LOOSE_SEMVER: &str = r"v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
const CV: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";

/// Registers this family's functions.
pub fn register(m: &mut FuncMap) {
    m.add("semver", Signature::fixed(&[ArgType::String]), |_, a| {
        let v = Version::parse(arg_str(a, 0)).map_err(FuncError::msg)?;
        Ok(v.into_value(false))
    });
    m.add(
        "semverCompare",
        Signature::fixed(&[ArgType::String, ArgType::String]),
        |_, a| {
            let c = Constraints::parse(arg_str(a, 0)).map_err(FuncError::msg)?;
            let v = Version::parse(arg_str(a, 1)).map_err(FuncError::msg)?;
            Ok(Value::Bool(c.check(&v)))
        },
    );
}

fn go_regex(pattern: &str) -> Result<Arc<GoRegex>, String> {
    compile(pattern).map_err(|e| format!("internal regexp error: {e}"))
}

/// Submatches of the leftmost match (Go's `FindStringSubmatch`; absent groups are "").
fn submatch(re: &GoRegex, s: &str) -> Option<Vec<String>> {
    let caps = re.re.captures(s)?;
    Some(
        caps.iter()
            .map(|m| m.map_or(String::new(), |m| m.as_str().to_string()))
            .collect(),
    )
}

/// A parsed semantic version (`*semver.Version`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
    metadata: String,
    original: String,
}

fn parse_segment(s: &str) -> Result<u64, String> {
    s.parse::<u64>().map_err(|_| {
        format!(
            "error parsing version segment: strconv.ParseUint: parsing {}: value out of range",
            strconv_quote(s)
        )
    })
}

fn only(s: &str, allowed: impl Fn(u8) -> bool) -> bool {
    s.bytes().all(allowed)
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-'
}

fn validate_prerelease(p: &str) -> Result<(), String> {
    for part in p.split('.') {
        if part.is_empty() {
            return Err(ERR_INVALID_PRERELEASE.into());
        } else if only(part, |c| c.is_ascii_digit()) {
            if part.len() > 1 && part.starts_with('0') {
                return Err(ERR_SEGMENT_STARTS_ZERO.into());
            }
        } else if !only(part, is_ident_byte) {
            return Err(ERR_INVALID_PRERELEASE.into());
        }
    }
    Ok(())
}

fn validate_metadata(m: &str) -> Result<(), String> {
    for part in m.split('.') {
        if part.is_empty() || !only(part, is_ident_byte) {
            return Err(ERR_INVALID_METADATA.into());
        }
    }
    Ok(())
}

impl Version {
    /// Masterminds' `NewVersion` (coercing: `v1.2` is 1.2.0, leading zeros allowed).
    pub fn parse(v: &str) -> Result<Version, String> {
        use std::collections::HashMap;
        use std::sync::{Mutex, OnceLock};
        type Cache = Mutex<HashMap<String, Result<Version, String>>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        if !crate::content_cache::process_caches() {
            return Self::parse_uncached(v);
        }
        let cache = CACHE.get_or_init(Mutex::default);
        if let Some(hit) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(v) {
            return hit.clone();
        }
        let parsed = Self::parse_uncached(v);
        let mut guard = cache.lock().unwrap_or_else(|e| e.into_inner());
        if guard.len() >= CONSTRAINT_CACHE_SIZE {
            guard.clear();
        }
        guard.insert(v.to_string(), parsed.clone());
        parsed
    }

    /// [`Version::parse`] without its cache (the same texts recur in every render).
    fn parse_uncached(v: &str) -> Result<Version, String> {
        let re = go_regex(&format!("^{LOOSE_SEMVER}$"))?;
        let m = submatch(&re, v).ok_or_else(|| ERR_INVALID_SEMVER.to_string())?;
        let g = |i: usize| m.get(i).map(String::as_str).unwrap_or("");
        let major = parse_segment(g(1))?;
        let minor = match g(2) {
            "" => 0,
            s => parse_segment(s.trim_start_matches('.'))?,
        };
        let patch = match g(3) {
            "" => 0,
            s => parse_segment(s.trim_start_matches('.'))?,
        };
        let pre = g(5).to_string();
        let metadata = g(8).to_string();
        if !pre.is_empty() {
            validate_prerelease(&pre)?;
        }
        if !metadata.is_empty() {
            validate_metadata(&metadata)?;
        }
        Ok(Version {
            major,
            minor,
            patch,
            pre,
            metadata,
            original: v.to_string(),
        })
    }

    fn zero() -> Version {
        Version {
            major: 0,
            minor: 0,
            patch: 0,
            pre: String::new(),
            metadata: String::new(),
            original: "0.0.0".into(),
        }
    }

    fn into_value(self, by_value: bool) -> Value {
        Value::Object(Arc::new(VersionObject { v: self, by_value }))
    }

    fn v_prefix(&self) -> &'static str {
        if self.original.starts_with('v') {
            "v"
        } else {
            ""
        }
    }

    /// Masterminds' `Compare`: -1, 0 or 1; metadata is ignored.
    pub fn compare(&self, o: &Version) -> i64 {
        let seg = self
            .major
            .cmp(&o.major)
            .then(self.minor.cmp(&o.minor))
            .then(self.patch.cmp(&o.patch));
        if seg != std::cmp::Ordering::Equal {
            return seg as i64;
        }
        match (self.pre.is_empty(), o.pre.is_empty()) {
            (true, true) => 0,
            (true, false) => 1,
            (false, true) => -1,
            (false, false) => compare_prerelease(&self.pre, &o.pre),
        }
    }

    fn with_original(mut self, prefix: &str) -> Version {
        self.original = format!("{prefix}{self}");
        self
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.metadata.is_empty() {
            write!(f, "+{}", self.metadata)?;
        }
        Ok(())
    }
}

fn compare_prerelease(v: &str, o: &str) -> i64 {
    let sp: Vec<&str> = v.split('.').collect();
    let op: Vec<&str> = o.split('.').collect();
    for i in 0..sp.len().max(op.len()) {
        let d = compare_pre_part(
            sp.get(i).copied().unwrap_or(""),
            op.get(i).copied().unwrap_or(""),
        );
        if d != 0 {
            return d;
        }
    }
    0
}

fn compare_pre_part(s: &str, o: &str) -> i64 {
    if s == o {
        return 0;
    }
    if s.is_empty() {
        return -1;
    }
    if o.is_empty() {
        return 1;
    }
    match (s.parse::<u64>(), o.parse::<u64>()) {
        (Err(_), Err(_)) => {
            if s > o {
                1
            } else {
                -1
            }
        }
        (_, Err(_)) => -1,
        (Err(_), _) => 1,
        (Ok(si), Ok(oi)) => {
            if si > oi {
                1
            } else {
                -1
            }
        }
    }
}

/// `*semver.Version` (or `semver.Version` for the values returned by `IncMajor` & co., whose
/// method set lacks the pointer-receiver methods).
struct VersionObject {
    v: Version,
    by_value: bool,
}

const POINTER_METHODS: &[&str] = &[
    "Original",
    "LessThan",
    "LessThanEqual",
    "GreaterThan",
    "GreaterThanEqual",
    "Equal",
    "Compare",
];

fn other_version(args: &[Value]) -> Result<Version, FuncError> {
    match args.first() {
        Some(Value::Object(o)) => o
            .as_any()
            .downcast_ref::<VersionObject>()
            .filter(|vo| !vo.by_value)
            .map(|vo| vo.v.clone())
            .ok_or_else(|| {
                FuncError::msg(format!(
                    "wrong type for value; expected *semver.Version; got {}",
                    o.type_name()
                ))
            }),
        Some(v) => Err(FuncError::msg(format!(
            "wrong type for value; expected *semver.Version; got {}",
            v.type_name()
        ))),
        None => Err(FuncError::msg("missing argument")),
    }
}

impl Object for VersionObject {
    fn type_name(&self) -> String {
        if self.by_value {
            "semver.Version".into()
        } else {
            "*semver.Version".into()
        }
    }

    fn kind_name(&self) -> &'static str {
        if self.by_value {
            "struct"
        } else {
            "ptr"
        }
    }

    fn method(&self, name: &str) -> Option<Signature> {
        if self.by_value && POINTER_METHODS.contains(&name) {
            return None;
        }
        match name {
            "Major" | "Minor" | "Patch" | "Prerelease" | "Metadata" | "Original" | "String"
            | "IncMajor" | "IncMinor" | "IncPatch" => Some(Signature::fixed(&[])),
            "LessThan" | "LessThanEqual" | "GreaterThan" | "GreaterThanEqual" | "Equal"
            | "Compare" => Some(Signature::fixed(&[ArgType::Any])),
            "SetPrerelease" | "SetMetadata" => Some(Signature::fixed(&[ArgType::String])),
            _ => None,
        }
    }

    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, FuncError> {
        let v = &self.v;
        let prefix = v.v_prefix();
        Ok(match name {
            "Major" => Value::Int64(v.major as i64),
            "Minor" => Value::Int64(v.minor as i64),
            "Patch" => Value::Int64(v.patch as i64),
            "Prerelease" => Value::from(v.pre.as_str()),
            "Metadata" => Value::from(v.metadata.as_str()),
            "Original" => Value::from(v.original.as_str()),
            "String" => Value::from(v.to_string()),
            "Compare" => Value::Int(v.compare(&other_version(args)?)),
            "LessThan" => Value::Bool(v.compare(&other_version(args)?) < 0),
            "LessThanEqual" => Value::Bool(v.compare(&other_version(args)?) <= 0),
            "GreaterThan" => Value::Bool(v.compare(&other_version(args)?) > 0),
            "GreaterThanEqual" => Value::Bool(v.compare(&other_version(args)?) >= 0),
            "Equal" => Value::Bool(v.compare(&other_version(args)?) == 0),
            "IncPatch" => {
                let mut n = v.clone();
                if v.pre.is_empty() {
                    n.patch = v.patch.checked_add(1).ok_or_else(|| {
                        FuncError::msg("patch version increment would overflow uint64")
                    })?;
                }
                n.pre.clear();
                n.metadata.clear();
                n.with_original(prefix).into_value(true)
            }
            "IncMinor" => {
                let mut n = v.clone();
                n.minor = v.minor.checked_add(1).ok_or_else(|| {
                    FuncError::msg("minor version increment would overflow uint64")
                })?;
                n.patch = 0;
                n.pre.clear();
                n.metadata.clear();
                n.with_original(prefix).into_value(true)
            }
            "IncMajor" => {
                let mut n = v.clone();
                n.major = v.major.checked_add(1).ok_or_else(|| {
                    FuncError::msg("major version increment would overflow uint64")
                })?;
                n.minor = 0;
                n.patch = 0;
                n.pre.clear();
                n.metadata.clear();
                n.with_original(prefix).into_value(true)
            }
            "SetPrerelease" | "SetMetadata" => {
                let s = arg_str(args, 0);
                let mut n = v.clone();
                if name == "SetPrerelease" {
                    if !s.is_empty() {
                        validate_prerelease(s).map_err(FuncError::msg)?;
                    }
                    n.pre = s.to_string();
                } else {
                    if !s.is_empty() {
                        validate_metadata(s).map_err(FuncError::msg)?;
                    }
                    n.metadata = s.to_string();
                }
                n.with_original(prefix).into_value(true)
            }
            _ => return Err(FuncError::msg(format!("no method {name}"))),
        })
    }

    fn field(&self, _name: &str) -> FieldLookup {
        FieldLookup::NoField
    }

    fn format_v(&self) -> String {
        self.v.to_string()
    }

    fn as_stringer(&self) -> Option<String> {
        Some(self.v.to_string())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// One constraint of a group (`>=1.2`, `~1.x`).
#[derive(Debug, Clone)]
struct Constraint {
    con: Version,
    op: String,
    minor_dirty: bool,
    dirty: bool,
    patch_dirty: bool,
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "*" | "X")
}

/// Masterminds' `Constraints`: OR-groups of AND-ed constraints.
#[derive(Debug, Clone)]
pub struct Constraints {
    groups: Vec<(Vec<Constraint>, bool)>,
}

/// Parsed constraints (and versions) kept by [`Constraints::parse`] ([`Version::parse`])
/// before the cache is emptied.
const CONSTRAINT_CACHE_SIZE: usize = 256;

impl Constraints {
    /// Masterminds' `NewConstraint`, through a process-wide cache: charts check the same few
    /// constraints (`semverCompare ">=1.21-0" .Capabilities.KubeVersion.Version`) many times
    /// per render, and parsing goes through several large regular expressions.
    pub fn parse(c: &str) -> Result<Constraints, String> {
        use std::collections::HashMap;
        use std::sync::{Mutex, OnceLock};
        type Cache = Mutex<HashMap<String, Result<Constraints, String>>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        if !crate::content_cache::process_caches() {
            return Self::parse_uncached(c);
        }
        let cache = CACHE.get_or_init(Mutex::default);
        if let Some(hit) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(c) {
            return hit.clone();
        }
        let parsed = Self::parse_uncached(c);
        let mut guard = cache.lock().unwrap_or_else(|e| e.into_inner());
        if guard.len() >= CONSTRAINT_CACHE_SIZE {
            guard.clear();
        }
        guard.insert(c.to_string(), parsed.clone());
        parsed
    }

    fn parse_uncached(c: &str) -> Result<Constraints, String> {
        let c = rewrite_range(c)?;
        let valid = go_regex(&format!(
            r"^(\s*({OPS})\s*({CV})\s*)((?:\s+|,\s*)({OPS})\s*({CV})\s*)*$"
        ))?;
        let find = go_regex(&format!(r"({OPS})\s*({CV})"))?;
        let mut groups = Vec::new();
        for part in c.split("||") {
            if !valid.is_match(part) {
                return Err(format!("improper constraint: {}", strconv_quote(part)));
            }
            let mut found: Vec<String> = all_matches(&find, part, -1)
                .iter()
                .filter_map(|c| c.get(0).map(|m| m.as_str().to_string()))
                .collect();
            if found.is_empty() {
                found.push(part.to_string());
            }
            let mut has_pre = false;
            let mut cs = Vec::new();
            for s in &found {
                let pc = parse_constraint(s)?;
                if !pc.con.pre.is_empty() {
                    has_pre = true;
                }
                cs.push(pc);
            }
            groups.push((cs, has_pre));
        }
        Ok(Constraints { groups })
    }

    /// Masterminds' `Check`.
    pub fn check(&self, v: &Version) -> bool {
        self.groups
            .iter()
            .any(|(cs, pre)| cs.iter().all(|c| check_one(c, v, *pre)))
    }
}

fn rewrite_range(i: &str) -> Result<String, String> {
    let re = go_regex(&format!(r"\s*({CV})\s+-\s+({CV})\s*"))?;
    let mut out = i.to_string();
    for caps in all_matches(&re, i, -1) {
        let g = |n: usize| caps.get(n).map_or("", |m| m.as_str());
        let t = format!(">= {}, <= {} ", g(1), g(11));
        out = out.replacen(g(0), &t, 1);
    }
    Ok(out)
}

fn parse_constraint(c: &str) -> Result<Constraint, String> {
    if c.is_empty() {
        return Ok(Constraint {
            con: Version::zero(),
            op: String::new(),
            minor_dirty: false,
            patch_dirty: false,
            dirty: true,
        });
    }
    let re = go_regex(&format!(r"^\s*({OPS})\s*({CV})\s*$"))?;
    let m = submatch(&re, c).ok_or_else(|| format!("improper constraint: {}", strconv_quote(c)))?;
    let g = |i: usize| m.get(i).map(String::as_str).unwrap_or("");
    let (mut minor_dirty, mut patch_dirty, mut dirty) = (false, false, false);
    let ver = if is_x(g(3)) || g(3).is_empty() {
        dirty = true;
        format!("0.0.0{}", g(6))
    } else if is_x(g(4).trim_start_matches('.')) || g(4).is_empty() {
        minor_dirty = true;
        dirty = true;
        format!("{}.0.0{}", g(3), g(6))
    } else if is_x(g(5).trim_start_matches('.')) || g(5).is_empty() {
        dirty = true;
        patch_dirty = true;
        format!("{}{}.0{}", g(3), g(4), g(6))
    } else {
        g(2).to_string()
    };
    let con = Version::parse(&ver).map_err(|_| "constraint parser error".to_string())?;
    Ok(Constraint {
        con,
        op: g(1).to_string(),
        minor_dirty,
        dirty,
        patch_dirty,
    })
}

fn check_one(c: &Constraint, v: &Version, include_pre: bool) -> bool {
    if !v.pre.is_empty() && !include_pre {
        return false;
    }
    match c.op.as_str() {
        "" | "=" => {
            if c.dirty {
                tilde(c, v)
            } else {
                v.compare(&c.con) == 0
            }
        }
        "!=" => not_equal(c, v),
        ">" => greater_than(c, v),
        "<" => v.compare(&c.con) < 0,
        ">=" | "=>" => v.compare(&c.con) >= 0,
        "<=" | "=<" => less_than_equal(c, v),
        "~" | "~>" => tilde(c, v),
        "^" => caret(c, v),
        _ => false,
    }
}

fn not_equal(c: &Constraint, v: &Version) -> bool {
    if c.dirty {
        if c.con.major != v.major {
            return true;
        }
        if c.con.minor != v.minor && !c.minor_dirty {
            return true;
        } else if c.minor_dirty {
            return false;
        } else if c.con.patch != v.patch && !c.patch_dirty {
            return true;
        } else if c.patch_dirty {
            if !v.pre.is_empty() || !c.con.pre.is_empty() {
                return compare_prerelease(&v.pre, &c.con.pre) != 0;
            }
            return false;
        }
    }
    v.compare(&c.con) != 0
}

fn greater_than(c: &Constraint, v: &Version) -> bool {
    if !c.dirty {
        return v.compare(&c.con) == 1;
    }
    if v.major > c.con.major {
        true
    } else if v.major < c.con.major || c.minor_dirty {
        false
    } else if c.patch_dirty {
        v.minor > c.con.minor
    } else {
        v.compare(&c.con) == 1
    }
}

fn less_than_equal(c: &Constraint, v: &Version) -> bool {
    if !c.dirty {
        return v.compare(&c.con) <= 0;
    }
    if v.major > c.con.major {
        return false;
    }
    !(v.major == c.con.major && v.minor > c.con.minor && !c.minor_dirty)
}

fn tilde(c: &Constraint, v: &Version) -> bool {
    if v.compare(&c.con) < 0 {
        return false;
    }
    if c.con.major == 0 && c.con.minor == 0 && c.con.patch == 0 && !c.minor_dirty && !c.patch_dirty
    {
        return true;
    }
    if v.major != c.con.major {
        return false;
    }
    v.minor == c.con.minor || c.minor_dirty
}

fn caret(c: &Constraint, v: &Version) -> bool {
    if v.compare(&c.con) < 0 {
        return false;
    }
    if c.con.major > 0 || c.minor_dirty {
        return v.major == c.con.major;
    }
    if v.major > 0 {
        return false;
    }
    if c.con.minor > 0 || c.patch_dirty {
        return v.minor == c.con.minor;
    }
    if v.minor > 0 {
        return false;
    }
    c.con.patch == v.patch
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(c: &str, v: &str) -> bool {
        Constraints::parse(c)
            .unwrap()
            .check(&Version::parse(v).unwrap())
    }

    #[test]
    fn parses_and_coerces() {
        let v = Version::parse("1.2.3-beta.1+build.5").unwrap();
        assert_eq!((v.major, v.minor, v.patch), (1, 2, 3));
        assert_eq!(v.pre, "beta.1");
        assert_eq!(v.metadata, "build.5");
        assert_eq!(Version::parse("v1.2").unwrap().to_string(), "1.2.0");
        assert_eq!(Version::parse("1").unwrap().to_string(), "1.0.0");
        assert_eq!(Version::parse("1.2.3.0").unwrap_err(), ERR_INVALID_SEMVER);
        assert_eq!(Version::parse("x.y").unwrap_err(), ERR_INVALID_SEMVER);
        assert_eq!(
            Version::parse("1.2.3-01").unwrap_err(),
            ERR_SEGMENT_STARTS_ZERO
        );
    }

    #[test]
    fn compares() {
        let a = Version::parse("1.0.0").unwrap();
        assert_eq!(a.compare(&Version::parse("1.0.0-rc1").unwrap()), 1);
        assert_eq!(
            Version::parse("1.0.0-alpha.2")
                .unwrap()
                .compare(&Version::parse("1.0.0-alpha.10").unwrap()),
            -1
        );
        assert_eq!(a.compare(&Version::parse("v1.0.0+x").unwrap()), 0);
    }

    #[test]
    fn constraints_match_masterminds() {
        assert!(cmp(">=1.2.0", "1.3.0"));
        assert!(!cmp("<1.2.0", "1.3.0"));
        assert!(cmp("=1.2.3", "1.2.3+build"));
        assert!(!cmp(">1.2.3", "1.2.3+build"));
        assert!(cmp("^1.2.0", "1.9.9"));
        assert!(!cmp("^1.2.0", "2.0.0"));
        assert!(cmp("~1.2.0", "1.2.9"));
        assert!(!cmp("~1.2.0", "1.3.0"));
        assert!(!cmp("^0.2.3", "0.3.0"));
        assert!(cmp("~1", "1.9.0"));
        assert!(cmp(">1.0 <2.0", "1.5.0"));
        assert!(!cmp(">=1.0, <2.0", "2.0.0"));
        assert!(cmp("1.x || >=3.0", "3.1.0"));
        assert!(cmp("1.2.3 - 1.4.5", "1.4.0"));
        assert!(!cmp("1.2.3 - 1.4.5", "1.4.6"));
        assert!(cmp(">=1.21-0", "1.22.0-rc.1"));
        assert!(!cmp(">=1.21", "1.22.0-rc.1"));
        assert!(cmp(">=1.21.0-0", "v1.21.0-gke.1"));
        assert!(cmp("<1.22-0", "1.21.5-eks-abc"));
        assert!(cmp(">=1.19-0 <1.22-0", "v1.20.15-gke.300"));
        assert!(!cmp("<1.25.0-0", "v1.36.0"));
        assert!(cmp(">= 1.23", "1.23"));
    }

    #[test]
    fn constraint_errors() {
        assert_eq!(
            Constraints::parse("bad constraint").unwrap_err(),
            "improper constraint: \"bad constraint\""
        );
    }
}
