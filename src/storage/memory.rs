//! `MemoryDriver`: an in-process release store with the Secrets driver's semantics.
//!
//! Records keep the labels a Secret would carry (`object_labels`, `createdAt` on create,
//! `modifiedAt` on update), so label queries, `get`'s label filtering and `list`'s full
//! labels behave as with `SecretsDriver`. Used by tests and by `helm template`-like modes.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::driver::{
    filter_system_labels, matches, object_labels, unix_now, validate_label_value, Driver,
    DriverError, Labels,
};
use super::release::Release;

/// `MemoryDriver` keeps releases in a map guarded by a mutex.
#[derive(Debug)]
pub struct MemoryDriver {
    records: Mutex<BTreeMap<String, (Release, Labels)>>,
    clock: fn() -> i64,
}

impl Default for MemoryDriver {
    fn default() -> Self {
        MemoryDriver::new()
    }
}

impl MemoryDriver {
    /// `new` is an empty store using the system clock for `createdAt`/`modifiedAt`.
    pub fn new() -> Self {
        MemoryDriver::with_clock(unix_now)
    }

    /// `with_clock` uses `clock` (Unix seconds) for the time labels.
    pub fn with_clock(clock: fn() -> i64) -> Self {
        MemoryDriver {
            records: Mutex::new(BTreeMap::new()),
            clock,
        }
    }

    /// `labels_of` returns the stored labels of `key`, for tests and debugging.
    pub fn labels_of(&self, key: &str) -> Option<Labels> {
        self.lock().get(key).map(|(_, l)| l.clone())
    }

    /// `keys` lists stored keys in order.
    pub fn keys(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, (Release, Labels)>> {
        // A poisoned lock only means another test thread panicked; the map is still sound.
        self.records
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn select(&self, selector: &Labels) -> Vec<Release> {
        self.lock()
            .values()
            .filter(|(_, l)| l.get("owner").map(String::as_str) == Some("helm"))
            .filter(|(_, l)| matches(l, selector))
            .map(|(r, l)| {
                let mut r = r.clone();
                r.labels = l.clone();
                r
            })
            .collect()
    }
}

#[async_trait]
impl Driver for MemoryDriver {
    fn name(&self) -> &'static str {
        "Memory"
    }

    async fn get(&self, key: &str) -> Result<Release, DriverError> {
        let records = self.lock();
        let (r, l) = records.get(key).ok_or(DriverError::NotFound)?;
        let mut r = r.clone();
        r.labels = filter_system_labels(l);
        Ok(r)
    }

    async fn list(&self, selector: &Labels) -> Result<Vec<Release>, DriverError> {
        Ok(self.select(selector))
    }

    async fn query(&self, labels: &Labels) -> Result<Vec<Release>, DriverError> {
        for v in labels.values() {
            validate_label_value(v)?;
        }
        let found = self.select(labels);
        if found.is_empty() {
            return Err(DriverError::NotFound);
        }
        Ok(found)
    }

    async fn create(&self, key: &str, rls: &Release) -> Result<(), DriverError> {
        let mut records = self.lock();
        if records.contains_key(key) {
            return Err(DriverError::AlreadyExists);
        }
        let labels = object_labels(rls, Some(("createdAt", (self.clock)())));
        let mut stored = rls.clone();
        stored.labels = Labels::new();
        records.insert(key.to_string(), (stored, labels));
        Ok(())
    }

    async fn update(&self, key: &str, rls: &Release) -> Result<(), DriverError> {
        let mut records = self.lock();
        let slot = records.get_mut(key).ok_or(DriverError::NotFound)?;
        let labels = object_labels(rls, Some(("modifiedAt", (self.clock)())));
        let mut stored = rls.clone();
        stored.labels = Labels::new();
        *slot = (stored, labels);
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<Release, DriverError> {
        let (mut r, l) = self.lock().remove(key).ok_or(DriverError::NotFound)?;
        r.labels = filter_system_labels(&l);
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::release::Status;

    fn rel(name: &str, version: i64, status: Status) -> Release {
        let mut r = Release {
            name: name.into(),
            version,
            namespace: "default".into(),
            ..Release::default()
        };
        r.set_status(status, "");
        r
    }

    #[tokio::test]
    async fn crud_and_labels() {
        let d = MemoryDriver::with_clock(|| 7);
        let mut r = rel("a", 1, Status::Deployed);
        r.labels.insert("team".into(), "x".into());
        d.create("k1", &r).await.unwrap();
        assert!(matches!(
            d.create("k1", &r).await,
            Err(DriverError::AlreadyExists)
        ));
        let got = d.get("k1").await.unwrap();
        assert_eq!(got.labels.get("team").map(String::as_str), Some("x"));
        assert!(!got.labels.contains_key("owner"));
        let l = d.labels_of("k1").unwrap();
        assert_eq!(l.get("createdAt").map(String::as_str), Some("7"));

        r.set_status(Status::Superseded, "");
        r.labels.clear();
        d.update("k1", &r).await.unwrap();
        let l = d.labels_of("k1").unwrap();
        assert_eq!(l.get("status").map(String::as_str), Some("superseded"));
        assert_eq!(l.get("modifiedAt").map(String::as_str), Some("7"));
        assert!(!l.contains_key("createdAt"));
        assert!(d.update("nope", &r).await.unwrap_err().is_not_found());
        assert_eq!(d.delete("k1").await.unwrap().name, "a");
        assert!(d.get("k1").await.unwrap_err().is_not_found());
    }

    #[tokio::test]
    async fn query_and_list() {
        let d = MemoryDriver::new();
        d.create("a1", &rel("a", 1, Status::Superseded))
            .await
            .unwrap();
        d.create("a2", &rel("a", 2, Status::Deployed))
            .await
            .unwrap();
        d.create("b1", &rel("b", 1, Status::Deployed))
            .await
            .unwrap();
        let sel: Labels = [("name".to_string(), "a".to_string())].into();
        assert_eq!(d.query(&sel).await.unwrap().len(), 2);
        assert_eq!(d.list(&Labels::new()).await.unwrap().len(), 3);
        let none: Labels = [("name".to_string(), "c".to_string())].into();
        assert!(d.query(&none).await.unwrap_err().is_not_found());
        assert!(d.list(&none).await.unwrap().is_empty());
        let bad: Labels = [("name".to_string(), "-bad".to_string())].into();
        assert!(matches!(
            d.query(&bad).await,
            Err(DriverError::InvalidLabelValue { .. })
        ));
    }
}
