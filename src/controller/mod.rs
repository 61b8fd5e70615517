//! The HelmRelease controller: kube-runtime `Controller` wiring, finalizer, and the
//! reconcile loop observe → decide → execute.
//!
//! `observe` reads Helm release storage, `decide` (pure) compares chart and values digests
//! with the deployed revision, `actions/*` execute one action each, `status` writes status
//! only when it changed and `events` records every action. Nothing is written when nothing
//! changed.

pub mod actions;
pub mod apply;
pub mod backoff;
pub mod chart;
pub mod decide;
pub mod events;
pub mod hooks;
pub mod metrics;
pub mod observe;
pub mod refwatch;
pub mod remediate;
pub mod reuse;
pub mod status;
pub mod testing;
pub mod values;
pub mod wait;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{FutureExt, StreamExt};
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Recorder, Reporter};
use kube::runtime::{watcher, WatchStreamExt};
use kube::{Api, Client, ResourceExt};

use crate::api::{ConditionType, HelmRelease, Phase};
use crate::storage::{Release, SecretsDriver, Status, Storage};

use actions::ReleaseCtx;
use chart::{ChartFetcher, FetchedChart};
use decide::{decide, Decision, Facts};
use values::ComposedValues;

pub const FINALIZER: &str = "helm.fluxcd.io/helmrelease";
pub const CONTROLLER_NAME: &str = "helmrelease-operator";

/// Settings of a controller run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Namespace scope; `None` watches all.
    pub namespace: Option<String>,
    pub workers: u16,
    pub sync_interval: Duration,
    /// Delay before retrying a failed reconcile.
    pub retry_interval: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            namespace: None,
            workers: 4,
            sync_interval: Duration::from_secs(180),
            retry_interval: Duration::from_secs(5),
        }
    }
}

/// Shared state of the reconcilers.
pub struct Ctx {
    pub client: Client,
    pub fetcher: Arc<dyn ChartFetcher>,
    pub recorder: Recorder,
    pub settings: Settings,
    pub metrics: Arc<metrics::Metrics>,
    /// Watches the ConfigMaps/Secrets read by valuesFrom and triggers their readers.
    pub refs: refwatch::RefWatcher,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Reconcile(String),
    #[error(transparent)]
    Kube(#[from] kube::Error),
}

/// Runs the controller until `shutdown` resolves; in-flight reconciles finish first.
pub async fn run(
    client: Client,
    settings: Settings,
    fetcher: Arc<dyn ChartFetcher>,
    metrics: Arc<metrics::Metrics>,
    shutdown: impl Future<Output = ()> + Send + Sync + 'static,
) {
    let api: Api<HelmRelease> = match &settings.namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    let recorder = Recorder::new(
        client.clone(),
        Reporter {
            controller: CONTROLLER_NAME.into(),
            instance: std::env::var("POD_NAME").ok(),
        },
    );
    let workers = settings.workers.max(1);
    let refs = refwatch::RefWatcher::new(client.clone());
    // `Controller::reconcile_on` needs an unstable kube feature; the same wiring from the
    // stable parts: HelmRelease watch + valuesFrom triggers → applier.
    let (reader, writer) = kube::runtime::reflector::store();
    let own = kube::runtime::reflector(
        writer,
        watcher::watcher(api, watcher::Config::default().any_semantic()).default_backoff(),
    )
    .applied_objects();
    let queue = futures::stream::select(
        kube::runtime::controller::trigger_self(own, ()),
        refs.trigger_stream()
            .map(|r| Ok(kube::runtime::controller::ReconcileRequest::from(r))),
    )
    .take_until(shutdown);
    let ctx = Arc::new(Ctx {
        client,
        fetcher,
        recorder,
        settings,
        metrics,
        refs,
    });
    kube::runtime::applier(
        |hr, ctx| {
            tokio::spawn(reconcile(hr, ctx)).map(|r| {
                r.unwrap_or_else(|e| Err(Error::Reconcile(format!("reconcile task: {e}"))))
            })
        },
        error_policy,
        ctx,
        reader,
        queue,
        kube::runtime::controller::Config::default().concurrency(workers),
    )
    .for_each(|r| async move {
        if let Err(e) = r {
            tracing::debug!(error = %e, "reconcile");
        }
    })
    .await;
}

fn error_policy(_hr: Arc<HelmRelease>, err: &Error, ctx: Arc<Ctx>) -> Action {
    tracing::warn!(error = %err, "reconcile failed");
    Action::requeue(ctx.settings.retry_interval)
}

async fn reconcile(hr: Arc<HelmRelease>, ctx: Arc<Ctx>) -> Result<Action, Error> {
    let started = Instant::now();
    let ns = hr.defaulted_namespace().to_string();
    let api: Api<HelmRelease> = Api::namespaced(ctx.client.clone(), &ns);
    let res = with_finalizer(&api, hr, &ctx).await;
    ctx.metrics.observe(started.elapsed(), res.is_err());
    res
}

/// The finalizer protocol (kube-runtime's helper sends a JSON patch `test` on a missing
/// `/metadata/finalizers`, which not every server accepts; a merge patch with the
/// resourceVersion as precondition does the same safely).
async fn with_finalizer(
    api: &Api<HelmRelease>,
    hr: Arc<HelmRelease>,
    ctx: &Ctx,
) -> Result<Action, Error> {
    let finalizers = hr.metadata.finalizers.clone().unwrap_or_default();
    let ours = finalizers.iter().any(|f| f == FINALIZER);
    let name = hr.name_any();
    if hr.metadata.deletion_timestamp.is_some() {
        if !ours {
            // Not ours to uninstall, but stop watching what it referenced.
            ctx.refs.forget(&hr);
            return Ok(Action::await_change());
        }
        let action = cleanup(&hr, ctx).await?;
        let rest: Vec<&String> = finalizers.iter().filter(|f| *f != FINALIZER).collect();
        let patch = serde_json::json!({
            "metadata": {"finalizers": rest, "resourceVersion": hr.metadata.resource_version}
        });
        api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await?;
        return Ok(action);
    }
    if !ours {
        let mut all = finalizers.clone();
        all.push(FINALIZER.to_string());
        let patch = serde_json::json!({
            "metadata": {"finalizers": all, "resourceVersion": hr.metadata.resource_version}
        });
        api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await?;
        // The update event brings us back with the finalizer in place.
        return Ok(Action::await_change());
    }
    apply(&hr, ctx).await
}

fn storage_for(client: &Client, hr: &HelmRelease) -> Storage {
    let api: Api<Secret> = Api::namespaced(client.clone(), hr.target_namespace());
    Storage::new(SecretsDriver::new(api)).with_max_history(hr.max_history())
}

fn release_ctx(ctx: &Ctx, hr: &HelmRelease, caps: helm_render::Capabilities) -> ReleaseCtx {
    let name = hr.effective_release_name();
    let namespace = hr.target_namespace().to_string();
    ReleaseCtx {
        client: ctx.client.clone(),
        storage: storage_for(&ctx.client, hr),
        applier: actions::applier(&ctx.client, &name, &namespace),
        name,
        namespace,
        timeout: hr.timeout(),
        wait: hr.wait(),
        skip_crds: hr.spec.skip_crds,
        force: hr.spec.force_upgrade,
        capabilities: caps,
    }
}

async fn cleanup(hr: &HelmRelease, ctx: &Ctx) -> Result<Action, Error> {
    ctx.refs.forget(hr);
    let rc = release_ctx(ctx, hr, helm_render::Capabilities::default());
    let hist = observe::history(&rc.storage, &rc.name)
        .await
        .map_err(Error::Reconcile)?;
    if hist.is_empty() {
        return Ok(Action::await_change());
    }
    ctx.metrics.action("uninstall");
    match actions::uninstall::uninstall(&rc).await {
        Ok(kept) => {
            let mut note = format!("Release {} uninstalled", rc.name);
            if !kept.is_empty() {
                note.push_str(&format!("; kept by resource policy: {}", kept.join(", ")));
            }
            events::publish(&ctx.recorder, hr, false, "UninstallSucceeded", note).await;
            Ok(Action::await_change())
        }
        Err(e) => {
            events::publish(
                &ctx.recorder,
                hr,
                true,
                "UninstallFailed",
                format!("Uninstall of release {} failed: {e}", rc.name),
            )
            .await;
            Err(Error::Reconcile(e))
        }
    }
}

/// Writes the status when it differs from the stored one.
async fn write_status(
    hr: &HelmRelease,
    ctx: &Ctx,
    st: crate::api::HelmReleaseStatus,
) -> Result<(), Error> {
    if hr.status.as_ref() == Some(&st) {
        return Ok(());
    }
    let api: Api<HelmRelease> = Api::namespaced(ctx.client.clone(), hr.defaulted_namespace());
    let mut patch = serde_json::json!({ "status": st });
    // A merge patch leaves absent keys alone: send nulls for the backoff fields and
    // counters that were cleared.
    if let Some(s) = patch
        .get_mut("status")
        .and_then(serde_json::Value::as_object_mut)
    {
        for key in [
            "failures",
            "lastFailedDigest",
            "nextAttemptTime",
            "rollbackCount",
        ] {
            s.entry(key).or_insert(serde_json::Value::Null);
        }
    }
    api.patch_status(
        &hr.name_any(),
        &PatchParams::default(),
        &Patch::Merge(&patch),
    )
    .await?;
    Ok(())
}

fn facts(hr: &HelmRelease, hist: &[Release], chart: &FetchedChart, vals: &ComposedValues) -> Facts {
    Facts {
        deleting: false,
        history: hist.iter().map(observe::facts_of).collect(),
        desired_chart_digest: chart.digest.clone(),
        desired_values_digest: vals.digest.clone(),
        rollback_enabled: hr.spec.rollback.enable,
        rollback_retry: hr.spec.rollback.retry,
        rollback_max_retries: hr.spec.rollback.max_retries(),
        tests_gate: hr.spec.test.enable && !hr.spec.test.ignore_failures(),
    }
}

async fn apply(hr: &HelmRelease, ctx: &Ctx) -> Result<Action, Error> {
    let sync_interval = hr
        .interval()
        .filter(|d| !d.is_zero())
        .unwrap_or(ctx.settings.sync_interval);
    let requeue = Action::requeue(sync_interval);
    if hr.suspended() {
        return Ok(requeue);
    }
    let mut st = hr.status.clone().unwrap_or_default();
    let rc0 = release_ctx(ctx, hr, helm_render::Capabilities::default());
    st.release_name = Some(rc0.name.clone());
    st.observed_generation = hr.metadata.generation.unwrap_or(0);

    // Chart.
    let chart = match ctx.fetcher.fetch(hr).await {
        Ok(c) => c,
        Err(e) => {
            let changed = st
                .condition(ConditionType::ChartFetched)
                .is_none_or(|c| c.message.as_deref() != Some(e.as_str()));
            status::set(
                &mut st,
                ConditionType::ChartFetched,
                false,
                "ChartFetchFailed",
                &e,
            );
            status::set(&mut st, ConditionType::Ready, false, "ChartFetchFailed", &e);
            status::set_phase(&mut st, Phase::ChartFetchFailed);
            if changed {
                events::publish(&ctx.recorder, hr, true, "ChartFetchFailed", e.clone()).await;
            }
            write_status(hr, ctx, st).await?;
            return Err(Error::Reconcile(e));
        }
    };
    status::set(
        &mut st,
        ConditionType::ChartFetched,
        true,
        "ChartFetched",
        &format!("fetched chart {}-{}", chart.name, chart.version),
    );

    // Values.
    let composed = values::compose(&ctx.client, hr, &chart.chart).await;
    ctx.refs.register(hr, composed.refs);
    let vals = match composed.result {
        Ok(v) => v,
        Err(e) => {
            let msg = e.to_string();
            let changed = st
                .condition(ConditionType::Released)
                .is_none_or(|c| c.message.as_deref() != Some(msg.as_str()));
            status::mark_not_released(&mut st, "ValuesFailed", &msg);
            if changed {
                events::publish(&ctx.recorder, hr, true, "ValuesFailed", msg.clone()).await;
            }
            write_status(hr, ctx, st).await?;
            return Err(Error::Reconcile(msg));
        }
    };

    // Observe → decide → execute; an unlock or purge is followed by a fresh decision.
    let mut caps: Option<helm_render::Capabilities> = None;
    let mut outcome: Result<(), String> = Ok(());
    // Whether an install/upgrade was attempted (its failure backs off).
    let mut attempted: Option<String> = None;
    let revision = status::chart_revision(&chart);
    for _ in 0..4 {
        let hist = observe::history(&rc0.storage, &rc0.name)
            .await
            .map_err(Error::Reconcile)?;
        // resetValues: false reuses the current config when no values are given.
        let desired = reuse::desired_values(hr.reuse_values(), &vals, &hist);
        let decision = decide(&facts(hr, &hist, &chart, &desired));
        tracing::info!(release = %rc0.name, ?decision, "decided");
        let attempt =
            backoff::attempt_digest(st.observed_generation, &chart.digest, &desired.digest);
        if matches!(
            decision,
            Decision::Install | Decision::Reinstall | Decision::Upgrade
        ) {
            // The same spec failed recently: wait out its backoff without writing.
            if let Some(wait) = backoff::remaining(&st, &attempt, jiff::Timestamp::now()) {
                return Ok(Action::requeue(wait));
            }
        }
        if matches!(
            decision,
            Decision::Install | Decision::Reinstall | Decision::Upgrade
        ) && caps.is_none()
        {
            caps = Some(
                apply::capabilities(&ctx.client)
                    .await
                    .map_err(Error::Reconcile)?,
            );
        }
        let rc = release_ctx(ctx, hr, caps.clone().unwrap_or_default());
        match decision {
            Decision::NoOp | Decision::Forget => {
                if let Some(dep) = hist
                    .iter()
                    .filter(|r| r.status() == Status::Deployed)
                    .max_by_key(|r| r.version)
                {
                    let msg = status::synced_message(dep.version, &chart.name, &chart.version);
                    status::mark_synced(&mut st, &msg);
                    if st.phase.is_none() {
                        status::set_phase(&mut st, Phase::Deployed);
                    }
                    // Tests enabled after the revision was deployed: run them now.
                    if hr.spec.test.enable && actions::test::untested(dep) {
                        if let testing::Verdict::Failed(m) =
                            testing::test_release(hr, ctx, &rc, &mut st, dep.version).await
                        {
                            outcome = Err(m);
                        }
                    }
                }
                backoff::clear(&mut st);
                status::record_release(&mut st, &hist, Some((&chart.digest, &revision)));
                break;
            }
            Decision::Hold { failed_attempts } => {
                let tests_failed = hist
                    .iter()
                    .filter(|r| r.status() == Status::Deployed)
                    .max_by_key(|r| r.version)
                    .filter(|r| actions::test::tests_failed(r))
                    .filter(|r| {
                        observe::facts_of(r).values_digest == desired.digest
                            && observe::facts_of(r).chart_digest == chart.digest
                    });
                if let Some(dep) = tests_failed {
                    let msg = format!(
                        "tests of release {} revision {} failed; waiting for a spec change",
                        rc.name, dep.version
                    );
                    status::mark_not_released(&mut st, "TestFailed", &msg);
                } else {
                    let msg = format!(
                        "upgrade to chart {}-{} with these values failed {failed_attempts} time(s); waiting for a spec change",
                        chart.name, chart.version
                    );
                    status::mark_not_released(&mut st, "UpgradeFailed", &msg);
                }
                status::record_release(&mut st, &hist, Some((&chart.digest, &revision)));
                break;
            }
            Decision::Unlock { version } => {
                ctx.metrics.action("unlock");
                if let Some(p) = hist.iter().find(|r| r.version == version) {
                    actions::unlock::unlock(&rc, p)
                        .await
                        .map_err(Error::Reconcile)?;
                    events::publish(
                        &ctx.recorder,
                        hr,
                        true,
                        "ReleaseUnlocked",
                        format!(
                            "Release {} revision {version} was left {} by an interrupted operation; marked failed",
                            rc.name,
                            p.status()
                        ),
                    )
                    .await;
                }
                continue;
            }
            Decision::Reinstall => {
                ctx.metrics.action("purge");
                actions::uninstall::purge(&rc, false)
                    .await
                    .map_err(Error::Reconcile)?;
                continue;
            }
            Decision::Uninstall => break,
            Decision::Install => {
                ctx.metrics.action("install");
                status::set_phase(&mut st, Phase::Installing);
                st.last_attempted_revision = Some(revision.clone());
                attempted = Some(attempt.clone());
                match actions::install::install(&rc, &chart, &desired).await {
                    Ok(v) => {
                        let msg = status::synced_message(v, &chart.name, &chart.version);
                        status::set_phase(&mut st, Phase::Deployed);
                        status::mark_synced(&mut st, &msg);
                        st.rollback_count = 0;
                        events::publish(
                            &ctx.recorder,
                            hr,
                            false,
                            "InstallSucceeded",
                            format!(
                                "Installed release {} revision {v} (chart {}-{})",
                                rc.name, chart.name, chart.version
                            ),
                        )
                        .await;
                        if hr.spec.test.enable {
                            if let testing::Verdict::Failed(m) =
                                testing::test_release(hr, ctx, &rc, &mut st, v).await
                            {
                                // v1: a release whose install tests fail is uninstalled.
                                ctx.metrics.action("purge");
                                if let Err(e) = actions::uninstall::purge(&rc, false).await {
                                    tracing::warn!(error = %e, "removing the failed install");
                                }
                                outcome = Err(m);
                            }
                        }
                    }
                    Err(e) => {
                        let msg = format!("Install of release {} failed: {e}", rc.name);
                        status::set_phase(&mut st, Phase::DeployFailed);
                        status::mark_not_released(&mut st, "InstallFailed", &msg);
                        events::publish(&ctx.recorder, hr, true, "InstallFailed", msg.clone())
                            .await;
                        outcome = Err(msg);
                    }
                }
                let hist = observe::history(&rc.storage, &rc.name)
                    .await
                    .unwrap_or_default();
                status::record_release(&mut st, &hist, Some((&chart.digest, &revision)));
                break;
            }
            Decision::Upgrade => {
                ctx.metrics.action("upgrade");
                status::set_phase(&mut st, Phase::Upgrading);
                st.last_attempted_revision = Some(revision.clone());
                attempted = Some(attempt.clone());
                match actions::upgrade::upgrade(&rc, &chart, &desired, &hist).await {
                    Ok(v) => {
                        let msg = status::synced_message(v, &chart.name, &chart.version);
                        status::set_phase(&mut st, Phase::Deployed);
                        status::mark_synced(&mut st, &msg);
                        st.rollback_count = 0;
                        events::publish(
                            &ctx.recorder,
                            hr,
                            false,
                            "UpgradeSucceeded",
                            format!(
                                "Upgraded release {} to revision {v} (chart {}-{})",
                                rc.name, chart.name, chart.version
                            ),
                        )
                        .await;
                        if hr.spec.test.enable {
                            if let testing::Verdict::Failed(m) =
                                testing::test_release(hr, ctx, &rc, &mut st, v).await
                            {
                                outcome = Err(m);
                                if hr.spec.rollback.enable {
                                    remediate::roll_back(hr, ctx, &rc, &mut st).await?;
                                }
                            }
                        }
                    }
                    Err(actions::upgrade::UpgradeError::Early(e)) => {
                        let msg = format!("Upgrade of release {} failed: {e}", rc.name);
                        status::set_phase(&mut st, Phase::DeployFailed);
                        status::mark_not_released(&mut st, "UpgradeFailed", &msg);
                        events::publish(&ctx.recorder, hr, true, "UpgradeFailed", msg.clone())
                            .await;
                        outcome = Err(msg);
                    }
                    Err(actions::upgrade::UpgradeError::Failed { version, message }) => {
                        let msg = format!(
                            "Upgrade of release {} to revision {version} failed: {message}",
                            rc.name
                        );
                        status::set_phase(&mut st, Phase::DeployFailed);
                        status::mark_not_released(&mut st, "UpgradeFailed", &msg);
                        events::publish(&ctx.recorder, hr, true, "UpgradeFailed", msg.clone())
                            .await;
                        outcome = Err(msg);
                        if hr.spec.rollback.enable {
                            remediate::roll_back(hr, ctx, &rc, &mut st).await?;
                        }
                    }
                }
                let hist = observe::history(&rc.storage, &rc.name)
                    .await
                    .unwrap_or_default();
                status::record_release(&mut st, &hist, Some((&chart.digest, &revision)));
                break;
            }
        }
    }
    match (&outcome, attempted) {
        (Err(e), Some(attempt)) => {
            // Retry the same spec after a growing delay; the message says when.
            let now = jiff::Timestamp::now();
            let (n, next) = backoff::record_failure(
                &mut st,
                &attempt,
                ctx.settings.retry_interval,
                sync_interval,
                now,
            );
            let reason = st
                .condition(ConditionType::Released)
                .and_then(|c| c.reason.clone())
                .unwrap_or_else(|| "Failed".into());
            let msg = format!("{e}; {}", backoff::note(n, next, now));
            status::mark_not_released(&mut st, &reason, &msg);
        }
        (Ok(()), Some(_)) => backoff::clear(&mut st),
        _ => {}
    }
    write_status(hr, ctx, st).await?;
    match outcome {
        Ok(()) => Ok(requeue),
        Err(e) => Err(Error::Reconcile(e)),
    }
}
