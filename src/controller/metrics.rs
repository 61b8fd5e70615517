//! Prometheus text metrics: reconcile counts, errors, durations, actions by kind.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    reconciles: u64,
    errors: u64,
    duration_sum: f64,
    buckets: [u64; BUCKETS.len()],
    actions: BTreeMap<String, u64>,
}

const BUCKETS: [f64; 8] = [0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 300.0];

impl Metrics {
    pub fn observe(&self, d: Duration, error: bool) {
        if let Ok(mut m) = self.inner.lock() {
            m.reconciles += 1;
            if error {
                m.errors += 1;
            }
            let s = d.as_secs_f64();
            m.duration_sum += s;
            for (i, b) in BUCKETS.iter().enumerate() {
                if s <= *b {
                    if let Some(c) = m.buckets.get_mut(i) {
                        *c += 1;
                    }
                }
            }
        }
    }

    pub fn action(&self, kind: &str) {
        if let Ok(mut m) = self.inner.lock() {
            *m.actions.entry(kind.to_string()).or_default() += 1;
        }
    }

    pub fn render(&self) -> String {
        let Ok(m) = self.inner.lock() else {
            return String::new();
        };
        let mut s = String::new();
        s.push_str("# HELP helmrelease_reconcile_total Reconciles run.\n# TYPE helmrelease_reconcile_total counter\n");
        s.push_str(&format!("helmrelease_reconcile_total {}\n", m.reconciles));
        s.push_str("# HELP helmrelease_reconcile_errors_total Reconciles that failed.\n# TYPE helmrelease_reconcile_errors_total counter\n");
        s.push_str(&format!(
            "helmrelease_reconcile_errors_total {}\n",
            m.errors
        ));
        s.push_str("# HELP helmrelease_reconcile_duration_seconds Reconcile durations.\n# TYPE helmrelease_reconcile_duration_seconds histogram\n");
        for (b, c) in BUCKETS.iter().zip(m.buckets.iter()) {
            s.push_str(&format!(
                "helmrelease_reconcile_duration_seconds_bucket{{le=\"{b}\"}} {c}\n"
            ));
        }
        s.push_str(&format!(
            "helmrelease_reconcile_duration_seconds_bucket{{le=\"+Inf\"}} {}\n",
            m.reconciles
        ));
        s.push_str(&format!(
            "helmrelease_reconcile_duration_seconds_sum {}\nhelmrelease_reconcile_duration_seconds_count {}\n",
            m.duration_sum, m.reconciles
        ));
        s.push_str("# HELP helmrelease_actions_total Release actions by kind.\n# TYPE helmrelease_actions_total counter\n");
        for (k, v) in &m.actions {
            s.push_str(&format!(
                "helmrelease_actions_total{{action=\"{k}\"}} {v}\n"
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        let m = Metrics::default();
        m.observe(Duration::from_millis(20), false);
        m.observe(Duration::from_secs(2), true);
        m.action("install");
        let t = m.render();
        assert!(t.contains("helmrelease_reconcile_total 2\n"));
        assert!(t.contains("helmrelease_reconcile_errors_total 1\n"));
        assert!(t.contains("le=\"0.05\"} 1\n"));
        assert!(t.contains("helmrelease_actions_total{action=\"install\"} 1\n"));
    }
}
