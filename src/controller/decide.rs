//! The pure decision: from what `observe` saw (release history digests and states) and the
//! desired chart/values digests, choose one action. No I/O here; table-tested below.

use crate::storage::Status;

/// One stored revision, reduced to what the decision needs.
#[derive(Debug, Clone, PartialEq)]
pub struct RevisionFacts {
    pub version: i64,
    pub status: Status,
    pub chart_digest: String,
    pub values_digest: String,
    /// Created by a rollback (its description starts with "Rollback to").
    pub is_rollback: bool,
    /// Failed because an operation was interrupted (crash), not by its own fault: it does
    /// not count as a failed attempt.
    pub interrupted: bool,
    /// Its last test run failed (a test hook's `last_run.phase` is `Failed`).
    pub tests_failed: bool,
}

/// Everything the decision looks at.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Facts {
    pub deleting: bool,
    /// Newest first.
    pub history: Vec<RevisionFacts>,
    pub desired_chart_digest: String,
    pub desired_values_digest: String,
    pub rollback_enabled: bool,
    pub rollback_retry: bool,
    pub rollback_max_retries: i64,
    /// `test.enable` without `ignoreFailures`: a revision whose tests failed counts as a
    /// failed attempt, as v1 treats a failed test like a failed release.
    pub tests_gate: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Nothing to do.
    NoOp,
    /// Same spec already failed and no retry is allowed: wait for a spec change.
    Hold {
        failed_attempts: i64,
    },
    Install,
    /// Purge the release records (and objects) of a failed or half-removed release, then
    /// install.
    Reinstall,
    Upgrade,
    /// Mark a pending revision left by a crash as failed, then decide again.
    Unlock {
        version: i64,
    },
    Uninstall,
    /// Deleting and no release exists: just drop the finalizer.
    Forget,
}

impl Facts {
    fn matches_desired(&self, r: &RevisionFacts) -> bool {
        r.chart_digest == self.desired_chart_digest && r.values_digest == self.desired_values_digest
    }

    fn failed(&self, r: &RevisionFacts) -> bool {
        r.status == Status::Failed || (self.tests_gate && r.tests_failed)
    }

    fn may_retry(&self, failed_attempts: i64) -> bool {
        self.rollback_enabled
            && self.rollback_retry
            // As in v1, `maxRetries: 0` means no limit.
            && (self.rollback_max_retries <= 0 || failed_attempts <= self.rollback_max_retries)
    }
}

pub fn decide(f: &Facts) -> Decision {
    let last = f.history.iter().max_by_key(|r| r.version);
    if f.deleting {
        return if last.is_some() {
            Decision::Uninstall
        } else {
            Decision::Forget
        };
    }
    let Some(last) = last else {
        return Decision::Install;
    };
    if last.status.is_pending() {
        return Decision::Unlock {
            version: last.version,
        };
    }
    let deployed = f
        .history
        .iter()
        .filter(|r| r.status == Status::Deployed)
        .max_by_key(|r| r.version);
    let Some(deployed) = deployed else {
        // Failed install, interrupted uninstall, or only superseded records.
        return Decision::Reinstall;
    };
    // Failed attempts at the desired spec since the last successful install/upgrade.
    let mut sorted: Vec<&RevisionFacts> = f.history.iter().collect();
    sorted.sort_by_key(|r| std::cmp::Reverse(r.version));
    let mut failed_attempts = 0i64;
    for r in sorted {
        if f.failed(r) {
            if f.matches_desired(r) && !r.interrupted {
                failed_attempts += 1;
            }
            continue;
        }
        if (r.status == Status::Deployed || r.status == Status::Superseded) && !r.is_rollback {
            break;
        }
    }
    let in_sync = f.matches_desired(deployed);
    if in_sync {
        if f.tests_gate && deployed.tests_failed && !deployed.is_rollback {
            // Deployed, but its tests failed and nothing rolled it back: the attempt
            // failed; retry only as rollback.retry allows.
            if f.may_retry(failed_attempts) {
                return Decision::Upgrade;
            }
            return Decision::Hold { failed_attempts };
        }
        if last.status == Status::Failed && !deployed.is_rollback {
            // A failed upgrade of another spec left objects behind; the spec went back to
            // the deployed one (Git revert): upgrade to it again.
            return Decision::Upgrade;
        }
        return Decision::NoOp;
    }
    if failed_attempts > 0 && !f.may_retry(failed_attempts) {
        return Decision::Hold { failed_attempts };
    }
    Decision::Upgrade
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(version: i64, status: Status, d: &str) -> RevisionFacts {
        RevisionFacts {
            version,
            status,
            chart_digest: format!("c{d}"),
            values_digest: format!("v{d}"),
            is_rollback: false,
            interrupted: false,
            tests_failed: false,
        }
    }

    fn facts(history: Vec<RevisionFacts>, want: &str) -> Facts {
        Facts {
            history,
            desired_chart_digest: format!("c{want}"),
            desired_values_digest: format!("v{want}"),
            rollback_max_retries: 5,
            ..Facts::default()
        }
    }

    #[test]
    fn table() {
        use Decision::*;
        let rb = |mut r: RevisionFacts| {
            r.is_rollback = true;
            r
        };
        let cases: Vec<(&str, Facts, Decision)> = vec![
            ("empty", facts(vec![], "1"), Install),
            (
                "in sync",
                facts(vec![rev(1, Status::Deployed, "1")], "1"),
                NoOp,
            ),
            (
                "values changed",
                facts(vec![rev(1, Status::Deployed, "1")], "2"),
                Upgrade,
            ),
            (
                "pending install",
                facts(vec![rev(1, Status::PendingInstall, "1")], "1"),
                Unlock { version: 1 },
            ),
            (
                "pending upgrade",
                facts(
                    vec![
                        rev(1, Status::Deployed, "1"),
                        rev(2, Status::PendingUpgrade, "2"),
                    ],
                    "2",
                ),
                Unlock { version: 2 },
            ),
            (
                "pending rollback",
                facts(
                    vec![
                        rev(1, Status::Superseded, "1"),
                        rev(2, Status::Failed, "2"),
                        rev(3, Status::PendingRollback, "1"),
                    ],
                    "2",
                ),
                Unlock { version: 3 },
            ),
            (
                "failed install",
                facts(vec![rev(1, Status::Failed, "1")], "1"),
                Reinstall,
            ),
            (
                "uninstalling",
                facts(vec![rev(1, Status::Uninstalling, "1")], "1"),
                Reinstall,
            ),
            (
                "uninstalled",
                facts(vec![rev(1, Status::Uninstalled, "1")], "1"),
                Reinstall,
            ),
            (
                "failed upgrade same spec, no rollback",
                facts(
                    vec![rev(1, Status::Deployed, "1"), rev(2, Status::Failed, "2")],
                    "2",
                ),
                Hold { failed_attempts: 1 },
            ),
            (
                "failed upgrade, new spec",
                facts(
                    vec![rev(1, Status::Deployed, "1"), rev(2, Status::Failed, "2")],
                    "3",
                ),
                Upgrade,
            ),
            (
                "failed upgrade, spec reverted",
                facts(
                    vec![rev(1, Status::Deployed, "1"), rev(2, Status::Failed, "2")],
                    "1",
                ),
                Upgrade,
            ),
            (
                "rolled back, same spec, no retry",
                facts(
                    vec![
                        rev(1, Status::Superseded, "1"),
                        rev(2, Status::Failed, "2"),
                        rb(rev(3, Status::Deployed, "1")),
                    ],
                    "2",
                ),
                Hold { failed_attempts: 1 },
            ),
            (
                "rolled back, spec reverted",
                facts(
                    vec![
                        rev(1, Status::Superseded, "1"),
                        rev(2, Status::Failed, "2"),
                        rb(rev(3, Status::Deployed, "1")),
                    ],
                    "1",
                ),
                NoOp,
            ),
            (
                "superseded only",
                facts(vec![rev(1, Status::Superseded, "1")], "1"),
                Reinstall,
            ),
        ];
        for (name, f, want) in cases {
            assert_eq!(decide(&f), want, "{name}");
        }
    }

    #[test]
    fn retry_until_max() {
        let mut f = facts(
            vec![
                rev(1, Status::Superseded, "1"),
                rev(2, Status::Failed, "2"),
                RevisionFacts {
                    is_rollback: true,
                    ..rev(3, Status::Superseded, "1")
                },
                rev(4, Status::Failed, "2"),
                RevisionFacts {
                    is_rollback: true,
                    ..rev(5, Status::Deployed, "1")
                },
            ],
            "2",
        );
        f.rollback_enabled = true;
        f.rollback_retry = true;
        f.rollback_max_retries = 2;
        assert_eq!(decide(&f), Decision::Upgrade);
        f.rollback_max_retries = 1;
        assert_eq!(decide(&f), Decision::Hold { failed_attempts: 2 });
        f.rollback_max_retries = 0;
        assert_eq!(
            decide(&f),
            Decision::Upgrade,
            "maxRetries 0 means unlimited"
        );
    }

    #[test]
    fn interrupted_revision_is_not_an_attempt() {
        let f = facts(
            vec![
                rev(1, Status::Deployed, "1"),
                RevisionFacts {
                    interrupted: true,
                    ..rev(2, Status::Failed, "2")
                },
            ],
            "2",
        );
        assert_eq!(decide(&f), Decision::Upgrade);
    }

    #[test]
    fn failed_tests_count_as_failed_attempts() {
        let tf = |mut r: RevisionFacts| {
            r.tests_failed = true;
            r
        };
        // Upgrade deployed but its tests failed, no rollback: hold.
        let mut f = facts(
            vec![
                rev(1, Status::Superseded, "1"),
                tf(rev(2, Status::Deployed, "2")),
            ],
            "2",
        );
        f.tests_gate = true;
        assert_eq!(decide(&f), Decision::Hold { failed_attempts: 1 });
        // ignoreFailures (no gate): in sync.
        f.tests_gate = false;
        assert_eq!(decide(&f), Decision::NoOp);
        // Rolled back after failed tests: the tested revision is a failed attempt.
        let mut f = facts(
            vec![
                rev(1, Status::Superseded, "1"),
                tf(rev(2, Status::Superseded, "2")),
                RevisionFacts {
                    is_rollback: true,
                    ..rev(3, Status::Deployed, "1")
                },
            ],
            "2",
        );
        f.tests_gate = true;
        f.rollback_enabled = true;
        assert_eq!(decide(&f), Decision::Hold { failed_attempts: 1 });
        f.rollback_retry = true;
        assert_eq!(decide(&f), Decision::Upgrade, "retry allowed");
        f.rollback_max_retries = 0;
        assert_eq!(decide(&f), Decision::Upgrade);
        // A new spec upgrades regardless.
        f.rollback_retry = false;
        f.desired_values_digest = "v9".into();
        assert_eq!(decide(&f), Decision::Upgrade);
    }

    #[test]
    fn deleting() {
        let mut f = facts(vec![rev(1, Status::Deployed, "1")], "1");
        f.deleting = true;
        assert_eq!(decide(&f), Decision::Uninstall);
        f.history.clear();
        assert_eq!(decide(&f), Decision::Forget);
    }
}
