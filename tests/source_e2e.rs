//! End to end through the operator's own fetcher (`OperatorFetcher`): a HelmRelease whose
//! chart lives in an HTTP(S) Helm repository behind basic auth, and one in an S3 bucket
//! (in-process `s3s-fs`, which checks SigV4 signatures), each goes Ready in the sandbox with
//! the credentials of its `chartPullSecret`; without them, or with wrong ones, the status
//! says why and no release is made.

#[path = "common/operator.rs"]
mod operator;

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use helmrelease_operator::api::ConditionType;
use helmrelease_operator::fetch::OperatorFetcher;
use k8s_openapi::api::core::v1::Secret;
use kube::api::PostParams;
use kube::{Api, Client};
use operator::*;
use serde_json::json;

#[path = "common/charts.rs"]
mod charts;
use charts::package_e2e_app;

fn index_yaml(version: &str, url: &str, tgz: &[u8]) -> String {
    format!(
        "apiVersion: v1\nentries:\n  e2e-app:\n  - apiVersion: v2\n    name: e2e-app\n    version: {version}\n    digest: {}\n    urls:\n    - {url}\n",
        charts::sha256(tgz)
    )
}

async fn create_secret(client: &Client, name: &str, data: &[(&str, &str)]) {
    let secret: Secret = serde_json::from_value(json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": NS},
        "stringData": data.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
    }))
    .unwrap();
    Api::<Secret>::namespaced(client.clone(), NS)
        .create(&PostParams::default(), &secret)
        .await
        .unwrap();
}

fn repo_hr(name: &str, repository: &str, version: &str, secret: Option<&str>) -> serde_json::Value {
    let mut chart = json!({"repository": repository, "name": "e2e-app", "version": version});
    if let Some(s) = secret {
        chart["chartPullSecret"] = json!({"name": s});
    }
    json!({
        "apiVersion": "helm.fluxcd.io/v1",
        "kind": "HelmRelease",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"releaseName": name, "chart": chart, "values": {"message": name}},
    })
}

fn start_with_operator_fetcher(client: &Client, tag: &str) -> tokio::sync::oneshot::Sender<()> {
    let cache = temp_dir(&format!("{tag}-cache"));
    let fetcher = OperatorFetcher::new(client.clone(), cache).unwrap();
    start_controller_with(client, Arc::new(fetcher))
}

/// Waits for Ready with the chart version as revision, and checks the rendered values.
async fn assert_ready(client: &Client, name: &str, version: &str) {
    until(60, &format!("{name} ready"), || async {
        get_hr(client, name)
            .await
            .status
            .is_some_and(|s| s.is_ready() && s.revision.as_deref() == Some(version))
    })
    .await;
    wait_history(client, name, &[(1, "deployed")]).await;
    assert_eq!(
        cm_data(client, &format!("{name}-config"), "message")
            .await
            .as_deref(),
        Some(name)
    );
}

/// Waits until `ChartFetched` is False with a message containing `needle`; no release made.
async fn assert_fetch_fails(client: &Client, name: &str, needle: &str) {
    until(60, &format!("{name} fetch failure"), || async {
        get_hr(client, name).await.status.is_some_and(|s| {
            s.condition(ConditionType::ChartFetched).is_some_and(|c| {
                c.status == helmrelease_operator::api::ConditionStatus::False
                    && c.message.as_deref().is_some_and(|m| m.contains(needle))
            })
        })
    })
    .await;
    assert!(history(client, name).await.is_empty());
}

struct Repo {
    index: String,
    tgz: Vec<u8>,
}

async fn serve_repo(
    State(repo): State<Arc<Repo>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> axum::response::Response {
    // "user:s3cret" in base64.
    let authorized = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "Basic dXNlcjpzM2NyZXQ=");
    if !authorized {
        return (
            StatusCode::UNAUTHORIZED,
            [("www-authenticate", "Basic realm=\"charts\"")],
            "unauthorized",
        )
            .into_response();
    }
    match uri.path() {
        "/charts/index.yaml" => repo.index.clone().into_response(),
        "/charts/e2e-app-0.3.0.tgz" => repo.tgz.clone().into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_repository_with_pull_secret_goes_ready() {
    let tgz = package_e2e_app("0.3.0");
    let repo = Arc::new(Repo {
        index: index_yaml("0.3.0", "e2e-app-0.3.0.tgz", &tgz),
        tgz,
    });
    let app = axum::Router::new().fallback(serve_repo).with_state(repo);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let url = format!("http://{addr}/charts");

    let sandbox = kube_sandbox::Sandbox::default();
    let client = sandbox.client();
    install_crd(&client).await;
    create_secret(
        &client,
        "repo-creds",
        &[("username", "user"), ("password", "s3cret")],
    )
    .await;
    let _stop = start_with_operator_fetcher(&client, "e2e-http");

    apply_hr(
        &client,
        &repo_hr("from-http", &url, "~0.3", Some("repo-creds")),
    )
    .await;
    assert_ready(&client, "from-http", "0.3.0").await;

    // The chart is cached now, but a release without the pull secret still gets the 401.
    apply_hr(&client, &repo_hr("no-creds", &url, "0.3.0", None)).await;
    assert_fetch_fails(&client, "no-creds", "401").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_bucket_with_pull_secret_goes_ready() {
    const AK: &str = "AKIAE2EKEY";
    const SK: &str = "e2e/secret+key";
    let root = temp_dir("e2e-s3-bucket");
    let tgz = package_e2e_app("0.4.0");
    let dir = root.join("charts/stable");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("e2e-app-0.4.0.tgz"), &tgz).unwrap();
    std::fs::write(
        dir.join("index.yaml"),
        index_yaml("0.4.0", "s3://charts/stable/e2e-app-0.4.0.tgz", &tgz),
    )
    .unwrap();
    let endpoint = charts::serve_s3_fs(&root, AK, SK).await;

    let sandbox = kube_sandbox::Sandbox::default();
    let client = sandbox.client();
    install_crd(&client).await;
    let creds = |sk: &'static str| {
        [
            ("aws_access_key_id", AK),
            ("aws_secret_access_key", sk),
            ("region", "us-east-1"),
            ("endpoint", endpoint.as_str()),
        ]
    };
    create_secret(&client, "s3-creds", &creds(SK)).await;
    create_secret(&client, "s3-wrong", &creds("not-the-key")).await;
    let _stop = start_with_operator_fetcher(&client, "e2e-s3");

    apply_hr(
        &client,
        &repo_hr("from-s3", "s3://charts/stable", "0.4.0", Some("s3-creds")),
    )
    .await;
    assert_ready(&client, "from-s3", "0.4.0").await;

    apply_hr(
        &client,
        &repo_hr("s3-denied", "s3://charts/stable", "0.4.0", Some("s3-wrong")),
    )
    .await;
    assert_fetch_fails(&client, "s3-denied", "403").await;
}
