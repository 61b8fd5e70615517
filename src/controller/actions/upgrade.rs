//! Upgrade: render revision N+1, `pending-upgrade` record, pre-upgrade hooks, apply, prune
//! objects gone from the chart, wait, post-upgrade hooks; then the previous deployed
//! revision becomes `superseded` and N+1 `deployed`. On failure N+1 is `failed`.
//! With `forceUpgrade` objects are replaced rather than patched (Helm's `--force`), and
//! the revision records the client-side apply method, as Helm 4 does for replacements.

use crate::storage::{GoTime, Release, Status};

use super::super::apply::parse_manifest;
use super::super::chart::FetchedChart;
use super::super::hooks::run_hooks;
use super::super::values::ComposedValues;
use super::super::wait::{readiness, wait_all};
use super::{new_release, render, store_create, store_update, ReleaseCtx};

/// The outcome of an upgrade attempt that reached the cluster.
pub enum UpgradeError {
    /// Failed before any record was written (render, CRDs, parse).
    Early(String),
    /// The new revision was written and then failed.
    Failed { version: i64, message: String },
}

pub async fn upgrade(
    rc: &ReleaseCtx,
    chart: &FetchedChart,
    values: &ComposedValues,
    history: &[Release],
) -> Result<i64, UpgradeError> {
    let last = history.iter().max_by_key(|r| r.version);
    let version = last.map_or(1, |r| r.version + 1);
    let current = history
        .iter()
        .filter(|r| r.status() == Status::Deployed)
        .max_by_key(|r| r.version);
    let first_deployed = current
        .and_then(|r| r.info.as_ref())
        .map(|i| i.first_deployed)
        .unwrap_or_else(GoTime::now);
    let rendered = render(rc, chart, values, version, true)
        .await
        .map_err(UpgradeError::Early)?;
    let objs = parse_manifest(&rendered.manifest).map_err(UpgradeError::Early)?;
    // Objects of the last revision (a failed upgrade may have applied more than the
    // deployed one had): prune against both.
    let mut old = Vec::new();
    for r in [current, last].into_iter().flatten() {
        old.extend(parse_manifest(&r.manifest).map_err(UpgradeError::Early)?);
    }
    let mut rel = new_release(
        rc,
        chart,
        values,
        &rendered,
        version,
        Status::PendingUpgrade,
        "Preparing upgrade",
        first_deployed,
    );
    rel.apply_method = super::apply_method(rc.force).to_string();
    store_create(&rc.storage, &rel)
        .await
        .map_err(UpgradeError::Early)?;
    let result = async {
        run_hooks(&rc.applier, &mut rel.hooks, "pre-upgrade", rc.timeout).await?;
        rc.applier.update_all(&objs, rc.force).await?;
        rc.applier.prune(&old, &objs).await?;
        if rc.wait {
            wait_all(&rc.applier, &objs, rc.timeout, readiness).await?;
        }
        run_hooks(&rc.applier, &mut rel.hooks, "post-upgrade", rc.timeout).await
    }
    .await;
    let fail = |message: String| UpgradeError::Failed { version, message };
    match result {
        Ok(()) => {
            if let Some(cur) = current {
                store_update(&rc.storage, &super::superseded(cur))
                    .await
                    .map_err(fail)?;
            }
            rel.set_status(Status::Deployed, "Upgrade complete");
            store_update(&rc.storage, &rel).await.map_err(fail)?;
            Ok(version)
        }
        Err(e) => {
            rel.set_status(Status::Failed, format!("Upgrade {:?} failed: {e}", rc.name));
            let _ = store_update(&rc.storage, &rel).await;
            Err(fail(e))
        }
    }
}
