//! Release tests (`spec.test`), as `helm test` runs them: the revision's `helm.sh/hook:
//! test` hooks (Pods, Jobs) run in weight-then-name order, each waited for until it
//! completes, with the hooks' delete policies (`before-hook-creation` by default); the
//! first failure stops the run. The hooks' `last_run` (start, end, phase) is written back
//! to the stored revision, as Helm's `ReleaseTesting.Run` updates the release, whether the
//! tests passed or not. The release status itself is not changed.

use std::time::Duration;

use crate::storage::Release;

use super::super::hooks::run_hooks;
use super::{store_update, ReleaseCtx};

/// Helm's hook event for tests.
pub const TEST_EVENT: &str = "test";

/// What a test run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestOutcome {
    /// Number of test hooks of the revision.
    pub hooks: usize,
    /// The first failure (`None`: all passed, or there were no tests).
    pub failure: Option<String>,
}

/// Number of test hooks of a revision.
pub fn test_hooks(rel: &Release) -> usize {
    rel.hooks
        .iter()
        .filter(|h| h.events.iter().any(|e| e == TEST_EVENT))
        .count()
}

/// Whether the last test run of a revision failed (a test hook's `last_run.phase` is
/// `Failed`).
pub fn tests_failed(rel: &Release) -> bool {
    rel.hooks
        .iter()
        .any(|h| h.events.iter().any(|e| e == TEST_EVENT) && h.last_run.phase == "Failed")
}

/// Whether a revision has tests that never ran (tests were enabled after it was
/// deployed). Rollback revisions are not tested, as in v1.
pub fn untested(rel: &Release) -> bool {
    let rollback = rel
        .info
        .as_ref()
        .is_some_and(|i| i.description.starts_with("Rollback to"));
    let mut tests = rel
        .hooks
        .iter()
        .filter(|h| h.events.iter().any(|e| e == TEST_EVENT))
        .peekable();
    !rollback && tests.peek().is_some() && tests.all(|h| h.last_run.started_at.is_zero())
}

/// Runs the tests of revision `version` and records their runs in it. `Err` only when the
/// revision cannot be read or written; failing tests are an `Ok` outcome with `failure`.
pub async fn run(rc: &ReleaseCtx, version: i64, timeout: Duration) -> Result<TestOutcome, String> {
    let mut rel = rc
        .storage
        .get(&rc.name, version)
        .await
        .map_err(|e| format!("reading release {} v{version}: {e}", rc.name))?;
    let hooks = test_hooks(&rel);
    let result = run_hooks(&rc.applier, &mut rel.hooks, TEST_EVENT, timeout).await;
    store_update(&rc.storage, &rel).await?;
    Ok(TestOutcome {
        hooks,
        failure: result.err(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{Hook, HookExecution};

    fn hook(name: &str, events: &[&str], phase: &str) -> Hook {
        Hook {
            name: name.into(),
            events: events.iter().map(|e| e.to_string()).collect(),
            last_run: HookExecution {
                phase: phase.into(),
                ..HookExecution::default()
            },
            ..Hook::default()
        }
    }

    #[test]
    fn failed_test_hooks_are_detected() {
        let mut rel = Release {
            hooks: vec![
                hook("pre", &["pre-install"], "Failed"),
                hook("t1", &["test"], "Succeeded"),
            ],
            ..Release::default()
        };
        assert_eq!(test_hooks(&rel), 1);
        assert!(!tests_failed(&rel), "a failed non-test hook does not count");
        rel.hooks.push(hook("t2", &["test"], "Failed"));
        assert_eq!(test_hooks(&rel), 2);
        assert!(tests_failed(&rel));
        rel.hooks.truncate(1);
        assert_eq!(test_hooks(&rel), 0);
        assert!(!tests_failed(&rel));
    }

    #[test]
    fn untested_revisions() {
        let mut rel = Release {
            hooks: vec![hook("pre", &["pre-install"], ""), hook("t", &["test"], "")],
            ..Release::default()
        };
        assert!(untested(&rel));
        rel.hooks[1].last_run.started_at = crate::storage::GoTime::now();
        assert!(!untested(&rel), "ran once");
        rel.hooks[1].last_run.started_at = Default::default();
        rel.set_status(crate::storage::Status::Deployed, "Rollback to 1");
        assert!(!untested(&rel), "rollbacks are not tested");
        rel.set_status(crate::storage::Status::Deployed, "Upgrade complete");
        rel.hooks.truncate(1);
        assert!(!untested(&rel), "no tests");
    }
}
