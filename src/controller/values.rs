//! valuesFrom composition and the values digest.
//!
//! Sources are merged in order (v1's `valueFileSecrets` first, then `valuesFrom`), then
//! `spec.values` on top, with v1's deep merge (maps merge, everything else replaces).
//! Values read from Secrets are never logged or put in errors: messages name the source
//! only.
//!
//! `externalSourceRef` documents are downloaded over HTTP(S) with timeouts, a size limit
//! and few redirects; URLs appear in messages without userinfo or query string.
//! Composition also reports which ConfigMaps/Secrets it read (with data digests) so
//! `refwatch` can reconcile the release when one of them changes.

use std::sync::OnceLock;
use std::time::Duration;

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::{Api, Client};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::refwatch::{configmap_digest, secret_digest, ObjRef, RefKind, RefRead};
use crate::api::{HelmRelease, KeySelector};
use crate::source::redact_url;

/// Maximum nesting the merge and canonical printing follow (values are user input).
const MAX_DEPTH: usize = 256;

/// Composed values and their digest.
#[derive(Debug, Clone, PartialEq)]
pub struct ComposedValues {
    pub values: Map<String, Value>,
    pub digest: String,
}

/// Deep merge of `over` into `base` (v1's `mergeValues`).
pub fn merge(base: &mut Map<String, Value>, over: Map<String, Value>) {
    merge_depth(base, over, 0)
}

fn merge_depth(base: &mut Map<String, Value>, over: Map<String, Value>, depth: usize) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(Value::Object(b)), Value::Object(o)) if depth < MAX_DEPTH => {
                merge_depth(b, o, depth + 1)
            }
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// JSON with object keys sorted, for digests.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out, 0);
    out
}

fn write_canonical(v: &Value, out: &mut String, depth: usize) {
    if depth > MAX_DEPTH {
        out.push_str("null");
        return;
    }
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(x) = m.get(k) {
                    write_canonical(x, out, depth + 1);
                }
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out, depth + 1);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

pub fn values_digest(v: &Map<String, Value>) -> String {
    let mut h = Sha256::new();
    h.update(canonical_json(&Value::Object(v.clone())).as_bytes());
    format!("sha256:{:x}", h.finalize())
}

/// Parses a values document (YAML) into a JSON map, as Helm reads values files.
pub fn parse_values_text(text: &str) -> Result<Map<String, Value>, String> {
    let m = helm_render::values::parse_values(text).map_err(|e| e.to_string())?;
    let t = helm_render::json::to_json(&gotemplate::Value::Map(m)).map_err(|e| e.to_string())?;
    match serde_json::from_str::<Value>(&t).map_err(|e| e.to_string())? {
        Value::Object(o) => Ok(o),
        Value::Null => Ok(Map::new()),
        _ => Err("values are not a map".into()),
    }
}

/// Converts JSON values to the template engine's map.
pub fn to_template_map(v: &Map<String, Value>) -> gotemplate::Map {
    helm_render::json::from_json(&Value::Object(v.clone()).to_string())
}

/// Why composing values failed. Messages never contain Secret data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValuesError {
    #[error("{0}")]
    Source(String),
    /// An `externalSourceRef` could not be used; the URL is shown without credentials or
    /// query string.
    #[error("valuesFrom externalSourceRef {url}: {message}")]
    External { url: String, message: String },
}

/// Limits of `externalSourceRef` downloads.
#[derive(Debug, Clone)]
pub struct ExternalSettings {
    /// TCP/TLS connect timeout.
    pub connect_timeout: Duration,
    /// Timeout of the whole request, body included.
    pub timeout: Duration,
    /// Largest body accepted.
    pub max_bytes: u64,
    /// Most redirects followed.
    pub max_redirects: usize,
}

impl Default for ExternalSettings {
    fn default() -> Self {
        ExternalSettings {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_bytes: 4 * 1024 * 1024,
            max_redirects: 5,
        }
    }
}

/// Downloads `externalSourceRef` documents (rustls; proxies from the environment; no
/// https → http redirects).
pub struct ExternalFetcher {
    client: reqwest::Client,
    settings: ExternalSettings,
}

impl ExternalFetcher {
    /// A fetcher with `settings`.
    pub fn new(settings: ExternalSettings) -> Result<ExternalFetcher, String> {
        let max = settings.max_redirects;
        let policy = reqwest::redirect::Policy::custom(move |a| {
            let downgrade =
                a.url().scheme() == "http" && a.previous().iter().any(|u| u.scheme() == "https");
            if downgrade {
                a.error("redirect from https to http refused")
            } else if a.previous().len() > max {
                a.error(format!("more than {max} redirects"))
            } else {
                a.follow()
            }
        });
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .redirect(policy)
            .user_agent(concat!("helmrelease-operator/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("building the HTTP client: {e}"))?;
        Ok(ExternalFetcher { client, settings })
    }

    /// The process-wide fetcher with default settings.
    pub fn shared() -> Result<&'static ExternalFetcher, ValuesError> {
        static SHARED: OnceLock<Result<ExternalFetcher, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| ExternalFetcher::new(ExternalSettings::default()))
            .as_ref()
            .map_err(|e| ValuesError::Source(format!("valuesFrom externalSourceRef: {e}")))
    }

    /// GETs `url` and parses the body as a values document.
    pub async fn fetch(&self, url: &str) -> Result<Map<String, Value>, ValuesError> {
        let shown = display_url(url);
        let fail = |message: String| ValuesError::External {
            url: shown.clone(),
            message,
        };
        let parsed = reqwest::Url::parse(url).map_err(|e| fail(format!("invalid URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(fail(format!(
                "unsupported scheme {:?} (want http or https)",
                parsed.scheme()
            )));
        }
        let mut resp = self
            .client
            .get(parsed)
            .send()
            .await
            .map_err(|e| fail(self.describe(e)))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(fail(format!("HTTP {status}")));
        }
        let max = self.settings.max_bytes;
        let too_big = || fail(format!("document larger than the {max}-byte limit"));
        if resp.content_length().is_some_and(|n| n > max) {
            return Err(too_big());
        }
        let mut body: Vec<u8> = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| fail(self.describe(e)))? {
            if body.len() as u64 + chunk.len() as u64 > max {
                return Err(too_big());
            }
            body.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(body).map_err(|_| fail("document is not UTF-8".into()))?;
        parse_values_text(&text).map_err(|e| fail(format!("not a valid values document: {e}")))
    }

    /// A transport error without the URL (which can carry credentials).
    fn describe(&self, e: reqwest::Error) -> String {
        if e.is_timeout() {
            return format!("timed out after {:?}", self.settings.timeout);
        }
        let mut parts: Vec<String> = Vec::new();
        let e = e.without_url();
        let mut cur: Option<&dyn std::error::Error> = Some(&e);
        while let Some(c) = cur {
            let s = c.to_string();
            if !parts.iter().any(|p| p.contains(&s)) {
                parts.push(s);
            }
            cur = c.source();
        }
        parts.join(": ")
    }
}

/// `url` without userinfo and query (either can carry credentials), for messages.
pub fn display_url(url: &str) -> String {
    let clean = redact_url(url);
    match reqwest::Url::parse(&clean) {
        Ok(mut u) => {
            let had_query = u.query().is_some();
            u.set_query(None);
            u.set_fragment(None);
            let mut s = u.to_string();
            if had_query {
                s.push_str("?<redacted>");
            }
            s
        }
        Err(_) => clean
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

fn selector_ns<'a>(sel: &'a KeySelector, hr_ns: &'a str) -> &'a str {
    sel.namespace
        .as_deref()
        .filter(|n| !n.is_empty())
        .unwrap_or(hr_ns)
}

/// The outcome of a composition and the ConfigMaps/Secrets it read (missing ones too, so
/// their creation can trigger a reconcile), also when it failed.
#[derive(Debug)]
pub struct Composition {
    pub result: Result<ComposedValues, ValuesError>,
    pub refs: Vec<RefRead>,
}

/// Reads every `valuesFrom` source and merges them with `spec.values`, downloading
/// external sources with the shared [`ExternalFetcher`].
pub async fn compose(client: &Client, hr: &HelmRelease, chart: &helm_render::Chart) -> Composition {
    let mut refs = Vec::new();
    let result = match ExternalFetcher::shared() {
        Ok(ext) => compose_into(client, ext, hr, chart, &mut refs).await,
        Err(e) => Err(e),
    };
    Composition { result, refs }
}

/// [`compose`] with an explicit fetcher; `refs` receives every object read, in order.
pub async fn compose_into(
    client: &Client,
    external: &ExternalFetcher,
    hr: &HelmRelease,
    chart: &helm_render::Chart,
    refs: &mut Vec<RefRead>,
) -> Result<ComposedValues, ValuesError> {
    let hr_ns = hr.defaulted_namespace().to_string();
    let mut out = Map::new();
    for src in hr.values_from_sources() {
        if let Some(sel) = &src.config_map_key_ref {
            let ns = selector_ns(sel, &hr_ns);
            let key = sel.key_or_default();
            let api: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
            let cm = api.get_opt(&sel.name).await.map_err(|e| {
                ValuesError::Source(format!("reading configmap {ns}/{}: {e}", sel.name))
            })?;
            refs.push(RefRead {
                obj: ObjRef {
                    kind: RefKind::ConfigMap,
                    namespace: ns.to_string(),
                    name: sel.name.clone(),
                },
                digest: cm.as_ref().map(configmap_digest),
            });
            let text = cm.and_then(|cm| cm.data).and_then(|d| d.get(key).cloned());
            match text {
                Some(t) => merge(
                    &mut out,
                    parse_values_text(&t).map_err(|e| {
                        ValuesError::Source(format!("configmap {ns}/{} key {key}: {e}", sel.name))
                    })?,
                ),
                None if sel.optional => {}
                None => {
                    return Err(ValuesError::Source(format!(
                        "could not find key {key} in configmap {ns}/{}",
                        sel.name
                    )))
                }
            }
        } else if let Some(sel) = &src.secret_key_ref {
            let ns = selector_ns(sel, &hr_ns);
            let key = sel.key_or_default();
            let api: Api<Secret> = Api::namespaced(client.clone(), ns);
            let secret = api.get_opt(&sel.name).await.map_err(|e| {
                ValuesError::Source(format!(
                    "reading secret {ns}/{}: {}",
                    sel.name,
                    e_reason(&e)
                ))
            })?;
            refs.push(RefRead {
                obj: ObjRef {
                    kind: RefKind::Secret,
                    namespace: ns.to_string(),
                    name: sel.name.clone(),
                },
                digest: secret.as_ref().map(secret_digest),
            });
            let data = secret
                .and_then(|s| s.data)
                .and_then(|d| d.get(key).map(|b| b.0.clone()));
            match data {
                Some(bytes) => merge(&mut out, parse_secret_values(&bytes, ns, &sel.name, key)?),
                None if sel.optional => {}
                None => {
                    return Err(ValuesError::Source(format!(
                        "could not find key {key} in secret {ns}/{}",
                        sel.name
                    )))
                }
            }
        } else if let Some(sel) = &src.chart_file_ref {
            let optional = sel.optional.unwrap_or(false);
            let path = sel.path.trim_start_matches("./");
            let file = chart
                .files
                .iter()
                .chain(chart.templates.iter())
                .find(|f| f.name == path);
            match file {
                Some(f) => merge(
                    &mut out,
                    parse_values_text(&String::from_utf8_lossy(&f.data))
                        .map_err(|e| ValuesError::Source(format!("chart file {path}: {e}")))?,
                ),
                None if optional => {}
                None => {
                    return Err(ValuesError::Source(format!(
                        "chart file {path} not found in chart"
                    )))
                }
            }
        } else if let Some(sel) = &src.external_source_ref {
            match external.fetch(&sel.url).await {
                Ok(m) => merge(&mut out, m),
                Err(e) if sel.optional.unwrap_or(false) => {
                    // v1: an optional external source that cannot be read is skipped.
                    tracing::debug!(error = %e, "optional valuesFrom source skipped");
                }
                Err(e) => return Err(e),
            }
        }
    }
    merge(&mut out, hr.values());
    let digest = values_digest(&out);
    Ok(ComposedValues {
        values: out,
        digest,
    })
}

/// Parses a Secret's values document. The parser's message could quote Secret content, so
/// only the position-free reason class is kept.
fn parse_secret_values(
    bytes: &[u8],
    ns: &str,
    name: &str,
    key: &str,
) -> Result<Map<String, Value>, ValuesError> {
    let bad = |what: &str| {
        ValuesError::Source(format!(
            "secret {ns}/{name} key {key}: {what} (content not shown)"
        ))
    };
    let text = std::str::from_utf8(bytes).map_err(|_| bad("not UTF-8 text"))?;
    parse_values_text(text).map_err(|e| {
        if e.contains("cannot unmarshal") && e.contains("into Go value of type map") {
            bad("not a map of values")
        } else {
            bad("not a valid values document")
        }
    })
}

/// An API error's reason without its message body (which can echo request data).
fn e_reason(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => format!("{} ({})", s.reason, s.code),
        _ => "request failed".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(o) => o,
            _ => Map::new(),
        }
    }

    #[test]
    fn deep_merge_replaces_non_maps() {
        let mut a = obj(json!({"a": {"b": 1, "c": [1]}, "d": 1}));
        merge(&mut a, obj(json!({"a": {"c": [2], "e": 3}, "d": {"x": 1}})));
        assert_eq!(
            Value::Object(a),
            json!({"a": {"b": 1, "c": [2], "e": 3}, "d": {"x": 1}})
        );
    }

    #[test]
    fn digest_ignores_key_order() {
        let a = obj(json!({"a": 1, "b": {"x": 1, "y": 2}}));
        let b = obj(json!({"b": {"y": 2, "x": 1}, "a": 1}));
        assert_eq!(values_digest(&a), values_digest(&b));
        let c = obj(json!({"a": 2, "b": {"y": 2, "x": 1}}));
        assert_ne!(values_digest(&a), values_digest(&c));
    }

    #[test]
    fn parses_yaml_values() {
        let m = parse_values_text("a: 1\nb:\n  c: x\n").unwrap();
        assert_eq!(Value::Object(m), json!({"a": 1, "b": {"c": "x"}}));
    }

    // --- valuesFrom sources against an in-process sandbox and HTTP server ---

    use axum::response::{IntoResponse, Redirect};
    use axum::routing::get;
    use k8s_openapi::api::core::v1::{ConfigMap, Secret};
    use kube::api::PostParams;

    async fn http_server() -> String {
        let big = "k: ".to_string() + &"x".repeat(4096);
        let app = axum::Router::new()
            .route(
                "/base.yaml",
                get(|| async { "a: 1\nnested:\n  x: ext\n  w: ext\n" }),
            )
            .route("/list.yaml", get(|| async { "- 1\n- 2\n" }))
            .route("/bad.yaml", get(|| async { "a: [1, 2\nb: {" }))
            .route(
                "/slow.yaml",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "a: 1\n"
                }),
            )
            .route("/big.yaml", get(move || async move { big }))
            .route(
                "/big-stream.yaml",
                get(|| async {
                    let chunks = (0..8).map(|_| Ok::<_, std::io::Error>("#".repeat(1024)));
                    axum::body::Body::from_stream(futures::stream::iter(chunks))
                }),
            )
            .route("/hop", get(|| async { Redirect::temporary("/base.yaml") }))
            .route("/loop", get(|| async { Redirect::temporary("/loop") }))
            .route(
                "/missing",
                get(|| async { (http::StatusCode::NOT_FOUND, "gone").into_response() }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        format!("http://{addr}")
    }

    fn fetcher() -> ExternalFetcher {
        ExternalFetcher::new(ExternalSettings {
            connect_timeout: Duration::from_secs(2),
            timeout: Duration::from_millis(500),
            max_bytes: 2048,
            max_redirects: 3,
        })
        .unwrap()
    }

    fn release(values_from: Value, values: Value) -> HelmRelease {
        serde_json::from_value(json!({
            "apiVersion": "helm.fluxcd.io/v1", "kind": "HelmRelease",
            "metadata": {"name": "r", "namespace": "default"},
            "spec": {"chart": {"git": "file:///x", "path": "c"},
                     "valuesFrom": values_from, "values": values}
        }))
        .unwrap()
    }

    fn empty_chart() -> helm_render::Chart {
        helm_render::Chart::default()
    }

    async fn external_err(base: &str, path: &str) -> String {
        match fetcher().fetch(&format!("{base}{path}")).await {
            Ok(m) => panic!("{path}: unexpected success {m:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[tokio::test]
    async fn external_source_errors_name_the_url() {
        let base = http_server().await;
        let m = fetcher().fetch(&format!("{base}/hop")).await.unwrap();
        assert_eq!(m.get("a"), Some(&json!(1)));
        let e = external_err(&base, "/missing").await;
        assert_eq!(
            e,
            format!("valuesFrom externalSourceRef {base}/missing: HTTP 404 Not Found")
        );
        let e = external_err(&base, "/slow.yaml").await;
        assert!(
            e.contains(&format!("{base}/slow.yaml")) && e.contains("timed out"),
            "{e}"
        );
        let e = external_err(&base, "/big.yaml").await;
        assert!(
            e.ends_with("document larger than the 2048-byte limit"),
            "{e}"
        );
        let e = external_err(&base, "/big-stream.yaml").await;
        assert!(
            e.ends_with("document larger than the 2048-byte limit"),
            "{e}"
        );
        let e = external_err(&base, "/bad.yaml").await;
        assert!(
            e.contains("/bad.yaml: not a valid values document: "),
            "{e}"
        );
        let e = external_err(&base, "/list.yaml").await;
        assert!(
            e.contains("/list.yaml: not a valid values document: ")
                && e.contains("cannot unmarshal array"),
            "{e}"
        );
        let e = external_err(&base, "/loop").await;
        assert!(e.contains("more than 3 redirects"), "{e}");
        let e = external_err("ftp://example.invalid", "/v.yaml").await;
        assert!(e.contains("unsupported scheme"), "{e}");
    }

    #[tokio::test]
    async fn external_source_urls_are_shown_without_credentials() {
        let base = http_server().await;
        let with_creds = base.replace("http://", "http://user:pa55w0rd@") + "/missing?token=t0k3n";
        let e = fetcher().fetch(&with_creds).await.unwrap_err().to_string();
        assert!(!e.contains("pa55w0rd") && !e.contains("t0k3n"), "{e}");
        assert!(e.contains("/missing?<redacted>: HTTP 404"), "{e}");
        // Connection errors too.
        let e = fetcher()
            .fetch("http://u:pa55w0rd@127.0.0.1:9/v.yaml?sig=t0k3n")
            .await
            .unwrap_err()
            .to_string();
        assert!(!e.contains("pa55w0rd") && !e.contains("t0k3n"), "{e}");
        assert!(
            e.starts_with("valuesFrom externalSourceRef http://127.0.0.1:9/v.yaml?<redacted>: "),
            "{e}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn composes_in_order_and_reports_what_it_read() {
        let base = http_server().await;
        let sandbox = kube_sandbox::Sandbox::default();
        let client = sandbox.client();
        let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
        cms.create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "cm"},
                "data": {"values.yaml": "a: 2\nnested:\n  w: cm\n"}}))
            .unwrap(),
        )
        .await
        .unwrap();
        let hr = release(
            json!([
                {"externalSourceRef": {"url": format!("{base}/base.yaml")}},
                {"configMapKeyRef": {"name": "cm"}},
                {"externalSourceRef": {"url": format!("{base}/missing"), "optional": true}},
                {"secretKeyRef": {"name": "absent", "optional": true}}
            ]),
            json!({"nested": {"z": "values"}}),
        );
        let mut refs = Vec::new();
        let v = compose_into(&client, &fetcher(), &hr, &empty_chart(), &mut refs)
            .await
            .unwrap();
        assert_eq!(
            Value::Object(v.values),
            json!({"a": 2, "nested": {"x": "ext", "w": "cm", "z": "values"}})
        );
        let objs: Vec<(RefKind, &str, bool)> = refs
            .iter()
            .map(|r| (r.obj.kind, r.obj.name.as_str(), r.digest.is_some()))
            .collect();
        assert_eq!(
            objs,
            vec![
                (RefKind::ConfigMap, "cm", true),
                (RefKind::Secret, "absent", false)
            ]
        );
        // A required external source fails the composition, after recording earlier reads.
        let hr = release(
            json!([
                {"configMapKeyRef": {"name": "cm"}},
                {"externalSourceRef": {"url": format!("{base}/missing")}}
            ]),
            json!({}),
        );
        let mut refs = Vec::new();
        let e = compose_into(&client, &fetcher(), &hr, &empty_chart(), &mut refs)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("HTTP 404"), "{e}");
        assert_eq!(refs.len(), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn malformed_secret_values_stay_out_of_messages_and_status() {
        let sandbox = kube_sandbox::Sandbox::default();
        let client = sandbox.client();
        let secrets: Api<Secret> = Api::namespaced(client.clone(), "default");
        for (name, text) in [
            ("syntax", "password: [s3cr3t-Value\nother: {"),
            ("list", "- s3cr3t-Value\n"),
            ("scalar", "s3cr3t-Value"),
            ("tab", "a:\n\tb: s3cr3t-Value"),
        ] {
            secrets
                .create(
                    &PostParams::default(),
                    &serde_json::from_value(
                        json!({"metadata": {"name": name}, "stringData": {"values.yaml": text}}),
                    )
                    .unwrap(),
                )
                .await
                .unwrap();
            let hr = release(json!([{"secretKeyRef": {"name": name}}]), json!({}));
            let mut refs = Vec::new();
            let e = compose_into(&client, &fetcher(), &hr, &empty_chart(), &mut refs)
                .await
                .unwrap_err();
            let msg = e.to_string();
            assert!(
                msg.starts_with(&format!("secret default/{name} key values.yaml: ")),
                "{msg}"
            );
            assert!(!msg.contains("s3cr3t"), "{name}: {msg}");
            // The controller puts this message in the Released condition and the event.
            let mut st = crate::api::HelmReleaseStatus::default();
            crate::controller::status::mark_not_released(&mut st, "ValuesFailed", &msg);
            let shown = serde_json::to_string(&st).unwrap();
            assert!(shown.contains(name) && !shown.contains("s3cr3t"), "{shown}");
            assert!(!format!("{e:?}").contains("s3cr3t"));
        }
    }
}
