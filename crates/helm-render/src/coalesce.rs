//! Values coalescing, as Helm's `CoalesceValues`: user-supplied values over the chart's
//! defaults, recursively into subcharts (each subchart sees the table named after it, plus
//! `global`), with `null` deleting a key.
//!
//! Rules (Helm `pkg/chart/common/util/coalesce.go`):
//! - a key present in the user values wins; when both sides are maps they merge recursively;
//! - a user `null` removes the key (also the chart's default);
//! - `null`s in the chart's own defaults are dropped;
//! - `global` is copied from the parent into every subchart's `global`, parent winning.

use gotemplate::{Map, MapKind, Value};

use crate::chart::Chart;

/// Deep copy of a values tree (maps and lists are new; scalars shared).
pub fn deep_copy(v: &Value) -> Value {
    match v {
        Value::Map(m) => {
            let out = Map::with_kind(m.kind().clone());
            for (k, v) in m.entries() {
                out.insert(&*k, deep_copy(&v));
            }
            Value::Map(out)
        }
        Value::List(l) => Value::List(
            gotemplate::List::typed(l.elem(), l.iter().map(deep_copy).collect()),
        ),
        other => other.clone(),
    }
}

/// Merges `defaults` under `dst` in place: keys missing in `dst` are copied from `defaults`,
/// maps present on both sides merge recursively, `null`s in `dst` delete the key.
pub fn coalesce_tables(dst: &Map, defaults: &Map) {
    for (k, dv) in defaults.entries() {
        match dst.get(&k) {
            None => {
                if !dv.is_nil() {
                    dst.insert(&*k, deep_copy(&dv));
                }
            }
            Some(Value::Nil) => {
                dst.remove(&k);
            }
            Some(Value::Map(um)) => {
                if let Value::Map(dm) = &dv {
                    coalesce_tables(&um, dm);
                }
            }
            Some(_) => {}
        }
    }
    // Remaining user nulls (keys the defaults never had) are dropped too.
    for (k, v) in dst.entries() {
        match v {
            Value::Nil => {
                dst.remove(&k);
            }
            Value::Map(m) => remove_nulls(&m),
            _ => {}
        }
    }
}

fn remove_nulls(m: &Map) {
    for (k, v) in m.entries() {
        match v {
            Value::Nil => {
                m.remove(&k);
            }
            Value::Map(inner) => remove_nulls(&inner),
            _ => {}
        }
    }
}

/// Coalesces `user` values with the chart's defaults and its subcharts' (Helm's
/// `CoalesceValues`). The result is a new tree; neither input is modified.
pub fn coalesce_values(chart: &Chart, user: &Map) -> Map {
    let out = match deep_copy(&Value::Map(user.clone())) {
        Value::Map(m) => m,
        _ => Map::new(),
    };
    coalesce_chart(chart, &out);
    out
}

fn coalesce_chart(chart: &Chart, vals: &Map) {
    coalesce_tables(vals, &chart.values);
    for dep in &chart.dependencies {
        let name = dep.name();
        let sub = match vals.get(name) {
            Some(Value::Map(m)) => m,
            Some(_) => continue,
            None => {
                let m = Map::with_kind(MapKind::Generic);
                vals.insert(name, Value::Map(m.clone()));
                m
            }
        };
        // Globals flow down: the parent's `global` wins over the subchart's.
        if let Some(Value::Map(pg)) = vals.get("global") {
            let sg = match sub.get("global") {
                Some(Value::Map(m)) => m,
                _ => {
                    let m = Map::new();
                    sub.insert("global", Value::Map(m.clone()));
                    m
                }
            };
            for (k, v) in pg.entries() {
                sg.insert(&*k, deep_copy(&v));
            }
        }
        coalesce_chart(dep, &sub);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: &[(&str, Value)]) -> Map {
        Map::from_entries(MapKind::Generic, entries.iter().cloned())
    }

    #[test]
    fn user_wins_and_null_deletes() {
        let defaults = map(&[
            ("a", Value::Float(1.0)),
            ("b", Value::Float(2.0)),
            ("n", Value::Map(map(&[("x", Value::Float(1.0)), ("y", Value::Nil)]))),
        ]);
        let user = map(&[
            ("a", Value::Float(5.0)),
            ("b", Value::Nil),
            ("n", Value::Map(map(&[("z", Value::Bool(true))]))),
        ]);
        coalesce_tables(&user, &defaults);
        assert!(matches!(user.get("a"), Some(Value::Float(f)) if f == 5.0));
        assert!(!user.contains_key("b"));
        let n = user.get("n").and_then(|v| v.as_map()).expect("map");
        assert!(n.contains_key("x") && n.contains_key("z") && !n.contains_key("y"));
    }
}
