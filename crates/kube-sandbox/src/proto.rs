//! Decoding of Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`):
//! the `k8s\0` + `runtime.Unknown` envelope and the few kinds kubectl and client-go send
//! this way (Secret, ConfigMap, Namespace, core/v1 Event, DeleteOptions), into JSON.
//! Responses are always JSON.

use crate::error::ApiError;
use crate::util::{format_micro_time, format_time};
use base64::Engine;
use serde_json::{json, Map, Value};

/// The magic prefix of Kubernetes protobuf bodies.
pub const MAGIC: &[u8] = b"k8s\0";

enum Wire<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

fn err(msg: &str) -> ApiError {
    ApiError::new(415, "UnsupportedMediaType", format!("protobuf: {msg}"))
}

fn varint(b: &[u8], i: &mut usize) -> Result<u64, ApiError> {
    let mut v: u64 = 0;
    for shift in (0..64).step_by(7) {
        let c = *b.get(*i).ok_or_else(|| err("truncated varint"))?;
        *i += 1;
        v |= u64::from(c & 0x7f) << shift;
        if c & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(err("varint too long"))
}

fn fields(b: &[u8]) -> Result<Vec<(u64, Wire<'_>)>, ApiError> {
    let mut out = vec![];
    let mut i = 0;
    while i < b.len() {
        let key = varint(b, &mut i)?;
        let (num, wt) = (key >> 3, key & 7);
        let w = match wt {
            0 => Wire::Varint(varint(b, &mut i)?),
            1 => {
                i += 8;
                Wire::Fixed
            }
            2 => {
                let n = usize::try_from(varint(b, &mut i)?).map_err(|_| err("length"))?;
                let end = i.checked_add(n).filter(|e| *e <= b.len());
                let end = end.ok_or_else(|| err("truncated field"))?;
                let s = &b[i..end];
                i = end;
                Wire::Bytes(s)
            }
            5 => {
                i += 4;
                Wire::Fixed
            }
            _ => return Err(err("unsupported wire type")),
        };
        if i > b.len() {
            return Err(err("truncated"));
        }
        out.push((num, w));
    }
    Ok(out)
}

fn string(w: &Wire) -> Result<String, ApiError> {
    match w {
        Wire::Bytes(b) => String::from_utf8(b.to_vec()).map_err(|_| err("invalid utf-8")),
        _ => Err(err("expected string")),
    }
}

fn bytes<'a>(w: &Wire<'a>) -> Result<&'a [u8], ApiError> {
    match w {
        Wire::Bytes(b) => Ok(b),
        _ => Err(err("expected bytes")),
    }
}

fn int(w: &Wire) -> Result<i64, ApiError> {
    match w {
        Wire::Varint(v) => Ok(*v as i64),
        _ => Err(err("expected varint")),
    }
}

fn map_entry(b: &[u8], as_bytes: bool) -> Result<(String, Value), ApiError> {
    let (mut k, mut v) = (String::new(), json!(""));
    for (n, w) in fields(b)? {
        match n {
            1 => k = string(&w)?,
            2 if as_bytes => {
                v = json!(base64::engine::general_purpose::STANDARD.encode(bytes(&w)?))
            }
            2 => v = json!(string(&w)?),
            _ => {}
        }
    }
    Ok((k, v))
}

fn time(b: &[u8], micro: bool) -> Result<String, ApiError> {
    let (mut secs, mut nanos) = (0i64, 0i64);
    for (n, w) in fields(b)? {
        match n {
            1 => secs = int(&w)?,
            2 => nanos = int(&w)?,
            _ => {}
        }
    }
    Ok(if micro {
        format_micro_time(secs, nanos)
    } else {
        format_time(secs)
    })
}

fn insert_map(obj: &mut Map<String, Value>, key: &str, k: String, v: Value) {
    if let Value::Object(m) = obj
        .entry(key.to_string())
        .or_insert_with(|| Value::Object(Map::new()))
    {
        m.insert(k, v);
    }
}

fn push(obj: &mut Map<String, Value>, key: &str, v: Value) {
    if let Value::Array(a) = obj
        .entry(key.to_string())
        .or_insert_with(|| Value::Array(vec![]))
    {
        a.push(v);
    }
}

fn owner_ref(b: &[u8]) -> Result<Value, ApiError> {
    let mut m = Map::new();
    for (n, w) in fields(b)? {
        match n {
            1 => m.insert("kind".into(), json!(string(&w)?)),
            3 => m.insert("name".into(), json!(string(&w)?)),
            4 => m.insert("uid".into(), json!(string(&w)?)),
            5 => m.insert("apiVersion".into(), json!(string(&w)?)),
            6 => m.insert("controller".into(), json!(int(&w)? != 0)),
            7 => m.insert("blockOwnerDeletion".into(), json!(int(&w)? != 0)),
            _ => None,
        };
    }
    Ok(Value::Object(m))
}

fn object_meta(b: &[u8]) -> Result<Value, ApiError> {
    let mut m = Map::new();
    for (n, w) in fields(b)? {
        match n {
            1 => {
                m.insert("name".into(), json!(string(&w)?));
            }
            2 => {
                m.insert("generateName".into(), json!(string(&w)?));
            }
            3 => {
                m.insert("namespace".into(), json!(string(&w)?));
            }
            5 => {
                m.insert("uid".into(), json!(string(&w)?));
            }
            6 => {
                m.insert("resourceVersion".into(), json!(string(&w)?));
            }
            7 => {
                m.insert("generation".into(), json!(int(&w)?));
            }
            8 => {
                m.insert("creationTimestamp".into(), json!(time(bytes(&w)?, false)?));
            }
            9 => {
                m.insert("deletionTimestamp".into(), json!(time(bytes(&w)?, false)?));
            }
            10 => {
                m.insert("deletionGracePeriodSeconds".into(), json!(int(&w)?));
            }
            11 => {
                let (k, v) = map_entry(bytes(&w)?, false)?;
                insert_map(&mut m, "labels", k, v);
            }
            12 => {
                let (k, v) = map_entry(bytes(&w)?, false)?;
                insert_map(&mut m, "annotations", k, v);
            }
            13 => push(&mut m, "ownerReferences", owner_ref(bytes(&w)?)?),
            14 => push(&mut m, "finalizers", json!(string(&w)?)),
            _ => {}
        }
    }
    // Empty strings are proto3 defaults, not values.
    m.retain(|_, v| v.as_str() != Some(""));
    Ok(Value::Object(m))
}

fn object_ref(b: &[u8]) -> Result<Value, ApiError> {
    let names = [
        "",
        "kind",
        "namespace",
        "name",
        "uid",
        "apiVersion",
        "resourceVersion",
        "fieldPath",
    ];
    let mut m = Map::new();
    for (n, w) in fields(b)? {
        if let Some(name) = names.get(n as usize).filter(|s| !s.is_empty()) {
            let s = string(&w)?;
            if !s.is_empty() {
                m.insert((*name).into(), json!(s));
            }
        }
    }
    Ok(Value::Object(m))
}

fn secret(raw: &[u8], obj: &mut Map<String, Value>) -> Result<(), ApiError> {
    for (n, w) in fields(raw)? {
        match n {
            1 => {
                obj.insert("metadata".into(), object_meta(bytes(&w)?)?);
            }
            2 => {
                let (k, v) = map_entry(bytes(&w)?, true)?;
                insert_map(obj, "data", k, v);
            }
            3 => {
                obj.insert("type".into(), json!(string(&w)?));
            }
            4 => {
                let (k, v) = map_entry(bytes(&w)?, false)?;
                insert_map(obj, "stringData", k, v);
            }
            5 => {
                obj.insert("immutable".into(), json!(int(&w)? != 0));
            }
            _ => {}
        }
    }
    Ok(())
}

fn config_map(raw: &[u8], obj: &mut Map<String, Value>) -> Result<(), ApiError> {
    for (n, w) in fields(raw)? {
        match n {
            1 => {
                obj.insert("metadata".into(), object_meta(bytes(&w)?)?);
            }
            2 => {
                let (k, v) = map_entry(bytes(&w)?, false)?;
                insert_map(obj, "data", k, v);
            }
            3 => {
                let (k, v) = map_entry(bytes(&w)?, true)?;
                insert_map(obj, "binaryData", k, v);
            }
            4 => {
                obj.insert("immutable".into(), json!(int(&w)? != 0));
            }
            _ => {}
        }
    }
    Ok(())
}

fn namespace(raw: &[u8], obj: &mut Map<String, Value>) -> Result<(), ApiError> {
    for (n, w) in fields(raw)? {
        match n {
            1 => {
                obj.insert("metadata".into(), object_meta(bytes(&w)?)?);
            }
            2 => {
                let mut spec = Map::new();
                for (n2, w2) in fields(bytes(&w)?)? {
                    if n2 == 1 {
                        push(&mut spec, "finalizers", json!(string(&w2)?));
                    }
                }
                obj.insert("spec".into(), Value::Object(spec));
            }
            3 => {
                let mut st = Map::new();
                for (n2, w2) in fields(bytes(&w)?)? {
                    if n2 == 1 {
                        st.insert("phase".into(), json!(string(&w2)?));
                    }
                }
                obj.insert("status".into(), Value::Object(st));
            }
            _ => {}
        }
    }
    Ok(())
}

fn event(raw: &[u8], obj: &mut Map<String, Value>) -> Result<(), ApiError> {
    for (n, w) in fields(raw)? {
        let (key, val) = match n {
            1 => ("metadata", object_meta(bytes(&w)?)?),
            2 => ("involvedObject", object_ref(bytes(&w)?)?),
            3 => ("reason", json!(string(&w)?)),
            4 => ("message", json!(string(&w)?)),
            5 => {
                let mut s = Map::new();
                for (n2, w2) in fields(bytes(&w)?)? {
                    match n2 {
                        1 => s.insert("component".into(), json!(string(&w2)?)),
                        2 => s.insert("host".into(), json!(string(&w2)?)),
                        _ => None,
                    };
                }
                ("source", Value::Object(s))
            }
            6 => ("firstTimestamp", json!(time(bytes(&w)?, false)?)),
            7 => ("lastTimestamp", json!(time(bytes(&w)?, false)?)),
            8 => ("count", json!(int(&w)? as i32)),
            9 => ("type", json!(string(&w)?)),
            10 => ("eventTime", json!(time(bytes(&w)?, true)?)),
            11 => {
                let mut s = Map::new();
                for (n2, w2) in fields(bytes(&w)?)? {
                    match n2 {
                        1 => s.insert("count".into(), json!(int(&w2)? as i32)),
                        2 => s.insert("lastObservedTime".into(), json!(time(bytes(&w2)?, true)?)),
                        _ => None,
                    };
                }
                ("series", Value::Object(s))
            }
            12 => ("action", json!(string(&w)?)),
            13 => ("related", object_ref(bytes(&w)?)?),
            14 => ("reportingComponent", json!(string(&w)?)),
            15 => ("reportingInstance", json!(string(&w)?)),
            _ => continue,
        };
        obj.insert(key.into(), val);
    }
    Ok(())
}

fn delete_options(raw: &[u8], obj: &mut Map<String, Value>) -> Result<(), ApiError> {
    for (n, w) in fields(raw)? {
        match n {
            1 => {
                obj.insert("gracePeriodSeconds".into(), json!(int(&w)?));
            }
            2 => {
                let mut p = Map::new();
                for (n2, w2) in fields(bytes(&w)?)? {
                    match n2 {
                        1 => p.insert("uid".into(), json!(string(&w2)?)),
                        2 => p.insert("resourceVersion".into(), json!(string(&w2)?)),
                        _ => None,
                    };
                }
                obj.insert("preconditions".into(), Value::Object(p));
            }
            3 => {
                obj.insert("orphanDependents".into(), json!(int(&w)? != 0));
            }
            4 => {
                obj.insert("propagationPolicy".into(), json!(string(&w)?));
            }
            5 => push(obj, "dryRun", json!(string(&w)?)),
            _ => {}
        }
    }
    Ok(())
}

/// `decode` turns a protobuf body into the equivalent JSON object.
///
/// Errors: 415 UnsupportedMediaType for a malformed envelope or an unsupported kind.
pub fn decode(body: &[u8]) -> Result<Value, ApiError> {
    let rest = body
        .strip_prefix(MAGIC)
        .ok_or_else(|| err("missing k8s magic"))?;
    let (mut api_version, mut kind, mut raw): (String, String, &[u8]) =
        (String::new(), String::new(), &[]);
    for (n, w) in fields(rest)? {
        match n {
            1 => {
                for (n2, w2) in fields(bytes(&w)?)? {
                    match n2 {
                        1 => api_version = string(&w2)?,
                        2 => kind = string(&w2)?,
                        _ => {}
                    }
                }
            }
            2 => raw = bytes(&w)?,
            _ => {}
        }
    }
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), json!(api_version));
    obj.insert("kind".into(), json!(kind));
    match kind.as_str() {
        "Secret" => secret(raw, &mut obj)?,
        "ConfigMap" => config_map(raw, &mut obj)?,
        "Namespace" => namespace(raw, &mut obj)?,
        "Event" => event(raw, &mut obj)?,
        "DeleteOptions" => delete_options(raw, &mut obj)?,
        other => {
            return Err(err(&format!(
                "protobuf bodies of kind {other:?} are not supported; send JSON"
            )))
        }
    }
    Ok(Value::Object(obj))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn put_varint(out: &mut Vec<u8>, mut v: u64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    /// `field` encodes one length-delimited field (test helper).
    pub(crate) fn field(n: u64, data: &[u8]) -> Vec<u8> {
        let mut out = vec![];
        put_varint(&mut out, n << 3 | 2);
        put_varint(&mut out, data.len() as u64);
        out.extend_from_slice(data);
        out
    }

    /// `envelope` wraps a message like client-go does.
    pub(crate) fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
        let mut tm = field(1, api_version.as_bytes());
        tm.extend(field(2, kind.as_bytes()));
        let mut out = MAGIC.to_vec();
        out.extend(field(1, &tm));
        out.extend(field(2, raw));
        out
    }

    #[test]
    fn decodes_secret() {
        let mut label = field(1, b"owner");
        label.extend(field(2, b"helm"));
        let mut meta = field(1, b"sh.helm.release.v1.x.v1");
        meta.extend(field(11, &label));
        let mut data = field(1, b"release");
        data.extend(field(2, b"\x00\x01"));
        let mut raw = field(1, &meta);
        raw.extend(field(2, &data));
        raw.extend(field(3, b"helm.sh/release.v1"));
        let v = decode(&envelope("v1", "Secret", &raw)).unwrap_or_default();
        assert_eq!(v["metadata"]["name"], "sh.helm.release.v1.x.v1");
        assert_eq!(v["metadata"]["labels"]["owner"], "helm");
        assert_eq!(v["data"]["release"], "AAE=");
        assert_eq!(v["type"], "helm.sh/release.v1");
    }

    #[test]
    fn rejects_garbage() {
        assert!(decode(b"k8s\0\xff\xff").is_err());
        assert!(decode(b"nope").is_err());
        let v = decode(&envelope("v1", "Pod", &[])).err().map(|e| e.code);
        assert_eq!(v, Some(415));
    }
}
