//! HTTP(S) Helm repositories: reqwest clients (rustls; custom CA, client certificates,
//! optional insecure mode; proxies from the environment) cached per TLS setting, and basic
//! auth per release.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use reqwest::header::HeaderMap;
use reqwest::{Client, Response, Url};

use super::repo::{RepoCache, Transport};
use super::{
    redact_url, sha256_hex, ChartRef, ChartSource, Credentials, FetchedChart, HttpSettings,
    SourceConfig, SourceError,
};

/// Builds reqwest clients, one per distinct TLS configuration.
pub struct ClientPool {
    settings: HttpSettings,
    clients: Mutex<HashMap<String, Client>>,
}

impl ClientPool {
    /// An empty pool.
    pub fn new(settings: HttpSettings) -> ClientPool {
        ClientPool {
            settings,
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// The client for `creds`' TLS settings.
    pub fn client(&self, creds: &Credentials, url: &str) -> Result<Client, SourceError> {
        let mut key = Vec::new();
        for part in [&creds.ca_pem, &creds.cert_pem, &creds.key_pem] {
            key.extend_from_slice(part.as_deref().unwrap_or(b"-"));
            key.push(0);
        }
        key.push(u8::from(creds.insecure_skip_tls_verify));
        let key = sha256_hex(&key);
        let mut map = match self.clients.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        if let Some(c) = map.get(&key) {
            return Ok(c.clone());
        }
        let tls = |m: String| SourceError::Tls {
            url: redact_url(url),
            message: m,
        };
        let mut b = Client::builder()
            .use_rustls_tls()
            .connect_timeout(self.settings.connect_timeout)
            .timeout(self.settings.request_timeout)
            .user_agent(concat!("helmrelease-operator/", env!("CARGO_PKG_VERSION")));
        if let Some(ca) = &creds.ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(ca)
                .map_err(|e| tls(format!("ca.crt: {e}")))?;
            if certs.is_empty() {
                return Err(tls("ca.crt holds no certificate".into()));
            }
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        if let (Some(cert), Some(key_pem)) = (&creds.cert_pem, &creds.key_pem) {
            let mut pem = cert.clone();
            pem.push(b'\n');
            pem.extend_from_slice(key_pem);
            let id = reqwest::Identity::from_pem(&pem)
                .map_err(|e| tls(format!("tls.crt/tls.key: {e}")))?;
            b = b.identity(id);
        }
        if creds.insecure_skip_tls_verify {
            b = b.danger_accept_invalid_certs(true);
        }
        let c = b.build().map_err(|e| tls(e.to_string()))?;
        map.insert(key, c.clone());
        Ok(c)
    }

    /// Network settings.
    pub fn settings(&self) -> &HttpSettings {
        &self.settings
    }
}

/// One release's view of an HTTP repository.
struct HttpTransport<'a> {
    client: Client,
    creds: &'a Credentials,
    settings: &'a HttpSettings,
}

#[async_trait::async_trait]
impl Transport for HttpTransport<'_> {
    async fn send(
        &self,
        url: &Url,
        headers: &HeaderMap,
        auth: bool,
    ) -> Result<Response, reqwest::Error> {
        let mut rb = self.client.get(url.clone()).headers(headers.clone());
        if auth {
            if let Some(u) = &self.creds.username {
                rb = rb.basic_auth(u, self.creds.password.as_ref());
            }
        }
        rb.send().await
    }

    fn settings(&self) -> &HttpSettings {
        self.settings
    }
}

/// HTTP(S) repositories (`https://host/path` with an `index.yaml`).
pub struct HttpSource {
    pool: ClientPool,
    shared: Arc<RepoCache>,
}

impl HttpSource {
    /// A source over `shared`.
    pub fn new(cfg: SourceConfig, shared: Arc<RepoCache>) -> HttpSource {
        HttpSource {
            pool: ClientPool::new(cfg.http),
            shared,
        }
    }
}

#[async_trait::async_trait]
impl ChartSource for HttpSource {
    async fn fetch(
        &self,
        chart: &ChartRef,
        creds: &Credentials,
    ) -> Result<FetchedChart, SourceError> {
        let t = HttpTransport {
            client: self.pool.client(creds, &chart.repository)?,
            creds,
            settings: self.pool.settings(),
        };
        self.shared.resolve(&t, chart, &creds.fingerprint()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_ca_is_a_tls_error() {
        let pool = ClientPool::new(HttpSettings::default());
        let creds = Credentials {
            ca_pem: Some(b"not pem".to_vec()),
            ..Credentials::default()
        };
        let e = pool.client(&creds, "https://u:p@h/").unwrap_err();
        assert_eq!(e.reason(), "TLSError");
        assert!(!e.to_string().contains("u:p"));
        // Anonymous clients are reused.
        assert!(pool.client(&Credentials::anonymous(), "https://h/").is_ok());
        assert_eq!(pool.clients.lock().unwrap().len(), 1);
    }
}
