//! From rendered files to what Helm installs (`pkg/release/v1/util`): documents split at
//! `---`, hooks separated by their `helm.sh/hook` annotation, and both sorted by kind in
//! Helm's install order (stable, unknown kinds last in name order).

use std::collections::BTreeMap;

use gotemplate::Value;

use crate::content_cache::ContentCache;

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
    let at_sep = |pos: usize| bytes.get(pos..pos + 3) == Some(b"---");
    loop {
        let (sep_start, dash_pos, nl);
        if i == 0 && at_sep(0) {
            (sep_start, dash_pos, nl) = (0, 0, 0);
        } else {
            // The next `\n---` (a substring search, much faster than stepping bytes).
            let Some(off) = trimmed.get(i..).and_then(|t| t.find("\n---")) else {
                break;
            };
            nl = i + off;
            // Extend back over whitespace before the newline.
            let mut s = nl;
            while s > start && bytes.get(s - 1).copied().is_some_and(is_ws) {
                s -= 1;
            }
            sep_start = s;
            dash_pos = nl + 1;
        }
        let mut end = dash_pos + 3;
        while bytes.get(end).copied().is_some_and(is_ws) {
            end += 1;
        }
        pieces.push(&trimmed[start..sep_start]);
        start = end;
        i = end.max(nl + 1);
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
    // Renders of the same release repeat the same documents, and the head needs a YAML pass
    // over the whole document: heads are cached by the document's bytes (errors are not).
    static CACHE: std::sync::OnceLock<ContentCache<Head>> = std::sync::OnceLock::new();
    CACHE
        .get_or_init(|| ContentCache::new(HEAD_CACHE_MAX_BYTES))
        .get_or_try(doc.as_bytes(), || match fast_head(doc) {
            Some(head) => Ok(head),
            None => full_head(doc, file),
        })
}

/// Bytes of rendered documents whose heads [`head_of`] keeps.
const HEAD_CACHE_MAX_BYTES: usize = 8 * 1024 * 1024;

/// What the value of the current mapping key means for the head.
enum Slot {
    Ignore,
    ApiVersion,
    Kind,
    Metadata,
    Name,
    Annotations,
    Annotation(String),
}

/// Which head-relevant mapping a frame is.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    Root,
    Meta,
    Ann,
    Other,
}

enum Frame {
    Map {
        role: Role,
        key_next: bool,
        slot: Slot,
    },
    Seq,
}

/// go-yaml plain scalars that decode to NaN or infinities, which the JSON round trip rejects.
const NON_FINITE: &[&str] = &[
    ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf",
    "-.INF",
];

/// Whether go-yaml certainly resolves this plain scalar to a string: every other
/// resolution is a short word (null, booleans, `.inf`, `<<`) or starts with `.`, `+`, `-` or
/// a digit.
fn plain_is_str(s: &str) -> bool {
    s.len() > 5 && !matches!(s.as_bytes().first(), Some(b'.' | b'+' | b'-' | b'0'..=b'9'))
}

/// The head read straight from the YAML event stream, without building the document.
///
/// This walks the whole first document (so syntax errors are still seen) but only answers
/// when the full decode (`sigs.k8s.io/yaml` into `SimpleHead`) certainly succeeds with the
/// same result: any parse error, tag, anchor or alias, merge key, complex / null / uint64
/// key, NaN or infinity, non-map root, non-string annotation or a document near the depth or
/// node limits makes it return `None`, and the caller decodes the document fully.
fn fast_head(doc: &str) -> Option<Head> {
    use crate::values::{resolve_plain, GoYaml, MAX_DEPTH, MAX_EXPANDED_NODES};
    use saphyr_parser::{Event, Parser, ScalarStyle};

    let mut head = Head::default();
    // Annotation values by key; `None` for null (dropped at the end, later keys win).
    let mut ann: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut saw_root = false;
    let mut in_doc = false;
    let mut nodes = 0usize;
    for item in Parser::new_from_str(doc) {
        let (event, _) = item.ok()?;
        // A node starts: a scalar or a collection. `None` for non-node events.
        let (scalar, collection): (Option<(&str, bool)>, Option<bool>) = match &event {
            Event::StreamStart | Event::Nothing => continue,
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                in_doc = true;
                continue;
            }
            Event::DocumentEnd => {
                if in_doc {
                    break;
                }
                continue;
            }
            Event::Alias(_) => return None,
            Event::Scalar(v, style, anchor, tag) => {
                if *anchor != 0 || tag.is_some() {
                    return None;
                }
                (Some((v.as_ref(), *style == ScalarStyle::Plain)), None)
            }
            Event::SequenceStart(anchor, tag) => {
                if *anchor != 0 || tag.is_some() {
                    return None;
                }
                (None, Some(false))
            }
            Event::MappingStart(anchor, tag) => {
                if *anchor != 0 || tag.is_some() {
                    return None;
                }
                (None, Some(true))
            }
            Event::SequenceEnd | Event::MappingEnd => {
                stack.pop()?;
                if let Some(Frame::Map { key_next, slot, .. }) = stack.last_mut() {
                    *key_next = true;
                    *slot = Slot::Ignore;
                }
                continue;
            }
        };
        nodes += 1;
        if nodes >= MAX_EXPANDED_NODES / 2 || stack.len() + 4 >= MAX_DEPTH {
            return None;
        }
        let Some(top) = stack.last_mut() else {
            // The root must be a mapping.
            if saw_root || collection != Some(true) {
                return None;
            }
            saw_root = true;
            stack.push(Frame::Map {
                role: Role::Root,
                key_next: true,
                slot: Slot::Ignore,
            });
            continue;
        };
        match top {
            Frame::Seq => {
                if let Some((v, plain)) = scalar {
                    if plain && NON_FINITE.contains(&v) {
                        return None;
                    }
                }
            }
            Frame::Map {
                role,
                key_next,
                slot,
            } if *key_next => {
                let (k, plain) = scalar?;
                let key = if plain {
                    if k == "<<" {
                        return None;
                    }
                    if plain_is_str(k) {
                        k.to_string()
                    } else {
                        match resolve_plain(k).1 {
                            GoYaml::Null | GoYaml::Uint(_) => return None,
                            GoYaml::Str(s) => s,
                            // Numbers and booleans become other strings than the head's keys.
                            _ if *role != Role::Ann => String::new(),
                            _ => return None,
                        }
                    }
                } else {
                    k.to_string()
                };
                *slot = match (*role, key.as_str()) {
                    (Role::Root, "apiVersion") => Slot::ApiVersion,
                    (Role::Root, "kind") => Slot::Kind,
                    (Role::Root, "metadata") => Slot::Metadata,
                    (Role::Meta, "name") => Slot::Name,
                    (Role::Meta, "annotations") => Slot::Annotations,
                    (Role::Ann, _) => Slot::Annotation(key),
                    _ => Slot::Ignore,
                };
                *key_next = false;
            }
            Frame::Map { key_next, slot, .. } => {
                let slot = std::mem::replace(slot, Slot::Ignore);
                *key_next = true;
                // The decoded value of a scalar: `Some(string)` for strings, `None` for null,
                // and an empty string stands for "present but not a string".
                let decoded: Option<Option<String>> = match scalar {
                    Some((v, true)) => {
                        if NON_FINITE.contains(&v) {
                            return None;
                        }
                        match slot {
                            Slot::Ignore => None,
                            _ => Some(match resolve_plain(v).1 {
                                GoYaml::Str(s) => Some(s),
                                GoYaml::Null => None,
                                _ if matches!(slot, Slot::Annotation(_)) => return None,
                                _ => Some(String::new()),
                            }),
                        }
                    }
                    Some((v, false)) => Some(Some(v.to_string())),
                    None => None,
                };
                let text = || decoded.clone().flatten().unwrap_or_default();
                match slot {
                    Slot::Ignore => {}
                    Slot::ApiVersion => head.api_version = text(),
                    Slot::Kind => head.kind = text(),
                    Slot::Name => head.name = text(),
                    Slot::Metadata => {
                        head.name.clear();
                        ann.clear();
                        if collection == Some(true) {
                            stack.push(Frame::Map {
                                role: Role::Meta,
                                key_next: true,
                                slot: Slot::Ignore,
                            });
                            continue;
                        }
                    }
                    Slot::Annotations => {
                        ann.clear();
                        if collection == Some(true) {
                            stack.push(Frame::Map {
                                role: Role::Ann,
                                key_next: true,
                                slot: Slot::Ignore,
                            });
                            continue;
                        }
                    }
                    Slot::Annotation(k) => {
                        // A collection as an annotation value is a decode error.
                        let v = decoded?;
                        ann.insert(k, v);
                    }
                }
            }
        }
        // A collection in a sequence or as a value is walked but not read (a key is always
        // a scalar here: `scalar?` above returned otherwise).
        if let Some(is_map) = collection {
            stack.push(if is_map {
                Frame::Map {
                    role: Role::Other,
                    key_next: true,
                    slot: Slot::Ignore,
                }
            } else {
                Frame::Seq
            });
        }
    }
    if !saw_root || !stack.is_empty() {
        return None;
    }
    head.annotations = ann
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
    Some(head)
}

/// The head through the full decode (the reference behaviour, with Helm's errors).
fn full_head(doc: &str, file: &str) -> Result<Head, ManifestError> {
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
        // Go's greedy `\s*` after a separator eats the newline before a following `---`,
        // so that `---` is not a separator and stays in the document (as in Helm).
        assert_eq!(docs, ["a: 1", "b: 2", "---   \nc: 3\n"]);
        assert_eq!(
            split_manifests("a: 1\n---\nb: 2\n---\nc: 3"),
            ["a: 1", "b: 2", "c: 3"]
        );
        assert_eq!(split_manifests("---\nx: 1"), ["x: 1"]);
        assert!(split_manifests("  \n---\n").is_empty());
        // Agrees with a plain regex split on `(?:^|\s*\n)---\s*` (ASCII whitespace only).
        let re = regex::Regex::new(r"(?:^|[\t\n\f\r ]*\n)---[\t\n\f\r ]*").unwrap();
        for text in [
            "a: 1\n---\nb: 2",
            "---apiVersion: v1\n--- \n---\n---\nx",
            "a\n  \n\t---  # c\nb\n---",
            "a\n----\nb\r\n---\r\nc",
            "x: |\n  ---\n  y\n---\nz",
            "\n\n---\n---\n\n",
            "ü: 1\n---\nä: 2",
        ] {
            let trimmed = text.trim_start();
            let expected: Vec<String> = re
                .split(trimmed)
                .filter(|d| !d.trim().is_empty())
                .map(|d| d.trim_start().to_string())
                .collect();
            assert_eq!(split_manifests(text), expected, "{text:?}");
        }
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

    /// The fast head scanner agrees with the full decode (or defers to it).
    #[test]
    fn fast_head_matches_full_decode() {
        let docs = [
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n    a: \"1\"\n    b: x\n",
            "kind: Foo\nkind: Bar\nmetadata: {name: a, annotations: {x: y, z: null}}\n",
            "metadata:\n  name: a\nmetadata:\n  labels: {}\n",
            "metadata:\n  name: 123\n  annotations:\n    n: ~\n    'q': 'v'\n",
            "apiVersion: [a]\nkind: {x: 1}\nmetadata: 5\n",
            "kind: true\nspec:\n  - a\n  - {b: [c, d]}\n  - e: |\n      text\n",
            "metadata:\n  annotations:\n    helm.sh/hook: pre-install,post-install\n    helm.sh/hook-weight: \"-5\"\n",
            "metadata:\n  annotations:\n    w: 5\n",
            "metadata:\n  annotations:\n    w: [1]\n",
            "a: &x 1\nb: *x\n",
            "a: !!int \"z\"\n",
            "? [a]\n: b\n",
            "~: a\n",
            "a: .inf\n",
            "<<: {kind: X}\n",
            "- a\n- b\n",
            "just text",
            "",
            "# comment only\n",
            "kind: A\nbad: [\n",
            "kind: A\n...\nkind: B\n",
            "kind: A\n  bad indent: x\n",
            "18446744073709551615: x\n",
            "metadata:\n  annotations:\n    1: x\n",
            "kind: \"Dep\\u006coyment\"\nmetadata:\n  name: \"a\\tb\"\n",
        ];
        for doc in docs {
            let full = full_head(doc, "f").map_err(|e| e.to_string());
            if let Some(fast) = fast_head(doc) {
                assert_eq!(Ok(fast), full, "doc {doc:?}");
            }
        }
        // The common case takes the fast path.
        let fast = fast_head(docs[0]);
        assert_eq!(fast.as_ref().map(|h| h.kind.as_str()), Some("Service"));
        assert_eq!(
            fast.and_then(|h| h.annotations.get("a").cloned()),
            Some("1".to_string())
        );
        assert!(fast_head("a: &x 1\nb: *x\n").is_none());
        assert!(fast_head("kind: A\nbad: [\n").is_none());
        assert!(head_of("kind: A\nbad: [\n", "f").is_err());
    }

    /// Differential check over every document the shared chart corpus renders (run with
    /// `--ignored`; skips when the corpus is absent).
    #[test]
    #[ignore]
    fn fast_head_matches_full_decode_on_corpus() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/charts");
        let Ok(rd) = std::fs::read_dir(&root) else {
            return;
        };
        let (mut fast_hits, mut total) = (0, 0);
        for entry in rd.flatten() {
            let Ok(chart) = crate::load_dir(&entry.path()) else {
                continue;
            };
            let opts = crate::release::ReleaseRenderOptions::default();
            let Ok((_, _, files)) =
                crate::release::render_files(chart, &gotemplate::Map::new(), &opts)
            else {
                continue;
            };
            for (path, content) in &files {
                for doc in split_manifests(content) {
                    total += 1;
                    if let Some(fast) = fast_head(&doc) {
                        fast_hits += 1;
                        assert_eq!(Ok(fast), full_head(&doc, path).map_err(|e| e.to_string()));
                    }
                }
            }
        }
        assert!(total == 0 || fast_hits * 2 > total, "{fast_hits}/{total}");
    }

    #[test]
    fn atoi_is_strict() {
        assert_eq!(parse_go_atoi("-5"), Some(-5));
        assert_eq!(parse_go_atoi("5x"), None);
        assert_eq!(parse_go_atoi(" 5"), None);
    }
}
