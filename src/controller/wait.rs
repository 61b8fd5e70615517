//! Readiness waits: Deployments/StatefulSets/DaemonSets ready, Jobs complete, PVCs bound,
//! Pods running or succeeded, LoadBalancer Services with an address. Polls with a deadline;
//! a workload that reports failure (Deployment `ProgressDeadlineExceeded`, Job `Failed`,
//! Pod `Failed`) fails the wait at once.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::apply::{Applier, Object};

const POLL: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, PartialEq)]
pub enum Readiness {
    Ready,
    Pending(String),
    Failed(String),
}

fn int(v: &Value, p: &str) -> i64 {
    v.pointer(p).and_then(Value::as_i64).unwrap_or(0)
}

fn cond<'a>(v: &'a Value, t: &str) -> Option<&'a Value> {
    v.pointer("/status/conditions")
        .and_then(Value::as_array)?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(t))
}

fn cond_status(v: &Value, t: &str) -> Option<String> {
    cond(v, t)
        .and_then(|c| c.get("status"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Readiness of one object as read from the cluster (pure).
pub fn readiness(kind: &str, v: &Value) -> Readiness {
    let name = v
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let generation = int(v, "/metadata/generation");
    let observed = int(v, "/status/observedGeneration");
    match kind {
        "Deployment" => {
            if let Some(c) = cond(v, "Progressing") {
                // A stale failure from before this generation does not count.
                if observed >= generation
                    && c.get("reason").and_then(Value::as_str) == Some("ProgressDeadlineExceeded")
                {
                    return Readiness::Failed(format!(
                        "Deployment {name} exceeded its progress deadline"
                    ));
                }
            }
            let want = v
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            if observed < generation {
                return Readiness::Pending(format!("Deployment {name}: not observed yet"));
            }
            let updated = int(v, "/status/updatedReplicas");
            let ready = int(v, "/status/readyReplicas");
            if updated >= want && ready >= want {
                Readiness::Ready
            } else {
                Readiness::Pending(format!(
                    "Deployment {name}: {ready} of {want} replicas ready"
                ))
            }
        }
        "StatefulSet" => {
            let want = v
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            let ready = int(v, "/status/readyReplicas");
            if observed >= generation && ready >= want {
                Readiness::Ready
            } else {
                Readiness::Pending(format!(
                    "StatefulSet {name}: {ready} of {want} replicas ready"
                ))
            }
        }
        "DaemonSet" => {
            let want = int(v, "/status/desiredNumberScheduled");
            let ready = int(v, "/status/numberReady");
            if observed >= generation && ready >= want && v.pointer("/status").is_some() {
                Readiness::Ready
            } else {
                Readiness::Pending(format!("DaemonSet {name}: {ready} of {want} pods ready"))
            }
        }
        "Job" => {
            if cond_status(v, "Failed").as_deref() == Some("True") {
                let msg = cond(v, "Failed")
                    .and_then(|c| c.get("message").or_else(|| c.get("reason")))
                    .and_then(Value::as_str)
                    .unwrap_or("failed");
                return Readiness::Failed(format!("job {name} failed: {msg}"));
            }
            if cond_status(v, "Complete").as_deref() == Some("True") {
                Readiness::Ready
            } else {
                Readiness::Pending(format!("Job {name}: not complete"))
            }
        }
        "Pod" => match v.pointer("/status/phase").and_then(Value::as_str) {
            Some("Succeeded") | Some("Running") => Readiness::Ready,
            Some("Failed") => Readiness::Failed(format!("pod {name} failed")),
            _ => Readiness::Pending(format!("Pod {name}: not running")),
        },
        "PersistentVolumeClaim" => {
            if v.pointer("/status/phase").and_then(Value::as_str) == Some("Bound") {
                Readiness::Ready
            } else {
                Readiness::Pending(format!("PersistentVolumeClaim {name}: not bound"))
            }
        }
        "Service" => {
            if v.pointer("/spec/type").and_then(Value::as_str) == Some("LoadBalancer")
                && v.pointer("/status/loadBalancer/ingress")
                    .and_then(Value::as_array)
                    .is_none_or(|a| a.is_empty())
            {
                Readiness::Pending(format!("Service {name}: no load balancer address"))
            } else {
                Readiness::Ready
            }
        }
        _ => Readiness::Ready,
    }
}

/// Hook completion: Jobs complete, Pods succeeded.
pub fn hook_done(kind: &str, v: &Value) -> Readiness {
    if kind == "Pod" {
        let name = v
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        return match v.pointer("/status/phase").and_then(Value::as_str) {
            Some("Succeeded") => Readiness::Ready,
            Some("Failed") => Readiness::Failed(format!("pod {name} failed")),
            _ => Readiness::Pending(format!("Pod {name}: not succeeded")),
        };
    }
    readiness(kind, v)
}

/// Waits for every object until ready, failed or the deadline.
pub async fn wait_all(
    applier: &Applier,
    objs: &[Object],
    timeout: Duration,
    check: fn(&str, &Value) -> Readiness,
) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    for o in objs {
        loop {
            let state = match applier.get(o).await? {
                Some(obj) => {
                    let v = serde_json::to_value(&obj).map_err(|e| e.to_string())?;
                    check(&o.kind, &v)
                }
                None => Readiness::Pending(format!("{} {} not found", o.kind, o.name)),
            };
            match state {
                Readiness::Ready => break,
                Readiness::Failed(m) => return Err(m),
                Readiness::Pending(m) => {
                    if Instant::now() >= deadline {
                        return Err(format!("timed out waiting for the condition: {m}"));
                    }
                    tokio::time::sleep(POLL).await;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deployment_states() {
        let pending = json!({"metadata": {"name": "d", "generation": 2}, "spec": {"replicas": 2},
            "status": {"observedGeneration": 2, "readyReplicas": 1, "updatedReplicas": 2}});
        assert!(matches!(
            readiness("Deployment", &pending),
            Readiness::Pending(_)
        ));
        let ready = json!({"metadata": {"name": "d", "generation": 2}, "spec": {"replicas": 2},
            "status": {"observedGeneration": 2, "readyReplicas": 2, "updatedReplicas": 2}});
        assert_eq!(readiness("Deployment", &ready), Readiness::Ready);
        let failed = json!({"metadata": {"name": "d"}, "status": {"conditions": [
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}});
        assert!(matches!(
            readiness("Deployment", &failed),
            Readiness::Failed(_)
        ));
    }

    #[test]
    fn job_and_pvc() {
        let done = json!({"status": {"conditions": [{"type": "Complete", "status": "True"}]}});
        assert_eq!(readiness("Job", &done), Readiness::Ready);
        let failed = json!({"status": {"conditions": [{"type": "Failed", "status": "True", "message": "BackoffLimitExceeded"}]}});
        assert!(matches!(readiness("Job", &failed), Readiness::Failed(_)));
        assert!(matches!(
            readiness(
                "PersistentVolumeClaim",
                &json!({"status": {"phase": "Pending"}})
            ),
            Readiness::Pending(_)
        ));
        assert!(matches!(
            hook_done("Pod", &json!({"status": {"phase": "Running"}})),
            Readiness::Pending(_)
        ));
    }
}
