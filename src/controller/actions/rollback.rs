//! Rollback: revision N+1 from the target revision's stored chart, values, manifest and
//! hooks (`pending-rollback` → `deployed`), pruning objects the current revision has and the
//! target does not; the previous deployed revision and the current one become `superseded`.

use crate::storage::{GoTime, Release, Status};

use super::super::apply::parse_manifest;
use super::super::hooks::run_hooks;
use super::super::wait::{readiness, wait_all};
use super::{store_create, store_update, ReleaseCtx};

pub async fn rollback(rc: &ReleaseCtx, history: &[Release], wait: bool) -> Result<i64, String> {
    let last = history
        .iter()
        .max_by_key(|r| r.version)
        .ok_or_else(|| format!("release {} has no revisions", rc.name))?;
    let target = history
        .iter()
        .filter(|r| r.status() == Status::Deployed)
        .max_by_key(|r| r.version)
        .ok_or_else(|| {
            format!(
                "release {} has no deployed revision to roll back to",
                rc.name
            )
        })?;
    let version = last.version + 1;
    let mut rel = target.clone();
    rel.version = version;
    rel.labels.clear();
    let first_deployed = target
        .info
        .as_ref()
        .map(|i| i.first_deployed)
        .unwrap_or_else(GoTime::now);
    let notes = target
        .info
        .as_ref()
        .map(|i| i.notes.clone())
        .unwrap_or_default();
    rel.info = Some(crate::storage::Info {
        first_deployed,
        last_deployed: GoTime::now(),
        description: format!("Rollback to {}", target.version),
        status: Status::PendingRollback,
        notes,
        ..Default::default()
    });
    rel.apply_method = super::super::apply::APPLY_METHOD.to_string();
    let objs = parse_manifest(&target.manifest)?;
    let current_objs = parse_manifest(&last.manifest)?;
    store_create(&rc.storage, &rel).await?;
    let result = async {
        run_hooks(&rc.applier, &mut rel.hooks, "pre-rollback", rc.timeout).await?;
        rc.applier.apply_all(&objs).await?;
        rc.applier.prune(&current_objs, &objs).await?;
        if wait {
            wait_all(&rc.applier, &objs, rc.timeout, readiness).await?;
        }
        run_hooks(&rc.applier, &mut rel.hooks, "post-rollback", rc.timeout).await
    }
    .await;
    match result {
        Ok(()) => {
            for r in [target, last] {
                if r.status() == Status::Deployed {
                    let mut r = r.clone();
                    r.set_status(Status::Superseded, "Superseded");
                    store_update(&rc.storage, &r).await?;
                }
            }
            rel.set_status(Status::Deployed, format!("Rollback to {}", target.version));
            store_update(&rc.storage, &rel).await?;
            Ok(version)
        }
        Err(e) => {
            rel.set_status(
                Status::Failed,
                format!("Rollback {:?} failed: {e}", rc.name),
            );
            let _ = store_update(&rc.storage, &rel).await;
            Err(e)
        }
    }
}
