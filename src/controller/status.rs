//! Status bookkeeping: conditions, phase and history changed only when their content
//! changes, so a reconcile with nothing to do produces a status equal to the stored one and
//! no write. Times are kept at whole seconds (what the API round-trips).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use crate::api::{ConditionStatus, ConditionType, HelmReleaseStatus, Phase, ReleaseSnapshot};
use crate::storage::{GoTime, Release};

use super::chart::chart_digest;
use super::values::values_digest;

pub fn now() -> Time {
    let secs = jiff::Timestamp::now().as_second();
    Time(jiff::Timestamp::from_second(secs).unwrap_or(jiff::Timestamp::UNIX_EPOCH))
}

fn go_time(t: &GoTime) -> Option<Time> {
    if t.is_zero() {
        return None;
    }
    jiff::Timestamp::from_second(t.unix_seconds())
        .ok()
        .map(Time)
}

/// Sets a condition unless it already says exactly this.
pub fn set(
    st: &mut HelmReleaseStatus,
    t: ConditionType,
    status: bool,
    reason: &str,
    message: &str,
) {
    let s = if status {
        ConditionStatus::True
    } else {
        ConditionStatus::False
    };
    if let Some(c) = st.condition(t) {
        if c.status == s
            && c.reason.as_deref().unwrap_or("") == reason
            && c.message.as_deref().unwrap_or("") == message
        {
            return;
        }
    }
    st.set_condition(t, s, reason, message, now());
}

pub fn set_phase(st: &mut HelmReleaseStatus, p: Phase) {
    st.phase = Some(p);
}

/// Snapshot of a release for `status.history`.
pub fn snapshot(r: &Release) -> ReleaseSnapshot {
    let md = r.chart.as_ref().and_then(|c| c.metadata.as_ref());
    ReleaseSnapshot {
        version: r.version,
        name: r.name.clone(),
        namespace: r.namespace.clone(),
        chart_name: md.map(|m| m.name.clone()).unwrap_or_default(),
        chart_version: md.map(|m| m.version.clone()).unwrap_or_default(),
        app_version: md.map(|m| m.app_version.clone()).filter(|s| !s.is_empty()),
        chart_digest: r.chart.as_ref().map(chart_digest),
        values_digest: Some(values_digest(&r.config)),
        status: r.status().to_string(),
        first_deployed: r.info.as_ref().and_then(|i| go_time(&i.first_deployed)),
        last_deployed: r.info.as_ref().and_then(|i| go_time(&i.last_deployed)),
    }
}

/// Records the state of the deployed release: release status, revision (chart version),
/// history.
pub fn record_release(st: &mut HelmReleaseStatus, history: &[Release]) {
    let last = history.iter().max_by_key(|r| r.version);
    st.release_status = last.map(|r| r.status().to_string());
    if let Some(dep) = history
        .iter()
        .filter(|r| r.status() == crate::storage::Status::Deployed)
        .max_by_key(|r| r.version)
    {
        let snap = snapshot(dep);
        st.revision = Some(snap.chart_version.clone());
        if st.history.first() != Some(&snap) {
            st.record_snapshot(snap);
        }
    }
}

/// A release in sync with its spec: Deployed, Released and Ready all true with `msg`.
pub fn mark_synced(st: &mut HelmReleaseStatus, msg: &str) {
    set(st, ConditionType::Deployed, true, "Success", msg);
    set(st, ConditionType::Released, true, "Success", msg);
    set(st, ConditionType::Ready, true, "Success", msg);
}

/// The spec could not be released: Released and Ready false with `reason` and `msg`.
pub fn mark_not_released(st: &mut HelmReleaseStatus, reason: &str, msg: &str) {
    set(st, ConditionType::Released, false, reason, msg);
    set(st, ConditionType::Ready, false, reason, msg);
}

/// The message of a release in sync (identical across reconciles on purpose).
pub fn synced_message(version: i64, chart: &str, chart_version: &str) -> String {
    format!("Helm release sync succeeded: revision {version} (chart {chart}-{chart_version})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_is_idempotent() {
        let mut st = HelmReleaseStatus::default();
        set(&mut st, ConditionType::Ready, true, "Ok", "m");
        let before = st.clone();
        set(&mut st, ConditionType::Ready, true, "Ok", "m");
        assert_eq!(st, before);
        set(&mut st, ConditionType::Ready, false, "Bad", "m");
        assert_ne!(st, before);
    }
}
