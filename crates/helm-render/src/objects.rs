//! Helm's built-in objects that are Go structs or named types with methods:
//! `.Capabilities` (with `KubeVersion` and `APIVersions.Has`) and `.Files`.
//!
//! `.Release`, `.Chart`, `.Template` and `.Values` are plain maps and are built by the engine.

use std::sync::Arc;

use gotemplate::{
    ArgType, ElemType, FieldLookup, FuncError, List, Map, MapKind, Object, Signature, Value,
};

use crate::glob::Glob;

/// Helm's default Kubernetes version for rendering without a cluster (client-go v0.36 → v1.36).
pub const DEFAULT_KUBE_VERSION: &str = "v1.36.0";

/// Helm's default `.Capabilities.APIVersions` (the client-go scheme's prioritized versions).
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1",
    "resource.k8s.io/v1beta2",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha2",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
];

/// `.Capabilities.KubeVersion` (Helm's `common.KubeVersion`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeVersion {
    /// As given, with a `v` prefix (`v1.28.3-gke.100`); also `GitVersion`.
    pub version: String,
    /// `v` + the parsed generic version (`v1.28.3`), what `String()` prints.
    pub normalized: String,
    /// Major component as a string.
    pub major: String,
    /// Minor component as a string.
    pub minor: String,
}

impl KubeVersion {
    /// Parses a version the way Helm's `ParseKubeVersion` does (k8s `ParseGeneric`: at least
    /// major.minor, optional `v`, anything after the numeric components ignored for the
    /// normalized form). Returns `None` for an unparsable version.
    pub fn parse(version: &str) -> Option<KubeVersion> {
        let trimmed = version.trim();
        let body = trimmed.strip_prefix('v').unwrap_or(trimmed);
        // ParseGeneric: leading dotted numeric components; the rest (pre-release/metadata) is
        // kept out of the normalized string.
        let numeric_end = body
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(body.len());
        let numeric = &body[..numeric_end];
        let parts: Vec<&str> = numeric.split('.').collect();
        if parts.len() < 2 || parts.iter().any(|p| p.is_empty()) {
            return None;
        }
        let nums: Vec<u64> = parts
            .iter()
            .map(|p| p.parse::<u64>())
            .collect::<Result<_, _>>()
            .ok()?;
        let rest = &body[numeric_end..];
        if !rest.is_empty() && !rest.starts_with(['-', '+']) {
            return None;
        }
        let normalized = format!(
            "v{}",
            nums.iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(".")
        );
        let version = if trimmed.starts_with('v') {
            trimmed.to_string()
        } else {
            format!("v{trimmed}")
        };
        Some(KubeVersion {
            version,
            normalized,
            major: nums[0].to_string(),
            minor: nums[1].to_string(),
        })
    }
}

impl Default for KubeVersion {
    fn default() -> Self {
        KubeVersion {
            version: DEFAULT_KUBE_VERSION.to_string(),
            normalized: DEFAULT_KUBE_VERSION.to_string(),
            major: "1".to_string(),
            minor: "36".to_string(),
        }
    }
}

impl Object for KubeVersion {
    fn type_name(&self) -> String {
        "common.KubeVersion".to_string()
    }
    fn method(&self, name: &str) -> Option<Signature> {
        matches!(name, "String" | "GitVersion").then(|| Signature::fixed(&[]))
    }
    fn call_method(&self, name: &str, _args: &[Value]) -> Result<Value, FuncError> {
        match name {
            "String" => Ok(Value::str(&self.normalized)),
            "GitVersion" => Ok(Value::str(&self.version)),
            _ => Err(FuncError::msg(format!("no method {name}"))),
        }
    }
    fn field(&self, name: &str) -> FieldLookup {
        match name {
            "Version" => FieldLookup::Found(Value::str(&self.version)),
            "Major" => FieldLookup::Found(Value::str(&self.major)),
            "Minor" => FieldLookup::Found(Value::str(&self.minor)),
            _ => FieldLookup::NoField,
        }
    }
    fn format_v(&self) -> String {
        self.normalized.clone()
    }
    fn as_stringer(&self) -> Option<String> {
        Some(self.normalized.clone())
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// `.Capabilities.APIVersions` (Helm's `common.VersionSet`, a `[]string` with `Has`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionSet(pub Vec<String>);

impl Default for VersionSet {
    fn default() -> Self {
        VersionSet(DEFAULT_API_VERSIONS.iter().map(|s| s.to_string()).collect())
    }
}

impl Object for VersionSet {
    fn type_name(&self) -> String {
        "common.VersionSet".to_string()
    }
    fn kind_name(&self) -> &'static str {
        "slice"
    }
    fn method(&self, name: &str) -> Option<Signature> {
        (name == "Has").then(|| Signature::fixed(&[ArgType::String]))
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, FuncError> {
        match (name, args.first()) {
            ("Has", Some(Value::String(s))) => Ok(Value::Bool(self.0.iter().any(|v| **v == **s))),
            _ => Err(FuncError::msg(format!("no method {name}"))),
        }
    }
    fn format_v(&self) -> String {
        format!("[{}]", self.0.join(" "))
    }
    fn is_true(&self) -> bool {
        !self.0.is_empty()
    }
    fn as_list(&self) -> Option<List> {
        Some(List::strings(&self.0))
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Helm's `helmversion.BuildInfo` as `.Capabilities.HelmVersion`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelmVersion {
    /// `v4.2.3`
    pub version: String,
    /// Git commit.
    pub git_commit: String,
    /// `clean`/`dirty`.
    pub git_tree_state: String,
    /// Go version Helm was built with.
    pub go_version: String,
    /// client-go version.
    pub kube_client_version: String,
}

impl Default for HelmVersion {
    fn default() -> Self {
        HelmVersion {
            version: "v4.2.3".to_string(),
            git_commit: String::new(),
            git_tree_state: String::new(),
            go_version: "go1.26.6".to_string(),
            kube_client_version: "v1.36".to_string(),
        }
    }
}

impl Object for HelmVersion {
    fn type_name(&self) -> String {
        "version.BuildInfo".to_string()
    }
    fn field(&self, name: &str) -> FieldLookup {
        let v = match name {
            "Version" => &self.version,
            "GitCommit" => &self.git_commit,
            "GitTreeState" => &self.git_tree_state,
            "GoVersion" => &self.go_version,
            "KubeClientVersion" => &self.kube_client_version,
            _ => return FieldLookup::NoField,
        };
        FieldLookup::Found(Value::str(v))
    }
    fn format_v(&self) -> String {
        format!(
            "{{{} {} {} {} {}}}",
            self.version,
            self.git_commit,
            self.git_tree_state,
            self.go_version,
            self.kube_client_version
        )
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// `.Capabilities` (Helm's `*common.Capabilities`).
#[derive(Debug, Clone, Default)]
pub struct Capabilities {
    /// The target Kubernetes version.
    pub kube_version: KubeVersion,
    /// The API versions the cluster serves (`group/version` and `group/version/Kind`).
    pub api_versions: VersionSet,
    /// Helm's build info.
    pub helm_version: HelmVersion,
}

impl Capabilities {
    /// Helm's capabilities for a target cluster: `kube_version` as `--kube-version` takes it
    /// (`None` or empty: Helm's default) and `extra_api_versions` added after the default set
    /// (`--api-versions`). `None` when the version does not parse.
    pub fn for_target(kube_version: Option<&str>, extra_api_versions: &[String]) -> Option<Self> {
        let kube_version = match kube_version {
            None | Some("") => KubeVersion::default(),
            Some(v) => KubeVersion::parse(v)?,
        };
        let mut api_versions = VersionSet::default();
        api_versions.0.extend(extra_api_versions.iter().cloned());
        Some(Capabilities {
            kube_version,
            api_versions,
            ..Capabilities::default()
        })
    }
}

impl Object for Capabilities {
    fn type_name(&self) -> String {
        "*common.Capabilities".to_string()
    }
    fn kind_name(&self) -> &'static str {
        "ptr"
    }
    fn field(&self, name: &str) -> FieldLookup {
        match name {
            "KubeVersion" => FieldLookup::Found(Value::Object(Arc::new(self.kube_version.clone()))),
            "APIVersions" => FieldLookup::Found(Value::Object(Arc::new(self.api_versions.clone()))),
            "HelmVersion" => FieldLookup::Found(Value::Object(Arc::new(self.helm_version.clone()))),
            _ => FieldLookup::NoField,
        }
    }
    fn format_v(&self) -> String {
        format!(
            "&{{{} {} {}}}",
            self.kube_version.format_v(),
            self.api_versions.format_v(),
            self.helm_version.format_v()
        )
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// `.Files` (Helm's `engine.files`, a `map[string][]byte` with methods).
#[derive(Debug, Clone, Default)]
pub struct Files {
    entries: Arc<Vec<(String, Arc<[u8]>)>>,
}

impl Files {
    /// Files from `(path, contents)` pairs.
    pub fn new(mut entries: Vec<(String, Arc<[u8]>)>) -> Files {
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|a, b| a.0 == b.0);
        Files {
            entries: Arc::new(entries),
        }
    }

    fn get_bytes(&self, name: &str) -> Option<&Arc<[u8]>> {
        self.entries
            .binary_search_by(|(k, _)| k.as_str().cmp(name))
            .ok()
            .and_then(|i| self.entries.get(i))
            .map(|(_, v)| v)
    }

    fn glob(&self, pattern: &str) -> Files {
        // Helm: an invalid pattern falls back to "**", which matches every file.
        let glob = Glob::cached(pattern).unwrap_or_else(|_| Glob::match_all());
        Files {
            entries: Arc::new(
                self.entries
                    .iter()
                    .filter(|(k, _)| glob.matches(k))
                    .cloned()
                    .collect(),
            ),
        }
    }

    fn base_name(path: &str) -> &str {
        let trimmed = path.trim_end_matches('/');
        match trimmed.rfind('/') {
            Some(i) => &trimmed[i + 1..],
            None if trimmed.is_empty() => "/",
            None => trimmed,
        }
    }

    fn as_config(&self, encode: impl Fn(&[u8]) -> String) -> Result<Value, FuncError> {
        let m = Map::with_kind(MapKind::Typed(ElemType::String));
        for (k, v) in self.entries.iter() {
            m.insert(Self::base_name(k), Value::str(encode(v)));
        }
        let yaml = crate::yaml::to_yaml(&Value::Map(m)).unwrap_or_default();
        Ok(Value::str(yaml.strip_suffix('\n').unwrap_or(&yaml)))
    }
}

impl Object for Files {
    fn type_name(&self) -> String {
        "engine.files".to_string()
    }
    fn kind_name(&self) -> &'static str {
        "map"
    }
    fn method(&self, name: &str) -> Option<Signature> {
        match name {
            "Get" | "GetBytes" | "Glob" | "Lines" => Some(Signature::fixed(&[ArgType::String])),
            "AsConfig" | "AsSecrets" => Some(Signature::fixed(&[])),
            _ => None,
        }
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Result<Value, FuncError> {
        let arg = args.first().and_then(Value::as_str).unwrap_or("");
        match name {
            "Get" => Ok(Value::str(
                self.get_bytes(arg)
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default(),
            )),
            "GetBytes" => Ok(Value::Bytes(
                self.get_bytes(arg)
                    .cloned()
                    .unwrap_or_else(|| Arc::from(&[][..])),
            )),
            "Glob" => Ok(Value::Object(Arc::new(self.glob(arg)))),
            "Lines" => match self.get_bytes(arg) {
                None => Ok(Value::List(List::strings(Vec::<String>::new()))),
                // Helm indexes s[len(s)-1] unchecked: an empty file panics.
                Some(b) if b.is_empty() => {
                    Err(FuncError::msg("runtime error: index out of range [-1]"))
                }
                Some(b) => {
                    let s = String::from_utf8_lossy(b);
                    let s = s.strip_suffix('\n').unwrap_or(&s);
                    Ok(Value::List(List::strings(s.split('\n'))))
                }
            },
            "AsConfig" => self.as_config(|b| String::from_utf8_lossy(b).into_owned()),
            "AsSecrets" => self.as_config(|b| {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD.encode(b)
            }),
            _ => Err(FuncError::msg(format!("no method {name}"))),
        }
    }
    fn field(&self, name: &str) -> FieldLookup {
        match self.get_bytes(name) {
            Some(b) => FieldLookup::Found(Value::Bytes(b.clone())),
            None => FieldLookup::MissingKey,
        }
    }
    fn format_v(&self) -> String {
        let parts: Vec<String> = self
            .entries
            .iter()
            .map(|(k, v)| {
                let bytes: Vec<String> = v.iter().map(u8::to_string).collect();
                format!("{k}:[{}]", bytes.join(" "))
            })
            .collect();
        format!("map[{}]", parts.join(" "))
    }
    fn is_true(&self) -> bool {
        !self.entries.is_empty()
    }
    fn as_map(&self) -> Option<Map> {
        Some(Map::from_entries(
            MapKind::Typed(ElemType::Bytes),
            self.entries
                .iter()
                .map(|(k, v)| (k.as_str(), Value::Bytes(v.clone()))),
        ))
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_version_parses_like_helm() {
        let v = KubeVersion::parse("1.29").expect("valid");
        assert_eq!(v.version, "v1.29");
        assert_eq!(v.normalized, "v1.29");
        assert_eq!((v.major.as_str(), v.minor.as_str()), ("1", "29"));
        let v = KubeVersion::parse("v1.28.3-gke.100").expect("valid");
        assert_eq!(v.version, "v1.28.3-gke.100");
        assert_eq!(v.normalized, "v1.28.3");
        assert!(KubeVersion::parse("abc").is_none());
        assert!(KubeVersion::parse("1").is_none());
    }

    #[test]
    fn version_set_has() {
        let vs = VersionSet::default();
        let has = |s: &str| vs.call_method("Has", &[Value::str(s)]).ok();
        assert!(matches!(has("apps/v1"), Some(Value::Bool(true))));
        assert!(matches!(
            has("apps/v1/Deployment"),
            Some(Value::Bool(false))
        ));
    }

    #[test]
    fn files_lines_and_glob() {
        let f = Files::new(vec![
            ("conf/a.txt".into(), Arc::from(&b"x\ny\n"[..])),
            ("conf/b.yaml".into(), Arc::from(&b""[..])),
            ("README".into(), Arc::from(&b"r"[..])),
        ]);
        let lines = f.call_method("Lines", &[Value::str("conf/a.txt")]).ok();
        assert_eq!(lines.and_then(|v| v.as_list().map(|l| l.len())), Some(2));
        assert!(f
            .call_method("Lines", &[Value::str("conf/b.yaml")])
            .is_err());
        let g = f.glob("conf/*.txt");
        assert_eq!(g.entries.len(), 1);
        let all = f.glob("[");
        assert_eq!(all.entries.len(), 3);
    }
}
