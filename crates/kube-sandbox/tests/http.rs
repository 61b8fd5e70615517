//! The HTTP surface as kubectl and client-go see it, driven through the router without
//! sockets: discovery shapes and content types, OpenAPI stubs, Table and metadata
//! responses, protobuf request bodies, patch formats, dryRun, watch variants, the two
//! Event views, the admin fault endpoint and path edge cases.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use kube_sandbox::Sandbox;
use serde_json::{json, Value};
use tower::ServiceExt;

type R = Result<(), Box<dyn std::error::Error>>;

struct Resp {
    code: StatusCode,
    ctype: String,
    text: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    fn lines(&self) -> Vec<Value> {
        self.text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

async fn call(
    sb: &Sandbox,
    method: &str,
    uri: &str,
    ctype: &str,
    accept: &str,
    body: Vec<u8>,
) -> Result<Resp, Box<dyn std::error::Error>> {
    let mut req = Request::builder().method(method).uri(uri);
    if !ctype.is_empty() {
        req = req.header("content-type", ctype);
    }
    if !accept.is_empty() {
        req = req.header("accept", accept);
    }
    let resp = sb.router().oneshot(req.body(Body::from(body))?).await?;
    let code = resp.status();
    let ctype = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = resp.into_body().collect().await?.to_bytes();
    Ok(Resp {
        code,
        ctype,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

async fn get(sb: &Sandbox, uri: &str, accept: &str) -> Result<Resp, Box<dyn std::error::Error>> {
    call(sb, "GET", uri, "", accept, vec![]).await
}

async fn post_json(sb: &Sandbox, uri: &str, v: Value) -> Result<Resp, Box<dyn std::error::Error>> {
    call(
        sb,
        "POST",
        uri,
        "application/json",
        "application/json",
        v.to_string().into_bytes(),
    )
    .await
}

// --- a tiny protobuf encoder for the request bodies client-go sends -----------------

fn varint(out: &mut Vec<u8>, mut v: u64) {
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

fn field(n: u64, data: &[u8]) -> Vec<u8> {
    let mut out = vec![];
    varint(&mut out, n << 3 | 2);
    varint(&mut out, data.len() as u64);
    out.extend_from_slice(data);
    out
}

fn entry(k: &str, v: &[u8]) -> Vec<u8> {
    let mut e = field(1, k.as_bytes());
    e.extend(field(2, v));
    e
}

fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
    let mut tm = field(1, api_version.as_bytes());
    tm.extend(field(2, kind.as_bytes()));
    let mut out = b"k8s\0".to_vec();
    out.extend(field(1, &tm));
    out.extend(field(2, raw));
    out
}

const PB: &str = "application/vnd.kubernetes.protobuf";
const AGG: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

#[tokio::test]
async fn discovery_and_openapi_shapes() -> R {
    let sb = Sandbox::default();
    let agg = get(&sb, "/apis", AGG).await?;
    assert_eq!(
        agg.ctype,
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    );
    assert_eq!(agg.json()["kind"], "APIGroupDiscoveryList");
    let core = get(&sb, "/api", AGG).await?.json();
    let res = &core["items"][0]["versions"][0]["resources"];
    assert!(res
        .as_array()
        .is_some_and(|r| r.iter().any(|r| r["resource"] == "configmaps")));
    assert_eq!(
        get(&sb, "/api", "application/json").await?.json()["kind"],
        "APIVersions"
    );
    assert_eq!(get(&sb, "/api/v1", "").await?.json()["groupVersion"], "v1");
    let apps = get(&sb, "/apis/apps/v1", "").await?.json();
    assert!(apps["resources"]
        .as_array()
        .is_some_and(|r| r.iter().any(|r| r["name"] == "deployments/status")));
    assert_eq!(get(&sb, "/apis/apps", "").await?.json()["kind"], "APIGroup");
    assert_eq!(
        get(&sb, "/version", "").await?.json()["gitVersion"],
        "v1.33.0"
    );
    let root = get(&sb, "/openapi/v3", "").await?.json();
    let url = root["paths"]["api/v1"]["serverRelativeURL"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(url.starts_with("/openapi/v3/api/v1?hash="));
    let doc = get(&sb, &url, "").await?.json();
    let patch = &doc["paths"]["/api/v1/namespaces/{namespace}/configmaps/{name}"]["patch"];
    assert_eq!(
        patch["x-kubernetes-group-version-kind"]["kind"],
        "ConfigMap"
    );
    assert!(patch["parameters"]
        .as_array()
        .is_some_and(|p| p.iter().any(|p| p["name"] == "fieldValidation")));
    assert_eq!(
        get(&sb, "/openapi/v2", "").await?.code,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&sb, "/apis/nope.io/v1", "").await?.code,
        StatusCode::NOT_FOUND
    );
    Ok(())
}

#[tokio::test]
async fn tables_and_partial_metadata() -> R {
    let sb = Sandbox::default();
    post_json(
        &sb,
        "/api/v1/namespaces/default/configmaps",
        json!({"metadata": {"name": "t"}, "data": {"a": "1", "b": "2"}}),
    )
    .await?;
    let t = get(
        &sb,
        "/api/v1/namespaces/default/configmaps?limit=500",
        TABLE,
    )
    .await?;
    assert_eq!(t.ctype, "application/json;as=Table;v=v1;g=meta.k8s.io");
    let v = t.json();
    assert_eq!(v["kind"], "Table");
    let names: Vec<&str> = v["columnDefinitions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["Name", "Data", "Age"]);
    assert_eq!(v["rows"][0]["cells"][0], "t");
    assert_eq!(v["rows"][0]["cells"][1], 2);
    assert!(v["rows"][0]["cells"][2]
        .as_str()
        .is_some_and(|s| s.ends_with('s')));
    assert_eq!(v["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    let one = get(&sb, "/api/v1/namespaces/default/configmaps/t", TABLE)
        .await?
        .json();
    assert_eq!(one["rows"].as_array().map(Vec::len), Some(1));
    let pm = get(
        &sb,
        "/api/v1/namespaces/default/configmaps",
        "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
    )
    .await?
    .json();
    assert_eq!(pm["kind"], "PartialObjectMetadataList");
    assert!(pm["items"][0].get("data").is_none());
    let list = get(&sb, "/api/v1/namespaces/default/configmaps", "")
        .await?
        .json();
    assert_eq!(list["kind"], "ConfigMapList");
    assert!(list["metadata"]["resourceVersion"].is_string());
    Ok(())
}

#[tokio::test]
async fn protobuf_request_bodies() -> R {
    let sb = Sandbox::default();
    let ns = envelope("v1", "Namespace", &field(1, &field(1, b"pb")));
    let r = call(
        &sb,
        "POST",
        "/api/v1/namespaces",
        PB,
        "application/vnd.kubernetes.protobuf,application/json",
        ns,
    )
    .await?;
    assert_eq!(r.code, StatusCode::CREATED);
    assert_eq!(r.json()["status"]["phase"], "Active");
    let mut meta = field(1, b"sh.helm.release.v1.demo.v1");
    meta.extend(field(11, &entry("owner", b"helm")));
    let mut secret = field(1, &meta);
    secret.extend(field(2, &entry("release", b"H4sI")));
    secret.extend(field(3, b"helm.sh/release.v1"));
    let r = call(
        &sb,
        "POST",
        "/api/v1/namespaces/pb/secrets",
        PB,
        "",
        envelope("v1", "Secret", &secret),
    )
    .await?;
    assert_eq!(r.code, StatusCode::CREATED);
    let v = r.json();
    assert_eq!(v["type"], "helm.sh/release.v1");
    assert_eq!(v["data"]["release"], "SDRzSQ==");
    let listed = get(
        &sb,
        "/api/v1/namespaces/pb/secrets?labelSelector=owner%3Dhelm",
        "",
    )
    .await?
    .json();
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
    let mut cm = field(1, &field(1, b"cm"));
    cm.extend(field(2, &entry("k", b"v")));
    let r = call(
        &sb,
        "POST",
        "/api/v1/namespaces/pb/configmaps",
        PB,
        "",
        envelope("v1", "ConfigMap", &cm),
    )
    .await?;
    assert_eq!(r.json()["data"]["k"], "v");
    let mut ev = field(1, &field(1, b"ev1"));
    let mut involved = field(1, b"ConfigMap");
    involved.extend(field(3, b"cm"));
    ev.extend(field(2, &involved));
    ev.extend(field(3, b"Tested"));
    ev.extend(field(4, b"from protobuf"));
    let r = call(
        &sb,
        "POST",
        "/api/v1/namespaces/pb/events",
        PB,
        "",
        envelope("v1", "Event", &ev),
    )
    .await?;
    assert_eq!(r.json()["involvedObject"]["name"], "cm");
    let del = envelope("v1", "DeleteOptions", &field(4, b"Background"));
    let r = call(
        &sb,
        "DELETE",
        "/api/v1/namespaces/pb/secrets/sh.helm.release.v1.demo.v1",
        PB,
        "",
        del,
    )
    .await?;
    assert_eq!(r.code, StatusCode::OK);
    let pod = envelope("v1", "Pod", &field(1, &field(1, b"p")));
    let r = call(&sb, "POST", "/api/v1/namespaces/pb/pods", PB, "", pod).await?;
    assert_eq!(r.code, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    Ok(())
}

#[tokio::test]
async fn patch_formats_and_dry_run() -> R {
    let sb = Sandbox::default();
    let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}},
        "spec": {"containers": [{"name": "web", "image": "nginx:1", "env": [{"name": "A", "value": "1"}]},
                                 {"name": "side", "image": "busybox"}]}}}});
    let base = "/apis/apps/v1/namespaces/default/deployments";
    let dry = post_json(&sb, &format!("{base}?dryRun=All"), deploy.clone()).await?;
    assert_eq!(dry.code, StatusCode::CREATED);
    assert_eq!(
        get(&sb, &format!("{base}/d"), "").await?.code,
        StatusCode::NOT_FOUND
    );
    post_json(&sb, base, deploy).await?;
    let smp = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "web", "image": "nginx:2", "env": [{"name": "B", "value": "2"}]},
        {"name": "side", "$patch": "delete"}]}}}});
    let r = call(
        &sb,
        "PATCH",
        &format!("{base}/d"),
        "application/strategic-merge-patch+json",
        "",
        smp.to_string().into_bytes(),
    )
    .await?;
    let v = r.json();
    let cs = &v["spec"]["template"]["spec"]["containers"];
    assert_eq!(cs.as_array().map(Vec::len), Some(1));
    assert_eq!(cs[0]["image"], "nginx:2");
    assert_eq!(cs[0]["env"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["metadata"]["generation"], 2);
    let bad = json!([{"op": "test", "path": "/spec/replicas", "value": 9}]);
    let r = call(
        &sb,
        "PATCH",
        &format!("{base}/d"),
        "application/json-patch+json",
        "",
        bad.to_string().into_bytes(),
    )
    .await?;
    assert_eq!(r.code, StatusCode::UNPROCESSABLE_ENTITY);
    let stale = json!({"metadata": {"resourceVersion": "1"}, "spec": {"replicas": 3}});
    let r = call(
        &sb,
        "PATCH",
        &format!("{base}/d"),
        "application/merge-patch+json",
        "",
        stale.to_string().into_bytes(),
    )
    .await?;
    assert_eq!(r.code, StatusCode::CONFLICT);
    let scale = get(&sb, &format!("{base}/d/scale"), "").await?.json();
    assert_eq!(scale["kind"], "Scale");
    let r = call(
        &sb,
        "PATCH",
        &format!("{base}/d/scale"),
        "application/merge-patch+json",
        "",
        br#"{"spec":{"replicas":4}}"#.to_vec(),
    )
    .await?;
    assert_eq!(r.json()["spec"]["replicas"], 4);
    assert_eq!(
        get(&sb, &format!("{base}/d"), "").await?.json()["spec"]["replicas"],
        4
    );
    let r = call(
        &sb,
        "PATCH",
        &format!("{base}/d?fieldManager=x&dryRun=All"),
        "application/apply-patch+yaml",
        "",
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: 7\n"
            .to_vec(),
    )
    .await?;
    assert_eq!(
        r.code,
        StatusCode::CONFLICT,
        "replicas is owned by the scale writer"
    );
    Ok(())
}

#[tokio::test]
async fn watch_initial_events_tables_and_timeout() -> R {
    let sb = Sandbox::default();
    post_json(
        &sb,
        "/api/v1/namespaces/default/configmaps",
        json!({"metadata": {"name": "w"}}),
    )
    .await?;
    let r = get(&sb, "/api/v1/namespaces/default/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1", "").await?;
    let lines = r.lines();
    assert_eq!(lines[0]["type"], "ADDED");
    let end = lines.iter().find(|l| l["type"] == "BOOKMARK");
    assert_eq!(
        end.map(|b| b["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"].clone()),
        Some(json!("true"))
    );
    let r = get(
        &sb,
        "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1",
        TABLE,
    )
    .await?;
    let lines = r.lines();
    assert_eq!(lines[0]["object"]["kind"], "Table");
    assert_eq!(lines[0]["object"]["rows"][0]["cells"][0], "w");
    let r = get(&sb, "/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1&fieldSelector=metadata.name%3Dother", "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1").await?;
    assert!(r.lines().is_empty());
    Ok(())
}

#[tokio::test]
async fn event_views_and_field_selectors() -> R {
    let sb = Sandbox::default();
    let ev = json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e1"},
        "eventTime": "2024-05-01T10:00:00.000000Z", "reportingController": "ctl", "reportingInstance": "ctl-0",
        "action": "Sync", "reason": "Synced", "type": "Normal", "note": "done",
        "regarding": {"apiVersion": "v1", "kind": "ConfigMap", "name": "cm", "namespace": "default", "uid": "u-1"}});
    let r = post_json(&sb, "/apis/events.k8s.io/v1/namespaces/default/events", ev).await?;
    assert_eq!(r.code, StatusCode::CREATED);
    assert_eq!(r.json()["note"], "done");
    let core = get(&sb, "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dcm,involvedObject.uid%3Du-1,involvedObject.kind%3DConfigMap", "").await?.json();
    assert_eq!(core["items"][0]["message"], "done");
    assert_eq!(core["items"][0]["source"]["component"], "ctl");
    let none = get(
        &sb,
        "/api/v1/namespaces/default/events?fieldSelector=involvedObject.uid%3Dother",
        "",
    )
    .await?
    .json();
    assert_eq!(none["items"].as_array().map(Vec::len), Some(0));
    let v1 = get(
        &sb,
        "/apis/events.k8s.io/v1/namespaces/default/events/e1",
        "",
    )
    .await?
    .json();
    assert_eq!(v1["regarding"]["name"], "cm");
    let t = get(&sb, "/api/v1/namespaces/default/events", TABLE)
        .await?
        .json();
    assert_eq!(t["rows"][0]["cells"][4], "configmap/cm");
    Ok(())
}

#[tokio::test]
async fn strict_field_validation_for_custom_resources() -> R {
    let sb = Sandbox::default();
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "gadgets", "kind": "Gadget"},
            "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {
                "type": "object", "properties": {"spec": {"type": "object", "properties": {"a": {"type": "string"}}}}}}}]}});
    assert_eq!(
        post_json(
            &sb,
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            crd
        )
        .await?
        .code,
        StatusCode::CREATED
    );
    let base = "/apis/example.com/v1/namespaces/default/gadgets";
    let bad = json!({"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}, "spec": {"a": "x", "typo": 1}});
    let r = post_json(&sb, &format!("{base}?fieldValidation=Strict"), bad.clone()).await?;
    assert_eq!(r.code, StatusCode::BAD_REQUEST);
    assert!(
        r.text.contains("unknown field \\\"spec.typo\\\""),
        "{}",
        r.text
    );
    let r = post_json(&sb, base, bad).await?;
    assert_eq!(r.code, StatusCode::CREATED);
    assert!(
        r.json()["spec"].get("typo").is_none(),
        "pruned without Strict"
    );
    Ok(())
}

#[tokio::test]
async fn fault_endpoint_and_latency() -> R {
    let sb = Sandbox::default();
    let r = call(
        &sb,
        "POST",
        "/sandbox/faults",
        "application/json",
        "",
        br#"{"failWrites":1,"failCode":409}"#.to_vec(),
    )
    .await?;
    assert_eq!(r.json()["failWrites"], 1);
    let r = post_json(
        &sb,
        "/api/v1/namespaces/default/configmaps",
        json!({"metadata": {"name": "f"}}),
    )
    .await?;
    assert_eq!(r.code, StatusCode::CONFLICT);
    let r = post_json(
        &sb,
        "/api/v1/namespaces/default/configmaps",
        json!({"metadata": {"name": "f"}}),
    )
    .await?;
    assert_eq!(r.code, StatusCode::CREATED);
    call(
        &sb,
        "POST",
        "/sandbox/faults",
        "application/json",
        "",
        br#"{"latencyMs":150}"#.to_vec(),
    )
    .await?;
    let t0 = std::time::Instant::now();
    get(&sb, "/version", "").await?;
    assert!(t0.elapsed() >= std::time::Duration::from_millis(150));
    call(&sb, "DELETE", "/sandbox/faults", "", "", vec![]).await?;
    let r = call(
        &sb,
        "POST",
        "/sandbox/faults",
        "application/json",
        "",
        br#"{"expireWatches":true}"#.to_vec(),
    )
    .await?;
    assert_eq!(r.code, StatusCode::OK);
    let w = get(
        &sb,
        "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1&timeoutSeconds=1",
        "",
    )
    .await?;
    assert_eq!(w.lines()[0]["object"]["code"], 410);
    Ok(())
}

#[tokio::test]
async fn paths_statuses_and_gc() -> R {
    let sb = Sandbox::default();
    let ns = get(&sb, "/api/v1/namespaces/default/status", "")
        .await?
        .json();
    assert_eq!(ns["kind"], "Namespace");
    let nf = get(&sb, "/api/v1/namespaces/default/configmaps/missing", "").await?;
    assert_eq!(nf.code, StatusCode::NOT_FOUND);
    let s = nf.json();
    assert_eq!(
        (s["kind"].as_str(), s["reason"].as_str()),
        (Some("Status"), Some("NotFound"))
    );
    assert_eq!(s["details"]["name"], "missing");
    let missing_ns = post_json(
        &sb,
        "/api/v1/namespaces/nope/configmaps",
        json!({"metadata": {"name": "x"}}),
    )
    .await?;
    assert_eq!(missing_ns.code, StatusCode::NOT_FOUND);
    let owner = post_json(
        &sb,
        "/api/v1/namespaces/default/configmaps",
        json!({"metadata": {"name": "owner"}}),
    )
    .await?
    .json();
    let uid = owner["metadata"]["uid"].clone();
    for name in ["dep1", "dep2"] {
        post_json(&sb, "/api/v1/namespaces/default/configmaps", json!({"metadata": {"name": name,
            "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": uid}]}})).await?;
    }
    let r = call(
        &sb,
        "DELETE",
        "/api/v1/namespaces/default/configmaps/owner?propagationPolicy=Orphan",
        "",
        "",
        vec![],
    )
    .await?;
    assert_eq!(r.code, StatusCode::OK);
    let dep = get(&sb, "/api/v1/namespaces/default/configmaps/dep1", "")
        .await?
        .json();
    assert!(dep["metadata"]
        .get("ownerReferences")
        .is_none_or(|r| r.as_array().is_some_and(Vec::is_empty)));
    let bad_sel = get(
        &sb,
        "/api/v1/namespaces/default/configmaps?labelSelector=a%20b",
        "",
    )
    .await?;
    assert_eq!(bad_sel.code, StatusCode::BAD_REQUEST);
    let dc = call(
        &sb,
        "DELETE",
        "/api/v1/namespaces/default/configmaps",
        "",
        "",
        vec![],
    )
    .await?;
    assert_eq!(dc.code, StatusCode::OK);
    assert_eq!(
        get(&sb, "/api/v1/namespaces/default/configmaps", "")
            .await?
            .json()["items"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    Ok(())
}
