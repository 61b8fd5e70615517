//! Server-side rendering of `meta.k8s.io/v1` Table and PartialObjectMetadata responses,
//! including CRD `additionalPrinterColumns` (a JSONPath subset) and humanized ages.

use crate::registry::ResourceType;
use crate::util::{age, get_str};
use serde_json::{json, Value};

/// `Format` is the response shape a client asked for with `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Plain objects.
    #[default]
    Full,
    /// `as=Table`.
    Table,
    /// `as=PartialObjectMetadata[List]`.
    Metadata,
}

impl Format {
    /// `from_accept` reads the Accept header.
    pub fn from_accept(accept: &str) -> Format {
        // The first acceptable alternative wins, as in the real server.
        for alt in accept.split(',') {
            let alt = alt.trim();
            if alt.contains("as=Table") {
                return Format::Table;
            }
            if alt.contains("as=PartialObjectMetadata") {
                return Format::Metadata;
            }
            if alt.starts_with("application/json")
                || alt.starts_with("*/*")
                || alt.starts_with("application/yaml")
            {
                return Format::Full;
            }
        }
        Format::Full
    }

    /// `content_type` answers for this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Full => "application/json",
            Format::Table => "application/json;as=Table;v=v1;g=meta.k8s.io",
            Format::Metadata => "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io",
        }
    }
}

/// `partial` is the PartialObjectMetadata of an object.
pub fn partial(obj: &Value) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata").cloned().unwrap_or(json!({})),
    })
}

/// `partial_list` wraps items in a PartialObjectMetadataList.
pub fn partial_list(items: &[Value], list_meta: Value) -> Value {
    json!({
        "kind": "PartialObjectMetadataList",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_meta,
        "items": items.iter().map(partial).collect::<Vec<_>>(),
    })
}

#[derive(Debug, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
    All,
    Filter(String, String),
}

fn parse_path(p: &str) -> Vec<Seg> {
    let p = p.trim().trim_start_matches('{').trim_end_matches('}');
    let mut out = vec![];
    let mut rest = p.trim_start_matches('$');
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end > 0 {
                out.push(Seg::Key(r[..end].to_string()));
            }
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let Some(end) = r.find(']') else { break };
            let inner = r[..end].trim();
            if inner == "*" {
                out.push(Seg::All);
            } else if let Ok(i) = inner.parse() {
                out.push(Seg::Index(i));
            } else if let Some(f) = inner.strip_prefix("?(@.").and_then(|f| f.strip_suffix(')')) {
                if let Some((k, v)) = f.split_once("==") {
                    let v = v.trim().trim_matches('"').trim_matches('\'');
                    out.push(Seg::Filter(k.trim().to_string(), v.to_string()));
                }
            } else {
                let key = inner.trim_matches('\'').trim_matches('"');
                out.push(Seg::Key(key.to_string()));
            }
            rest = &r[end + 1..];
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            out.push(Seg::Key(rest[..end].to_string()));
            rest = &rest[end..];
        }
    }
    out
}

/// `json_path` evaluates a kubectl-style JSONPath subset (`.a.b[0]`, `[*]`,
/// `[?(@.type=="Ready")]`, `['dotted.key']`) and returns the matches.
pub fn json_path<'a>(obj: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut cur = vec![obj];
    for seg in parse_path(path) {
        let mut next = vec![];
        for v in cur {
            match &seg {
                Seg::Key(k) => next.extend(v.get(k.as_str())),
                Seg::Index(i) => next.extend(v.get(*i)),
                Seg::All => next.extend(v.as_array().into_iter().flatten()),
                Seg::Filter(k, want) => {
                    next.extend(v.as_array().into_iter().flatten().filter(|i| {
                        match i.get(k.as_str()) {
                            Some(Value::String(s)) => s == want,
                            Some(other) => *other.to_string() == **want,
                            None => false,
                        }
                    }))
                }
            }
        }
        cur = next;
    }
    cur
}

fn cell_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn computed(obj: &Value, name: &str) -> Value {
    let status = obj.get("status");
    let int = |p: &[&str]| {
        crate::util::get_path(obj, p)
            .and_then(Value::as_i64)
            .unwrap_or(0)
    };
    match name {
        "#podReady" => {
            let total = obj
                .get("spec")
                .and_then(|s| s.get("containers"))
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let ready = status
                .and_then(|s| s.get("containerStatuses"))
                .and_then(Value::as_array)
                .map_or(0, |a| {
                    a.iter()
                        .filter(|c| c.get("ready") == Some(&Value::Bool(true)))
                        .count()
                });
            json!(format!("{ready}/{total}"))
        }
        "#restarts" => json!(0),
        "#readyOf" => {
            let want = crate::util::get_path(obj, &["spec", "replicas"])
                .and_then(Value::as_i64)
                .unwrap_or(1);
            json!(format!("{}/{want}", int(&["status", "readyReplicas"])))
        }
        "#dataCount" => {
            let n = obj
                .get("data")
                .and_then(Value::as_object)
                .map_or(0, |m| m.len())
                + obj
                    .get("binaryData")
                    .and_then(Value::as_object)
                    .map_or(0, |m| m.len());
            json!(n)
        }
        "#jobStatus" => {
            let conds = json_path(obj, ".status.conditions[?(@.status==\"True\")].type");
            let s = if conds.iter().any(|c| c.as_str() == Some("Failed")) {
                "Failed"
            } else if conds.iter().any(|c| c.as_str() == Some("Complete")) {
                "Complete"
            } else {
                "Running"
            };
            json!(s)
        }
        "#completions" => {
            let want = crate::util::get_path(obj, &["spec", "completions"])
                .and_then(Value::as_i64)
                .unwrap_or(1);
            json!(format!("{}/{want}", int(&["status", "succeeded"])))
        }
        "#lastSeen" => {
            let t = get_str(obj, &["lastTimestamp"])
                .or_else(|| get_str(obj, &["eventTime"]))
                .or_else(|| get_str(obj, &["metadata", "creationTimestamp"]));
            json!(age(t))
        }
        "#involved" => {
            let kind = get_str(obj, &["involvedObject", "kind"]).unwrap_or("");
            let n = get_str(obj, &["involvedObject", "name"]).unwrap_or("");
            json!(format!("{}/{n}", kind.to_lowercase()))
        }
        _ => Value::Null,
    }
}

/// `column_definitions` for a resource type (Name first).
pub fn column_definitions(rt: &ResourceType) -> Vec<Value> {
    // Events list their name only with `-o wide`, as the real server does.
    let name_priority = i64::from(rt.kind == "Event" && rt.group.is_empty());
    let mut cols = vec![json!({"name": "Name", "type": "string", "format": "name",
        "description": "Name must be unique within a namespace.", "priority": name_priority})];
    for c in &rt.columns {
        let (t, f) = if c.type_ == "date" {
            ("string", "")
        } else {
            (c.type_.as_str(), "")
        };
        cols.push(json!({"name": c.name, "type": t, "format": f,
            "description": c.description, "priority": c.priority}));
    }
    cols
}

/// `row` renders one object as a Table row; `include` is `Metadata`, `Object` or `None`.
pub fn row(rt: &ResourceType, obj: &Value, include: &str) -> Value {
    let mut cells = vec![json!(get_str(obj, &["metadata", "name"]).unwrap_or(""))];
    for c in &rt.columns {
        let v = if c.json_path.starts_with('#') {
            computed(obj, &c.json_path)
        } else {
            let found = json_path(obj, &c.json_path);
            if c.type_ == "date" {
                match found.first().and_then(|v| v.as_str()) {
                    Some(ts) => json!(age(Some(ts))),
                    None => json!("<unknown>"),
                }
            } else if found.is_empty() {
                Value::Null
            } else if found.len() == 1 {
                match (c.type_.as_str(), found[0]) {
                    ("integer" | "number" | "boolean", v) => v.clone(),
                    (_, v) => json!(cell_text(v)),
                }
            } else {
                json!(found
                    .iter()
                    .map(|v| cell_text(v))
                    .collect::<Vec<_>>()
                    .join(","))
            }
        };
        cells.push(v);
    }
    let mut r = json!({"cells": cells});
    let object = match include {
        "None" => None,
        "Object" => Some(obj.clone()),
        _ => Some(partial(obj)),
    };
    if let (Some(o), Value::Object(m)) = (object, &mut r) {
        m.insert("object".into(), o);
    }
    r
}

/// `table` renders objects as a Table; `with_columns` false omits column definitions
/// (watch events after the first).
pub fn table(
    rt: &ResourceType,
    items: &[Value],
    list_meta: Value,
    include: &str,
    with_columns: bool,
) -> Value {
    let cols = if with_columns {
        column_definitions(rt)
    } else {
        vec![]
    };
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_meta,
        "columnDefinitions": cols,
        "rows": items.iter().map(|o| row(rt, o, include)).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_path_subset() {
        let o = json!({"status": {"conditions": [{"type": "A", "status": "False"},
            {"type": "Ready", "status": "True"}]}, "metadata": {"labels": {"a.b/c": "x"}}});
        let r = json_path(&o, ".status.conditions[?(@.type==\"Ready\")].status");
        assert_eq!(r, vec![&json!("True")]);
        assert_eq!(
            json_path(&o, ".status.conditions[0].type"),
            vec![&json!("A")]
        );
        assert_eq!(
            json_path(&o, ".metadata.labels['a.b/c']"),
            vec![&json!("x")]
        );
        assert_eq!(json_path(&o, ".status.conditions[*].type").len(), 2);
    }

    #[test]
    fn accept_negotiation() {
        let a = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(Format::from_accept(a), Format::Table);
        assert_eq!(
            Format::from_accept("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"),
            Format::Metadata
        );
        assert_eq!(
            Format::from_accept("application/vnd.kubernetes.protobuf, application/json"),
            Format::Full
        );
    }

    #[test]
    fn crd_columns_render() {
        let crd = json!({"spec": {"group": "g.io", "names": {"plural": "ws", "kind": "W"},
            "versions": [{"name": "v1", "additionalPrinterColumns": [
                {"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"},
                {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
                {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]}]}});
        let rts = crate::registry::from_crd(&crd);
        let obj = json!({"metadata": {"name": "w1", "creationTimestamp": crate::util::now_rfc3339()},
            "spec": {"replicas": 3}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}});
        let t = table(&rts[0], &[obj], json!({}), "Metadata", true);
        assert_eq!(t["rows"][0]["cells"][0], "w1");
        assert_eq!(t["rows"][0]["cells"][1], "True");
        assert_eq!(t["rows"][0]["cells"][2], 3);
        assert!(t["rows"][0]["cells"][3]
            .as_str()
            .is_some_and(|s| s.ends_with('s')));
        assert_eq!(t["columnDefinitions"].as_array().map(Vec::len), Some(4));
    }
}
