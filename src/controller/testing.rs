//! `spec.test` in the reconcile: after a successful install or upgrade, run the release's
//! tests and report them (condition `Tested`, reason `TestSucceeded`/`TestFailed`, events
//! of the same reasons, phases `Testing` → `Tested`/`TestFailed`). What a failure does to
//! the release (uninstall after an install, rollback after an upgrade, nothing when
//! `ignoreFailures`) is the caller's, as in v1's release loop.

use crate::api::{ConditionType, HelmRelease, HelmReleaseStatus, Phase};

use super::actions::{test, ReleaseCtx};
use super::{events, status, Ctx};

/// The verdict of a test run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Tests passed (or the chart has none).
    Passed,
    /// Tests failed and `ignoreFailures` leaves the release released.
    Ignored(String),
    /// Tests failed: the release counts as failed.
    Failed(String),
}

/// The message and verdict for a test outcome (pure).
pub fn judge(
    release: &str,
    version: i64,
    outcome: &Result<test::TestOutcome, String>,
    ignore_failures: bool,
) -> (Verdict, String) {
    let failure = match outcome {
        Ok(o) if o.failure.is_none() => {
            let msg = if o.hooks == 0 {
                format!("Release {release} revision {version} has no tests")
            } else {
                format!(
                    "Tests of release {release} revision {version} succeeded ({} test hook(s))",
                    o.hooks
                )
            };
            return (Verdict::Passed, msg);
        }
        Ok(o) => o.failure.clone().unwrap_or_default(),
        Err(e) => e.clone(),
    };
    let msg = format!("Tests of release {release} revision {version} failed: {failure}");
    if ignore_failures {
        (Verdict::Ignored(msg.clone()), msg)
    } else {
        (Verdict::Failed(msg.clone()), msg)
    }
}

/// Runs the tests of revision `version` and records the outcome in `st` and events.
pub async fn test_release(
    hr: &HelmRelease,
    ctx: &Ctx,
    rc: &ReleaseCtx,
    st: &mut HelmReleaseStatus,
    version: i64,
) -> Verdict {
    ctx.metrics.action("test");
    status::set_phase(st, Phase::Testing);
    let outcome = test::run(rc, version, hr.spec.test.timeout()).await;
    let (verdict, msg) = judge(&rc.name, version, &outcome, hr.spec.test.ignore_failures());
    match &verdict {
        Verdict::Passed => {
            status::set_phase(st, Phase::Tested);
            status::set(st, ConditionType::Tested, true, "TestSucceeded", &msg);
            events::publish(&ctx.recorder, hr, false, "TestSucceeded", msg).await;
        }
        Verdict::Ignored(_) => {
            // v1: "test failed - ignoring failures"; the release stays released.
            status::set_phase(st, Phase::Deployed);
            status::set(st, ConditionType::Tested, false, "TestFailed", &msg);
            events::publish(
                &ctx.recorder,
                hr,
                true,
                "TestFailed",
                format!("{msg} (ignored: test.ignoreFailures)"),
            )
            .await;
        }
        Verdict::Failed(_) => {
            status::set_phase(st, Phase::TestFailed);
            status::set(st, ConditionType::Tested, false, "TestFailed", &msg);
            status::mark_not_released(st, "TestFailed", &msg);
            events::publish(&ctx.recorder, hr, true, "TestFailed", msg).await;
        }
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(hooks: usize, failure: Option<&str>) -> Result<test::TestOutcome, String> {
        Ok(test::TestOutcome {
            hooks,
            failure: failure.map(String::from),
        })
    }

    #[test]
    fn verdicts() {
        let (v, m) = judge("r", 2, &ok(2, None), false);
        assert_eq!(v, Verdict::Passed);
        assert!(m.contains("succeeded (2 test hook(s))"), "{m}");
        let (v, m) = judge("r", 2, &ok(0, None), false);
        assert_eq!(v, Verdict::Passed);
        assert!(m.contains("no tests"), "{m}");
        let (v, m) = judge(
            "r",
            3,
            &ok(1, Some("test hook t failed: pod t failed")),
            false,
        );
        assert_eq!(v, Verdict::Failed(m.clone()));
        assert!(m.contains("revision 3 failed: test hook t failed"), "{m}");
        let (v, _) = judge("r", 3, &ok(1, Some("x")), true);
        assert!(matches!(v, Verdict::Ignored(_)));
        let (v, m) = judge("r", 3, &Err("reading release r v3: gone".into()), false);
        assert!(matches!(v, Verdict::Failed(_)) && m.contains("gone"));
    }
}
