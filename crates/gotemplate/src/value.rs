//! The Go value model: what a template sees as `.` and what functions pass around.
//!
//! It mirrors the Go types Helm hands to `text/template`: `nil`, `bool`, `int`, `int64`,
//! `float64`, `string`, `[]byte`, slices, `map[string]X` (shared and mutable, as Go maps are)
//! and host objects (structs and pointers with fields and methods, such as `.Capabilities`).
//! Cloning a [`Value`] is cheap: strings, lists and maps are reference counted, so passing `.`
//! to a template never copies data.
//!
//! Formatting (`%v`, `print`) lives in [`crate::fmt`]; this module only knows types and shapes.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::funcs::{FuncError, Signature};

/// A Go value as seen by a template.
#[derive(Clone, Default)]
pub enum Value {
    /// A nil `interface{}`: a missing map key, a `null` inside a list, a nil returned by a
    /// function. Its Go type is `interface {}`; `%v` prints `<nil>`.
    #[default]
    Nil,
    /// Go `bool`.
    Bool(bool),
    /// Go `int` (64-bit). Integer literals in templates are `int`.
    Int(i64),
    /// Go `int64` (what Sprig's math functions return).
    Int64(i64),
    /// Go `float64` (every number read from values.yaml, float literals).
    Float(f64),
    /// Go `string`.
    String(Str),
    /// Go `[]byte` (`%T` prints `[]uint8`).
    Bytes(Arc<[u8]>),
    /// A Go slice.
    List(List),
    /// A Go `map[string]X`.
    Map(Map),
    /// A host object: a Go struct or pointer with fields and methods.
    Object(Arc<dyn Object>),
}

/// Reference-counted immutable string.
pub type Str = Arc<str>;

impl Value {
    /// Builds a Go string value.
    pub fn str(s: impl AsRef<str>) -> Value {
        Value::String(Arc::from(s.as_ref()))
    }

    /// Go's `%T` name of the value's dynamic type (`<nil>` for nil).
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "<nil>".to_string(),
            Value::Bool(_) => "bool".to_string(),
            Value::Int(_) => "int".to_string(),
            Value::Int64(_) => "int64".to_string(),
            Value::Float(_) => "float64".to_string(),
            Value::String(_) => "string".to_string(),
            Value::Bytes(_) => "[]uint8".to_string(),
            Value::List(l) => format!("[]{}", l.elem().type_name()),
            Value::Map(m) => m.kind().type_name(),
            Value::Object(o) => o.type_name(),
        }
    }

    /// Go's `reflect.Kind` name of the value (`kindOf` in Sprig): `int`, `float64`, `slice`,
    /// `map`, `ptr`, `struct`, `string`, `bool`, `invalid` for nil.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Int64(_) => "int64",
            Value::Float(_) => "float64",
            Value::String(_) => "string",
            Value::Bytes(_) | Value::List(_) => "slice",
            Value::Map(_) => "map",
            Value::Object(o) => o.kind_name(),
        }
    }

    /// Go template truthiness (`text/template.IsTrue`): false for nil, `false`, zero numbers,
    /// empty strings, slices and maps; structs are always true.
    pub fn is_true(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) | Value::Int64(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
            Value::Object(o) => o.is_true(),
        }
    }

    /// The string inside a `Value::String`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The map inside a `Value::Map`, or the map view of a map-like host object.
    pub fn as_map(&self) -> Option<Map> {
        match self {
            Value::Map(m) => Some(m.clone()),
            Value::Object(o) => o.as_map(),
            _ => None,
        }
    }

    /// The list inside a `Value::List`.
    pub fn as_list(&self) -> Option<&List> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// True for `Value::Nil`.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::str(s)
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(Arc::from(s))
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}
impl From<List> for Value {
    fn from(l: List) -> Self {
        Value::List(l)
    }
}
impl From<Map> for Value {
    fn from(m: Map) -> Self {
        Value::Map(m)
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => write!(f, "nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Int64(i) => write!(f, "int64({i})"),
            Value::Float(x) => write!(f, "float64({x})"),
            Value::String(s) => write!(f, "{s:?}"),
            Value::Bytes(b) => write!(f, "bytes({b:?})"),
            Value::List(l) => f.debug_list().entries(l.iter()).finish(),
            Value::Map(m) => f.debug_map().entries(m.entries()).finish(),
            Value::Object(o) => write!(f, "<{}>", o.type_name()),
        }
    }
}

/// The element type of a slice, for `%T`, `typeOf` and assignability (`[]string` is not a
/// `[]interface {}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ElemType {
    /// `interface {}`
    #[default]
    Interface,
    /// `string`
    String,
    /// `int`
    Int,
    /// `int64`
    Int64,
    /// `float64`
    Float64,
    /// `bool`
    Bool,
    /// `[]uint8` (for `map[string][]byte` style maps)
    Bytes,
}

impl ElemType {
    /// Go's name of the element type.
    pub fn type_name(self) -> &'static str {
        match self {
            ElemType::Interface => "interface {}",
            ElemType::String => "string",
            ElemType::Int => "int",
            ElemType::Int64 => "int64",
            ElemType::Float64 => "float64",
            ElemType::Bool => "bool",
            ElemType::Bytes => "[]uint8",
        }
    }

    /// Go's zero value of the element type (what a missing map key yields under
    /// `missingkey=zero`, and what `index` returns for a missing key).
    pub fn zero(self) -> Value {
        match self {
            ElemType::Interface => Value::Nil,
            ElemType::String => Value::str(""),
            ElemType::Int => Value::Int(0),
            ElemType::Int64 => Value::Int64(0),
            ElemType::Float64 => Value::Float(0.0),
            ElemType::Bool => Value::Bool(false),
            ElemType::Bytes => Value::Bytes(Arc::from(&[][..])),
        }
    }
}

/// A Go slice: an immutable, reference-counted vector with its element type.
///
/// Sprig's list functions build new slices, so sharing is safe; `Arc::make_mut` in
/// [`List::push`] copies only when the vector is shared.
#[derive(Clone, Default)]
pub struct List {
    elem: ElemType,
    items: Arc<Vec<Value>>,
}

impl List {
    /// A `[]interface {}` holding `items`.
    pub fn new(items: Vec<Value>) -> List {
        List {
            elem: ElemType::Interface,
            items: Arc::new(items),
        }
    }

    /// A slice of the given element type holding `items` (the caller keeps them consistent).
    pub fn typed(elem: ElemType, items: Vec<Value>) -> List {
        List {
            elem,
            items: Arc::new(items),
        }
    }

    /// A `[]string`.
    pub fn strings<I, S>(items: I) -> List
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        List::typed(
            ElemType::String,
            items.into_iter().map(|s| Value::str(s)).collect(),
        )
    }

    /// The element type.
    pub fn elem(&self) -> ElemType {
        self.elem
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Element `i`, if in range.
    pub fn get(&self, i: usize) -> Option<&Value> {
        self.items.get(i)
    }

    /// Iterates over the elements.
    pub fn iter(&self) -> std::slice::Iter<'_, Value> {
        self.items.iter()
    }

    /// The elements as a slice.
    pub fn as_slice(&self) -> &[Value] {
        &self.items
    }

    /// Appends an element (copy-on-write if shared).
    pub fn push(&mut self, v: Value) {
        Arc::make_mut(&mut self.items).push(v);
    }

    /// The elements as an owned vector.
    pub fn to_vec(&self) -> Vec<Value> {
        self.items.as_ref().clone()
    }

    /// True when both lists share the same storage.
    pub fn ptr_eq(&self, other: &List) -> bool {
        Arc::ptr_eq(&self.items, &other.items)
    }
}

impl FromIterator<Value> for List {
    fn from_iter<T: IntoIterator<Item = Value>>(iter: T) -> Self {
        List::new(iter.into_iter().collect())
    }
}

/// The Go type of a map, for `%T`, `typeOf`, assignability and zero values.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum MapKind {
    /// `map[string]interface {}`
    #[default]
    Generic,
    /// A named type whose underlying type is `map[string]interface {}` (Helm's
    /// `common.Values`): assignable to `map[string]interface {}` parameters, but a Go type
    /// assertion to `map[string]interface {}` fails on it.
    Named(Str),
    /// `map[string]T` for a concrete element type (`map[string]string` from `split`).
    Typed(ElemType),
}

impl MapKind {
    /// Go's `%T` name.
    pub fn type_name(&self) -> String {
        match self {
            MapKind::Generic => "map[string]interface {}".to_string(),
            MapKind::Named(n) => n.to_string(),
            MapKind::Typed(e) => format!("map[string]{}", e.type_name()),
        }
    }

    /// Element type of the map.
    pub fn elem(&self) -> ElemType {
        match self {
            MapKind::Generic | MapKind::Named(_) => ElemType::Interface,
            MapKind::Typed(e) => *e,
        }
    }

    /// True when a value of this map type can be passed where Go expects
    /// `map[string]interface {}` (the unnamed type itself, or a named type over it).
    pub fn assignable_to_generic(&self) -> bool {
        matches!(self, MapKind::Generic | MapKind::Named(_))
    }
}

/// Maps up to this size are searched linearly by [`Map::get`].
const SMALL_MAP: usize = 8;

/// A Go `map[string]X`: shared and mutable. Every clone refers to the same map, so a function
/// that sets a key (`set`, `unset`, `merge`) is seen by every holder, as in Go.
///
/// Keys are kept sorted, which is the order Go's `range` and `fmt` use for string keys.
/// Borrows never escape the methods, so a template may modify a map while ranging over a
/// snapshot of it without any risk of a lock conflict.
#[derive(Clone, Default)]
pub struct Map {
    kind: MapKind,
    inner: Arc<RwLock<BTreeMap<Str, Value>>>,
    /// A Go nil map (`var m map[string]string`): reads like an empty map, but encodes as JSON
    /// `null` (Helm's `.Chart.Annotations` when `Chart.yaml` has none).
    nil: bool,
}

impl Map {
    /// A new empty `map[string]interface {}`.
    pub fn new() -> Map {
        Map::default()
    }

    /// A new empty map of the given Go type.
    pub fn with_kind(kind: MapKind) -> Map {
        Map {
            kind,
            inner: Arc::default(),
            nil: false,
        }
    }

    /// A Go nil map of the given type: empty, and `null` when encoded.
    pub fn nil_of(kind: MapKind) -> Map {
        Map {
            kind,
            inner: Arc::default(),
            nil: true,
        }
    }

    /// True for a Go nil map that nothing has been stored in.
    pub fn is_nil(&self) -> bool {
        self.nil && self.is_empty()
    }

    /// A map of the given Go type holding `entries`.
    pub fn from_entries<I, K>(kind: MapKind, entries: I) -> Map
    where
        I: IntoIterator<Item = (K, Value)>,
        K: AsRef<str>,
    {
        let tree = entries
            .into_iter()
            .map(|(k, v)| (Arc::from(k.as_ref()), v))
            .collect();
        Map {
            kind,
            inner: Arc::new(RwLock::new(tree)),
            nil: false,
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, BTreeMap<Str, Value>> {
        // A poisoned lock only means another thread panicked mid-write; the map itself is
        // still a valid tree, so keep going rather than propagate the panic.
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, BTreeMap<Str, Value>> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The map's Go type.
    pub fn kind(&self) -> &MapKind {
        &self.kind
    }

    /// The same map (shared storage) seen as another Go type, e.g. `common.Values`.
    pub fn retyped(&self, kind: MapKind) -> Map {
        Map {
            kind,
            inner: Arc::clone(&self.inner),
            nil: self.nil,
        }
    }

    /// Value stored under `key`.
    pub fn get(&self, key: &str) -> Option<Value> {
        let m = self.read();
        // Small maps (`.Release`, `.Chart`, most values sub-maps) are one B-tree leaf, which
        // `get` searches with a full string comparison per key; comparing lengths first
        // skips almost all of those.
        if m.len() <= SMALL_MAP {
            return m
                .iter()
                .find(|(k, _)| k.len() == key.len() && k.as_bytes() == key.as_bytes())
                .map(|(_, v)| v.clone());
        }
        m.get(key).cloned()
    }

    /// True when `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.read().contains_key(key)
    }

    /// Sets `key` to `value`, visible to every holder of this map.
    pub fn insert(&self, key: impl AsRef<str>, value: Value) {
        self.write().insert(Arc::from(key.as_ref()), value);
    }

    /// Removes `key`, returning its value.
    pub fn remove(&self, key: &str) -> Option<Value> {
        self.write().remove(key)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// The keys in Go's sorted order.
    pub fn keys(&self) -> Vec<Str> {
        self.read().keys().cloned().collect()
    }

    /// A snapshot of the entries in sorted key order.
    pub fn entries(&self) -> Vec<(Str, Value)> {
        self.read()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// A new map with the same type and a shallow copy of the entries.
    pub fn shallow_copy(&self) -> Map {
        Map {
            kind: self.kind.clone(),
            inner: Arc::new(RwLock::new(self.read().clone())),
            nil: self.nil,
        }
    }

    /// True when both handles refer to the same Go map.
    pub fn ptr_eq(&self, other: &Map) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.entries()).finish()
    }
}

impl fmt::Debug for List {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// What a field lookup on a host object found.
pub enum FieldLookup {
    /// A struct field (or map entry) with this value.
    Found(Value),
    /// The object is map-like and has no such key: the executor applies `missingkey`.
    MissingKey,
    /// No field or key of that name: "can't evaluate field X in type T".
    NoField,
}

/// A host object: a Go struct, pointer or named type with fields and methods, implemented
/// in Rust (`.Capabilities`, `.Files`, `time.Time`, `*semver.Version`, ...).
///
/// Go's field evaluation order is kept by the executor: a method of that name first, then a
/// field, then (for map-like objects) a key.
pub trait Object: Send + Sync {
    /// Go's `%T` name, e.g. `*common.Capabilities`, `time.Time`.
    fn type_name(&self) -> String;

    /// Go's reflect kind name (`struct`, `ptr`, `map`, ...), for Sprig's `kindOf`.
    fn kind_name(&self) -> &'static str {
        "struct"
    }

    /// The signature of method `name`, if the object has one. Methods are called with the
    /// remaining arguments of the command (`.Capabilities.APIVersions.Has "apps/v1"`).
    fn method(&self, name: &str) -> Option<Signature> {
        let _ = name;
        None
    }

    /// Calls method `name` (only called when [`Object::method`] returned a signature, with
    /// arguments already converted to it).
    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, FuncError> {
        let _ = args;
        Err(FuncError::msg(format!("no method {name}")))
    }

    /// Looks up a field (or a key, for map-like objects).
    fn field(&self, name: &str) -> FieldLookup {
        let _ = name;
        FieldLookup::NoField
    }

    /// Go's `%v` rendering (e.g. `{1 2}` for a struct, a time's `String()` method).
    fn format_v(&self) -> String;

    /// Go's `%+v`/`%#v` are rare in charts; default to `%v`.
    fn format_sharp_v(&self) -> String {
        self.format_v()
    }

    /// Template truthiness: structs are always true, nil pointers false.
    fn is_true(&self) -> bool {
        true
    }

    /// For map-like objects (Helm's `engine.files`): the entries as a map, so `range`,
    /// `index` and `len` work on them.
    fn as_map(&self) -> Option<Map> {
        None
    }

    /// For slice-like objects (Helm's `common.VersionSet`, a `[]string` with a `Has` method):
    /// the elements, so `range`, `index` and `len` work on them.
    fn as_list(&self) -> Option<List> {
        None
    }

    /// For objects whose methods return strings to `fmt` (Go's `Stringer`), `%s`/`%v` use this.
    fn as_stringer(&self) -> Option<String> {
        None
    }

    /// Equality for `eq` (Go compares comparable structs field by field).
    fn equals(&self, other: &dyn Object) -> Option<bool> {
        let _ = other;
        None
    }

    /// Downcasting hook for host code that needs its concrete type back.
    fn as_any(&self) -> &dyn std::any::Any;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nil_map_stays_nil_only_while_empty() {
        let m = Map::nil_of(MapKind::Generic);
        assert!(m.is_nil());
        assert!(m.clone().is_nil() && m.retyped(MapKind::Generic).is_nil());
        assert!(!Map::new().is_nil());
        m.insert("a", Value::Bool(true));
        assert!(!m.is_nil());
    }

    #[test]
    fn get_finds_keys_in_small_and_large_maps() {
        for n in [0usize, 1, SMALL_MAP, SMALL_MAP + 1, 40] {
            let m = Map::new();
            for i in 0..n {
                m.insert(format!("k{i}"), Value::Int(i as i64));
            }
            for i in 0..n {
                assert!(
                    matches!(m.get(&format!("k{i}")), Some(Value::Int(v)) if v == i as i64),
                    "{n} {i}"
                );
            }
            assert!(m.get("k").is_none() && m.get("k00").is_none() && m.get("").is_none());
        }
    }

    #[test]
    fn maps_are_shared_between_clones() {
        let m = Map::new();
        let alias = m.clone();
        alias.insert("k", Value::Int(1));
        assert!(matches!(m.get("k"), Some(Value::Int(1))));
        assert!(m.ptr_eq(&alias));
        let copy = m.shallow_copy();
        copy.insert("j", Value::Bool(true));
        assert!(!m.contains_key("j"));
    }

    #[test]
    fn map_keys_sort_bytewise_like_go() {
        let m = Map::from_entries(
            MapKind::Generic,
            [
                ("b", Value::Nil),
                ("B", Value::Nil),
                ("a", Value::Nil),
                ("_", Value::Nil),
            ],
        );
        let keys: Vec<String> = m.keys().iter().map(|k| k.to_string()).collect();
        assert_eq!(keys, ["B", "_", "a", "b"]);
    }

    #[test]
    fn type_names_match_go() {
        assert_eq!(Value::Nil.type_name(), "<nil>");
        assert_eq!(Value::Int64(1).type_name(), "int64");
        assert_eq!(Value::List(List::strings(["a"])).type_name(), "[]string");
        assert_eq!(Value::List(List::new(vec![])).type_name(), "[]interface {}");
        assert_eq!(
            Value::Map(Map::with_kind(MapKind::Named(Arc::from("common.Values")))).type_name(),
            "common.Values"
        );
        assert_eq!(
            Value::Map(Map::with_kind(MapKind::Typed(ElemType::String))).type_name(),
            "map[string]string"
        );
        assert_eq!(Value::Bytes(Arc::from(&b"x"[..])).type_name(), "[]uint8");
    }

    #[test]
    fn truthiness_follows_go() {
        assert!(!Value::Nil.is_true());
        assert!(!Value::Float(0.0).is_true());
        assert!(Value::Float(0.5).is_true());
        assert!(!Value::str("").is_true());
        assert!(!Value::List(List::default()).is_true());
        assert!(!Value::Map(Map::new()).is_true());
        assert!(Value::Int64(-1).is_true());
    }
}
