//! End-to-end tests of the HelmRelease spec fields beyond install/upgrade, against
//! kube-sandbox with the controller in-process: `test` (pass, fail → rollback, fail
//! ignored, fail without rollback, fail on install → uninstall), `forceUpgrade`
//! (replacement), `resetValues` (reuse of the current config, or chart defaults),
//! `rollback.{disableHooks,force,retry,maxRetries}`, the Git commit as `status.revision`,
//! the backoff of repeated failed installs, and `lookup` of a live object.
//!
//! The fixture chart is `testdata/charts/features-app`; the sandbox's annotation
//! `sandbox.helmrelease.dev/fail: "true"` makes its Deployment (`fail`) or its test Pod
//! (`failTest`) fail.

#[path = "common/operator.rs"]
mod operator;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use helmrelease_operator::api::{ConditionStatus, ConditionType, HelmRelease, Phase};
use helmrelease_operator::controller::chart::{ChartFetcher, FetchedChart, LocalDirFetcher};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Patch, PatchParams, PostParams};
use kube::{Api, Client};
use operator::*;
use serde_json::json;

const CHART: &str = "features-app";

/// A private copy of the fixture chart.
fn features_repo(tag: &str) -> PathBuf {
    let dir = temp_dir(tag);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/charts")
            .join(CHART),
        &dir.join(CHART),
    );
    dir
}

fn set_version(repo: &Path, version: &str) {
    set_chart_dir_version(&repo.join(CHART), version);
}

/// A HelmRelease of the fixture chart (`spec` entries of `extra` override).
fn doc(
    name: &str,
    repo: &Path,
    values: serde_json::Value,
    extra: serde_json::Value,
) -> serde_json::Value {
    let mut d = hr_doc(name, repo, values, extra);
    d["spec"]["chart"]["path"] = json!(CHART);
    d
}

async fn sandbox() -> (kube_sandbox::Sandbox, Client) {
    let sandbox = kube_sandbox::Sandbox::default();
    let client = sandbox.client();
    install_crd(&client).await;
    (sandbox, client)
}

fn cond(hr: &HelmRelease, t: ConditionType) -> Option<(ConditionStatus, String, String)> {
    hr.status.as_ref().and_then(|s| s.condition(t)).map(|c| {
        (
            c.status,
            c.reason.clone().unwrap_or_default(),
            c.message.clone().unwrap_or_default(),
        )
    })
}

/// Phases of the test hooks of revision `version`, by hook name.
async fn test_phases(client: &Client, name: &str, version: i64) -> Vec<(String, String)> {
    let rel = storage(client).get(name, version).await.unwrap();
    rel.hooks
        .iter()
        .filter(|h| h.events.iter().any(|e| e == "test"))
        .map(|h| (h.name.clone(), h.last_run.phase.clone()))
        .collect()
}

async fn wait_tested(client: &Client, name: &str, want: ConditionStatus) -> HelmRelease {
    let mut last = None;
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let hr = get_hr(client, name).await;
        if cond(&hr, ConditionType::Tested).is_some_and(|c| c.0 == want) {
            return hr;
        }
        last = Some(hr);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "Tested {want:?} never reached: {:?}",
        last.and_then(|h| h.status)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tests_run_after_install_and_upgrade() {
    let (_sb, client) = sandbox().await;
    let repo = features_repo("tests-pass");
    let _stop = start_controller(&client);
    let extra = json!({"test": {"enable": true}});
    apply_hr(&client, &doc("tp", &repo, json!({}), extra.clone())).await;
    wait_history(&client, "tp", &[(1, "deployed")]).await;
    let hr = wait_tested(&client, "tp", ConditionStatus::True).await;
    let (_, reason, msg) = cond(&hr, ConditionType::Tested).unwrap();
    assert_eq!(reason, "TestSucceeded");
    assert!(
        msg.contains("revision 1 succeeded (2 test hook(s))"),
        "{msg}"
    );
    assert_eq!(hr.status.as_ref().unwrap().phase, Some(Phase::Tested));
    // Both test hooks ran, in weight order, and their runs are recorded as `helm test` does.
    until(10, "test runs recorded", || async {
        test_phases(&client, "tp", 1).await
            == vec![
                ("tp-test-pod".to_string(), "Succeeded".to_string()),
                ("tp-test-job".to_string(), "Succeeded".to_string()),
            ]
    })
    .await;
    let rel = storage(&client).get("tp", 1).await.unwrap();
    let pod = rel.hooks.iter().find(|h| h.name == "tp-test-pod").unwrap();
    let job = rel.hooks.iter().find(|h| h.name == "tp-test-job").unwrap();
    assert!(!pod.last_run.completed_at.is_zero());
    assert!(
        pod.last_run.completed_at.unix_seconds() <= job.last_run.started_at.unix_seconds(),
        "weight 1 before weight 2"
    );
    // Delete policies: the Job (hook-succeeded) is gone, the Pod (default
    // before-hook-creation) stays until the next run.
    let pods: Api<Pod> = Api::namespaced(client.clone(), NS);
    assert!(pods.get_opt("tp-test-pod").await.unwrap().is_some());
    let jobs: Api<k8s_openapi::api::batch::v1::Job> = Api::namespaced(client.clone(), NS);
    until(10, "succeeded test job deleted", || async {
        jobs.get_opt("tp-test-job").await.unwrap().is_none()
    })
    .await;

    // Upgrade: the tests run again against revision 2.
    apply_hr(&client, &doc("tp", &repo, json!({"message": "two"}), extra)).await;
    wait_history(&client, "tp", &[(1, "superseded"), (2, "deployed")]).await;
    until(10, "revision 2 tested", || async {
        test_phases(&client, "tp", 2)
            .await
            .iter()
            .all(|(_, p)| p == "Succeeded")
            && cond(&get_hr(&client, "tp").await, ConditionType::Tested)
                .is_some_and(|c| c.2.contains("revision 2 succeeded"))
    })
    .await;
    let reasons = event_reasons(&client, "tp").await;
    assert!(reasons.iter().any(|r| r == "TestSucceeded"), "{reasons:?}");

    // Tests enabled on a deployed release that never ran them: they run without a new
    // revision.
    apply_hr(&client, &doc("tl", &repo, json!({}), json!({}))).await;
    wait_history(&client, "tl", &[(1, "deployed")]).await;
    assert!(test_phases(&client, "tl", 1)
        .await
        .iter()
        .all(|(_, p)| p.is_empty()));
    apply_hr(
        &client,
        &doc("tl", &repo, json!({}), json!({"test": {"enable": true}})),
    )
    .await;
    wait_tested(&client, "tl", ConditionStatus::True).await;
    assert_eq!(
        test_phases(&client, "tl", 1).await,
        vec![
            ("tl-test-pod".to_string(), "Succeeded".to_string()),
            ("tl-test-job".to_string(), "Succeeded".to_string())
        ]
    );
    assert_eq!(history(&client, "tl").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_tests_after_upgrade_roll_back_and_hold() {
    let (_sb, client) = sandbox().await;
    let repo = features_repo("tests-rollback");
    let _stop = start_controller(&client);
    let extra = json!({"test": {"enable": true}, "rollback": {"enable": true}, "timeout": 10});
    apply_hr(&client, &doc("tr", &repo, json!({}), extra.clone())).await;
    wait_history(&client, "tr", &[(1, "deployed")]).await;
    wait_tested(&client, "tr", ConditionStatus::True).await;

    apply_hr(&client, &doc("tr", &repo, json!({"failTest": true}), extra)).await;
    wait_history(
        &client,
        "tr",
        &[(1, "superseded"), (2, "superseded"), (3, "deployed")],
    )
    .await;
    let h = history(&client, "tr").await;
    assert_eq!(h[2].info.as_ref().unwrap().description, "Rollback to 1");
    // The failed run is recorded in revision 2; the second test never ran.
    assert_eq!(
        test_phases(&client, "tr", 2).await,
        vec![
            ("tr-test-pod".to_string(), "Failed".to_string()),
            ("tr-test-job".to_string(), "".to_string())
        ]
    );
    let hr = wait_tested(&client, "tr", ConditionStatus::False).await;
    let (_, reason, msg) = cond(&hr, ConditionType::Tested).unwrap();
    assert_eq!(reason, "TestFailed");
    assert!(
        msg.contains("revision 2 failed: test hook tr-test-pod failed"),
        "{msg}"
    );
    until(10, "rolled back and not released", || async {
        let hr = get_hr(&client, "tr").await;
        hr.status
            .as_ref()
            .is_some_and(|s| s.rollback_count == 1 && !s.is_ready())
            && cond(&hr, ConditionType::RolledBack).is_some_and(|c| c.0 == ConditionStatus::True)
    })
    .await;
    // Failed tests count as a failed attempt: no retry without rollback.retry.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(history(&client, "tr").await.len(), 3);
    let reasons = event_reasons(&client, "tr").await;
    assert!(reasons.iter().any(|r| r == "TestFailed"), "{reasons:?}");
    assert!(
        reasons.iter().any(|r| r == "RollbackSucceeded"),
        "{reasons:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_tests_ignored_or_without_rollback() {
    let (_sb, client) = sandbox().await;
    let repo = features_repo("tests-ignore");
    let _stop = start_controller(&client);
    // ignoreFailures: released, Tested=False.
    let extra =
        json!({"test": {"enable": true, "ignoreFailures": true}, "rollback": {"enable": true}});
    apply_hr(&client, &doc("ti", &repo, json!({"failTest": true}), extra)).await;
    wait_history(&client, "ti", &[(1, "deployed")]).await;
    let hr = wait_tested(&client, "ti", ConditionStatus::False).await;
    assert_eq!(cond(&hr, ConditionType::Tested).unwrap().1, "TestFailed");
    until(10, "ti ready", || async {
        get_hr(&client, "ti")
            .await
            .status
            .is_some_and(|s| s.is_ready())
    })
    .await;

    // No ignore, no rollback: the upgraded revision stays deployed, the status says the
    // tests failed, and nothing is retried.
    let extra = json!({"test": {"enable": true}});
    apply_hr(&client, &doc("tn", &repo, json!({}), extra.clone())).await;
    wait_history(&client, "tn", &[(1, "deployed")]).await;
    apply_hr(&client, &doc("tn", &repo, json!({"failTest": true}), extra)).await;
    wait_history(&client, "tn", &[(1, "superseded"), (2, "deployed")]).await;
    until(10, "tn says tests failed", || async {
        let hr = get_hr(&client, "tn").await;
        cond(&hr, ConditionType::Released)
            .is_some_and(|c| c.0 == ConditionStatus::False && c.1 == "TestFailed")
            && cond(&hr, ConditionType::Tested).is_some_and(|c| c.0 == ConditionStatus::False)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        summary(&history(&client, "tn").await),
        vec![(1, "superseded".to_string()), (2, "deployed".to_string())]
    );
    let hr = get_hr(&client, "tn").await;
    let msg = cond(&hr, ConditionType::Released).unwrap().2;
    assert!(
        msg.contains("tests of release tn revision 2 failed"),
        "{msg}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_tests_after_install_uninstall_and_back_off() {
    let (_sb, client) = sandbox().await;
    let repo = features_repo("tests-install");
    let _stop = start_controller(&client);
    let extra = json!({"test": {"enable": true}});
    apply_hr(&client, &doc("tf", &repo, json!({"failTest": true}), extra)).await;
    until(20, "install tests failed and release removed", || async {
        let hr = get_hr(&client, "tf").await;
        hr.status
            .as_ref()
            .is_some_and(|s| s.failures >= 1 && s.phase == Some(Phase::TestFailed))
    })
    .await;
    // The failed install is uninstalled (v1), objects included.
    until(10, "release removed", || async {
        history(&client, "tf").await.is_empty()
            && cm_data(&client, "tf-config", "message").await.is_none()
    })
    .await;
    let hr = get_hr(&client, "tf").await;
    let (_, reason, msg) = cond(&hr, ConditionType::Released).unwrap();
    assert_eq!(reason, "TestFailed");
    assert!(msg.contains("next attempt in"), "{msg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_installs_back_off() {
    let (_sb, client) = sandbox().await;
    let repo = features_repo("backoff");
    let _stop = start_controller(&client);
    // A rollout that fails at once (wait): every attempt is a failed install.
    let extra = json!({"wait": true, "timeout": 5});
    apply_hr(
        &client,
        &doc("bo", &repo, json!({"fail": true}), extra.clone()),
    )
    .await;
    let started = Instant::now();
    until(10, "first failure", || async {
        get_hr(&client, "bo")
            .await
            .status
            .is_some_and(|s| s.failures >= 1)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(5).saturating_sub(started.elapsed())).await;
    let st = get_hr(&client, "bo").await.status.unwrap();
    // Retry interval 300 ms: a fixed rate would make ~15 attempts in 5 s; doubling delays
    // (0.3, 0.6, 1.2, 2.4 s, each rounded up to a whole second) allow at most 5.
    assert!(
        (2..=5).contains(&st.failures),
        "failures after 5s: {}",
        st.failures
    );
    let next = st.next_attempt_time.clone().expect("next attempt time");
    assert!(next.0 > jiff::Timestamp::now() - jiff::SignedDuration::from_secs(1));
    let msg = st
        .condition(ConditionType::Released)
        .and_then(|c| c.message.clone())
        .unwrap_or_default();
    assert!(msg.contains("Install of release bo failed"), "{msg}");
    assert!(
        msg.contains(&format!(
            "failed {} time(s) in a row; next attempt in",
            st.failures
        )),
        "{msg}"
    );
    // A spec change is attempted at once and a success clears the backoff.
    apply_hr(&client, &doc("bo", &repo, json!({"fail": false}), extra)).await;
    wait_history(&client, "bo", &[(1, "deployed")]).await;
    until(10, "backoff cleared", || async {
        get_hr(&client, "bo").await.status.is_some_and(|s| {
            s.failures == 0
                && s.next_attempt_time.is_none()
                && s.last_failed_digest.is_none()
                && s.is_ready()
        })
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_upgrade_replaces_objects() {
    let (_sb, client) = sandbox().await;
    let repo = features_repo("force");
    let _stop = start_controller(&client);
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), NS);
    for (name, force) in [("fu", true), ("nf", false)] {
        let extra = json!({"forceUpgrade": force});
        apply_hr(&client, &doc(name, &repo, json!({}), extra.clone())).await;
        wait_history(&client, name, &[(1, "deployed")]).await;
        // Another manager adds a key the chart does not render.
        cms.patch(
            &format!("{name}-config"),
            &PatchParams {
                field_manager: Some("someone-else".into()),
                ..PatchParams::default()
            },
            &Patch::Merge(json!({"data": {"foreign": "x"}})),
        )
        .await
        .unwrap();
        apply_hr(&client, &doc(name, &repo, json!({"message": "two"}), extra)).await;
        wait_history(&client, name, &[(1, "superseded"), (2, "deployed")]).await;
        assert_eq!(
            cm_data(&client, &format!("{name}-config"), "message")
                .await
                .as_deref(),
            Some("two")
        );
    }
    // Replaced: exactly the manifest; patched (server-side apply): the foreign key stays.
    assert_eq!(cm_data(&client, "fu-config", "foreign").await, None);
    assert_eq!(
        cm_data(&client, "nf-config", "foreign").await.as_deref(),
        Some("x")
    );
    let fu = history(&client, "fu").await;
    assert_eq!(
        fu[1].apply_method, "csa",
        "replacement is recorded as client-side apply"
    );
    assert_eq!(history(&client, "nf").await[1].apply_method, "ssa");
    let cm = cms.get("fu-config").await.unwrap();
    assert_eq!(
        cm.metadata
            .annotations
            .unwrap_or_default()
            .get("meta.helm.sh/release-name")
            .map(String::as_str),
        Some("fu"),
        "ownership metadata kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_values_false_reuses_the_current_config() {
    let (_sb, client) = sandbox().await;
    let repo = features_repo("reset");
    let _stop = start_controller(&client);
    // resetValues: false and no values → the upgrade to 0.2.0 keeps revision 1's config.
    apply_hr(
        &client,
        &doc(
            "rv",
            &repo,
            json!({"message": "one"}),
            json!({"resetValues": false}),
        ),
    )
    .await;
    wait_history(&client, "rv", &[(1, "deployed")]).await;
    apply_hr(
        &client,
        &doc("rv", &repo, json!({}), json!({"resetValues": false})),
    )
    .await;
    // Same chart, empty values reused from the release: nothing to do.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(history(&client, "rv").await.len(), 1);
    set_version(&repo, "0.2.0");
    apply_hr(
        &client,
        &doc(
            "rv",
            &repo,
            json!({}),
            json!({"resetValues": false, "timeout": 301}),
        ),
    )
    .await;
    wait_history(&client, "rv", &[(1, "superseded"), (2, "deployed")]).await;
    let h = history(&client, "rv").await;
    assert_eq!(h[1].config.get("message"), Some(&json!("one")));
    assert_eq!(
        cm_data(&client, "rv-config", "message").await.as_deref(),
        Some("one")
    );
    assert_eq!(
        cm_data(&client, "rv-config", "chartVersion")
            .await
            .as_deref(),
        Some("0.2.0")
    );

    // resetValues: true → empty values mean the chart's defaults.
    set_version(&repo, "0.1.0");
    apply_hr(
        &client,
        &doc(
            "rt",
            &repo,
            json!({"message": "one"}),
            json!({"resetValues": true}),
        ),
    )
    .await;
    wait_history(&client, "rt", &[(1, "deployed")]).await;
    apply_hr(
        &client,
        &doc("rt", &repo, json!({}), json!({"resetValues": true})),
    )
    .await;
    wait_history(&client, "rt", &[(1, "superseded"), (2, "deployed")]).await;
    assert!(history(&client, "rt").await[1].config.is_empty());
    assert_eq!(
        cm_data(&client, "rt-config", "message").await.as_deref(),
        Some("default")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_options_hooks_force_and_retries() {
    let (_sb, client) = sandbox().await;
    let repo = features_repo("rollback-opts");
    let _stop = start_controller(&client);
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), NS);
    // Hooks run by default; disableHooks skips them; force replaces and records csa.
    for (name, rollback) in [
        ("rh", json!({"enable": true, "timeout": 10})),
        (
            "rd",
            json!({"enable": true, "disableHooks": true, "force": true, "recreate": true, "timeout": 10}),
        ),
    ] {
        let extra = json!({"rollback": rollback, "timeout": 10});
        apply_hr(&client, &doc(name, &repo, json!({}), extra.clone())).await;
        wait_history(&client, name, &[(1, "deployed")]).await;
        apply_hr(&client, &doc(name, &repo, json!({"fail": true}), extra)).await;
        wait_history(
            &client,
            name,
            &[(1, "superseded"), (2, "failed"), (3, "deployed")],
        )
        .await;
    }
    let hook = cms.get_opt("rh-pre-rollback").await.unwrap();
    assert_eq!(
        hook.and_then(|c| c.data)
            .and_then(|d| d.get("revision").cloned())
            .as_deref(),
        Some("1"),
        "pre-rollback hook of the target revision ran"
    );
    assert!(
        cms.get_opt("rd-pre-rollback").await.unwrap().is_none(),
        "disableHooks"
    );
    let rh = history(&client, "rh").await;
    let rd = history(&client, "rd").await;
    assert_eq!(rh[2].apply_method, "ssa");
    assert_eq!(rd[2].apply_method, "csa", "rollback.force replaces");
    let hook_phase = |r: &helmrelease_operator::storage::Release| {
        r.hooks
            .iter()
            .find(|h| h.events.iter().any(|e| e == "pre-rollback"))
            .map(|h| h.last_run.phase.clone())
    };
    assert_eq!(hook_phase(&rh[2]).as_deref(), Some("Succeeded"));
    assert_eq!(hook_phase(&rd[2]).as_deref(), Some(""), "never ran");

    // retry + maxRetries: 1 attempt + 2 retries, each rolled back, then hold.
    let extra =
        json!({"rollback": {"enable": true, "retry": true, "maxRetries": 2}, "timeout": 10});
    apply_hr(&client, &doc("rr", &repo, json!({}), extra.clone())).await;
    wait_history(&client, "rr", &[(1, "deployed")]).await;
    apply_hr(&client, &doc("rr", &repo, json!({"fail": true}), extra)).await;
    let want = [
        (1, "superseded"),
        (2, "failed"),
        (3, "superseded"),
        (4, "failed"),
        (5, "superseded"),
        (6, "failed"),
        (7, "deployed"),
    ];
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let have = summary(&history(&client, "rr").await);
        let want: Vec<(i64, String)> = want.iter().map(|(v, s)| (*v, s.to_string())).collect();
        if have == want {
            break;
        }
        assert!(Instant::now() < deadline, "rr history: {have:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    until(
        10,
        &format!("rr holds: {:?}", get_hr(&client, "rr").await.status),
        || async {
            get_hr(&client, "rr").await.status.is_some_and(|s| {
                s.rollback_count >= 1
                    && s.condition(ConditionType::Released)
                        .and_then(|c| c.message.clone())
                        .is_some_and(|m| m.contains("failed 3 time(s); waiting for a spec change"))
            })
        },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(history(&client, "rr").await.len(), 7, "no fourth attempt");
}

/// A Git-like fetcher: the local chart with a source revision (commit).
struct CommitFetcher {
    inner: LocalDirFetcher,
    commit: std::sync::Mutex<String>,
}

#[async_trait]
impl ChartFetcher for CommitFetcher {
    async fn fetch(&self, hr: &HelmRelease) -> Result<FetchedChart, String> {
        let mut c = self.inner.fetch(hr).await?;
        c.source_revision = Some(self.commit.lock().unwrap().clone());
        Ok(c)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn git_commit_is_the_status_revision() {
    let (_sb, client) = sandbox().await;
    let repo = features_repo("git-rev");
    let fetcher = Arc::new(CommitFetcher {
        inner: LocalDirFetcher::default(),
        commit: std::sync::Mutex::new("1111111111111111111111111111111111111111".into()),
    });
    let _stop = start_controller_with(&client, fetcher.clone());
    apply_hr(&client, &doc("gr", &repo, json!({}), json!({}))).await;
    wait_history(&client, "gr", &[(1, "deployed")]).await;
    until(10, "revision is the commit", || async {
        get_hr(&client, "gr").await.status.is_some_and(|s| {
            s.revision.as_deref() == Some("1111111111111111111111111111111111111111")
                && s.last_attempted_revision == s.revision
        })
    })
    .await;
    // A new commit that changes the chart: upgrade, and the status follows the commit.
    *fetcher.commit.lock().unwrap() = "2222222222222222222222222222222222222222".into();
    set_version(&repo, "0.2.0");
    apply_hr(
        &client,
        &doc("gr", &repo, json!({}), json!({"timeout": 301})),
    )
    .await;
    wait_history(&client, "gr", &[(1, "superseded"), (2, "deployed")]).await;
    until(10, "revision is the new commit", || async {
        get_hr(&client, "gr").await.status.is_some_and(|s| {
            s.revision.as_deref() == Some("2222222222222222222222222222222222222222")
                && s.last_attempted_revision == s.revision
        })
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookup_sees_live_objects() {
    let (_sb, client) = sandbox().await;
    let repo = features_repo("lookup");
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), NS);
    let src: ConfigMap = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "palette", "namespace": NS},
        "data": {"color": "teal"}
    }))
    .unwrap();
    cms.create(&PostParams::default(), &src).await.unwrap();
    let _stop = start_controller(&client);
    apply_hr(
        &client,
        &doc("lk", &repo, json!({"lookupSource": "palette"}), json!({})),
    )
    .await;
    wait_history(&client, "lk", &[(1, "deployed")]).await;
    assert_eq!(
        cm_data(&client, "lk-looked-up", "color").await.as_deref(),
        Some("teal")
    );
    assert_eq!(
        cm_data(&client, "lk-looked-up", "found").await.as_deref(),
        Some("true")
    );
    // A missing object looks up as an empty map.
    apply_hr(
        &client,
        &doc("lk", &repo, json!({"lookupSource": "absent"}), json!({})),
    )
    .await;
    wait_history(&client, "lk", &[(1, "superseded"), (2, "deployed")]).await;
    assert_eq!(
        cm_data(&client, "lk-looked-up", "color").await.as_deref(),
        Some("none")
    );
    assert_eq!(
        cm_data(&client, "lk-looked-up", "found").await.as_deref(),
        Some("false")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forced_update_recreates_what_cannot_be_replaced() {
    use helmrelease_operator::controller::apply::{parse_manifest, Applier};
    let sb = kube_sandbox::Sandbox::default();
    let client = sb.client();
    let applier = Applier::new(client.clone(), "fr", NS);
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), NS);
    let manifest = |v: &str| {
        parse_manifest(&format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fr-config\ndata:\n  v: {v:?}\n"
        ))
        .unwrap()
    };
    applier.update_all(&manifest("1"), true).await.unwrap();
    let uid = |c: ConfigMap| c.metadata.uid.unwrap_or_default();
    let first = uid(cms.get("fr-config").await.unwrap());

    // A conflicting write between read and replace (409): read again and replace.
    sb.faults().fail_next_writes(1, 409);
    applier.update_all(&manifest("2"), true).await.unwrap();
    let cm = cms.get("fr-config").await.unwrap();
    assert_eq!(
        cm.data
            .clone()
            .unwrap_or_default()
            .get("v")
            .map(String::as_str),
        Some("2")
    );
    assert_eq!(uid(cm), first, "replaced in place");

    // The server refuses the replacement (422, as for an immutable field): delete and
    // create again.
    sb.faults().fail_next_writes(1, 422);
    applier.update_all(&manifest("3"), true).await.unwrap();
    let cm = cms.get("fr-config").await.unwrap();
    assert_eq!(
        cm.data
            .clone()
            .unwrap_or_default()
            .get("v")
            .map(String::as_str),
        Some("3")
    );
    let labels = cm.metadata.labels.clone().unwrap_or_default();
    assert_eq!(
        labels
            .get("app.kubernetes.io/managed-by")
            .map(String::as_str),
        Some("Helm")
    );
    assert_ne!(uid(cm), first, "recreated");

    // Any other failure fails the update.
    sb.faults().fail_next_writes(1, 500);
    let err = applier.update_all(&manifest("4"), true).await.unwrap_err();
    assert!(err.contains("replacing ConfigMap fr-config"), "{err}");
}

/// (name, phase, delete policies) of the test hooks of a stored revision.
async fn test_hook_records(
    client: &Client,
    name: &str,
    version: i64,
) -> Vec<(String, String, Vec<String>)> {
    let rel = storage(client).get(name, version).await.unwrap();
    rel.hooks
        .iter()
        .filter(|h| h.events.iter().any(|e| e == "test"))
        .map(|h| {
            (
                h.name.clone(),
                h.last_run.phase.clone(),
                h.delete_policies.clone(),
            )
        })
        .collect()
}

/// Real Helm (v4.2.3 through helm-oracle) reads the test runs the operator recorded, and
/// its own `helm test` of the release records them the same way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_helm_sees_and_repeats_the_recorded_tests() {
    let Some(tool) = helm_oracle() else {
        eprintln!("helm-oracle not available; skipping");
        return;
    };
    let running = kube_sandbox::start().await.unwrap();
    let client = running.client().unwrap();
    install_crd(&client).await;
    let kc = temp_dir("helm-test").join("kubeconfig.yaml");
    running.write_kubeconfig(&kc).unwrap();
    let repo = features_repo("helm-test");
    let stop = start_controller(&client);
    apply_hr(
        &client,
        &doc("ht", &repo, json!({}), json!({"test": {"enable": true}})),
    )
    .await;
    wait_history(&client, "ht", &[(1, "deployed")]).await;
    wait_tested(&client, "ht", ConditionStatus::True).await;
    let ours = test_hook_records(&client, "ht", 1).await;
    drop(stop);
    tokio::time::sleep(Duration::from_millis(500)).await;

    let kcs = kc.to_string_lossy().to_string();
    let (ok, text) = oracle(
        &tool,
        &[
            "cluster",
            "status",
            "ht",
            "--kubeconfig",
            &kcs,
            "--namespace",
            NS,
        ],
    );
    assert!(ok, "helm status failed: {text}");
    assert!(text.contains("\"status\": \"deployed\""), "{text}");

    let (ok, text) = oracle(
        &tool,
        &[
            "cluster",
            "test",
            "ht",
            "--kubeconfig",
            &kcs,
            "--namespace",
            NS,
        ],
    );
    // The run completes and is recorded; only fetching the Pod logs afterwards fails,
    // since the sandbox serves no `pods/log`.
    assert!(
        ok || text.contains("unable to get pod logs for ht-test-pod"),
        "helm test failed: {text}"
    );
    let helms = test_hook_records(&client, "ht", 1).await;
    assert_eq!(
        ours, helms,
        "helm test records its runs as the operator did"
    );
    assert_eq!(helms[0].2, vec!["before-hook-creation".to_string()]);
    assert_eq!(history(&client, "ht").await.len(), 1, "no new revision");
}
