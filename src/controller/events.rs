//! Kubernetes Events for every action (shown by `kubectl describe helmrelease`). Messages
//! name releases, revisions and charts only: never values.

use kube::runtime::events::{Event, EventType, Recorder};
use kube::Resource;

use crate::api::HelmRelease;

pub async fn publish(
    recorder: &Recorder,
    hr: &HelmRelease,
    warning: bool,
    reason: &str,
    note: String,
) {
    let ev = Event {
        type_: if warning {
            EventType::Warning
        } else {
            EventType::Normal
        },
        reason: reason.to_string(),
        note: Some(note),
        action: reason.to_string(),
        secondary: None,
    };
    if let Err(e) = recorder.publish(&ev, &hr.object_ref(&())).await {
        tracing::warn!(error = %e, reason, "publishing event failed");
    }
}
