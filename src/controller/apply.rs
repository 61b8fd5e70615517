//! Server-side apply and prune of release objects, plus the cluster-backed `lookup` and
//! `.Capabilities` the renderer needs.
//!
//! Objects are applied with field manager `helm` and `force`, as Helm v4 does by default,
//! so `helm upgrade`/`helm rollback` on our releases meets no field-manager conflicts. Helm's
//! ownership metadata is added to every object. Prune compares the previous manifest's
//! objects with the new ones and deletes the missing, keeping `helm.sh/resource-policy:
//! keep`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::GroupVersionKind;
use kube::discovery::{ApiCapabilities, ApiResource, Scope};
use kube::Client;
use serde_json::Value;

pub const FIELD_MANAGER: &str = "helm";
pub const APPLY_METHOD: &str = "ssa";
const RESOURCE_POLICY: &str = "helm.sh/resource-policy";

/// One object of a manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// As written; empty means the release namespace (for namespaced kinds).
    pub namespace: String,
    pub body: Value,
}

impl Object {
    pub fn gvk(&self) -> GroupVersionKind {
        let (group, version) = match self.api_version.split_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), self.api_version.clone()),
        };
        GroupVersionKind {
            group,
            version,
            kind: self.kind.clone(),
        }
    }

    pub fn keep(&self) -> bool {
        self.body
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(RESOURCE_POLICY))
            .and_then(Value::as_str)
            == Some("keep")
    }
}

/// Parses a manifest (`---`-separated YAML documents) into objects, in order.
pub fn parse_manifest(text: &str) -> Result<Vec<Object>, String> {
    let mut out = Vec::new();
    for doc in helm_render::manifest::split_manifests(text) {
        let v: Value = helm_render::yamljson::yaml_to_json(&doc)
            .map_err(|e| format!("parsing manifest: {e}"))?;
        if v.is_null() {
            continue;
        }
        let s = |p: &str| {
            v.pointer(p)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let (api_version, kind, name, namespace) = (
            s("/apiVersion"),
            s("/kind"),
            s("/metadata/name"),
            s("/metadata/namespace"),
        );
        if kind.is_empty() || name.is_empty() {
            return Err(format!(
                "manifest object without kind or name: {api_version} {kind} {name}"
            ));
        }
        out.push(Object {
            api_version,
            kind,
            name,
            namespace,
            body: v,
        });
    }
    Ok(out)
}

/// Talks to the cluster for one release: discovery cache, apply, delete.
pub struct Applier {
    pub client: Client,
    pub release_name: String,
    pub release_namespace: String,
    cache: Mutex<HashMap<GroupVersionKind, (ApiResource, ApiCapabilities)>>,
}

impl Applier {
    pub fn new(client: Client, release_name: &str, release_namespace: &str) -> Self {
        Applier {
            client,
            release_name: release_name.to_string(),
            release_namespace: release_namespace.to_string(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    pub async fn resolve(
        &self,
        gvk: &GroupVersionKind,
    ) -> Result<(ApiResource, ApiCapabilities), String> {
        if let Some(hit) = self.cache.lock().ok().and_then(|c| c.get(gvk).cloned()) {
            return Ok(hit);
        }
        let r = kube::discovery::pinned_kind(&self.client, gvk)
            .await
            .map_err(|e| {
                format!(
                    "resource mapping not found for kind {:?} in version {:?}: {e}",
                    gvk.kind,
                    if gvk.group.is_empty() {
                        gvk.version.clone()
                    } else {
                        format!("{}/{}", gvk.group, gvk.version)
                    }
                )
            })?;
        if let Ok(mut c) = self.cache.lock() {
            c.insert(gvk.clone(), r.clone());
        }
        Ok(r)
    }

    /// The API for an object and its effective namespace ("" for cluster-scoped).
    pub async fn api_for(&self, o: &Object) -> Result<(Api<DynamicObject>, String), String> {
        let (ar, caps) = self.resolve(&o.gvk()).await?;
        if caps.scope == Scope::Namespaced {
            let ns = if o.namespace.is_empty() {
                self.release_namespace.clone()
            } else {
                o.namespace.clone()
            };
            Ok((Api::namespaced_with(self.client.clone(), &ns, &ar), ns))
        } else {
            Ok((Api::all_with(self.client.clone(), &ar), String::new()))
        }
    }

    /// Adds Helm's ownership metadata.
    pub fn with_ownership(&self, o: &Object, ns: &str) -> Value {
        let mut body = o.body.clone();
        if let Some(meta) = body.get_mut("metadata").and_then(Value::as_object_mut) {
            if !ns.is_empty() {
                meta.insert("namespace".into(), Value::String(ns.to_string()));
            }
            let labels = meta
                .entry("labels")
                .or_insert_with(|| Value::Object(Default::default()));
            if !labels.is_object() {
                *labels = Value::Object(Default::default());
            }
            if let Some(l) = labels.as_object_mut() {
                l.insert("app.kubernetes.io/managed-by".into(), "Helm".into());
            }
            let ann = meta
                .entry("annotations")
                .or_insert_with(|| Value::Object(Default::default()));
            if !ann.is_object() {
                *ann = Value::Object(Default::default());
            }
            if let Some(a) = ann.as_object_mut() {
                a.insert(
                    "meta.helm.sh/release-name".into(),
                    self.release_name.clone().into(),
                );
                a.insert(
                    "meta.helm.sh/release-namespace".into(),
                    self.release_namespace.clone().into(),
                );
            }
        }
        body
    }

    pub async fn apply(&self, o: &Object) -> Result<(), String> {
        let (api, ns) = self.api_for(o).await?;
        let body = self.with_ownership(o, &ns);
        let pp = PatchParams::apply(FIELD_MANAGER).force();
        api.patch(&o.name, &pp, &Patch::Apply(&body))
            .await
            .map_err(|e| format!("applying {} {}: {}", o.kind, o.name, api_message(&e)))?;
        Ok(())
    }

    pub async fn apply_all(&self, objs: &[Object]) -> Result<(), String> {
        for o in objs {
            self.apply(o).await?;
        }
        Ok(())
    }

    /// Updates every object by replacement (`force`) or server-side apply.
    pub async fn update_all(&self, objs: &[Object], force: bool) -> Result<(), String> {
        if !force {
            return self.apply_all(objs).await;
        }
        for o in objs {
            self.replace(o).await?;
        }
        Ok(())
    }

    /// Helm's `--force`: create a missing object, else replace it (PUT of the whole
    /// manifest object at the live resourceVersion, as Helm 3 `helper.Replace`), so fields
    /// other managers added are dropped. When the server refuses the replacement as
    /// invalid (422, e.g. an immutable field changed) the object is deleted and created
    /// again: the "delete/recreate if needed" of v1's `forceUpgrade`.
    pub async fn replace(&self, o: &Object) -> Result<(), String> {
        let (api, ns) = self.api_for(o).await?;
        let body = self.with_ownership(o, &ns);
        let pp = PostParams {
            field_manager: Some(FIELD_MANAGER.to_string()),
            ..PostParams::default()
        };
        let what = |e: &kube::Error| format!("replacing {} {}: {}", o.kind, o.name, api_message(e));
        // One retry when the object changed between the read and the write (409).
        for attempt in 0..2 {
            let Some(live) = api.get_opt(&o.name).await.map_err(|e| what(&e))? else {
                let obj: DynamicObject =
                    serde_json::from_value(body.clone()).map_err(|e| e.to_string())?;
                api.create(&pp, &obj).await.map_err(|e| what(&e))?;
                return Ok(());
            };
            let mut b = body.clone();
            if let Some(meta) = b.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.insert(
                    "resourceVersion".into(),
                    live.metadata
                        .resource_version
                        .clone()
                        .unwrap_or_default()
                        .into(),
                );
            }
            let obj: DynamicObject = serde_json::from_value(b).map_err(|e| e.to_string())?;
            match api.replace(&o.name, &pp, &obj).await {
                Ok(_) => return Ok(()),
                Err(e) => match replace_fallback(&e) {
                    ReplaceFallback::Recreate => {
                        tracing::info!(kind = %o.kind, name = %o.name, "replacement refused; deleting and recreating");
                        self.delete(o).await?;
                        self.wait_gone(o).await?;
                        let obj: DynamicObject =
                            serde_json::from_value(body.clone()).map_err(|e| e.to_string())?;
                        api.create(&pp, &obj).await.map_err(|e| what(&e))?;
                        return Ok(());
                    }
                    ReplaceFallback::Retry if attempt == 0 => continue,
                    _ => return Err(what(&e)),
                },
            }
        }
        Err(format!(
            "replacing {} {}: conflicting writes",
            o.kind, o.name
        ))
    }

    /// Waits (bounded) until a deleted object is gone, so a create does not meet it
    /// terminating.
    pub async fn wait_gone(&self, o: &Object) -> Result<(), String> {
        for _ in 0..100 {
            if self.get(o).await?.is_none() {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Err(format!("{} {} was not deleted in time", o.kind, o.name))
    }

    /// Deletes an object; absent is fine.
    pub async fn delete(&self, o: &Object) -> Result<(), String> {
        let (api, _) = self.api_for(o).await?;
        match api.delete(&o.name, &DeleteParams::background()).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
            Err(e) => Err(format!(
                "deleting {} {}: {}",
                o.kind,
                o.name,
                api_message(&e)
            )),
        }
    }

    pub async fn get(&self, o: &Object) -> Result<Option<DynamicObject>, String> {
        let (api, _) = self.api_for(o).await?;
        api.get_opt(&o.name)
            .await
            .map_err(|e| format!("getting {} {}: {}", o.kind, o.name, api_message(&e)))
    }

    /// Deletes objects of `old` missing from `new` (by apiVersion group, kind, namespace,
    /// name), skipping `keep`. Returns what was deleted.
    pub async fn prune(&self, old: &[Object], new: &[Object]) -> Result<Vec<String>, String> {
        let key = |o: &Object| {
            let g = o.gvk().group;
            let ns = if o.namespace.is_empty() {
                self.release_namespace.clone()
            } else {
                o.namespace.clone()
            };
            (g, o.kind.clone(), ns, o.name.clone())
        };
        let keep: BTreeSet<_> = new.iter().map(key).collect();
        let mut deleted = Vec::new();
        for o in old.iter().rev() {
            if keep.contains(&key(o)) || o.keep() {
                continue;
            }
            self.delete(o).await?;
            deleted.push(format!("{}/{}", o.kind, o.name));
        }
        Ok(deleted)
    }

    /// Deletes every object of a manifest in reverse order, except `keep` ones.
    pub async fn delete_all(&self, objs: &[Object]) -> Result<Vec<String>, String> {
        let mut kept = Vec::new();
        let mut errors = Vec::new();
        for o in objs.iter().rev() {
            if o.keep() {
                kept.push(format!("{}/{}", o.kind, o.name));
                continue;
            }
            if let Err(e) = self.delete(o).await {
                errors.push(e);
            }
        }
        match errors.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(kept),
        }
    }
}

/// What a forced update does after a failed replacement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplaceFallback {
    /// 422 Invalid (immutable fields): delete and create the object.
    Recreate,
    /// 409 Conflict (the object changed since it was read): read again and retry.
    Retry,
    /// Anything else fails the update.
    Fail,
}

/// The fallback for a failed replacement.
pub fn replace_fallback(e: &kube::Error) -> ReplaceFallback {
    match e {
        kube::Error::Api(s) if s.code == 422 => ReplaceFallback::Recreate,
        kube::Error::Api(s) if s.code == 409 => ReplaceFallback::Retry,
        _ => ReplaceFallback::Fail,
    }
}

/// An API error's message (Status messages name objects, not request bodies).
pub fn api_message(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => format!("{} ({})", s.message, s.code),
        other => other.to_string(),
    }
}

/// `.Capabilities` from discovery.
pub async fn capabilities(client: &Client) -> Result<helm_render::Capabilities, String> {
    let info = client
        .apiserver_version()
        .await
        .map_err(|e| format!("reading server version: {}", api_message(&e)))?;
    let kube_version = helm_render::KubeVersion::parse(&info.git_version).unwrap_or_default();
    let discovery = kube::Discovery::new(client.clone())
        .run()
        .await
        .map_err(|e| format!("discovery: {}", api_message(&e)))?;
    let mut set: BTreeSet<String> = BTreeSet::new();
    for group in discovery.groups() {
        for (ar, _) in group.recommended_resources() {
            set.insert(ar.api_version.clone());
            set.insert(format!("{}/{}", ar.api_version, ar.kind));
        }
        for v in group.versions() {
            let gv = if group.name().is_empty() {
                v.to_string()
            } else {
                format!("{}/{v}", group.name())
            };
            set.insert(gv);
        }
    }
    let mut api_versions = helm_render::VersionSet::default();
    for v in set {
        if !api_versions.0.contains(&v) {
            api_versions.0.push(v);
        }
    }
    Ok(helm_render::Capabilities {
        kube_version,
        api_versions,
        ..helm_render::Capabilities::default()
    })
}

/// `lookup` against the cluster. Called from the render thread (not a runtime worker), so
/// it blocks on the runtime handle.
pub struct ClusterLookup {
    pub client: Client,
    pub handle: tokio::runtime::Handle,
}

impl helm_render::Lookup for ClusterLookup {
    fn lookup(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<gotemplate::Value, String> {
        let o = Object {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            name: name.to_string(),
            namespace: namespace.to_string(),
            body: Value::Null,
        };
        let client = self.client.clone();
        let res: Result<Value, String> = self.handle.block_on(async move {
            let applier = Applier::new(client.clone(), "", namespace);
            let (ar, caps) = applier.resolve(&o.gvk()).await?;
            let api: Api<DynamicObject> =
                if caps.scope == Scope::Namespaced && !namespace.is_empty() {
                    Api::namespaced_with(client, namespace, &ar)
                } else {
                    Api::all_with(client, &ar)
                };
            if name.is_empty() {
                let list = api
                    .list(&Default::default())
                    .await
                    .map_err(|e| api_message(&e))?;
                let items: Vec<Value> = list
                    .items
                    .iter()
                    .filter_map(|i| serde_json::to_value(i).ok())
                    .collect();
                let mut m = serde_json::Map::new();
                m.insert("apiVersion".into(), Value::String(api_version.to_string()));
                m.insert("kind".into(), Value::String(format!("{kind}List")));
                m.insert("items".into(), Value::Array(items));
                return Ok(Value::Object(m));
            }
            match api.get_opt(name).await {
                Ok(Some(obj)) => serde_json::to_value(&obj).map_err(|e| e.to_string()),
                Ok(None) => Ok(Value::Object(Default::default())),
                Err(e) => Err(api_message(&e)),
            }
        });
        let v = res?;
        helm_render::json::must_from_json(&v.to_string())
    }
}

/// Objects grouped by kind, for messages.
pub fn summarize(objs: &[Object]) -> String {
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for o in objs {
        *by.entry(o.kind.as_str()).or_default() += 1;
    }
    by.iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_skips_empty_docs() {
        let objs = parse_manifest(
            "---\n# Source: a\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# empty\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  namespace: x\n  annotations:\n    helm.sh/resource-policy: keep\n",
        )
        .unwrap();
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[1].gvk().group, "apps");
        assert_eq!(objs[1].namespace, "x");
        assert!(objs[1].keep());
        assert!(!objs[0].keep());
    }

    fn api_err(code: u16) -> kube::Error {
        kube::Error::Api(
            kube::core::Status::failure("m", "r")
                .with_code(code)
                .boxed(),
        )
    }

    #[test]
    fn forced_update_fallbacks() {
        assert_eq!(replace_fallback(&api_err(422)), ReplaceFallback::Recreate);
        assert_eq!(replace_fallback(&api_err(409)), ReplaceFallback::Retry);
        assert_eq!(replace_fallback(&api_err(500)), ReplaceFallback::Fail);
        assert_eq!(replace_fallback(&api_err(404)), ReplaceFallback::Fail);
    }

    #[test]
    fn rejects_nameless() {
        assert!(parse_manifest("apiVersion: v1\nkind: ConfigMap\n").is_err());
    }
}
