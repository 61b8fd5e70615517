//! Driver decorators: `FailingDriver` injects errors per operation (fault tests), and
//! `ObservingDriver` reports every successful write (status/history bookkeeping and tests).
//!
//! Both wrap any `Driver` and change nothing else, in the manner of Flux's
//! `internal/storage/{failing,observer}.go`.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::driver::{Driver, DriverError, Labels};
use super::release::Release;

/// `Op` names a driver operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `get`.
    Get,
    /// `list`.
    List,
    /// `query`.
    Query,
    /// `create`.
    Create,
    /// `update`.
    Update,
    /// `delete`.
    Delete,
}

/// `FailingDriver` fails the configured operations with a `Backend` error.
pub struct FailingDriver<D> {
    inner: D,
    failing: Mutex<Vec<Op>>,
}

impl<D: Driver> FailingDriver<D> {
    /// `new` wraps `inner` with no failures configured.
    pub fn new(inner: D) -> Self {
        FailingDriver {
            inner,
            failing: Mutex::new(Vec::new()),
        }
    }

    /// `fail` makes `op` fail from now on.
    pub fn fail(&self, op: Op) {
        self.ops().push(op);
    }

    /// `heal` stops all injected failures.
    pub fn heal(&self) {
        self.ops().clear();
    }

    /// `inner` driver.
    pub fn inner(&self) -> &D {
        &self.inner
    }

    fn ops(&self) -> std::sync::MutexGuard<'_, Vec<Op>> {
        self.failing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn check(&self, op: Op) -> Result<(), DriverError> {
        if self.ops().contains(&op) {
            return Err(DriverError::Backend {
                op: format!("{op:?}").to_lowercase(),
                source: "injected failure".into(),
            });
        }
        Ok(())
    }
}

#[async_trait]
impl<D: Driver> Driver for FailingDriver<D> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    async fn get(&self, key: &str) -> Result<Release, DriverError> {
        self.check(Op::Get)?;
        self.inner.get(key).await
    }
    async fn list(&self, selector: &Labels) -> Result<Vec<Release>, DriverError> {
        self.check(Op::List)?;
        self.inner.list(selector).await
    }
    async fn query(&self, labels: &Labels) -> Result<Vec<Release>, DriverError> {
        self.check(Op::Query)?;
        self.inner.query(labels).await
    }
    async fn create(&self, key: &str, rls: &Release) -> Result<(), DriverError> {
        self.check(Op::Create)?;
        self.inner.create(key, rls).await
    }
    async fn update(&self, key: &str, rls: &Release) -> Result<(), DriverError> {
        self.check(Op::Update)?;
        self.inner.update(key, rls).await
    }
    async fn delete(&self, key: &str) -> Result<Release, DriverError> {
        self.check(Op::Delete)?;
        self.inner.delete(key).await
    }
}

/// `Observation` is one successful write seen by `ObservingDriver`.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// `Create`, `Update` or `Delete`.
    pub op: Op,
    /// Storage key.
    pub key: String,
    /// The release written (for `Delete`, the release removed).
    pub release: Release,
}

/// `ObservingDriver` records every successful `create`, `update` and `delete`.
pub struct ObservingDriver<D> {
    inner: D,
    seen: Arc<Mutex<Vec<Observation>>>,
}

impl<D: Driver> ObservingDriver<D> {
    /// `new` wraps `inner`.
    pub fn new(inner: D) -> Self {
        ObservingDriver {
            inner,
            seen: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// `observations` is a shared handle to the writes seen so far, in order.
    pub fn observations(&self) -> Arc<Mutex<Vec<Observation>>> {
        Arc::clone(&self.seen)
    }

    fn record(&self, op: Op, key: &str, release: &Release) {
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(Observation {
                op,
                key: key.to_string(),
                release: release.clone(),
            });
    }
}

#[async_trait]
impl<D: Driver> Driver for ObservingDriver<D> {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    async fn get(&self, key: &str) -> Result<Release, DriverError> {
        self.inner.get(key).await
    }
    async fn list(&self, selector: &Labels) -> Result<Vec<Release>, DriverError> {
        self.inner.list(selector).await
    }
    async fn query(&self, labels: &Labels) -> Result<Vec<Release>, DriverError> {
        self.inner.query(labels).await
    }
    async fn create(&self, key: &str, rls: &Release) -> Result<(), DriverError> {
        self.inner.create(key, rls).await?;
        self.record(Op::Create, key, rls);
        Ok(())
    }
    async fn update(&self, key: &str, rls: &Release) -> Result<(), DriverError> {
        self.inner.update(key, rls).await?;
        self.record(Op::Update, key, rls);
        Ok(())
    }
    async fn delete(&self, key: &str) -> Result<Release, DriverError> {
        let r = self.inner.delete(key).await?;
        self.record(Op::Delete, key, &r);
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{MemoryDriver, Status, Storage, StorageError};

    fn rel(version: i64, status: Status) -> Release {
        let mut r = Release {
            name: "demo".into(),
            version,
            ..Release::default()
        };
        r.set_status(status, "");
        r
    }

    #[tokio::test]
    async fn failing_driver_injects_and_heals() {
        let d = FailingDriver::new(MemoryDriver::new());
        d.fail(Op::Create);
        let err = d.create("k", &rel(1, Status::Deployed)).await.unwrap_err();
        assert_eq!(err.reason(), "StorageBackendFailed");
        assert!(d.get("k").await.unwrap_err().is_not_found());
        d.heal();
        d.create("k", &rel(1, Status::Deployed)).await.unwrap();
        assert_eq!(d.inner().keys(), vec!["k".to_string()]);
    }

    #[tokio::test]
    async fn pruning_errors_surface_through_storage() {
        let d = FailingDriver::new(MemoryDriver::new());
        d.fail(Op::Delete);
        let s = Storage::new(d).with_max_history(1);
        s.create(&rel(1, Status::Superseded)).await.unwrap();
        let err = s.create(&rel(2, Status::Deployed)).await.unwrap_err();
        assert!(matches!(
            err,
            StorageError::Driver(DriverError::Backend { .. })
        ));
    }

    #[tokio::test]
    async fn observing_driver_records_writes_in_order() {
        let d = ObservingDriver::new(MemoryDriver::new());
        let seen = d.observations();
        d.create("k", &rel(1, Status::PendingInstall))
            .await
            .unwrap();
        d.update("k", &rel(1, Status::Deployed)).await.unwrap();
        assert!(d
            .update("missing", &rel(2, Status::Deployed))
            .await
            .is_err());
        d.delete("k").await.unwrap();
        let ops: Vec<(Op, Status)> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|o| (o.op, o.release.status()))
            .collect();
        assert_eq!(
            ops,
            vec![
                (Op::Create, Status::PendingInstall),
                (Op::Update, Status::Deployed),
                (Op::Delete, Status::Deployed),
            ]
        );
    }
}
