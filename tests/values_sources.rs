//! End-to-end tests of `valuesFrom` sources: ConfigMap, Secret and external HTTP values
//! merged into a release, and upgrades triggered by changes of the referenced
//! ConfigMaps/Secrets without waiting for the sync interval (which these tests set to an
//! hour), while changes to unrelated Secrets cause no API write at all.

#[path = "common/operator.rs"]
mod operator;

use std::sync::Arc;
use std::time::{Duration, Instant};

use helmrelease_operator::api::ConditionType;
use helmrelease_operator::controller::chart::LocalDirFetcher;
use helmrelease_operator::controller::{self, metrics::Metrics, Settings};
use k8s_openapi::api::core::v1::{ConfigMap, Event, Secret};
use kube::api::PostParams;
use kube::{Api, Client};
use operator::*;
use serde_json::json;

/// Starts the controller with an hour-long sync interval, so only watch events, the
/// valuesFrom triggers and (after `retry`) failed reconciles cause reconciles.
fn start_slow_sync_controller(
    client: &Client,
    retry: Duration,
) -> tokio::sync::oneshot::Sender<()> {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(
            std::env::var("RUST_LOG").unwrap_or_else(|_| "warn,helmrelease_operator=info".into()),
        )
        .try_init();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let client = client.clone();
    let settings = Settings {
        namespace: None,
        workers: 2,
        sync_interval: Duration::from_secs(3600),
        retry_interval: retry,
    };
    tokio::spawn(async move {
        controller::run(
            client,
            settings,
            Arc::new(LocalDirFetcher::default()),
            Arc::new(Metrics::default()),
            async move {
                let _ = rx.await;
            },
        )
        .await;
    });
    tx
}

/// Serves `/values.yaml` on an ephemeral port; returns the URL.
async fn external_values(body: &'static str) -> String {
    let app = axum::Router::new().route(
        "/values.yaml",
        axum::routing::get(move || async move { body }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/values.yaml")
}

fn configmap(name: &str, values: &str) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name}, "data": {"values.yaml": values}}))
        .unwrap()
}

fn secret(name: &str, values: &str) -> Secret {
    serde_json::from_value(
        json!({"metadata": {"name": name}, "stringData": {"values.yaml": values}}),
    )
    .unwrap()
}

/// Waits until the sandbox has seen no write for `quiet`, at most 20 s.
async fn settle(sandbox: &kube_sandbox::Sandbox, quiet: Duration) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = sandbox.store().resource_version();
    let mut since = Instant::now();
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = sandbox.store().resource_version();
        if now != last {
            last = now;
            since = Instant::now();
        } else if since.elapsed() >= quiet {
            return;
        }
    }
    panic!("the sandbox did not settle");
}

/// Waits for `want` revisions and returns how long it took.
async fn timed_history(client: &Client, name: &str, want: &[(i64, &str)]) -> Duration {
    let t = Instant::now();
    wait_history(client, name, want).await;
    t.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn referenced_configmap_and_secret_changes_upgrade_promptly() {
    let sandbox = kube_sandbox::Sandbox::default();
    let client = sandbox.client();
    install_crd(&client).await;
    let repo = chart_repo("values-sources");
    let url = external_values("message: from-external\nfromExternal: 1\nreplicas: 1\n").await;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), NS);
    let secrets: Api<Secret> = Api::namespaced(client.clone(), NS);
    let pp = PostParams::default();
    cms.create(
        &pp,
        &configmap("cm-vals", "message: from-configmap\nfromConfigMap: 1\n"),
    )
    .await
    .unwrap();
    secrets
        .create(
            &pp,
            &secret("sec-vals", "message: from-secret\nfromSecret: 1\n"),
        )
        .await
        .unwrap();
    secrets
        .create(&pp, &secret("unrelated", "message: nope\n"))
        .await
        .unwrap();
    let _stop = start_slow_sync_controller(&client, Duration::from_millis(300));
    let from = json!({"valuesFrom": [
        {"externalSourceRef": {"url": url}},
        {"configMapKeyRef": {"name": "cm-vals"}},
        {"secretKeyRef": {"name": "sec-vals"}},
        {"configMapKeyRef": {"name": "late", "optional": true}}
    ]});
    apply_hr(&client, &hr_doc("vs", &repo, json!({"replicas": 2}), from)).await;
    wait_history(&client, "vs", &[(1, "deployed")]).await;
    // Merged in order: external, ConfigMap, Secret, then `values` on top.
    assert_eq!(
        cm_data(&client, "vs-config", "message").await.as_deref(),
        Some("from-secret")
    );
    let config = &history(&client, "vs").await[0].config;
    for (k, v) in [
        ("fromExternal", json!(1)),
        ("fromConfigMap", json!(1)),
        ("fromSecret", json!(1)),
        ("replicas", json!(2)),
    ] {
        assert_eq!(config.get(k), Some(&v), "{k} in {config:?}");
    }

    // An unrelated Secret changes: no API write follows ours.
    settle(&sandbox, Duration::from_millis(1500)).await;
    let before = sandbox.store().resource_version();
    secrets
        .replace(
            "unrelated",
            &pp,
            &secret("unrelated", "message: still-nope\n"),
        )
        .await
        .unwrap();
    let after_ours = sandbox.store().resource_version();
    assert!(after_ours > before);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        sandbox.store().resource_version(),
        after_ours,
        "a change to an unrelated Secret caused API writes"
    );

    // The referenced ConfigMap changes: an upgrade follows without waiting for the
    // hour-long sync interval.
    cms.replace(
        "cm-vals",
        &pp,
        &configmap("cm-vals", "message: from-configmap\nfromConfigMap: 2\n"),
    )
    .await
    .unwrap();
    let took = timed_history(&client, "vs", &[(1, "superseded"), (2, "deployed")]).await;
    assert!(took < Duration::from_secs(15), "took {took:?}");
    assert_eq!(
        history(&client, "vs").await[1].config.get("fromConfigMap"),
        Some(&json!(2))
    );

    // The referenced Secret changes.
    secrets
        .replace(
            "sec-vals",
            &pp,
            &secret("sec-vals", "message: from-secret-2\nfromSecret: 1\n"),
        )
        .await
        .unwrap();
    timed_history(
        &client,
        "vs",
        &[(1, "superseded"), (2, "superseded"), (3, "deployed")],
    )
    .await;
    until(10, "rendered secret value", || async {
        cm_data(&client, "vs-config", "message").await.as_deref() == Some("from-secret-2")
    })
    .await;

    // The optional ConfigMap that was missing is created: it is read and wins (last source).
    cms.create(&pp, &configmap("late", "message: from-late\n"))
        .await
        .unwrap();
    timed_history(
        &client,
        "vs",
        &[
            (1, "superseded"),
            (2, "superseded"),
            (3, "superseded"),
            (4, "deployed"),
        ],
    )
    .await;
    until(10, "rendered late value", || async {
        cm_data(&client, "vs-config", "message").await.as_deref() == Some("from-late")
    })
    .await;

    // Secret values never reach status or events.
    let status = serde_json::to_string(&get_hr(&client, "vs").await.status).unwrap();
    assert!(!status.contains("from-secret"), "{status}");
    let events: Api<Event> = Api::namespaced(client.clone(), NS);
    let all =
        serde_json::to_string(&events.list(&Default::default()).await.unwrap().items).unwrap();
    assert!(!all.contains("from-secret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_required_source_recovers_when_created() {
    let sandbox = kube_sandbox::Sandbox::default();
    let client = sandbox.client();
    install_crd(&client).await;
    let repo = chart_repo("values-sources-missing");
    // No retry within the test either: only the Secret's creation can bring it back.
    let _stop = start_slow_sync_controller(&client, Duration::from_secs(3600));
    let from = json!({"valuesFrom": [
        {"externalSourceRef": {"url": "http://127.0.0.1:9/none.yaml", "optional": true}},
        {"secretKeyRef": {"name": "later-secret"}}
    ]});
    apply_hr(&client, &hr_doc("vm", &repo, json!({}), from)).await;
    until(10, "values failure condition", || async {
        get_hr(&client, "vm").await.status.is_some_and(|s| {
            s.condition(ConditionType::Released).is_some_and(|c| {
                c.message.as_deref().is_some_and(|m| {
                    m.contains("could not find key values.yaml in secret default/later-secret")
                })
            })
        })
    })
    .await;
    assert!(history(&client, "vm").await.is_empty());
    let secrets: Api<Secret> = Api::namespaced(client.clone(), NS);
    secrets
        .create(
            &PostParams::default(),
            &secret("later-secret", "message: arrived\n"),
        )
        .await
        .unwrap();
    wait_history(&client, "vm", &[(1, "deployed")]).await;
    assert_eq!(
        cm_data(&client, "vm-config", "message").await.as_deref(),
        Some("arrived")
    );
}
