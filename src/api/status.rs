//! `HelmRelease` status: v1's fields (`phase`, `releaseName`, `releaseStatus`, `revision`,
//! `lastAttemptedRevision`, `rollbackCount`, `observedGeneration`, `conditions`) plus a
//! `Ready` condition type and a short `history` of deployed revisions with digests.
//!
//! Owns the status shapes and small pure helpers to set conditions (transition time only
//! moves when the status value changes, as v1 did). Deciding what to write is the
//! reconciler's job.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How many `history` entries the operator keeps in status.
pub const MAX_STATUS_HISTORY: usize = 5;

/// HelmReleaseStatus is the observed state of a HelmRelease.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HelmReleaseStatus {
    /// ObservedGeneration is the most recent generation observed by the operator.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub observed_generation: i64,
    /// Phase the release is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    /// ReleaseName is the name as either supplied or generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_name: Option<String>,
    /// ReleaseStatus is the status as given by Helm for the release managed by this
    /// resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_status: Option<String>,
    /// Revision holds the Git hash or version of the chart currently deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// LastAttemptedRevision is the revision of the latest chart sync, and may be of a
    /// failed release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempted_revision: Option<String>,
    /// RollbackCount records the amount of rollback attempts made, it is incremented after a
    /// rollback failure and reset after a successful upgrade or revision change.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rollback_count: i64,
    /// Conditions contains observations of the resource's state, e.g., has the chart which
    /// it refers to been fetched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<HelmReleaseCondition>,
    /// History holds the most recent Helm revisions this resource produced, newest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<ReleaseSnapshot>,
    /// Failures counts the consecutive failed release attempts of the spec identified by
    /// `lastFailedDigest` (addition to v1); reset by a success or a spec change.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub failures: i64,
    /// LastFailedDigest identifies the chart and values of the failed attempts counted by
    /// `failures` (addition to v1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_failed_digest: Option<String>,
    /// NextAttemptTime is when the operator retries the failed spec; retries back off
    /// exponentially (addition to v1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_time: Option<Time>,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

/// Phase of a HelmRelease (v1's `HelmReleasePhase`).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum Phase {
    /// The chart was fetched.
    ChartFetched,
    /// Fetching the chart failed.
    ChartFetchFailed,
    /// Installing.
    Installing,
    /// Upgrading.
    Upgrading,
    /// Install or upgrade succeeded.
    Deployed,
    /// Install or upgrade failed.
    DeployFailed,
    /// Running tests.
    Testing,
    /// Tests failed.
    TestFailed,
    /// Tests passed.
    Tested,
    /// The whole release process succeeded.
    Succeeded,
    /// The release process failed.
    Failed,
    /// Rolling back.
    RollingBack,
    /// Rolled back.
    RolledBack,
    /// Rollback failed.
    RollbackFailed,
}

/// Type of a condition: v1's five plus `Ready`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum ConditionType {
    /// The chart was fetched.
    ChartFetched,
    /// The release was deployed.
    Deployed,
    /// The release process completed (its message is the `Message` printer column).
    Released,
    /// The release was rolled back.
    RolledBack,
    /// The release was tested.
    Tested,
    /// Summary: the release matches the spec and is healthy.
    Ready,
}

/// Status of a condition: `True`, `False` or `Unknown`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum ConditionStatus {
    /// The condition holds.
    True,
    /// The condition does not hold.
    False,
    /// Unknown.
    Unknown,
}

/// HelmReleaseCondition is one observation.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HelmReleaseCondition {
    /// Type of the condition.
    #[serde(rename = "type")]
    pub type_: ConditionType,
    /// Status of the condition.
    pub status: ConditionStatus,
    /// LastUpdateTime is the timestamp corresponding to the last status update of this
    /// condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_time: Option<Time>,
    /// LastTransitionTime is the timestamp corresponding to the last status change of this
    /// condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Time>,
    /// Reason is a brief machine readable explanation for the condition's last transition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Message is a human readable description of the details of the last transition,
    /// complementing reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// ReleaseSnapshot records one Helm revision produced for this HelmRelease.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseSnapshot {
    /// Helm revision number.
    pub version: i64,
    /// Helm release name.
    pub name: String,
    /// Namespace of the release.
    pub namespace: String,
    /// Chart name.
    pub chart_name: String,
    /// Chart version.
    pub chart_version: String,
    /// App version of the chart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
    /// Digest of the chart artifact (`sha256:…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart_digest: Option<String>,
    /// Digest of the composed values (`sha256:…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values_digest: Option<String>,
    /// Helm status of the revision when last observed.
    pub status: String,
    /// When the release was first deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_deployed: Option<Time>,
    /// When this revision was deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_deployed: Option<Time>,
}

impl HelmReleaseStatus {
    /// `condition` returns the condition of `type_`, if any.
    pub fn condition(&self, type_: ConditionType) -> Option<&HelmReleaseCondition> {
        self.conditions.iter().find(|c| c.type_ == type_)
    }

    /// `set_condition` upserts a condition at `now`. `lastTransitionTime` changes only when
    /// the status value changes; `lastUpdateTime` always moves.
    pub fn set_condition(
        &mut self,
        type_: ConditionType,
        status: ConditionStatus,
        reason: &str,
        message: &str,
        now: Time,
    ) {
        let reason = Some(reason.to_string()).filter(|s| !s.is_empty());
        let message = Some(message.to_string()).filter(|s| !s.is_empty());
        match self.conditions.iter_mut().find(|c| c.type_ == type_) {
            Some(c) => {
                if c.status != status {
                    c.last_transition_time = Some(now.clone());
                }
                c.status = status;
                c.last_update_time = Some(now);
                c.reason = reason;
                c.message = message;
            }
            None => self.conditions.push(HelmReleaseCondition {
                type_,
                status,
                last_update_time: Some(now.clone()),
                last_transition_time: Some(now),
                reason,
                message,
            }),
        }
    }

    /// `record_snapshot` puts `snap` first in `history`, replacing an entry with the same
    /// version, and keeps at most `MAX_STATUS_HISTORY` entries.
    pub fn record_snapshot(&mut self, snap: ReleaseSnapshot) {
        self.history
            .retain(|s| !(s.version == snap.version && s.name == snap.name));
        self.history.insert(0, snap);
        self.history.truncate(MAX_STATUS_HISTORY);
    }

    /// `is_ready` reports a `Ready=True` condition.
    pub fn is_ready(&self) -> bool {
        self.condition(ConditionType::Ready)
            .is_some_and(|c| c.status == ConditionStatus::True)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> Time {
        Time(jiff::Timestamp::from_second(secs).unwrap())
    }

    #[test]
    fn transition_time_moves_only_on_change() {
        let mut s = HelmReleaseStatus::default();
        s.set_condition(
            ConditionType::Released,
            ConditionStatus::True,
            "Ok",
            "done",
            t(1),
        );
        s.set_condition(
            ConditionType::Released,
            ConditionStatus::True,
            "Ok",
            "again",
            t(2),
        );
        let c = s.condition(ConditionType::Released).unwrap();
        assert_eq!(c.last_transition_time, Some(t(1)));
        assert_eq!(c.last_update_time, Some(t(2)));
        assert_eq!(c.message.as_deref(), Some("again"));
        s.set_condition(
            ConditionType::Released,
            ConditionStatus::False,
            "Bad",
            "",
            t(3),
        );
        let c = s.condition(ConditionType::Released).unwrap();
        assert_eq!(c.last_transition_time, Some(t(3)));
        assert_eq!(c.message, None);
        assert_eq!(s.conditions.len(), 1);
        assert!(!s.is_ready());
        s.set_condition(ConditionType::Ready, ConditionStatus::True, "", "", t(4));
        assert!(s.is_ready());
    }

    #[test]
    fn history_is_bounded_newest_first() {
        let mut s = HelmReleaseStatus::default();
        for v in 1..=7 {
            s.record_snapshot(ReleaseSnapshot {
                version: v,
                name: "r".into(),
                status: "deployed".into(),
                ..ReleaseSnapshot::default()
            });
        }
        s.record_snapshot(ReleaseSnapshot {
            version: 7,
            name: "r".into(),
            status: "superseded".into(),
            ..ReleaseSnapshot::default()
        });
        let versions: Vec<i64> = s.history.iter().map(|h| h.version).collect();
        assert_eq!(versions, vec![7, 6, 5, 4, 3]);
        assert_eq!(s.history[0].status, "superseded");
    }

    #[test]
    fn v1_status_deserializes() {
        let j = r#"{"observedGeneration":3,"phase":"Succeeded","releaseName":"default-podinfo","releaseStatus":"deployed","revision":"3.2.0","lastAttemptedRevision":"3.2.0","conditions":[{"type":"ChartFetched","status":"True","lastUpdateTime":"2020-04-01T10:00:00Z","lastTransitionTime":"2020-04-01T10:00:00Z","reason":"RepoChartInCache","message":"chart fetched: podinfo-3.2.0.tgz"},{"type":"Released","status":"True","reason":"Succeeded","message":"Release was successful for Helm release 'default-podinfo' in 'default'."}]}"#;
        let s: HelmReleaseStatus = serde_json::from_str(j).unwrap();
        assert_eq!(s.phase, Some(Phase::Succeeded));
        assert_eq!(s.observed_generation, 3);
        assert_eq!(
            s.condition(ConditionType::ChartFetched)
                .unwrap()
                .reason
                .as_deref(),
            Some("RepoChartInCache")
        );
        let back = serde_json::to_value(&s).unwrap();
        assert_eq!(back["conditions"][1]["type"], "Released");
    }
}
