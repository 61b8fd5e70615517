//! Dependency processing before a render, as Helm's `ProcessDependencies`
//! (`pkg/chart/v2/util/dependencies.go`): aliases (a subchart copied under another name),
//! `condition` and `tags` enabling or removing subcharts, and `import-values` copying
//! subchart values into the parent.

use gotemplate::{Map, Value};

use crate::chart::{Chart, Dependency};
use crate::coalesce::{
    coalesce_tables, coalesce_values, deep_copy_map, merge_tables, merge_values, path_value, table,
    table_at,
};

/// Decides whether a dependency's version constraint accepts a chart version
/// (Masterminds semver, as Helm's `IsCompatibleRange`).
pub type VersionCheck = dyn Fn(&str, &str) -> bool;

/// Runs Helm's dependency processing on `chart` with the user's values.
pub fn process_dependencies(
    chart: &mut Chart,
    user: &Map,
    compatible: &VersionCheck,
) -> Result<(), String> {
    process_enabled(chart, user, "", compatible)?;
    process_import_values_rec(chart, true)
}

fn process_enabled(
    c: &mut Chart,
    v: &Map,
    path: &str,
    compatible: &VersionCheck,
) -> Result<(), String> {
    if c.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let reqs = c.metadata.dependencies.clone();
    // Subcharts not named by any requirement are kept as they are.
    let mut chart_deps: Vec<Chart> = c
        .dependencies
        .iter()
        .filter(|existing| {
            !reqs.iter().any(|r| {
                existing.name() == r.name && compatible(&r.version, &existing.metadata.version)
            })
        })
        .cloned()
        .collect();
    for req in &mut c.metadata.dependencies {
        if let Some(mut dep) = c
            .dependencies
            .iter()
            .find(|ch| ch.name() == req.name && compatible(&req.version, &ch.metadata.version))
            .cloned()
        {
            if !req.alias.is_empty() {
                dep.metadata.name = req.alias.clone();
            }
            chart_deps.push(dep);
        }
        if !req.alias.is_empty() {
            req.name = req.alias.clone();
        }
    }
    let parent_path = c.full_path();
    for d in &mut chart_deps {
        d.parent_path = Some(parent_path.clone());
    }
    c.dependencies = chart_deps;
    for r in &mut c.metadata.dependencies {
        r.enabled = true;
    }
    let cvals = coalesce_values(c, v)?;
    process_tags(&mut c.metadata.dependencies, &cvals);
    process_conditions(&mut c.metadata.dependencies, &cvals, path);
    let removed: Vec<String> = c
        .metadata
        .dependencies
        .iter()
        .filter(|r| !r.enabled)
        .map(|r| r.name.clone())
        .collect();
    c.dependencies
        .retain(|d| !removed.iter().any(|n| n == d.name()));
    c.metadata
        .dependencies
        .retain(|r| !removed.contains(&r.name));
    for t in &mut c.dependencies {
        let sub_path = format!("{path}{}.", t.name());
        process_enabled(t, &cvals, &sub_path, compatible)?;
    }
    Ok(())
}

fn process_conditions(reqs: &mut [Dependency], cvals: &Map, cpath: &str) {
    for r in reqs {
        for c in r.condition.trim().split(',') {
            if c.is_empty() {
                continue;
            }
            if let Some(Value::Bool(b)) = path_value(cvals, &format!("{cpath}{c}")) {
                r.enabled = b;
                break;
            }
        }
    }
}

fn process_tags(reqs: &mut [Dependency], cvals: &Map) {
    let Some(vt) = table_at(cvals, "tags") else {
        return;
    };
    for r in reqs {
        let (mut has_true, mut has_false) = (false, false);
        for k in &r.tags {
            if let Some(Value::Bool(b)) = vt.get(k) {
                if b {
                    has_true = true;
                } else {
                    has_false = true;
                }
            }
        }
        if !has_true && has_false {
            r.enabled = false;
        } else if has_true || !has_false {
            r.enabled = true;
        }
    }
}

fn path_to_map(path: &str, data: Map) -> Map {
    if path == "." {
        return data;
    }
    let mut cur = data;
    for part in path.split('.').rev() {
        let m = Map::new();
        m.insert(part, Value::Map(cur));
        cur = m;
    }
    cur
}

fn go_sprint(v: Option<Value>) -> String {
    match v {
        None => "<nil>".to_string(),
        Some(v) => gotemplate::fmt::format_value(&v),
    }
}

fn process_import_values(c: &mut Chart, merge: bool) -> Result<(), String> {
    if c.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let cvals = if merge {
        merge_values(c, &Map::new())?
    } else {
        coalesce_values(c, &Map::new())?
    };
    let b = Map::new();
    for r in &mut c.metadata.dependencies {
        let mut out = Vec::new();
        for riv in &r.import_values {
            if let Some(iv) = table(riv) {
                let child = go_sprint(iv.get("child"));
                let parent = go_sprint(iv.get("parent"));
                out.push(Value::Map(Map::from_entries(
                    gotemplate::MapKind::Typed(gotemplate::ElemType::String),
                    [
                        ("child", Value::str(&child)),
                        ("parent", Value::str(&parent)),
                    ],
                )));
                let Some(vv) = table_at(&cvals, &format!("{}.{child}", r.name)) else {
                    continue;
                };
                let src = path_to_map(&parent, vv);
                if merge {
                    merge_tables(&b, &src);
                } else {
                    coalesce_tables(&b, &src);
                }
            } else if let Value::String(iv) = riv {
                let child = format!("exports.{iv}");
                out.push(Value::Map(Map::from_entries(
                    gotemplate::MapKind::Typed(gotemplate::ElemType::String),
                    [("child", Value::str(&child)), ("parent", Value::str("."))],
                )));
                let Some(vm) = table_at(&cvals, &format!("{}.{child}", r.name)) else {
                    continue;
                };
                if merge {
                    merge_tables(&b, &vm);
                } else {
                    coalesce_tables(&b, &vm);
                }
            }
        }
        r.import_values = out;
    }
    let base = deep_copy_map(&cvals);
    if merge {
        merge_tables(&base, &b);
    } else {
        crate::coalesce::clean_nil_values(&base);
        coalesce_tables(&base, &b);
    }
    c.values = base;
    Ok(())
}

fn process_import_values_rec(c: &mut Chart, merge: bool) -> Result<(), String> {
    for d in &mut c.dependencies {
        process_import_values_rec(d, merge)?;
    }
    process_import_values(c, merge)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gotemplate::MapKind;

    fn chart(name: &str, values: &[(&str, Value)]) -> Chart {
        Chart {
            values: Map::from_entries(MapKind::Generic, values.iter().cloned()),
            metadata: crate::chart::Metadata {
                name: name.into(),
                version: "1.0.0".into(),
                api_version: "v2".into(),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn always(_: &str, _: &str) -> bool {
        true
    }

    #[test]
    fn condition_false_removes_subchart() {
        let mut parent = chart(
            "p",
            &[(
                "sub",
                Value::Map(Map::from_entries(
                    MapKind::Generic,
                    [("enabled", Value::Bool(false))],
                )),
            )],
        );
        parent.metadata.dependencies.push(Dependency {
            name: "sub".into(),
            condition: "sub.enabled".into(),
            ..Default::default()
        });
        parent.dependencies.push(chart("sub", &[]));
        process_dependencies(&mut parent, &Map::new(), &always).expect("processes");
        assert!(parent.dependencies.is_empty());
    }

    #[test]
    fn alias_copies_subchart_under_new_name() {
        let mut parent = chart("p", &[]);
        for alias in ["one", "two"] {
            parent.metadata.dependencies.push(Dependency {
                name: "sub".into(),
                alias: alias.into(),
                ..Default::default()
            });
        }
        parent.dependencies.push(chart("sub", &[]));
        process_dependencies(&mut parent, &Map::new(), &always).expect("processes");
        let names: Vec<&str> = parent.dependencies.iter().map(|d| d.name()).collect();
        assert_eq!(names, ["one", "two"]);
    }

    #[test]
    fn import_values_exports() {
        let mut parent = chart("p", &[]);
        parent.metadata.dependencies.push(Dependency {
            name: "sub".into(),
            import_values: vec![Value::str("data")],
            ..Default::default()
        });
        let exports = Map::from_entries(
            MapKind::Generic,
            [(
                "data",
                Value::Map(Map::from_entries(
                    MapKind::Generic,
                    [("k", Value::str("v"))],
                )),
            )],
        );
        parent
            .dependencies
            .push(chart("sub", &[("exports", Value::Map(exports))]));
        process_dependencies(&mut parent, &Map::new(), &always).expect("processes");
        assert!(matches!(parent.values.get("k"), Some(Value::String(s)) if &*s == "v"));
    }
}
