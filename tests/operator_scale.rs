//! Scale check of the controller: 200 HelmReleases installed in one sandbox, then several
//! resync intervals with nothing changed must produce reconciles (the resync runs) but no
//! API writes at all and no new release revisions: a hot loop would show up as writes or as
//! far more reconciles than resyncs.

#[path = "common/operator.rs"]
mod operator;

use std::sync::Arc;
use std::time::Duration;

use helmrelease_operator::api::HelmRelease;
use helmrelease_operator::controller::{self, chart::LocalDirFetcher, metrics::Metrics, Settings};
use kube::api::{ListParams, PostParams};
use kube::Api;
use operator::*;
use serde_json::json;

const RELEASES: usize = 200;
const SYNC: Duration = Duration::from_secs(3);

fn reconciles(m: &Metrics) -> u64 {
    m.render()
        .lines()
        .find_map(|l| l.strip_prefix("helmrelease_reconcile_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_releases_settle_without_a_hot_loop() {
    let sandbox = kube_sandbox::Sandbox::default();
    let client = sandbox.client();
    install_crd(&client).await;
    let repo = chart_repo("scale");
    let metrics = Arc::new(Metrics::default());
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    {
        let client = client.clone();
        let metrics = metrics.clone();
        tokio::spawn(async move {
            controller::run(
                client,
                Settings {
                    workers: 4,
                    sync_interval: SYNC,
                    retry_interval: Duration::from_millis(500),
                    ..Settings::default()
                },
                Arc::new(LocalDirFetcher::default()),
                metrics,
                async move {
                    let _ = rx.await;
                },
            )
            .await;
        });
    }

    let api: Api<HelmRelease> = Api::namespaced(client.clone(), NS);
    for i in 0..RELEASES {
        let name = format!("scale-{i:03}");
        let doc = hr_doc(&name, &repo, json!({"message": name}), json!({}));
        let hr: HelmRelease = serde_json::from_value(doc).unwrap();
        api.create(&PostParams::default(), &hr).await.unwrap();
    }

    // Every release deployed and reported Ready.
    until(240, "all releases ready", || async {
        let list = api.list(&ListParams::default()).await.unwrap();
        list.items.len() == RELEASES
            && list
                .items
                .iter()
                .all(|hr| hr.status.as_ref().is_some_and(|s| s.is_ready()))
    })
    .await;
    // A settling period: the status writes of the last installs and their first resync.
    tokio::time::sleep(SYNC * 2).await;

    let rv_before = sandbox.store().resource_version();
    let rec_before = reconciles(&metrics);
    let window = SYNC * 3;
    tokio::time::sleep(window).await;
    let rv_after = sandbox.store().resource_version();
    let rec_after = reconciles(&metrics);
    let _ = stop.send(());

    assert_eq!(
        rv_before, rv_after,
        "API writes happened while nothing changed"
    );
    let done = rec_after - rec_before;
    eprintln!("{RELEASES} releases: {done} no-op reconciles in {window:?}, no writes");
    // Each release resyncs once per interval: ~3 per release in the window. Fewer than one
    // means the resync does not run; many more would be a hot loop.
    assert!(
        done >= RELEASES as u64,
        "only {done} reconciles in {window:?}: resync did not run"
    );
    assert!(
        done <= (RELEASES as u64) * 5,
        "{done} reconciles of {RELEASES} unchanged releases in {window:?}: hot loop"
    );
    for name in ["scale-000", "scale-199"] {
        let h = history(&client, name).await;
        assert_eq!(h.len(), 1, "{name} has {} revisions", h.len());
    }
}
