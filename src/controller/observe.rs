//! Observe: read the release history from Helm storage and reduce it to decision facts
//! (digests of each stored revision's chart and values).

use crate::storage::{Release, Storage};

use super::chart::chart_digest;
use super::decide::RevisionFacts;
use super::values::values_digest;

/// Full history (any order); empty when there is none.
pub async fn history(storage: &Storage, name: &str) -> Result<Vec<Release>, String> {
    match storage.history(name).await {
        Ok(h) => Ok(h),
        Err(e) if e.is_not_found() => Ok(Vec::new()),
        Err(e) => Err(format!("reading release history of {name}: {e}")),
    }
}

pub fn facts_of(r: &Release) -> RevisionFacts {
    RevisionFacts {
        version: r.version,
        status: r.status(),
        chart_digest: r.chart.as_ref().map(chart_digest).unwrap_or_default(),
        values_digest: values_digest(&r.config),
        is_rollback: r
            .info
            .as_ref()
            .is_some_and(|i| i.description.starts_with("Rollback to")),
        interrupted: r
            .info
            .as_ref()
            .is_some_and(|i| i.description.contains(super::actions::unlock::INTERRUPTED)),
        tests_failed: super::actions::test::tests_failed(r),
    }
}
