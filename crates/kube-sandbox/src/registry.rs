//! The table of served resource types: built-in kinds and the kinds of CRDs created at
//! runtime. It owns names, scope, verbs, subresources, printer columns and CRD schemas;
//! it knows nothing about stored objects.

use crate::util::get_str;
use serde_json::Value;
use std::sync::Arc;

/// `View` says how a served resource maps onto its storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Stored as served.
    Plain,
    /// `events.k8s.io/v1` Events, stored as core/v1 Events.
    EventsV1,
}

/// `PrinterColumn` is one Table column (CRD `additionalPrinterColumns` or built-in).
#[derive(Debug, Clone, PartialEq)]
pub struct PrinterColumn {
    /// Column header.
    pub name: String,
    /// OpenAPI type (`string`, `integer`, `date`, ...).
    pub type_: String,
    /// JSONPath into the object; empty for built-in computed columns.
    pub json_path: String,
    /// Description.
    pub description: String,
    /// 0 = shown by default, >0 = only with `-o wide`.
    pub priority: i64,
}

/// `ResourceType` is one served group/version/resource.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceType {
    /// API group ("" for core).
    pub group: String,
    /// Version.
    pub version: String,
    /// Plural resource name.
    pub plural: String,
    /// Singular name.
    pub singular: String,
    /// Kind.
    pub kind: String,
    /// Namespaced or cluster-scoped.
    pub namespaced: bool,
    /// kubectl short names.
    pub short_names: Vec<String>,
    /// Categories (`all`, ...).
    pub categories: Vec<String>,
    /// Has a `/status` subresource (main resource then ignores status changes).
    pub status: bool,
    /// Has a `/scale` subresource.
    pub scale: bool,
    /// `metadata.generation` is tracked.
    pub generation: bool,
    /// Storage group (objects of all versions of a group/resource share one store).
    pub storage_group: String,
    /// Storage resource.
    pub storage_plural: String,
    /// How the served form maps to storage.
    pub view: View,
    /// Table columns, `Name` excluded.
    pub columns: Vec<PrinterColumn>,
    /// CRD `openAPIV3Schema` of this version, for pruning and list map keys.
    pub schema: Option<Value>,
    /// Defined by a CRD.
    pub crd: bool,
}

impl ResourceType {
    /// `api_version` is `group/version` or `version` for core.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `verbs` served on the main resource.
    pub fn verbs(&self) -> Vec<&'static str> {
        vec![
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
            "watch",
        ]
    }
}

// (group, version, plural, kind, namespaced, short names, flags: s=status c=scale g=generation)
const BUILTINS: &[(&str, &str, &str, &str, bool, &str, &str)] = &[
    ("", "v1", "namespaces", "Namespace", false, "ns", "s"),
    ("", "v1", "nodes", "Node", false, "no", "s"),
    (
        "",
        "v1",
        "persistentvolumes",
        "PersistentVolume",
        false,
        "pv",
        "s",
    ),
    ("", "v1", "configmaps", "ConfigMap", true, "cm", ""),
    ("", "v1", "secrets", "Secret", true, "", ""),
    ("", "v1", "services", "Service", true, "svc", "s"),
    (
        "",
        "v1",
        "serviceaccounts",
        "ServiceAccount",
        true,
        "sa",
        "",
    ),
    ("", "v1", "pods", "Pod", true, "po", "s"),
    (
        "",
        "v1",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        true,
        "pvc",
        "s",
    ),
    ("", "v1", "endpoints", "Endpoints", true, "ep", ""),
    ("", "v1", "events", "Event", true, "ev", ""),
    ("", "v1", "limitranges", "LimitRange", true, "limits", ""),
    (
        "",
        "v1",
        "resourcequotas",
        "ResourceQuota",
        true,
        "quota",
        "s",
    ),
    (
        "",
        "v1",
        "replicationcontrollers",
        "ReplicationController",
        true,
        "rc",
        "scg",
    ),
    (
        "apps",
        "v1",
        "deployments",
        "Deployment",
        true,
        "deploy",
        "scg",
    ),
    (
        "apps",
        "v1",
        "statefulsets",
        "StatefulSet",
        true,
        "sts",
        "scg",
    ),
    ("apps", "v1", "daemonsets", "DaemonSet", true, "ds", "sg"),
    ("apps", "v1", "replicasets", "ReplicaSet", true, "rs", "scg"),
    (
        "apps",
        "v1",
        "controllerrevisions",
        "ControllerRevision",
        true,
        "",
        "",
    ),
    ("batch", "v1", "jobs", "Job", true, "", "sg"),
    ("batch", "v1", "cronjobs", "CronJob", true, "cj", "sg"),
    (
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        true,
        "hpa",
        "sg",
    ),
    (
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        true,
        "pdb",
        "sg",
    ),
    (
        "networking.k8s.io",
        "v1",
        "ingresses",
        "Ingress",
        true,
        "ing",
        "sg",
    ),
    (
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "NetworkPolicy",
        true,
        "netpol",
        "g",
    ),
    (
        "networking.k8s.io",
        "v1",
        "ingressclasses",
        "IngressClass",
        false,
        "",
        "",
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "roles",
        "Role",
        true,
        "",
        "",
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "RoleBinding",
        true,
        "",
        "",
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
        false,
        "",
        "",
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        false,
        "",
        "",
    ),
    (
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        false,
        "crd,crds",
        "sg",
    ),
    (
        "storage.k8s.io",
        "v1",
        "storageclasses",
        "StorageClass",
        false,
        "sc",
        "",
    ),
    (
        "scheduling.k8s.io",
        "v1",
        "priorityclasses",
        "PriorityClass",
        false,
        "pc",
        "",
    ),
    ("coordination.k8s.io", "v1", "leases", "Lease", true, "", ""),
    (
        "discovery.k8s.io",
        "v1",
        "endpointslices",
        "EndpointSlice",
        true,
        "",
        "",
    ),
    ("events.k8s.io", "v1", "events", "Event", true, "ev", ""),
    (
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        false,
        "",
        "g",
    ),
    (
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        false,
        "",
        "g",
    ),
    (
        "apiregistration.k8s.io",
        "v1",
        "apiservices",
        "APIService",
        false,
        "",
        "s",
    ),
];

const ALL_CATEGORY: &[&str] = &[
    "pods",
    "services",
    "deployments",
    "statefulsets",
    "daemonsets",
    "replicasets",
    "jobs",
    "cronjobs",
    "horizontalpodautoscalers",
    "replicationcontrollers",
];

fn col(name: &str, type_: &str, path: &str) -> PrinterColumn {
    PrinterColumn {
        name: name.into(),
        type_: type_.into(),
        json_path: path.into(),
        description: String::new(),
        priority: 0,
    }
}

fn builtin_columns(kind: &str) -> Vec<PrinterColumn> {
    let age = col("Age", "date", ".metadata.creationTimestamp");
    let mut c = match kind {
        "Namespace" => vec![col("Status", "string", ".status.phase")],
        "Pod" => vec![
            col("Ready", "string", "#podReady"),
            col("Status", "string", ".status.phase"),
            col("Restarts", "integer", "#restarts"),
        ],
        "Deployment" => vec![
            col("Ready", "string", "#readyOf"),
            col("Up-to-date", "integer", ".status.updatedReplicas"),
            col("Available", "integer", ".status.availableReplicas"),
        ],
        "StatefulSet" => vec![col("Ready", "string", "#readyOf")],
        "Secret" => vec![
            col("Type", "string", ".type"),
            col("Data", "integer", "#dataCount"),
        ],
        "ConfigMap" => vec![col("Data", "integer", "#dataCount")],
        "Service" => vec![
            col("Type", "string", ".spec.type"),
            col("Cluster-IP", "string", ".spec.clusterIP"),
        ],
        "Job" => vec![
            col("Status", "string", "#jobStatus"),
            col("Completions", "string", "#completions"),
        ],
        "CustomResourceDefinition" => {
            return vec![col("Created At", "date", ".metadata.creationTimestamp")];
        }
        "Event" => {
            return vec![
                col("Last Seen", "date", "#lastSeen"),
                col("Type", "string", ".type"),
                col("Reason", "string", ".reason"),
                col("Object", "string", "#involved"),
                col("Message", "string", ".message"),
            ];
        }
        _ => vec![],
    };
    c.push(age);
    c
}

fn builtin(row: &(&str, &str, &str, &str, bool, &str, &str)) -> ResourceType {
    let (group, version, plural, kind, namespaced, short, flags) = *row;
    let view = if group == "events.k8s.io" {
        View::EventsV1
    } else {
        View::Plain
    };
    let (sg, sp) = if view == View::EventsV1 {
        ("", "events")
    } else {
        (group, plural)
    };
    let mut columns = builtin_columns(kind);
    if view == View::EventsV1 {
        columns = vec![col("Age", "date", ".metadata.creationTimestamp")];
    }
    ResourceType {
        group: group.into(),
        version: version.into(),
        plural: plural.into(),
        singular: kind.to_lowercase(),
        kind: kind.into(),
        namespaced,
        short_names: short
            .split(',')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        categories: if ALL_CATEGORY.contains(&plural) {
            vec!["all".into()]
        } else {
            vec![]
        },
        status: flags.contains('s'),
        scale: flags.contains('c'),
        generation: flags.contains('g'),
        storage_group: sg.into(),
        storage_plural: sp.into(),
        view,
        columns,
        schema: None,
        crd: false,
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// `from_crd` derives the served resource types (one per served version) of a CRD object.
/// A CRD lacking group, names or versions yields nothing.
pub fn from_crd(crd: &Value) -> Vec<ResourceType> {
    let Some(spec) = crd.get("spec") else {
        return vec![];
    };
    let (Some(group), Some(plural), Some(kind)) = (
        get_str(spec, &["group"]),
        get_str(spec, &["names", "plural"]),
        get_str(spec, &["names", "kind"]),
    ) else {
        return vec![];
    };
    let singular = get_str(spec, &["names", "singular"])
        .map(String::from)
        .unwrap_or_else(|| kind.to_lowercase());
    let namespaced = get_str(spec, &["scope"]) != Some("Cluster");
    let names = spec.get("names");
    let short_names = strings(names.and_then(|n| n.get("shortNames")));
    let categories = strings(names.and_then(|n| n.get("categories")));
    let Some(versions) = spec.get("versions").and_then(Value::as_array) else {
        return vec![];
    };
    let mut out = vec![];
    for v in versions {
        let Some(vname) = get_str(v, &["name"]) else {
            continue;
        };
        if v.get("served").and_then(Value::as_bool) == Some(false) {
            continue;
        }
        let sub = v.get("subresources");
        let mut columns: Vec<PrinterColumn> = v
            .get("additionalPrinterColumns")
            .and_then(Value::as_array)
            .map(|cols| {
                cols.iter()
                    .filter_map(|c| {
                        Some(PrinterColumn {
                            name: get_str(c, &["name"])?.to_string(),
                            type_: get_str(c, &["type"]).unwrap_or("string").to_string(),
                            json_path: get_str(c, &["jsonPath"])?.to_string(),
                            description: get_str(c, &["description"]).unwrap_or("").to_string(),
                            priority: c.get("priority").and_then(Value::as_i64).unwrap_or(0),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        if columns.is_empty() {
            columns.push(col("Age", "date", ".metadata.creationTimestamp"));
        }
        out.push(ResourceType {
            group: group.into(),
            version: vname.into(),
            plural: plural.into(),
            singular: singular.clone(),
            kind: kind.into(),
            namespaced,
            short_names: short_names.clone(),
            categories: categories.clone(),
            status: sub.and_then(|s| s.get("status")).is_some(),
            scale: sub.and_then(|s| s.get("scale")).is_some(),
            generation: true,
            storage_group: group.into(),
            storage_plural: plural.into(),
            view: View::Plain,
            columns,
            schema: v
                .get("schema")
                .and_then(|s| s.get("openAPIV3Schema"))
                .cloned(),
            crd: true,
        });
    }
    out
}

/// `Registry` is the set of served resource types.
#[derive(Debug, Clone)]
pub struct Registry {
    types: Vec<Arc<ResourceType>>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::builtin()
    }
}

impl Registry {
    /// `builtin` is the registry with only built-in kinds.
    pub fn builtin() -> Self {
        Registry {
            types: BUILTINS.iter().map(|r| Arc::new(builtin(r))).collect(),
        }
    }

    /// `with_crds` rebuilds the registry from built-ins plus the given CRD objects.
    /// Established conflicts (a CRD redefining a built-in) are ignored.
    pub fn with_crds<'a>(crds: impl Iterator<Item = &'a Value>) -> Self {
        let mut r = Registry::builtin();
        for crd in crds {
            for t in from_crd(crd) {
                if r.lookup(&t.group, &t.version, &t.plural).is_none() {
                    r.types.push(Arc::new(t));
                }
            }
        }
        r
    }

    /// `lookup` finds a served group/version/plural.
    pub fn lookup(&self, group: &str, version: &str, plural: &str) -> Option<Arc<ResourceType>> {
        self.types
            .iter()
            .find(|t| t.group == group && t.version == version && t.plural == plural)
            .cloned()
    }

    /// `by_storage` finds the first served type stored under `group/plural`.
    pub fn by_storage(&self, group: &str, plural: &str) -> Option<Arc<ResourceType>> {
        self.types
            .iter()
            .find(|t| {
                t.storage_group == group && t.storage_plural == plural && t.view == View::Plain
            })
            .cloned()
    }

    /// `by_kind` finds a type by apiVersion and kind.
    pub fn by_kind(&self, api_version: &str, kind: &str) -> Option<Arc<ResourceType>> {
        self.types
            .iter()
            .find(|t| t.api_version() == api_version && t.kind == kind)
            .cloned()
    }

    /// `types` lists every served type.
    pub fn types(&self) -> &[Arc<ResourceType>] {
        &self.types
    }

    /// `groups` lists groups with their versions, preferred version first, core ("") first.
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = vec![];
        for t in &self.types {
            match out.iter_mut().find(|(g, _)| *g == t.group) {
                Some((_, vs)) => {
                    if !vs.contains(&t.version) {
                        vs.push(t.version.clone());
                    }
                }
                None => out.push((t.group.clone(), vec![t.version.clone()])),
            }
        }
        out
    }

    /// `in_group_version` lists the types of one group/version.
    pub fn in_group_version(&self, group: &str, version: &str) -> Vec<Arc<ResourceType>> {
        self.types
            .iter()
            .filter(|t| t.group == group && t.version == version)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builtins_are_found() {
        let r = Registry::builtin();
        let d = r.lookup("apps", "v1", "deployments");
        assert!(d
            .as_ref()
            .is_some_and(|d| d.status && d.scale && d.generation));
        let ev = r.lookup("events.k8s.io", "v1", "events");
        assert!(ev.is_some_and(|e| e.storage_group.is_empty() && e.view == View::EventsV1));
        assert_eq!(r.groups()[0].0, "");
    }

    #[test]
    fn crd_types() {
        let crd = json!({"spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"]},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "subresources": {"status": {}},
                "additionalPrinterColumns": [{"name": "Phase", "type": "string", "jsonPath": ".status.phase"}]}]}});
        let r = Registry::with_crds([&crd].into_iter());
        let w = r.lookup("example.com", "v1", "widgets");
        assert!(w
            .as_ref()
            .is_some_and(|w| w.status && w.columns.len() == 1 && w.namespaced));
    }
}
