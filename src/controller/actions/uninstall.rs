//! Uninstall: mark the last revision `uninstalling`, pre-delete hooks, delete the release's
//! objects (keeping `helm.sh/resource-policy: keep`), post-delete hooks, then delete every
//! release record (no kept history, as v1).

use crate::storage::Status;

use super::super::apply::parse_manifest;
use super::super::hooks::run_hooks;
use super::super::observe::history;
use super::{store_update, ReleaseCtx};

/// Full uninstall with hooks. Returns the kept objects.
pub async fn uninstall(rc: &ReleaseCtx) -> Result<Vec<String>, String> {
    purge(rc, true).await
}

/// Deletes objects and records of every revision; `hooks` runs the delete hooks of the
/// last revision.
pub async fn purge(rc: &ReleaseCtx, hooks: bool) -> Result<Vec<String>, String> {
    let all = history(&rc.storage, &rc.name).await?;
    let Some(last) = all.iter().max_by_key(|r| r.version) else {
        return Ok(Vec::new());
    };
    let mut last = last.clone();
    if hooks {
        last.set_status(
            Status::Uninstalling,
            "Deletion in progress (or silently ignored)",
        );
        store_update(&rc.storage, &last).await?;
        run_hooks(&rc.applier, &mut last.hooks, "pre-delete", rc.timeout).await?;
    }
    let objs = parse_manifest(&last.manifest)?;
    let kept = rc.applier.delete_all(&objs).await?;
    if hooks {
        run_hooks(&rc.applier, &mut last.hooks, "post-delete", rc.timeout).await?;
    }
    for r in &all {
        match rc.storage.delete(&r.name, r.version).await {
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(format!("deleting release record v{}: {e}", r.version)),
        }
    }
    Ok(kept)
}
