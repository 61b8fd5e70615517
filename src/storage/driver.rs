//! The release storage `Driver` trait, its errors and the label rules all drivers share.
//!
//! Mirrors Helm's `pkg/storage/driver/driver.go` (`Creator + Updator + Deletor + Queryor +
//! Name`) and `util.go`/`labels.go` (system labels, label matching). Drivers only move
//! records by key; naming, history and pruning rules live in `Storage` (`mod.rs`).

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::codec::CodecError;
use super::release::Release;

/// `Labels` is a label set (sorted, as Kubernetes prints selectors).
pub type Labels = BTreeMap<String, String>;

/// `SYSTEM_LABELS` are the labels Helm owns on a release object (`util.go`).
pub const SYSTEM_LABELS: [&str; 6] = [
    "name",
    "owner",
    "status",
    "version",
    "createdAt",
    "modifiedAt",
];

/// `DriverError` is what a driver operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// No release under the key, or a query matched nothing (`ErrReleaseNotFound`).
    #[error("release: not found")]
    NotFound,
    /// Create found the key taken (`ErrReleaseExists`).
    #[error("release: already exists")]
    AlreadyExists,
    /// A query label value is not a valid Kubernetes label value.
    #[error("invalid label value: {value:?}: {reason}")]
    InvalidLabelValue {
        /// The offending value.
        value: String,
        /// Why it is invalid.
        reason: &'static str,
    },
    /// The stored record could not be decoded.
    #[error("{op}: failed to decode data {key:?}: {source}")]
    Decode {
        /// Operation (`get`, …).
        op: &'static str,
        /// Storage key.
        key: String,
        /// Cause.
        #[source]
        source: CodecError,
    },
    /// The release could not be encoded.
    #[error("{op}: failed to encode release {name:?}: {source}")]
    Encode {
        /// Operation (`create`, `update`).
        op: &'static str,
        /// Release name.
        name: String,
        /// Cause.
        #[source]
        source: CodecError,
    },
    /// The backing API failed.
    #[error("{op}: {source}")]
    Backend {
        /// What was being done, in Helm's words ("create: failed to create").
        op: String,
        /// Cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl DriverError {
    /// `is_not_found` matches `NotFound`.
    pub fn is_not_found(&self) -> bool {
        matches!(self, DriverError::NotFound)
    }

    /// `reason` is a stable identifier for conditions, events and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            DriverError::NotFound => "ReleaseNotFound",
            DriverError::AlreadyExists => "ReleaseExists",
            DriverError::InvalidLabelValue { .. } => "InvalidLabelValue",
            DriverError::Decode { .. } => "ReleaseDecodeFailed",
            DriverError::Encode { .. } => "ReleaseEncodeFailed",
            DriverError::Backend { .. } => "StorageBackendFailed",
        }
    }
}

/// `Driver` stores release records by key.
///
/// Keys are `sh.helm.release.v1.<name>.v<N>` (see `Storage::make_key`). Returned releases
/// carry labels: `get` returns the custom labels only (system labels filtered), `list` and
/// `query` return every label of the stored object, as Helm's Secrets driver does.
#[async_trait]
pub trait Driver: Send + Sync {
    /// `name` of the driver (`Secret`, `Memory`).
    fn name(&self) -> &'static str;

    /// `get` the release under `key`. Errors: `NotFound`, `Decode`, `Backend`.
    async fn get(&self, key: &str) -> Result<Release, DriverError>;

    /// `list` every release (`owner=helm`) whose labels also match `selector`; undecodable
    /// records are skipped. An empty result is not an error. Errors: `Backend`.
    async fn list(&self, selector: &Labels) -> Result<Vec<Release>, DriverError>;

    /// `query` releases whose labels match all of `labels`.
    /// Errors: `NotFound` when nothing matches, `InvalidLabelValue`, `Backend`.
    async fn query(&self, labels: &Labels) -> Result<Vec<Release>, DriverError>;

    /// `create` a record. Errors: `AlreadyExists`, `Encode`, `Backend`.
    async fn create(&self, key: &str, rls: &Release) -> Result<(), DriverError>;

    /// `update` an existing record. Errors: `NotFound`, `Encode`, `Backend`.
    async fn update(&self, key: &str, rls: &Release) -> Result<(), DriverError>;

    /// `delete` a record and return it. Errors: `NotFound`, `Decode`, `Backend`.
    async fn delete(&self, key: &str) -> Result<Release, DriverError>;
}

/// A shared driver is a driver, so one store can back several `Storage`s and observers.
#[async_trait]
impl<D: Driver + ?Sized> Driver for std::sync::Arc<D> {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    async fn get(&self, key: &str) -> Result<Release, DriverError> {
        (**self).get(key).await
    }
    async fn list(&self, selector: &Labels) -> Result<Vec<Release>, DriverError> {
        (**self).list(selector).await
    }
    async fn query(&self, labels: &Labels) -> Result<Vec<Release>, DriverError> {
        (**self).query(labels).await
    }
    async fn create(&self, key: &str, rls: &Release) -> Result<(), DriverError> {
        (**self).create(key, rls).await
    }
    async fn update(&self, key: &str, rls: &Release) -> Result<(), DriverError> {
        (**self).update(key, rls).await
    }
    async fn delete(&self, key: &str) -> Result<Release, DriverError> {
        (**self).delete(key).await
    }
}

/// `is_system_label` reports whether Helm owns `key`.
pub fn is_system_label(key: &str) -> bool {
    SYSTEM_LABELS.contains(&key)
}

/// `filter_system_labels` drops Helm's own labels (what `Get` returns as `Release.Labels`).
pub fn filter_system_labels(labels: &Labels) -> Labels {
    labels
        .iter()
        .filter(|(k, _)| !is_system_label(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `object_labels` are the labels Helm writes on a release object: the release's own labels,
/// then `extra` (`createdAt` on create, `modifiedAt` on update), then the system labels
/// `name`, `owner=helm`, `status`, `version` (`newSecretsObject`).
pub fn object_labels(rls: &Release, extra: Option<(&str, i64)>) -> Labels {
    let mut lbs = rls.labels.clone();
    if let Some((k, unix)) = extra {
        lbs.insert(k.to_string(), unix.to_string());
    }
    lbs.insert("name".into(), rls.name.clone());
    lbs.insert("owner".into(), "helm".into());
    lbs.insert("status".into(), rls.status().as_str().to_string());
    lbs.insert("version".into(), rls.version.to_string());
    lbs
}

/// `matches` reports whether `labels` contains every pair of `selector`.
pub fn matches(labels: &Labels, selector: &Labels) -> bool {
    selector
        .iter()
        .all(|(k, v)| labels.get(k).map(String::as_str) == Some(v.as_str()))
}

/// `selector_string` is `labels.Set(sel).AsSelector().String()`: `k=v` pairs, sorted, comma-joined.
pub fn selector_string(selector: &Labels) -> String {
    selector
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// `validate_label_value` is Kubernetes' `IsValidLabelValue`: at most 63 characters,
/// empty or alphanumeric at both ends with `-`, `_`, `.` inside.
///
/// Errors: `InvalidLabelValue`.
pub fn validate_label_value(value: &str) -> Result<(), DriverError> {
    let invalid = |reason| DriverError::InvalidLabelValue {
        value: value.to_string(),
        reason,
    };
    if value.len() > 63 {
        return Err(invalid("must be no more than 63 characters"));
    }
    let b = value.as_bytes();
    let ok_inner = b
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'));
    let ok_ends = match (b.first(), b.last()) {
        (Some(f), Some(l)) => f.is_ascii_alphanumeric() && l.is_ascii_alphanumeric(),
        _ => true,
    };
    if ok_inner && ok_ends {
        Ok(())
    } else {
        Err(invalid(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        ))
    }
}

/// `unix_now` is the current time in Unix seconds (Helm's `createdAt`/`modifiedAt`).
pub fn unix_now() -> i64 {
    jiff::Timestamp::now().as_second()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::release::Status;

    #[test]
    fn object_labels_system_wins() {
        let mut r = Release {
            name: "demo".into(),
            version: 3,
            ..Release::default()
        };
        r.set_status(Status::Deployed, "");
        r.labels.insert("team".into(), "a".into());
        r.labels.insert("status".into(), "bogus".into());
        let l = object_labels(&r, Some(("createdAt", 42)));
        assert_eq!(
            selector_string(&l),
            "createdAt=42,name=demo,owner=helm,status=deployed,team=a,version=3"
        );
        assert_eq!(
            filter_system_labels(&l).into_iter().collect::<Vec<_>>(),
            vec![("team".to_string(), "a".to_string())]
        );
    }

    #[test]
    fn matching_and_validation() {
        let l: Labels = [("a", "1"), ("b", "2")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let sel: Labels = [("a".to_string(), "1".to_string())].into();
        assert!(matches(&l, &sel));
        let sel2: Labels = [("c".to_string(), "1".to_string())].into();
        assert!(!matches(&l, &sel2));
        assert!(validate_label_value("my-release.v1").is_ok());
        assert!(validate_label_value("").is_ok());
        assert!(validate_label_value("-x").is_err());
        assert!(validate_label_value("a b").is_err());
        assert!(validate_label_value(&"a".repeat(64)).is_err());
    }
}
