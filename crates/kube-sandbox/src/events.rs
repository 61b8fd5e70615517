//! The two views of one Event store: objects are stored as core/v1 `Event`s and shown as
//! `events.k8s.io/v1` `Event`s on that group (`regarding`↔`involvedObject`,
//! `note`↔`message`, `deprecated*`↔the old fields), so `kubectl describe` (core/v1) sees
//! what kube-rs's `Recorder` (events.k8s.io/v1) wrote.

use serde_json::{Map, Value};

const PAIRS: &[(&str, &str)] = &[
    ("regarding", "involvedObject"),
    ("note", "message"),
    ("reportingController", "reportingComponent"),
    ("reportingInstance", "reportingInstance"),
    ("deprecatedSource", "source"),
    ("deprecatedFirstTimestamp", "firstTimestamp"),
    ("deprecatedLastTimestamp", "lastTimestamp"),
    ("deprecatedCount", "count"),
];

const SHARED: &[&str] = &[
    "metadata",
    "eventTime",
    "series",
    "action",
    "reason",
    "type",
    "related",
];

/// `to_core` converts an events.k8s.io/v1 Event into its stored core/v1 form.
pub fn to_core(v1: &Value) -> Value {
    let Value::Object(src) = v1 else {
        return v1.clone();
    };
    let mut out = Map::new();
    out.insert("apiVersion".into(), "v1".into());
    out.insert("kind".into(), "Event".into());
    for k in SHARED {
        if let Some(v) = src.get(*k) {
            out.insert((*k).into(), v.clone());
        }
    }
    for (new, old) in PAIRS {
        if let Some(v) = src.get(*new) {
            out.insert((*old).into(), v.clone());
        }
    }
    if !out.contains_key("source") {
        if let Some(c) = src.get("reportingController") {
            let mut s = Map::new();
            s.insert("component".into(), c.clone());
            if let Some(h) = src.get("reportingInstance") {
                s.insert("host".into(), h.clone());
            }
            out.insert("source".into(), Value::Object(s));
        }
    }
    if !out.contains_key("count") {
        if let Some(c) = src.get("series").and_then(|s| s.get("count")) {
            out.insert("count".into(), c.clone());
        }
    }
    if !out.contains_key("lastTimestamp") {
        if let Some(t) = src
            .get("series")
            .and_then(|s| s.get("lastObservedTime"))
            .or_else(|| src.get("eventTime"))
            .and_then(Value::as_str)
        {
            out.insert("lastTimestamp".into(), trim_micro(t).into());
        }
    }
    if !out.contains_key("firstTimestamp") {
        if let Some(t) = src.get("eventTime").and_then(Value::as_str) {
            out.insert("firstTimestamp".into(), trim_micro(t).into());
        }
    }
    Value::Object(out)
}

fn trim_micro(t: &str) -> String {
    match t.split_once('.') {
        Some((base, _)) => format!("{base}Z"),
        None => t.to_string(),
    }
}

/// `to_v1` shows a stored core/v1 Event as an events.k8s.io/v1 Event.
pub fn to_v1(core: &Value) -> Value {
    let Value::Object(src) = core else {
        return core.clone();
    };
    let mut out = Map::new();
    out.insert("apiVersion".into(), "events.k8s.io/v1".into());
    out.insert("kind".into(), "Event".into());
    for k in SHARED {
        if let Some(v) = src.get(*k) {
            out.insert((*k).into(), v.clone());
        }
    }
    for (new, old) in PAIRS {
        if let Some(v) = src.get(*old) {
            out.insert((*new).into(), v.clone());
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trip_and_mapping() {
        let v1 = json!({"apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": {"name": "e", "namespace": "default"},
            "eventTime": "2024-01-01T00:00:00.000000Z",
            "regarding": {"kind": "Widget", "name": "w", "uid": "u"},
            "note": "hello", "reason": "Created", "type": "Normal",
            "reportingController": "ctl", "reportingInstance": "pod-1", "action": "Reconcile"});
        let core = to_core(&v1);
        assert_eq!(core["involvedObject"]["name"], "w");
        assert_eq!(core["message"], "hello");
        assert_eq!(core["source"]["component"], "ctl");
        assert_eq!(core["lastTimestamp"], "2024-01-01T00:00:00Z");
        let back = to_v1(&core);
        assert_eq!(back["note"], "hello");
        assert_eq!(back["regarding"], v1["regarding"]);
    }
}
