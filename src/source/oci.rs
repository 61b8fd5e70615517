//! OCI registries (`oci://host[:port]/path`): Helm charts pulled natively with the
//! Distribution v2 API, as `helm pull oci://host/path/name --version X` does.
//!
//! The chart reference is `<repository>/<name>:<tag>` (Helm writes `+` in versions as `_` in
//! tags). A version that parses as semver is used as the tag; anything else (a constraint, or
//! empty) lists the tags (following `Link` pagination) and picks the highest matching one by
//! Helm's rules. The manifest must carry Helm's config media type and a chart layer
//! (`application/vnd.cncf.helm.chart.content.v1.tar+gzip`, or the legacy
//! `application/tar+gzip`); the layer blob is streamed under the size limit, checked against
//! the manifest's sha256 digest and size, then checked as an archive before it is cached.
//!
//! Auth: anonymous first; a 401's `WWW-Authenticate` selects `Basic` (the pull secret's
//! `username`/`password`) or `Bearer` (a token from the realm, asked with those credentials
//! when present). Tokens are cached per (registry, repository, credential fingerprint) until
//! they expire. TLS through the shared [`ClientPool`]; plain HTTP for `localhost`, `127.0.0.1`,
//! `::1` and when `plainHTTP` is set.
//!
//! Cache rule: charts are cached by layer digest, but every fetch first GETs the manifest from
//! the registry with the caller's own credentials, so a cached private chart is only served to
//! a caller the registry accepted.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use helm_render::funcs::semver::{Constraints, Version};
use reqwest::header::{HeaderValue, ACCEPT, LINK, WWW_AUTHENTICATE};
use reqwest::{Client, Response, StatusCode, Url};
use serde::Deserialize;

use super::cache::DiskCache;
use super::http::ClientPool;
use super::repo::{check_archive, map_reqwest, stream_body, with_retries};
use super::{
    redact_url, sha256_hex, ChartRef, ChartSource, Credentials, FetchedChart, HttpSettings,
    SourceConfig, SourceError, SourceLimits,
};

/// Helm's chart layer media type.
pub const CHART_LAYER_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
/// The chart layer media type of Helm before 3.8 (still accepted, as Helm does).
pub const LEGACY_CHART_LAYER_MEDIA_TYPE: &str = "application/tar+gzip";
/// Helm's config media type.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.helm.config.v1+json";
/// OCI image manifest media type.
pub const OCI_MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
const DOCKER_MANIFEST_MEDIA_TYPE: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// Largest manifest accepted (oras-go's default too).
const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;
/// Largest page of a tag list.
const MAX_TAGS_PAGE_BYTES: u64 = 4 * 1024 * 1024;
/// Most tag-list pages followed.
const MAX_TAG_PAGES: usize = 1000;
/// Largest total of all tag-list pages.
const MAX_TAGS_TOTAL_BYTES: u64 = 32 * 1024 * 1024;
/// Largest token response.
const MAX_TOKEN_BYTES: u64 = 1024 * 1024;
/// Token lifetime when the token service does not say (Docker's token spec default).
const DEFAULT_TOKEN_SECS: u64 = 60;
/// Entries of the auth cache before expired ones are dropped.
const AUTH_CACHE_MAX: usize = 1024;

/// (registry `host:port`, repository path, credential fingerprint).
type AuthKey = (String, String, String);

/// What to send on the next request to a registry repository.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Auth {
    /// The pull secret's `username`/`password`, as the registry asked for Basic.
    Basic,
    /// A token from the registry's token service.
    Bearer { token: String, expires: Instant },
}

/// OCI registries.
pub struct OciSource {
    pool: ClientPool,
    disk: DiskCache,
    limits: SourceLimits,
    auth: Mutex<HashMap<AuthKey, Auth>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// A parsed `oci://` chart reference.
#[derive(Clone, Debug, PartialEq, Eq)]
struct OciRef {
    /// `http(s)://host[:port]`.
    base: Url,
    /// `host[:port]` as written.
    registry: String,
    /// Repository path in the registry: `<path>/<name>`.
    repo: String,
    /// `oci://<registry>/<path>` (the repository as shown in messages).
    shown_repo: String,
}

impl OciRef {
    fn parse(chart: &ChartRef) -> Result<OciRef, SourceError> {
        let bad = |m: &str| SourceError::InvalidUrl {
            url: redact_url(&chart.repository),
            message: m.to_string(),
        };
        let u = Url::parse(&chart.repository).map_err(|e| bad(&e.to_string()))?;
        if !u.scheme().eq_ignore_ascii_case("oci") {
            return Err(bad("not an oci:// URL"));
        }
        if u.query().is_some() || u.fragment().is_some() {
            return Err(bad("an OCI repository takes no query or fragment"));
        }
        let host = match u.host() {
            Some(h) => h.to_string(),
            None => return Err(bad("missing registry host")),
        };
        let registry = match u.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        let path = u.path().trim_matches('/');
        let name = chart.name.trim_matches('/');
        if name.is_empty() {
            return Err(bad("chart name is empty"));
        }
        let repo = if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}/{name}")
        };
        if !valid_repository(&repo) {
            return Err(SourceError::InvalidUrl {
                url: format!("oci://{registry}/{repo}"),
                message:
                    "invalid repository name (lower-case letters, digits and . _ - separated by /)"
                        .into(),
            });
        }
        let local = matches!(host.as_str(), "localhost" | "127.0.0.1" | "[::1]");
        let scheme = if chart.plain_http || local {
            "http"
        } else {
            "https"
        };
        let base =
            Url::parse(&format!("{scheme}://{registry}/")).map_err(|e| bad(&e.to_string()))?;
        Ok(OciRef {
            base,
            shown_repo: format!("oci://{registry}/{path}")
                .trim_end_matches('/')
                .to_string(),
            registry,
            repo,
        })
    }

    fn url(&self, tail: &str) -> Result<Url, SourceError> {
        self.base
            .join(&format!("v2/{}/{tail}", self.repo))
            .map_err(|e| SourceError::InvalidUrl {
                url: self.shown_repo.clone(),
                message: e.to_string(),
            })
    }

    /// `oci://registry/repo` plus a suffix (`:tag`, `@digest`), for messages.
    fn shown(&self, suffix: &str) -> String {
        format!("oci://{}/{}{suffix}", self.registry, self.repo)
    }
}

/// The Distribution repository-name grammar: components of `[a-z0-9]+` joined by `.`, `_`,
/// `__` or runs of `-`, separated by `/`.
fn valid_repository(repo: &str) -> bool {
    repo.len() <= 255
        && repo.split('/').all(|c| {
            let b = c.as_bytes();
            let alnum = |x: &u8| x.is_ascii_lowercase() || x.is_ascii_digit();
            !b.is_empty()
                && b.first().is_some_and(alnum)
                && b.last().is_some_and(alnum)
                && b.iter()
                    .all(|x| alnum(x) || matches!(x, b'.' | b'_' | b'-'))
                && !c.contains("..")
                && !c.contains("___")
                && !c.contains("._")
                && !c.contains("_.")
                && !c.contains(".-")
                && !c.contains("-.")
                && !c.contains("_-")
                && !c.contains("-_")
        })
}

/// Masterminds' `StrictNewVersion`: `MAJOR.MINOR.PATCH[-pre][+meta]`, no `v`, no leading
/// zeros.
fn strict_version(s: &str) -> Option<Version> {
    let core = s.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    let ok = parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        });
    if !ok {
        return None;
    }
    Version::parse(s).ok()
}

/// Helm's `Client.Tags` + `GetTagMatchingVersionOrConstraint`: tags that are strict semver
/// (after `_` → `+`) sorted newest first; an exact match of `version` wins, else the first
/// (highest) version satisfying it (`""` means `*`; pre-releases only when the constraint
/// names one). Returns the version (with `+`), or `Ok(None)` when nothing matches.
pub fn select_tag(tags: &[String], version: &str) -> Result<Option<String>, String> {
    let mut versions: Vec<(Version, String)> = tags
        .iter()
        .map(|t| t.replace('_', "+"))
        .filter_map(|t| strict_version(&t).map(|v| (v, t)))
        .collect();
    // Newest first; a stable sort keeps the registry's order for equal versions.
    versions.sort_by(|a, b| b.0.compare(&a.0).cmp(&0));
    if !version.is_empty() {
        if let Some((_, t)) = versions.iter().find(|(_, t)| t == version) {
            return Ok(Some(t.clone()));
        }
    }
    let c = Constraints::parse(if version.is_empty() { "*" } else { version })?;
    Ok(versions
        .into_iter()
        .find(|(v, _)| c.check(v))
        .map(|(_, t)| t))
}

/// One `WWW-Authenticate` challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Challenge {
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
    Other,
}

/// Parses `Basic realm="x"` / `Bearer realm="...",service="...",scope="..."`.
fn parse_challenge(h: &str) -> Challenge {
    let h = h.trim();
    let (scheme, rest) = h.split_once(char::is_whitespace).unwrap_or((h, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Challenge::Basic;
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Challenge::Other;
    }
    let mut params: HashMap<String, String> = HashMap::new();
    let mut s = rest.trim_start();
    while !s.is_empty() {
        let Some((k, after)) = s.split_once('=') else {
            break;
        };
        let key = k.trim().trim_start_matches(',').trim().to_ascii_lowercase();
        let after = after.trim_start();
        let (value, next) = if let Some(q) = after.strip_prefix('"') {
            // Quoted string with backslash escapes.
            let mut v = String::new();
            let mut chars = q.char_indices();
            let mut end = q.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            v.push(n);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => v.push(c),
                }
            }
            (v, q.get(end..).unwrap_or(""))
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (
                after.get(..end).unwrap_or("").trim().to_string(),
                after.get(end..).unwrap_or(""),
            )
        };
        params.insert(key, value);
        s = next.trim_start().trim_start_matches(',').trim_start();
    }
    match params.remove("realm") {
        Some(realm) if !realm.is_empty() => Challenge::Bearer {
            realm,
            service: params.remove("service"),
            scope: params.remove("scope"),
        },
        _ => Challenge::Other,
    }
}

/// `rel="next"` target of a `Link` header.
fn next_link(h: &str) -> Option<String> {
    h.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        params
            .split(';')
            .any(|p| {
                let p = p.trim().replace(' ', "");
                p.eq_ignore_ascii_case("rel=\"next\"") || p.eq_ignore_ascii_case("rel=next")
            })
            .then(|| target.to_string())
    })
}

#[derive(Deserialize)]
struct Descriptor {
    #[serde(rename = "mediaType", default)]
    media_type: String,
    #[serde(default)]
    digest: String,
    #[serde(default)]
    size: u64,
}

#[derive(Deserialize)]
struct Manifest {
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Vec<Descriptor>,
}

#[derive(Deserialize)]
struct TagList {
    #[serde(default)]
    tags: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct RegistryErrors {
    #[serde(default)]
    errors: Vec<RegistryError>,
}

#[derive(Deserialize)]
struct RegistryError {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

/// The first error code and message of a registry error body (bounded read).
async fn registry_error(mut resp: Response) -> Option<(String, String)> {
    let mut body = Vec::new();
    while let Ok(Some(c)) = resp.chunk().await {
        body.extend_from_slice(&c);
        if body.len() > 16 * 1024 {
            return None;
        }
    }
    let e: RegistryErrors = serde_json::from_slice(&body).ok()?;
    e.errors
        .into_iter()
        .next()
        .map(|e| (e.code, e.message))
        .filter(|(c, _)| !c.is_empty())
}

/// sha256 hex of an OCI digest (`sha256:<64 hex>`), the only algorithm accepted.
fn sha256_of_digest(d: &str) -> Option<String> {
    let h = d.strip_prefix("sha256:")?;
    (h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit())).then(|| h.to_ascii_lowercase())
}

/// What a request is for (chooses how a 404 is reported).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Tags,
    Manifest,
    Blob,
}

/// One fetch: one registry repository with one caller's credentials.
struct Session<'a> {
    src: &'a OciSource,
    client: Client,
    creds: &'a Credentials,
    r: &'a OciRef,
    chart: &'a ChartRef,
    key: AuthKey,
}

impl Session<'_> {
    fn settings(&self) -> &HttpSettings {
        self.src.pool.settings()
    }

    fn cached_auth(&self) -> Option<Auth> {
        let map = lock(&self.src.auth);
        match map.get(&self.key) {
            Some(Auth::Bearer { expires, .. }) if *expires <= Instant::now() => None,
            other => other.cloned(),
        }
    }

    fn store_auth(&self, a: Option<Auth>) {
        let mut map = lock(&self.src.auth);
        match a {
            None => {
                map.remove(&self.key);
            }
            Some(a) => {
                if map.len() >= AUTH_CACHE_MAX {
                    let now = Instant::now();
                    map.retain(
                        |_, v| !matches!(v, Auth::Bearer { expires, .. } if *expires <= now),
                    );
                    if map.len() >= AUTH_CACHE_MAX {
                        map.clear();
                    }
                }
                map.insert(self.key.clone(), a);
            }
        }
    }

    async fn send(
        &self,
        url: &Url,
        accept: Option<&str>,
        auth: Option<&Auth>,
        shown: &str,
    ) -> Result<Response, SourceError> {
        let mut rb = self.client.get(url.clone());
        if let Some(a) = accept {
            rb = rb.header(ACCEPT, a);
        }
        match auth {
            Some(Auth::Basic) => {
                if let Some(u) = &self.creds.username {
                    rb = rb.basic_auth(u, self.creds.password.as_ref());
                }
            }
            Some(Auth::Bearer { token, .. }) => rb = rb.bearer_auth(token),
            None => {}
        }
        rb.send().await.map_err(|e| map_reqwest(shown, &e))
    }

    /// GET with retries (connect errors and 5xx), auth challenges and status mapping;
    /// returns a 200 response.
    async fn get(
        &self,
        url: &Url,
        accept: Option<&str>,
        kind: Kind,
        shown: &str,
    ) -> Result<Response, SourceError> {
        with_retries(self.settings(), || self.get_once(url, accept, kind, shown)).await
    }

    async fn get_once(
        &self,
        url: &Url,
        accept: Option<&str>,
        kind: Kind,
        shown: &str,
    ) -> Result<Response, SourceError> {
        let mut auth = self.cached_auth();
        let mut fresh = false;
        loop {
            let resp = self.send(url, accept, auth.as_ref(), shown).await?;
            if resp.status() != StatusCode::UNAUTHORIZED || fresh {
                return self.check(resp, kind, shown).await;
            }
            let challenge = resp
                .headers()
                .get(WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok())
                .map(parse_challenge)
                .unwrap_or(Challenge::Other);
            let next = match challenge {
                Challenge::Basic
                    if self.creds.username.is_some() && auth.as_ref() != Some(&Auth::Basic) =>
                {
                    Auth::Basic
                }
                Challenge::Bearer {
                    realm,
                    service,
                    scope,
                } => self.token(&realm, service, scope).await?,
                _ => return self.check(resp, kind, shown).await,
            };
            self.store_auth(Some(next.clone()));
            auth = Some(next);
            fresh = true;
        }
    }

    /// Asks the token service for a pull token.
    async fn token(
        &self,
        realm: &str,
        service: Option<String>,
        scope: Option<String>,
    ) -> Result<Auth, SourceError> {
        let shown = self.r.shown("");
        let mut url = Url::parse(realm).map_err(|e| SourceError::InvalidUrl {
            url: redact_url(realm),
            message: format!("token realm of {shown}: {e}"),
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(SourceError::InvalidUrl {
                url: redact_url(realm),
                message: format!("token realm of {shown} is not http(s)"),
            });
        }
        {
            let mut q = url.query_pairs_mut();
            if let Some(s) = &service {
                q.append_pair("service", s);
            }
            let scope = scope.unwrap_or_else(|| format!("repository:{}:pull", self.r.repo));
            q.append_pair("scope", &scope);
        }
        let what = format!("{shown} (token service {})", redact_url(realm));
        let mut rb = self.client.get(url);
        if let Some(u) = &self.creds.username {
            rb = rb.basic_auth(u, self.creds.password.as_ref());
        }
        let resp = rb.send().await.map_err(|e| map_reqwest(&what, &e))?;
        let resp = match resp.status().as_u16() {
            200 => resp,
            401 => return Err(SourceError::Unauthorized { url: what }),
            403 => {
                return Err(SourceError::Forbidden {
                    url: what,
                    detail: String::new(),
                })
            }
            st => {
                return Err(SourceError::Status {
                    url: what,
                    status: st,
                    detail: String::new(),
                })
            }
        };
        let mut body = Vec::new();
        stream_body(resp, MAX_TOKEN_BYTES, &what, "token response", &mut body).await?;
        let t: TokenResponse =
            serde_json::from_slice(&body).map_err(|e| SourceError::InvalidManifest {
                url: what.clone(),
                message: format!("token response: {e}"),
            })?;
        let token = t
            .token
            .filter(|t| !t.is_empty())
            .or(t.access_token.filter(|t| !t.is_empty()))
            .filter(|t| HeaderValue::from_str(&format!("Bearer {t}")).is_ok())
            .ok_or_else(|| SourceError::InvalidManifest {
                url: what.clone(),
                message: "token response has no usable token".into(),
            })?;
        let secs = t
            .expires_in
            .filter(|s| *s > 0)
            .unwrap_or(DEFAULT_TOKEN_SECS);
        // Renew a little early so a token does not expire in flight.
        let life = Duration::from_secs(secs.saturating_sub(secs.min(10) / 2));
        Ok(Auth::Bearer {
            token,
            expires: Instant::now() + life,
        })
    }

    /// Maps a non-200 status to an error naming the chart (never the credentials).
    async fn check(
        &self,
        resp: Response,
        kind: Kind,
        shown: &str,
    ) -> Result<Response, SourceError> {
        let st = resp.status();
        if st == StatusCode::OK {
            return Ok(resp);
        }
        let url = shown.to_string();
        Err(match st.as_u16() {
            401 => {
                self.store_auth(None);
                SourceError::Unauthorized { url }
            }
            403 => SourceError::Forbidden {
                url,
                detail: registry_error(resp)
                    .await
                    .map(|(c, m)| format!(": {c}: {m}"))
                    .unwrap_or_default(),
            },
            404 => {
                let code = registry_error(resp).await.map(|(c, _)| c);
                match (kind, code.as_deref()) {
                    (Kind::Tags, _) | (Kind::Manifest, Some("NAME_UNKNOWN")) => {
                        SourceError::ChartNotFound {
                            name: self.chart.name.clone(),
                            repo: self.r.shown_repo.clone(),
                        }
                    }
                    (Kind::Manifest, _) => SourceError::VersionNotFound {
                        name: self.chart.name.clone(),
                        version: self.chart.version.clone(),
                        repo: self.r.shown_repo.clone(),
                    },
                    (Kind::Blob, _) => SourceError::NotFound { url },
                }
            }
            s => SourceError::Status {
                url,
                status: s,
                detail: if s >= 500 {
                    String::new()
                } else {
                    registry_error(resp)
                        .await
                        .map(|(c, m)| format!(": {c}: {m}"))
                        .unwrap_or_default()
                },
            },
        })
    }

    /// All tags of the repository (every page).
    async fn tags(&self) -> Result<Vec<String>, SourceError> {
        let shown = format!("{} (tags list)", self.r.shown(""));
        let mut url = self.r.url("tags/list")?;
        let mut out = Vec::new();
        let mut total = 0u64;
        for _ in 0..MAX_TAG_PAGES {
            let resp = self.get(&url, None, Kind::Tags, &shown).await?;
            let next = resp
                .headers()
                .get(LINK)
                .and_then(|v| v.to_str().ok())
                .and_then(next_link);
            let mut body = Vec::new();
            let (_, n) =
                stream_body(resp, MAX_TAGS_PAGE_BYTES, &shown, "tag list", &mut body).await?;
            total += n;
            if total > MAX_TAGS_TOTAL_BYTES {
                return Err(SourceError::LimitExceeded {
                    url: shown,
                    what: "tag list".into(),
                    limit: MAX_TAGS_TOTAL_BYTES,
                });
            }
            let page: TagList =
                serde_json::from_slice(&body).map_err(|e| SourceError::InvalidManifest {
                    url: shown.clone(),
                    message: format!("tag list: {e}"),
                })?;
            out.extend(page.tags.unwrap_or_default());
            match next {
                None => return Ok(out),
                Some(n) => {
                    let u = url.join(&n).map_err(|e| SourceError::InvalidUrl {
                        url: shown.clone(),
                        message: format!("Link header: {e}"),
                    })?;
                    // Never follow a page link to another host with the caller's credentials.
                    if u.origin() != self.r.base.origin() {
                        return Err(SourceError::InvalidUrl {
                            url: shown.clone(),
                            message: "Link header points to another host".into(),
                        });
                    }
                    url = u;
                }
            }
        }
        Err(SourceError::LimitExceeded {
            url: shown,
            what: "tag list pages".into(),
            limit: MAX_TAG_PAGES as u64,
        })
    }

    /// The chart layer descriptor of the manifest tagged `tag`.
    async fn chart_layer(&self, tag: &str) -> Result<Descriptor, SourceError> {
        let shown = self.r.shown(&format!(":{tag}"));
        let url = self.r.url(&format!("manifests/{tag}"))?;
        let accept = format!("{OCI_MANIFEST_MEDIA_TYPE}, {DOCKER_MANIFEST_MEDIA_TYPE};q=0.5");
        let resp = self
            .get(&url, Some(&accept), Kind::Manifest, &shown)
            .await?;
        let header_digest = resp
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .and_then(sha256_of_digest);
        let mut body = Vec::new();
        let (actual, _) =
            stream_body(resp, MAX_MANIFEST_BYTES, &shown, "manifest", &mut body).await?;
        if let Some(want) = header_digest {
            if want != actual {
                return Err(SourceError::DigestMismatch {
                    url: shown,
                    expected: want,
                    actual,
                });
            }
        }
        let invalid = |m: String| SourceError::InvalidManifest {
            url: shown.clone(),
            message: m,
        };
        let m: Manifest = serde_json::from_slice(&body).map_err(|e| invalid(e.to_string()))?;
        if let Some(mt) = m.media_type.as_deref() {
            if mt != OCI_MANIFEST_MEDIA_TYPE && mt != DOCKER_MANIFEST_MEDIA_TYPE {
                return Err(invalid(format!("media type {mt} is not an image manifest")));
            }
        }
        if m.config.as_ref().map(|c| c.media_type.as_str()) != Some(CONFIG_MEDIA_TYPE) {
            return Err(invalid(format!(
                "could not load config with mediatype {CONFIG_MEDIA_TYPE}"
            )));
        }
        // Helm takes the last chart layer when there are several.
        m.layers
            .into_iter()
            .rev()
            .find(|l| {
                l.media_type == CHART_LAYER_MEDIA_TYPE
                    || l.media_type == LEGACY_CHART_LAYER_MEDIA_TYPE
            })
            .ok_or_else(|| {
                invalid(format!(
                    "manifest does not contain a layer with mediatype {CHART_LAYER_MEDIA_TYPE}"
                ))
            })
    }

    /// Downloads (or takes from the cache) the chart layer.
    async fn chart_bytes(&self, layer: &Descriptor) -> Result<Vec<u8>, SourceError> {
        let shown = self.r.shown(&format!("@{}", layer.digest));
        let want = sha256_of_digest(&layer.digest).ok_or_else(|| SourceError::InvalidManifest {
            url: self.r.shown(""),
            message: format!("unsupported chart layer digest {:?}", layer.digest),
        })?;
        let limit = self.src.limits.max_chart_bytes;
        if layer.size > limit {
            return Err(SourceError::LimitExceeded {
                url: shown,
                what: "chart archive".into(),
                limit,
            });
        }
        let l = self.src.disk.locks().get(&format!("chart:{want}"));
        let _g = l.lock().await;
        if let Some(b) = self.src.disk.read_chart(&want) {
            if sha256_hex(&b) == want {
                return Ok(b);
            }
        }
        let url = self.r.url(&format!("blobs/{}", layer.digest))?;
        let resp = self.get(&url, None, Kind::Blob, &shown).await?;
        let mut bytes = Vec::new();
        let (actual, n) = stream_body(resp, limit, &shown, "chart archive", &mut bytes).await?;
        if n < layer.size {
            return Err(SourceError::Truncated {
                url: shown,
                message: format!(
                    "blob body ended after {n} of {} bytes declared by the manifest",
                    layer.size
                ),
            });
        }
        if actual != want {
            return Err(SourceError::DigestMismatch {
                url: shown,
                expected: want,
                actual,
            });
        }
        check_archive(&bytes, &self.src.limits, &shown)?;
        self.src.disk.store_chart(&want, &bytes)?;
        Ok(bytes)
    }
}

impl OciSource {
    /// A source caching charts in `cfg.cache_dir`.
    pub fn new(cfg: &SourceConfig) -> Result<OciSource, SourceError> {
        Ok(OciSource {
            pool: ClientPool::new(cfg.http.clone()),
            disk: DiskCache::open(&cfg.cache_dir, cfg.limits.max_cache_bytes)?,
            limits: cfg.limits.clone(),
            auth: Mutex::new(HashMap::new()),
        })
    }
}

#[async_trait::async_trait]
impl ChartSource for OciSource {
    async fn fetch(
        &self,
        chart: &ChartRef,
        creds: &Credentials,
    ) -> Result<FetchedChart, SourceError> {
        let r = OciRef::parse(chart)?;
        let s = Session {
            src: self,
            client: self.pool.client(creds, r.base.as_str())?,
            creds,
            r: &r,
            chart,
            key: (r.registry.clone(), r.repo.clone(), creds.fingerprint()),
        };
        // Helm uses a version that parses as semver as the tag; anything else is a constraint.
        let version = if Version::parse(&chart.version).is_ok() {
            chart.version.clone()
        } else {
            let tags = s.tags().await?;
            select_tag(&tags, &chart.version)
                .map_err(|m| SourceError::InvalidConstraint {
                    name: chart.name.clone(),
                    version: chart.version.clone(),
                    message: m,
                })?
                .ok_or_else(|| SourceError::VersionNotFound {
                    name: chart.name.clone(),
                    version: chart.version.clone(),
                    repo: r.shown_repo.clone(),
                })?
        };
        let tag = version.replace('+', "_");
        let layer = s.chart_layer(&tag).await?;
        let bytes = s.chart_bytes(&layer).await?;
        Ok(FetchedChart {
            digest: sha256_hex(&bytes),
            bytes,
            version,
            url: r.shown(&format!(":{tag}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(repo: &str, name: &str, plain: bool) -> ChartRef {
        ChartRef {
            repository: repo.into(),
            name: name.into(),
            version: "1.0.0".into(),
            plain_http: plain,
        }
    }

    #[test]
    fn references_parse() {
        let r = OciRef::parse(&chart("oci://reg.example:5000/org/charts/", "app", false)).unwrap();
        assert_eq!(r.base.as_str(), "https://reg.example:5000/");
        assert_eq!(r.repo, "org/charts/app");
        assert_eq!(r.shown_repo, "oci://reg.example:5000/org/charts");
        assert_eq!(
            r.url("manifests/1.0.0").unwrap().as_str(),
            "https://reg.example:5000/v2/org/charts/app/manifests/1.0.0"
        );
        let r = OciRef::parse(&chart("oci://localhost:5000/c", "app", false)).unwrap();
        assert_eq!(r.base.scheme(), "http");
        let r = OciRef::parse(&chart("oci://[::1]:5000/c", "app", false)).unwrap();
        assert_eq!(r.base.as_str(), "http://[::1]:5000/");
        let r = OciRef::parse(&chart("oci://reg/c", "app", true)).unwrap();
        assert_eq!(r.base.as_str(), "http://reg/");
        for bad in [
            "oci:///c",
            "oci://reg/UPPER",
            "oci://reg/c?x=1",
            "https://reg/c",
        ] {
            assert!(OciRef::parse(&chart(bad, "app", false)).is_err(), "{bad}");
        }
        assert!(OciRef::parse(&chart("oci://reg/c", "", false)).is_err());
        let e = OciRef::parse(&chart("oci://u:pw@reg/c?x", "app", false)).unwrap_err();
        assert!(!e.to_string().contains("pw"), "{e}");
    }

    #[test]
    fn repository_names() {
        for ok in ["a", "a/b", "a-b/c.d", "a__b", "a--b", "0/1"] {
            assert!(valid_repository(ok), "{ok}");
        }
        for bad in ["", "A", "a//b", "-a", "a.", "a..b", "a/_b", "a b"] {
            assert!(!valid_repository(bad), "{bad}");
        }
    }

    #[test]
    fn tags_select_like_helm() {
        let tags: Vec<String> = [
            "1.2.3",
            "1.2.10",
            "1.3.0-rc.1",
            "2.0.0_build.7",
            "v3.0.0",
            "1.02.0",
            "latest",
            "1.9.0",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let v = |c: &str| select_tag(&tags, c);
        assert_eq!(v("").unwrap().as_deref(), Some("2.0.0+build.7"));
        assert_eq!(v("~1.2").unwrap().as_deref(), Some("1.2.10"));
        assert_eq!(v(">=1.0 <2").unwrap().as_deref(), Some("1.9.0"));
        assert_eq!(v("~1.3").unwrap(), None, "no pre-release unless asked");
        assert_eq!(v(">=1.3.0-0 <1.4").unwrap().as_deref(), Some("1.3.0-rc.1"));
        assert_eq!(
            v("2.0.0+build.7").unwrap().as_deref(),
            Some("2.0.0+build.7")
        );
        // Non-strict tags are ignored: v3.0.0 and 1.02.0 never match.
        assert_eq!(v(">=3").unwrap(), None);
        assert!(v("!!").is_err());
    }

    #[test]
    fn strict_versions() {
        assert!(strict_version("1.2.3-rc.1+b.2").is_some());
        for bad in ["v1.2.3", "1.2", "01.2.3", "1.2.3.4", "", "1.2.x"] {
            assert!(strict_version(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn challenges_parse() {
        assert_eq!(parse_challenge("Basic realm=\"r\""), Challenge::Basic);
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.example/token",service="reg.example",scope="repository:a/b:pull,push""#
            ),
            Challenge::Bearer {
                realm: "https://auth.example/token".into(),
                service: Some("reg.example".into()),
                scope: Some("repository:a/b:pull,push".into()),
            }
        );
        assert_eq!(
            parse_challenge("bearer realm=http://t/x , service=\"s\\\"q\""),
            Challenge::Bearer {
                realm: "http://t/x".into(),
                service: Some("s\"q".into()),
                scope: None,
            }
        );
        assert_eq!(parse_challenge("Bearer service=\"x\""), Challenge::Other);
        assert_eq!(parse_challenge("Negotiate"), Challenge::Other);
        assert_eq!(parse_challenge(""), Challenge::Other);
    }

    #[test]
    fn link_headers() {
        assert_eq!(
            next_link("</v2/a/tags/list?last=x&n=2>; rel=\"next\"").as_deref(),
            Some("/v2/a/tags/list?last=x&n=2")
        );
        assert_eq!(next_link("<http://h/p>; rel=\"prev\""), None);
        assert_eq!(next_link("garbage"), None);
    }

    #[test]
    fn digests() {
        let h = "a".repeat(64);
        assert_eq!(sha256_of_digest(&format!("sha256:{h}")), Some(h));
        assert_eq!(sha256_of_digest("sha512:abc"), None);
        assert_eq!(sha256_of_digest("sha256:zz"), None);
    }
}
