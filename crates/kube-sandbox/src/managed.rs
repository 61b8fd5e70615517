//! Field ownership: `metadata.managedFields` (FieldsV1), server-side apply (merge, conflicts,
//! removal of fields a manager stops applying) and ownership changes by ordinary updates.
//! The store decides *when* to call this; this module only computes objects and field sets.

use crate::error::ApiError;
use crate::patch::builtin_merge_key;
use crate::util::now_rfc3339;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// A field path of FieldsV1 elements (`f:spec`, `k:{"name":"c"}`).
pub type FieldPath = Vec<String>;
/// A set of owned field paths.
pub type FieldSet = BTreeSet<FieldPath>;

/// `Schema` tells how lists are merged: a CRD schema or built-in merge keys.
#[derive(Debug, Clone, Copy)]
pub struct Schema<'a> {
    /// The current schema node (CRDs).
    pub node: Option<&'a Value>,
    /// Use built-in merge keys (non-CRD kinds).
    pub builtin: bool,
}

impl<'a> Schema<'a> {
    fn child(&self, key: &str) -> Schema<'a> {
        let node = self.node.and_then(|n| {
            n.get("properties")
                .and_then(|p| p.get(key))
                .or_else(|| n.get("additionalProperties").filter(|a| a.is_object()))
        });
        Schema {
            node,
            builtin: self.builtin,
        }
    }

    fn items(&self) -> Schema<'a> {
        Schema {
            node: self.node.and_then(|n| n.get("items")),
            builtin: self.builtin,
        }
    }

    fn list_keys(&self, field: &str, items: &[Value]) -> Option<Vec<String>> {
        if let Some(n) = self.node {
            if n.get("x-kubernetes-list-type").and_then(Value::as_str) == Some("map") {
                let keys: Vec<String> = n
                    .get("x-kubernetes-list-map-keys")
                    .and_then(Value::as_array)?
                    .iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect();
                return (!keys.is_empty()).then_some(keys);
            }
            return None;
        }
        if self.builtin {
            return builtin_merge_key(field, items).map(|k| vec![k.to_string()]);
        }
        None
    }
}

fn key_elem(item: &Value, keys: &[String]) -> Option<String> {
    let mut m = Map::new();
    for k in keys {
        m.insert(k.clone(), item.get(k)?.clone());
    }
    Some(format!("k:{}", Value::Object(m)))
}

fn collect(v: &Value, prefix: &mut FieldPath, schema: Schema, out: &mut FieldSet) {
    let Value::Object(m) = v else { return };
    for (k, child) in m {
        prefix.push(format!("f:{k}"));
        let cs = schema.child(k);
        match child {
            Value::Object(cm) if !cm.is_empty() => collect(child, prefix, cs, out),
            Value::Array(items) => match cs.list_keys(k, items) {
                Some(keys) if !items.is_empty() => {
                    for item in items {
                        if let Some(e) = key_elem(item, &keys) {
                            prefix.push(e);
                            out.insert(prefix.clone());
                            collect(item, prefix, cs.items(), out);
                            prefix.pop();
                        }
                    }
                }
                _ => {
                    out.insert(prefix.clone());
                }
            },
            _ => {
                out.insert(prefix.clone());
            }
        }
        prefix.pop();
    }
}

/// `owned_part` strips what field ownership never covers (identity, server-set metadata)
/// and keeps only `status` (for the status subresource) or drops it (for the main
/// resource of a kind with a status subresource).
pub fn owned_part(obj: &Value, status_sub: bool, has_status: bool) -> Value {
    let mut o = obj.clone();
    if let Value::Object(m) = &mut o {
        m.remove("apiVersion");
        m.remove("kind");
        if status_sub {
            m.retain(|k, _| k == "status");
        } else if has_status {
            m.remove("status");
        }
        if let Some(Value::Object(md)) = m.get_mut("metadata") {
            for k in [
                "name",
                "namespace",
                "uid",
                "resourceVersion",
                "generation",
                "creationTimestamp",
                "managedFields",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                "selfLink",
            ] {
                md.remove(k);
            }
            if md.is_empty() {
                m.remove("metadata");
            }
        }
    }
    o
}

/// `field_set` lists the leaf fields (and associative list items) of an object.
pub fn field_set(obj: &Value, schema: Schema) -> FieldSet {
    let mut out = FieldSet::new();
    collect(obj, &mut vec![], schema, &mut out);
    out
}

fn is_leaf(set: &FieldSet, p: &FieldPath) -> bool {
    !set.range(p.clone()..)
        .nth(1)
        .is_some_and(|q| q.len() > p.len() && q.starts_with(p))
}

fn key_matches(item: &Value, k: &str) -> bool {
    match serde_json::from_str::<Map<String, Value>>(k) {
        Ok(m) => m.iter().all(|(kk, vv)| item.get(kk) == Some(vv)),
        Err(_) => false,
    }
}

/// `get_at` resolves a field path in an object.
pub fn get_at<'a>(obj: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut cur = obj;
    for el in path {
        cur = if let Some(f) = el.strip_prefix("f:") {
            cur.get(f)?
        } else if let Some(k) = el.strip_prefix("k:") {
            cur.as_array()?.iter().find(|i| key_matches(i, k))?
        } else {
            return None;
        };
    }
    Some(cur)
}

fn get_at_mut<'a>(obj: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    let mut cur = obj;
    for el in path {
        cur = if let Some(f) = el.strip_prefix("f:") {
            cur.get_mut(f)?
        } else if let Some(k) = el.strip_prefix("k:") {
            cur.as_array_mut()?.iter_mut().find(|i| key_matches(i, k))?
        } else {
            return None;
        };
    }
    Some(cur)
}

/// `remove_at` deletes the field (or list item) at a path, if present.
pub fn remove_at(obj: &mut Value, path: &[String]) {
    let Some((last, init)) = path.split_last() else {
        return;
    };
    let Some(parent) = get_at_mut(obj, init) else {
        return;
    };
    if let Some(f) = last.strip_prefix("f:") {
        if let Value::Object(m) = parent {
            m.remove(f);
        }
    } else if let Some(k) = last.strip_prefix("k:") {
        if let Value::Array(a) = parent {
            a.retain(|i| !key_matches(i, k));
        }
    }
}

/// `to_fields_v1` renders a set as a FieldsV1 tree.
pub fn to_fields_v1(set: &FieldSet) -> Value {
    fn insert_path(m: &mut Map<String, Value>, p: &[String]) {
        if let Some((first, rest)) = p.split_first() {
            let e = m.entry(first.clone()).or_insert_with(|| json!({}));
            if let Value::Object(cm) = e {
                insert_path(cm, rest);
            }
        }
    }
    let mut tree = Map::new();
    for p in set {
        insert_path(&mut tree, p);
    }
    let mut root = Value::Object(tree);
    for p in set {
        if let Some(Value::Object(m)) = tree_get_mut(&mut root, p) {
            if !m.is_empty() && !m.contains_key(".") {
                m.insert(".".into(), json!({}));
            }
        }
    }
    sort_tree(&mut root);
    root
}

fn tree_get_mut<'a>(root: &'a mut Value, p: &[String]) -> Option<&'a mut Value> {
    let mut node = root;
    for el in p {
        node = node.get_mut(el)?;
    }
    Some(node)
}

fn sort_tree(v: &mut Value) {
    if let Value::Object(m) = v {
        let mut entries: Vec<(String, Value)> = std::mem::take(m).into_iter().collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (k, mut child) in entries {
            sort_tree(&mut child);
            m.insert(k, child);
        }
    }
}

/// `from_fields_v1` reads a FieldsV1 tree back into a set.
pub fn from_fields_v1(v: &Value) -> FieldSet {
    fn walk(v: &Value, prefix: &mut FieldPath, out: &mut FieldSet) {
        let Value::Object(m) = v else { return };
        for (k, child) in m {
            if k == "." {
                out.insert(prefix.clone());
                continue;
            }
            prefix.push(k.clone());
            if child.as_object().is_none_or(Map::is_empty) {
                out.insert(prefix.clone());
            } else {
                walk(child, prefix, out);
            }
            prefix.pop();
        }
    }
    let mut out = FieldSet::new();
    walk(v, &mut vec![], &mut out);
    out
}

/// `Manager` is one `managedFields` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Manager {
    /// Field manager name.
    pub manager: String,
    /// `Apply` or `Update`.
    pub operation: String,
    /// apiVersion the fields were written with.
    pub api_version: String,
    /// Last change.
    pub time: String,
    /// `status`, or "" for the main resource.
    pub subresource: String,
    /// Owned fields.
    pub set: FieldSet,
}

impl Manager {
    fn same(&self, manager: &str, operation: &str, sub: &str) -> bool {
        self.manager == manager && self.operation == operation && self.subresource == sub
    }
}

/// `read_managers` parses `metadata.managedFields`.
pub fn read_managers(obj: &Value) -> Vec<Manager> {
    obj.get("metadata")
        .and_then(|m| m.get("managedFields"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|e| {
                    let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                    Manager {
                        manager: s("manager"),
                        operation: s("operation"),
                        api_version: s("apiVersion"),
                        time: s("time"),
                        subresource: s("subresource"),
                        set: e.get("fieldsV1").map(from_fields_v1).unwrap_or_default(),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `write_managers` stores entries back into `metadata.managedFields` (dropping empty ones).
pub fn write_managers(obj: &mut Value, managers: &[Manager]) {
    let list: Vec<Value> = managers
        .iter()
        .filter(|m| !m.set.is_empty())
        .map(|m| {
            let mut e = json!({
                "manager": m.manager,
                "operation": m.operation,
                "apiVersion": m.api_version,
                "time": m.time,
                "fieldsType": "FieldsV1",
                "fieldsV1": to_fields_v1(&m.set),
            });
            if !m.subresource.is_empty() {
                if let Value::Object(em) = &mut e {
                    em.insert("subresource".into(), json!(m.subresource));
                }
            }
            e
        })
        .collect();
    let md = crate::util::meta(obj);
    if list.is_empty() {
        md.remove("managedFields");
    } else {
        md.insert("managedFields".into(), Value::Array(list));
    }
}

fn merge_apply(cur: &mut Value, cfg: &Value, field: &str, schema: Schema) {
    match (cur, cfg) {
        (Value::Object(c), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    c.remove(k);
                    continue;
                }
                match c.get_mut(k) {
                    Some(cv) => merge_apply(cv, v, k, schema.child(k)),
                    None => {
                        c.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (Value::Array(c), Value::Array(p)) => match schema.list_keys(field, p) {
            Some(keys) => {
                for item in p {
                    let kv: Option<Vec<&Value>> = keys.iter().map(|k| item.get(k)).collect();
                    let pos = kv.and_then(|kv| {
                        c.iter().position(|ci| {
                            keys.iter()
                                .zip(kv.iter())
                                .all(|(k, v)| ci.get(k) == Some(v))
                        })
                    });
                    match pos {
                        Some(i) => merge_apply(&mut c[i], item, field, schema.items()),
                        None => c.push(item.clone()),
                    }
                }
            }
            None => *c = p.clone(),
        },
        (c, p) => *c = p.clone(),
    }
}

fn dotted(p: &FieldPath) -> String {
    let mut s = String::new();
    for el in p {
        if let Some(f) = el.strip_prefix("f:") {
            s.push('.');
            s.push_str(f);
        } else if let Some(k) = el.strip_prefix("k:") {
            s.push('[');
            s.push_str(k);
            s.push(']');
        }
    }
    s
}

/// `ApplyRequest` is one server-side apply.
#[derive(Debug, Clone)]
pub struct ApplyRequest<'a> {
    /// Field manager (required by the API).
    pub manager: &'a str,
    /// `force=true`: take over conflicting fields.
    pub force: bool,
    /// `status` for the status subresource, else "".
    pub subresource: &'a str,
    /// The kind has a status subresource.
    pub has_status: bool,
    /// apiVersion of the request.
    pub api_version: &'a str,
    /// List-merge schema.
    pub schema: Schema<'a>,
}

/// `apply` computes the object after a server-side apply of `config` onto `live`
/// (`live` is the current object or a skeleton for a create).
///
/// Errors: 409 Conflict listing each conflicting field and manager unless `force`.
pub fn apply(live: &Value, config: &Value, req: &ApplyRequest) -> Result<Value, ApiError> {
    let status_sub = req.subresource == "status";
    let cfg_owned = owned_part(config, status_sub, req.has_status);
    let new_set = field_set(&cfg_owned, req.schema);
    let mut managers = read_managers(live);
    let mut conflicts: Vec<(String, FieldPath)> = vec![];
    for m in &managers {
        if m.same(req.manager, "Apply", req.subresource) {
            continue;
        }
        for p in m.set.intersection(&new_set) {
            if is_leaf(&new_set, p) && get_at(live, p) != get_at(config, p) {
                conflicts.push((m.manager.clone(), p.clone()));
            }
        }
    }
    if !conflicts.is_empty() {
        if !req.force {
            let causes: Vec<Value> = conflicts
                .iter()
                .map(|(m, p)| {
                    json!({"reason": "FieldManagerConflict",
                           "message": format!("conflict with \"{m}\": {}", dotted(p)),
                           "field": dotted(p)})
                })
                .collect();
            let msg = conflicts
                .iter()
                .map(|(m, p)| format!("conflict with \"{m}\": {}", dotted(p)))
                .collect::<Vec<_>>()
                .join("\n- ");
            let mut e = ApiError::new(
                409,
                "Conflict",
                format!(
                    "Apply failed with {} conflict{}: {msg}",
                    conflicts.len(),
                    if conflicts.len() == 1 { "" } else { "s" }
                ),
            );
            e.details = Some(Box::new(json!({"causes": causes})));
            return Err(e);
        }
        for m in managers.iter_mut() {
            m.set
                .retain(|p| !conflicts.iter().any(|(mm, cp)| *mm == m.manager && cp == p));
        }
    }
    let old_set = managers
        .iter()
        .find(|m| m.same(req.manager, "Apply", req.subresource))
        .map(|m| m.set.clone())
        .unwrap_or_default();
    let others: FieldSet = managers
        .iter()
        .filter(|m| !m.same(req.manager, "Apply", req.subresource))
        .flat_map(|m| m.set.iter().cloned())
        .collect();
    let mut obj = live.clone();
    // A field is removed when this manager owned it, no longer applies it, and nobody
    // (this apply included) owns it or anything below it. Ancestors go first, whole.
    let kept = |p: &FieldPath| {
        let under = |set: &FieldSet| {
            set.range(p.clone()..)
                .take_while(|q| q.starts_with(p))
                .next()
                .is_some()
        };
        under(&new_set) || under(&others)
    };
    let mut gone: Vec<&FieldPath> = old_set.iter().filter(|p| !kept(p)).collect();
    gone.sort_by_key(|p| p.len());
    let mut removed: Vec<&FieldPath> = vec![];
    for p in gone {
        if removed.iter().any(|r| p.starts_with(r)) {
            continue;
        }
        remove_at(&mut obj, p);
        removed.push(p);
    }
    let mut cfg = config.clone();
    if let Some(Value::Object(md)) = cfg.get_mut("metadata") {
        md.remove("managedFields");
        md.remove("resourceVersion");
        md.remove("uid");
        md.remove("creationTimestamp");
    }
    if status_sub {
        if let Some(st) = cfg.get("status") {
            let mut cur_status = obj.get("status").cloned().unwrap_or(json!({}));
            merge_apply(&mut cur_status, st, "status", req.schema.child("status"));
            crate::util::obj_mut(&mut obj, "status");
            if let Value::Object(m) = &mut obj {
                m.insert("status".into(), cur_status);
            }
        }
    } else {
        if req.has_status {
            if let Value::Object(m) = &mut cfg {
                m.remove("status");
            }
        }
        merge_apply(&mut obj, &cfg, "", req.schema);
    }
    let now = now_rfc3339();
    match managers
        .iter_mut()
        .find(|m| m.same(req.manager, "Apply", req.subresource))
    {
        Some(m) => {
            m.set = new_set;
            m.time = now;
            m.api_version = req.api_version.to_string();
        }
        None => managers.push(Manager {
            manager: req.manager.to_string(),
            operation: "Apply".into(),
            api_version: req.api_version.to_string(),
            time: now,
            subresource: req.subresource.to_string(),
            set: new_set,
        }),
    }
    write_managers(&mut obj, &managers);
    Ok(obj)
}

/// `record_update` transfers ownership of fields changed by a non-apply write to `manager`
/// (operation `Update`) and forgets removed fields, writing `new.metadata.managedFields`.
pub fn record_update(
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    subresource: &str,
    has_status: bool,
    api_version: &str,
    schema: Schema,
) {
    let status_sub = subresource == "status";
    let mut managers = old.map(read_managers).unwrap_or_default();
    let old_set = old
        .map(|o| field_set(&owned_part(o, status_sub, has_status), schema))
        .unwrap_or_default();
    let new_set = field_set(&owned_part(new, status_sub, has_status), schema);
    let changed: FieldSet = new_set
        .iter()
        .filter(|p| {
            !old_set.contains(*p)
                || (is_leaf(&new_set, p) && old.and_then(|o| get_at(o, p)) != get_at(new, p))
        })
        .cloned()
        .collect();
    let removed: FieldSet = old_set.difference(&new_set).cloned().collect();
    if changed.is_empty() && removed.is_empty() {
        write_managers(new, &managers);
        return;
    }
    for m in managers.iter_mut() {
        m.set.retain(|p| !removed.contains(p));
        if m.subresource == subresource && !m.same(manager, "Update", subresource) {
            m.set.retain(|p| !changed.contains(p));
        }
    }
    let now = now_rfc3339();
    match managers
        .iter_mut()
        .find(|m| m.same(manager, "Update", subresource))
    {
        Some(m) => {
            m.set.extend(changed);
            m.time = now;
            m.api_version = api_version.to_string();
        }
        None => managers.push(Manager {
            manager: manager.to_string(),
            operation: "Update".into(),
            api_version: api_version.to_string(),
            time: now,
            subresource: subresource.to_string(),
            set: changed,
        }),
    }
    write_managers(new, &managers);
}

/// `strip_times` removes `managedFields[*].time` (for no-op comparisons).
pub fn strip_times(obj: &mut Value) {
    if let Some(Value::Array(a)) = obj
        .get_mut("metadata")
        .and_then(|m| m.get_mut("managedFields"))
    {
        for e in a {
            if let Value::Object(m) = e {
                m.remove("time");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Schema = Schema {
        node: None,
        builtin: true,
    };

    fn req<'a>(manager: &'a str, force: bool) -> ApplyRequest<'a> {
        ApplyRequest {
            manager,
            force,
            subresource: "",
            has_status: true,
            api_version: "apps/v1",
            schema: B,
        }
    }

    #[test]
    fn fields_v1_round_trip() {
        let o = json!({"metadata": {"labels": {"a": "1"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}});
        let s = field_set(&o, B);
        let v = to_fields_v1(&s);
        assert_eq!(
            v["f:spec"]["f:containers"]["k:{\"name\":\"c\"}"]["."],
            json!({})
        );
        assert_eq!(from_fields_v1(&v), s);
    }

    #[test]
    fn apply_conflict_force_and_removal() {
        let live =
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}});
        let c1 = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "labels": {"x": "1"}},
            "spec": {"replicas": 1, "paused": false}});
        let o1 = apply(&live, &c1, &req("a", false)).unwrap_or_default();
        assert_eq!(o1["spec"]["replicas"], 1);
        let c2 = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": 2}});
        let err = apply(&o1, &c2, &req("b", false)).err().map(|e| e.code);
        assert_eq!(err, Some(409));
        let o2 = apply(&o1, &c2, &req("b", true)).unwrap_or_default();
        assert_eq!(o2["spec"]["replicas"], 2);
        // manager a stops applying `paused` and the label: both are removed
        let c3 = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}});
        let o3 = apply(&o2, &c3, &req("a", false)).unwrap_or_default();
        assert!(o3["spec"].get("paused").is_none());
        assert!(o3["metadata"]["labels"].get("x").is_none());
        assert_eq!(o3["spec"]["replicas"], 2);
    }

    #[test]
    fn same_value_is_shared_not_conflict() {
        let live = json!({"metadata": {"name": "d"}});
        let c = json!({"metadata": {"name": "d"}, "spec": {"replicas": 1}});
        let o1 = apply(&live, &c, &req("a", false)).unwrap_or_default();
        assert!(apply(&o1, &c, &req("b", false)).is_ok());
    }

    #[test]
    fn crd_list_map_keys_merge_items() {
        let schema = json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
            "items": {"type": "array", "x-kubernetes-list-type": "map",
                      "x-kubernetes-list-map-keys": ["id"],
                      "items": {"type": "object"}}}}}});
        let s = Schema {
            node: Some(&schema),
            builtin: false,
        };
        let r = |m| ApplyRequest {
            manager: m,
            force: false,
            subresource: "",
            has_status: true,
            api_version: "example.com/v1",
            schema: s,
        };
        let live = json!({"metadata": {"name": "x"}});
        let a = json!({"metadata": {"name": "x"}, "spec": {"items": [{"id": "1", "v": "a"}]}});
        let b = json!({"metadata": {"name": "x"}, "spec": {"items": [{"id": "2", "v": "b"}]}});
        let o1 = apply(&live, &a, &r("a")).unwrap_or_default();
        let o2 = apply(&o1, &b, &r("b")).unwrap_or_default();
        assert_eq!(
            o2["spec"]["items"].as_array().map(Vec::len),
            Some(2),
            "items of two managers coexist"
        );
        let o3 = apply(&o2, &json!({"metadata": {"name": "x"}}), &r("a")).unwrap_or_default();
        assert_eq!(
            o3["spec"]["items"],
            json!([{"id": "2", "v": "b"}]),
            "a's item removed"
        );
    }

    #[test]
    fn update_takes_ownership() {
        let live = json!({"metadata": {"name": "d"}});
        let c = json!({"metadata": {"name": "d"}, "spec": {"replicas": 1}});
        let o1 = apply(&live, &c, &req("helm", false)).unwrap_or_default();
        let mut o2 = o1.clone();
        o2["spec"]["replicas"] = json!(5);
        record_update(Some(&o1), &mut o2, "kubectl-edit", "", true, "apps/v1", B);
        let ms = read_managers(&o2);
        assert_eq!(ms.len(), 1);
        assert_eq!(ms[0].manager, "kubectl-edit");
        let err = apply(&o2, &c, &req("helm", false)).err().map(|e| e.code);
        assert_eq!(err, Some(409));
    }
}
