//! `SecretsDriver`: Helm's Secret storage driver (`pkg/storage/driver/secrets.go`).
//!
//! Each revision is a Secret named by its key (`sh.helm.release.v1.<name>.v<N>`), type
//! `helm.sh/release.v1`, with `data.release` = `codec::encode_release` and labels `name`,
//! `owner=helm`, `status`, `version` plus `createdAt` (create) or `modifiedAt` (update) in
//! Unix seconds. The driver talks to the API through the narrow `SecretApi` trait, which is
//! implemented for `kube::Api<Secret>` (namespaced: the storage namespace) and can be faked.

use std::collections::BTreeMap;

use async_trait::async_trait;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::ByteString;

use super::codec::{decode_release, encode_release};
use super::driver::{
    filter_system_labels, object_labels, selector_string, unix_now, validate_label_value, Driver,
    DriverError, Labels,
};
use super::release::Release;

/// `SECRET_TYPE` of release Secrets (unchanged in Helm 4).
pub const SECRET_TYPE: &str = "helm.sh/release.v1";

/// `SecretApiError` is what `SecretApi` reports; the driver maps it to Helm's errors.
#[derive(Debug, thiserror::Error)]
pub enum SecretApiError {
    /// 404 from the API.
    #[error("secret not found")]
    NotFound,
    /// 409 AlreadyExists from the API.
    #[error("secret already exists")]
    AlreadyExists,
    /// Anything else.
    #[error(transparent)]
    Other(Box<dyn std::error::Error + Send + Sync>),
}

/// `SecretApi` is the slice of the Secrets API the driver needs, in one namespace.
#[async_trait]
pub trait SecretApi: Send + Sync {
    /// `get` a Secret by name. Errors: `NotFound`, `Other`.
    async fn get(&self, name: &str) -> Result<Secret, SecretApiError>;
    /// `list` Secrets matching a label selector string (`a=b,c=d`). Errors: `Other`.
    async fn list(&self, label_selector: &str) -> Result<Vec<Secret>, SecretApiError>;
    /// `create` a Secret. Errors: `AlreadyExists`, `Other`.
    async fn create(&self, secret: &Secret) -> Result<(), SecretApiError>;
    /// `update` (PUT, unconditional) a Secret. Errors: `NotFound`, `Other`.
    async fn update(&self, secret: &Secret) -> Result<(), SecretApiError>;
    /// `delete` a Secret. Errors: `NotFound`, `Other`.
    async fn delete(&self, name: &str) -> Result<(), SecretApiError>;
}

fn map_kube_error(e: kube::Error) -> SecretApiError {
    match &e {
        kube::Error::Api(s) if s.is_not_found() => SecretApiError::NotFound,
        kube::Error::Api(s) if s.is_already_exists() => SecretApiError::AlreadyExists,
        _ => SecretApiError::Other(Box::new(e)),
    }
}

fn secret_name(secret: &Secret) -> Result<&str, SecretApiError> {
    secret
        .metadata
        .name
        .as_deref()
        .ok_or_else(|| SecretApiError::Other("secret has no name".into()))
}

#[async_trait]
impl SecretApi for kube::Api<Secret> {
    async fn get(&self, name: &str) -> Result<Secret, SecretApiError> {
        kube::Api::get(self, name).await.map_err(map_kube_error)
    }

    async fn list(&self, label_selector: &str) -> Result<Vec<Secret>, SecretApiError> {
        let lp = kube::api::ListParams::default().labels(label_selector);
        kube::Api::list(self, &lp)
            .await
            .map(|l| l.items)
            .map_err(map_kube_error)
    }

    async fn create(&self, secret: &Secret) -> Result<(), SecretApiError> {
        kube::Api::create(self, &kube::api::PostParams::default(), secret)
            .await
            .map(|_| ())
            .map_err(map_kube_error)
    }

    async fn update(&self, secret: &Secret) -> Result<(), SecretApiError> {
        let name = secret_name(secret)?;
        kube::Api::replace(self, name, &kube::api::PostParams::default(), secret)
            .await
            .map(|_| ())
            .map_err(map_kube_error)
    }

    async fn delete(&self, name: &str) -> Result<(), SecretApiError> {
        kube::Api::delete(self, name, &kube::api::DeleteParams::default())
            .await
            .map(|_| ())
            .map_err(map_kube_error)
    }
}

/// `SecretsDriver` stores releases as Secrets through a `SecretApi`.
pub struct SecretsDriver<A> {
    api: A,
    clock: fn() -> i64,
}

impl<A: SecretApi> SecretsDriver<A> {
    /// `new` wraps `api`, using the system clock for `createdAt`/`modifiedAt`.
    pub fn new(api: A) -> Self {
        SecretsDriver::with_clock(api, unix_now)
    }

    /// `with_clock` uses `clock` (Unix seconds) for the time labels.
    pub fn with_clock(api: A, clock: fn() -> i64) -> Self {
        SecretsDriver { api, clock }
    }

    /// `api` gives access to the wrapped API.
    pub fn api(&self) -> &A {
        &self.api
    }
}

/// `release_secret` builds the Secret Helm writes for `rls` under `key` with `labels`.
///
/// Errors: `Encode`.
pub fn release_secret(
    op: &'static str,
    key: &str,
    rls: &Release,
    labels: Labels,
) -> Result<Secret, DriverError> {
    let data = encode_release(rls).map_err(|source| DriverError::Encode {
        op,
        name: rls.name.clone(),
        source,
    })?;
    Ok(Secret {
        metadata: ObjectMeta {
            name: Some(key.to_string()),
            labels: Some(labels),
            ..ObjectMeta::default()
        },
        type_: Some(SECRET_TYPE.to_string()),
        data: Some(BTreeMap::from([(
            "release".to_string(),
            ByteString(data.into_bytes()),
        )])),
        ..Secret::default()
    })
}

/// `secret_release` decodes `data.release` of a Secret (without touching labels).
fn secret_release(op: &'static str, secret: &Secret) -> Result<Release, DriverError> {
    let key = secret.metadata.name.clone().unwrap_or_default();
    let raw = secret
        .data
        .as_ref()
        .and_then(|d| d.get("release"))
        .map(|b| b.0.as_slice())
        .unwrap_or_default();
    // Helm converts the bytes to a Go string; invalid UTF-8 then fails base64 decoding.
    let text = String::from_utf8_lossy(raw);
    decode_release(&text).map_err(|source| DriverError::Decode { op, key, source })
}

fn backend(op: &str, e: SecretApiError) -> DriverError {
    DriverError::Backend {
        op: op.to_string(),
        source: Box::new(e),
    }
}

impl<A: SecretApi> SecretsDriver<A> {
    async fn decode_all(&self, selector: &Labels) -> Result<Vec<Release>, SecretApiError> {
        let items = self.api.list(&selector_string(selector)).await?;
        // Undecodable records are skipped, as Helm does (it only logs them).
        Ok(items
            .iter()
            .filter_map(|s| {
                let mut r = secret_release("list", s).ok()?;
                r.labels = s.metadata.labels.clone().unwrap_or_default();
                Some(r)
            })
            .collect())
    }
}

#[async_trait]
impl<A: SecretApi> Driver for SecretsDriver<A> {
    fn name(&self) -> &'static str {
        "Secret"
    }

    async fn get(&self, key: &str) -> Result<Release, DriverError> {
        let secret = match self.api.get(key).await {
            Ok(s) => s,
            Err(SecretApiError::NotFound) => return Err(DriverError::NotFound),
            Err(e) => return Err(backend(&format!("get: failed to get {key:?}"), e)),
        };
        let mut r = secret_release("get", &secret)?;
        r.labels = filter_system_labels(&secret.metadata.labels.clone().unwrap_or_default());
        Ok(r)
    }

    async fn list(&self, selector: &Labels) -> Result<Vec<Release>, DriverError> {
        let mut sel = selector.clone();
        sel.insert("owner".into(), "helm".into());
        self.decode_all(&sel)
            .await
            .map_err(|e| backend("list: failed to list", e))
    }

    async fn query(&self, labels: &Labels) -> Result<Vec<Release>, DriverError> {
        for v in labels.values() {
            validate_label_value(v)?;
        }
        let items = self
            .api
            .list(&selector_string(labels))
            .await
            .map_err(|e| backend("query: failed to query with labels", e))?;
        if items.is_empty() {
            return Err(DriverError::NotFound);
        }
        Ok(items
            .iter()
            .filter_map(|s| {
                let mut r = secret_release("query", s).ok()?;
                r.labels = s.metadata.labels.clone().unwrap_or_default();
                Some(r)
            })
            .collect())
    }

    async fn create(&self, key: &str, rls: &Release) -> Result<(), DriverError> {
        let labels = object_labels(rls, Some(("createdAt", (self.clock)())));
        let secret = release_secret("create", key, rls, labels)?;
        match self.api.create(&secret).await {
            Ok(()) => Ok(()),
            Err(SecretApiError::AlreadyExists) => Err(DriverError::AlreadyExists),
            Err(e) => Err(backend("create: failed to create", e)),
        }
    }

    async fn update(&self, key: &str, rls: &Release) -> Result<(), DriverError> {
        let labels = object_labels(rls, Some(("modifiedAt", (self.clock)())));
        let secret = release_secret("update", key, rls, labels)?;
        // A missing Secret is NotFound, as with MemoryDriver (Helm wraps the API error).
        match self.api.update(&secret).await {
            Ok(()) => Ok(()),
            Err(SecretApiError::NotFound) => Err(DriverError::NotFound),
            Err(e) => Err(backend("update: failed to update", e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<Release, DriverError> {
        let r = self.get(key).await?;
        match self.api.delete(key).await {
            Ok(()) => Ok(r),
            Err(SecretApiError::NotFound) => Err(DriverError::NotFound),
            Err(e) => Err(backend("delete: failed to delete", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::driver::matches;
    use crate::storage::release::Status;
    use std::sync::Mutex;

    /// A fake Secrets API: a map, label selectors of `k=v` pairs.
    #[derive(Default)]
    struct FakeApi {
        secrets: Mutex<BTreeMap<String, Secret>>,
    }

    fn parse_selector(s: &str) -> Labels {
        s.split(',')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[async_trait]
    impl SecretApi for FakeApi {
        async fn get(&self, name: &str) -> Result<Secret, SecretApiError> {
            self.secrets
                .lock()
                .unwrap()
                .get(name)
                .cloned()
                .ok_or(SecretApiError::NotFound)
        }
        async fn list(&self, sel: &str) -> Result<Vec<Secret>, SecretApiError> {
            let sel = parse_selector(sel);
            Ok(self
                .secrets
                .lock()
                .unwrap()
                .values()
                .filter(|s| matches(&s.metadata.labels.clone().unwrap_or_default(), &sel))
                .cloned()
                .collect())
        }
        async fn create(&self, secret: &Secret) -> Result<(), SecretApiError> {
            let name = secret_name(secret)?.to_string();
            let mut m = self.secrets.lock().unwrap();
            if m.contains_key(&name) {
                return Err(SecretApiError::AlreadyExists);
            }
            m.insert(name, secret.clone());
            Ok(())
        }
        async fn update(&self, secret: &Secret) -> Result<(), SecretApiError> {
            let name = secret_name(secret)?.to_string();
            let mut m = self.secrets.lock().unwrap();
            let slot = m.get_mut(&name).ok_or(SecretApiError::NotFound)?;
            *slot = secret.clone();
            Ok(())
        }
        async fn delete(&self, name: &str) -> Result<(), SecretApiError> {
            self.secrets
                .lock()
                .unwrap()
                .remove(name)
                .map(|_| ())
                .ok_or(SecretApiError::NotFound)
        }
    }

    fn rel(version: i64, status: Status) -> Release {
        let mut r = Release {
            name: "demo".into(),
            version,
            namespace: "default".into(),
            manifest: "---\n# Source: x\n".into(),
            ..Release::default()
        };
        r.set_status(status, "Install complete");
        r
    }

    #[tokio::test]
    async fn writes_helm_shaped_secrets() {
        let d = SecretsDriver::with_clock(FakeApi::default(), || 1_795_318_822);
        let key = "sh.helm.release.v1.demo.v1";
        d.create(key, &rel(1, Status::PendingInstall))
            .await
            .unwrap();
        let s = d.api().get(key).await.unwrap();
        assert_eq!(s.type_.as_deref(), Some(SECRET_TYPE));
        let labels = s.metadata.labels.clone().unwrap();
        assert_eq!(
            selector_string(&labels),
            "createdAt=1795318822,name=demo,owner=helm,status=pending-install,version=1"
        );
        let data = &s.data.as_ref().unwrap()["release"].0;
        assert_eq!(
            decode_release(std::str::from_utf8(data).unwrap()).unwrap(),
            rel(1, Status::PendingInstall)
        );
        assert!(matches!(
            d.create(key, &rel(1, Status::PendingInstall)).await,
            Err(DriverError::AlreadyExists)
        ));

        d.update(key, &rel(1, Status::Deployed)).await.unwrap();
        let labels = d.api().get(key).await.unwrap().metadata.labels.unwrap();
        assert_eq!(
            selector_string(&labels),
            "modifiedAt=1795318822,name=demo,owner=helm,status=deployed,version=1"
        );
    }

    #[tokio::test]
    async fn get_query_delete() {
        let d = SecretsDriver::new(FakeApi::default());
        let mut r = rel(1, Status::Deployed);
        r.labels.insert("team".into(), "a".into());
        d.create("k1", &r).await.unwrap();
        let got = d.get("k1").await.unwrap();
        assert_eq!(got.labels, Labels::from([("team".into(), "a".into())]));
        let q = d
            .query(&Labels::from([("name".into(), "demo".into())]))
            .await
            .unwrap();
        assert_eq!(q.len(), 1);
        assert!(q[0].labels.contains_key("createdAt"));
        assert!(d
            .query(&Labels::from([("name".into(), "other".into())]))
            .await
            .unwrap_err()
            .is_not_found());
        assert!(d.get("nope").await.unwrap_err().is_not_found());
        assert!(d.update("nope", &r).await.unwrap_err().is_not_found());
        assert_eq!(d.delete("k1").await.unwrap().version, 1);
        assert!(d.delete("k1").await.unwrap_err().is_not_found());
    }

    #[tokio::test]
    async fn undecodable_secrets_are_skipped_by_list() {
        let api = FakeApi::default();
        let mut junk =
            release_secret("create", "junk", &rel(9, Status::Failed), Labels::new()).unwrap();
        junk.metadata.labels = Some(Labels::from([
            ("owner".into(), "helm".into()),
            ("name".into(), "demo".into()),
        ]));
        junk.data = Some(BTreeMap::from([(
            "release".to_string(),
            ByteString(b"not base64!".to_vec()),
        )]));
        api.create(&junk).await.unwrap();
        let d = SecretsDriver::new(api);
        d.create("k1", &rel(1, Status::Deployed)).await.unwrap();
        assert_eq!(d.list(&Labels::new()).await.unwrap().len(), 1);
        assert!(matches!(
            d.get("junk").await,
            Err(DriverError::Decode { op: "get", .. })
        ));
    }
}
