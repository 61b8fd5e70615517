//! `SecretsDriver` over `kube::Api<Secret>` against the in-memory API server
//! (`crates/kube-sandbox`), and the same storage expectations run on `MemoryDriver`.
//!
//! `writes_for_real_helm` (ignored) writes a release history into any API server given by
//! `HELM_ORACLE_KUBECONFIG`, so real Helm can be pointed at it (see
//! `testdata/releases/README.md`).

use std::collections::BTreeMap;
use std::path::Path;

use helmrelease_operator::storage::{
    decode_release, make_key, GoTime, Info, MemoryDriver, Release, SecretsDriver, Status, Storage,
};
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use kube_sandbox::Sandbox;

fn rel(name: &str, version: i64, status: Status) -> Release {
    let t = GoTime::parse("2026-01-02T03:04:05.5Z").unwrap();
    let mut config = serde_json::Map::new();
    config.insert("replicas".into(), serde_json::json!(version));
    Release {
        name: name.into(),
        info: Some(Info {
            first_deployed: t,
            last_deployed: t,
            description: "Install complete".into(),
            status,
            ..Info::default()
        }),
        config,
        manifest: "---\n# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n".into(),
        version,
        namespace: "default".into(),
        ..Release::default()
    }
}

/// One expectation for every driver: Helm's install → upgrade → prune sequence.
async fn lifecycle(storage: Storage) {
    let mut v1 = rel("app", 1, Status::PendingInstall);
    storage.create(&v1).await.unwrap();
    // A second create of the same revision is the pessimistic lock.
    let err = storage.create(&v1).await.unwrap_err();
    assert_eq!(err.to_string(), "release: already exists");
    v1.set_status(Status::Deployed, "Install complete");
    storage.update(&v1).await.unwrap();
    assert_eq!(storage.deployed("app").await.unwrap().version, 1);

    for v in 2..=4 {
        let mut prev = storage.deployed("app").await.unwrap();
        let mut next = rel("app", v, Status::PendingUpgrade);
        storage.create(&next).await.unwrap();
        prev.set_status(Status::Superseded, "Upgrade complete");
        storage.update(&prev).await.unwrap();
        next.set_status(Status::Deployed, "Upgrade complete");
        storage.update(&next).await.unwrap();
    }
    let mut versions: Vec<i64> = storage
        .history("app")
        .await
        .unwrap()
        .iter()
        .map(|r| r.version)
        .collect();
    versions.sort();
    assert_eq!(
        versions,
        vec![2, 3, 4],
        "max_history 3 keeps the newest three"
    );
    assert_eq!(storage.last("app").await.unwrap().version, 4);
    let deployed = storage.deployed("app").await.unwrap();
    assert_eq!(deployed.version, 4);
    assert_eq!(deployed.config["replicas"], 4);
    assert_eq!(storage.list_deployed().await.unwrap().len(), 1);

    let gone = storage.delete("app", 2).await.unwrap();
    assert_eq!(gone.status(), Status::Superseded);
    assert!(storage.get("app", 2).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn memory_driver_lifecycle() {
    lifecycle(Storage::new(MemoryDriver::new()).with_max_history(3)).await;
}

#[tokio::test]
async fn secrets_driver_lifecycle_on_sandbox() {
    let sb = Sandbox::default();
    let api: Api<Secret> = Api::namespaced(sb.client(), "default");
    lifecycle(Storage::new(SecretsDriver::new(api.clone())).with_max_history(3)).await;

    let s = api.get(&make_key("app", 4)).await.unwrap();
    assert_eq!(s.type_.as_deref(), Some("helm.sh/release.v1"));
    let labels = s.metadata.labels.unwrap();
    assert_eq!(labels["name"], "app");
    assert_eq!(labels["owner"], "helm");
    assert_eq!(labels["status"], "deployed");
    assert_eq!(labels["version"], "4");
    assert!(labels.contains_key("modifiedAt"));
    assert!(!labels.contains_key("createdAt"));
    let data = String::from_utf8(s.data.unwrap()["release"].0.clone()).unwrap();
    assert_eq!(decode_release(&data).unwrap().version, 4);
}

#[tokio::test]
async fn secrets_driver_reads_helm_written_secrets() {
    let sb = Sandbox::default();
    let api: Api<Secret> = Api::namespaced(sb.client(), "default");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/releases");
    for v in 1..=3 {
        let text = std::fs::read_to_string(dir.join(format!("demo.v{v}.secret.json"))).unwrap();
        let mut s: Secret = serde_json::from_str(&text).unwrap();
        s.metadata.resource_version = None;
        s.metadata.uid = None;
        s.metadata.creation_timestamp = None;
        s.metadata.generation = None;
        api.create(&Default::default(), &s).await.unwrap();
    }
    let storage = Storage::new(SecretsDriver::new(api));
    assert_eq!(storage.history("demo").await.unwrap().len(), 3);
    let d = storage.deployed("demo").await.unwrap();
    assert_eq!(d.version, 3);
    assert_eq!(d.info.unwrap().description, "Rollback to 1");
    let got = storage.get("demo", 1).await.unwrap();
    assert_eq!(got.status(), Status::Superseded);
    assert!(got.labels.is_empty(), "get filters system labels");
    // Only owner=helm objects are listed.
    assert_eq!(storage.list_releases().await.unwrap().len(), 3);
    assert!(storage
        .driver()
        .list(&BTreeMap::from([("name".into(), "other".into())]))
        .await
        .unwrap()
        .is_empty());
}

/// Writes `hr-demo` v1 (superseded) and v2 (deployed) into the cluster named by
/// `HELM_ORACLE_KUBECONFIG`, built from the real-Helm fixture `demo.v3` so that Helm can
/// render, upgrade and roll it back.
#[tokio::test]
#[ignore = "needs HELM_ORACLE_KUBECONFIG pointing at a running API server"]
async fn writes_for_real_helm() {
    let Ok(path) = std::env::var("HELM_ORACLE_KUBECONFIG") else {
        panic!("set HELM_ORACLE_KUBECONFIG");
    };
    let kubeconfig = kube::config::Kubeconfig::read_from(path).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .unwrap();
    let client = kube::Client::try_from(config).unwrap();
    let api: Api<Secret> = Api::namespaced(client, "default");
    let storage = Storage::new(SecretsDriver::new(api));

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/releases");
    let text = std::fs::read_to_string(dir.join("demo.v3.secret.json")).unwrap();
    let s: Secret = serde_json::from_str(&text).unwrap();
    let base =
        decode_release(&String::from_utf8(s.data.unwrap()["release"].0.clone()).unwrap()).unwrap();
    let now = GoTime::now();
    for (version, status, greeting) in [
        (1, Status::Superseded, "from-rust-1"),
        (2, Status::Deployed, "from-rust-2"),
    ] {
        let mut r = base.clone();
        r.name = "hr-demo".into();
        r.version = version;
        r.config.insert("greeting".into(), greeting.into());
        r.manifest = r.manifest.replace("demo-cm", "hr-demo-cm");
        r.labels
            .insert("helm.fluxcd.io/owner".into(), "default.demo".into());
        let info = r.info.get_or_insert_with(Info::default);
        info.first_deployed = now;
        info.last_deployed = now;
        r.set_status(status, "Written by helmrelease-operator");
        storage.create(&r).await.unwrap();
    }
}
