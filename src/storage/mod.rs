//! Helm-compatible release storage.
//!
//! Releases are stored exactly as Helm 3/4 store them, so `helm list/history/get/rollback`
//! keep working on releases we write, and we read releases Helm wrote. Modules:
//! `release` (the record and its JSON shape), `codec` (base64+gzip), `gojson` and `time`
//! (Go's JSON and time formats), `driver` (the `Driver` trait, errors, labels), `memory`
//! and `secrets` (implementations), `wrappers` (fault-injecting and observing decorators).
//! `Storage` here owns Helm's rules (`pkg/storage/storage.go`): keys, history, last and
//! deployed lookups, and max-history pruning.

pub mod codec;
pub mod driver;
pub mod gojson;
pub mod memory;
pub mod release;
pub mod secrets;
pub mod time;
pub mod wrappers;

pub use codec::{decode_release, encode_release, release_json, CodecError};
pub use driver::{Driver, DriverError, Labels};
pub use memory::MemoryDriver;
pub use release::{Chart, File, Hook, HookExecution, Info, Metadata, Release, Status};
pub use secrets::{SecretApi, SecretApiError, SecretsDriver};
pub use time::GoTime;
pub use wrappers::{FailingDriver, Observation, ObservingDriver, Op};

/// `HELM_STORAGE_TYPE` prefixes every key.
pub const HELM_STORAGE_TYPE: &str = "sh.helm.release.v1";

/// `StorageError` is a `Storage` failure.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The driver failed.
    #[error(transparent)]
    Driver(#[from] DriverError),
    /// No revision of the release is `deployed` (Helm: `"<name>" has no deployed releases`).
    #[error("{name:?} has no deployed releases")]
    NoDeployedReleases {
        /// Release name.
        name: String,
    },
    /// The release has no revision at all.
    #[error("no revision for release {name:?}")]
    NoRevision {
        /// Release name.
        name: String,
    },
    /// Several deletions failed while pruning history.
    #[error("encountered {count} deletion errors. First is: {first}")]
    Prune {
        /// How many deletions failed.
        count: usize,
        /// The first failure.
        #[source]
        first: DriverError,
    },
}

impl StorageError {
    /// `is_not_found` is true for a missing release/revision (driver `NotFound`).
    pub fn is_not_found(&self) -> bool {
        matches!(self, StorageError::Driver(DriverError::NotFound))
    }

    /// `reason` is a stable identifier for conditions, events and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            StorageError::Driver(e) => e.reason(),
            StorageError::NoDeployedReleases { .. } => "NoDeployedReleases",
            StorageError::NoRevision { .. } => "NoRevision",
            StorageError::Prune { .. } => "HistoryPruneFailed",
        }
    }
}

/// `make_key` is Helm's `makeKey`: `sh.helm.release.v1.<name>.v<version>`.
pub fn make_key(name: &str, version: i64) -> String {
    format!("{HELM_STORAGE_TYPE}.{name}.v{version}")
}

fn labels<const N: usize>(pairs: [(&str, &str); N]) -> Labels {
    pairs
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// `Storage` applies Helm's storage rules over a `Driver`.
pub struct Storage {
    driver: Box<dyn Driver>,
    /// Maximum revisions kept per release on `create`; 0 means unlimited.
    pub max_history: usize,
}

impl Storage {
    /// `new` wraps `driver` with unlimited history.
    pub fn new(driver: impl Driver + 'static) -> Self {
        Storage {
            driver: Box::new(driver),
            max_history: 0,
        }
    }

    /// `from_box` wraps a driver chosen at run time.
    pub fn from_box(driver: Box<dyn Driver>) -> Self {
        Storage {
            driver,
            max_history: 0,
        }
    }

    /// `with_max_history` sets `max_history`.
    pub fn with_max_history(mut self, max_history: usize) -> Self {
        self.max_history = max_history;
        self
    }

    /// `driver` underneath.
    pub fn driver(&self) -> &dyn Driver {
        self.driver.as_ref()
    }

    /// `get` revision `version` of `name`. Errors: driver `NotFound`, …
    pub async fn get(&self, name: &str, version: i64) -> Result<Release, StorageError> {
        Ok(self.driver.get(&make_key(name, version)).await?)
    }

    /// `create` stores a new revision, first pruning history to `max_history - 1` revisions
    /// (never the latest deployed one). Errors: `AlreadyExists` (the pessimistic lock), …
    pub async fn create(&self, rls: &Release) -> Result<(), StorageError> {
        if self.max_history > 0 {
            match self
                .remove_least_recent(&rls.name, self.max_history - 1)
                .await
            {
                Ok(()) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self
            .driver
            .create(&make_key(&rls.name, rls.version), rls)
            .await?)
    }

    /// `update` rewrites an existing revision (status changes, hook runs).
    pub async fn update(&self, rls: &Release) -> Result<(), StorageError> {
        Ok(self
            .driver
            .update(&make_key(&rls.name, rls.version), rls)
            .await?)
    }

    /// `delete` removes a revision and returns it. Errors: driver `NotFound`, …
    pub async fn delete(&self, name: &str, version: i64) -> Result<Release, StorageError> {
        Ok(self.driver.delete(&make_key(name, version)).await?)
    }

    /// `list_releases` returns every release revision in the storage namespace.
    pub async fn list_releases(&self) -> Result<Vec<Release>, StorageError> {
        Ok(self.driver.list(&Labels::new()).await?)
    }

    /// `list_deployed` returns every `deployed` revision.
    pub async fn list_deployed(&self) -> Result<Vec<Release>, StorageError> {
        let mut all = self.list_releases().await?;
        all.retain(|r| r.status() == Status::Deployed);
        Ok(all)
    }

    /// `list_uninstalled` returns every `uninstalled` revision.
    pub async fn list_uninstalled(&self) -> Result<Vec<Release>, StorageError> {
        let mut all = self.list_releases().await?;
        all.retain(|r| r.status() == Status::Uninstalled);
        Ok(all)
    }

    /// `history` returns all revisions of `name` in no particular order.
    /// Errors: driver `NotFound` when there is none.
    pub async fn history(&self, name: &str) -> Result<Vec<Release>, StorageError> {
        Ok(self
            .driver
            .query(&labels([("name", name), ("owner", "helm")]))
            .await?)
    }

    /// `deployed_all` returns every revision of `name` labelled `deployed`.
    /// Errors: `NoDeployedReleases`.
    pub async fn deployed_all(&self, name: &str) -> Result<Vec<Release>, StorageError> {
        let q = labels([("name", name), ("owner", "helm"), ("status", "deployed")]);
        match self.driver.query(&q).await {
            Ok(v) => Ok(v),
            Err(DriverError::NotFound) => Err(StorageError::NoDeployedReleases {
                name: name.to_string(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// `deployed` returns the newest `deployed` revision of `name`.
    /// Errors: `NoDeployedReleases`.
    pub async fn deployed(&self, name: &str) -> Result<Release, StorageError> {
        self.deployed_all(name)
            .await?
            .into_iter()
            .max_by_key(|r| r.version)
            .ok_or_else(|| StorageError::NoDeployedReleases {
                name: name.to_string(),
            })
    }

    /// `last` returns the newest revision of `name`, whatever its status.
    /// Errors: driver `NotFound` when there is none.
    pub async fn last(&self, name: &str) -> Result<Release, StorageError> {
        self.history(name)
            .await?
            .into_iter()
            .max_by_key(|r| r.version)
            .ok_or_else(|| StorageError::NoRevision {
                name: name.to_string(),
            })
    }

    /// `remove_least_recent` is Helm's `removeLeastRecent`: delete the oldest revisions until
    /// `maximum` remain, skipping the latest deployed one.
    async fn remove_least_recent(&self, name: &str, maximum: usize) -> Result<(), StorageError> {
        let mut history = self.history(name).await?;
        if history.len() <= maximum {
            return Ok(());
        }
        history.sort_by_key(|r| r.version);
        let last_deployed = match self.deployed(name).await {
            Ok(r) => Some(r.version),
            Err(StorageError::NoDeployedReleases { .. }) => None,
            Err(e) => return Err(e),
        };
        let mut to_delete = Vec::new();
        for r in &history {
            if history.len() - to_delete.len() == maximum {
                break;
            }
            if last_deployed != Some(r.version) {
                to_delete.push(r.version);
            }
        }
        let mut errors = Vec::new();
        for version in to_delete {
            if let Err(e) = self.driver.delete(&make_key(name, version)).await {
                errors.push(e);
            }
        }
        let count = errors.len();
        match errors.into_iter().next() {
            None => Ok(()),
            Some(first) if count == 1 => Err(first.into()),
            Some(first) => Err(StorageError::Prune { count, first }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(version: i64, status: Status) -> Release {
        let mut r = Release {
            name: "demo".into(),
            version,
            namespace: "default".into(),
            ..Release::default()
        };
        r.set_status(status, "");
        r
    }

    #[tokio::test]
    async fn shared_driver_backs_two_storages() {
        let shared = std::sync::Arc::new(MemoryDriver::new());
        let a = Storage::new(shared.clone());
        let b = Storage::from_box(Box::new(shared.clone()));
        a.create(&rel(1, Status::Deployed)).await.unwrap();
        assert_eq!(b.deployed("demo").await.unwrap().version, 1);
        assert_eq!(shared.keys(), vec![make_key("demo", 1)]);
    }

    #[test]
    fn keys_match_helm() {
        assert_eq!(make_key("demo", 12), "sh.helm.release.v1.demo.v12");
    }

    #[tokio::test]
    async fn last_and_deployed() {
        let s = Storage::new(MemoryDriver::new());
        assert!(s.last("demo").await.unwrap_err().is_not_found());
        assert!(matches!(
            s.deployed("demo").await,
            Err(StorageError::NoDeployedReleases { .. })
        ));
        s.create(&rel(1, Status::Superseded)).await.unwrap();
        s.create(&rel(2, Status::Deployed)).await.unwrap();
        s.create(&rel(3, Status::Failed)).await.unwrap();
        assert_eq!(s.last("demo").await.unwrap().version, 3);
        assert_eq!(s.deployed("demo").await.unwrap().version, 2);
        assert_eq!(s.history("demo").await.unwrap().len(), 3);
        assert_eq!(s.list_deployed().await.unwrap().len(), 1);
        assert!(s.list_uninstalled().await.unwrap().is_empty());
        let err = s.deployed("other").await.unwrap_err();
        assert_eq!(err.to_string(), "\"other\" has no deployed releases");
    }

    #[tokio::test]
    async fn max_history_keeps_last_deployed() {
        let s = Storage::new(MemoryDriver::new()).with_max_history(3);
        s.create(&rel(1, Status::Deployed)).await.unwrap();
        for v in 2..=6 {
            s.create(&rel(v, Status::Failed)).await.unwrap();
        }
        let mut versions: Vec<i64> = s
            .history("demo")
            .await
            .unwrap()
            .iter()
            .map(|r| r.version)
            .collect();
        versions.sort();
        assert_eq!(versions, vec![1, 5, 6]);
    }

    #[tokio::test]
    async fn max_history_prunes_oldest() {
        let s = Storage::new(MemoryDriver::new()).with_max_history(2);
        for v in 1..=4 {
            let status = if v == 4 {
                Status::Deployed
            } else {
                Status::Superseded
            };
            s.create(&rel(v, status)).await.unwrap();
        }
        let mut versions: Vec<i64> = s
            .history("demo")
            .await
            .unwrap()
            .iter()
            .map(|r| r.version)
            .collect();
        versions.sort();
        assert_eq!(versions, vec![3, 4]);
    }
}
