//! Acceptance tests of the HTTP(S) chart source against a local axum server: version
//! selection, URL resolution, errors, timeouts, digests, conditional GETs, coalescing,
//! the private-chart cache rule, basic auth and a custom CA.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Request, Response, StatusCode};
use helmrelease_operator::source::{
    ChartRef, ChartSource, Credentials, SourceConfig, SourceError, Sources,
};

#[path = "common/charts.rs"]
mod charts;
use charts::{make_chart, sha256};

#[derive(Default)]
struct Server {
    files: Mutex<HashMap<String, Vec<u8>>>,
    /// path → (requests, 200 responses, 304 responses)
    counts: Mutex<HashMap<String, (u32, u32, u32)>>,
    /// Required query string per path.
    queries: Mutex<HashMap<String, String>>,
    basic: Mutex<Option<String>>,
    delay: Mutex<HashMap<String, Duration>>,
    fail_times: Mutex<HashMap<String, u32>>,
    inm_seen: Mutex<Vec<String>>,
}

impl Server {
    fn put(&self, path: &str, body: Vec<u8>) {
        self.files.lock().unwrap().insert(path.into(), body);
    }
    fn count(&self, path: &str) -> (u32, u32, u32) {
        self.counts
            .lock()
            .unwrap()
            .get(path)
            .copied()
            .unwrap_or_default()
    }
    fn bump(&self, path: &str, status: StatusCode) {
        let mut c = self.counts.lock().unwrap();
        let e = c.entry(path.into()).or_default();
        e.0 += 1;
        if status == StatusCode::OK {
            e.1 += 1;
        }
        if status == StatusCode::NOT_MODIFIED {
            e.2 += 1;
        }
    }

    async fn handle(self: Arc<Self>, req: Request<Body>) -> Response<Body> {
        let path = req.uri().path().to_string();
        let query = req.uri().query().unwrap_or("").to_string();
        let headers: HeaderMap = req.headers().clone();
        let delay = self.delay.lock().unwrap().get(&path).copied();
        if let Some(d) = delay {
            tokio::time::sleep(d).await;
        }
        let status_only =
            |s: StatusCode| Response::builder().status(s).body(Body::empty()).unwrap();
        let resp = (|| {
            if path.starts_with("/forbidden/") {
                return status_only(StatusCode::FORBIDDEN);
            }
            {
                let mut f = self.fail_times.lock().unwrap();
                if let Some(n) = f.get_mut(&path) {
                    if *n > 0 {
                        *n -= 1;
                        return status_only(StatusCode::SERVICE_UNAVAILABLE);
                    }
                }
            }
            if let Some(want) = self.basic.lock().unwrap().clone() {
                let got = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                if got != want {
                    return status_only(StatusCode::UNAUTHORIZED);
                }
            }
            if let Some(q) = self.queries.lock().unwrap().get(&path) {
                if &query != q {
                    return status_only(StatusCode::NOT_FOUND);
                }
            }
            let Some(body) = self.files.lock().unwrap().get(&path).cloned() else {
                return status_only(StatusCode::NOT_FOUND);
            };
            let etag = format!("\"{}\"", &sha256(&body)[..16]);
            if let Some(inm) = headers.get("if-none-match").and_then(|v| v.to_str().ok()) {
                self.inm_seen.lock().unwrap().push(inm.to_string());
                if inm == etag {
                    return status_only(StatusCode::NOT_MODIFIED);
                }
            }
            Response::builder()
                .status(StatusCode::OK)
                .header("etag", etag)
                .body(Body::from(body))
                .unwrap()
        })();
        self.bump(&path, resp.status());
        resp
    }
}

async fn start(server: Arc<Server>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(move |req: Request<Body>| server.clone().handle(req));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("source-http-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn config(name: &str) -> SourceConfig {
    let mut c = SourceConfig::new(tmp(name));
    c.http.retries = 2;
    c.http.backoff_base = Duration::from_millis(10);
    c.env = Arc::new(|_| None);
    c
}

/// Index text for `(name, version, url, digest)` entries.
fn index(entries: &[(&str, &str, &str, &str)]) -> Vec<u8> {
    let mut by: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (n, v, u, d) in entries {
        let mut e = format!("  - name: {n}\n    version: \"{v}\"\n    urls:\n    - {u}\n");
        if !d.is_empty() {
            e.push_str(&format!("    digest: {d}\n"));
        }
        by.entry(n).or_default().push(e);
    }
    let mut s = String::from("apiVersion: v1\nentries:\n");
    for (n, es) in by {
        s.push_str(&format!("  {n}:\n"));
        for e in es {
            s.push_str(&e);
        }
    }
    s.push_str("generated: \"2024-01-01T00:00:00Z\"\n");
    s.into_bytes()
}

fn chart(repo: &str, name: &str, version: &str) -> ChartRef {
    ChartRef {
        repository: repo.into(),
        name: name.into(),
        version: version.into(),
        plain_http: false,
    }
}

/// A repository at `/charts` with app 1.2.3, 1.2.10, 1.3.0-rc.1, 1.9.0, 2.0.0 (with digests).
async fn versions_repo() -> (Arc<Server>, String) {
    let s = Arc::new(Server::default());
    let mut entries = Vec::new();
    let vs = ["1.2.3", "1.2.10", "1.3.0-rc.1", "1.9.0", "2.0.0"];
    let mut owned = Vec::new();
    for v in vs {
        let bytes = make_chart("app", v);
        owned.push((v, format!("app-{v}.tgz"), sha256(&bytes)));
        s.put(&format!("/charts/app-{v}.tgz"), bytes);
    }
    for (v, u, d) in &owned {
        entries.push(("app", *v, u.as_str(), d.as_str()));
    }
    s.put("/charts/index.yaml", index(&entries));
    let base = start(s.clone()).await;
    (s, format!("{base}/charts"))
}

#[tokio::test]
async fn exact_versions_and_constraints() {
    let (_s, repo) = versions_repo().await;
    let src = Sources::new(config("versions")).unwrap();
    let anon = Credentials::anonymous();
    for (want, got) in [
        ("1.2.3", "1.2.3"),
        ("~1.2", "1.2.10"),
        (">=1.0 <2", "1.9.0"),
        ("", "2.0.0"),
        (">=1.3.0-0 <1.4", "1.3.0-rc.1"),
        ("1.3.0-rc.1", "1.3.0-rc.1"),
    ] {
        let f = src.fetch(&chart(&repo, "app", want), &anon).await.unwrap();
        assert_eq!(f.version, got, "constraint {want:?}");
        let loaded =
            helm_render::archive::load_archive(&f.bytes, &helm_render::archive::Limits::default())
                .unwrap();
        assert_eq!(loaded.metadata.version, got);
        assert_eq!(f.digest, sha256(&f.bytes));
    }
    // `~1.3` does not pick the pre-release.
    let e = src
        .fetch(&chart(&repo, "app", "~1.3"), &anon)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "ChartVersionNotFound");
    assert_eq!(
        e.to_string(),
        format!("chart app version ~1.3 not found in repository {repo}")
    );
    let e = src
        .fetch(&chart(&repo, "nope", "1.0.0"), &anon)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "ChartNotFound");
}

#[tokio::test]
async fn relative_and_absolute_urls_keep_query_strings() {
    let s = Arc::new(Server::default());
    let base = start(s.clone()).await;
    let rel = make_chart("app", "1.0.0");
    let abs = make_chart("app", "2.0.0");
    s.put("/repo/sub/app-1.0.0.tgz", rel.clone());
    s.put("/other/app-2.0.0.tgz", abs.clone());
    let abs_url = format!("{base}/other/app-2.0.0.tgz?sig=xyz");
    s.put(
        "/repo/index.yaml",
        index(&[
            ("app", "1.0.0", "sub/app-1.0.0.tgz", ""),
            ("app", "2.0.0", &abs_url, ""),
        ]),
    );
    s.queries
        .lock()
        .unwrap()
        .insert("/repo/index.yaml".into(), "token=abc".into());
    s.queries
        .lock()
        .unwrap()
        .insert("/repo/sub/app-1.0.0.tgz".into(), "token=abc".into());
    s.queries
        .lock()
        .unwrap()
        .insert("/other/app-2.0.0.tgz".into(), "sig=xyz".into());
    let src = Sources::new(config("urls")).unwrap();
    let repo = format!("{base}/repo?token=abc");
    let anon = Credentials::anonymous();
    let f = src
        .fetch(&chart(&repo, "app", "1.0.0"), &anon)
        .await
        .unwrap();
    assert_eq!(f.bytes, rel);
    assert!(
        f.url.ends_with("/repo/sub/app-1.0.0.tgz?token=abc"),
        "{}",
        f.url
    );
    let f = src
        .fetch(&chart(&repo, "app", "2.0.0"), &anon)
        .await
        .unwrap();
    assert_eq!(f.bytes, abs);
    assert_eq!(s.count("/other/app-2.0.0.tgz").1, 1);
}

#[tokio::test]
async fn http_errors_are_named() {
    let (s, repo) = versions_repo().await;
    let base = repo.trim_end_matches("/charts").to_string();
    let src = Sources::new(config("errors")).unwrap();
    let anon = Credentials::anonymous();
    let e = src
        .fetch(&chart(&format!("{base}/forbidden"), "app", "1.0.0"), &anon)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "AccessDenied");
    assert!(e.to_string().contains("/forbidden/index.yaml"), "{e}");
    let e = src
        .fetch(&chart(&format!("{base}/missing"), "app", "1.0.0"), &anon)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "NotFound");
    // 4xx is not retried.
    assert_eq!(s.count("/missing/index.yaml").0, 1);
    *s.basic.lock().unwrap() = Some("Basic eDp5".into());
    let e = src
        .fetch(&chart(&repo, "app", "1.2.3"), &anon)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "AuthenticationRequired");
    assert!(e.to_string().contains("authentication required"), "{e}");
}

#[tokio::test]
async fn retries_5xx_with_backoff() {
    let (s, repo) = versions_repo().await;
    s.fail_times
        .lock()
        .unwrap()
        .insert("/charts/index.yaml".into(), 2);
    let src = Sources::new(config("retry")).unwrap();
    let f = src
        .fetch(&chart(&repo, "app", "1.2.3"), &Credentials::anonymous())
        .await
        .unwrap();
    assert_eq!(f.version, "1.2.3");
    assert_eq!(s.count("/charts/index.yaml").0, 3);
    s.fail_times
        .lock()
        .unwrap()
        .insert("/charts/app-1.9.0.tgz".into(), 10);
    let e = src
        .fetch(&chart(&repo, "app", "1.9.0"), &Credentials::anonymous())
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "HTTPError");
    assert_eq!(s.count("/charts/app-1.9.0.tgz").0, 3, "1 try + 2 retries");
}

#[tokio::test]
async fn slow_server_times_out() {
    let (s, repo) = versions_repo().await;
    s.delay
        .lock()
        .unwrap()
        .insert("/charts/index.yaml".into(), Duration::from_secs(5));
    let mut cfg = config("slow");
    cfg.http.request_timeout = Duration::from_millis(300);
    let src = Sources::new(cfg).unwrap();
    let t = std::time::Instant::now();
    let e = src
        .fetch(&chart(&repo, "app", "1.2.3"), &Credentials::anonymous())
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "Timeout", "{e}");
    assert!(t.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn digest_mismatch_and_truncation() {
    let s = Arc::new(Server::default());
    let base = start(s.clone()).await;
    let good = make_chart("app", "1.0.0");
    let other = make_chart("app", "9.9.9");
    s.put("/r/app-1.0.0.tgz", good.clone());
    s.put("/r/app-2.0.0.tgz", good[..good.len() / 2].to_vec());
    let wrong = sha256(&other);
    s.put(
        "/r/index.yaml",
        index(&[
            ("app", "1.0.0", "app-1.0.0.tgz", &wrong),
            ("app", "2.0.0", "app-2.0.0.tgz", ""),
        ]),
    );
    let src = Sources::new(config("digest")).unwrap();
    let repo = format!("{base}/r");
    let anon = Credentials::anonymous();
    let e = src
        .fetch(&chart(&repo, "app", "1.0.0"), &anon)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "DigestMismatch");
    let msg = e.to_string();
    assert!(
        msg.contains(&wrong) && msg.contains(&sha256(&good)),
        "{msg}"
    );
    let e = src
        .fetch(&chart(&repo, "app", "2.0.0"), &anon)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "TruncatedArchive", "{e}");
}

#[tokio::test]
async fn limits_are_enforced() {
    let (_s, repo) = versions_repo().await;
    let mut cfg = config("limits");
    cfg.limits.max_index_bytes = 100;
    let src = Sources::new(cfg).unwrap();
    let e = src
        .fetch(&chart(&repo, "app", "1.2.3"), &Credentials::anonymous())
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "LimitExceeded");
    let mut cfg = config("limits2");
    cfg.limits.max_files = 1;
    let src = Sources::new(cfg).unwrap();
    let e = src
        .fetch(&chart(&repo, "app", "1.2.3"), &Credentials::anonymous())
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "LimitExceeded", "{e}");
}

#[tokio::test]
async fn conditional_get_revalidates_with_etag() {
    let (s, repo) = versions_repo().await;
    let src = Sources::new(config("conditional")).unwrap();
    let anon = Credentials::anonymous();
    src.fetch(&chart(&repo, "app", "1.2.3"), &anon)
        .await
        .unwrap();
    let f = src
        .fetch(&chart(&repo, "app", "~1.2"), &anon)
        .await
        .unwrap();
    assert_eq!(f.version, "1.2.10");
    assert_eq!(
        s.count("/charts/index.yaml"),
        (2, 1, 1),
        "one 200 then one 304"
    );
    assert_eq!(s.inm_seen.lock().unwrap().len(), 1);
    // A changed index is downloaded again.
    s.put(
        "/charts/index.yaml",
        index(&[("app", "3.0.0", "app-2.0.0.tgz", "")]),
    );
    let f = src.fetch(&chart(&repo, "app", ""), &anon).await.unwrap();
    assert_eq!(f.version, "3.0.0");
    assert_eq!(s.count("/charts/index.yaml").1, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_resolves_download_once() {
    let (s, repo) = versions_repo().await;
    s.delay
        .lock()
        .unwrap()
        .insert("/charts/index.yaml".into(), Duration::from_millis(300));
    let src = Arc::new(Sources::new(config("concurrent")).unwrap());
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let src = src.clone();
        let c = chart(&repo, "app", "~1.2");
        tasks.push(tokio::spawn(async move {
            src.fetch(&c, &Credentials::anonymous()).await
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().version, "1.2.10");
    }
    assert_eq!(s.count("/charts/index.yaml"), (1, 1, 0));
    assert_eq!(s.count("/charts/app-1.2.10.tgz"), (1, 1, 0));
}

fn basic_creds(user: &str, pass: &str) -> Credentials {
    let mut d = BTreeMap::new();
    d.insert("username".to_string(), user.as_bytes().to_vec());
    d.insert("password".to_string(), pass.as_bytes().to_vec());
    Credentials::from_secret_data(&d).unwrap()
}

#[tokio::test]
async fn private_chart_is_not_served_from_cache_without_credentials() {
    let (s, repo) = versions_repo().await;
    // "alice:secret"
    *s.basic.lock().unwrap() = Some("Basic YWxpY2U6c2VjcmV0".into());
    let src = Sources::new(config("private")).unwrap();
    let good = basic_creds("alice", "secret");
    let f = src
        .fetch(&chart(&repo, "app", "1.2.3"), &good)
        .await
        .unwrap();
    assert_eq!(f.version, "1.2.3");
    // Same chart, cached, but this release has no pull secret / a wrong one.
    for creds in [Credentials::anonymous(), basic_creds("alice", "wrong")] {
        let e = src
            .fetch(&chart(&repo, "app", "1.2.3"), &creds)
            .await
            .unwrap_err();
        assert_eq!(e.reason(), "AuthenticationRequired");
        assert!(!e.to_string().contains("secret"));
    }
    // The right credentials are served from the cache after revalidation.
    src.fetch(&chart(&repo, "app", "1.2.3"), &good)
        .await
        .unwrap();
    assert_eq!(s.count("/charts/app-1.2.3.tgz").1, 1);
    assert_eq!(s.count("/charts/index.yaml").2, 1, "revalidated with a 304");
}

#[tokio::test]
async fn custom_ca_with_self_signed_certificate() {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::from_params(&ca_params, &ca_key);
    let srv_key = KeyPair::generate().unwrap();
    let srv_cert = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&srv_key, &issuer)
        .unwrap();

    let tls = tokio_rustls::rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![srv_cert.der().clone()],
            tokio_rustls::rustls::pki_types::PrivateKeyDer::Pkcs8(srv_key.serialize_der().into()),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    let s = Arc::new(Server::default());
    let bytes = make_chart("app", "1.0.0");
    s.put("/r/app-1.0.0.tgz", bytes.clone());
    s.put(
        "/r/index.yaml",
        index(&[("app", "1.0.0", "app-1.0.0.tgz", &sha256(&bytes))]),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = s.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let server = server.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                    let server = server.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        let req = Request::from_parts(parts, Body::new(body));
                        Ok::<_, std::convert::Infallible>(server.handle(req).await)
                    }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .serve_connection(hyper_util::rt::TokioIo::new(tls), svc)
                .await;
            });
        }
    });
    let repo = format!("https://localhost:{port}/r");
    let src = Sources::new(config("tls")).unwrap();
    let e = src
        .fetch(&chart(&repo, "app", "1.0.0"), &Credentials::anonymous())
        .await
        .unwrap_err();
    assert!(
        matches!(e.reason(), "ConnectionFailed" | "TransportError"),
        "unknown CA must fail: {e}"
    );
    let mut d = BTreeMap::new();
    d.insert("ca.crt".to_string(), ca_cert.pem().into_bytes());
    let creds = Credentials::from_secret_data(&d).unwrap();
    let f = src
        .fetch(&chart(&repo, "app", "1.0.0"), &creds)
        .await
        .unwrap();
    assert_eq!(f.bytes, bytes);
    let mut d = BTreeMap::new();
    d.insert("insecureSkipTLSVerify".to_string(), b"true".to_vec());
    let insecure = Credentials::from_secret_data(&d).unwrap();
    assert!(src
        .fetch(&chart(&repo, "app", "1.0.0"), &insecure)
        .await
        .is_ok());
}

#[tokio::test]
async fn unsupported_scheme_is_an_error() {
    let src = Sources::new(config("scheme")).unwrap();
    let e: SourceError = src
        .fetch(&chart("ftp://x/y", "a", "1"), &Credentials::anonymous())
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "UnsupportedScheme");
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let src = Sources::new(config("refused")).unwrap();
    let t = std::time::Instant::now();
    let e = src
        .fetch(
            &chart(&format!("http://u:pw@127.0.0.1:{port}/r"), "app", "1.0.0"),
            &Credentials::anonymous(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "ConnectionFailed", "{e}");
    assert!(!e.to_string().contains("pw"), "{e}");
    // Two retries with 10 ms and 20 ms backoff.
    assert!(t.elapsed() >= Duration::from_millis(30));
}

#[tokio::test]
async fn disk_cache_survives_a_restart() {
    let (s, repo) = versions_repo().await;
    let cfg = config("restart");
    let first = Sources::new(cfg.clone()).unwrap();
    first
        .fetch(&chart(&repo, "app", "1.2.3"), &Credentials::anonymous())
        .await
        .unwrap();
    drop(first);
    let second = Sources::new(cfg).unwrap();
    let f = second
        .fetch(&chart(&repo, "app", "1.2.3"), &Credentials::anonymous())
        .await
        .unwrap();
    assert_eq!(f.version, "1.2.3");
    assert_eq!(
        s.count("/charts/index.yaml"),
        (2, 1, 1),
        "revalidated from disk"
    );
    assert_eq!(
        s.count("/charts/app-1.2.3.tgz").0,
        1,
        "chart served from disk"
    );
}
