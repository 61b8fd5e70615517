//! Shared helpers for the operator's end-to-end tests: private chart repositories, the
//! controller started in-process against kube-sandbox, HelmRelease documents, and polling
//! for release history, status and events. Included with `#[path]` by each test file, so
//! not every helper is used by every file.
#![allow(dead_code)]

// Each helper module loads its own copy: test binaries include `charts.rs`,
// `operator.rs` or both.
#[allow(clippy::duplicate_mod)]
#[path = "chart_yaml.rs"]
mod chart_yaml;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use helmrelease_operator::api::HelmRelease;
use helmrelease_operator::controller::chart::{ChartFetcher, LocalDirFetcher};
use helmrelease_operator::controller::{self, metrics::Metrics, Settings};
use helmrelease_operator::storage::{Release, SecretsDriver, Storage};
use k8s_openapi::api::core::v1::{ConfigMap, Event, Secret};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Patch, PatchParams, PostParams};
use kube::{Api, Client};
use serde_json::json;

pub const NS: &str = "default";

pub fn temp_dir(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let p = std::env::temp_dir().join(format!("hr-e2e-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&p).unwrap();
    p
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// A private copy of `testdata/charts/e2e-app` (tests rewrite its version).
pub fn chart_repo(tag: &str) -> PathBuf {
    let dir = temp_dir(tag);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/charts/e2e-app"),
        &dir.join("e2e-app"),
    );
    dir
}

/// Rewrites the version of the `e2e-app` chart in a [`chart_repo`].
pub fn set_chart_version(repo: &Path, version: &str) {
    set_chart_dir_version(&repo.join("e2e-app"), version);
}

/// Rewrites the `version:` line of the `Chart.yaml` in `chart_dir`.
pub fn set_chart_dir_version(chart_dir: &Path, version: &str) {
    let p = chart_dir.join("Chart.yaml");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(p, chart_yaml::with_version(&text, version)).unwrap();
}

pub async fn install_crd(client: &Client) {
    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    api.create(&PostParams::default(), &helmrelease_operator::api::crd())
        .await
        .unwrap();
}

pub fn settings() -> Settings {
    Settings {
        namespace: None,
        workers: 2,
        sync_interval: Duration::from_millis(500),
        retry_interval: Duration::from_millis(300),
    }
}

/// Runs the controller in-process until the returned sender is dropped or fired.
pub fn start_controller(client: &Client) -> tokio::sync::oneshot::Sender<()> {
    start_controller_with(client, Arc::new(LocalDirFetcher::default()))
}

/// Runs the controller in-process with `fetcher` until the returned sender is dropped or fired.
pub fn start_controller_with(
    client: &Client,
    fetcher: Arc<dyn ChartFetcher>,
) -> tokio::sync::oneshot::Sender<()> {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(
            std::env::var("RUST_LOG").unwrap_or_else(|_| "warn,helmrelease_operator=info".into()),
        )
        .try_init();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let client = client.clone();
    tokio::spawn(async move {
        controller::run(
            client,
            settings(),
            fetcher,
            Arc::new(Metrics::default()),
            async move {
                let _ = rx.await;
            },
        )
        .await;
    });
    tx
}

pub fn hr_doc(
    name: &str,
    repo: &Path,
    values: serde_json::Value,
    extra: serde_json::Value,
) -> serde_json::Value {
    let mut spec = json!({
        "releaseName": name,
        "chart": {"git": format!("file://{}", repo.display()), "path": "e2e-app"},
        "values": values,
    });
    if let (Some(s), Some(e)) = (spec.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            s.insert(k.clone(), v.clone());
        }
    }
    json!({
        "apiVersion": "helm.fluxcd.io/v1",
        "kind": "HelmRelease",
        "metadata": {"name": name, "namespace": NS},
        "spec": spec,
    })
}

pub async fn apply_hr(client: &Client, doc: &serde_json::Value) {
    let api: Api<HelmRelease> = Api::namespaced(client.clone(), NS);
    let name = doc["metadata"]["name"].as_str().unwrap();
    api.patch(
        name,
        &PatchParams::apply("e2e-test").force(),
        &Patch::Apply(doc),
    )
    .await
    .unwrap();
}

pub fn storage(client: &Client) -> Storage {
    Storage::new(SecretsDriver::new(Api::<Secret>::namespaced(
        client.clone(),
        NS,
    )))
}

pub async fn history(client: &Client, name: &str) -> Vec<Release> {
    let mut h = storage(client).history(name).await.unwrap_or_default();
    h.sort_by_key(|r| r.version);
    h
}

pub fn summary(h: &[Release]) -> Vec<(i64, String)> {
    h.iter()
        .map(|r| (r.version, r.status().to_string()))
        .collect()
}

/// Polls until `f` holds or fails the test after `secs`.
pub async fn until<F, Fut>(secs: u64, what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for: {what}");
}

pub async fn wait_history(client: &Client, name: &str, want: &[(i64, &str)]) {
    let want: Vec<(i64, String)> = want.iter().map(|(v, s)| (*v, s.to_string())).collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = Vec::new();
    while Instant::now() < deadline {
        last = summary(&history(client, name).await);
        if last == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("history of {name}: want {want:?}, have {last:?}");
}

pub async fn get_hr(client: &Client, name: &str) -> HelmRelease {
    Api::<HelmRelease>::namespaced(client.clone(), NS)
        .get(name)
        .await
        .unwrap()
}

pub async fn cm_data(client: &Client, name: &str, key: &str) -> Option<String> {
    Api::<ConfigMap>::namespaced(client.clone(), NS)
        .get_opt(name)
        .await
        .unwrap()
        .and_then(|c| c.data)
        .and_then(|d| d.get(key).cloned())
}

pub async fn event_reasons(client: &Client, name: &str) -> Vec<String> {
    let api: Api<Event> = Api::namespaced(client.clone(), NS);
    api.list(&Default::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|e| e.involved_object.name.as_deref() == Some(name))
        .filter_map(|e| e.reason)
        .collect()
}

/// Real Helm through `helm-oracle`: `$HELM_ORACLE`, else `tools/helm-oracle` of the corpus
/// (`$HELMRELEASE_SHARED` or `../shared`); `None` when absent (callers skip with a message).
pub fn helm_oracle() -> Option<PathBuf> {
    let p = match std::env::var_os("HELM_ORACLE") {
        Some(p) => PathBuf::from(p),
        None => std::env::var_os("HELMRELEASE_SHARED")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"))
            .join("tools/helm-oracle"),
    };
    p.is_file().then_some(p)
}

/// Runs helm-oracle with `args`: (success, stdout + stderr).
pub fn oracle(tool: &Path, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(tool)
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// A sandbox served on a loopback port (for the real binary and helm-oracle), with the CRD
/// installed and a kubeconfig written under a fresh temp dir.
pub async fn sandbox_with_kubeconfig(tag: &str) -> (kube_sandbox::Running, Client, PathBuf) {
    let running = kube_sandbox::start().await.unwrap();
    let client = running.client().unwrap();
    install_crd(&client).await;
    let kc = temp_dir(tag).join("kubeconfig.yaml");
    running.write_kubeconfig(&kc).unwrap();
    (running, client, kc)
}
