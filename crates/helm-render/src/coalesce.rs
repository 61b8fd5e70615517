//! Values coalescing, as Helm's `pkg/chart/common/util/coalesce.go`: user-supplied values over
//! the chart's defaults, recursively into subcharts (each subchart gets the table named after
//! it, plus `global`).
//!
//! Two modes, as Helm: *coalesce* (a `null` deletes a key, also the chart's default, and nulls
//! in defaults are dropped) and *merge* (nulls are kept; used for import-values).
//! Type conflicts (a table over a scalar) keep the destination and are otherwise ignored, as
//! Helm only logs them.

use gotemplate::{List, Map, MapKind, Value};

use crate::chart::Chart;

/// Deep copy of a values tree (maps and lists are new; scalars shared).
pub fn deep_copy(v: &Value) -> Value {
    match v {
        Value::Map(m) => Value::Map(deep_copy_map(m)),
        Value::List(l) => Value::List(List::typed(l.elem(), l.iter().map(deep_copy).collect())),
        other => other.clone(),
    }
}

/// Deep copy of a map, keeping its Go type. The entries are cloned in one go (keys and
/// scalars are shared, immutable) and only nested maps and lists are replaced by copies.
pub fn deep_copy_map(m: &Map) -> Map {
    let out = m.shallow_copy();
    for (k, v) in m.entries() {
        if matches!(v, Value::Map(_) | Value::List(_)) {
            out.insert(&*k, deep_copy(&v));
        }
    }
    out
}

/// A `map[string]interface{}` in Go terms (Helm's `istable`). Named map types such as
/// `common.Values` are not tables for a Go type assertion.
pub fn table(v: &Value) -> Option<Map> {
    match v {
        Value::Map(m) if matches!(m.kind(), MapKind::Generic) => Some(m.clone()),
        _ => None,
    }
}

/// Helm's `CoalesceValues`: a deep copy of `user` coalesced with the chart's defaults.
/// The error is a type mismatch on a subchart's table.
pub fn coalesce_values(chart: &Chart, user: &Map) -> Result<Map, String> {
    let dest = deep_copy_map(user).retyped(MapKind::Generic);
    coalesce(chart, &dest, "", false)?;
    Ok(dest)
}

/// Helm's `MergeValues`: like [`coalesce_values`] but keeping nulls.
pub fn merge_values(chart: &Chart, user: &Map) -> Result<Map, String> {
    let dest = deep_copy_map(user).retyped(MapKind::Generic);
    coalesce(chart, &dest, "", true)?;
    Ok(dest)
}

fn concat_prefix(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}.{b}")
    }
}

fn coalesce(chart: &Chart, dest: &Map, prefix: &str, merge: bool) -> Result<(), String> {
    coalesce_chart_values(chart, dest, prefix, merge);
    coalesce_deps(chart, dest, prefix, merge)
}

fn coalesce_deps(chart: &Chart, dest: &Map, prefix: &str, merge: bool) -> Result<(), String> {
    for sub in &chart.dependencies {
        let name = sub.name();
        let dv = match dest.get(name) {
            None => {
                let m = Map::new();
                dest.insert(name, Value::Map(m.clone()));
                m
            }
            Some(v) => match table(&v) {
                Some(m) => m,
                None => return Err(format!("type mismatch on {name}: %!t({})", v.type_name())),
            },
        };
        let sub_prefix = concat_prefix(prefix, chart.name());
        coalesce_globals(&dv, dest);
        coalesce(sub, &dv, &sub_prefix, merge)?;
        dest.insert(name, Value::Map(dv));
    }
    Ok(())
}

fn coalesce_globals(dest: &Map, src: &Map) {
    let dg = match dest.get("global") {
        None => Map::new(),
        Some(v) => match table(&v) {
            Some(m) => m,
            None => return,
        },
    };
    let sg = match src.get("global") {
        None => Map::new(),
        Some(v) => match table(&v) {
            Some(m) => m,
            None => return,
        },
    };
    for (key, val) in sg.entries() {
        if let Some(vm) = table(&val) {
            let vv = vm.shallow_copy();
            match dg.get(&key) {
                None => dg.insert(&*key, Value::Map(vv)),
                Some(destv) => {
                    if let Some(destvmap) = table(&destv) {
                        coalesce_tables_full_key(&vv, &destvmap, true);
                        dg.insert(&*key, Value::Map(vv));
                    }
                }
            }
        } else if dg.get(&key).is_some_and(|dv| table(&dv).is_some()) {
            // A table in the destination is kept over a scalar.
        } else {
            dg.insert(&*key, val);
        }
    }
    dest.insert("global", Value::Map(dg));
}

fn coalesce_chart_values(chart: &Chart, v: &Map, _prefix: &str, merge: bool) {
    let vc = deep_copy_map(&chart.values);
    for (key, val) in vc.entries() {
        match v.get(&key) {
            Some(value) => {
                if value.is_nil() && !merge {
                    v.remove(&key);
                } else if let Some(dest) = table(&value) {
                    if let Some(src) = table(&val) {
                        let merge = merge || chart.dependencies.iter().any(|d| d.name() == &*key);
                        if !merge {
                            clean_nil_values(&src);
                        }
                        coalesce_tables_full_key(&dest, &src, merge);
                    }
                }
            }
            None => {
                if !merge {
                    if val.is_nil() {
                        continue;
                    }
                    if let Some(sub) = table(&val) {
                        clean_nil_values(&sub);
                    }
                }
                v.insert(&*key, val);
            }
        }
    }
}

/// Helm's `CoalesceTables`: `src` under `dst`, nulls in `dst` deleting keys.
pub fn coalesce_tables(dst: &Map, src: &Map) {
    coalesce_tables_full_key(dst, src, false);
}

/// Helm's `MergeTables`: `src` under `dst`, nulls kept.
pub fn merge_tables(dst: &Map, src: &Map) {
    coalesce_tables_full_key(dst, src, true);
}

fn coalesce_tables_full_key(dst: &Map, src: &Map, merge: bool) {
    // Keys that are null in `dst` but not in `src` (before `src` gets nulls written over):
    // the only keys whose original `src` value the loop below asks about.
    let mut src_non_nil: Vec<gotemplate::Str> = Vec::new();
    for (key, val) in dst.entries() {
        if val.is_nil() {
            if src.get(&key).is_some_and(|v| !v.is_nil()) {
                src_non_nil.push(key.clone());
            }
            src.insert(&*key, Value::Nil);
        }
    }
    for (key, val) in src.entries() {
        let dv = dst.get(&key);
        match dv {
            Some(Value::Nil) if !merge && src_non_nil.contains(&key) => {
                dst.remove(&key);
            }
            None => dst.insert(&*key, val),
            Some(dv) => {
                if let Some(vm) = table(&val) {
                    if let Some(dm) = table(&dv) {
                        coalesce_tables_full_key(&dm, &vm, merge);
                    }
                }
            }
        }
    }
}

/// Removes null values from a table, recursively through nested tables.
pub fn clean_nil_values(m: &Map) {
    for (key, val) in m.entries() {
        if val.is_nil() {
            m.remove(&key);
        } else if let Some(sub) = table(&val) {
            clean_nil_values(&sub);
        }
    }
}

/// Helm's `Values.Table`: the table at a dotted path.
pub fn table_at(v: &Map, path: &str) -> Option<Map> {
    let mut cur = v.clone();
    for part in path.split('.') {
        let next = cur.get(part)?;
        cur = match next {
            Value::Map(m) if matches!(m.kind(), MapKind::Generic | MapKind::Named(_)) => m,
            _ => return None,
        };
    }
    Some(cur)
}

/// Helm's `Values.PathValue`: a non-table value at a dotted path.
pub fn path_value(v: &Map, path: &str) -> Option<Value> {
    if path.is_empty() {
        return None;
    }
    let (parent, key) = match path.rsplit_once('.') {
        Some((p, k)) => (table_at(v, p)?, k),
        None => (v.clone(), path),
    };
    let val = parent.get(key)?;
    if table(&val).is_some() {
        return None;
    }
    Some(val)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: &[(&str, Value)]) -> Map {
        Map::from_entries(MapKind::Generic, entries.iter().cloned())
    }

    fn chart_with(values: Map) -> Chart {
        Chart {
            values,
            metadata: crate::chart::Metadata {
                name: "c".into(),
                version: "1.0.0".into(),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn user_wins_and_null_deletes() {
        let defaults = map(&[
            ("a", Value::Float(1.0)),
            ("b", Value::Float(2.0)),
            (
                "n",
                Value::Map(map(&[("x", Value::Float(1.0)), ("y", Value::Nil)])),
            ),
        ]);
        let user = map(&[
            ("a", Value::Float(5.0)),
            ("b", Value::Nil),
            ("n", Value::Map(map(&[("z", Value::Bool(true))]))),
        ]);
        let out = coalesce_values(&chart_with(defaults), &user).expect("coalesces");
        assert!(matches!(out.get("a"), Some(Value::Float(f)) if f == 5.0));
        assert!(!out.contains_key("b"));
        let n = out.get("n").and_then(|v| v.as_map()).expect("map");
        assert!(n.contains_key("x") && n.contains_key("z") && !n.contains_key("y"));
        // The user's map is untouched.
        assert!(user.contains_key("b"));
    }

    #[test]
    fn globals_flow_to_subcharts() {
        let mut parent = chart_with(map(&[(
            "global",
            Value::Map(map(&[("g", Value::str("p"))])),
        )]));
        let mut sub = chart_with(map(&[("local", Value::Float(1.0))]));
        sub.metadata.name = "sub".into();
        parent.dependencies.push(sub);
        let out = coalesce_values(&parent, &Map::new()).expect("coalesces");
        let s = out.get("sub").and_then(|v| v.as_map()).expect("sub table");
        let g = s.get("global").and_then(|v| v.as_map()).expect("globals");
        assert!(matches!(g.get("g"), Some(Value::String(x)) if &*x == "p"));
        assert!(s.contains_key("local"));
    }

    #[test]
    fn path_lookups() {
        let v = map(&[("a", Value::Map(map(&[("b", Value::Bool(true))])))]);
        assert!(matches!(path_value(&v, "a.b"), Some(Value::Bool(true))));
        assert!(path_value(&v, "a").is_none());
        assert!(table_at(&v, "a").is_some());
        assert!(table_at(&v, "a.b").is_none());
    }
}
