//! Acceptance tests of the OCI chart source against a real registry (Debian's
//! `docker-registry`, distribution v2.8, started per test on 127.0.0.1), with charts pushed
//! through the Distribution API: anonymous pulls, exact versions and constraints, Basic auth,
//! 401/404 errors, a corrupted (digest-mismatching, truncated, oversized) blob, the
//! private-chart cache rule, and an operator end-to-end install. The Bearer-token flow, tag
//! pagination and timeouts run against a small in-process fake registry + token service.

#[path = "common/operator.rs"]
mod operator;

#[path = "common/charts.rs"]
mod charts;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use charts::{make_chart, package_e2e_app, sha256};
use helmrelease_operator::source::{ChartRef, ChartSource, Credentials, SourceConfig, Sources};
use serde_json::json;

const REGISTRY_BIN: &str = "/usr/bin/docker-registry";
const CHART_LAYER: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
const CONFIG: &str = "application/vnd.cncf.helm.config.v1+json";
const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

fn registry_bin() -> Option<&'static str> {
    if Path::new(REGISTRY_BIN).is_file() {
        Some(REGISTRY_BIN)
    } else {
        eprintln!(
            "SKIPPED: {REGISTRY_BIN} is absent (apt-get install docker-registry); \
             OCI tests against a real registry did not run"
        );
        None
    }
}

fn tmp(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let d = std::env::temp_dir().join(format!("source-oci-{name}-{}-{nanos}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn config(name: &str) -> SourceConfig {
    let mut c = SourceConfig::new(tmp(&format!("cache-{name}")));
    c.http.retries = 1;
    c.http.backoff_base = Duration::from_millis(10);
    c.env = Arc::new(|_| None);
    c
}

fn chart(repo: &str, name: &str, version: &str) -> ChartRef {
    ChartRef {
        repository: repo.into(),
        name: name.into(),
        version: version.into(),
        plain_http: false,
    }
}

fn basic_creds(user: &str, pass: &str) -> Credentials {
    let mut d = BTreeMap::new();
    d.insert("username".to_string(), user.as_bytes().to_vec());
    d.insert("password".to_string(), pass.as_bytes().to_vec());
    Credentials::from_secret_data(&d).unwrap()
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A `docker-registry` process on 127.0.0.1 with filesystem storage in a temp dir; killed on
/// drop.
struct Registry {
    child: Child,
    port: u16,
    storage: PathBuf,
    /// `user:password` for pushing when htpasswd auth is on.
    push_auth: Option<(String, String)>,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Registry {
    /// Starts a registry; with `users`, `auth: htpasswd` (bcrypt cost 4, to keep every
    /// authenticated request fast).
    async fn start(bin: &str, tag: &str, users: &[(&str, &str)]) -> Registry {
        let dir = tmp(&format!("registry-{tag}"));
        let storage = dir.join("data");
        std::fs::create_dir_all(&storage).unwrap();
        let mut auth = String::new();
        if !users.is_empty() {
            let lines: String = users
                .iter()
                .map(|(u, p)| format!("{u}:{}\n", bcrypt::hash(p, 4).unwrap()))
                .collect();
            std::fs::write(dir.join("htpasswd"), lines).unwrap();
            auth = format!(
                "auth:\n  htpasswd:\n    realm: test-realm\n    path: {}\n",
                dir.join("htpasswd").display()
            );
        }
        let port = free_port();
        let cfg = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n{auth}",
            storage.display()
        );
        let cfg_path = dir.join("config.yml");
        std::fs::write(&cfg_path, cfg).unwrap();
        let child = Command::new(bin)
            .arg("serve")
            .arg(&cfg_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry starts");
        let reg = Registry {
            child,
            port,
            storage,
            push_auth: users.first().map(|(u, p)| (u.to_string(), p.to_string())),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = reqwest::Client::new();
        loop {
            if let Ok(r) = client.get(format!("{}/v2/", reg.base())).send().await {
                if r.status().is_success() || r.status() == StatusCode::UNAUTHORIZED {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "docker-registry did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        reg
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn repo(&self, path: &str) -> String {
        format!("oci://127.0.0.1:{}/{path}", self.port)
    }

    fn authed(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.push_auth {
            Some((u, p)) => rb.basic_auth(u, Some(p)),
            None => rb,
        }
    }

    /// Monolithic blob upload (POST, then PUT with `?digest=`).
    async fn push_blob(&self, repo: &str, bytes: &[u8]) -> String {
        let client = reqwest::Client::new();
        let digest = format!("sha256:{}", sha256(bytes));
        let r = self
            .authed(client.post(format!("{}/v2/{repo}/blobs/uploads/", self.base())))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED, "upload start");
        let loc = r.headers()["location"].to_str().unwrap().to_string();
        let mut url = reqwest::Url::parse(&self.base())
            .unwrap()
            .join(&loc)
            .unwrap();
        url.query_pairs_mut().append_pair("digest", &digest);
        let r = self
            .authed(client.put(url))
            .header("content-type", "application/octet-stream")
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "upload finish");
        digest
    }

    /// Pushes `tgz` as Helm does: config blob (Chart.yaml as JSON), chart layer, manifest.
    async fn push_chart(&self, repo: &str, tag: &str, tgz: &[u8], layer_type: &str) -> String {
        let (name, version) = chart_meta(tgz);
        let cfg =
            serde_json::to_vec(&json!({"apiVersion": "v2", "name": name, "version": version}))
                .unwrap();
        let cfg_digest = self.push_blob(repo, &cfg).await;
        let layer_digest = self.push_blob(repo, tgz).await;
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": MANIFEST,
            "config": {"mediaType": CONFIG, "digest": cfg_digest, "size": cfg.len()},
            "layers": [{"mediaType": layer_type, "digest": layer_digest, "size": tgz.len()}],
            "annotations": {"org.opencontainers.image.title": name, "org.opencontainers.image.version": version},
        }))
        .unwrap();
        let r = self
            .authed(
                reqwest::Client::new().put(format!("{}/v2/{repo}/manifests/{tag}", self.base())),
            )
            .header("content-type", MANIFEST)
            .body(manifest)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "manifest push: {}",
            r.text().await.unwrap_or_default()
        );
        layer_digest
    }

    /// The stored file of a blob (to corrupt it behind the registry's back).
    fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.trim_start_matches("sha256:");
        self.storage
            .join("docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }
}

/// (name, version) from a chart archive's `Chart.yaml`.
fn chart_meta(tgz: &[u8]) -> (String, String) {
    let c =
        helm_render::archive::load_archive(tgz, &helm_render::archive::Limits::default()).unwrap();
    (c.metadata.name.clone(), c.metadata.version.clone())
}

fn loaded_version(bytes: &[u8]) -> String {
    chart_meta(bytes).1
}

#[tokio::test]
async fn anonymous_pull_exact_versions_and_constraints() {
    let Some(bin) = registry_bin() else { return };
    let reg = Registry::start(bin, "anon", &[]).await;
    for v in ["1.2.3", "1.2.10", "1.3.0-rc.1", "1.9.0", "2.0.0+build.7"] {
        reg.push_chart(
            "charts/app",
            &v.replace('+', "_"),
            &make_chart("app", v),
            CHART_LAYER,
        )
        .await;
    }
    // A legacy (pre-3.8 Helm) layer media type is still accepted; a non-semver tag is ignored.
    reg.push_chart(
        "charts/old",
        "0.1.0",
        &make_chart("old", "0.1.0"),
        "application/tar+gzip",
    )
    .await;
    reg.push_chart(
        "charts/app",
        "latest",
        &make_chart("app", "9.9.9"),
        CHART_LAYER,
    )
    .await;
    let src = Sources::new(config("anon")).unwrap();
    let anon = Credentials::anonymous();
    let repo = reg.repo("charts");
    for (want, got) in [
        ("1.2.3", "1.2.3"),
        ("~1.2", "1.2.10"),
        (">=1.0 <2", "1.9.0"),
        ("", "2.0.0+build.7"),
        ("2.0.0+build.7", "2.0.0+build.7"),
        (">=1.3.0-0 <1.4", "1.3.0-rc.1"),
        ("1.3.0-rc.1", "1.3.0-rc.1"),
    ] {
        let f = src.fetch(&chart(&repo, "app", want), &anon).await.unwrap();
        assert_eq!(f.version, got, "constraint {want:?}");
        assert_eq!(loaded_version(&f.bytes), got);
        assert_eq!(f.digest, sha256(&f.bytes));
        assert_eq!(
            f.url,
            format!("{}/app:{}", repo, got.replace('+', "_")),
            "{want:?}"
        );
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
    let f = src
        .fetch(&chart(&repo, "old", "0.1.0"), &anon)
        .await
        .unwrap();
    assert_eq!(loaded_version(&f.bytes), "0.1.0");
    // A nested repository path works as well.
    reg.push_chart(
        "org/team/charts/app",
        "3.0.0",
        &make_chart("app", "3.0.0"),
        CHART_LAYER,
    )
    .await;
    let f = src
        .fetch(&chart(&reg.repo("org/team/charts"), "app", "3.x"), &anon)
        .await
        .unwrap();
    assert_eq!(f.version, "3.0.0");
}

#[tokio::test]
async fn unknown_chart_and_tag_are_404_errors() {
    let Some(bin) = registry_bin() else { return };
    let reg = Registry::start(bin, "404", &[]).await;
    reg.push_chart(
        "charts/app",
        "1.0.0",
        &make_chart("app", "1.0.0"),
        CHART_LAYER,
    )
    .await;
    let src = Sources::new(config("404")).unwrap();
    let anon = Credentials::anonymous();
    let repo = reg.repo("charts");
    let e = src
        .fetch(&chart(&repo, "app", "1.0.1"), &anon)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "ChartVersionNotFound", "{e}");
    assert_eq!(
        e.to_string(),
        format!("chart app version 1.0.1 not found in repository {repo}")
    );
    let e = src
        .fetch(&chart(&repo, "nope", "~1"), &anon)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "ChartNotFound", "{e}");
    assert_eq!(
        e.to_string(),
        format!("chart nope not found in repository {repo}")
    );
    let e = src
        .fetch(&chart(&repo, "nope", "1.0.0"), &anon)
        .await
        .unwrap_err();
    assert!(
        matches!(e.reason(), "ChartNotFound" | "ChartVersionNotFound"),
        "{e}"
    );
    assert!(e.to_string().contains("nope"), "{e}");
    let e = src
        .fetch(&chart(&repo, "app", "!!"), &anon)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "InvalidVersionConstraint", "{e}");
}

#[tokio::test]
async fn basic_auth_and_wrong_password() {
    let Some(bin) = registry_bin() else { return };
    let reg = Registry::start(bin, "basic", &[("alice", "s3cret-pw")]).await;
    reg.push_chart(
        "private/app",
        "1.0.0",
        &make_chart("app", "1.0.0"),
        CHART_LAYER,
    )
    .await;
    reg.push_chart(
        "private/app",
        "1.1.0",
        &make_chart("app", "1.1.0"),
        CHART_LAYER,
    )
    .await;
    let src = Sources::new(config("basic")).unwrap();
    let repo = reg.repo("private");
    let good = basic_creds("alice", "s3cret-pw");
    let f = src.fetch(&chart(&repo, "app", "~1"), &good).await.unwrap();
    assert_eq!(f.version, "1.1.0");
    for creds in [basic_creds("alice", "wrong-pw"), Credentials::anonymous()] {
        let e = src
            .fetch(&chart(&repo, "app", "1.0.0"), &creds)
            .await
            .unwrap_err();
        assert_eq!(e.reason(), "AuthenticationRequired", "{e}");
        let msg = e.to_string();
        assert_eq!(
            msg,
            format!("{repo}/app:1.0.0: authentication required (HTTP 401)")
        );
        assert!(!msg.contains("pw") && !msg.contains("alice"), "{msg}");
    }
}

#[tokio::test]
async fn private_chart_cached_for_one_release_is_not_served_to_another() {
    let Some(bin) = registry_bin() else { return };
    let reg = Registry::start(bin, "private", &[("alice", "pw1")]).await;
    let tgz = make_chart("app", "1.0.0");
    let digest = reg
        .push_chart("private/app", "1.0.0", &tgz, CHART_LAYER)
        .await;
    let src = Sources::new(config("private")).unwrap();
    let repo = reg.repo("private");
    let f = src
        .fetch(&chart(&repo, "app", "1.0.0"), &basic_creds("alice", "pw1"))
        .await
        .unwrap();
    assert_eq!(f.bytes, tgz);
    // Prove the next good fetch is served from the cache: the stored blob is gone now.
    std::fs::remove_file(reg.blob_file(&digest)).unwrap();
    for creds in [Credentials::anonymous(), basic_creds("alice", "nope")] {
        let e = src
            .fetch(&chart(&repo, "app", "1.0.0"), &creds)
            .await
            .unwrap_err();
        assert_eq!(e.reason(), "AuthenticationRequired", "{e}");
    }
    let f = src
        .fetch(&chart(&repo, "app", "1.0.0"), &basic_creds("alice", "pw1"))
        .await
        .unwrap();
    assert_eq!(
        f.bytes, tgz,
        "served from the cache after the registry accepted alice"
    );
}

#[tokio::test]
async fn corrupted_truncated_and_oversized_blobs() {
    let Some(bin) = registry_bin() else { return };
    let reg = Registry::start(bin, "corrupt", &[]).await;
    let good = make_chart("app", "1.0.0");
    let d1 = reg.push_chart("c/app", "1.0.0", &good, CHART_LAYER).await;
    let two = make_chart("app", "2.0.0");
    let d2 = reg.push_chart("c/app", "2.0.0", &two, CHART_LAYER).await;
    let three = make_chart("app", "3.0.0");
    let d3 = reg.push_chart("c/app", "3.0.0", &three, CHART_LAYER).await;
    let repo = reg.repo("c");
    let anon = Credentials::anonymous();

    // Same size, one byte flipped: the registry serves it under the old digest.
    let mut other = good.clone();
    let mid = other.len() / 2;
    other[mid] ^= 0xff;
    std::fs::write(reg.blob_file(&d1), &other).unwrap();
    let src = Sources::new(config("corrupt")).unwrap();
    let e = src
        .fetch(&chart(&repo, "app", "1.0.0"), &anon)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "DigestMismatch", "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains(&sha256(&good)) && msg.contains(&sha256(&other)),
        "{msg}"
    );

    // Truncated blob.
    std::fs::write(reg.blob_file(&d2), &two[..two.len() / 2]).unwrap();
    let e = src
        .fetch(&chart(&repo, "app", "2.0.0"), &anon)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "TruncatedArchive", "{e}");

    // Declared size over the limit: refused before downloading.
    let mut cfg = config("small");
    cfg.limits.max_chart_bytes = (three.len() - 1) as u64;
    let small = Sources::new(cfg).unwrap();
    let e = small
        .fetch(&chart(&repo, "app", "3.0.0"), &anon)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "LimitExceeded", "{e}");
    // Body larger than the limit although the manifest declares a small size.
    let mut cfg = config("stream");
    cfg.limits.max_chart_bytes = 4096;
    let limited = Sources::new(cfg).unwrap();
    std::fs::write(reg.blob_file(&d3), vec![7u8; 100_000]).unwrap();
    let e = limited
        .fetch(&chart(&repo, "app", "3.0.0"), &anon)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "LimitExceeded", "{e}");
}

// ---------------------------------------------------------------------------------------
// In-process fake registry with a Bearer token service.

#[derive(Default)]
struct Fake {
    /// "repo:tag" → manifest bytes.
    manifests: Mutex<HashMap<String, Vec<u8>>>,
    /// digest → bytes.
    blobs: Mutex<HashMap<String, Vec<u8>>>,
    /// repo → tags (served 2 per page with `Link`).
    tags: Mutex<HashMap<String, Vec<String>>>,
    /// Basic credentials the token service accepts (`Basic ...` header value).
    basic: Mutex<Option<String>>,
    token_requests: Mutex<Vec<String>>,
    issued: Mutex<Vec<String>>,
    blob_gets: Mutex<u32>,
    delay_manifests: Mutex<Option<Duration>>,
    base: Mutex<String>,
}

impl Fake {
    fn add_chart(&self, repo: &str, tag: &str, tgz: &[u8]) {
        let cfg = b"{}".to_vec();
        let cd = format!("sha256:{}", sha256(&cfg));
        let ld = format!("sha256:{}", sha256(tgz));
        let m = serde_json::to_vec(&json!({
            "schemaVersion": 2, "mediaType": MANIFEST,
            "config": {"mediaType": CONFIG, "digest": cd, "size": cfg.len()},
            "layers": [{"mediaType": CHART_LAYER, "digest": ld, "size": tgz.len()}],
        }))
        .unwrap();
        self.blobs.lock().unwrap().insert(cd, cfg);
        self.blobs.lock().unwrap().insert(ld, tgz.to_vec());
        self.manifests
            .lock()
            .unwrap()
            .insert(format!("{repo}:{tag}"), m);
        self.tags
            .lock()
            .unwrap()
            .entry(repo.into())
            .or_default()
            .push(tag.into());
    }

    fn status(s: StatusCode) -> Response<Body> {
        Response::builder().status(s).body(Body::empty()).unwrap()
    }

    async fn handle(self: Arc<Self>, req: Request<Body>) -> Response<Body> {
        let path = req.uri().path().to_string();
        let query = req.uri().query().unwrap_or("").to_string();
        let auth = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if path == "/token" {
            self.token_requests.lock().unwrap().push(query.clone());
            let want = self.basic.lock().unwrap().clone();
            if want.is_some_and(|w| w != auth) {
                return Self::status(StatusCode::UNAUTHORIZED);
            }
            let tok = format!("tok-{}", self.issued.lock().unwrap().len());
            self.issued.lock().unwrap().push(tok.clone());
            return Response::builder()
                .header("content-type", "application/json")
                .body(Body::from(
                    json!({"access_token": tok, "expires_in": 300}).to_string(),
                ))
                .unwrap();
        }
        let Some(rest) = path.strip_prefix("/v2/") else {
            return Self::status(StatusCode::NOT_FOUND);
        };
        let token_ok = auth
            .strip_prefix("Bearer ")
            .is_some_and(|t| self.issued.lock().unwrap().iter().any(|i| i == t));
        if !token_ok {
            let (repo, _) = rest
                .split_once("/manifests/")
                .or(rest.split_once("/blobs/"))
                .or(rest.split_once("/tags/"))
                .unwrap_or((rest, ""));
            let base = self.base.lock().unwrap().clone();
            return Response::builder()
                .status(StatusCode::UNAUTHORIZED)
                .header(
                    "www-authenticate",
                    format!("Bearer realm=\"{base}/token\",service=\"fake\",scope=\"repository:{repo}:pull\""),
                )
                .body(Body::empty())
                .unwrap();
        }
        if rest.starts_with("denied/") {
            return Response::builder()
                .status(StatusCode::FORBIDDEN)
                .body(Body::from(
                    r#"{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}"#,
                ))
                .unwrap();
        }
        if let Some((repo, tag)) = rest.split_once("/manifests/") {
            let d = *self.delay_manifests.lock().unwrap();
            if let Some(d) = d {
                tokio::time::sleep(d).await;
            }
            return match self.manifests.lock().unwrap().get(&format!("{repo}:{tag}")) {
                Some(m) => Response::builder()
                    .header("content-type", MANIFEST)
                    .header("docker-content-digest", format!("sha256:{}", sha256(m)))
                    .body(Body::from(m.clone()))
                    .unwrap(),
                None => Response::builder()
                    .status(StatusCode::NOT_FOUND)
                    .body(Body::from(
                        r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#,
                    ))
                    .unwrap(),
            };
        }
        if let Some((_, digest)) = rest.split_once("/blobs/") {
            *self.blob_gets.lock().unwrap() += 1;
            return match self.blobs.lock().unwrap().get(digest) {
                Some(b) => Response::new(Body::from(b.clone())),
                None => Self::status(StatusCode::NOT_FOUND),
            };
        }
        if let Some(repo) = rest.strip_suffix("/tags/list") {
            let all = self
                .tags
                .lock()
                .unwrap()
                .get(repo)
                .cloned()
                .unwrap_or_default();
            let start = query
                .strip_prefix("last=")
                .and_then(|l| all.iter().position(|t| t == l).map(|i| i + 1))
                .unwrap_or(0);
            let page: Vec<String> = all.iter().skip(start).take(2).cloned().collect();
            let mut b = Response::builder().header("content-type", "application/json");
            if start + 2 < all.len() {
                if let Some(last) = page.last() {
                    b = b.header(
                        "link",
                        format!("</v2/{repo}/tags/list?last={last}>; rel=\"next\""),
                    );
                }
            }
            return b
                .body(Body::from(json!({"name": repo, "tags": page}).to_string()))
                .unwrap();
        }
        Self::status(StatusCode::NOT_FOUND)
    }
}

async fn start_fake(fake: Arc<Fake>) -> u16 {
    start_fake_on(fake, "127.0.0.1").await
}

async fn start_fake_on(fake: Arc<Fake>, ip: &str) -> u16 {
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    *fake.base.lock().unwrap() = format!("http://{ip}:{port}");
    let app = axum::Router::new().fallback(move |req: Request<Body>| fake.clone().handle(req));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    port
}

#[tokio::test]
async fn bearer_tokens_are_fetched_cached_and_scoped_to_credentials() {
    let fake = Arc::new(Fake::default());
    // "alice:pw"
    *fake.basic.lock().unwrap() = Some("Basic YWxpY2U6cHc=".into());
    for v in ["1.0.0", "1.1.0", "1.2.0", "2.0.0-beta.1", "0.9.0"] {
        fake.add_chart("charts/app", v, &make_chart("app", v));
    }
    let port = start_fake(fake.clone()).await;
    let repo = format!("oci://127.0.0.1:{port}/charts");
    let src = Sources::new(config("bearer")).unwrap();
    let alice = basic_creds("alice", "pw");
    // The constraint lists every tag page (Link pagination, 2 per page).
    let f = src
        .fetch(&chart(&repo, "app", "^1.0"), &alice)
        .await
        .unwrap();
    assert_eq!(f.version, "1.2.0");
    let reqs = fake.token_requests.lock().unwrap().clone();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert!(
        reqs[0].contains("service=fake")
            && reqs[0].contains("scope=repository%3Acharts%2Fapp%3Apull"),
        "{reqs:?}"
    );
    // The token is reused; the chart comes from the cache.
    let f = src
        .fetch(&chart(&repo, "app", "1.2.0"), &alice)
        .await
        .unwrap();
    assert_eq!(loaded_version(&f.bytes), "1.2.0");
    assert_eq!(fake.token_requests.lock().unwrap().len(), 1);
    assert_eq!(*fake.blob_gets.lock().unwrap(), 1);
    // Anonymous and wrong credentials get no token, and no cached chart.
    for creds in [Credentials::anonymous(), basic_creds("alice", "bad")] {
        let e = src
            .fetch(&chart(&repo, "app", "1.2.0"), &creds)
            .await
            .unwrap_err();
        assert_eq!(e.reason(), "AuthenticationRequired", "{e}");
        assert!(e.to_string().contains(&format!("{repo}/app")), "{e}");
        assert!(!e.to_string().contains("bad"), "{e}");
    }
    // Unknown tag behind auth.
    let e = src
        .fetch(&chart(&repo, "app", "7.0.0"), &alice)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "ChartVersionNotFound", "{e}");
    // A token that the registry then refuses for this repository: 403 with its error code.
    let e = src
        .fetch(
            &chart(&format!("oci://127.0.0.1:{port}/denied"), "app", "1.0.0"),
            &alice,
        )
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "AccessDenied", "{e}");
    assert_eq!(
        e.to_string(),
        format!(
            "oci://127.0.0.1:{port}/denied/app:1.0.0: access denied (HTTP 403): DENIED: \
             requested access to the resource is denied"
        )
    );
    // An anonymous-token registry (no basic check) works without credentials.
    *fake.basic.lock().unwrap() = None;
    let f = src
        .fetch(&chart(&repo, "app", "~0.9"), &Credentials::anonymous())
        .await
        .unwrap();
    assert_eq!(f.version, "0.9.0");
}

#[tokio::test]
async fn slow_registry_times_out() {
    let fake = Arc::new(Fake::default());
    fake.add_chart("charts/app", "1.0.0", &make_chart("app", "1.0.0"));
    *fake.delay_manifests.lock().unwrap() = Some(Duration::from_secs(5));
    let port = start_fake(fake.clone()).await;
    let mut cfg = config("slow");
    cfg.http.request_timeout = Duration::from_millis(300);
    let src = Sources::new(cfg).unwrap();
    let t = Instant::now();
    let e = src
        .fetch(
            &chart(&format!("oci://127.0.0.1:{port}/charts"), "app", "1.0.0"),
            &Credentials::anonymous(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "Timeout", "{e}");
    assert!(e.to_string().contains("/charts/app:1.0.0"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn tls_is_the_default_for_other_hosts_and_plain_http_opts_out() {
    // A plain-HTTP registry on a loopback address that is not 127.0.0.1: TLS is tried (and
    // fails) unless plainHTTP is set.
    let fake = Arc::new(Fake::default());
    fake.add_chart("charts/app", "1.0.0", &make_chart("app", "1.0.0"));
    let port = start_fake_on(fake.clone(), "127.0.0.2").await;
    let repo = format!("oci://127.0.0.2:{port}/charts");
    let src = Sources::new(config("tls")).unwrap();
    let e = src
        .fetch(&chart(&repo, "app", "1.0.0"), &Credentials::anonymous())
        .await
        .unwrap_err();
    assert!(
        matches!(e.reason(), "ConnectionFailed" | "TransportError"),
        "{e}"
    );
    let mut plain = chart(&repo, "app", "1.0.0");
    plain.plain_http = true;
    let f = src.fetch(&plain, &Credentials::anonymous()).await.unwrap();
    assert_eq!(loaded_version(&f.bytes), "1.0.0");
}

// ---------------------------------------------------------------------------------------
// Operator end to end.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helmrelease_from_oci_registry_goes_ready() {
    use helmrelease_operator::fetch::OperatorFetcher;
    use operator::*;
    let Some(bin) = registry_bin() else { return };
    let reg = Registry::start(bin, "e2e", &[]).await;
    reg.push_chart(
        "charts/e2e-app",
        "0.2.0",
        &package_e2e_app("0.2.0"),
        CHART_LAYER,
    )
    .await;
    let sandbox = kube_sandbox::Sandbox::default();
    let client = sandbox.client();
    install_crd(&client).await;
    let fetcher = OperatorFetcher::new(client.clone(), tmp("e2e-cache")).unwrap();
    let _stop = start_controller_with(&client, Arc::new(fetcher));
    let doc = json!({
        "apiVersion": "helm.fluxcd.io/v1",
        "kind": "HelmRelease",
        "metadata": {"name": "ocirel", "namespace": NS},
        "spec": {
            "releaseName": "ocirel",
            "chart": {"repository": reg.repo("charts"), "name": "e2e-app", "version": "0.2.0"},
            "values": {"message": "from-oci"},
        },
    });
    apply_hr(&client, &doc).await;
    wait_history(&client, "ocirel", &[(1, "deployed")]).await;
    assert_eq!(
        cm_data(&client, "ocirel-config", "message")
            .await
            .as_deref(),
        Some("from-oci")
    );
    until(15, "status Ready with revision 0.2.0", || async {
        let hr = get_hr(&client, "ocirel").await;
        hr.status
            .as_ref()
            .is_some_and(|s| s.is_ready() && s.revision.as_deref() == Some("0.2.0"))
    })
    .await;
}
