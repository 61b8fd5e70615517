//! Unlock: a `pending-*` revision left by an interrupted operation (crash, kill -9) is
//! marked `failed` so the next decision can act; this keeps a release from staying stuck.

use crate::storage::{Release, Status};

use super::{store_update, ReleaseCtx};

/// Marker in the description of a revision failed by `unlock`.
pub const INTERRUPTED: &str = "by an interrupted operation";

pub async fn unlock(rc: &ReleaseCtx, pending: &Release) -> Result<(), String> {
    let mut r = pending.clone();
    let was = r.status();
    r.set_status(
        Status::Failed,
        format!("Release was left {was} {INTERRUPTED}; marked failed"),
    );
    store_update(&rc.storage, &r).await
}
