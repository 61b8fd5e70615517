//! The object store: one global resourceVersion counter, objects keyed by storage
//! group/resource/namespace/name, the change log that watches read, and the write
//! semantics of the API server (create/update/patch/apply/delete, generation, status
//! split, no-op detection, finalizers, namespace deletion, owner-reference GC, pruning,
//! simulated controller status). HTTP concerns live in `server`.

use crate::error::ApiError;
use crate::events;
use crate::faults::Faults;
use crate::managed::{self, ApplyRequest, Schema};
use crate::patch;
use crate::registry::{Registry, ResourceType, View};
use crate::selector::{FieldSelector, LabelSelector};
use crate::sim;
use crate::util::{get_str, meta, new_uid, now_rfc3339, random_suffix};
use base64::Engine;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::watch;

/// `Key` of a stored object: storage group, storage resource, namespace ("" if cluster), name.
pub type Key = (String, String, String, String);

/// `Config` of a sandbox.
#[derive(Debug, Clone)]
pub struct Config {
    /// gitVersion served by `/version`.
    pub version: String,
    /// Delay before simulated controllers write status.
    pub workload_delay: Duration,
    /// How many changes the watch history keeps (older resourceVersions get 410).
    pub watch_retention: usize,
    /// Interval of watch BOOKMARK events (when the client allows them).
    pub bookmark_interval: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            version: "v1.33.0".into(),
            workload_delay: Duration::from_millis(50),
            watch_retention: 10_000,
            bookmark_interval: Duration::from_secs(1),
        }
    }
}

/// `Change` is one entry of the watch history.
#[derive(Debug, Clone)]
pub struct Change {
    /// resourceVersion of the change.
    pub rv: u64,
    /// `ADDED`, `MODIFIED` or `DELETED`.
    pub etype: &'static str,
    /// Storage key.
    pub key: Key,
    /// The object after the change (stored form).
    pub obj: Arc<Value>,
    /// The object before (for selector transitions).
    pub old: Option<Arc<Value>>,
}

/// `WatchEvent` is an event type and the object (served form).
pub type WatchEvent = (&'static str, Value);

/// `Sub` is the addressed subresource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sub {
    /// The resource itself.
    Main,
    /// `/status`.
    Status,
}

impl Sub {
    fn name(self) -> &'static str {
        match self {
            Sub::Main => "",
            Sub::Status => "status",
        }
    }
}

/// `PatchType` from the request Content-Type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    /// `application/merge-patch+json`.
    Merge,
    /// `application/json-patch+json`.
    Json,
    /// `application/strategic-merge-patch+json`.
    Strategic,
    /// `application/apply-patch+yaml`.
    Apply,
}

/// `WriteOpts` are the write query parameters.
#[derive(Debug, Clone, Default)]
pub struct WriteOpts {
    /// `dryRun=All`.
    pub dry_run: bool,
    /// `fieldManager` (or derived from the User-Agent).
    pub manager: String,
    /// `force=true` (apply).
    pub force: bool,
    /// `fieldValidation=Strict`: unknown fields of custom resources are a 400.
    pub strict: bool,
}

/// `DeleteOpts` are DeleteOptions.
#[derive(Debug, Clone, Default)]
pub struct DeleteOpts {
    /// `dryRun=All`.
    pub dry_run: bool,
    /// `Orphan`, `Background` or `Foreground`.
    pub propagation: Option<String>,
    /// Precondition on uid.
    pub uid: Option<String>,
    /// Precondition on resourceVersion.
    pub resource_version: Option<String>,
}

/// `ListOpts` are list/watch query parameters.
#[derive(Debug, Clone, Default)]
pub struct ListOpts {
    /// `labelSelector`.
    pub labels: LabelSelector,
    /// `fieldSelector`.
    pub fields: FieldSelector,
    /// `limit`.
    pub limit: Option<usize>,
    /// `continue`.
    pub cont: Option<String>,
}

impl ListOpts {
    fn matches(&self, v: &Value) -> bool {
        self.labels.matches(v) && self.fields.matches(v)
    }
}

/// `ListResult` is one page of a list.
#[derive(Debug, Clone)]
pub struct ListResult {
    /// Items (served form).
    pub items: Vec<Value>,
    /// List resourceVersion.
    pub resource_version: String,
    /// Continue token, if more items exist.
    pub cont: Option<String>,
    /// Items left after this page.
    pub remaining: usize,
}

/// `State` is everything behind the store lock.
#[derive(Debug, Default)]
pub struct State {
    rv: u64,
    objects: BTreeMap<Key, Value>,
    log: VecDeque<Change>,
    compacted: u64,
    registry: Registry,
    retention: usize,
    sims: Vec<Key>,
}

/// `Inner` is the shared part of a store.
#[derive(Debug)]
pub struct Inner {
    state: Mutex<State>,
    notify: watch::Sender<u64>,
    /// Injected faults.
    pub faults: Faults,
    /// Configuration.
    pub config: Config,
}

/// `Store` is a cheap handle to the shared store.
#[derive(Debug, Clone)]
pub struct Store(Arc<Inner>);

fn key_of(rt: &ResourceType, ns: &str, name: &str) -> Key {
    (
        rt.storage_group.clone(),
        rt.storage_plural.clone(),
        if rt.namespaced {
            ns.to_string()
        } else {
            String::new()
        },
        name.to_string(),
    )
}

fn name_of(v: &Value) -> &str {
    get_str(v, &["metadata", "name"]).unwrap_or("")
}

fn rv_of(v: &Value) -> &str {
    get_str(v, &["metadata", "resourceVersion"]).unwrap_or("")
}

fn finalizers_empty(v: &Value) -> bool {
    v.get("metadata")
        .and_then(|m| m.get("finalizers"))
        .and_then(Value::as_array)
        .is_none_or(Vec::is_empty)
}

fn deleting(v: &Value) -> bool {
    v.get("metadata")
        .and_then(|m| m.get("deletionTimestamp"))
        .is_some_and(|t| !t.is_null())
}

/// `spec_part` is the object without metadata and status (what `generation` tracks).
fn spec_part(v: &Value) -> Value {
    let mut o = v.clone();
    if let Value::Object(m) = &mut o {
        for k in ["metadata", "status", "apiVersion", "kind"] {
            m.remove(k);
        }
    }
    o
}

fn normalized(v: &Value) -> Value {
    let mut o = v.clone();
    managed::strip_times(&mut o);
    if let Value::Object(m) = &mut o {
        m.remove("apiVersion");
        if let Some(Value::Object(md)) = m.get_mut("metadata") {
            md.remove("resourceVersion");
        }
    }
    o
}

/// `prune` drops fields not in a structural schema (unless preserved).
pub fn prune(v: &mut Value, schema: &Value, root: bool) {
    if schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true)) {
        if let (Value::Object(m), Some(Value::Object(props))) = (&mut *v, schema.get("properties"))
        {
            for (k, s) in props {
                if let Some(child) = m.get_mut(k) {
                    prune(child, s, false);
                }
            }
        }
        return;
    }
    match v {
        Value::Object(m) => {
            let props = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties");
            if props.is_none() && additional.is_none() {
                if schema.get("type").and_then(Value::as_str) == Some("object") && !root {
                    m.clear();
                }
                if !root {
                    return;
                }
            }
            m.retain(|k, child| {
                if root && matches!(k.as_str(), "apiVersion" | "kind" | "metadata") {
                    return true;
                }
                if let Some(s) = props.and_then(|p| p.get(k)) {
                    prune(child, s, false);
                    return true;
                }
                match additional {
                    Some(Value::Bool(true)) => true,
                    Some(s @ Value::Object(_)) => {
                        prune(child, s, false);
                        true
                    }
                    _ => false,
                }
            });
        }
        Value::Array(a) => {
            if let Some(items) = schema.get("items") {
                for i in a {
                    prune(i, items, false);
                }
            }
        }
        _ => {}
    }
}

/// `unknown_fields` lists the dotted paths `prune` would drop.
pub fn unknown_fields(v: &Value, schema: &Value, path: &str, root: bool, out: &mut Vec<String>) {
    let props = schema.get("properties").and_then(Value::as_object);
    let preserve = schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
    match v {
        Value::Object(m) => {
            let additional = schema.get("additionalProperties");
            for (k, child) in m {
                if root && matches!(k.as_str(), "apiVersion" | "kind" | "metadata") {
                    continue;
                }
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match (props.and_then(|ps| ps.get(k)), additional) {
                    (Some(s), _) => unknown_fields(child, s, &p, false, out),
                    (None, Some(s @ Value::Object(_))) => unknown_fields(child, s, &p, false, out),
                    (None, Some(Value::Bool(true))) => {}
                    _ if preserve => {}
                    _ => out.push(p),
                }
            }
        }
        Value::Array(a) => {
            if let Some(items) = schema.get("items") {
                for i in a {
                    unknown_fields(i, items, path, false, out);
                }
            }
        }
        _ => {}
    }
}

fn check_strict(rt: &ResourceType, obj: &Value, o: &WriteOpts) -> Result<(), ApiError> {
    let (true, Some(schema)) = (o.strict, rt.schema.as_ref()) else {
        return Ok(());
    };
    let mut unknown = vec![];
    unknown_fields(obj, schema, "", true, &mut unknown);
    if unknown.is_empty() {
        return Ok(());
    }
    let list = unknown
        .iter()
        .map(|f| format!("unknown field \"{f}\""))
        .collect::<Vec<_>>()
        .join(", ");
    Err(ApiError::bad_request(format!(
        "{}.{} \"{}\" is invalid: strict decoding error: {list}",
        rt.plural,
        rt.group,
        name_of(obj)
    )))
}

/// `to_view` shows a stored object in the served form of `rt`.
pub fn to_view(rt: &ResourceType, stored: &Value) -> Value {
    if rt.view == View::EventsV1 {
        return events::to_v1(stored);
    }
    let mut o = stored.clone();
    if let Value::Object(m) = &mut o {
        m.insert("apiVersion".into(), json!(rt.api_version()));
        m.insert("kind".into(), json!(rt.kind));
    }
    o
}

fn from_view(rt: &ResourceType, v: Value) -> Value {
    let mut o = if rt.view == View::EventsV1 {
        events::to_core(&v)
    } else {
        v
    };
    if let Value::Object(m) = &mut o {
        m.insert("apiVersion".into(), json!(rt.api_version()));
        m.insert("kind".into(), json!(rt.kind));
        if rt.view == View::EventsV1 {
            m.insert("apiVersion".into(), json!("v1"));
        }
    }
    o
}

fn schema_of(rt: &ResourceType) -> Schema<'_> {
    Schema {
        node: rt.schema.as_ref(),
        builtin: !rt.crd,
    }
}

fn encode_continue(k: &Key) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{}\u{0}{}", k.2, k.3))
}

fn decode_continue(s: &str) -> Result<(String, String), ApiError> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| ApiError::bad_request("invalid continue token"))?;
    let text =
        String::from_utf8(raw).map_err(|_| ApiError::bad_request("invalid continue token"))?;
    let (ns, name) = text
        .split_once('\u{0}')
        .ok_or_else(|| ApiError::bad_request("invalid continue token"))?;
    Ok((ns.to_string(), name.to_string()))
}

impl State {
    fn bump(&mut self) -> u64 {
        self.rv += 1;
        self.rv
    }

    fn record(&mut self, etype: &'static str, key: Key, obj: &Value, old: Option<&Value>) {
        self.log.push_back(Change {
            rv: self.rv,
            etype,
            key,
            obj: Arc::new(obj.clone()),
            old: old.map(|o| Arc::new(o.clone())),
        });
        while self.log.len() > self.retention.max(1) {
            if let Some(c) = self.log.pop_front() {
                self.compacted = c.rv;
            }
        }
    }

    fn rebuild_registry(&mut self) {
        let crds: Vec<Value> = self
            .objects
            .iter()
            .filter(|(k, _)| k.0 == "apiextensions.k8s.io" && k.1 == "customresourcedefinitions")
            .map(|(_, v)| v.clone())
            .collect();
        self.registry = Registry::with_crds(crds.iter());
    }

    fn namespace_state(&self, ns: &str) -> Option<&Value> {
        self.objects.get(&(
            String::new(),
            "namespaces".into(),
            String::new(),
            ns.to_string(),
        ))
    }

    /// Insert or replace, bumping rv and logging. Returns the stored object.
    fn commit(&mut self, key: Key, mut obj: Value, old: Option<&Value>) -> Value {
        let rv = self.bump();
        meta(&mut obj).insert("resourceVersion".into(), json!(rv.to_string()));
        let etype = if old.is_some() { "MODIFIED" } else { "ADDED" };
        self.record(etype, key.clone(), &obj, old);
        let is_crd = key.0 == "apiextensions.k8s.io";
        if sim::simulated(get_str(&obj, &["kind"]).unwrap_or("")) {
            self.sims.push(key.clone());
        }
        self.objects.insert(key, obj.clone());
        if is_crd {
            self.rebuild_registry();
        }
        obj
    }

    /// Remove for good: DELETED event, GC of dependents, namespace finalization.
    fn remove(&mut self, key: &Key, propagation: Option<&str>) -> Option<Value> {
        let mut obj = self.objects.remove(key)?;
        let rv = self.bump();
        meta(&mut obj).insert("resourceVersion".into(), json!(rv.to_string()));
        self.record("DELETED", key.clone(), &obj, None);
        if key.0 == "apiextensions.k8s.io" {
            if let Some(spec) = obj.get("spec") {
                let g = get_str(spec, &["group"]).unwrap_or("").to_string();
                let p = get_str(spec, &["names", "plural"])
                    .unwrap_or("")
                    .to_string();
                let keys: Vec<Key> = self
                    .objects
                    .keys()
                    .filter(|k| k.0 == g && k.1 == p)
                    .cloned()
                    .collect();
                for k in keys {
                    self.remove(&k, None);
                }
            }
            self.rebuild_registry();
        }
        if let Some(uid) = get_str(&obj, &["metadata", "uid"]) {
            self.collect_garbage(uid, propagation == Some("Orphan"));
        }
        if key.0.is_empty() && key.1 == "namespaces" {
            let keys: Vec<Key> = self
                .objects
                .keys()
                .filter(|k| k.2 == key.3)
                .cloned()
                .collect();
            for k in keys {
                self.remove(&k, None);
            }
        } else if !key.2.is_empty() {
            self.maybe_finalize_namespace(&key.2.clone());
        }
        Some(obj)
    }

    fn maybe_finalize_namespace(&mut self, ns: &str) {
        let terminating = self.namespace_state(ns).is_some_and(deleting);
        if terminating && !self.objects.keys().any(|k| k.2 == ns) {
            let key = (
                String::new(),
                "namespaces".into(),
                String::new(),
                ns.to_string(),
            );
            self.remove(&key, None);
        }
    }

    fn collect_garbage(&mut self, owner_uid: &str, orphan: bool) {
        let live: BTreeSet<String> = self
            .objects
            .values()
            .filter_map(|o| get_str(o, &["metadata", "uid"]).map(String::from))
            .collect();
        let dependents: Vec<Key> = self
            .objects
            .iter()
            .filter(|(_, o)| {
                o.get("metadata")
                    .and_then(|m| m.get("ownerReferences"))
                    .and_then(Value::as_array)
                    .is_some_and(|refs| {
                        refs.iter().any(|r| get_str(r, &["uid"]) == Some(owner_uid))
                    })
            })
            .map(|(k, _)| k.clone())
            .collect();
        for k in dependents {
            let Some(old) = self.objects.get(&k).cloned() else {
                continue;
            };
            if orphan {
                let mut new = old.clone();
                if let Some(Value::Array(refs)) = meta(&mut new).get_mut("ownerReferences") {
                    refs.retain(|r| get_str(r, &["uid"]) != Some(owner_uid));
                }
                self.commit(k, new, Some(&old));
                continue;
            }
            let others_alive = old
                .get("metadata")
                .and_then(|m| m.get("ownerReferences"))
                .and_then(Value::as_array)
                .is_some_and(|refs| {
                    refs.iter().any(|r| {
                        get_str(r, &["uid"]).is_some_and(|u| u != owner_uid && live.contains(u))
                    })
                });
            if !others_alive {
                self.delete_key(&k, &old, Some("Background"));
            }
        }
    }

    /// Delete honouring finalizers: mark or remove. Returns the resulting object.
    fn delete_key(&mut self, key: &Key, old: &Value, propagation: Option<&str>) -> Value {
        let is_ns = key.0.is_empty() && key.1 == "namespaces";
        if is_ns {
            if !deleting(old) {
                let mut new = old.clone();
                let md = meta(&mut new);
                md.insert("deletionTimestamp".into(), json!(now_rfc3339()));
                crate::util::obj_mut(&mut new, "status")
                    .insert("phase".into(), json!("Terminating"));
                let stored = self.commit(key.clone(), new, Some(old));
                let keys: Vec<Key> = self
                    .objects
                    .keys()
                    .filter(|k| k.2 == key.3)
                    .cloned()
                    .collect();
                for k in keys {
                    if let Some(o) = self.objects.get(&k).cloned() {
                        self.delete_key(&k, &o, Some("Background"));
                    }
                }
                if !finalizers_empty(&stored) {
                    return stored;
                }
                self.maybe_finalize_namespace(&key.3);
                return self.objects.get(key).cloned().unwrap_or(stored);
            }
            return old.clone();
        }
        if finalizers_empty(old) {
            return self.remove(key, propagation).unwrap_or_else(|| old.clone());
        }
        if deleting(old) {
            return old.clone();
        }
        let mut new = old.clone();
        let md = meta(&mut new);
        md.insert("deletionTimestamp".into(), json!(now_rfc3339()));
        md.insert("deletionGracePeriodSeconds".into(), json!(0));
        self.commit(key.clone(), new, Some(old))
    }
}

impl Store {
    /// `new` creates a store with the default namespaces.
    pub fn new(config: Config) -> Self {
        let state = State {
            retention: config.watch_retention,
            ..State::default()
        };
        let store = Store(Arc::new(Inner {
            state: Mutex::new(state),
            notify: watch::Sender::new(0),
            faults: Faults::default(),
            config,
        }));
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            let reg = store.lock().registry.clone();
            if let Some(rt) = reg.lookup("", "v1", "namespaces") {
                let _ = store.create(
                    &rt,
                    "",
                    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
                    &WriteOpts::default(),
                );
            }
        }
        store
    }

    /// `inner` gives the shared parts (config, faults).
    pub fn inner(&self) -> &Inner {
        &self.0
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.0.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `registry` is a snapshot of the served types.
    pub fn registry(&self) -> Registry {
        self.lock().registry.clone()
    }

    /// `resource_version` is the current global resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.lock().rv
    }

    /// `subscribe` to resourceVersion changes.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.0.notify.subscribe()
    }

    /// Release the lock first, then notify watchers and start simulations.
    fn after_write(&self, mut st: MutexGuard<'_, State>) {
        let rv = st.rv;
        let sims = std::mem::take(&mut st.sims);
        drop(st);
        self.0.notify.send_replace(rv);
        for key in sims {
            self.schedule_sim(key);
        }
    }

    fn schedule_sim(&self, key: Key) {
        let store = self.clone();
        let delay = self.0.config.workload_delay;
        match tokio::runtime::Handle::try_current() {
            Ok(h) => {
                h.spawn(async move {
                    tokio::time::sleep(delay).await;
                    store.simulate(&key);
                });
            }
            Err(_) => store.simulate(&key),
        }
    }

    /// `simulate` writes the simulated controller status of one object (no-op if unchanged).
    pub fn simulate(&self, key: &Key) {
        let mut st = self.lock();
        let Some(old) = st.objects.get(key).cloned() else {
            return;
        };
        if deleting(&old) {
            return;
        }
        let Some(status) = sim::status_for(&old) else {
            return;
        };
        let mut new = old.clone();
        if let Value::Object(m) = &mut new {
            let mut merged = m.get("status").cloned().unwrap_or(json!({}));
            patch::merge_patch(&mut merged, &status);
            // keep conditions' transition times stable when nothing changed
            if old.get("status").map(strip_cond_times) == Some(strip_cond_times(&merged)) {
                return;
            }
            m.insert("status".into(), merged);
        }
        st.commit(key.clone(), new, Some(&old));
        st.sims.retain(|k| k != key);
        self.after_write(st);
    }

    /// `get` one object in served form.
    ///
    /// Errors: 404 NotFound.
    pub fn get(&self, rt: &ResourceType, ns: &str, name: &str) -> Result<Value, ApiError> {
        let st = self.lock();
        st.objects
            .get(&key_of(rt, ns, name))
            .map(|o| to_view(rt, o))
            .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))
    }

    /// `list` objects of a type, optionally in one namespace.
    ///
    /// Errors: 400 on a malformed continue token.
    pub fn list(
        &self,
        rt: &ResourceType,
        ns: Option<&str>,
        o: &ListOpts,
    ) -> Result<ListResult, ApiError> {
        let st = self.lock();
        let start = match &o.cont {
            Some(c) => Some(decode_continue(c)?),
            None => None,
        };
        let mut items = vec![];
        let mut last_key = None;
        let mut remaining = 0;
        for (k, v) in &st.objects {
            if k.0 != rt.storage_group || k.1 != rt.storage_plural {
                continue;
            }
            if ns.is_some_and(|n| n != k.2) {
                continue;
            }
            if let Some((sns, sname)) = &start {
                if (&k.2, &k.3) <= (sns, sname) {
                    continue;
                }
            }
            let view = to_view(rt, v);
            if !o.matches(&view) {
                continue;
            }
            if o.limit.is_some_and(|l| l > 0 && items.len() >= l) {
                remaining += 1;
                continue;
            }
            last_key = Some(k.clone());
            items.push(view);
        }
        Ok(ListResult {
            items,
            resource_version: st.rv.to_string(),
            cont: if remaining > 0 {
                last_key.as_ref().map(encode_continue)
            } else {
                None
            },
            remaining,
        })
    }

    fn check_namespace(st: &State, rt: &ResourceType, ns: &str) -> Result<(), ApiError> {
        if !rt.namespaced {
            return Ok(());
        }
        match st.namespace_state(ns) {
            None => Err(ApiError::not_found("", "namespaces", ns)),
            Some(n) if deleting(n) => Err(ApiError::new(
                403,
                "Forbidden",
                format!(
                    "{} \"{}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated",
                    rt.plural, ns
                ),
            )),
            Some(_) => Ok(()),
        }
    }

    /// `create` an object (POST).
    ///
    /// Errors: 404 if the namespace is missing, 403 if it is terminating, 409
    /// AlreadyExists, 422 without a name.
    pub fn create(
        &self,
        rt: &ResourceType,
        ns: &str,
        body: Value,
        o: &WriteOpts,
    ) -> Result<Value, ApiError> {
        self.create_inner(rt, ns, body, o, false)
    }

    fn create_inner(
        &self,
        rt: &ResourceType,
        ns: &str,
        body: Value,
        o: &WriteOpts,
        managed_done: bool,
    ) -> Result<Value, ApiError> {
        if !body.is_object() {
            return Err(ApiError::bad_request("the body must be a JSON object"));
        }
        let mut obj = from_view(rt, body);
        let mut st = self.lock();
        let body_ns = get_str(&obj, &["metadata", "namespace"])
            .unwrap_or("")
            .to_string();
        let ns = if rt.namespaced {
            if !body_ns.is_empty() && !ns.is_empty() && body_ns != ns {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            if ns.is_empty() {
                body_ns
            } else {
                ns.to_string()
            }
        } else {
            String::new()
        };
        Self::check_namespace(&st, rt, &ns)?;
        let mut name = name_of(&obj).to_string();
        if name.is_empty() {
            let gen = get_str(&obj, &["metadata", "generateName"]).unwrap_or("");
            if gen.is_empty() {
                return Err(ApiError::invalid(format!(
                    "{} \"\" is invalid: metadata.name: Required value: name or generateName is required",
                    rt.kind
                )));
            }
            name = format!("{gen}{}", random_suffix());
        }
        let key = key_of(rt, &ns, &name);
        if st.objects.contains_key(&key) {
            return Err(ApiError::already_exists(&rt.group, &rt.plural, &name));
        }
        {
            let md = meta(&mut obj);
            md.insert("name".into(), json!(name));
            if rt.namespaced {
                md.insert("namespace".into(), json!(ns));
            } else {
                md.remove("namespace");
            }
            md.insert("uid".into(), json!(new_uid()));
            md.insert("creationTimestamp".into(), json!(now_rfc3339()));
            md.remove("deletionTimestamp");
            md.remove("deletionGracePeriodSeconds");
            md.remove("resourceVersion");
            if rt.generation {
                md.insert("generation".into(), json!(1));
            } else {
                md.remove("generation");
            }
        }
        if rt.status {
            if let Value::Object(m) = &mut obj {
                m.remove("status");
            }
        }
        check_strict(rt, &obj, o)?;
        defaults_on_create(rt, &mut obj);
        normalize(rt, &mut obj);
        if !managed_done {
            managed::record_update(
                None,
                &mut obj,
                &o.manager,
                "",
                rt.status,
                &rt.api_version(),
                schema_of(rt),
            );
        }
        if o.dry_run {
            return Ok(to_view(rt, &obj));
        }
        let stored = st.commit(key, obj, None);
        let view = to_view(rt, &stored);
        self.after_write(st);
        Ok(view)
    }

    /// `update` replaces an object (PUT), on the main resource or `/status`.
    ///
    /// Errors: 404, 409 Conflict on a stale resourceVersion, 400 on a name mismatch.
    pub fn update(
        &self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        sub: Sub,
        body: Value,
        o: &WriteOpts,
    ) -> Result<Value, ApiError> {
        if !body.is_object() {
            return Err(ApiError::bad_request("the body must be a JSON object"));
        }
        let st = self.lock();
        let key = key_of(rt, ns, name);
        let old = st
            .objects
            .get(&key)
            .cloned()
            .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))?;
        let new = from_view(rt, body);
        let body_name = name_of(&new);
        if !body_name.is_empty() && body_name != name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
        let rv = rv_of(&new);
        if !rv.is_empty() && rv != rv_of(&old) {
            return Err(ApiError::conflict(
                &rt.group,
                &rt.plural,
                name,
                "the object has been modified; please apply your changes to the latest version and try again",
            ));
        }
        self.finish(st, rt, key, old, new, sub, o, false)
    }

    /// `patch` an object; apply patches create missing objects. Returns (object, created).
    ///
    /// Errors: 404 (non-apply), 409 (conflicts, stale resourceVersion), 415 (strategic
    /// merge on a custom resource), 422 (failed JSON patch test).
    #[allow(clippy::too_many_arguments)]
    pub fn patch(
        &self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        sub: Sub,
        ptype: PatchType,
        body: &Value,
        o: &WriteOpts,
    ) -> Result<(Value, bool), ApiError> {
        let st = self.lock();
        let key = key_of(rt, ns, name);
        let old = st.objects.get(&key).cloned();
        let Some(old) = old else {
            if ptype != PatchType::Apply || sub != Sub::Main {
                return Err(ApiError::not_found(&rt.group, &rt.plural, name));
            }
            drop(st);
            let mut skeleton = json!({"apiVersion": rt.api_version(), "kind": rt.kind,
                "metadata": {"name": name}});
            if rt.namespaced {
                meta(&mut skeleton).insert("namespace".into(), json!(ns));
            }
            let av = rt.api_version();
            let new = managed::apply(&skeleton, body, &self.apply_req(rt, sub, o, &av))?;
            return self.create_inner(rt, ns, new, o, true).map(|v| (v, true));
        };
        let cur = to_view(rt, &old);
        let patched = match ptype {
            PatchType::Merge => {
                let mut c = cur.clone();
                patch::merge_patch(&mut c, body);
                c
            }
            PatchType::Json => {
                let mut c = cur.clone();
                patch::json_patch(&mut c, body)?;
                c
            }
            PatchType::Strategic => {
                if rt.crd {
                    return Err(ApiError::new(
                        415,
                        "UnsupportedMediaType",
                        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
                    ));
                }
                let mut c = cur.clone();
                patch::strategic_merge_patch(&mut c, body);
                c
            }
            PatchType::Apply => {
                let av = rt.api_version();
                managed::apply(&cur, body, &self.apply_req(rt, sub, o, &av))?
            }
        };
        let body_rv = match ptype {
            PatchType::Json => rv_of(&patched).to_string(),
            _ => get_str(body, &["metadata", "resourceVersion"])
                .unwrap_or("")
                .to_string(),
        };
        if !body_rv.is_empty() && body_rv != rv_of(&cur) {
            return Err(ApiError::conflict(
                &rt.group,
                &rt.plural,
                name,
                "the object has been modified; please apply your changes to the latest version and try again",
            ));
        }
        let new = from_view(rt, patched);
        self.finish(st, rt, key, old, new, sub, o, ptype == PatchType::Apply)
            .map(|v| (v, false))
    }

    fn apply_req<'a>(
        &self,
        rt: &'a ResourceType,
        sub: Sub,
        o: &'a WriteOpts,
        api_version: &'a str,
    ) -> ApplyRequest<'a> {
        ApplyRequest {
            manager: &o.manager,
            force: o.force,
            subresource: sub.name(),
            has_status: rt.status,
            api_version,
            schema: schema_of(rt),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        mut st: MutexGuard<'_, State>,
        rt: &ResourceType,
        key: Key,
        old: Value,
        body: Value,
        sub: Sub,
        o: &WriteOpts,
        managed_done: bool,
    ) -> Result<Value, ApiError> {
        let mut new = match sub {
            Sub::Status => {
                let mut n = old.clone();
                if let Value::Object(m) = &mut n {
                    match body.get("status") {
                        Some(s) => m.insert("status".into(), s.clone()),
                        None => m.remove("status"),
                    };
                }
                if managed_done {
                    if let Some(mf) = body.get("metadata").and_then(|m| m.get("managedFields")) {
                        meta(&mut n).insert("managedFields".into(), mf.clone());
                    }
                }
                n
            }
            Sub::Main => {
                let mut n = body;
                let old_md = old.get("metadata").cloned().unwrap_or(json!({}));
                let md = meta(&mut n);
                for k in [
                    "uid",
                    "creationTimestamp",
                    "generation",
                    "deletionTimestamp",
                    "deletionGracePeriodSeconds",
                    "namespace",
                    "name",
                ] {
                    match old_md.get(k) {
                        Some(v) => md.insert(k.into(), v.clone()),
                        None => md.remove(k),
                    };
                }
                if !managed_done && !md.contains_key("managedFields") {
                    if let Some(mf) = old_md.get("managedFields") {
                        md.insert("managedFields".into(), mf.clone());
                    }
                }
                if rt.status {
                    if let Value::Object(m) = &mut n {
                        match old.get("status") {
                            Some(s) => m.insert("status".into(), s.clone()),
                            None => m.remove("status"),
                        };
                    }
                }
                n
            }
        };
        check_strict(rt, &new, o)?;
        normalize(rt, &mut new);
        if !managed_done {
            let api_version = rt.api_version();
            managed::record_update(
                Some(&old),
                &mut new,
                &o.manager,
                sub.name(),
                rt.status,
                &api_version,
                schema_of(rt),
            );
        }
        if rt.generation && spec_part(&old) != spec_part(&new) {
            let g = old
                .get("metadata")
                .and_then(|m| m.get("generation"))
                .and_then(Value::as_i64)
                .unwrap_or(0);
            meta(&mut new).insert("generation".into(), json!(g + 1));
        }
        if normalized(&old) == normalized(&new) {
            return Ok(to_view(rt, &old));
        }
        if o.dry_run {
            return Ok(to_view(rt, &new));
        }
        if deleting(&new) && finalizers_empty(&new) && !(key.0.is_empty() && key.1 == "namespaces")
        {
            st.objects.insert(key.clone(), new.clone());
            let gone = st.remove(&key, None).unwrap_or(new);
            let view = to_view(rt, &gone);
            self.after_write(st);
            return Ok(view);
        }
        let stored = st.commit(key.clone(), new, Some(&old));
        if key.0.is_empty() && key.1 == "namespaces" && deleting(&stored) {
            st.maybe_finalize_namespace(&key.3);
        }
        let view = to_view(rt, &stored);
        self.after_write(st);
        Ok(view)
    }

    /// `delete` an object: marked with deletionTimestamp while finalizers remain,
    /// else removed (with garbage collection of dependents).
    ///
    /// Errors: 404, 409 on failed preconditions.
    pub fn delete(
        &self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        o: &DeleteOpts,
    ) -> Result<Value, ApiError> {
        let mut st = self.lock();
        let key = key_of(rt, ns, name);
        let old = st
            .objects
            .get(&key)
            .cloned()
            .ok_or_else(|| ApiError::not_found(&rt.group, &rt.plural, name))?;
        if let Some(uid) = &o.uid {
            if get_str(&old, &["metadata", "uid"]) != Some(uid.as_str()) {
                return Err(ApiError::conflict(
                    &rt.group,
                    &rt.plural,
                    name,
                    "Precondition failed: UID in precondition does not match",
                ));
            }
        }
        if let Some(rv) = &o.resource_version {
            if rv_of(&old) != rv {
                return Err(ApiError::conflict(
                    &rt.group,
                    &rt.plural,
                    name,
                    "Precondition failed: ResourceVersion in precondition does not match",
                ));
            }
        }
        if o.dry_run {
            return Ok(to_view(rt, &old));
        }
        let res = st.delete_key(&key, &old, o.propagation.as_deref());
        let view = to_view(rt, &res);
        self.after_write(st);
        Ok(view)
    }

    /// `delete_collection` deletes every matching object; returns them (as a list).
    ///
    /// Errors: as `list`.
    pub fn delete_collection(
        &self,
        rt: &ResourceType,
        ns: Option<&str>,
        lo: &ListOpts,
        o: &DeleteOpts,
    ) -> Result<ListResult, ApiError> {
        let page = self.list(
            rt,
            ns,
            &ListOpts {
                limit: None,
                cont: None,
                ..lo.clone()
            },
        )?;
        let mut items = vec![];
        for it in &page.items {
            let ns = get_str(it, &["metadata", "namespace"]).unwrap_or("");
            if let Ok(v) = self.delete(rt, ns, name_of(it), o) {
                items.push(v);
            }
        }
        Ok(ListResult { items, ..page })
    }

    /// `watch_start` returns the initial objects (if asked) and the cursor to follow.
    ///
    /// Errors: 410 Expired when `rv` is older than the retained history.
    pub fn watch_start(
        &self,
        rt: &ResourceType,
        ns: Option<&str>,
        rv: Option<u64>,
        initial: bool,
        o: &ListOpts,
    ) -> Result<(Vec<Value>, u64), ApiError> {
        let st = self.lock();
        let want_initial = initial || rv.is_none_or(|r| r == 0);
        if !want_initial {
            let r = rv.unwrap_or(0);
            if r < st.compacted {
                return Err(ApiError::gone(format!(
                    "too old resource version: {r} ({})",
                    st.compacted + 1
                )));
            }
            return Ok((vec![], r));
        }
        let items = st
            .objects
            .iter()
            .filter(|(k, _)| k.0 == rt.storage_group && k.1 == rt.storage_plural)
            .filter(|(k, _)| ns.is_none_or(|n| n == k.2))
            .map(|(_, v)| to_view(rt, v))
            .filter(|v| o.matches(v))
            .collect();
        Ok((items, st.rv))
    }

    /// `changes_since` returns the (event type, object) pairs after `cursor` that a watch
    /// with these selectors sees, and the new cursor.
    ///
    /// Errors: 410 Expired when the history no longer reaches back to `cursor`.
    pub fn changes_since(
        &self,
        rt: &ResourceType,
        ns: Option<&str>,
        cursor: u64,
        o: &ListOpts,
    ) -> Result<(Vec<WatchEvent>, u64), ApiError> {
        let st = self.lock();
        if cursor < st.compacted {
            return Err(ApiError::gone(format!(
                "too old resource version: {cursor} ({})",
                st.compacted + 1
            )));
        }
        let mut out = vec![];
        for c in st.log.iter().filter(|c| c.rv > cursor) {
            if c.key.0 != rt.storage_group || c.key.1 != rt.storage_plural {
                continue;
            }
            if ns.is_some_and(|n| n != c.key.2) {
                continue;
            }
            let now = to_view(rt, &c.obj);
            let now_match = o.matches(&now);
            let was_match = c.old.as_ref().map(|old| o.matches(&to_view(rt, old)));
            let etype = match (c.etype, was_match, now_match) {
                ("MODIFIED", Some(false), true) => "ADDED",
                ("MODIFIED", Some(true), false) => "DELETED",
                (t, _, true) => t,
                _ => continue,
            };
            out.push((etype, now));
        }
        Ok((out, st.rv))
    }

    /// `compact` drops the whole watch history: every older resourceVersion gets 410.
    pub fn compact(&self) {
        let mut st = self.lock();
        st.log.clear();
        st.compacted = st.rv;
    }

    /// `snapshot` serializes all objects and the resourceVersion counter.
    pub fn snapshot(&self) -> Value {
        let st = self.lock();
        let objects: Vec<Value> = st
            .objects
            .iter()
            .map(|(k, v)| json!({"group": k.0, "resource": k.1, "object": v}))
            .collect();
        json!({"resourceVersion": st.rv, "objects": objects})
    }

    /// `restore` replaces the content with a snapshot (history is empty afterwards).
    pub fn restore(&self, snap: &Value) {
        let mut st = self.lock();
        st.objects.clear();
        for e in snap
            .get("objects")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(g), Some(r), Some(o)) = (
                e.get("group").and_then(Value::as_str),
                e.get("resource").and_then(Value::as_str),
                e.get("object"),
            ) else {
                continue;
            };
            let ns = get_str(o, &["metadata", "namespace"])
                .unwrap_or("")
                .to_string();
            st.objects
                .insert((g.into(), r.into(), ns, name_of(o).to_string()), o.clone());
        }
        st.rv = snap
            .get("resourceVersion")
            .and_then(Value::as_u64)
            .unwrap_or(st.rv);
        st.log.clear();
        st.compacted = st.rv;
        st.rebuild_registry();
        self.after_write(st);
    }

    /// `all_objects` lists every stored object (stored form), for tests and dumps.
    pub fn all_objects(&self) -> Vec<Value> {
        self.lock().objects.values().cloned().collect()
    }
}

fn strip_cond_times(v: &Value) -> Value {
    let mut o = v.clone();
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for k in [
                    "lastTransitionTime",
                    "lastUpdateTime",
                    "startTime",
                    "completionTime",
                    "lastProbeTime",
                ] {
                    m.remove(k);
                }
                m.values_mut().for_each(walk);
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut o);
    o
}

/// Server-side normalization on every write: Secret `stringData` folded into `data`,
/// CRD pruning.
fn normalize(rt: &ResourceType, obj: &mut Value) {
    if rt.kind == "Secret" && rt.group.is_empty() {
        if let Value::Object(m) = obj {
            if m.get("type")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                m.insert("type".into(), json!("Opaque"));
            }
            if let Some(Value::Object(sd)) = m.remove("stringData") {
                let data = m.entry("data").or_insert_with(|| json!({}));
                if let Value::Object(d) = data {
                    for (k, v) in sd {
                        let s = v.as_str().unwrap_or("").to_string();
                        d.insert(
                            k,
                            json!(base64::engine::general_purpose::STANDARD.encode(s)),
                        );
                    }
                }
            }
        }
    }
    if let Some(schema) = &rt.schema {
        prune(obj, schema, true);
    }
}

fn defaults_on_create(rt: &ResourceType, obj: &mut Value) {
    let Value::Object(m) = obj else { return };
    match (rt.group.as_str(), rt.kind.as_str()) {
        ("", "Namespace") => {
            let spec = m.entry("spec").or_insert_with(|| json!({}));
            if let Value::Object(s) = spec {
                s.entry("finalizers")
                    .or_insert_with(|| json!(["kubernetes"]));
            }
            m.insert("status".into(), json!({"phase": "Active"}));
        }
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            let names = m
                .get("spec")
                .and_then(|s| s.get("names"))
                .cloned()
                .unwrap_or(json!({}));
            let stored: Vec<Value> = m
                .get("spec")
                .and_then(|s| s.get("versions"))
                .and_then(Value::as_array)
                .map(|vs| {
                    vs.iter()
                        .filter(|v| v.get("storage") == Some(&Value::Bool(true)))
                        .filter_map(|v| v.get("name").cloned())
                        .collect()
                })
                .unwrap_or_default();
            let now = now_rfc3339();
            m.insert("status".into(), json!({
                "acceptedNames": names,
                "storedVersions": stored,
                "conditions": [
                    {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
                     "message": "no conflicts found", "lastTransitionTime": now},
                    {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                     "message": "the initial names have been accepted", "lastTransitionTime": now}]}));
        }
        ("", "Service") => {
            let spec = m.entry("spec").or_insert_with(|| json!({}));
            if let Value::Object(s) = spec {
                let t = s
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("ClusterIP")
                    .to_string();
                s.entry("type").or_insert_with(|| json!("ClusterIP"));
                if t != "ExternalName" && !s.contains_key("clusterIP") {
                    let n = (new_uid().bytes().map(u32::from).sum::<u32>() % 250) + 2;
                    s.insert("clusterIP".into(), json!(format!("10.96.0.{n}")));
                    s.insert("clusterIPs".into(), json!([format!("10.96.0.{n}")]));
                }
            }
        }
        _ => {}
    }
    let _ = Map::<String, Value>::new();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (Store, Registry) {
        let s = Store::new(Config::default());
        let r = s.registry();
        (s, r)
    }

    fn opts() -> WriteOpts {
        WriteOpts {
            manager: "test".into(),
            ..WriteOpts::default()
        }
    }

    #[test]
    fn crud_and_noop() {
        let (s, r) = store();
        let Some(cm) = r.lookup("", "v1", "configmaps") else {
            return;
        };
        let o = s.create(
            &cm,
            "default",
            json!({"metadata": {"name": "a"}, "data": {"k": "v"}}),
            &opts(),
        );
        let o = o.unwrap_or_default();
        assert_eq!(o["kind"], "ConfigMap");
        let rv = o["metadata"]["resourceVersion"].clone();
        let again = s.create(&cm, "default", json!({"metadata": {"name": "a"}}), &opts());
        assert_eq!(
            again.err().map(|e| e.reason),
            Some("AlreadyExists".to_string())
        );
        let same = s
            .update(&cm, "default", "a", Sub::Main, o.clone(), &opts())
            .unwrap_or_default();
        assert_eq!(same["metadata"]["resourceVersion"], rv);
        let missing = s.create(&cm, "nope", json!({"metadata": {"name": "a"}}), &opts());
        assert_eq!(missing.err().map(|e| e.code), Some(404));
    }

    #[test]
    fn finalizers_block_deletion() {
        let (s, r) = store();
        let Some(cm) = r.lookup("", "v1", "configmaps") else {
            return;
        };
        let _ = s.create(
            &cm,
            "default",
            json!({"metadata": {"name": "f", "finalizers": ["x/y"]}}),
            &opts(),
        );
        let d = s
            .delete(&cm, "default", "f", &DeleteOpts::default())
            .unwrap_or_default();
        assert!(d["metadata"]["deletionTimestamp"].is_string());
        assert!(s.get(&cm, "default", "f").is_ok());
        let _ = s.patch(
            &cm,
            "default",
            "f",
            Sub::Main,
            PatchType::Merge,
            &json!({"metadata": {"finalizers": null}}),
            &opts(),
        );
        assert_eq!(s.get(&cm, "default", "f").err().map(|e| e.code), Some(404));
    }

    #[test]
    fn namespace_deletion_and_gc() {
        let (s, r) = store();
        let (Some(nsr), Some(cm)) = (
            r.lookup("", "v1", "namespaces"),
            r.lookup("", "v1", "configmaps"),
        ) else {
            return;
        };
        let _ = s.create(&nsr, "", json!({"metadata": {"name": "t"}}), &opts());
        let owner = s
            .create(&cm, "t", json!({"metadata": {"name": "owner"}}), &opts())
            .unwrap_or_default();
        let uid = owner["metadata"]["uid"].clone();
        let _ = s.create(
            &cm,
            "t",
            json!({"metadata": {"name": "dep", "ownerReferences": [
            {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": uid}]}}),
            &opts(),
        );
        let _ = s.delete(&cm, "t", "owner", &DeleteOpts::default());
        assert!(s.get(&cm, "t", "dep").is_err());
        let _ = s.create(&cm, "t", json!({"metadata": {"name": "x"}}), &opts());
        let _ = s.delete(&nsr, "", "t", &DeleteOpts::default());
        assert!(s.get(&cm, "t", "x").is_err());
        assert!(s.get(&nsr, "", "t").is_err());
    }

    #[test]
    fn watch_selector_transitions() {
        let (s, r) = store();
        let Some(cm) = r.lookup("", "v1", "configmaps") else {
            return;
        };
        let start = s.resource_version();
        let _ = s.create(&cm, "default", json!({"metadata": {"name": "t"}}), &opts());
        let lo = ListOpts {
            labels: LabelSelector::parse("app=x").unwrap_or_default(),
            ..ListOpts::default()
        };
        let add = json!({"metadata": {"labels": {"app": "x"}}});
        let _ = s.patch(
            &cm,
            "default",
            "t",
            Sub::Main,
            PatchType::Merge,
            &add,
            &opts(),
        );
        let del = json!({"metadata": {"labels": {"app": "y"}}});
        let _ = s.patch(
            &cm,
            "default",
            "t",
            Sub::Main,
            PatchType::Merge,
            &del,
            &opts(),
        );
        let (evs, _) = s
            .changes_since(&cm, Some("default"), start, &lo)
            .unwrap_or_default();
        let types: Vec<&str> = evs.iter().map(|e| e.0).collect();
        assert_eq!(types, ["ADDED", "DELETED"]);
        s.compact();
        assert_eq!(
            s.changes_since(&cm, None, start, &lo).err().map(|e| e.code),
            Some(410)
        );
    }

    #[test]
    fn retention_window_expires_old_versions() {
        let s = Store::new(Config {
            watch_retention: 3,
            ..Config::default()
        });
        let r = s.registry();
        let Some(cm) = r.lookup("", "v1", "configmaps") else {
            return;
        };
        let start = s.resource_version();
        for i in 0..5 {
            let _ = s.create(
                &cm,
                "default",
                json!({"metadata": {"name": format!("c{i}")}}),
                &opts(),
            );
        }
        let lo = ListOpts::default();
        assert_eq!(
            s.changes_since(&cm, None, start, &lo)
                .err()
                .map(|e| e.reason),
            Some("Expired".to_string())
        );
        let recent = s.resource_version() - 2;
        assert_eq!(
            s.changes_since(&cm, None, recent, &lo)
                .map(|c| c.0.len())
                .unwrap_or(0),
            2
        );
    }

    #[test]
    fn pruning_keeps_preserved() {
        let schema = json!({"type": "object", "properties": {
            "spec": {"type": "object", "properties": {"a": {"type": "string"}}},
            "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}});
        let mut o = json!({"apiVersion": "x", "kind": "K", "metadata": {"name": "n"},
            "spec": {"a": "1", "b": "2"}, "status": {"anything": 1}, "junk": true});
        prune(&mut o, &schema, true);
        assert_eq!(
            o,
            json!({"apiVersion": "x", "kind": "K", "metadata": {"name": "n"},
            "spec": {"a": "1"}, "status": {"anything": 1}})
        );
    }
}
