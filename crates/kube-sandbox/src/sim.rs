//! Workload simulation, since no controllers run: the status a controller would write
//! once a Deployment/StatefulSet/DaemonSet/ReplicaSet is rolled out, a Job has finished,
//! a Pod has run, a PVC is bound. The annotation `sandbox.helmrelease.dev/fail: "true"`
//! (on the object or its pod template) makes the object fail instead (Deployment: ProgressDeadlineExceeded; Job: Failed;
//! Pod: Failed).

use crate::util::{get_path, get_str, now_rfc3339};
use serde_json::{json, Value};

/// The annotation that makes a simulated workload fail.
pub const FAIL_ANNOTATION: &str = "sandbox.helmrelease.dev/fail";

/// `simulated` says whether a kind gets a simulated status.
pub fn simulated(kind: &str) -> bool {
    matches!(
        kind,
        "Deployment"
            | "StatefulSet"
            | "DaemonSet"
            | "ReplicaSet"
            | "Job"
            | "Pod"
            | "PersistentVolumeClaim"
            | "Service"
    )
}

/// The annotation counts on the object or on its pod template (a template change also
/// bumps `generation`, so waiters see the new rollout fail).
fn fails(obj: &Value) -> bool {
    get_str(obj, &["metadata", "annotations", FAIL_ANNOTATION]) == Some("true")
        || get_str(
            obj,
            &[
                "spec",
                "template",
                "metadata",
                "annotations",
                FAIL_ANNOTATION,
            ],
        ) == Some("true")
}

fn cond(t: &str, s: &str, reason: &str, msg: &str) -> Value {
    let now = now_rfc3339();
    json!({"type": t, "status": s, "reason": reason, "message": msg,
           "lastTransitionTime": now, "lastUpdateTime": now})
}

/// `status_for` is the simulated status of an object, or `None` if the kind is not simulated
/// (or, for a Service, is not a LoadBalancer).
pub fn status_for(obj: &Value) -> Option<Value> {
    let kind = get_str(obj, &["kind"])?;
    let gen = get_path(obj, &["metadata", "generation"])
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let name = get_str(obj, &["metadata", "name"]).unwrap_or("x");
    let replicas = get_path(obj, &["spec", "replicas"])
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let fail = fails(obj);
    let now = now_rfc3339();
    Some(match kind {
        "Deployment" => {
            if fail {
                json!({"observedGeneration": gen, "replicas": replicas, "updatedReplicas": replicas,
                    "readyReplicas": 0, "availableReplicas": 0, "unavailableReplicas": replicas,
                    "conditions": [
                        cond("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."),
                        cond("Progressing", "False", "ProgressDeadlineExceeded",
                             &format!("ReplicaSet \"{name}\" has timed out progressing."))]})
            } else {
                json!({"observedGeneration": gen, "replicas": replicas, "updatedReplicas": replicas,
                    "readyReplicas": replicas, "availableReplicas": replicas,
                    "conditions": [
                        cond("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
                        cond("Progressing", "True", "NewReplicaSetAvailable",
                             &format!("ReplicaSet \"{name}\" has successfully progressed."))]})
            }
        }
        "StatefulSet" | "ReplicaSet" => {
            let ready = if fail { 0 } else { replicas };
            let mut s = json!({"observedGeneration": gen, "replicas": replicas,
                "readyReplicas": ready, "availableReplicas": ready, "currentReplicas": replicas,
                "updatedReplicas": replicas, "fullyLabeledReplicas": replicas});
            if kind == "StatefulSet" {
                let rev = format!("{name}-{gen}");
                if let Value::Object(m) = &mut s {
                    m.insert("currentRevision".into(), json!(rev));
                    m.insert("updateRevision".into(), json!(rev));
                    m.remove("fullyLabeledReplicas");
                }
            }
            s
        }
        "DaemonSet" => {
            let ready = if fail { 0 } else { 1 };
            json!({"observedGeneration": gen, "currentNumberScheduled": 1, "desiredNumberScheduled": 1,
                "numberAvailable": ready, "numberReady": ready, "updatedNumberScheduled": 1,
                "numberMisscheduled": 0, "numberUnavailable": 1 - ready})
        }
        "Job" => {
            let completions = get_path(obj, &["spec", "completions"])
                .and_then(Value::as_i64)
                .unwrap_or(1);
            if fail {
                json!({"startTime": now, "failed": 1, "active": 0, "ready": 0, "conditions": [
                    cond("FailureTarget", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
                    cond("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit")]})
            } else {
                json!({"startTime": now, "completionTime": now, "succeeded": completions,
                    "active": 0, "ready": 0, "conditions": [
                    cond("SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods"),
                    cond("Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods")]})
            }
        }
        "Pod" => {
            let restart = get_str(obj, &["spec", "restartPolicy"]).unwrap_or("Always");
            let containers: Vec<Value> = get_path(obj, &["spec", "containers"])
                .and_then(Value::as_array)
                .map(|cs| {
                    cs.iter()
                        .map(|c| {
                            json!({"name": c.get("name").cloned().unwrap_or(json!("c")),
                                "image": c.get("image").cloned().unwrap_or(json!("")),
                                "ready": !fail && restart == "Always", "restartCount": 0,
                                "started": restart == "Always"})
                        })
                        .collect()
                })
                .unwrap_or_default();
            let phase = if fail {
                "Failed"
            } else if restart == "Always" {
                "Running"
            } else {
                "Succeeded"
            };
            let ready = if phase == "Running" { "True" } else { "False" };
            json!({"phase": phase, "podIP": "10.244.0.10", "hostIP": "10.0.0.1", "startTime": now,
                "conditions": [cond("Initialized", "True", "", ""), cond("Ready", ready, "", ""),
                               cond("ContainersReady", ready, "", ""), cond("PodScheduled", "True", "", "")],
                "containerStatuses": containers})
        }
        "PersistentVolumeClaim" => {
            let mut s = json!({"phase": "Bound"});
            if let (Some(m), Some(req)) = (
                s.as_object_mut(),
                get_path(obj, &["spec", "resources", "requests"]),
            ) {
                m.insert("capacity".into(), req.clone());
                m.insert(
                    "accessModes".into(),
                    get_path(obj, &["spec", "accessModes"])
                        .cloned()
                        .unwrap_or(json!(["ReadWriteOnce"])),
                );
            }
            s
        }
        "Service" => {
            if get_str(obj, &["spec", "type"]) != Some("LoadBalancer") {
                return None;
            }
            json!({"loadBalancer": {"ingress": [{"ip": "127.0.0.1"}]}})
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_ready_and_failing() {
        let d = json!({"kind": "Deployment", "metadata": {"name": "d", "generation": 3}, "spec": {"replicas": 2}});
        let s = status_for(&d).unwrap_or_default();
        assert_eq!(s["observedGeneration"], 3);
        assert_eq!(s["availableReplicas"], 2);
        let f = json!({"kind": "Deployment", "metadata": {"name": "d",
            "annotations": {FAIL_ANNOTATION: "true"}}, "spec": {"replicas": 1}});
        let s = status_for(&f).unwrap_or_default();
        assert_eq!(s["conditions"][1]["reason"], "ProgressDeadlineExceeded");
    }

    #[test]
    fn job_completes_or_fails() {
        let j = json!({"kind": "Job", "metadata": {"name": "j"}});
        assert_eq!(
            status_for(&j).unwrap_or_default()["conditions"][1]["type"],
            "Complete"
        );
        let f = json!({"kind": "Job", "metadata": {"name": "j", "annotations": {FAIL_ANNOTATION: "true"}}});
        assert_eq!(
            status_for(&f).unwrap_or_default()["conditions"][1]["type"],
            "Failed"
        );
        assert!(status_for(&json!({"kind": "Service", "spec": {}})).is_none());
    }
}
