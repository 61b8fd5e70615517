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

/// The revision v1 reports for a chart: the source's own revision (a Git commit) when it
/// has one, else the chart version.
pub fn chart_revision(chart: &super::chart::FetchedChart) -> String {
    chart
        .source_revision
        .clone()
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| chart.version.clone())
}

/// Records the state of the deployed release: release status, revision, history. The
/// revision is `desired.1` when the deployed release holds the chart of digest `desired.0`
/// (so a Git chart reports its commit), else the deployed chart's version.
pub fn record_release(
    st: &mut HelmReleaseStatus,
    history: &[Release],
    desired: Option<(&str, &str)>,
) {
    let last = history.iter().max_by_key(|r| r.version);
    st.release_status = last.map(|r| r.status().to_string());
    if let Some(dep) = history
        .iter()
        .filter(|r| r.status() == crate::storage::Status::Deployed)
        .max_by_key(|r| r.version)
    {
        let snap = snapshot(dep);
        st.revision = Some(match desired {
            Some((digest, rev)) if snap.chart_digest.as_deref() == Some(digest) => rev.to_string(),
            _ => snap.chart_version.clone(),
        });
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

    fn fetched(source_revision: Option<&str>) -> super::super::chart::FetchedChart {
        let mut c = helm_render::Chart::default();
        c.metadata.name = "app".into();
        c.metadata.version = "1.2.3".into();
        let mut f = super::super::chart::fetched(c);
        f.source_revision = source_revision.map(String::from);
        f
    }

    fn deployed(chart: &super::super::chart::FetchedChart) -> Release {
        Release {
            name: "r".into(),
            version: 1,
            chart: Some(super::super::chart::to_stored_chart(&chart.chart)),
            info: Some(crate::storage::Info {
                status: crate::storage::Status::Deployed,
                ..Default::default()
            }),
            ..Release::default()
        }
    }

    #[test]
    fn git_charts_report_their_commit() {
        let git = fetched(Some("0123abcd"));
        assert_eq!(chart_revision(&git), "0123abcd");
        let repo = fetched(None);
        assert_eq!(chart_revision(&repo), "1.2.3");
        assert_eq!(chart_revision(&fetched(Some(""))), "1.2.3");

        let hist = vec![deployed(&git)];
        let mut st = HelmReleaseStatus::default();
        let rev = chart_revision(&git);
        record_release(&mut st, &hist, Some((&git.digest, &rev)));
        assert_eq!(st.revision.as_deref(), Some("0123abcd"));
        assert_eq!(st.release_status.as_deref(), Some("deployed"));
        // Deployed release holds another chart (e.g. after a rollback): its version.
        record_release(&mut st, &hist, Some(("sha256:other", "fedcba98")));
        assert_eq!(st.revision.as_deref(), Some("1.2.3"));
        record_release(&mut st, &hist, None);
        assert_eq!(st.revision.as_deref(), Some("1.2.3"));
    }

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
