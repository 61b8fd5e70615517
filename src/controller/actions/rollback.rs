//! Rollback: revision N+1 from the target revision's stored chart, values, manifest and
//! hooks (`pending-rollback` → `deployed`), pruning objects the current revision has and the
//! target does not; the previous deployed revision and the current one become `superseded`.
//!
//! `rollback.*` options as Helm's rollback action takes them: `timeout` bounds the wait and
//! the hooks, `disableHooks` skips pre/post-rollback hooks, `force` replaces objects
//! (`--force-replace`, recorded as client-side apply). `recreate` is accepted and does
//! nothing: Helm 4's rollback has no pod recreation (Helm 3 deprecated `--recreate-pods`).

use crate::storage::{GoTime, Release, Status};

use super::super::apply::parse_manifest;
use super::super::hooks::run_hooks;
use super::super::wait::{readiness, wait_all};
use super::{store_create, store_update, ReleaseCtx};

/// How to roll back (from `spec.rollback`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollbackOpts {
    pub wait: bool,
    pub timeout: std::time::Duration,
    pub force: bool,
    pub disable_hooks: bool,
    /// Accepted for v1 compatibility; a no-op as in Helm 4.
    pub recreate: bool,
}

impl RollbackOpts {
    pub fn from_spec(r: &crate::api::Rollback, release_wait: bool) -> Self {
        RollbackOpts {
            wait: r.wait || release_wait,
            timeout: r.timeout(),
            force: r.force,
            disable_hooks: r.disable_hooks,
            recreate: r.recreate,
        }
    }
}

/// The revision to roll back to: Helm's default target is the one before the last; we
/// take the newest revision before the last that was deployed or superseded (the same
/// revision whenever the previous attempt was rolled back), never a failed one.
pub fn target(history: &[Release]) -> Option<&Release> {
    let last = history.iter().map(|r| r.version).max()?;
    history
        .iter()
        .filter(|r| r.version < last)
        .filter(|r| matches!(r.status(), Status::Deployed | Status::Superseded))
        .max_by_key(|r| r.version)
}

pub async fn rollback(
    rc: &ReleaseCtx,
    history: &[Release],
    opts: &RollbackOpts,
) -> Result<i64, String> {
    let last = history
        .iter()
        .max_by_key(|r| r.version)
        .ok_or_else(|| format!("release {} has no revisions", rc.name))?;
    let target = target(history).ok_or_else(|| {
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
    rel.apply_method = super::apply_method(opts.force).to_string();
    let objs = parse_manifest(&target.manifest)?;
    let current_objs = parse_manifest(&last.manifest)?;
    store_create(&rc.storage, &rel).await?;
    let result = async {
        if !opts.disable_hooks {
            run_hooks(&rc.applier, &mut rel.hooks, "pre-rollback", opts.timeout).await?;
        }
        rc.applier.update_all(&objs, opts.force).await?;
        rc.applier.prune(&current_objs, &objs).await?;
        if opts.wait {
            wait_all(&rc.applier, &objs, opts.timeout, readiness).await?;
        }
        if !opts.disable_hooks {
            run_hooks(&rc.applier, &mut rel.hooks, "post-rollback", opts.timeout).await?;
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => {
            // Helm supersedes every deployed revision, keeping their descriptions.
            for r in history.iter().filter(|r| r.status() == Status::Deployed) {
                store_update(&rc.storage, &super::superseded(r)).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(version: i64, status: Status) -> Release {
        Release {
            version,
            info: Some(crate::storage::Info {
                status,
                ..Default::default()
            }),
            ..Release::default()
        }
    }

    #[test]
    fn target_is_the_newest_good_revision_before_the_last() {
        let v = |h: &[Release]| target(h).map(|r| r.version);
        // Failed upgrade: the deployed one before it.
        assert_eq!(
            v(&[rel(1, Status::Deployed), rel(2, Status::Failed)]),
            Some(1)
        );
        // Upgrade deployed but its tests failed: the superseded one before it.
        assert_eq!(
            v(&[rel(1, Status::Superseded), rel(2, Status::Deployed)]),
            Some(1)
        );
        // Retries: the last rollback revision; never a failed revision.
        assert_eq!(
            v(&[
                rel(1, Status::Superseded),
                rel(2, Status::Failed),
                rel(3, Status::Deployed),
                rel(4, Status::Failed),
            ]),
            Some(3)
        );
        assert_eq!(
            v(&[
                rel(1, Status::Superseded),
                rel(2, Status::Failed),
                rel(3, Status::Failed)
            ]),
            Some(1)
        );
        assert_eq!(v(&[rel(1, Status::Failed)]), None);
        assert_eq!(v(&[]), None);
    }

    #[test]
    fn options_follow_the_spec() {
        let spec = crate::api::Rollback {
            enable: true,
            force: true,
            disable_hooks: true,
            timeout: Some(7),
            ..Default::default()
        };
        let o = RollbackOpts::from_spec(&spec, false);
        assert!(o.force && o.disable_hooks && !o.wait && !o.recreate);
        assert_eq!(o.timeout, std::time::Duration::from_secs(7));
        assert!(RollbackOpts::from_spec(&spec, true).wait);
        let d = RollbackOpts::from_spec(&crate::api::Rollback::default(), false);
        assert_eq!(d.timeout, std::time::Duration::from_secs(300));
    }
}
