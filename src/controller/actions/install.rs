//! Install: render, CRDs from `crds/` (unless skipCRDs), `pending-install` record, pre-install
//! hooks, apply, wait, post-install hooks, `deployed`. A failed install is marked `failed`
//! and then removed (objects and records), as v1 did, so the next reconcile retries.

use crate::storage::{GoTime, Status};

use super::super::apply::parse_manifest;
use super::super::chart::FetchedChart;
use super::super::hooks::run_hooks;
use super::super::values::ComposedValues;
use super::super::wait::{readiness, wait_all};
use super::{new_release, render, store_create, store_update, uninstall, ReleaseCtx};

pub async fn install(
    rc: &ReleaseCtx,
    chart: &FetchedChart,
    values: &ComposedValues,
) -> Result<i64, String> {
    let rendered = render(rc, chart, values, 1, false).await?;
    let objs = parse_manifest(&rendered.manifest)?;
    if !rc.skip_crds {
        let mut crds = Vec::new();
        for (_, text) in &rendered.crds {
            crds.extend(parse_manifest(text)?);
        }
        rc.applier.apply_all(&crds).await?;
    }
    let mut rel = new_release(
        rc,
        chart,
        values,
        &rendered,
        1,
        Status::PendingInstall,
        "Initial install underway",
        GoTime::now(),
    );
    store_create(&rc.storage, &rel).await?;
    let result = async {
        run_hooks(&rc.applier, &mut rel.hooks, "pre-install", rc.timeout).await?;
        rc.applier.apply_all(&objs).await?;
        if rc.wait {
            wait_all(&rc.applier, &objs, rc.timeout, readiness).await?;
        }
        run_hooks(&rc.applier, &mut rel.hooks, "post-install", rc.timeout).await
    }
    .await;
    match result {
        Ok(()) => {
            rel.set_status(Status::Deployed, "Install complete");
            store_update(&rc.storage, &rel).await?;
            Ok(1)
        }
        Err(e) => {
            rel.set_status(Status::Failed, format!("Release {:?} failed: {e}", rc.name));
            let _ = store_update(&rc.storage, &rel).await;
            // v1: a failed install is purged so the next attempt installs afresh.
            if let Err(pe) = uninstall::purge(rc, false).await {
                return Err(format!("{e}; cleaning up the failed install: {pe}"));
            }
            Err(e)
        }
    }
}
