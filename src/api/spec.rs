//! `HelmRelease` spec (`helm.fluxcd.io/v1`), field-compatible with the Flux Helm Operator v1.
//!
//! Owns the spec types, the `CustomResource` derive (names, printer columns, status
//! subresource) and the v1 defaulting rules as helper methods (`effective_release_name`,
//! `timeout`, `max_history`, `wait`, …). Defaults are applied in code, not in the CRD
//! schema, exactly as v1 did, so stored objects stay as users wrote them. Unknown fields are
//! ignored on read (the API server prunes them, as with v1's structural schema), except
//! under `values`, which preserves everything.

use std::time::Duration;

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::status::HelmReleaseStatus;

/// Default `timeout`, `rollback.timeout` and `test.timeout` (seconds).
pub const DEFAULT_TIMEOUT_SECONDS: i64 = 300;
/// Default `maxHistory`.
pub const DEFAULT_MAX_HISTORY: i64 = 10;
/// Default `rollback.maxRetries` (0 means unlimited).
pub const DEFAULT_ROLLBACK_MAX_RETRIES: i64 = 5;
/// Default Git ref when `chart.ref` is empty (v1's `--git-default-ref`).
pub const DEFAULT_GIT_REF: &str = "master";

/// HelmReleaseSpec is the desired state of a Helm release.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "helm.fluxcd.io",
    version = "v1",
    kind = "HelmRelease",
    plural = "helmreleases",
    singular = "helmrelease",
    namespaced,
    status = "HelmReleaseStatus",
    shortname = "hr",
    shortname = "hrs",
    derive = "PartialEq",
    doc = "HelmRelease is a type to represent a Helm release.",
    printcolumn = r#"{"name":"Release","type":"string","description":"Release is the name of the Helm release, as given by Helm.","jsonPath":".status.releaseName"}"#,
    printcolumn = r#"{"name":"Phase","type":"string","description":"Phase is the current release phase being performed for the HelmRelease.","jsonPath":".status.phase"}"#,
    printcolumn = r#"{"name":"ReleaseStatus","type":"string","description":"ReleaseStatus is the status of the Helm release, as given by Helm.","jsonPath":".status.releaseStatus"}"#,
    printcolumn = r#"{"name":"Message","type":"string","jsonPath":".status.conditions[?(@.type==\"Released\")].message"}"#,
    printcolumn = r#"{"name":"Age","type":"date","description":"CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
pub struct HelmReleaseSpec {
    /// HelmVersion is the version of Helm to target. Accepted for compatibility; releases are
    /// always managed in the Helm 3/4 storage format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helm_version: Option<HelmVersion>,

    /// Chart is the source of the chart: a Helm repository or a Git repository.
    pub chart: ChartSource,

    /// ReleaseName is the name of the Helm release. Defaults to `<namespace>-<name>`, or
    /// `<namespace>-<targetNamespace>-<name>` when targetNamespace differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_name: Option<String>,

    /// MaxHistory is the maximum amount of revisions to keep for the Helm release. Defaults
    /// to 10; 0 keeps all revisions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_history: Option<i64>,

    /// ValueFileSecrets holds the local name references to secrets. DEPRECATED, use
    /// ValuesFrom.secretKeyRef instead.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub value_file_secrets: Vec<LocalObjectReference>,

    /// ValuesFrom holds references to values sources, merged in order before `values`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values_from: Vec<ValuesFromSource>,

    /// TargetNamespace overrides the targeted namespace for the Helm release. Defaults to
    /// the namespace of the HelmRelease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_namespace: Option<String>,

    /// Timeout is the time to wait for any individual Kubernetes operation (like Jobs for
    /// hooks) during installation and upgrade operations, in seconds. Defaults to 300.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<i64>,

    /// ResetValues will mark this Helm release to reset the values to the defaults of the
    /// targeted chart before performing an upgrade. Not explicitly setting this to `false`
    /// equals to `true` due to the declarative nature of the operator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_values: Option<bool>,

    /// SkipCRDs will mark this Helm release to skip the creation of CRDs during a Helm 3
    /// installation.
    #[serde(default, rename = "skipCRDs", skip_serializing_if = "is_false")]
    pub skip_crds: bool,

    /// Wait will mark this Helm release to wait until all Pods, PVCs, Services, and minimum
    /// number of Pods of a Deployment, StatefulSet, or ReplicaSet are in a ready state before
    /// marking the release as successful. Defaults to true when rollback or test is enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<bool>,

    /// Force will mark this Helm release to `--force` upgrades. This forces the resource
    /// updates through delete/recreate if needed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub force_upgrade: bool,

    /// The rollback settings for this Helm release.
    #[serde(default, skip_serializing_if = "Rollback::is_unset")]
    pub rollback: Rollback,

    /// The test settings for this Helm release.
    #[serde(default, skip_serializing_if = "Test::is_unset")]
    pub test: Test,

    /// Values holds the values for this Helm release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "preserve_unknown_values")]
    pub values: Option<Value>,

    /// DisableOpenAPIValidation controls whether OpenAPI validation is enforced.
    #[serde(
        default,
        rename = "disableOpenAPIValidation",
        skip_serializing_if = "is_false"
    )]
    pub disable_openapi_validation: bool,

    /// Suspend tells the operator to skip reconciliation of this HelmRelease (addition to v1).
    #[serde(default, skip_serializing_if = "is_false")]
    pub suspend: bool,

    /// Interval at which to reconcile the release, as a Go duration (e.g. `5m`, `1h30m`).
    /// Defaults to the operator's resync interval (addition to v1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"))]
    pub interval: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn preserve_unknown_values(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "description": "Values holds the values for this Helm release.",
        "x-kubernetes-preserve-unknown-fields": true
    })
}

/// HelmVersion values are: "v2", "v3".
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum HelmVersion {
    /// Helm 2 (Tiller); not supported for installs, accepted on read.
    #[serde(rename = "v2")]
    V2,
    /// Helm 3.
    #[serde(rename = "v3")]
    V3,
}

/// ChartSource is either a Helm repository chart (`repository`, `name`, `version`) or a Git
/// chart (`git`, `ref`, `path`). v1 inlined both structs; so do we.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChartSource {
    /// Git URL is the URL of the Git repository, e.g. `git@github.com:org/repo`,
    /// `http://github.com/org/repo`, or `ssh://git@example.com:2222/org/repo.git`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git: Option<String>,
    /// Ref is the Git branch (or other reference) to use. Defaults to 'master', or the
    /// configured default Git ref.
    #[serde(default, rename = "ref", skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    /// Path is the path to the chart relative to the repository root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// SecretRef holds the authentication secret for accessing the Git repository (over
    /// HTTPS). The credentials will be added to an HTTPS GitURL before the mirror is started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<ObjectReference>,
    /// SkipDepUpdate will tell the operator to skip running 'helm dep update' before
    /// installing or upgrading the chart, the chart dependencies _must_ be present for this
    /// to succeed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub skip_dep_update: bool,
    /// RepoURL is the URL of the Helm repository, e.g. `https://charts.example.com`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Name is the name of the Helm chart _without_ an alias, e.g. redis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Version is the targeted Helm chart version, e.g. 7.0.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// ChartPullSecret holds the reference to the authentication secret for accessing the
    /// Helm repository using HTTPS basic auth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart_pull_secret: Option<LocalObjectReference>,
    /// PlainHTTP pulls an `oci://` chart over plain HTTP instead of TLS (addition to v1;
    /// registries on localhost/127.0.0.1 use plain HTTP without it, as Helm does).
    #[serde(default, rename = "plainHTTP", skip_serializing_if = "is_false")]
    pub plain_http: bool,
}

/// `ChartRef` is a `ChartSource` resolved to one kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChartRef<'a> {
    /// A chart from a Helm repository.
    Repo {
        /// Repository URL.
        repository: &'a str,
        /// Chart name.
        name: &'a str,
        /// Chart version.
        version: &'a str,
    },
    /// A chart in a Git repository.
    Git {
        /// Git URL.
        url: &'a str,
        /// Ref (branch, tag or commit); `DEFAULT_GIT_REF` when unset.
        git_ref: &'a str,
        /// Path of the chart in the repository.
        path: &'a str,
    },
}

/// `ChartSourceError`: the chart source is neither a complete repo nor a Git source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChartSourceError {
    /// Both `git` and `repository` are set.
    #[error("chart: both git and repository are set")]
    Ambiguous,
    /// A repo source lacks `name` or `version` (v1: all three are mandatory).
    #[error("chart: repository source requires {0}")]
    MissingField(&'static str),
    /// Neither `git` nor `repository` is set.
    #[error("chart: one of git or repository is required")]
    Empty,
}

impl ChartSource {
    /// `resolve` picks the source kind, as v1 did by which inline struct was set.
    ///
    /// Errors: `Ambiguous`, `MissingField`, `Empty`.
    pub fn resolve(&self) -> Result<ChartRef<'_>, ChartSourceError> {
        fn set(o: &Option<String>) -> Option<&str> {
            o.as_deref().filter(|s| !s.is_empty())
        }
        match (set(&self.git), set(&self.repository)) {
            (Some(_), Some(_)) => Err(ChartSourceError::Ambiguous),
            (Some(url), None) => Ok(ChartRef::Git {
                url,
                git_ref: set(&self.git_ref).unwrap_or(DEFAULT_GIT_REF),
                path: self.path.as_deref().unwrap_or(""),
            }),
            (None, Some(repository)) => Ok(ChartRef::Repo {
                repository,
                name: set(&self.name).ok_or(ChartSourceError::MissingField("name"))?,
                version: set(&self.version).ok_or(ChartSourceError::MissingField("version"))?,
            }),
            (None, None) => Err(ChartSourceError::Empty),
        }
    }
}

/// LocalObjectReference names an object in the HelmRelease's namespace.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct LocalObjectReference {
    /// Name of the referent.
    pub name: String,
}

/// ObjectReference names an object, optionally in another namespace.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct ObjectReference {
    /// Name of the referent.
    pub name: String,
    /// Namespace of the referent; defaults to the HelmRelease's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// ValuesFromSource is one source of values; exactly one reference should be set.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ValuesFromSource {
    /// The reference to a config map with release values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map_key_ref: Option<KeySelector>,
    /// The reference to a secret with release values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key_ref: Option<KeySelector>,
    /// The reference to an external source with release values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_source_ref: Option<ExternalSourceSelector>,
    /// The reference to a local chart file with release values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart_file_ref: Option<ChartFileSelector>,
}

/// KeySelector selects a key of a ConfigMap or Secret (v1's Optional*KeySelector).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct KeySelector {
    /// Name of the ConfigMap or Secret.
    pub name: String,
    /// Namespace; defaults to the HelmRelease's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Key holding a values YAML; defaults to `values.yaml`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Optional: a missing object or key is not an error.
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
}

impl KeySelector {
    /// `key_or_default` is the key, `values.yaml` when unset.
    pub fn key_or_default(&self) -> &str {
        self.key
            .as_deref()
            .filter(|k| !k.is_empty())
            .unwrap_or("values.yaml")
    }
}

/// ExternalSourceSelector is a URL to a values YAML fetched over HTTP(S).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct ExternalSourceSelector {
    /// URL of the values YAML.
    pub url: String,
    /// Optional: a failed download is not an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
}

/// ChartFileSelector is a values file inside the chart (Git sources).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
pub struct ChartFileSelector {
    /// Path of the file relative to the chart root.
    pub path: String,
    /// Optional: a missing file is not an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
}

/// Rollback holds the rollback settings for a failed upgrade.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Rollback {
    /// Enable will mark this Helm release for rollbacks.
    #[serde(default, skip_serializing_if = "is_false")]
    pub enable: bool,
    /// Retry will mark this Helm release for upgrade retries after a rollback.
    #[serde(default, skip_serializing_if = "is_false")]
    pub retry: bool,
    /// MaxRetries is the maximum amount of upgrade retries the operator should make before
    /// bailing. Defaults to 5; 0 means unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<i64>,
    /// Force resource update through delete/recreate, allows the operator to perform a
    /// rollback when a patch is not possible.
    #[serde(default, skip_serializing_if = "is_false")]
    pub force: bool,
    /// Recreate performs pod restarts for the resource if applicable.
    #[serde(default, skip_serializing_if = "is_false")]
    pub recreate: bool,
    /// DisableHooks prevents hooks from running during the Helm rollback action.
    #[serde(default, skip_serializing_if = "is_false")]
    pub disable_hooks: bool,
    /// Timeout is the time to wait for any individual Kubernetes operation (like Jobs for
    /// hooks) during rollback, in seconds. Defaults to 300.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<i64>,
    /// Wait will mark this Helm release to wait until resources are ready before marking
    /// the rollback as successful.
    #[serde(default, skip_serializing_if = "is_false")]
    pub wait: bool,
}

impl Rollback {
    fn is_unset(&self) -> bool {
        *self == Rollback::default()
    }

    /// `timeout` (default 300 s).
    pub fn timeout(&self) -> Duration {
        seconds(self.timeout)
    }

    /// `max_retries` (default 5; 0 means unlimited).
    pub fn max_retries(&self) -> i64 {
        self.max_retries.unwrap_or(DEFAULT_ROLLBACK_MAX_RETRIES)
    }
}

/// Test holds the settings for `helm test` after install and upgrade.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Test {
    /// Enable will mark this Helm release for tests.
    #[serde(default, skip_serializing_if = "is_false")]
    pub enable: bool,
    /// IgnoreFailures will cause a Helm release to be rolled back if it fails otherwise it
    /// will be left in a released state. Defaults to false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_failures: Option<bool>,
    /// Timeout is the time to wait for any individual Kubernetes operation (like Jobs for
    /// hooks) during test, in seconds. Defaults to 300.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<i64>,
    /// Cleanup, when targeting Helm 2, determines whether to delete test pods between each
    /// test run initiated by the Helm Operator. Defaults to true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleanup: Option<bool>,
}

impl Test {
    fn is_unset(&self) -> bool {
        *self == Test::default()
    }

    /// `ignore_failures` (default false).
    pub fn ignore_failures(&self) -> bool {
        self.ignore_failures.unwrap_or(false)
    }

    /// `timeout` (default 300 s).
    pub fn timeout(&self) -> Duration {
        seconds(self.timeout)
    }

    /// `cleanup` (default true).
    pub fn cleanup(&self) -> bool {
        self.cleanup.unwrap_or(true)
    }
}

/// Seconds as a `Duration`, `DEFAULT_TIMEOUT_SECONDS` when unset; negatives count as 0.
fn seconds(v: Option<i64>) -> Duration {
    let s = v.unwrap_or(DEFAULT_TIMEOUT_SECONDS);
    Duration::from_secs(u64::try_from(s).unwrap_or(0))
}

impl HelmRelease {
    /// `defaulted_namespace` is the object's namespace, `default` when unset (v1).
    pub fn defaulted_namespace(&self) -> &str {
        self.metadata
            .namespace
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or("default")
    }

    /// `target_namespace` is `spec.targetNamespace`, or the object's namespace.
    pub fn target_namespace(&self) -> &str {
        self.spec
            .target_namespace
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| self.defaulted_namespace())
    }

    /// `effective_release_name` is v1's `GetReleaseName`: `spec.releaseName` if set, else
    /// `<namespace>-<name>`, or `<namespace>-<targetNamespace>-<name>` when the target
    /// namespace differs from the HelmRelease's.
    pub fn effective_release_name(&self) -> String {
        if let Some(n) = self.spec.release_name.as_deref().filter(|n| !n.is_empty()) {
            return n.to_string();
        }
        let name = self.metadata.name.as_deref().unwrap_or("");
        let ns = self.defaulted_namespace();
        let target = self.target_namespace();
        if ns != target {
            format!("{ns}-{target}-{name}")
        } else {
            format!("{target}-{name}")
        }
    }

    /// `timeout` for install/upgrade (default 300 s).
    pub fn timeout(&self) -> Duration {
        seconds(self.spec.timeout)
    }

    /// `max_history` (default 10; 0 keeps everything; negatives count as 0).
    pub fn max_history(&self) -> usize {
        usize::try_from(self.spec.max_history.unwrap_or(DEFAULT_MAX_HISTORY)).unwrap_or(0)
    }

    /// `reuse_values` is v1's `GetReuseValues`: only `resetValues: false` reuses values.
    pub fn reuse_values(&self) -> bool {
        self.spec.reset_values.is_some_and(|reset| !reset)
    }

    /// `wait` is `spec.wait`, defaulting to `rollback.enable || test.enable`.
    pub fn wait(&self) -> bool {
        self.spec
            .wait
            .unwrap_or(self.spec.rollback.enable || self.spec.test.enable)
    }

    /// `suspended` reports `spec.suspend`.
    pub fn suspended(&self) -> bool {
        self.spec.suspend
    }

    /// `values` is `spec.values` as a map (empty when unset or not an object, as v1's
    /// `GetValues` which ignored unmarshal errors).
    pub fn values(&self) -> Map<String, Value> {
        match &self.spec.values {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        }
    }

    /// `values_from_sources` is `valuesFrom` with the deprecated `valueFileSecrets`
    /// prepended as `secretKeyRef`s (v1's `GetValuesFromSources`).
    pub fn values_from_sources(&self) -> Vec<ValuesFromSource> {
        self.spec
            .value_file_secrets
            .iter()
            .map(|r| ValuesFromSource {
                secret_key_ref: Some(KeySelector {
                    name: r.name.clone(),
                    ..KeySelector::default()
                }),
                ..ValuesFromSource::default()
            })
            .chain(self.spec.values_from.iter().cloned())
            .collect()
    }

    /// `interval` parses `spec.interval` as a Go duration; `None` when unset or invalid.
    pub fn interval(&self) -> Option<Duration> {
        self.spec.interval.as_deref().and_then(parse_go_duration)
    }
}

/// `parse_go_duration` parses Go's `time.ParseDuration` syntax without sign
/// (`300ms`, `1.5h`, `2h45m`); `None` for anything else.
pub fn parse_go_duration(s: &str) -> Option<Duration> {
    if s == "0" {
        return Some(Duration::ZERO);
    }
    let mut rest = s;
    let mut total = 0f64;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(num_len);
        if num.is_empty() || num == "." {
            return None;
        }
        let value: f64 = num.parse().ok()?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let scale = match unit {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += value * scale;
        rest = tail;
    }
    Duration::try_from_secs_f64(total).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::api::ObjectMeta;

    fn hr(ns: Option<&str>, name: &str, spec: HelmReleaseSpec) -> HelmRelease {
        HelmRelease {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: ns.map(String::from),
                ..ObjectMeta::default()
            },
            spec,
            status: None,
        }
    }

    #[test]
    fn release_name_rules() {
        let mut spec = HelmReleaseSpec::default();
        assert_eq!(
            hr(Some("apps"), "web", spec.clone()).effective_release_name(),
            "apps-web"
        );
        assert_eq!(
            hr(None, "web", spec.clone()).effective_release_name(),
            "default-web"
        );
        spec.target_namespace = Some("prod".into());
        assert_eq!(
            hr(Some("flux"), "web", spec.clone()).effective_release_name(),
            "flux-prod-web"
        );
        spec.target_namespace = Some("flux".into());
        assert_eq!(
            hr(Some("flux"), "web", spec.clone()).effective_release_name(),
            "flux-web"
        );
        spec.release_name = Some("custom".into());
        assert_eq!(
            hr(Some("flux"), "web", spec).effective_release_name(),
            "custom"
        );
    }

    #[test]
    fn defaults_match_v1() {
        let h = hr(Some("a"), "b", HelmReleaseSpec::default());
        assert_eq!(h.timeout(), Duration::from_secs(300));
        assert_eq!(h.max_history(), 10);
        assert!(!h.reuse_values());
        assert!(!h.wait());
        assert_eq!(h.spec.rollback.max_retries(), 5);
        assert_eq!(h.spec.rollback.timeout(), Duration::from_secs(300));
        assert!(!h.spec.test.ignore_failures());
        assert!(h.spec.test.cleanup());
        assert_eq!(h.target_namespace(), "a");
        assert_eq!(h.interval(), None);
    }

    #[test]
    fn wait_follows_rollback_and_test() {
        let mut spec = HelmReleaseSpec::default();
        spec.rollback.enable = true;
        assert!(hr(None, "x", spec.clone()).wait());
        spec.wait = Some(false);
        assert!(!hr(None, "x", spec.clone()).wait());
        let mut spec = HelmReleaseSpec::default();
        spec.test.enable = true;
        assert!(hr(None, "x", spec).wait());
    }

    #[test]
    fn reset_values_false_reuses() {
        let mut spec = HelmReleaseSpec {
            reset_values: Some(false),
            ..HelmReleaseSpec::default()
        };
        assert!(hr(None, "x", spec.clone()).reuse_values());
        spec.reset_values = Some(true);
        assert!(!hr(None, "x", spec).reuse_values());
    }

    #[test]
    fn chart_source_resolution() {
        let repo = ChartSource {
            repository: Some("https://charts.example.com".into()),
            name: Some("redis".into()),
            version: Some("1.0.0".into()),
            ..ChartSource::default()
        };
        assert_eq!(
            repo.resolve(),
            Ok(ChartRef::Repo {
                repository: "https://charts.example.com",
                name: "redis",
                version: "1.0.0"
            })
        );
        let git = ChartSource {
            git: Some("ssh://git@example.com/repo".into()),
            path: Some("charts/app".into()),
            ..ChartSource::default()
        };
        assert_eq!(
            git.resolve(),
            Ok(ChartRef::Git {
                url: "ssh://git@example.com/repo",
                git_ref: "master",
                path: "charts/app"
            })
        );
        let mut both = repo.clone();
        both.git = Some("x".into());
        assert_eq!(both.resolve(), Err(ChartSourceError::Ambiguous));
        let mut partial = repo;
        partial.version = None;
        assert_eq!(
            partial.resolve(),
            Err(ChartSourceError::MissingField("version"))
        );
        assert_eq!(
            ChartSource::default().resolve(),
            Err(ChartSourceError::Empty)
        );
    }

    #[test]
    fn value_file_secrets_come_first() {
        let spec = HelmReleaseSpec {
            value_file_secrets: vec![LocalObjectReference { name: "old".into() }],
            values_from: vec![ValuesFromSource {
                config_map_key_ref: Some(KeySelector {
                    name: "cm".into(),
                    ..KeySelector::default()
                }),
                ..ValuesFromSource::default()
            }],
            ..HelmReleaseSpec::default()
        };
        let v = hr(None, "x", spec).values_from_sources();
        assert_eq!(v.len(), 2);
        let first = v[0].secret_key_ref.as_ref().unwrap();
        assert_eq!(first.name, "old");
        assert_eq!(first.key_or_default(), "values.yaml");
        assert_eq!(v[1].config_map_key_ref.as_ref().unwrap().name, "cm");
    }

    fn manifest(name: &str) -> HelmRelease {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/helmreleases")
            .join(name);
        let text = std::fs::read_to_string(path).unwrap();
        serde_json::from_value(helm_render::yamljson::yaml_to_json(&text).unwrap()).unwrap()
    }

    #[test]
    fn v1_repo_manifest() {
        let h = manifest("podinfo-repo.yaml");
        assert_eq!(h.effective_release_name(), "default-podinfo");
        assert_eq!(
            h.spec.chart.resolve(),
            Ok(ChartRef::Repo {
                repository: "https://stefanprodan.github.io/podinfo",
                name: "podinfo",
                version: "3.2.0"
            })
        );
        assert!(!h.wait());
        assert!(h.values().is_empty());
    }

    #[test]
    fn v1_git_manifest() {
        let h = manifest("podinfo-git.yaml");
        assert_eq!(h.effective_release_name(), "podinfo-git");
        assert_eq!(h.timeout(), Duration::from_secs(30));
        assert!(h.wait(), "rollback.enable implies wait");
        assert!(h.spec.rollback.wait);
        assert_eq!(h.values()["replicaCount"], 2);
        assert_eq!(h.values()["faults"]["unready"], false);
        assert!(matches!(
            h.spec.chart.resolve(),
            Ok(ChartRef::Git {
                path: "charts/podinfo",
                git_ref: "master",
                ..
            })
        ));
    }

    #[test]
    fn v1_kitchen_sink_manifest() {
        let h = manifest("kitchen-sink.yaml");
        // An empty releaseName counts as unset, as in v1.
        assert_eq!(h.effective_release_name(), "flux-ingress-kong");
        assert_eq!(h.spec.helm_version, Some(HelmVersion::V3));
        assert_eq!(h.max_history(), 0);
        assert!(h.reuse_values());
        assert!(h.spec.skip_crds && h.spec.force_upgrade && h.spec.disable_openapi_validation);
        assert_eq!(h.spec.rollback.max_retries(), 0);
        assert_eq!(h.spec.rollback.timeout(), Duration::from_secs(120));
        assert!(h.spec.test.ignore_failures());
        assert_eq!(h.spec.test.timeout(), Duration::from_secs(60));
        assert!(h.wait());
        let sources = h.values_from_sources();
        assert_eq!(sources.len(), 5);
        assert_eq!(
            sources[0].secret_key_ref.as_ref().unwrap().name,
            "legacy-values"
        );
        assert_eq!(
            sources[4].chart_file_ref.as_ref().unwrap().path,
            "overrides/environment-01.yaml"
        );
        assert_eq!(
            sources[3].external_source_ref.as_ref().unwrap().optional,
            Some(true)
        );
        assert_eq!(h.values()["list"][2]["three"], 3);
        assert!(h.values()["weird key"].is_null());
        assert_eq!(
            h.spec.chart.chart_pull_secret.as_ref().unwrap().name,
            "repo-auth"
        );
        let status = h.status.as_ref().unwrap();
        assert_eq!(status.rollback_count, 1);
        assert_eq!(
            status
                .condition(super::super::status::ConditionType::Released)
                .and_then(|c| c.message.as_deref()),
            Some("Release was successful for Helm release 'flux-ingress-kong' in 'ingress'.")
        );
        // Round trip through JSON keeps the spec (the unknown field is dropped, as the API
        // server's pruning would).
        let back: HelmRelease = serde_json::from_value(serde_json::to_value(&h).unwrap()).unwrap();
        assert_eq!(back, h);
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse_go_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_go_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_go_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_go_duration("0"), Some(Duration::ZERO));
        for bad in ["", "5", "m", "5x", "-5m", "1..2s"] {
            assert_eq!(parse_go_duration(bad), None, "{bad}");
        }
    }
}
