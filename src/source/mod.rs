//! Chart sources: fetch a chart archive (`.tgz` bytes) named by a `HelmRelease`'s
//! `spec.chart` (`repository` + `name` + `version`), natively, without the helm binary.
//!
//! One [`ChartSource`] trait; [`Sources`] picks the implementation by URL scheme
//! (`http`/`https` → [`http::HttpSource`], `s3` → [`s3::S3Source`], `oci` →
//! [`oci::OciSource`]). HTTP and S3 share the index handling of [`repo`]: streaming
//! `index.yaml` parsing ([`index`]), conditional GETs. All three share the on-disk chart
//! cache ([`cache`]) and the rule that cached private charts are only served after the
//! caller's own credentials were accepted by the server.

pub mod cache;
pub mod credentials;
pub mod error;
pub mod git;
pub mod http;
pub mod index;
pub mod oci;
pub mod repo;
pub mod s3;
pub mod sts;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use credentials::{Credentials, S3Credentials};
pub use error::{redact_url, SourceError};

/// Size and count limits; every one is enforced while streaming, before anything is cached.
#[derive(Clone, Debug)]
pub struct SourceLimits {
    /// Largest `index.yaml` accepted, in bytes.
    pub max_index_bytes: u64,
    /// Largest chart archive (compressed), in bytes.
    pub max_chart_bytes: u64,
    /// Most files in a chart archive.
    pub max_files: usize,
    /// Largest total decompressed size of a chart archive.
    pub max_decompressed_bytes: u64,
    /// Largest single file inside a chart archive.
    pub max_file_bytes: u64,
    /// Bound of the on-disk chart cache (LRU eviction beyond it).
    pub max_cache_bytes: u64,
}

impl Default for SourceLimits {
    fn default() -> Self {
        SourceLimits {
            max_index_bytes: 512 * 1024 * 1024,
            max_chart_bytes: 64 * 1024 * 1024,
            max_files: 20_000,
            max_decompressed_bytes: 256 * 1024 * 1024,
            max_file_bytes: 32 * 1024 * 1024,
            max_cache_bytes: 2 * 1024 * 1024 * 1024,
        }
    }
}

impl SourceLimits {
    /// The archive limits handed to `helm_render::archive` (the caller loads with these too).
    pub fn archive_limits(&self) -> helm_render::archive::Limits {
        helm_render::archive::Limits {
            max_archive_bytes: self.max_chart_bytes,
            max_total_bytes: self.max_decompressed_bytes,
            max_file_bytes: self.max_file_bytes,
            max_files: self.max_files,
        }
    }
}

/// Network behaviour.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// TCP/TLS connect timeout.
    pub connect_timeout: Duration,
    /// Timeout of one whole request, body included.
    pub request_timeout: Duration,
    /// Retries after the first attempt, on connect errors and 5xx only.
    pub retries: u32,
    /// First backoff; doubled each retry.
    pub backoff_base: Duration,
    /// Backoff ceiling.
    pub backoff_max: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
            retries: 3,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(10),
        }
    }
}

/// Environment lookup (injectable so tests and multi-tenant callers control it).
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Everything a [`Sources`] needs.
#[derive(Clone)]
pub struct SourceConfig {
    /// Directory of the shared on-disk cache.
    pub cache_dir: PathBuf,
    /// Limits.
    pub limits: SourceLimits,
    /// Network behaviour.
    pub http: HttpSettings,
    /// How long a successful index check by one credential set is reused without asking the
    /// server again (zero: every resolve sends a conditional GET, concurrent ones coalesce).
    pub index_ttl: Duration,
    /// Environment for AWS settings (`AWS_ACCESS_KEY_ID`, `AWS_REGION`, IRSA, ...).
    pub env: EnvLookup,
}

impl SourceConfig {
    /// Defaults with the process environment.
    pub fn new(cache_dir: impl Into<PathBuf>) -> SourceConfig {
        SourceConfig {
            cache_dir: cache_dir.into(),
            limits: SourceLimits::default(),
            http: HttpSettings::default(),
            index_ttl: Duration::ZERO,
            env: Arc::new(|k| std::env::var(k).ok()),
        }
    }
}

/// What a release asks for (`spec.chart`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartRef {
    /// `repository`: `https://...`, `s3://bucket/prefix`, `s3://bucket/key.tgz` or
    /// `oci://host[:port]/path` (the chart is then `<path>/<name>:<version>`).
    pub repository: String,
    /// `name`.
    pub name: String,
    /// `version`: exact, or a semver constraint (`~1.2`, `>=1.0 <2`); empty means latest.
    pub version: String,
    /// `plainHTTP`: talk plain HTTP to an `oci://` registry (always so for localhost).
    pub plain_http: bool,
}

/// A fetched chart.
#[derive(Clone, Debug)]
pub struct FetchedChart {
    /// The `.tgz` bytes (checked against the limits; load with `SourceLimits::archive_limits`).
    pub bytes: Vec<u8>,
    /// The resolved version (for status).
    pub version: String,
    /// sha256 hex of `bytes`.
    pub digest: String,
    /// Where it came from (credentials removed).
    pub url: String,
}

/// A chart source: resolves a [`ChartRef`] with a release's credentials to archive bytes.
#[async_trait::async_trait]
pub trait ChartSource: Send + Sync {
    /// Fetches the chart (from the cache when allowed).
    async fn fetch(
        &self,
        chart: &ChartRef,
        creds: &Credentials,
    ) -> Result<FetchedChart, SourceError>;
}

/// All sources, chosen by the repository URL's scheme.
pub struct Sources {
    http: http::HttpSource,
    s3: s3::S3Source,
    oci: oci::OciSource,
}

impl Sources {
    /// Opens the cache and builds every source.
    pub fn new(cfg: SourceConfig) -> Result<Sources, SourceError> {
        let shared = Arc::new(repo::RepoCache::new(&cfg)?);
        Ok(Sources {
            http: http::HttpSource::new(cfg.clone(), shared.clone()),
            oci: oci::OciSource::new(&cfg)?,
            s3: s3::S3Source::new(cfg, shared),
        })
    }

    /// The source for `repository`.
    pub fn for_repository(&self, repository: &str) -> Result<&dyn ChartSource, SourceError> {
        let scheme = repository
            .split_once("://")
            .map(|(s, _)| s.to_ascii_lowercase())
            .unwrap_or_default();
        match scheme.as_str() {
            "http" | "https" => Ok(&self.http),
            "s3" => Ok(&self.s3),
            "oci" => Ok(&self.oci),
            _ => Err(SourceError::UnsupportedScheme {
                scheme,
                url: redact_url(repository),
            }),
        }
    }
}

#[async_trait::async_trait]
impl ChartSource for Sources {
    async fn fetch(
        &self,
        chart: &ChartRef,
        creds: &Credentials,
    ) -> Result<FetchedChart, SourceError> {
        self.for_repository(&chart.repository)?
            .fetch(chart, creds)
            .await
    }
}

/// Lower-case hex.
pub(crate) fn hex(b: &[u8]) -> String {
    use std::fmt::Write;
    b.iter()
        .fold(String::with_capacity(b.len() * 2), |mut s, x| {
            let _ = write!(s, "{x:02x}");
            s
        })
}

/// sha256 hex of `b`.
pub(crate) fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_source_by_scheme() {
        let dir = std::env::temp_dir().join(format!("src-mod-{}", std::process::id()));
        let s = Sources::new(SourceConfig::new(&dir)).unwrap();
        assert!(s.for_repository("https://x/charts").is_ok());
        assert!(s.for_repository("S3://b/p").is_ok());
        assert!(s.for_repository("oci://reg/charts").is_ok());
        let e = s.for_repository("ftp://u:pw@x/").err().unwrap();
        assert_eq!(e.reason(), "UnsupportedScheme");
        assert!(!e.to_string().contains("pw"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn hex_digest() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
