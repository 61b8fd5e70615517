//! End-to-end tests of the HelmRelease controller against kube-sandbox: install, values and
//! chart changes, Git revert, failing upgrade with rollback, delete with uninstall, crash
//! recovery of pending releases, fault injection, and the no-hot-loop check. The binary
//! tests run the real `helmrelease-operator run` against a sandbox on a port.

#[path = "common/operator.rs"]
mod operator;

use std::path::Path;
use std::time::{Duration, Instant};

use helmrelease_operator::api::{ConditionStatus, ConditionType, HelmRelease, Phase};
use helmrelease_operator::controller;
use helmrelease_operator::storage::Status;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Event, Secret};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{DeleteParams, PostParams};
use kube::Api;
use operator::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_upgrade_chart_change_and_git_revert() {
    let sandbox = kube_sandbox::Sandbox::default();
    let client = sandbox.client();
    install_crd(&client).await;
    let repo = chart_repo("basic");
    let _stop = start_controller(&client);

    let v1 = json!({"message": "one", "widget": true});
    apply_hr(&client, &hr_doc("basic", &repo, v1.clone(), json!({}))).await;
    wait_history(&client, "basic", &[(1, "deployed")]).await;
    assert_eq!(
        cm_data(&client, "basic-config", "message").await.as_deref(),
        Some("one")
    );
    // CRDs from crds/ are installed first, so the chart's Widget applies.
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    assert!(crds
        .get_opt("widgets.e2e.helmrelease.dev")
        .await
        .unwrap()
        .is_some());
    let cm = Api::<ConfigMap>::namespaced(client.clone(), NS)
        .get("basic-config")
        .await
        .unwrap();
    let labels = cm.metadata.labels.clone().unwrap_or_default();
    assert_eq!(
        labels
            .get("app.kubernetes.io/managed-by")
            .map(String::as_str),
        Some("Helm")
    );
    let ann = cm.metadata.annotations.clone().unwrap_or_default();
    assert_eq!(
        ann.get("meta.helm.sh/release-name").map(String::as_str),
        Some("basic")
    );
    let managers: Vec<String> = cm
        .metadata
        .managed_fields
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| m.manager)
        .collect();
    assert!(
        managers.iter().any(|m| m == "helm"),
        "managers {managers:?}"
    );
    let rel = &history(&client, "basic").await[0];
    assert_eq!(rel.apply_method, "ssa");
    until(10, "status Ready", || async {
        let hr = get_hr(&client, "basic").await;
        hr.status.as_ref().is_some_and(|s| {
            s.is_ready() && s.revision.as_deref() == Some("0.1.0") && s.observed_generation == 1
        })
    })
    .await;

    // Values change → upgrade.
    apply_hr(
        &client,
        &hr_doc(
            "basic",
            &repo,
            json!({"message": "two", "extra": true}),
            json!({}),
        ),
    )
    .await;
    wait_history(&client, "basic", &[(1, "superseded"), (2, "deployed")]).await;
    assert_eq!(
        cm_data(&client, "basic-config", "message").await.as_deref(),
        Some("two")
    );
    assert_eq!(
        cm_data(&client, "basic-extra", "a").await.as_deref(),
        Some("1")
    );

    // Chart version change → upgrade; objects gone from the chart are pruned, keep stays.
    set_chart_version(&repo, "0.2.0");
    apply_hr(
        &client,
        &hr_doc(
            "basic",
            &repo,
            json!({"message": "two"}),
            json!({"timeout": 301}),
        ),
    )
    .await;
    wait_history(
        &client,
        "basic",
        &[(1, "superseded"), (2, "superseded"), (3, "deployed")],
    )
    .await;
    assert_eq!(
        cm_data(&client, "basic-config", "chartVersion")
            .await
            .as_deref(),
        Some("0.2.0")
    );
    assert_eq!(cm_data(&client, "basic-extra", "a").await, None, "pruned");
    assert_eq!(
        cm_data(&client, "basic-kept", "a").await.as_deref(),
        Some("1"),
        "kept"
    );

    // Git revert: chart and values back → revision 4 with revision 1's digests.
    set_chart_version(&repo, "0.1.0");
    apply_hr(&client, &hr_doc("basic", &repo, v1, json!({}))).await;
    wait_history(
        &client,
        "basic",
        &[
            (1, "superseded"),
            (2, "superseded"),
            (3, "superseded"),
            (4, "deployed"),
        ],
    )
    .await;
    let h = history(&client, "basic").await;
    let f1 = controller::observe::facts_of(&h[0]);
    let f4 = controller::observe::facts_of(&h[3]);
    assert_eq!(
        (f1.chart_digest, f1.values_digest),
        (f4.chart_digest, f4.values_digest)
    );
    until(10, "status revision 0.1.0", || async {
        get_hr(&client, "basic")
            .await
            .status
            .is_some_and(|s| s.revision.as_deref() == Some("0.1.0") && s.is_ready())
    })
    .await;
    let reasons = event_reasons(&client, "basic").await;
    assert!(
        reasons.iter().any(|r| r == "InstallSucceeded"),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r == "UpgradeSucceeded"),
        "{reasons:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_upgrade_rolls_back_and_holds() {
    let sandbox = kube_sandbox::Sandbox::default();
    let client = sandbox.client();
    install_crd(&client).await;
    let repo = chart_repo("rollback");
    let _stop = start_controller(&client);
    let extra = json!({"rollback": {"enable": true}, "timeout": 5});
    apply_hr(&client, &hr_doc("rb", &repo, json!({}), extra.clone())).await;
    wait_history(&client, "rb", &[(1, "deployed")]).await;

    apply_hr(
        &client,
        &hr_doc("rb", &repo, json!({"fail": true}), extra.clone()),
    )
    .await;
    wait_history(
        &client,
        "rb",
        &[(1, "superseded"), (2, "failed"), (3, "deployed")],
    )
    .await;
    let h = history(&client, "rb").await;
    assert_eq!(h[2].info.as_ref().unwrap().description, "Rollback to 1");
    until(10, "phase RolledBack", || async {
        get_hr(&client, "rb").await.status.is_some_and(|s| {
            s.phase == Some(Phase::RolledBack)
                && s.rollback_count == 1
                && s.condition(ConditionType::RolledBack)
                    .is_some_and(|c| c.status == ConditionStatus::True)
        })
    })
    .await;
    // Same failing spec: no further attempts (no retry configured).
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(history(&client, "rb").await.len(), 3);
    let reasons = event_reasons(&client, "rb").await;
    assert!(reasons.iter().any(|r| r == "UpgradeFailed"), "{reasons:?}");
    assert!(
        reasons.iter().any(|r| r == "RollbackSucceeded"),
        "{reasons:?}"
    );

    // Fixing the spec upgrades again.
    apply_hr(
        &client,
        &hr_doc("rb", &repo, json!({"message": "fixed"}), extra),
    )
    .await;
    wait_history(
        &client,
        "rb",
        &[
            (1, "superseded"),
            (2, "failed"),
            (3, "superseded"),
            (4, "deployed"),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_uninstalls_with_keep_and_hooks() {
    let sandbox = kube_sandbox::Sandbox::default();
    let client = sandbox.client();
    install_crd(&client).await;
    let repo = chart_repo("delete");
    let _stop = start_controller(&client);
    apply_hr(
        &client,
        &hr_doc(
            "del",
            &repo,
            json!({"extra": true, "hook": true}),
            json!({"wait": true}),
        ),
    )
    .await;
    wait_history(&client, "del", &[(1, "deployed")]).await;
    // The pre-install hook Job ran and was deleted (hook-succeeded).
    let h = history(&client, "del").await;
    assert_eq!(h[0].hooks.len(), 2);
    let pre = h[0].hooks.iter().find(|h| h.name == "del-pre").unwrap();
    assert_eq!(pre.last_run.phase, "Succeeded");
    let jobs: Api<k8s_openapi::api::batch::v1::Job> = Api::namespaced(client.clone(), NS);
    assert!(jobs.get_opt("del-pre").await.unwrap().is_none());
    let deps: Api<Deployment> = Api::namespaced(client.clone(), NS);
    assert!(deps.get_opt("del-app").await.unwrap().is_some());

    Api::<HelmRelease>::namespaced(client.clone(), NS)
        .delete("del", &DeleteParams::default())
        .await
        .unwrap();
    until(20, "HelmRelease gone", || async {
        Api::<HelmRelease>::namespaced(client.clone(), NS)
            .get_opt("del")
            .await
            .unwrap()
            .is_none()
    })
    .await;
    assert!(history(&client, "del").await.is_empty());
    let reasons = event_reasons(&client, "del").await;
    assert!(
        reasons.iter().any(|r| r == "UninstallSucceeded"),
        "{reasons:?}"
    );
    // The pre-delete hook ran and was deleted (hook-succeeded).
    assert!(jobs.get_opt("del-cleanup").await.unwrap().is_none());
    assert!(deps.get_opt("del-app").await.unwrap().is_none());
    assert_eq!(cm_data(&client, "del-extra", "a").await, None);
    assert_eq!(
        cm_data(&client, "del-kept", "a").await.as_deref(),
        Some("1")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_release_left_by_crash_is_recovered() {
    let sandbox = kube_sandbox::Sandbox::default();
    let client = sandbox.client();
    install_crd(&client).await;
    let repo = chart_repo("pending");
    let stop = start_controller(&client);
    apply_hr(&client, &hr_doc("pend", &repo, json!({}), json!({}))).await;
    wait_history(&client, "pend", &[(1, "deployed")]).await;
    drop(stop);
    tokio::time::sleep(Duration::from_millis(300)).await;

    // What a crash mid-upgrade leaves: revision 2 pending-upgrade.
    let st = storage(&client);
    let mut r2 = history(&client, "pend").await[0].clone();
    r2.version = 2;
    r2.labels.clear();
    r2.config.insert("message".into(), json!("crashed"));
    r2.set_status(Status::PendingUpgrade, "Preparing upgrade");
    st.create(&r2).await.unwrap();

    apply_hr(
        &client,
        &hr_doc("pend", &repo, json!({"message": "after"}), json!({})),
    )
    .await;
    let _stop = start_controller(&client);
    wait_history(
        &client,
        "pend",
        &[(1, "superseded"), (2, "failed"), (3, "deployed")],
    )
    .await;
    assert_eq!(
        cm_data(&client, "pend-config", "message").await.as_deref(),
        Some("after")
    );
    let reasons = event_reasons(&client, "pend").await;
    assert!(
        reasons.iter().any(|r| r == "ReleaseUnlocked"),
        "{reasons:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn converges_under_409_500_and_410() {
    let sandbox = kube_sandbox::Sandbox::default();
    let client = sandbox.client();
    install_crd(&client).await;
    let repo = chart_repo("faults");
    let _stop = start_controller(&client);
    apply_hr(&client, &hr_doc("flt", &repo, json!({}), json!({}))).await;
    // The controller's next writes fail: 409 conflicts, then 500s, and watches expire (410).
    sandbox.faults().fail_next_writes(2, 409);
    tokio::time::sleep(Duration::from_millis(300)).await;
    sandbox.faults().fail_next_writes(2, 500);
    sandbox.expire_watches();
    until(30, "installed", || async {
        summary(&history(&client, "flt").await) == vec![(1, "deployed".to_string())]
    })
    .await;
    apply_hr(
        &client,
        &hr_doc("flt", &repo, json!({"message": "x"}), json!({})),
    )
    .await;
    sandbox.faults().fail_next_writes(3, 500);
    sandbox.expire_watches();
    until(30, "upgraded", || async {
        let h = history(&client, "flt").await;
        h.last()
            .is_some_and(|r| r.status() == Status::Deployed && r.version >= 2)
            && !h.iter().any(|r| r.status().is_pending())
    })
    .await;
    assert_eq!(
        cm_data(&client, "flt-config", "message").await.as_deref(),
        Some("x")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_writes_when_nothing_changed() {
    let sandbox = kube_sandbox::Sandbox::default();
    let client = sandbox.client();
    install_crd(&client).await;
    let repo = chart_repo("quiet");
    let _stop = start_controller(&client);
    apply_hr(
        &client,
        &hr_doc("quiet", &repo, json!({}), json!({"wait": true})),
    )
    .await;
    wait_history(&client, "quiet", &[(1, "deployed")]).await;
    until(10, "ready", || async {
        get_hr(&client, "quiet")
            .await
            .status
            .is_some_and(|s| s.is_ready())
    })
    .await;
    // Let the workload simulation and the first resyncs settle.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = sandbox.store().resource_version();
    // Several sync intervals (500 ms each) with nothing changed.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let after = sandbox.store().resource_version();
    assert_eq!(before, after, "API writes happened with nothing changed");
    assert_eq!(history(&client, "quiet").await.len(), 1);
}

// ---- The real binary: `helmrelease-operator run --kubeconfig <sandbox>` ----

struct Operator(std::process::Child);

impl Drop for Operator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_binary(kubeconfig: &Path, port: u16) -> Operator {
    let log = std::fs::File::create(kubeconfig.with_extension(format!("{port}.log"))).unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_helmrelease-operator"))
        .args(["run", "--kubeconfig"])
        .arg(kubeconfig)
        .args([
            "--sync-interval",
            "1s",
            "--workers",
            "2",
            "--log-format",
            "json",
        ])
        .args(["--health-addr", &format!("127.0.0.1:{port}")])
        .args(["--metrics-addr", &format!("127.0.0.1:{}", port + 1)])
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    Operator(child)
}

async fn http_get(port: u16, path: &str) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .await
        .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).await.ok()?;
    Some(out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_serves_health_metrics_and_stays_quiet() {
    let (running, client, kc) = sandbox_with_kubeconfig("bin-quiet").await;
    let repo = chart_repo("bin-quiet");
    let port = free_port();
    let _op = start_binary(&kc, port);
    apply_hr(
        &client,
        &hr_doc("bq", &repo, json!({}), json!({"wait": true})),
    )
    .await;
    wait_history(&client, "bq", &[(1, "deployed")]).await;
    until(20, "healthz/readyz", || async {
        http_get(port, "/healthz")
            .await
            .is_some_and(|r| r.starts_with("HTTP/1.1 200"))
            && http_get(port, "/readyz")
                .await
                .is_some_and(|r| r.starts_with("HTTP/1.1 200"))
    })
    .await;
    until(10, "ready status", || async {
        get_hr(&client, "bq")
            .await
            .status
            .is_some_and(|s| s.is_ready())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = running.sandbox().store().resource_version();
    // Three sync intervals of 1s with nothing changed: zero API writes.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let after = running.sandbox().store().resource_version();
    assert_eq!(before, after, "API writes with nothing changed");
    let m = http_get(port + 1, "/metrics").await.unwrap_or_default();
    let total: u64 = m
        .lines()
        .find_map(|l| l.strip_prefix("helmrelease_reconcile_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    assert!(total >= 4, "resyncs counted: {m}");
    assert!(
        m.contains("helmrelease_actions_total{action=\"install\"} 1"),
        "{m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_kill_9_mid_upgrade_then_restart() {
    let (running, client, kc) = sandbox_with_kubeconfig("bin-kill").await;
    let repo = chart_repo("bin-kill");
    let port = free_port();
    let mut op = start_binary(&kc, port);
    let extra = json!({"wait": true, "timeout": 120});
    apply_hr(&client, &hr_doc("bk", &repo, json!({}), extra.clone())).await;
    wait_history(&client, "bk", &[(1, "deployed")]).await;

    // Slow the API down so the upgrade is caught in flight, then kill -9.
    running
        .sandbox()
        .faults()
        .set_latency(Duration::from_millis(150));
    apply_hr(
        &client,
        &hr_doc(
            "bk",
            &repo,
            json!({"message": "v2", "hook": true}),
            extra.clone(),
        ),
    )
    .await;
    until(60, "pending-upgrade", || async {
        history(&client, "bk")
            .await
            .iter()
            .any(|r| r.status() == Status::PendingUpgrade)
    })
    .await;
    op.0.kill().unwrap();
    let _ = op.0.wait();
    running.sandbox().faults().set_latency(Duration::ZERO);
    assert!(history(&client, "bk")
        .await
        .iter()
        .any(|r| r.status().is_pending()));

    // Restart: the pending revision is marked failed and the upgrade is redone.
    let _op2 = start_binary(&kc, port);
    until(60, "recovered", || async {
        let h = history(&client, "bk").await;
        !h.iter().any(|r| r.status().is_pending())
            && h.last()
                .is_some_and(|r| r.status() == Status::Deployed && r.version == 3)
    })
    .await;
    let h = summary(&history(&client, "bk").await);
    assert_eq!(
        h,
        vec![
            (1, "superseded".to_string()),
            (2, "failed".to_string()),
            (3, "deployed".to_string())
        ]
    );
    assert_eq!(
        cm_data(&client, "bk-config", "message").await.as_deref(),
        Some("v2")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_sigterm_finishes_in_flight_upgrade() {
    let (running, client, kc) = sandbox_with_kubeconfig("bin-term").await;
    let repo = chart_repo("bin-term");
    let port = free_port();
    let mut op = start_binary(&kc, port);
    apply_hr(&client, &hr_doc("bt", &repo, json!({}), json!({}))).await;
    wait_history(&client, "bt", &[(1, "deployed")]).await;
    running
        .sandbox()
        .faults()
        .set_latency(Duration::from_millis(100));
    apply_hr(
        &client,
        &hr_doc("bt", &repo, json!({"message": "v2"}), json!({})),
    )
    .await;
    until(60, "pending-upgrade", || async {
        history(&client, "bt")
            .await
            .iter()
            .any(|r| r.status() == Status::PendingUpgrade)
    })
    .await;
    let pid = op.0.id().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if op.0.try_wait().unwrap().is_some() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "operator did not exit on SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    running.sandbox().faults().set_latency(Duration::ZERO);
    let h = summary(&history(&client, "bt").await);
    assert_eq!(
        h,
        vec![(1, "superseded".to_string()), (2, "deployed".to_string())],
        "the in-flight upgrade finished before exit"
    );
}

/// Real Helm (v4 SDK through helm-oracle) upgrades and rolls back a release the operator
/// made, with no server-side apply field-manager conflicts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_helm_upgrades_and_rolls_back_operator_release() {
    let Some(tool) = helm_oracle() else {
        eprintln!("helm-oracle not available; skipping");
        return;
    };
    let (_running, client, kc) = sandbox_with_kubeconfig("helm-interop").await;
    let repo = chart_repo("helm-interop");
    let port = free_port();
    let op = start_binary(&kc, port);
    apply_hr(
        &client,
        &hr_doc("hi", &repo, json!({"message": "op"}), json!({})),
    )
    .await;
    wait_history(&client, "hi", &[(1, "deployed")]).await;
    // Hand the release over to Helm: stop the operator first.
    drop(op);
    let kcs = kc.to_string_lossy().to_string();
    let chart = repo.join("e2e-app").to_string_lossy().to_string();
    let (ok, text) = oracle(
        &tool,
        &[
            "cluster",
            "upgrade",
            &chart,
            "hi",
            "--kubeconfig",
            &kcs,
            "--namespace",
            NS,
            "--set",
            "message=helm",
        ],
    );
    assert!(ok, "helm upgrade failed: {text}");
    wait_history(&client, "hi", &[(1, "superseded"), (2, "deployed")]).await;
    assert_eq!(
        cm_data(&client, "hi-config", "message").await.as_deref(),
        Some("helm")
    );
    let (ok, text) = oracle(
        &tool,
        &[
            "cluster",
            "rollback",
            "hi",
            "1",
            "--kubeconfig",
            &kcs,
            "--namespace",
            NS,
        ],
    );
    assert!(ok, "helm rollback failed: {text}");
    wait_history(
        &client,
        "hi",
        &[(1, "superseded"), (2, "superseded"), (3, "deployed")],
    )
    .await;
    assert_eq!(
        cm_data(&client, "hi-config", "message").await.as_deref(),
        Some("op")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_from_configmap_secret_and_chart_file() {
    let sandbox = kube_sandbox::Sandbox::default();
    let client = sandbox.client();
    install_crd(&client).await;
    let repo = chart_repo("valuesfrom");
    std::fs::write(
        repo.join("e2e-app/ci-values.yaml"),
        "message: from-chart-file\nreplicas: 2\n",
    )
    .unwrap();
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), NS);
    cms.create(
        &PostParams::default(),
        &serde_json::from_value(json!({"metadata": {"name": "vals"},
            "data": {"values.yaml": "message: from-configmap\n"}}))
        .unwrap(),
    )
    .await
    .unwrap();
    let secrets: Api<Secret> = Api::namespaced(client.clone(), NS);
    secrets
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "sv"},
                "stringData": {"custom": "message: s3cr3t-value\n"}}))
            .unwrap(),
        )
        .await
        .unwrap();
    let _stop = start_controller(&client);
    let from = json!({"valuesFrom": [
        {"chartFileRef": {"path": "ci-values.yaml"}},
        {"configMapKeyRef": {"name": "vals"}},
        {"secretKeyRef": {"name": "sv", "key": "custom"}},
        {"secretKeyRef": {"name": "missing", "optional": true}}
    ]});
    apply_hr(&client, &hr_doc("vf", &repo, json!({"replicas": 3}), from)).await;
    wait_history(&client, "vf", &[(1, "deployed")]).await;
    assert_eq!(
        cm_data(&client, "vf-config", "message").await.as_deref(),
        Some("s3cr3t-value")
    );
    let h = history(&client, "vf").await;
    assert_eq!(h[0].config.get("replicas"), Some(&json!(3)));
    // Secret values never appear in status or events.
    let hr = get_hr(&client, "vf").await;
    let status = serde_json::to_string(&hr.status).unwrap();
    assert!(!status.contains("s3cr3t"), "{status}");
    let events: Api<Event> = Api::namespaced(client.clone(), NS);
    let all =
        serde_json::to_string(&events.list(&Default::default()).await.unwrap().items).unwrap();
    assert!(!all.contains("s3cr3t"));

    // A missing required source is a clear condition, not a crash.
    apply_hr(
        &client,
        &hr_doc(
            "vf2",
            &repo,
            json!({}),
            json!({"valuesFrom": [{"configMapKeyRef": {"name": "nope"}}]}),
        ),
    )
    .await;
    until(10, "values condition", || async {
        get_hr(&client, "vf2").await.status.is_some_and(|s| {
            s.condition(ConditionType::Released).is_some_and(|c| {
                c.status == ConditionStatus::False
                    && c.message.as_deref().is_some_and(|m| {
                        m.contains("could not find key values.yaml in configmap default/nope")
                    })
            })
        })
    })
    .await;
    assert!(history(&client, "vf2").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_leader_election_takes_lease() {
    let (_running, client, kc) = sandbox_with_kubeconfig("bin-lease").await;
    let repo = chart_repo("bin-lease");
    let port = free_port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_helmrelease-operator"))
        .args([
            "run",
            "--leader-elect",
            "--namespace",
            NS,
            "--sync-interval",
            "1s",
        ])
        .args(["--health-addr", &format!("127.0.0.1:{port}")])
        .env("KUBECONFIG", &kc)
        .env("POD_NAMESPACE", NS)
        .env("POD_NAME", "op-a")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let _op = Operator(child);
    let leases: Api<k8s_openapi::api::coordination::v1::Lease> =
        Api::namespaced(client.clone(), NS);
    until(20, "lease held by op-a", || async {
        leases
            .get_opt("helmrelease-operator")
            .await
            .ok()
            .flatten()
            .and_then(|l| l.spec)
            .and_then(|s| s.holder_identity)
            .as_deref()
            == Some("op-a")
    })
    .await;
    apply_hr(&client, &hr_doc("le", &repo, json!({}), json!({}))).await;
    wait_history(&client, "le", &[(1, "deployed")]).await;
}
