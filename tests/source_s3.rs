//! Acceptance tests of the S3 chart source against an in-process `s3s-fs` 0.14.1 server that
//! checks SigV4 signatures: helm-s3 indexes with relative and `s3://` absolute URLs, direct
//! `s3://bucket/key.tgz` charts, wrong credentials, environment keys and IRSA web identity
//! (with a mock STS).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use helmrelease_operator::source::{ChartRef, ChartSource, Credentials, SourceConfig, Sources};

const AK: &str = "AKIATESTKEY";
const SK: &str = "testsecretkey/with+chars";

#[path = "common/charts.rs"]
mod charts;
use charts::{make_chart, sha256};

fn write(root: &Path, key: &str, body: &[u8]) {
    let p = root.join(key);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

/// Seeds bucket `charts` and starts s3s-fs; returns the endpoint.
async fn start_s3(name: &str) -> String {
    let root = std::env::temp_dir().join(format!("source-s3-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let v1 = make_chart("app", "1.0.0");
    let v2 = make_chart("app", "2.0.0");
    let v3 = make_chart("app", "3.0.0");
    write(&root, "charts/stable/app-1.0.0.tgz", &v1);
    write(&root, "charts/stable/app-2.0.0.tgz", &v2);
    write(&root, "charts/direct/app-3.0.0.tgz", &v3);
    let index = format!(
        "apiVersion: v1\nentries:\n  app:\n  - name: app\n    version: 1.0.0\n    urls:\n    - app-1.0.0.tgz\n    digest: {}\n  - name: app\n    version: 2.0.0\n    urls:\n    - s3://charts/stable/app-2.0.0.tgz\n    digest: {}\n",
        sha256(&v1),
        sha256(&v2)
    );
    write(&root, "charts/stable/index.yaml", index.as_bytes());

    charts::serve_s3_fs(&root, AK, SK).await
}

fn config(name: &str, env: BTreeMap<String, String>) -> SourceConfig {
    let dir = std::env::temp_dir().join(format!("source-s3-cache-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut c = SourceConfig::new(dir);
    c.http.retries = 0;
    c.http.request_timeout = Duration::from_secs(10);
    c.env = Arc::new(move |k| env.get(k).cloned());
    c
}

fn secret(endpoint: &str, ak: &str, sk: &str) -> Credentials {
    let mut d = BTreeMap::new();
    for (k, v) in [
        ("aws_access_key_id", ak),
        ("aws_secret_access_key", sk),
        ("region", "us-east-1"),
        ("endpoint", endpoint),
    ] {
        d.insert(k.to_string(), v.as_bytes().to_vec());
    }
    Credentials::from_secret_data(&d).unwrap()
}

fn chart(repo: &str, version: &str) -> ChartRef {
    ChartRef {
        repository: repo.into(),
        name: "app".into(),
        version: version.into(),
        plain_http: false,
    }
}

#[tokio::test]
async fn index_with_relative_and_absolute_s3_urls() {
    let ep = start_s3("index").await;
    let src = Sources::new(config("index", BTreeMap::new())).unwrap();
    let creds = secret(&ep, AK, SK);
    let f = src
        .fetch(&chart("s3://charts/stable", "1.0.0"), &creds)
        .await
        .unwrap();
    assert_eq!(f.version, "1.0.0");
    assert_eq!(f.url, "s3://charts/stable/app-1.0.0.tgz");
    let f = src
        .fetch(&chart("s3://charts/stable/", "~2"), &creds)
        .await
        .unwrap();
    assert_eq!(f.version, "2.0.0");
    let loaded =
        helm_render::archive::load_archive(&f.bytes, &helm_render::archive::Limits::default())
            .unwrap();
    assert_eq!(loaded.metadata.version, "2.0.0");
    let e = src
        .fetch(&chart("s3://charts/stable", "9.0.0"), &creds)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "ChartVersionNotFound");
}

#[tokio::test]
async fn wrong_credentials_are_rejected_even_when_cached() {
    let ep = start_s3("wrong").await;
    let src = Sources::new(config("wrong", BTreeMap::new())).unwrap();
    src.fetch(&chart("s3://charts/stable", "1.0.0"), &secret(&ep, AK, SK))
        .await
        .unwrap();
    let e = src
        .fetch(
            &chart("s3://charts/stable", "1.0.0"),
            &secret(&ep, AK, "not-the-key"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "AccessDenied", "{e}");
    let msg = e.to_string();
    assert!(msg.contains("s3://charts/stable/index.yaml"), "{msg}");
    assert!(msg.contains("SignatureDoesNotMatch"), "{msg}");
    assert!(!msg.contains("not-the-key"));
    let e = src
        .fetch(
            &chart("s3://charts/stable", "1.0.0"),
            &secret(&ep, "AKIAOTHER", SK),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            e.reason(),
            "AccessDenied" | "AuthenticationRequired" | "HTTPError"
        ),
        "{e}"
    );
}

#[tokio::test]
async fn direct_tgz_url() {
    let ep = start_s3("direct").await;
    let src = Sources::new(config("direct", BTreeMap::new())).unwrap();
    let creds = secret(&ep, AK, SK);
    let f = src
        .fetch(&chart("s3://charts/direct/app-3.0.0.tgz", "3.0.0"), &creds)
        .await
        .unwrap();
    assert_eq!(f.version, "3.0.0");
    let e = src
        .fetch(&chart("s3://charts/direct/app-3.0.0.tgz", ">=4"), &creds)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "ChartVersionNotFound");
    let e = src
        .fetch(&chart("s3://charts/direct/missing.tgz", ""), &creds)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "NotFound", "{e}");
}

#[tokio::test]
async fn environment_credentials() {
    let ep = start_s3("env").await;
    let env: BTreeMap<String, String> = [
        ("AWS_ACCESS_KEY_ID", AK),
        ("AWS_SECRET_ACCESS_KEY", SK),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL_S3", ep.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let src = Sources::new(config("env", env)).unwrap();
    let f = src
        .fetch(
            &chart("s3://charts/stable", "1.0.0"),
            &Credentials::anonymous(),
        )
        .await
        .unwrap();
    assert_eq!(f.version, "1.0.0");
}

#[tokio::test]
async fn web_identity_through_sts() {
    let ep = start_s3("irsa").await;
    let seen = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen2 = seen.clone();
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        let seen = seen2.clone();
        async move {
            seen.lock().unwrap().push(uri.query().unwrap_or("").to_string());
            format!(
                "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>\
                 <AccessKeyId>{AK}</AccessKeyId><SecretAccessKey>{SK}</SecretAccessKey>\
                 <SessionToken>tok</SessionToken><Expiration>2999-01-01T00:00:00Z</Expiration>\
                 </Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sts = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let token = std::env::temp_dir().join(format!("source-s3-token-{}", std::process::id()));
    std::fs::write(&token, "jwt-token\n").unwrap();
    let env: BTreeMap<String, String> = [
        ("AWS_WEB_IDENTITY_TOKEN_FILE", token.to_str().unwrap()),
        ("AWS_ROLE_ARN", "arn:aws:iam::123:role/charts"),
        ("AWS_ENDPOINT_URL_STS", sts.as_str()),
        ("AWS_ENDPOINT_URL_S3", ep.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let src = Sources::new(config("irsa", env)).unwrap();
    for v in ["1.0.0", "2.0.0"] {
        let f = src
            .fetch(&chart("s3://charts/stable", v), &Credentials::anonymous())
            .await
            .unwrap();
        assert_eq!(f.version, v);
    }
    let q = seen.lock().unwrap().clone();
    assert_eq!(q.len(), 1, "STS credentials are cached: {q:?}");
    assert!(q[0].contains("Action=AssumeRoleWithWebIdentity"), "{q:?}");
    assert!(q[0].contains("WebIdentityToken=jwt-token"), "{q:?}");
    assert!(
        q[0].contains("RoleArn=arn%3Aaws%3Aiam%3A%3A123%3Arole%2Fcharts"),
        "{q:?}"
    );
}
