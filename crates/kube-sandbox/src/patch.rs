//! Patch formats: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge
//! patch for built-in kinds, plus the table of list merge keys that SSA shares.

use crate::error::ApiError;
use serde_json::{Map, Value};

/// `builtin_merge_key` is the strategic-merge key of a list field of a built-in kind.
pub fn builtin_merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets" => Some("name"),
        "volumeMounts" => Some("mountPath"),
        "volumeDevices" => Some("devicePath"),
        "hostAliases" => Some("ip"),
        "conditions" => Some("type"),
        "ownerReferences" => Some("uid"),
        "ports" => {
            if items.iter().any(|i| i.get("containerPort").is_some()) {
                Some("containerPort")
            } else {
                Some("port")
            }
        }
        _ => None,
    }
}

/// `merge_patch` applies an RFC 7386 merge patch.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in p {
            if v.is_null() {
                t.remove(k);
            } else {
                merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

fn unescape(s: &str) -> String {
    s.replace("~1", "/").replace("~0", "~")
}

fn pointer_parts(path: &str) -> Result<Vec<String>, ApiError> {
    if path.is_empty() {
        return Ok(vec![]);
    }
    let rest = path
        .strip_prefix('/')
        .ok_or_else(|| ApiError::invalid(format!("invalid JSON pointer {path:?}")))?;
    Ok(rest.split('/').map(unescape).collect())
}

fn index(len: usize, s: &str, for_add: bool) -> Result<usize, ApiError> {
    if for_add && s == "-" {
        return Ok(len);
    }
    let i: usize = s
        .parse()
        .map_err(|_| ApiError::invalid(format!("invalid array index {s:?}")))?;
    let max = if for_add { len } else { len.saturating_sub(1) };
    if i > max || (!for_add && len == 0) {
        return Err(ApiError::invalid(format!("array index {i} out of bounds")));
    }
    Ok(i)
}

fn parent<'a>(doc: &'a mut Value, parts: &[String]) -> Result<&'a mut Value, ApiError> {
    let mut cur = doc;
    for p in parts {
        cur = match cur {
            Value::Object(m) => m
                .get_mut(p)
                .ok_or_else(|| ApiError::invalid(format!("path segment {p:?} not found")))?,
            Value::Array(a) => {
                let i = index(a.len(), p, false)?;
                &mut a[i]
            }
            _ => return Err(ApiError::invalid(format!("cannot descend into {p:?}"))),
        };
    }
    Ok(cur)
}

fn get_ptr<'a>(doc: &'a Value, path: &str) -> Result<&'a Value, ApiError> {
    doc.pointer(path)
        .ok_or_else(|| ApiError::invalid(format!("path {path:?} not found")))
}

fn add(doc: &mut Value, path: &str, val: Value) -> Result<(), ApiError> {
    let parts = pointer_parts(path)?;
    let Some((last, init)) = parts.split_last() else {
        *doc = val;
        return Ok(());
    };
    match parent(doc, init)? {
        Value::Object(m) => {
            m.insert(last.clone(), val);
        }
        Value::Array(a) => {
            let i = index(a.len(), last, true)?;
            a.insert(i, val);
        }
        _ => return Err(ApiError::invalid(format!("cannot add at {path:?}"))),
    }
    Ok(())
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, ApiError> {
    let parts = pointer_parts(path)?;
    let Some((last, init)) = parts.split_last() else {
        return Err(ApiError::invalid("cannot remove the root"));
    };
    match parent(doc, init)? {
        Value::Object(m) => m
            .remove(last)
            .ok_or_else(|| ApiError::invalid(format!("path {path:?} not found"))),
        Value::Array(a) => {
            let i = index(a.len(), last, false)?;
            Ok(a.remove(i))
        }
        _ => Err(ApiError::invalid(format!("cannot remove at {path:?}"))),
    }
}

/// `json_patch` applies RFC 6902 operations. A failed `test` is a 422.
pub fn json_patch(doc: &mut Value, ops: &Value) -> Result<(), ApiError> {
    let ops = ops
        .as_array()
        .ok_or_else(|| ApiError::bad_request("json patch must be an array"))?;
    for op in ops {
        let name = op.get("op").and_then(Value::as_str).unwrap_or("");
        let path = op
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::bad_request("json patch op without path"))?;
        let value = || {
            op.get("value")
                .cloned()
                .ok_or_else(|| ApiError::bad_request("json patch op without value"))
        };
        let from = || {
            op.get("from")
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::bad_request("json patch op without from"))
        };
        match name {
            "add" => add(doc, path, value()?)?,
            "remove" => {
                remove(doc, path)?;
            }
            "replace" => {
                remove(doc, path)?;
                add(doc, path, value()?)?;
            }
            "test" => {
                if *get_ptr(doc, path)? != value()? {
                    return Err(ApiError::invalid(format!(
                        "the server rejected our request due to an error in our request: test failed at {path}"
                    )));
                }
            }
            "copy" => {
                let v = get_ptr(doc, from()?)?.clone();
                add(doc, path, v)?;
            }
            "move" => {
                let v = remove(doc, from()?)?;
                add(doc, path, v)?;
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown json patch op {other:?}"
                )))
            }
        }
    }
    Ok(())
}

/// `strategic_merge_patch` applies a strategic merge patch using built-in merge keys,
/// honouring `$patch: replace|delete`, `$deleteFromPrimitiveList/<f>` and ignoring
/// `$setElementOrder/<f>` and `$retainKeys`.
pub fn strategic_merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if p.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut clean = p.clone();
        clean.remove("$patch");
        *target = Value::Object(clean);
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(t) = target else { return };
    for (k, v) in p {
        if k == "$patch" || k == "$retainKeys" || k.starts_with("$setElementOrder/") {
            continue;
        }
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(list)), Value::Array(del)) = (t.get_mut(field), v) {
                list.retain(|x| !del.contains(x));
            }
            continue;
        }
        if v.is_null() {
            t.remove(k);
            continue;
        }
        if let Value::Object(vm) = v {
            if vm.get("$patch").and_then(Value::as_str) == Some("delete") {
                t.remove(k);
                continue;
            }
        }
        match (t.get_mut(k), v) {
            (Some(Value::Array(cur)), Value::Array(items)) => merge_list(k, cur, items),
            (Some(cur @ Value::Object(_)), Value::Object(_)) => strategic_merge_patch(cur, v),
            (_, v) => {
                let mut fresh = Value::Null;
                strategic_merge_patch(&mut fresh, v);
                strip_directives(&mut fresh);
                t.insert(k.clone(), fresh);
            }
        }
    }
}

fn strip_directives(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, _| !k.starts_with('$'));
            m.values_mut().for_each(strip_directives);
        }
        Value::Array(a) => {
            a.retain(|i| i.get("$patch").and_then(Value::as_str) != Some("delete"));
            a.iter_mut().for_each(strip_directives);
        }
        _ => {}
    }
}

fn merge_list(field: &str, cur: &mut Vec<Value>, items: &[Value]) {
    if items
        .iter()
        .any(|i| i.get("$patch").and_then(Value::as_str) == Some("replace"))
    {
        *cur = items
            .iter()
            .filter(|i| i.get("$patch").is_none())
            .cloned()
            .collect();
        return;
    }
    if field == "finalizers" {
        for i in items {
            if !cur.contains(i) {
                cur.push(i.clone());
            }
        }
        return;
    }
    let Some(key) = builtin_merge_key(field, items) else {
        *cur = items.to_vec();
        strip_directives(&mut Value::Array(cur.clone()));
        return;
    };
    for item in items {
        let Some(kv) = item.get(key) else {
            continue;
        };
        let pos = cur.iter().position(|c| c.get(key) == Some(kv));
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (pos, delete) {
            (Some(p), true) => {
                cur.remove(p);
            }
            (None, true) => {}
            (Some(p), false) => strategic_merge_patch(&mut cur[p], item),
            (None, false) => {
                let mut fresh = item.clone();
                strip_directives(&mut fresh);
                cur.push(fresh);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_rfc7386() {
        let mut t = json!({"a": {"b": 1, "c": 2}, "d": [1]});
        merge_patch(&mut t, &json!({"a": {"b": null, "e": 3}, "d": [2]}));
        assert_eq!(t, json!({"a": {"c": 2, "e": 3}, "d": [2]}));
    }

    #[test]
    fn json_patch_ops_and_failed_test() {
        let mut t = json!({"a": [1, 2], "b": {"c": "x"}});
        let ops = json!([{"op": "add", "path": "/a/-", "value": 3},
            {"op": "replace", "path": "/b/c", "value": "y"},
            {"op": "move", "from": "/b/c", "path": "/z"},
            {"op": "test", "path": "/z", "value": "y"}]);
        assert!(json_patch(&mut t, &ops).is_ok());
        assert_eq!(t, json!({"a": [1, 2, 3], "b": {}, "z": "y"}));
        let bad = json_patch(&mut t, &json!([{"op": "test", "path": "/z", "value": "q"}]));
        assert_eq!(bad.map_err(|e| e.code), Err(422));
    }

    #[test]
    fn smp_merges_containers_by_name() {
        let mut t = json!({"spec": {"containers": [
            {"name": "a", "image": "a:1", "env": [{"name": "X", "value": "1"}]},
            {"name": "b", "image": "b:1"}]}});
        let p = json!({"spec": {"$setElementOrder/containers": [{"name": "a"}, {"name": "b"}],
            "containers": [{"name": "a", "image": "a:2", "env": [{"name": "Y", "value": "2"}]},
                           {"name": "b", "$patch": "delete"}]}});
        strategic_merge_patch(&mut t, &p);
        assert_eq!(
            t,
            json!({"spec": {"containers": [
            {"name": "a", "image": "a:2", "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]}]}})
        );
    }

    #[test]
    fn smp_replace_directive() {
        let mut t = json!({"data": {"a": "1", "b": "2"}});
        strategic_merge_patch(&mut t, &json!({"data": {"$patch": "replace", "c": "3"}}));
        assert_eq!(t, json!({"data": {"c": "3"}}));
    }
}
