//! Resolution shared by HTTP and S3 repositories: index fetch with conditional GET and
//! per-repository coalescing, streaming entry extraction, version selection, chart download
//! with digest check and limits, and the cache rules.
//!
//! Cache rule for private repositories: a cached index or chart is used by a resolve only after
//! that resolve's own credentials got a 200/304 for the index from the server (or did so within
//! `index_ttl`, or while this resolve was waiting for the same index), so a release without
//! the pull secret gets the server's 401/403 even when another release cached the chart.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::header::{
    HeaderMap, HeaderValue, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
};
use reqwest::{Response, StatusCode, Url};
use sha2::{Digest, Sha256};

use super::cache::{DiskCache, IndexMeta};
use super::index::{self, IndexEntry};
use super::{redact_url, sha256_hex, ChartRef, FetchedChart, HttpSettings, SourceConfig};
use super::{SourceError, SourceLimits};

/// Sends GET requests for one repository with one caller's credentials.
#[async_trait::async_trait]
pub trait Transport: Send + Sync {
    /// One attempt of `GET url` with extra `headers`; `auth` says whether the caller's
    /// credentials may be sent to this URL.
    async fn send(
        &self,
        url: &Url,
        headers: &HeaderMap,
        auth: bool,
    ) -> Result<Response, reqwest::Error>;
    /// Network behaviour (retries, backoff).
    fn settings(&self) -> &HttpSettings;
}

/// Maps a reqwest error to ours.
pub(crate) fn map_reqwest(url: &str, e: &reqwest::Error) -> SourceError {
    // The error's Display may contain the URL; use our redacted one and the source chain.
    let mut message = String::new();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&s.to_string());
        src = s.source();
    }
    // Connect errors (connect timeouts included) are retried; other timeouts are not.
    if e.is_connect() {
        SourceError::Connect {
            url: url.into(),
            message,
        }
    } else if e.is_timeout() {
        SourceError::Timeout { url: url.into() }
    } else {
        SourceError::Transport {
            url: url.into(),
            message,
        }
    }
}

/// GET with retries (exponential backoff on connect errors and 5xx, never on 4xx) and
/// status mapping; returns a 200 or 304 response.
pub async fn get(
    t: &dyn Transport,
    url: &Url,
    headers: &HeaderMap,
    auth: bool,
) -> Result<Response, SourceError> {
    let shown = redact_url(url.as_str());
    with_retries(t.settings(), || async {
        match t.send(url, headers, auth).await {
            Ok(resp) => check_status(resp, &shown).await,
            Err(e) => Err(map_reqwest(&shown, &e)),
        }
    })
    .await
}

/// Runs `attempt` until it succeeds, fails for good, or the retries of `s` are used up,
/// sleeping with exponential backoff (`backoff_base` doubled per retry, capped at
/// `backoff_max`) between retryable failures (connect errors, timeouts, 5xx).
pub async fn with_retries<T, F, Fut>(s: &HttpSettings, mut attempt: F) -> Result<T, SourceError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, SourceError>>,
{
    let mut retries = 0u32;
    loop {
        match attempt().await {
            Err(e) if e.is_retryable() && retries < s.retries => {
                let factor = 1u32.checked_shl(retries).unwrap_or(u32::MAX);
                tokio::time::sleep(s.backoff_base.saturating_mul(factor).min(s.backoff_max)).await;
                retries += 1;
            }
            other => return other,
        }
    }
}

/// A short excerpt of an error body (S3 puts `<Code>` and `<Message>` there).
async fn error_detail(mut resp: Response) -> String {
    let mut body = Vec::new();
    while let Ok(Some(c)) = resp.chunk().await {
        body.extend_from_slice(&c);
        if body.len() > 16 * 1024 {
            break;
        }
    }
    let text = String::from_utf8_lossy(&body);
    let tag = |t: &str| {
        let open = format!("<{t}>");
        let start = text.find(&open)? + open.len();
        let end = text.get(start..)?.find(&format!("</{t}>"))?;
        text.get(start..start + end).map(str::to_string)
    };
    match (tag("Code"), tag("Message")) {
        (Some(c), Some(m)) => format!(": {c}: {m}"),
        (Some(c), None) => format!(": {c}"),
        _ => String::new(),
    }
}

async fn check_status(resp: Response, url: &str) -> Result<Response, SourceError> {
    let st = resp.status();
    if st == StatusCode::OK || st == StatusCode::NOT_MODIFIED {
        return Ok(resp);
    }
    let url = url.to_string();
    Err(match st.as_u16() {
        401 => SourceError::Unauthorized { url },
        403 => SourceError::Forbidden {
            url,
            detail: error_detail(resp).await,
        },
        404 => SourceError::NotFound { url },
        s => SourceError::Status {
            url,
            status: s,
            detail: if s >= 500 {
                String::new()
            } else {
                error_detail(resp).await
            },
        },
    })
}

/// Streams a body into `sink`, failing past `limit` bytes; returns (sha256 hex, length).
pub async fn stream_body(
    mut resp: Response,
    limit: u64,
    url: &str,
    what: &str,
    sink: &mut (dyn Write + Send),
) -> Result<(String, u64), SourceError> {
    let too_big = || SourceError::LimitExceeded {
        url: url.to_string(),
        what: what.to_string(),
        limit,
    };
    if resp.content_length().is_some_and(|n| n > limit) {
        return Err(too_big());
    }
    let mut h = Sha256::new();
    let mut n = 0u64;
    loop {
        let chunk = match resp.chunk().await {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) if e.is_timeout() => return Err(SourceError::Timeout { url: url.into() }),
            Err(e) => {
                return Err(SourceError::Truncated {
                    url: url.into(),
                    message: format!("{what} body ended early: {}", map_reqwest(url, &e)),
                })
            }
        };
        n += chunk.len() as u64;
        if n > limit {
            return Err(too_big());
        }
        h.update(&chunk);
        sink.write_all(&chunk).map_err(|e| SourceError::Cache {
            path: url.to_string(),
            message: e.to_string(),
        })?;
    }
    Ok((super::hex(&h.finalize()), n))
}

/// Checks the archive structure and limits (truncation, bombs) before it is cached.
pub fn check_archive(bytes: &[u8], limits: &SourceLimits, url: &str) -> Result<(), SourceError> {
    use helm_render::ChartError;
    match helm_render::archive::read_archive(bytes, &limits.archive_limits()) {
        Ok(_) => Ok(()),
        Err(ChartError::Limit(m)) => Err(SourceError::LimitExceeded {
            url: url.into(),
            what: m,
            limit: limits.max_decompressed_bytes,
        }),
        Err(e) => {
            let m = e.to_string();
            let lower = m.to_ascii_lowercase();
            if lower.contains("unexpected end")
                || lower.contains("entire block")
                || lower.contains("eof")
                || lower.contains("incomplete")
            {
                Err(SourceError::Truncated {
                    url: url.into(),
                    message: m,
                })
            } else {
                Err(SourceError::InvalidArchive {
                    url: url.into(),
                    message: m,
                })
            }
        }
    }
}

/// State shared by every source: disk cache, validations, parsed-entry memo.
pub struct RepoCache {
    disk: DiskCache,
    limits: SourceLimits,
    ttl: Duration,
    /// (repository key, credential fingerprint) → when the server last accepted them.
    validated: Mutex<HashMap<(String, String), Instant>>,
    /// (repository key, index sha256, chart name) → entries.
    memo: Mutex<HashMap<MemoKey, Arc<Vec<IndexEntry>>>>,
}

const MEMO_MAX: usize = 256;

/// (repository key, index sha256, chart name).
type MemoKey = (String, String, String);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

impl RepoCache {
    /// Opens the disk cache of `cfg`.
    pub fn new(cfg: &SourceConfig) -> Result<RepoCache, SourceError> {
        Ok(RepoCache {
            disk: DiskCache::open(&cfg.cache_dir, cfg.limits.max_cache_bytes)?,
            limits: cfg.limits.clone(),
            ttl: cfg.index_ttl,
            validated: Mutex::new(HashMap::new()),
            memo: Mutex::new(HashMap::new()),
        })
    }

    /// Limits in force.
    pub fn limits(&self) -> &SourceLimits {
        &self.limits
    }

    /// Makes sure the cached index of `repo` is current and that `fingerprint`'s owner may
    /// read it; returns its metadata.
    async fn ensure_index(
        &self,
        t: &dyn Transport,
        repo: &str,
        fingerprint: &str,
    ) -> Result<(String, IndexMeta), SourceError> {
        let repo_key = sha256_hex(repo.as_bytes());
        let url = index::index_url(repo)?;
        let shown = redact_url(url.as_str());
        let asked = Instant::now();
        let l = self.disk.locks().get(&format!("index:{repo_key}"));
        let _g = l.lock().await;
        let vkey = (repo_key.clone(), fingerprint.to_string());
        let cached = self.disk.index_meta(&repo_key);
        if let (Some(meta), Some(at)) = (&cached, lock(&self.validated).get(&vkey).copied()) {
            // Someone with the same credentials checked while we waited, or recently enough.
            if at >= asked || at.elapsed() < self.ttl {
                return Ok((repo_key, meta.clone()));
            }
        }
        let mut headers = HeaderMap::new();
        if let Some(m) = &cached {
            if let Some(v) = m
                .etag
                .as_deref()
                .and_then(|v| HeaderValue::from_str(v).ok())
            {
                headers.insert(IF_NONE_MATCH, v);
            }
            if let Some(v) = m
                .last_modified
                .as_deref()
                .and_then(|v| HeaderValue::from_str(v).ok())
            {
                headers.insert(IF_MODIFIED_SINCE, v);
            }
        }
        let resp = match get(t, &url, &headers, true).await {
            Ok(r) => r,
            Err(e) => {
                lock(&self.validated).remove(&vkey);
                return Err(e);
            }
        };
        let meta = if resp.status() == StatusCode::NOT_MODIFIED {
            cached.ok_or_else(|| SourceError::InvalidIndex {
                url: shown.clone(),
                message: "server answered 304 to an unconditional request".into(),
            })?
        } else {
            let header = |n| {
                resp.headers()
                    .get(n)
                    .and_then(|v: &HeaderValue| v.to_str().ok())
                    .map(str::to_string)
            };
            let (etag, last_modified) = (header(ETAG), header(LAST_MODIFIED));
            let mut tmp = self.disk.temp("index")?;
            let (sha256, _) = stream_body(
                resp,
                self.limits.max_index_bytes,
                &shown,
                "index",
                tmp.file()?,
            )
            .await?;
            let meta = IndexMeta {
                etag,
                last_modified,
                sha256,
            };
            self.disk.store_index(&repo_key, tmp, &meta)?;
            meta
        };
        lock(&self.validated).insert(vkey, Instant::now());
        Ok((repo_key, meta))
    }

    /// The entries of `name` in the cached index (parsed once per index digest).
    async fn entries(
        &self,
        repo_key: &str,
        meta: &IndexMeta,
        name: &str,
        shown: &str,
    ) -> Result<Option<Arc<Vec<IndexEntry>>>, SourceError> {
        let mk = (repo_key.to_string(), meta.sha256.clone(), name.to_string());
        if let Some(e) = lock(&self.memo).get(&mk) {
            return Ok(Some(e.clone()));
        }
        let path = self.disk.index_path(repo_key);
        let (name_owned, shown_owned) = (name.to_string(), shown.to_string());
        let parsed = tokio::task::spawn_blocking(move || {
            let f = std::fs::File::open(&path).map_err(|e| SourceError::Cache {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            let r = std::io::BufReader::with_capacity(64 * 1024, f);
            index::read_chart_entries(r, &name_owned, &shown_owned)
        })
        .await
        .map_err(|e| SourceError::InvalidIndex {
            url: shown.to_string(),
            message: format!("index parser task failed: {e}"),
        })??;
        let Some(entries) = parsed else {
            return Ok(None);
        };
        let entries = Arc::new(entries);
        let mut memo = lock(&self.memo);
        if memo.len() >= MEMO_MAX {
            memo.clear();
        }
        memo.insert(mk, entries.clone());
        Ok(Some(entries))
    }

    /// Resolves `chart` in the index-based repository `chart.repository` through `t`.
    pub async fn resolve(
        &self,
        t: &dyn Transport,
        chart: &ChartRef,
        fingerprint: &str,
    ) -> Result<FetchedChart, SourceError> {
        let repo = chart.repository.as_str();
        let shown_repo = redact_url(repo);
        let (repo_key, meta) = self.ensure_index(t, repo, fingerprint).await?;
        let shown_index = redact_url(index::index_url(repo)?.as_str());
        let entries = self
            .entries(&repo_key, &meta, &chart.name, &shown_index)
            .await?
            .ok_or_else(|| SourceError::ChartNotFound {
                name: chart.name.clone(),
                repo: shown_repo.clone(),
            })?;
        let entry = index::select(&entries, &chart.name, &chart.version, &shown_repo)?;
        let first = entry
            .urls
            .first()
            .ok_or_else(|| SourceError::InvalidIndex {
                url: shown_index.clone(),
                message: format!("chart {} version {} has no URLs", chart.name, entry.version),
            })?;
        let url = index::resolve_chart_url(repo, first)?;
        let auth = same_origin(repo, &url);
        let bytes = self.chart_bytes(t, &url, auth, &entry.digest).await?;
        Ok(FetchedChart {
            digest: sha256_hex(&bytes),
            bytes,
            version: entry.version.clone(),
            url: redact_url(url.as_str()),
        })
    }

    /// Downloads (or takes from the cache) the archive at `url`, checking `digest` when given.
    async fn chart_bytes(
        &self,
        t: &dyn Transport,
        url: &Url,
        auth: bool,
        digest: &str,
    ) -> Result<Vec<u8>, SourceError> {
        let shown = redact_url(url.as_str());
        let want = normalize_digest(digest);
        // Without an index digest the URL names the content (Helm treats versions immutable).
        let key = want
            .clone()
            .unwrap_or_else(|| sha256_hex(format!("url\0{}", url.as_str()).as_bytes()));
        let l = self.disk.locks().get(&format!("chart:{key}"));
        let _g = l.lock().await;
        if let Some(b) = self.disk.read_chart(&key) {
            if want.as_deref().is_none_or(|w| sha256_hex(&b) == w) {
                return Ok(b);
            }
        }
        let resp = get(t, url, &HeaderMap::new(), auth).await?;
        let mut bytes = Vec::new();
        let (actual, _) = stream_body(
            resp,
            self.limits.max_chart_bytes,
            &shown,
            "chart archive",
            &mut bytes,
        )
        .await?;
        if let Some(w) = want {
            if w != actual {
                return Err(SourceError::DigestMismatch {
                    url: shown,
                    expected: w,
                    actual,
                });
            }
        }
        check_archive(&bytes, &self.limits, &shown)?;
        self.disk.store_chart(&key, &bytes)?;
        Ok(bytes)
    }
}

/// The index `digest` as lower-case sha256 hex, when it is one (`sha256:` prefix allowed).
fn normalize_digest(d: &str) -> Option<String> {
    let d = d.trim();
    let d = d.strip_prefix("sha256:").unwrap_or(d);
    (d.len() == 64 && d.bytes().all(|b| b.is_ascii_hexdigit())).then(|| d.to_ascii_lowercase())
}

/// Helm only sends repository credentials to chart URLs on the repository's host and port.
fn same_origin(repo: &str, url: &Url) -> bool {
    Url::parse(repo).is_ok_and(|r| {
        r.scheme() == url.scheme()
            && r.host_str() == url.host_str()
            && r.port_or_known_default() == url.port_or_known_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_normalize() {
        let d = "A".repeat(64);
        assert_eq!(normalize_digest(&d), Some("a".repeat(64)));
        assert_eq!(
            normalize_digest(&format!("sha256:{d}")),
            Some("a".repeat(64))
        );
        assert_eq!(normalize_digest("abc"), None);
    }

    #[test]
    fn origin_rule() {
        let u = Url::parse("https://h:443/c/x.tgz").unwrap();
        assert!(same_origin("https://h/c", &u));
        assert!(!same_origin("https://other/c", &u));
        assert!(!same_origin("http://h/c", &u));
    }

    #[test]
    fn archive_check_reports_truncation() {
        let r = check_archive(
            &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0],
            &SourceLimits::default(),
            "u",
        );
        let e = r.unwrap_err();
        assert!(
            matches!(e.reason(), "TruncatedArchive" | "InvalidArchive"),
            "{e}"
        );
    }
}
