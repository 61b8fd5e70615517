//! `record_event URL NAMESPACE API_VERSION KIND PLURAL NAME REASON NOTE`: publishes one
//! event about an object with kube-rs's `Recorder` (events.k8s.io/v1), so that
//! `.ci/kube-sandbox-checks.sh` can check that `kubectl describe` shows it.

use kube::api::{Api, ApiResource, DynamicObject};
use kube::runtime::events::{Event, EventType, Recorder};
use kube::{Client, Config, Resource};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, ns, api_version, kind, plural, name, reason, note] = args.as_slice() else {
        return Err(
            "usage: record_event URL NAMESPACE API_VERSION KIND PLURAL NAME REASON NOTE".into(),
        );
    };
    let client = Client::try_from(Config::new(url.parse()?))?;
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (String::new(), api_version.clone()),
    };
    let ar = ApiResource {
        group,
        version,
        api_version: api_version.clone(),
        kind: kind.clone(),
        plural: plural.clone(),
    };
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &ar);
    let obj = api.get(name).await?;
    let recorder = Recorder::new(client, "sandbox-checks".into());
    let ev = Event {
        type_: EventType::Normal,
        reason: reason.clone(),
        note: Some(note.clone()),
        action: "Check".into(),
        secondary: None,
    };
    recorder.publish(&ev, &obj.object_ref(&ar)).await?;
    println!("recorded {reason} for {kind}/{name}");
    Ok(())
}
