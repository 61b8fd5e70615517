//! Reconcile HelmReleases when the ConfigMaps and Secrets their `valuesFrom` reads change.
//!
//! [`RefWatcher`] keeps a registry HelmRelease → referenced objects (with the data digest
//! the last values composition saw), filled by [`RefWatcher::register`] after every
//! composition and emptied by [`RefWatcher::forget`] on delete. It runs one watch per
//! referenced object (`fieldSelector=metadata.name=<name>` in its namespace), started when
//! the first HelmRelease references it and stopped when the last one lets go, so the
//! operator never lists or caches Secrets it was not pointed at, and keeps only digests.
//!
//! A watch event triggers the HelmReleases whose recorded digest differs from the object's
//! current one (`None` for a missing object), so the initial listing, relists and
//! resourceVersion-only updates trigger nothing, and a change between a composition and
//! the start of its watch is not lost.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use futures::{Stream, StreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher::{self, Event};
use kube::runtime::WatchStreamExt;
use kube::{Api, Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use crate::api::HelmRelease;

/// Kind of a referenced object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RefKind {
    ConfigMap,
    Secret,
}

impl std::fmt::Display for RefKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RefKind::ConfigMap => "configmap",
            RefKind::Secret => "secret",
        })
    }
}

/// A referenced ConfigMap or Secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjRef {
    pub kind: RefKind,
    pub namespace: String,
    pub name: String,
}

/// An object a values composition read, with the digest of the data it saw (`None`: the
/// object did not exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefRead {
    pub obj: ObjRef,
    pub digest: Option<String>,
}

type HrRef = ObjectRef<HelmRelease>;

/// Digest of a ConfigMap's `data` and `binaryData` (metadata changes do not count).
pub fn configmap_digest(cm: &ConfigMap) -> String {
    let mut h = Sha256::new();
    for (tag, map) in [
        (
            "d",
            cm.data.as_ref().map(|d| bytes_map(d, |v| v.as_bytes())),
        ),
        (
            "b",
            cm.binary_data
                .as_ref()
                .map(|d| bytes_map(d, |v| v.0.as_slice())),
        ),
    ] {
        hash_map(&mut h, tag, map.as_ref());
    }
    format!("sha256:{:x}", h.finalize())
}

/// Digest of a Secret's `data` and `type`.
pub fn secret_digest(s: &Secret) -> String {
    let mut h = Sha256::new();
    let data = s.data.as_ref().map(|d| bytes_map(d, |v| v.0.as_slice()));
    hash_map(&mut h, "d", data.as_ref());
    hash_field(&mut h, s.type_.as_deref().unwrap_or("").as_bytes());
    format!("sha256:{:x}", h.finalize())
}

fn bytes_map<'a, V>(
    m: &'a BTreeMap<String, V>,
    f: impl Fn(&'a V) -> &'a [u8],
) -> Vec<(&'a str, &'a [u8])> {
    m.iter().map(|(k, v)| (k.as_str(), f(v))).collect()
}

fn hash_field(h: &mut Sha256, b: &[u8]) {
    h.update((b.len() as u64).to_le_bytes());
    h.update(b);
}

fn hash_map(h: &mut Sha256, tag: &str, m: Option<&Vec<(&str, &[u8])>>) {
    h.update(tag.as_bytes());
    match m {
        None => h.update([0u8]),
        Some(m) => {
            h.update([1u8]);
            h.update((m.len() as u64).to_le_bytes());
            for (k, v) in m {
                hash_field(h, k.as_bytes());
                hash_field(h, v);
            }
        }
    }
}

/// One running watch and the HelmReleases that read its object (with the digest each saw).
struct Watched {
    readers: HashMap<HrRef, Option<String>>,
    task: Option<AbortHandle>,
}

#[derive(Default)]
struct State {
    by_hr: HashMap<HrRef, BTreeSet<ObjRef>>,
    watched: HashMap<ObjRef, Watched>,
    subscribers: Vec<mpsc::UnboundedSender<HrRef>>,
}

struct Inner {
    client: Client,
    state: Mutex<State>,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        }
    }

    /// Triggers every reader of `obj` whose recorded digest differs from `now`.
    fn changed(&self, obj: &ObjRef, now: &Option<String>) {
        let mut st = self.lock();
        let stale: Vec<HrRef> = match st.watched.get(obj) {
            Some(w) => w
                .readers
                .iter()
                .filter(|(_, seen)| *seen != now)
                .map(|(hr, _)| hr.clone())
                .collect(),
            None => return,
        };
        if stale.is_empty() {
            return;
        }
        tracing::info!(
            kind = %obj.kind,
            namespace = %obj.namespace,
            name = %obj.name,
            helmreleases = stale.len(),
            "referenced values source changed"
        );
        st.subscribers
            .retain(|tx| stale.iter().all(|hr| tx.send(hr.clone()).is_ok()));
    }
}

/// Registry of valuesFrom references and the per-object watches that serve it.
#[derive(Clone)]
pub struct RefWatcher {
    inner: Arc<Inner>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        let st = match self.state.get_mut() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        for w in st.watched.values() {
            if let Some(t) = &w.task {
                t.abort();
            }
        }
    }
}

fn hr_ref(hr: &HelmRelease) -> HrRef {
    ObjectRef::new(&hr.name_any()).within(hr.defaulted_namespace())
}

impl RefWatcher {
    /// A registry whose watches use `client`.
    pub fn new(client: Client) -> RefWatcher {
        RefWatcher {
            inner: Arc::new(Inner {
                client,
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// HelmReleases to reconcile because an object they read changed. Every call returns a
    /// new stream that sees the triggers from then on.
    pub fn trigger_stream(&self) -> impl Stream<Item = HrRef> + Send + 'static {
        let (tx, rx) = mpsc::unbounded_channel();
        self.inner.lock().subscribers.push(tx);
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|x| (x, rx)) })
    }

    /// Records what `hr`'s latest values composition read, starting watches on newly
    /// referenced objects and stopping those nobody references any more. Must be called
    /// inside a Tokio runtime.
    pub fn register(&self, hr: &HelmRelease, refs: Vec<RefRead>) {
        let key = hr_ref(hr);
        let mut st = self.inner.lock();
        let now: BTreeSet<ObjRef> = refs.iter().map(|r| r.obj.clone()).collect();
        let before = st.by_hr.remove(&key).unwrap_or_default();
        for gone in before.difference(&now) {
            release(&mut st, gone, &key);
        }
        for r in refs {
            let weak = Arc::downgrade(&self.inner);
            let w = st.watched.entry(r.obj.clone()).or_insert_with(|| Watched {
                readers: HashMap::new(),
                task: None,
            });
            w.readers.insert(key.clone(), r.digest);
            if w.task.is_none() {
                let client = self.inner.client.clone();
                w.task = Some(tokio::spawn(watch_one(client, weak, r.obj)).abort_handle());
            }
        }
        if !now.is_empty() {
            st.by_hr.insert(key, now);
        }
    }

    /// Drops everything `hr` referenced (it is being deleted).
    pub fn forget(&self, hr: &HelmRelease) {
        let key = hr_ref(hr);
        let mut st = self.inner.lock();
        for obj in st.by_hr.remove(&key).unwrap_or_default() {
            release(&mut st, &obj, &key);
        }
    }

    /// Objects currently watched (for tests and diagnostics).
    pub fn watched(&self) -> Vec<ObjRef> {
        let mut v: Vec<ObjRef> = self.inner.lock().watched.keys().cloned().collect();
        v.sort();
        v
    }
}

/// Removes `hr` from `obj`'s readers and stops the watch when none is left.
fn release(st: &mut State, obj: &ObjRef, hr: &HrRef) {
    let empty = match st.watched.get_mut(obj) {
        Some(w) => {
            w.readers.remove(hr);
            w.readers.is_empty()
        }
        None => false,
    };
    if empty {
        if let Some(t) = st.watched.remove(obj).and_then(|w| w.task) {
            t.abort();
        }
    }
}

async fn watch_one(client: Client, inner: Weak<Inner>, obj: ObjRef) {
    let cfg = watcher::Config::default()
        .fields(&format!("metadata.name={}", obj.name))
        .any_semantic();
    match obj.kind {
        RefKind::ConfigMap => {
            let api: Api<ConfigMap> = Api::namespaced(client, &obj.namespace);
            follow(api, cfg, configmap_digest, inner, obj).await
        }
        RefKind::Secret => {
            let api: Api<Secret> = Api::namespaced(client, &obj.namespace);
            follow(api, cfg, secret_digest, inner, obj).await
        }
    }
}

/// Follows one object's watch and reports its digest after every listing and event.
async fn follow<K>(
    api: Api<K>,
    cfg: watcher::Config,
    digest: fn(&K) -> String,
    inner: Weak<Inner>,
    obj: ObjRef,
) where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug + Send + 'static,
{
    let mut events = std::pin::pin!(watcher::watcher(api, cfg).default_backoff());
    // The digest being assembled from an initial listing.
    let mut listing: Option<String> = None;
    while let Some(ev) = events.next().await {
        let now = match ev {
            Ok(Event::Init) => {
                listing = None;
                continue;
            }
            Ok(Event::InitApply(o)) => {
                if o.name_any() == obj.name {
                    listing = Some(digest(&o));
                }
                continue;
            }
            Ok(Event::InitDone) => listing.take(),
            Ok(Event::Apply(o)) if o.name_any() == obj.name => Some(digest(&o)),
            Ok(Event::Delete(o)) if o.name_any() == obj.name => None,
            Ok(_) => continue,
            Err(e) => {
                tracing::debug!(kind = %obj.kind, namespace = %obj.namespace, name = %obj.name, error = %e, "watching values source");
                continue;
            }
        };
        match inner.upgrade() {
            Some(i) => i.changed(&obj, &now),
            None => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::api::PostParams;
    use serde_json::json;
    use std::time::Duration;

    fn hr(name: &str) -> HelmRelease {
        serde_json::from_value(json!({
            "apiVersion": "helm.fluxcd.io/v1", "kind": "HelmRelease",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"chart": {"git": "file:///x", "path": "c"}}
        }))
        .unwrap()
    }

    fn cm_ref(name: &str) -> ObjRef {
        ObjRef {
            kind: RefKind::ConfigMap,
            namespace: "default".into(),
            name: name.into(),
        }
    }

    fn cm(name: &str, v: &str) -> ConfigMap {
        serde_json::from_value(json!({"metadata": {"name": name}, "data": {"values.yaml": v}}))
            .unwrap()
    }

    async fn next(s: &mut (impl Stream<Item = HrRef> + Unpin), secs: u64) -> Option<HrRef> {
        tokio::time::timeout(Duration::from_secs(secs), s.next())
            .await
            .ok()
            .flatten()
    }

    #[test]
    fn digests_follow_data_only() {
        let mut a = cm("a", "x: 1");
        let d = configmap_digest(&a);
        a.metadata.resource_version = Some("42".into());
        a.metadata.labels = Some([("l".to_string(), "v".to_string())].into());
        assert_eq!(configmap_digest(&a), d);
        assert_ne!(configmap_digest(&cm("a", "x: 2")), d);
        let s1: Secret = serde_json::from_value(json!({"data": {"k": "YQ=="}})).unwrap();
        let s2: Secret = serde_json::from_value(json!({"data": {"k": "Yg=="}})).unwrap();
        assert_ne!(secret_digest(&s1), secret_digest(&s2));
        // "k"+"ab" and "ka"+"b" must not collide.
        let s3: Secret = serde_json::from_value(json!({"data": {"ka": "Yg=="}})).unwrap();
        let s4: Secret = serde_json::from_value(json!({"data": {"k": "YWI="}})).unwrap();
        assert_ne!(secret_digest(&s3), secret_digest(&s4));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn triggers_readers_on_change_only() {
        let sandbox = kube_sandbox::Sandbox::default();
        let client = sandbox.client();
        let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
        let a = cms
            .create(&PostParams::default(), &cm("a", "x: 1"))
            .await
            .unwrap();
        cms.create(&PostParams::default(), &cm("other", "x: 1"))
            .await
            .unwrap();
        let rw = RefWatcher::new(client.clone());
        let mut triggers = Box::pin(rw.trigger_stream());
        rw.register(
            &hr("h1"),
            vec![
                RefRead {
                    obj: cm_ref("a"),
                    digest: Some(configmap_digest(&a)),
                },
                RefRead {
                    obj: cm_ref("later"),
                    digest: None,
                },
            ],
        );
        assert_eq!(rw.watched(), vec![cm_ref("a"), cm_ref("later")]);
        // The initial listing matches what was read: nothing fires.
        assert_eq!(next(&mut triggers, 1).await, None);
        // An unrelated object and a metadata-only update fire nothing.
        cms.replace("other", &PostParams::default(), &cm("other", "x: 2"))
            .await
            .unwrap();
        let mut relabelled = cms.get("a").await.unwrap();
        relabelled.metadata.labels = Some([("l".to_string(), "v".to_string())].into());
        cms.replace("a", &PostParams::default(), &relabelled)
            .await
            .unwrap();
        assert_eq!(next(&mut triggers, 1).await, None);
        // A data change fires for the reader.
        let mut changed = cms.get("a").await.unwrap();
        changed.data = Some([("values.yaml".to_string(), "x: 2".to_string())].into());
        cms.replace("a", &PostParams::default(), &changed)
            .await
            .unwrap();
        let want = ObjectRef::<HelmRelease>::new("h1").within("default");
        assert_eq!(next(&mut triggers, 10).await, Some(want.clone()));
        // Creating the missing referenced object fires too.
        cms.create(&PostParams::default(), &cm("later", "y: 1"))
            .await
            .unwrap();
        assert_eq!(next(&mut triggers, 10).await, Some(want));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn change_before_watch_start_is_not_lost_and_forget_stops_watches() {
        let sandbox = kube_sandbox::Sandbox::default();
        let client = sandbox.client();
        let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
        let a = cms
            .create(&PostParams::default(), &cm("a", "x: 1"))
            .await
            .unwrap();
        let seen = configmap_digest(&a);
        // The object changes after composition read it, before the watch exists.
        cms.replace("a", &PostParams::default(), &cm("a", "x: 2"))
            .await
            .unwrap();
        let rw = RefWatcher::new(client.clone());
        let mut triggers = Box::pin(rw.trigger_stream());
        let h = hr("h1");
        rw.register(
            &h,
            vec![RefRead {
                obj: cm_ref("a"),
                digest: Some(seen),
            }],
        );
        assert!(next(&mut triggers, 10).await.is_some());
        // Re-registering without the reference stops the watch.
        rw.register(&h, vec![]);
        assert!(rw.watched().is_empty());
        rw.register(
            &h,
            vec![RefRead {
                obj: cm_ref("a"),
                digest: None,
            }],
        );
        assert_eq!(rw.watched(), vec![cm_ref("a")]);
        // A shared object stays watched until its last reader lets go.
        rw.register(
            &hr("h2"),
            vec![RefRead {
                obj: cm_ref("a"),
                digest: None,
            }],
        );
        rw.forget(&h);
        assert_eq!(rw.watched(), vec![cm_ref("a")]);
        rw.forget(&hr("h2"));
        assert!(rw.watched().is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_stale_reader_is_triggered() {
        let sandbox = kube_sandbox::Sandbox::default();
        let client = sandbox.client();
        let rw = RefWatcher::new(client.clone());
        let mut triggers = Box::pin(rw.trigger_stream());
        for name in ["h1", "h2"] {
            rw.register(
                &hr(name),
                vec![RefRead {
                    obj: cm_ref("shared"),
                    digest: None,
                }],
            );
        }
        assert_eq!(next(&mut triggers, 1).await, None);
        let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
        cms.create(&PostParams::default(), &cm("shared", "x: 1"))
            .await
            .unwrap();
        let mut got = vec![
            next(&mut triggers, 10).await.map(|r| r.name),
            next(&mut triggers, 10).await.map(|r| r.name),
        ];
        got.sort();
        assert_eq!(got, vec![Some("h1".to_string()), Some("h2".to_string())]);
    }
}
