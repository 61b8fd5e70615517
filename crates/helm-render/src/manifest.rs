//! From rendered files to what Helm installs (`pkg/release/v1/util`): documents split at
//! `---`, hooks separated by their `helm.sh/hook` annotation, and both sorted by kind in
//! Helm's install order (stable, unknown kinds last in name order).

use std::collections::BTreeMap;

use gotemplate::Value;

/// Kinds in the order Helm installs them.
pub const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// The hook events Helm knows (`test-success` is an old alias of `test`).
pub const HOOK_EVENTS: &[&str] = &[
    "pre-install",
    "post-install",
    "pre-delete",
    "post-delete",
    "pre-upgrade",
    "post-upgrade",
    "pre-rollback",
    "post-rollback",
    "test",
];

/// The head of a manifest: what Helm decodes to sort it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Head {
    /// `apiVersion`
    pub api_version: String,
    /// `kind`
    pub kind: String,
    /// `metadata.name`
    pub name: String,
    /// `metadata.annotations`
    pub annotations: BTreeMap<String, String>,
}

/// A plain (non-hook) manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The template file it came from (`chart/templates/x.yaml`).
    pub name: String,
    /// The document text.
    pub content: String,
    /// Its head.
    pub head: Head,
}

/// A hook manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Hook {
    /// `metadata.name`
    pub name: String,
    /// `kind`
    pub kind: String,
    /// The template file it came from.
    pub path: String,
    /// The document text.
    pub manifest: String,
    /// Events it runs on, in annotation order.
    pub events: Vec<String>,
    /// `helm.sh/hook-weight` (0 when absent or not an integer).
    pub weight: i64,
    /// `helm.sh/hook-delete-policy` values.
    pub delete_policies: Vec<String>,
    /// `helm.sh/hook-output-log-policy` values.
    pub output_log_policies: Vec<String>,
}

/// A document that is not valid YAML.
#[derive(Debug, Clone, thiserror::Error)]
#[error("YAML parse error on {file}: {message}")]
pub struct ManifestError {
    /// The template file.
    pub file: String,
    /// The decoder's message.
    pub message: String,
}

/// Helm's `SplitManifests`: documents separated by `---` lines, blank ones dropped, leading
/// whitespace trimmed, in order.
pub fn split_manifests(big: &str) -> Vec<String> {
    let trimmed = big.trim_start();
    let mut docs = Vec::new();
    // The separator is `(?:^|\s*\n)---\s*`.
    let bytes = trimmed.as_bytes();
    let mut start = 0usize;
    let mut i = 0usize;
    let mut pieces: Vec<&str> = Vec::new();
    let is_ws = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    while i < bytes.len() {
        let at_sep = |pos: usize| bytes.get(pos..pos + 3) == Some(b"---");
        let sep_start;
        let dash_pos;
        if i == 0 && at_sep(0) {
            sep_start = 0;
            dash_pos = 0;
        } else if bytes[i] == b'\n' && at_sep(i + 1) {
            // Extend back over whitespace before the newline.
            let mut s = i;
            while s > start && is_ws(bytes[s - 1]) {
                s -= 1;
            }
            sep_start = s;
            dash_pos = i + 1;
        } else {
            i += 1;
            continue;
        }
        let mut end = dash_pos + 3;
        while end < bytes.len() && is_ws(bytes[end]) {
            end += 1;
        }
        pieces.push(&trimmed[start..sep_start]);
        start = end;
        i = end.max(i + 1);
    }
    pieces.push(&trimmed[start..]);
    for d in pieces {
        if d.trim().is_empty() {
            continue;
        }
        docs.push(d.trim_start().to_string());
    }
    docs
}

fn head_of(doc: &str, file: &str) -> Result<Head, ManifestError> {
    let err = |message: String| ManifestError {
        file: file.to_string(),
        message,
    };
    let v = crate::values::parse_yaml_document(doc).map_err(|e| err(e.to_string()))?;
    let Some(m) = v.as_map() else {
        return match v {
            Value::Nil => Ok(Head::default()),
            other => Err(err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type releaseutil.SimpleHead",
                json_kind(&other)
            ))),
        };
    };
    let text = |v: Option<Value>| match v {
        Some(Value::String(s)) => s.to_string(),
        _ => String::new(),
    };
    let mut head = Head {
        api_version: text(m.get("apiVersion")),
        kind: text(m.get("kind")),
        ..Head::default()
    };
    if let Some(meta) = m.get("metadata").and_then(|v| v.as_map()) {
        head.name = text(meta.get("name"));
        if let Some(ann) = meta.get("annotations").and_then(|v| v.as_map()) {
            for (k, v) in ann.entries() {
                match v {
                    Value::String(s) => {
                        head.annotations.insert(k.to_string(), s.to_string());
                    }
                    Value::Nil => {}
                    other => {
                        return Err(err(format!(
                            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field .metadata.annotations of type string",
                            json_kind(&other)
                        )))
                    }
                }
            }
        }
    }
    Ok(head)
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::Int64(_) | Value::Float(_) => "number",
        Value::String(_) => "string",
        Value::List(_) => "array",
        Value::Map(_) => "object",
        _ => "value",
    }
}

fn kind_rank(kind: &str) -> Option<usize> {
    INSTALL_ORDER.iter().position(|k| *k == kind)
}

/// Helm's `lessByKind` for install order.
fn less_by_kind(a: &str, b: &str) -> bool {
    match (kind_rank(a), kind_rank(b)) {
        (None, None) => a < b,
        (None, Some(_)) => false,
        (Some(_), None) => true,
        (Some(x), Some(y)) => x < y,
    }
}

fn stable_sort_by_kind<T>(items: &mut [T], kind: impl Fn(&T) -> &str) {
    items.sort_by(|x, y| {
        let (a, b) = (kind(x), kind(y));
        if less_by_kind(a, b) {
            std::cmp::Ordering::Less
        } else if less_by_kind(b, a) {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    });
}

/// Helm's `SortManifests` with install order: files in path order, partials and blank files
/// skipped, each file's documents split, hooks separated; both lists sorted by kind.
pub fn sort_manifests(
    files: &BTreeMap<String, String>,
) -> Result<(Vec<Hook>, Vec<Manifest>), ManifestError> {
    let mut hooks = Vec::new();
    let mut generic = Vec::new();
    for (path, content) in files {
        let base = path.rsplit('/').next().unwrap_or(path);
        if base.starts_with('_') || content.trim().is_empty() {
            continue;
        }
        for doc in split_manifests(content) {
            let head = head_of(&doc, path)?;
            let Some(hook_types) = head.annotations.get("helm.sh/hook").cloned() else {
                generic.push(Manifest {
                    name: path.clone(),
                    content: doc,
                    head,
                });
                continue;
            };
            let mut events = Vec::new();
            let mut unknown = false;
            for t in hook_types.split(',') {
                let t = t.trim().to_lowercase();
                let t = if t == "test-success" {
                    "test".to_string()
                } else {
                    t
                };
                if HOOK_EVENTS.contains(&t.as_str()) {
                    events.push(t);
                } else {
                    unknown = true;
                    break;
                }
            }
            if unknown {
                continue;
            }
            let list = |key: &str| -> Vec<String> {
                head.annotations
                    .get(key)
                    .map(|v| v.split(',').map(|p| p.trim().to_lowercase()).collect())
                    .unwrap_or_default()
            };
            hooks.push(Hook {
                name: head.name.clone(),
                kind: head.kind.clone(),
                path: path.clone(),
                weight: head
                    .annotations
                    .get("helm.sh/hook-weight")
                    .and_then(|w| parse_go_atoi(w))
                    .unwrap_or(0),
                delete_policies: list("helm.sh/hook-delete-policy"),
                output_log_policies: list("helm.sh/hook-output-log-policy"),
                events,
                manifest: doc,
            });
        }
    }
    stable_sort_by_kind(&mut hooks, |h| h.kind.as_str());
    stable_sort_by_kind(&mut generic, |m| m.head.kind.as_str());
    Ok((hooks, generic))
}

/// Go's `strconv.Atoi`: optional sign, decimal digits only, within 64 bits.
fn parse_go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_like_helm() {
        let docs = split_manifests("\n\na: 1\n---\nb: 2\n  \n---\n\n---   \nc: 3\n");
        assert_eq!(docs, ["a: 1", "b: 2", "c: 3\n"]);
        assert_eq!(split_manifests("---\nx: 1"), ["x: 1"]);
        assert!(split_manifests("  \n---\n").is_empty());
    }

    #[test]
    fn kind_order_is_stable_and_unknown_last() {
        let mut kinds = vec![
            "Foo",
            "Deployment",
            "Bar",
            "Namespace",
            "Deployment",
            "Service",
        ];
        stable_sort_by_kind(&mut kinds, |k| k);
        assert_eq!(
            kinds,
            [
                "Namespace",
                "Service",
                "Deployment",
                "Deployment",
                "Bar",
                "Foo"
            ]
        );
    }

    #[test]
    fn atoi_is_strict() {
        assert_eq!(parse_go_atoi("-5"), Some(-5));
        assert_eq!(parse_go_atoi("5x"), None);
        assert_eq!(parse_go_atoi(" 5"), None);
    }
}
