//! Helm's release record (`helm.sh/helm/v4/pkg/release/v1.Release`) and its JSON shape.
//!
//! Field names, field order, `omitempty`/`omitzero` and `null` handling follow Helm
//! v4.2.3's Go structs (`release.go`, `info.go`, `hook.go`, `chart/v2/{chart,metadata,
//! dependency}.go`, `chart/common/file.go`), so `codec::release_json` produces the bytes
//! Helm's `json.Marshal` does. Reading accepts Helm 3's shape too (`"deleted": ""`, no
//! `apply_method`, no mod times). Encoding to storage lives in `codec`.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::gojson::{
    serialize_sorted, serialize_sorted_map, serialize_sorted_opt_map, serialize_sorted_vec,
};
use super::time::{is_zero, GoTime};

/// `Status` of a release revision (`pkg/release/common/status.go`).
///
/// `Other` keeps any string Helm may add later (and the empty string) so it round-trips.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Status {
    /// `unknown`: indeterminate state.
    #[default]
    Unknown,
    /// `deployed`: the revision is live.
    Deployed,
    /// `uninstalled`: uninstalled with history kept.
    Uninstalled,
    /// `superseded`: replaced by a newer revision.
    Superseded,
    /// `failed`: the operation failed.
    Failed,
    /// `uninstalling`: uninstall in progress.
    Uninstalling,
    /// `pending-install`: install in progress (a lock).
    PendingInstall,
    /// `pending-upgrade`: upgrade in progress (a lock).
    PendingUpgrade,
    /// `pending-rollback`: rollback in progress (a lock).
    PendingRollback,
    /// Any other string as stored.
    Other(String),
}

impl Status {
    /// `as_str` is the string Helm stores (also the `status` label).
    pub fn as_str(&self) -> &str {
        match self {
            Status::Unknown => "unknown",
            Status::Deployed => "deployed",
            Status::Uninstalled => "uninstalled",
            Status::Superseded => "superseded",
            Status::Failed => "failed",
            Status::Uninstalling => "uninstalling",
            Status::PendingInstall => "pending-install",
            Status::PendingUpgrade => "pending-upgrade",
            Status::PendingRollback => "pending-rollback",
            Status::Other(s) => s,
        }
    }

    /// `is_pending` is Helm's `IsPending`: one of the three `pending-*` states.
    pub fn is_pending(&self) -> bool {
        matches!(
            self,
            Status::PendingInstall | Status::PendingUpgrade | Status::PendingRollback
        )
    }

    fn is_empty(&self) -> bool {
        self.as_str().is_empty()
    }
}

impl From<&str> for Status {
    fn from(s: &str) -> Self {
        match s {
            "unknown" => Status::Unknown,
            "deployed" => Status::Deployed,
            "uninstalled" => Status::Uninstalled,
            "superseded" => Status::Superseded,
            "failed" => Status::Failed,
            "uninstalling" => Status::Uninstalling,
            "pending-install" => Status::PendingInstall,
            "pending-upgrade" => Status::PendingUpgrade,
            "pending-rollback" => Status::PendingRollback,
            other => Status::Other(other.to_string()),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        Ok(Status::from(s.as_deref().unwrap_or("")))
    }
}

/// `Release` is one stored revision of a Helm release.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Release {
    /// Release name.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub name: String,
    /// Deployment information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<Info>,
    /// The chart as installed (parent chart only; subcharts are not stored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<Chart>,
    /// User-supplied values only (not coalesced with the chart's).
    #[serde(
        default,
        skip_serializing_if = "Map::is_empty",
        serialize_with = "serialize_sorted_map",
        deserialize_with = "null_default"
    )]
    pub config: Map<String, Value>,
    /// Rendered manifest (`---\n# Source: …` documents), hooks excluded.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub manifest: String,
    /// Hooks, in execution-sorted order.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_items"
    )]
    pub hooks: Vec<Hook>,
    /// Revision number, from 1.
    #[serde(
        default,
        skip_serializing_if = "is_zero_i64",
        deserialize_with = "null_default"
    )]
    pub version: i64,
    /// Namespace of the release.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub namespace: String,
    /// Custom labels: stored as Secret labels, never in the JSON (`json:"-"`).
    #[serde(skip)]
    pub labels: BTreeMap<String, String>,
    /// `ssa` or `csa` (Helm 4); empty means client-side apply.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub apply_method: String,
}

impl Release {
    /// `status` of this revision (`unknown` when `info` is absent).
    pub fn status(&self) -> Status {
        self.info
            .as_ref()
            .map(|i| i.status.clone())
            .unwrap_or_default()
    }

    /// `set_status` is Helm's `SetStatus`: status and description together.
    pub fn set_status(&mut self, status: Status, description: impl Into<String>) {
        let info = self.info.get_or_insert_with(Info::default);
        info.status = status;
        info.description = description.into();
    }
}

/// `Info` describes a revision's deployment (`info.go`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Info {
    /// First install time of the release.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub first_deployed: GoTime,
    /// Time of this revision.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub last_deployed: GoTime,
    /// Uninstall time.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub deleted: GoTime,
    /// Human-readable description ("Install complete", "Rollback to 1", …).
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub description: String,
    /// Status of this revision.
    #[serde(default, skip_serializing_if = "Status::is_empty")]
    pub status: Status,
    /// Written by Helm after v4.2.3; kept so newer records round-trip.
    #[serde(
        default,
        skip_serializing_if = "is_zero_i64",
        deserialize_with = "null_default"
    )]
    pub rollback_revision: i64,
    /// Rendered NOTES.txt.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub notes: String,
    /// Only set in memory by `helm status --show-resources`; kept opaque.
    #[serde(
        default,
        skip_serializing_if = "is_empty_value",
        serialize_with = "serialize_sorted"
    )]
    pub resources: Value,
}

/// `Chart` as stored in a release (`chart/v2/chart.go`): no `Raw`, no subcharts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Chart {
    /// Chart.yaml contents (`null` when absent).
    #[serde(default)]
    pub metadata: Option<Metadata>,
    /// Chart.lock contents.
    #[serde(default)]
    pub lock: Option<Lock>,
    /// Templates with base64 data.
    #[serde(default)]
    pub templates: Option<Vec<File>>,
    /// values.yaml of the chart.
    #[serde(default, serialize_with = "serialize_sorted_opt_map")]
    pub values: Option<Map<String, Value>>,
    /// values.schema.json bytes.
    #[serde(default, with = "opt_bytes")]
    pub schema: Option<Vec<u8>>,
    /// Mod time of the schema file; always written (zero as `0001-01-01T00:00:00Z`).
    #[serde(default)]
    pub schemamodtime: GoTime,
    /// Other non-template files.
    #[serde(default)]
    pub files: Option<Vec<File>>,
    /// Mod time of the chart.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub modtime: GoTime,
}

/// `File` is a named byte blob in a chart (`chart/common/file.go`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct File {
    /// Path relative to the chart root.
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// Contents, base64 in JSON (`null` when nil).
    #[serde(default, with = "opt_bytes")]
    pub data: Option<Vec<u8>>,
    /// Modification time.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub modtime: GoTime,
}

/// `Metadata` is Chart.yaml (`chart/v2/metadata.go`); every field `omitempty`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Metadata {
    /// Chart name.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub name: String,
    /// Project home page URL.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub home: String,
    /// Source URLs.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_default"
    )]
    pub sources: Vec<String>,
    /// SemVer chart version.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub version: String,
    /// One-line description.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub description: String,
    /// Search keywords.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_default"
    )]
    pub keywords: Vec<String>,
    /// Maintainers.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_items"
    )]
    pub maintainers: Vec<Maintainer>,
    /// Icon URL.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub icon: String,
    /// Chart API version (`v1`, `v2`).
    #[serde(
        default,
        rename = "apiVersion",
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub api_version: String,
    /// Legacy condition field.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub condition: String,
    /// Legacy tags field.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub tags: String,
    /// Version of the packaged app.
    #[serde(
        default,
        rename = "appVersion",
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub app_version: String,
    /// Whether the chart is deprecated.
    #[serde(
        default,
        skip_serializing_if = "is_false",
        deserialize_with = "null_default"
    )]
    pub deprecated: bool,
    /// Chart annotations (sorted, as Go marshals maps).
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "null_default"
    )]
    pub annotations: BTreeMap<String, String>,
    /// Supported Kubernetes versions (SemVer range).
    #[serde(
        default,
        rename = "kubeVersion",
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub kube_version: String,
    /// Declared dependencies.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_items"
    )]
    pub dependencies: Vec<Dependency>,
    /// `application` or `library`.
    #[serde(
        default,
        rename = "type",
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub chart_type: String,
}

/// `Maintainer` of a chart.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Maintainer {
    /// Name.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub name: String,
    /// Email.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub email: String,
    /// URL.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub url: String,
}

/// `Dependency` of a chart (`chart/v2/dependency.go`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Dependency {
    /// Chart name.
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// Version range.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub version: String,
    /// Repository URL.
    #[serde(default, deserialize_with = "null_default")]
    pub repository: String,
    /// Values path enabling it.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub condition: String,
    /// Tags enabling it.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_default"
    )]
    pub tags: Vec<String>,
    /// Resolved enabled flag.
    #[serde(
        default,
        skip_serializing_if = "is_false",
        deserialize_with = "null_default"
    )]
    pub enabled: bool,
    /// Values imported from the subchart.
    #[serde(
        default,
        rename = "import-values",
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "serialize_sorted_vec",
        deserialize_with = "null_default"
    )]
    pub import_values: Vec<Value>,
    /// Alias.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub alias: String,
}

/// `Lock` is Chart.lock.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Lock {
    /// When the lock was generated.
    #[serde(default)]
    pub generated: GoTime,
    /// Digest of the dependencies.
    #[serde(default, deserialize_with = "null_default")]
    pub digest: String,
    /// Locked dependencies.
    #[serde(default)]
    pub dependencies: Option<Vec<Dependency>>,
}

/// `Hook` is one rendered hook document (`hook.go`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Hook {
    /// Object name.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub name: String,
    /// Object kind.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub kind: String,
    /// Template path, e.g. `mychart/templates/job.yaml`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub path: String,
    /// Rendered hook document.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub manifest: String,
    /// `pre-install`, `post-upgrade`, `test`, …
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_default"
    )]
    pub events: Vec<String>,
    /// Last execution; always written.
    #[serde(default, deserialize_with = "null_default")]
    pub last_run: HookExecution,
    /// `helm.sh/hook-weight`.
    #[serde(
        default,
        skip_serializing_if = "is_zero_i64",
        deserialize_with = "null_default"
    )]
    pub weight: i64,
    /// `before-hook-creation`, `hook-succeeded`, `hook-failed`.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_default"
    )]
    pub delete_policies: Vec<String>,
    /// `hook-succeeded`, `hook-failed` (Helm 3.18+).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_default"
    )]
    pub output_log_policies: Vec<String>,
}

/// `HookExecution` records a hook run.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HookExecution {
    /// Start of the last run.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub started_at: GoTime,
    /// End of the last run.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub completed_at: GoTime,
    /// `Unknown`, `Running`, `Succeeded`, `Failed` (always written, even empty).
    #[serde(default, deserialize_with = "null_default")]
    pub phase: String,
}

fn is_zero_i64(v: &i64) -> bool {
    *v == 0
}

fn is_false(v: &bool) -> bool {
    !*v
}

/// Go's `omitempty` on a map/slice/any: nil or empty.
fn is_empty_value(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// JSON `null` decodes to the zero value, as in Go.
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Lists of Go pointers (`[]*Hook`): `null` list and `null` items are skipped.
fn null_items<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let items: Option<Vec<Option<T>>> = Option::deserialize(d)?;
    Ok(items.unwrap_or_default().into_iter().flatten().collect())
}

/// Go `[]byte`: base64 (standard, padded) string, or `null` for nil.
mod opt_bytes {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(b)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        match s {
            None => Ok(None),
            Some(s) => {
                // Go's decoder drops \r and \n inside base64 text.
                let cleaned: String = s.chars().filter(|c| *c != '\r' && *c != '\n').collect();
                base64::engine::general_purpose::STANDARD
                    .decode(cleaned.as_bytes())
                    .map(Some)
                    .map_err(serde::de::Error::custom)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_strings_round_trip() {
        for s in [
            "unknown",
            "deployed",
            "uninstalled",
            "superseded",
            "failed",
            "uninstalling",
            "pending-install",
            "pending-upgrade",
            "pending-rollback",
            "something-new",
        ] {
            assert_eq!(Status::from(s).as_str(), s);
        }
        assert!(Status::PendingRollback.is_pending());
        assert!(!Status::Deployed.is_pending());
        assert_eq!(Status::from("x"), Status::Other("x".into()));
    }

    #[test]
    fn helm3_shapes_decode() {
        let j = r#"{"name":"a","info":{"first_deployed":"2020-01-01T00:00:00Z","last_deployed":"2020-01-01T00:00:00Z","deleted":"","description":"Install complete","status":"deployed"},"chart":{"metadata":{"name":"c","version":"1.0.0"},"lock":null,"templates":null,"values":null,"schema":null,"files":null},"config":null,"manifest":"x","hooks":null,"version":1,"namespace":"default"}"#;
        let r: Release = serde_json::from_str(j).unwrap();
        let info = r.info.as_ref().unwrap();
        assert!(info.deleted.is_zero());
        assert_eq!(info.status, Status::Deployed);
        assert!(r.config.is_empty());
        assert!(r.hooks.is_empty());
        let chart = r.chart.as_ref().unwrap();
        assert!(chart.schemamodtime.is_zero());
        assert_eq!(chart.metadata.as_ref().unwrap().name, "c");
    }

    #[test]
    fn set_status_creates_info() {
        let mut r = Release::default();
        assert_eq!(r.status(), Status::Unknown);
        r.set_status(Status::PendingInstall, "Initial install underway");
        assert_eq!(r.status(), Status::PendingInstall);
        assert_eq!(
            r.info.as_ref().unwrap().description,
            "Initial install underway"
        );
    }

    #[test]
    fn bad_base64_is_an_error() {
        let j = r#"{"name":"x","data":"!!"}"#;
        assert!(serde_json::from_str::<File>(j).is_err());
        let f: File = serde_json::from_str(r#"{"name":"x","data":"YQ==\n"}"#).unwrap();
        assert_eq!(f.data.as_deref(), Some(&b"a"[..]));
    }
}
