//! Interoperability with real Helm (v4.2.3 SDK through `../shared/tools/helm-oracle`) on a
//! sandbox served over HTTP: Helm lists, shows status, history and values of a release the
//! operator made; the operator adopts a release Helm installed (same name and namespace),
//! leaves it alone while its chart and values match, and upgrades it when they differ.
//! Skips with a message when helm-oracle is absent.

#[path = "common/operator.rs"]
mod operator;

use std::path::Path;

use operator::*;
use serde_json::json;

/// Runs `helm-oracle cluster <args> --kubeconfig <kc> --namespace default`.
fn helm(tool: &Path, kc: &Path, args: &[&str]) -> String {
    let kc = kc.to_string_lossy();
    let mut all = vec!["cluster"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--kubeconfig", &kc, "--namespace", NS]);
    let (ok, text) = oracle(tool, &all);
    assert!(ok, "helm {args:?} failed: {text}");
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helm_lists_and_inspects_operator_release() {
    let Some(tool) = helm_oracle() else {
        eprintln!("helm-oracle not available (../shared absent); skipping");
        return;
    };
    let (_running, client, kc) = sandbox_with_kubeconfig("interop-inspect").await;
    let repo = chart_repo("interop-inspect");
    let _stop = start_controller(&client);
    apply_hr(
        &client,
        &hr_doc("seen", &repo, json!({"message": "from-op"}), json!({})),
    )
    .await;
    wait_history(&client, "seen", &[(1, "deployed")]).await;
    apply_hr(
        &client,
        &hr_doc(
            "seen",
            &repo,
            json!({"message": "from-op", "replicas": 2}),
            json!({}),
        ),
    )
    .await;
    wait_history(&client, "seen", &[(1, "superseded"), (2, "deployed")]).await;

    let list = helm(&tool, &kc, &["list"]);
    assert!(list.contains("seen"), "helm list: {list}");
    assert!(list.contains("deployed"), "helm list: {list}");
    assert!(list.contains("e2e-app"), "helm list: {list}");

    let status = helm(&tool, &kc, &["status", "seen"]);
    assert!(status.contains("deployed"), "helm status: {status}");

    let hist = helm(&tool, &kc, &["history", "seen"]);
    assert!(hist.contains("superseded"), "helm history: {hist}");
    assert!(hist.contains("deployed"), "helm history: {hist}");

    let vals = helm(&tool, &kc, &["get-values", "seen"]);
    assert!(vals.contains("from-op"), "helm get values: {vals}");
    assert!(vals.contains("replicas"), "helm get values: {vals}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operator_adopts_and_upgrades_a_release_helm_installed() {
    let Some(tool) = helm_oracle() else {
        eprintln!("helm-oracle not available (../shared absent); skipping");
        return;
    };
    let (running, client, kc) = sandbox_with_kubeconfig("interop-adopt").await;
    let repo = chart_repo("interop-adopt");
    let chart = repo.join("e2e-app").to_string_lossy().to_string();
    helm(
        &tool,
        &kc,
        &["install", &chart, "adopt", "--set", "message=helm"],
    );
    wait_history(&client, "adopt", &[(1, "deployed")]).await;
    assert_eq!(
        cm_data(&client, "adopt-config", "message").await.as_deref(),
        Some("helm")
    );

    // Same chart and values as Helm used: adopted as-is, no new revision.
    let _stop = start_controller(&client);
    apply_hr(
        &client,
        &hr_doc("adopt", &repo, json!({"message": "helm"}), json!({})),
    )
    .await;
    until(30, "adopted release reported Ready", || async {
        get_hr(&client, "adopt")
            .await
            .status
            .is_some_and(|s| s.is_ready() && s.revision.as_deref() == Some("0.1.0"))
    })
    .await;
    let rv = running.sandbox().store().resource_version();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(
        summary(&history(&client, "adopt").await),
        [(1, "deployed".to_string())]
    );
    assert_eq!(
        rv,
        running.sandbox().store().resource_version(),
        "writes to an adopted release whose spec matches"
    );

    // Different values: the operator upgrades Helm's release to revision 2.
    apply_hr(
        &client,
        &hr_doc("adopt", &repo, json!({"message": "operator"}), json!({})),
    )
    .await;
    wait_history(&client, "adopt", &[(1, "superseded"), (2, "deployed")]).await;
    assert_eq!(
        cm_data(&client, "adopt-config", "message").await.as_deref(),
        Some("operator")
    );
    let hist = helm(&tool, &kc, &["history", "adopt"]);
    assert!(hist.contains("superseded"), "helm history: {hist}");
}
