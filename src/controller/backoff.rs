//! Backoff of failed release attempts: repeated failures of the same spec (generation,
//! chart digest, values digest) are retried after growing delays, the retry interval
//! doubled per failure up to a cap (the sync interval, or 32 retry intervals when that is
//! longer), instead of at a fixed rate. The count, the failed spec's digest and the time of
//! the next attempt live in the status (`failures`, `lastFailedDigest`, `nextAttemptTime`),
//! so a reconcile triggered early (by the status write itself, or a restart) waits for the
//! remaining time instead of attempting again. A spec change starts afresh.

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use sha2::{Digest, Sha256};

use crate::api::HelmReleaseStatus;

/// Longest exponent used (2^20 retry intervals is beyond any cap).
const MAX_DOUBLINGS: i64 = 20;

/// Identity of an attempted spec.
pub fn attempt_digest(generation: i64, chart_digest: &str, values_digest: &str) -> String {
    let mut h = Sha256::new();
    h.update(generation.to_be_bytes());
    for s in [chart_digest, values_digest] {
        h.update((s.len() as u64).to_be_bytes());
        h.update(s.as_bytes());
    }
    format!("sha256:{:x}", h.finalize())
}

/// The cap of the delays.
pub fn cap(retry: Duration, sync: Duration) -> Duration {
    sync.max(retry.saturating_mul(32))
}

/// Delay after the `failures`-th consecutive failure (1-based): `retry * 2^(failures-1)`,
/// capped.
pub fn delay(failures: i64, retry: Duration, sync: Duration) -> Duration {
    let exp = (failures - 1).clamp(0, MAX_DOUBLINGS);
    let factor = 1u32 << u32::try_from(exp).unwrap_or(0);
    retry.saturating_mul(factor).min(cap(retry, sync))
}

/// How long to wait before attempting `digest` again, if its backoff has not expired.
pub fn remaining(st: &HelmReleaseStatus, digest: &str, now: jiff::Timestamp) -> Option<Duration> {
    if st.last_failed_digest.as_deref() != Some(digest) {
        return None;
    }
    let next = st.next_attempt_time.as_ref()?.0;
    let d = now.duration_until(next);
    if d.is_positive() {
        Duration::try_from(d).ok()
    } else {
        None
    }
}

/// Records a failed attempt of `digest` at `now`; returns the failure count and the time
/// of the next attempt. The time is rounded up to whole seconds (what the API keeps), so
/// the gate never lets an attempt through early.
pub fn record_failure(
    st: &mut HelmReleaseStatus,
    digest: &str,
    retry: Duration,
    sync: Duration,
    now: jiff::Timestamp,
) -> (i64, jiff::Timestamp) {
    let failures = if st.last_failed_digest.as_deref() == Some(digest) {
        st.failures.saturating_add(1)
    } else {
        1
    };
    let d = delay(failures, retry, sync);
    let at = jiff::SignedDuration::try_from(d)
        .ok()
        .and_then(|d| now.checked_add(d).ok())
        .unwrap_or(now);
    let secs = at.as_second() + i64::from(at.subsec_nanosecond() > 0);
    let next = jiff::Timestamp::from_second(secs).unwrap_or(at);
    st.failures = failures;
    st.last_failed_digest = Some(digest.to_string());
    st.next_attempt_time = Some(Time(next));
    (failures, next)
}

/// A success (or a spec that needs nothing) clears the backoff.
pub fn clear(st: &mut HelmReleaseStatus) {
    st.failures = 0;
    st.last_failed_digest = None;
    st.next_attempt_time = None;
}

/// The sentence appended to failure messages.
pub fn note(failures: i64, next: jiff::Timestamp, now: jiff::Timestamp) -> String {
    let wait = Duration::try_from(now.duration_until(next)).unwrap_or_default();
    format!(
        "failed {failures} time(s) in a row; next attempt in {}s (at {next})",
        wait.as_secs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn delays_double_up_to_the_cap() {
        let (retry, sync) = (Duration::from_secs(5), Duration::from_secs(180));
        let got: Vec<u64> = (1..=9).map(|n| delay(n, retry, sync).as_secs()).collect();
        assert_eq!(got, vec![5, 10, 20, 40, 80, 160, 180, 180, 180]);
        // A short sync interval still lets the delays grow to 32 retry intervals.
        let got: Vec<u64> = (1..=8)
            .map(|n| delay(n, MS(300), MS(500)).as_millis() as u64)
            .collect();
        assert_eq!(got, vec![300, 600, 1200, 2400, 4800, 9600, 9600, 9600]);
        assert_eq!(delay(i64::MAX, MS(300), MS(500)), MS(9600));
        assert_eq!(delay(0, MS(300), MS(500)), MS(300));
    }

    #[test]
    fn failures_of_one_spec_accumulate_and_gate() {
        let now = jiff::Timestamp::from_second(1_000).unwrap();
        let mut st = HelmReleaseStatus::default();
        let a = attempt_digest(1, "c", "v");
        let (n, next) = record_failure(&mut st, &a, MS(1500), MS(500), now);
        assert_eq!(n, 1);
        assert_eq!(next.as_second(), 1_002, "rounded up to whole seconds");
        assert_eq!(remaining(&st, &a, now), Some(Duration::from_secs(2)));
        assert_eq!(remaining(&st, &attempt_digest(2, "c", "v"), now), None);
        assert_eq!(remaining(&st, &a, next), None, "expired");
        let (n, next) = record_failure(&mut st, &a, MS(1500), MS(500), next);
        assert_eq!((n, next.as_second()), (2, 1_005));
        // Another spec starts from one.
        let b = attempt_digest(1, "c", "v2");
        let (n, _) = record_failure(&mut st, &b, MS(1500), MS(500), now);
        assert_eq!(n, 1);
        assert!(note(2, next, now).contains("next attempt in 5s"));
        clear(&mut st);
        assert_eq!(st, HelmReleaseStatus::default());
    }
}
