//! Charts from Git repositories (`chart.git` + `ref` + `path`), as Flux Helm Operator v1.
//!
//! [`GitSource`] shells out to the `git` CLI, never through a shell, with a hardened
//! environment: an emptied environment (proxies and CA settings passed through), no system
//! or global config, no terminal prompts, only the https/http/ssh/git/file protocols, no
//! hooks, no auto-gc, a timeout after which the child is killed, and bounded output capture.
//! User-provided values (URL, ref, path) are validated first and always follow `--` or are
//! combined into a single argument that cannot be read as an option.
//!
//! One bare mirror per repository URL (and credential set) lives in
//! `<cache_dir>/git/<sha256>`; it is fetched at most once per `fetch_ttl` and concurrent
//! reconciles of one repository share a per-key lock. The `ref` is resolved to a commit
//! (branch, then tag, then a full or abbreviated commit SHA), the tree at `path` is exported
//! with `git archive` (gzip tar) and read with the same limits as any chart archive, then
//! `.helmignore` is applied and the chart loaded with `helm_render`.
//!
//! Dependencies listed in `Chart.yaml`/`requirements.yaml` but missing from `charts/` are
//! completed unless `skipDepUpdate` is set: `file://` ones from the same commit (relative to
//! the chart's path, never escaping the repository), `http(s)://`/`s3://`/`oci://` ones
//! through [`Sources`]. Credentials (`chart.secretRef`): `username`/`password` for HTTPS,
//! answered by a credential helper that reads them from the child's environment (never from
//! the URL, a file or the log); `identity` (+ optional `known_hosts`) for SSH.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use helm_render::{BufferedFile, Chart};
use tokio::io::{AsyncRead, AsyncReadExt};

use super::cache::KeyLocks;
use super::{redact_url, ChartSource, Credentials, SourceLimits, Sources};

/// Protocols git may use; everything else (`ext::`, remote helpers) is refused.
const ALLOWED_PROTOCOLS: [&str; 5] = ["https", "http", "ssh", "git", "file"];
/// Most stderr kept for messages (the rest is drained and dropped).
const MAX_STDERR: usize = 64 * 1024;
/// Most stdout kept from small commands (`rev-parse`, `cat-file -t`).
const MAX_SMALL_STDOUT: usize = 64 * 1024;
/// Longest accepted URL, ref and path.
const MAX_ARG_LEN: usize = 4096;

/// Answers git's credential requests from the child's environment, only for the
/// repository's own host. The file is constant text: no secret is ever written to disk.
const CREDENTIAL_HELPER: &str = r#"# helmrelease-operator Git credential helper
test "$1" = get || exit 0
host=
while IFS= read -r line; do
  case "$line" in
    host=*) host="${line#host=}" ;;
  esac
done
test -n "$HRO_GIT_HOST" && test "$host" = "$HRO_GIT_HOST" || exit 0
printf 'username=%s\npassword=%s\n' "$HRO_GIT_USERNAME" "$HRO_GIT_PASSWORD"
"#;

/// Settings of a [`GitSource`].
#[derive(Clone, Debug)]
pub struct GitConfig {
    /// Cache directory; mirrors live in `<cache_dir>/git/`.
    pub cache_dir: PathBuf,
    /// Chart size and file-count limits.
    pub limits: SourceLimits,
    /// Timeout of one git command; the child is killed after it.
    pub timeout: Duration,
    /// How long a fetched mirror is used without fetching again (zero: every call fetches).
    pub fetch_ttl: Duration,
    /// The git program.
    pub git: PathBuf,
    /// The ssh program git runs for SSH URLs (letters, digits and `/._-+` only: it goes
    /// into `GIT_SSH_COMMAND`).
    pub ssh: PathBuf,
    /// Nesting bound of `file://` dependencies.
    pub max_dependency_depth: usize,
    /// Mirrors unused for this long are deleted (checked whenever a mirror is created).
    pub mirror_max_idle: Duration,
}

impl GitConfig {
    /// Defaults: 2 minute command timeout, 30 second fetch TTL, `git` from `PATH`.
    pub fn new(cache_dir: impl Into<PathBuf>) -> GitConfig {
        GitConfig {
            cache_dir: cache_dir.into(),
            limits: SourceLimits::default(),
            timeout: Duration::from_secs(120),
            fetch_ttl: Duration::from_secs(30),
            git: PathBuf::from("git"),
            ssh: PathBuf::from("ssh"),
            max_dependency_depth: 8,
            mirror_max_idle: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// Credentials from `chart.secretRef`.
#[derive(Clone, Default)]
pub struct GitAuth {
    username: Option<String>,
    password: Option<String>,
    identity: Option<Vec<u8>>,
    known_hosts: Option<Vec<u8>>,
}

impl std::fmt::Debug for GitAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitAuth")
            .field("username", &self.username.as_ref().map(|_| "<set>"))
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("identity", &self.identity.as_ref().map(|_| "<redacted>"))
            .field("known_hosts", &self.known_hosts.is_some())
            .finish()
    }
}

impl GitAuth {
    /// No credentials.
    pub fn anonymous() -> GitAuth {
        GitAuth::default()
    }

    /// Reads a Secret's data: `username` + `password` (HTTPS), `identity` (an SSH private
    /// key) and optional `known_hosts`.
    pub fn from_secret_data(data: &BTreeMap<String, Vec<u8>>) -> Result<GitAuth, GitError> {
        let text = |k: &str| -> Result<Option<String>, GitError> {
            match data.get(k) {
                None => Ok(None),
                Some(b) => {
                    let s = String::from_utf8(b.clone()).map_err(|_| {
                        GitError::InvalidCredentials(format!("key {k} is not UTF-8"))
                    })?;
                    // The credential protocol is line based: a newline would inject keys.
                    if s.contains(['\n', '\r', '\0']) {
                        return Err(GitError::InvalidCredentials(format!(
                            "key {k} contains a line break or NUL"
                        )));
                    }
                    Ok(Some(s))
                }
            }
        };
        let mut a = GitAuth {
            username: text("username")?,
            password: text("password")?,
            identity: data.get("identity").cloned(),
            known_hosts: data.get("known_hosts").cloned(),
        };
        if a.username.is_some() != a.password.is_some() {
            return Err(GitError::InvalidCredentials(
                "username and password must be given together".into(),
            ));
        }
        if let Some(k) = a.identity.as_mut() {
            // ssh refuses a key file without its final newline.
            if !k.ends_with(b"\n") {
                k.push(b'\n');
            }
        }
        if a.known_hosts.is_some() && a.identity.is_none() {
            return Err(GitError::InvalidCredentials(
                "known_hosts needs identity (SSH)".into(),
            ));
        }
        Ok(a)
    }

    /// True when nothing is set.
    pub fn is_anonymous(&self) -> bool {
        self.username.is_none() && self.identity.is_none()
    }

    /// A digest of everything that authenticates the caller (keys the mirror).
    fn fingerprint(&self) -> String {
        super::credentials::fingerprint_of(&[
            ("u", self.username.as_deref().map(str::as_bytes)),
            ("p", self.password.as_deref().map(str::as_bytes)),
            ("i", self.identity.as_deref()),
            ("k", self.known_hosts.as_deref()),
        ])
    }
}

/// What to fetch: `chart.git`, `chart.ref`, `chart.path`, `chart.skipDepUpdate`.
#[derive(Clone, Debug)]
pub struct GitRequest<'a> {
    /// Repository URL.
    pub url: &'a str,
    /// Branch, tag or commit.
    pub git_ref: &'a str,
    /// Path of the chart inside the repository (empty: the root).
    pub path: &'a str,
    /// Do not complete missing dependencies (they must be vendored in `charts/`).
    pub skip_dep_update: bool,
}

/// A chart loaded from Git.
#[derive(Clone, Debug)]
pub struct GitChart {
    /// The loaded chart.
    pub chart: Chart,
    /// The full commit SHA `ref` resolved to.
    pub commit: String,
}

/// Why a Git chart could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The repository URL is not acceptable.
    #[error("invalid Git URL {url:?}: {message}")]
    InvalidUrl {
        /// The URL (credentials removed).
        url: String,
        /// Cause.
        message: String,
    },
    /// The ref is not acceptable.
    #[error("invalid Git ref {git_ref:?}: {message}")]
    InvalidRef {
        /// The ref.
        git_ref: String,
        /// Cause.
        message: String,
    },
    /// The chart path is not acceptable.
    #[error("invalid chart path {path:?}: {message}")]
    InvalidPath {
        /// The path.
        path: String,
        /// Cause.
        message: String,
    },
    /// The secret's data is malformed.
    #[error("invalid Git secret: {0}")]
    InvalidCredentials(String),
    /// The git program could not be started.
    #[error("cannot run git: {0}")]
    GitUnavailable(String),
    /// A git command failed.
    #[error("{url}: git {what} failed: {message}")]
    Command {
        /// Repository URL (credentials removed).
        url: String,
        /// Which step.
        what: String,
        /// git's message (credentials removed).
        message: String,
    },
    /// A git command ran longer than the timeout and was killed.
    #[error("{url}: git {what} timed out after {secs}s")]
    Timeout {
        /// Repository URL (credentials removed).
        url: String,
        /// Which step.
        what: String,
        /// The timeout.
        secs: u64,
    },
    /// No branch, tag or commit has this name.
    #[error("{url}: ref {git_ref:?} not found (no such branch, tag or commit)")]
    RefNotFound {
        /// Repository URL (credentials removed).
        url: String,
        /// The ref.
        git_ref: String,
    },
    /// The path does not exist at the commit.
    #[error("{url}: path {path:?} not found at commit {commit}")]
    PathNotFound {
        /// Repository URL (credentials removed).
        url: String,
        /// The path.
        path: String,
        /// The commit.
        commit: String,
    },
    /// The path exists but holds no valid chart.
    #[error("{url}: path {path:?} at commit {commit} is not a chart: {message}")]
    NotAChart {
        /// Repository URL (credentials removed).
        url: String,
        /// The path.
        path: String,
        /// The commit.
        commit: String,
        /// Cause.
        message: String,
    },
    /// A dependency could not be completed.
    #[error("chart dependency {name:?}: {message}")]
    Dependency {
        /// Dependency name.
        name: String,
        /// Cause.
        message: String,
    },
    /// A size or count limit was exceeded.
    #[error("{url}: {what} exceeds the limit of {limit}")]
    LimitExceeded {
        /// Repository URL (credentials removed).
        url: String,
        /// What was too large.
        what: String,
        /// The limit.
        limit: u64,
    },
    /// The cache directory failed.
    #[error("git cache {path}: {message}")]
    Cache {
        /// File or directory.
        path: String,
        /// Cause.
        message: String,
    },
}

impl GitError {
    /// A stable CamelCase reason for status conditions.
    pub fn reason(&self) -> &'static str {
        match self {
            GitError::InvalidUrl { .. } => "InvalidGitURL",
            GitError::InvalidRef { .. } => "InvalidGitRef",
            GitError::InvalidPath { .. } => "InvalidChartPath",
            GitError::InvalidCredentials(_) => "InvalidGitSecret",
            GitError::GitUnavailable(_) => "GitUnavailable",
            GitError::Command { .. } => "GitError",
            GitError::Timeout { .. } => "Timeout",
            GitError::RefNotFound { .. } => "GitRefNotFound",
            GitError::PathNotFound { .. } => "ChartPathNotFound",
            GitError::NotAChart { .. } => "InvalidChart",
            GitError::Dependency { .. } => "DependencyError",
            GitError::LimitExceeded { .. } => "LimitExceeded",
            GitError::Cache { .. } => "CacheError",
        }
    }
}

fn cache_err(path: &Path, e: impl std::fmt::Display) -> GitError {
    GitError::Cache {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Checks a repository URL: no option-like or control characters, no remote-helper syntax,
/// and a scheme among [`ALLOWED_PROTOCOLS`] (or an scp-like `host:path`, or an absolute path).
pub fn validate_url(url: &str) -> Result<(), GitError> {
    let bad = |m: &str| {
        Err(GitError::InvalidUrl {
            url: redact_url(url),
            message: m.to_string(),
        })
    };
    if url.is_empty() {
        return bad("empty");
    }
    if url.len() > MAX_ARG_LEN {
        return bad("too long");
    }
    if url.starts_with('-') {
        return bad("must not start with '-'");
    }
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return bad("contains whitespace or control characters");
    }
    if url.contains("::") {
        return bad("remote helper syntax (transport::address) is not allowed");
    }
    if let Some((scheme, rest)) = url.split_once("://") {
        let scheme = scheme.to_ascii_lowercase();
        let ok = ALLOWED_PROTOCOLS.contains(&scheme.as_str())
            || scheme == "git+ssh"
            || scheme == "ssh+git";
        if !ok {
            return bad(&format!(
                "scheme {scheme:?} is not allowed (use https, http, ssh, git or file)"
            ));
        }
        if rest.is_empty() {
            return bad("no host or path");
        }
        return Ok(());
    }
    if url.starts_with('/') {
        return Ok(());
    }
    // scp-like `[user@]host:path`: a colon before any slash.
    match (url.find(':'), url.find('/')) {
        (Some(c), slash) if c > 0 && slash.is_none_or(|s| c < s) => Ok(()),
        _ => bad("not a URL (scheme://...), an scp-like host:path or an absolute path"),
    }
}

/// Checks a ref: a branch or tag name (optionally `refs/heads/...`/`refs/tags/...`) or a
/// commit SHA; never option-like, never a revision expression.
pub fn validate_ref(git_ref: &str) -> Result<(), GitError> {
    let bad = |m: &str| {
        Err(GitError::InvalidRef {
            git_ref: git_ref.to_string(),
            message: m.to_string(),
        })
    };
    if git_ref.is_empty() {
        return bad("empty");
    }
    if git_ref.len() > 255 {
        return bad("too long");
    }
    if git_ref.starts_with('-') {
        return bad("must not start with '-'");
    }
    if git_ref.contains("..") || git_ref.contains("@{") || git_ref.contains("//") {
        return bad("must not contain '..', '@{' or '//'");
    }
    if git_ref
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || "~^:?*[\\".contains(c))
    {
        return bad("contains a character refs may not have");
    }
    if git_ref.starts_with('/')
        || git_ref.ends_with('/')
        || git_ref.ends_with('.')
        || git_ref.ends_with(".lock")
        || git_ref == "@"
    {
        return bad("not a valid branch, tag or commit name");
    }
    Ok(())
}

/// A chart path made canonical (`./a//b/` → `a/b`); `..`, absolute and option-like paths
/// are refused.
pub fn clean_path(path: &str) -> Result<String, GitError> {
    let bad = |m: &str| {
        Err(GitError::InvalidPath {
            path: path.to_string(),
            message: m.to_string(),
        })
    };
    if path.len() > MAX_ARG_LEN {
        return bad("too long");
    }
    if path.starts_with('-') {
        return bad("must not start with '-'");
    }
    if path.starts_with('/') {
        return bad("must be relative to the repository root");
    }
    if path.chars().any(|c| c.is_control() || c == '\\') {
        return bad("contains control characters or backslashes");
    }
    let mut parts = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => return bad("must not contain '..'"),
            p => parts.push(p),
        }
    }
    Ok(parts.join("/"))
}

/// `rel` (a `file://` dependency's path) resolved against the chart directory `base`,
/// inside the repository; `None` when it would leave the repository.
fn resolve_relative(base: &str, rel: &str) -> Option<String> {
    if rel.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// True when `url` names a local directory (`file:///dir` or `/dir`) that is not a Git
/// repository: the operator then reads it directly (a local-development convenience).
pub fn is_plain_local_dir(url: &str) -> bool {
    let Some(p) = local_dir(url) else {
        return false;
    };
    p.is_dir() && !is_git_repo(&p)
}

fn local_dir(url: &str) -> Option<PathBuf> {
    if let Some(rest) = url.strip_prefix("file://") {
        return rest.starts_with('/').then(|| PathBuf::from(rest));
    }
    url.starts_with('/').then(|| PathBuf::from(url))
}

/// A work tree (`.git` present) or a bare repository (`HEAD`, `objects/`, `refs/`).
fn is_git_repo(p: &Path) -> bool {
    p.join(".git").exists()
        || (p.join("HEAD").is_file() && p.join("objects").is_dir() && p.join("refs").is_dir())
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A full object name (SHA-1 or SHA-256).
fn is_full_sha(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && is_hex(s)
}

/// `host[:port]` of an http(s) URL, as git's credential protocol names it.
fn http_host(url: &str) -> Option<String> {
    let u = reqwest::Url::parse(url).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    let host = u.host_str()?;
    Some(match u.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    })
}

static SESSION_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A private temporary directory for one fetch (credential helper, SSH key, known_hosts)
/// and the environment git runs with; removed on drop.
struct Session {
    dir: PathBuf,
    env: Vec<(String, OsString)>,
    config: Vec<String>,
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Paths embedded in `GIT_SSH_COMMAND` and `credential.helper` go through a shell: they are
/// our own, but are still limited to characters that need no quoting.
fn shell_safe(p: &Path) -> Option<String> {
    let s = p.to_str()?;
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-+".contains(&b))
        .then(|| s.to_string())
}

fn write_private(path: &Path, data: &[u8]) -> Result<(), GitError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| cache_err(path, e))?;
    f.write_all(data).map_err(|e| cache_err(path, e))
}

/// Keeps at most `cap` bytes of a stream; with `stop`, stops reading (closing the pipe)
/// once over the cap, otherwise drains the rest so the child never blocks on a full pipe.
async fn read_capped<R: AsyncRead + Unpin>(
    mut r: R,
    cap: usize,
    stop: bool,
) -> std::io::Result<(Vec<u8>, bool)> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut over = false;
    loop {
        let n = r.read(&mut buf).await?;
        if n == 0 {
            return Ok((out, over));
        }
        let chunk = buf.get(..n).unwrap_or_default();
        let room = cap.saturating_sub(out.len());
        if chunk.len() > room {
            over = true;
            out.extend_from_slice(chunk.get(..room).unwrap_or_default());
            if stop {
                return Ok((out, over));
            }
        } else {
            out.extend_from_slice(chunk);
        }
    }
}

/// What one git command produced.
struct Output {
    stdout: Vec<u8>,
    stdout_over: bool,
    success: bool,
    stderr: String,
}

/// Fetches charts from Git repositories through per-repository mirrors.
pub struct GitSource {
    cfg: GitConfig,
    locks: KeyLocks,
    last_fetch: Mutex<HashMap<String, Instant>>,
    deps: Option<Arc<Sources>>,
}

impl GitSource {
    /// A source with `deps` for dependencies hosted in chart repositories (None: such
    /// dependencies must be vendored).
    pub fn new(cfg: GitConfig, deps: Option<Arc<Sources>>) -> GitSource {
        GitSource {
            cfg,
            locks: KeyLocks::default(),
            last_fetch: Mutex::new(HashMap::new()),
            deps,
        }
    }

    fn git_dir(&self) -> PathBuf {
        self.cfg.cache_dir.join("git")
    }

    /// The mirror's key: the URL's digest, with the credentials' fingerprint when there are
    /// any, so a private repository fetched with one secret is never served to a release
    /// that has no (or other) credentials.
    fn mirror_key(url: &str, auth: &GitAuth) -> String {
        if auth.is_anonymous() {
            super::sha256_hex(url.as_bytes())
        } else {
            super::sha256_hex(format!("{url}\0{}", auth.fingerprint()).as_bytes())
        }
    }

    /// Fetches and loads the chart `req` names.
    pub async fn fetch(&self, req: &GitRequest<'_>, auth: &GitAuth) -> Result<GitChart, GitError> {
        validate_url(req.url)?;
        validate_ref(req.git_ref)?;
        let path = clean_path(req.path)?;
        let key = Self::mirror_key(req.url, auth);
        let lock = self.locks.get(&key);
        let _guard = lock.lock().await;
        let sess = self.session(req.url, auth, &key)?;
        let mirror = self.git_dir().join(&key);
        touch(&mirror.join("HEAD"));
        let git_ref = req.git_ref;

        let mut fetched_now = false;
        let exists = mirror.join("HEAD").is_file();
        if exists && !mirror.join("objects").is_dir() {
            let _ = std::fs::remove_dir_all(&mirror);
        }
        let exists = mirror.join("HEAD").is_file();
        // A commit SHA already in the mirror is immutable: no fetch needed.
        let known_commit = if exists && is_full_sha(git_ref) {
            self.resolve(&sess, &mirror, req.url, git_ref).await?
        } else {
            None
        };
        if known_commit.is_none() {
            if !exists {
                self.create_mirror(&sess, &mirror, req.url).await?;
                fetched_now = true;
            } else if !self.fresh(&key) {
                self.fetch_into(&sess, &mirror, req.url).await?;
                fetched_now = true;
            }
            if fetched_now {
                self.mark_fetched(&key);
            }
        }
        let mut commit = match known_commit {
            Some(c) => Some(c),
            None => self.resolve(&sess, &mirror, req.url, git_ref).await?,
        };
        if commit.is_none() && !fetched_now {
            // The ref may be newer than the last fetch inside the TTL.
            self.fetch_into(&sess, &mirror, req.url).await?;
            self.mark_fetched(&key);
            commit = self.resolve(&sess, &mirror, req.url, git_ref).await?;
        }
        if commit.is_none() && is_full_sha(git_ref) {
            // A commit no branch or tag points at: servers allowing it send it on request.
            let _ = self
                .git(
                    &sess,
                    req.url,
                    "fetch",
                    &mirror_args(
                        &mirror,
                        &[
                            "fetch",
                            "--quiet",
                            "--no-tags",
                            "--no-write-fetch-head",
                            "--",
                        ],
                    ),
                    &[req.url, git_ref],
                    MAX_SMALL_STDOUT,
                )
                .await;
            commit = self.resolve(&sess, &mirror, req.url, git_ref).await?;
        }
        let commit = commit.ok_or_else(|| GitError::RefNotFound {
            url: redact_url(req.url),
            git_ref: git_ref.to_string(),
        })?;

        let files = self.export(&sess, &mirror, req.url, &commit, &path).await?;
        let files = self
            .complete_dependencies(&sess, &mirror, req, &commit, &path, files)
            .await?;
        let chart = load_chart_files(files, req.url, &path, &commit).await?;
        Ok(GitChart { chart, commit })
    }

    fn fresh(&self, key: &str) -> bool {
        let map = match self.last_fetch.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        map.get(key)
            .is_some_and(|t| t.elapsed() < self.cfg.fetch_ttl)
    }

    fn mark_fetched(&self, key: &str) {
        let mut map = match self.last_fetch.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        map.insert(key.to_string(), Instant::now());
    }

    /// Creates the session directory and the environment for `url` with `auth`.
    fn session(&self, url: &str, auth: &GitAuth, key: &str) -> Result<Session, GitError> {
        use std::os::unix::fs::DirBuilderExt;
        let root = self.git_dir().join("tmp");
        std::fs::create_dir_all(&root).map_err(|e| cache_err(&root, e))?;
        let n = SESSION_COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = root.join(format!("s-{}-{n}-{nanos}", std::process::id()));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|e| cache_err(&dir, e))?;
        let mut sess = Session {
            dir: dir.clone(),
            env: Vec::new(),
            config: Vec::new(),
        };
        let quoted = shell_safe(&dir).ok_or_else(|| GitError::Cache {
            path: dir.display().to_string(),
            message: "the cache path may only contain letters, digits and / . _ - +".into(),
        })?;
        for k in [
            "PATH",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "NO_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
            "no_proxy",
            "all_proxy",
            "SSL_CERT_FILE",
            "SSL_CERT_DIR",
            "GIT_SSL_CAINFO",
        ] {
            if let Some(v) = std::env::var_os(k) {
                sess.env.push((k.to_string(), v));
            }
        }
        if !sess.env.iter().any(|(k, _)| k == "PATH") {
            sess.env
                .push(("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()));
        }
        for (k, v) in [
            ("HOME", dir.as_os_str().to_owned()),
            ("LC_ALL", "C".into()),
            ("GIT_TERMINAL_PROMPT", "0".into()),
            ("GIT_CONFIG_NOSYSTEM", "1".into()),
            ("GIT_CONFIG_GLOBAL", "/dev/null".into()),
            ("GIT_ALLOW_PROTOCOL", ALLOWED_PROTOCOLS.join(":").into()),
            ("GIT_PROTOCOL_FROM_USER", "0".into()),
        ] {
            sess.env.push((k.to_string(), v));
        }

        // SSH: our key only, no agent, no user config; host keys pinned by `known_hosts`
        // when given, else trusted on first use per mirror.
        let ssh_program = shell_safe(&self.cfg.ssh).ok_or_else(|| {
            GitError::GitUnavailable(format!(
                "ssh program {:?} has characters other than letters, digits and / . _ - +",
                self.cfg.ssh
            ))
        })?;
        let mut ssh = format!(
            "{ssh_program} -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none -o ConnectTimeout={}",
            self.cfg.timeout.as_secs().clamp(1, 300)
        );
        if let Some(id) = &auth.identity {
            let p = dir.join("identity");
            write_private(&p, id)?;
            ssh.push_str(&format!(" -i {quoted}/identity"));
        }
        match &auth.known_hosts {
            Some(kh) => {
                write_private(&dir.join("known_hosts"), kh)?;
                ssh.push_str(&format!(
                    " -o StrictHostKeyChecking=yes -o UserKnownHostsFile={quoted}/known_hosts"
                ));
            }
            None => {
                let kh = self.git_dir().join(format!("{key}.known_hosts"));
                let kh = shell_safe(&kh).ok_or_else(|| GitError::Cache {
                    path: kh.display().to_string(),
                    message: "unsafe characters in the cache path".into(),
                })?;
                ssh.push_str(&format!(
                    " -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile={kh}"
                ));
            }
        }
        sess.env.push(("GIT_SSH_COMMAND".into(), ssh.into()));

        for (k, v) in [
            ("gc.auto", "0"),
            ("gc.autoDetach", "false"),
            ("maintenance.auto", "false"),
            ("core.hooksPath", "/dev/null"),
            ("core.fsmonitor", "false"),
            ("fetch.recurseSubmodules", "false"),
            ("submodule.recurse", "false"),
            ("protocol.allow", "never"),
        ] {
            sess.config.push(format!("{k}={v}"));
        }
        for p in ALLOWED_PROTOCOLS {
            sess.config.push(format!("protocol.{p}.allow=always"));
        }
        // An empty value resets any helper; ours answers only for the repository's host.
        sess.config.push("credential.helper=".into());
        if let (Some(u), Some(p), Some(host)) = (&auth.username, &auth.password, http_host(url)) {
            write_private(&dir.join("credential-helper"), CREDENTIAL_HELPER.as_bytes())?;
            sess.config
                .push(format!("credential.helper=!sh {quoted}/credential-helper"));
            sess.env.push(("HRO_GIT_HOST".into(), host.into()));
            sess.env.push(("HRO_GIT_USERNAME".into(), u.into()));
            sess.env.push(("HRO_GIT_PASSWORD".into(), p.into()));
        }
        Ok(sess)
    }

    /// Runs git with `fixed` arguments followed by `user` ones (which the caller put after
    /// `--` or validated), killing it after the timeout.
    async fn git(
        &self,
        sess: &Session,
        url: &str,
        what: &str,
        fixed: &[OsString],
        user: &[&str],
        stdout_cap: usize,
    ) -> Result<Output, GitError> {
        let mut cmd = tokio::process::Command::new(&self.cfg.git);
        cmd.env_clear()
            .envs(sess.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&sess.dir)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        for c in &sess.config {
            cmd.arg("-c").arg(c);
        }
        cmd.args(fixed).args(user);
        let mut child = cmd.spawn().map_err(|e| {
            GitError::GitUnavailable(format!(
                "{}: {e} (Git chart sources need the git program in the operator's image)",
                self.cfg.git.display()
            ))
        })?;
        let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
            return Err(GitError::GitUnavailable(
                "no pipes to the git process".into(),
            ));
        };
        let run = async {
            let (o, e) = tokio::join!(
                read_capped(stdout, stdout_cap, true),
                read_capped(stderr, MAX_STDERR, false)
            );
            let status = child.wait().await;
            (o, e, status)
        };
        let timed = tokio::time::timeout(self.cfg.timeout, run).await;
        let (o, e, status) = match timed {
            Ok(r) => r,
            Err(_) => {
                let _ = child.start_kill();
                return Err(GitError::Timeout {
                    url: redact_url(url),
                    what: what.to_string(),
                    secs: self.cfg.timeout.as_secs(),
                });
            }
        };
        let io = |e: std::io::Error| GitError::Command {
            url: redact_url(url),
            what: what.to_string(),
            message: e.to_string(),
        };
        let (stdout, stdout_over) = o.map_err(io)?;
        let (stderr, _) = e.map_err(io)?;
        let status = status.map_err(io)?;
        Ok(Output {
            stdout,
            stdout_over,
            success: status.success(),
            stderr: sanitize(&String::from_utf8_lossy(&stderr), url),
        })
    }

    /// Like [`GitSource::git`], failing on a non-zero exit with git's message.
    async fn git_ok(
        &self,
        sess: &Session,
        url: &str,
        what: &str,
        fixed: &[OsString],
        user: &[&str],
        stdout_cap: usize,
    ) -> Result<Output, GitError> {
        let out = self.git(sess, url, what, fixed, user, stdout_cap).await?;
        if !out.success {
            return Err(GitError::Command {
                url: redact_url(url),
                what: what.to_string(),
                message: out.stderr,
            });
        }
        Ok(out)
    }

    /// `git init --bare` in a temporary directory, a first fetch, then the rename into place
    /// (so a half-made mirror is never used).
    async fn create_mirror(
        &self,
        sess: &Session,
        mirror: &Path,
        url: &str,
    ) -> Result<(), GitError> {
        let tmp = sess.dir.join("mirror.git");
        let init = [
            OsString::from("init"),
            "--bare".into(),
            "--quiet".into(),
            "--template=".into(),
            "--".into(),
            tmp.as_os_str().to_owned(),
        ];
        self.git_ok(sess, url, "init", &init, &[], MAX_SMALL_STDOUT)
            .await?;
        self.fetch_into(sess, &tmp, url).await?;
        match std::fs::rename(&tmp, mirror) {
            Ok(()) => {
                self.collect_garbage();
                Ok(())
            }
            // Someone else made it meanwhile: theirs is as good.
            Err(_) if mirror.join("HEAD").is_file() => Ok(()),
            Err(e) => Err(cache_err(mirror, e)),
        }
    }

    /// Deletes mirrors idle for longer than `mirror_max_idle` (their `HEAD` is touched on
    /// every use) that nobody in this process holds, and session directories left behind by
    /// a crash.
    fn collect_garbage(&self) {
        let dir = self.git_dir();
        let Ok(rd) = std::fs::read_dir(&dir) else {
            return;
        };
        let idle = |p: &Path, max: Duration| {
            std::fs::metadata(p)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > max)
        };
        for e in rd.filter_map(Result::ok) {
            let name = e.file_name().to_string_lossy().into_owned();
            let path = e.path();
            if name.len() == 64 && is_hex(&name) && path.is_dir() {
                let lock = self.locks.get(&name);
                let Ok(_held) = lock.try_lock() else {
                    continue;
                };
                if idle(&path.join("HEAD"), self.cfg.mirror_max_idle) {
                    let _ = std::fs::remove_dir_all(&path);
                    let _ = std::fs::remove_file(dir.join(format!("{name}.known_hosts")));
                }
            }
        }
        if let Ok(rd) = std::fs::read_dir(dir.join("tmp")) {
            for e in rd.filter_map(Result::ok) {
                // Sessions live for one fetch; a day-old one was left by a crash.
                if idle(&e.path(), Duration::from_secs(24 * 3600)) {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
    }

    /// Fetches every branch and tag into the mirror (pruning deleted ones).
    async fn fetch_into(&self, sess: &Session, mirror: &Path, url: &str) -> Result<(), GitError> {
        let args = mirror_args(
            mirror,
            &[
                "fetch",
                "--quiet",
                "--prune",
                "--no-tags",
                "--force",
                "--no-recurse-submodules",
                "--no-write-fetch-head",
                "--",
            ],
        );
        self.git_ok(
            sess,
            url,
            "fetch",
            &args,
            &[
                url,
                "+refs/heads/*:refs/heads/*",
                "+refs/tags/*:refs/tags/*",
            ],
            MAX_SMALL_STDOUT,
        )
        .await
        .map(|_| ())
    }

    /// The commit `git_ref` names: branch, then tag (peeled), then a commit SHA.
    async fn resolve(
        &self,
        sess: &Session,
        mirror: &Path,
        url: &str,
        git_ref: &str,
    ) -> Result<Option<String>, GitError> {
        let mut candidates = Vec::new();
        if git_ref.starts_with("refs/heads/") || git_ref.starts_with("refs/tags/") {
            candidates.push(git_ref.to_string());
        } else {
            candidates.push(format!("refs/heads/{git_ref}"));
            candidates.push(format!("refs/tags/{git_ref}"));
            if git_ref.len() >= 4 && git_ref.len() <= 64 && is_hex(git_ref) {
                candidates.push(git_ref.to_string());
            }
        }
        let args = mirror_args(
            mirror,
            &["rev-parse", "--verify", "--quiet", "--end-of-options"],
        );
        for c in candidates {
            let rev = format!("{c}^{{commit}}");
            let out = self
                .git(sess, url, "rev-parse", &args, &[&rev], MAX_SMALL_STDOUT)
                .await?;
            let sha = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if out.success && is_full_sha(&sha) {
                return Ok(Some(sha));
            }
        }
        Ok(None)
    }

    /// The files of the tree at `path` in `commit`, read with the chart limits, `.helmignore`
    /// applied.
    async fn export(
        &self,
        sess: &Session,
        mirror: &Path,
        url: &str,
        commit: &str,
        path: &str,
    ) -> Result<Vec<BufferedFile>, GitError> {
        let not_chart = |m: String| GitError::NotAChart {
            url: redact_url(url),
            path: path.to_string(),
            commit: commit.to_string(),
            message: m,
        };
        let treeish = format!("{commit}:{path}");
        if !path.is_empty() {
            let args = mirror_args(mirror, &["cat-file", "-t", "--"]);
            let out = self
                .git(sess, url, "cat-file", &args, &[&treeish], MAX_SMALL_STDOUT)
                .await?;
            let kind = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if !out.success {
                return Err(GitError::PathNotFound {
                    url: redact_url(url),
                    path: path.to_string(),
                    commit: commit.to_string(),
                });
            }
            if kind != "tree" {
                return Err(not_chart(format!("it is a {kind}, not a directory")));
            }
        }
        let limits = self.cfg.limits.archive_limits();
        let cap = usize::try_from(limits.max_archive_bytes).unwrap_or(usize::MAX);
        let args = mirror_args(
            mirror,
            &["archive", "--format=tar.gz", "--prefix=chart/", "--"],
        );
        let out = self
            .git(sess, url, "archive", &args, &[&treeish], cap)
            .await?;
        if out.stdout_over {
            return Err(GitError::LimitExceeded {
                url: redact_url(url),
                what: format!("compressed chart at {path:?}"),
                limit: limits.max_archive_bytes,
            });
        }
        if !out.success {
            return Err(GitError::Command {
                url: redact_url(url),
                what: "archive".into(),
                message: out.stderr,
            });
        }
        let bytes = out.stdout;
        let files = tokio::task::spawn_blocking(move || {
            helm_render::archive::read_archive(&bytes, &limits)
        })
        .await
        .map_err(|e| not_chart(e.to_string()))?
        .map_err(|e| match e {
            helm_render::ChartError::Archive(m) if m.contains("no files") => {
                not_chart("the directory is empty".into())
            }
            e => not_chart(e.to_string()),
        })?;
        Ok(apply_helmignore(files))
    }

    /// Adds the dependencies missing from `charts/` (see the module docs); errors name the
    /// dependency.
    async fn complete_dependencies(
        &self,
        sess: &Session,
        mirror: &Path,
        req: &GitRequest<'_>,
        commit: &str,
        path: &str,
        files: Vec<BufferedFile>,
    ) -> Result<Vec<BufferedFile>, GitError> {
        let mut files = files;
        // Each `file://` dependency may itself lack dependencies: work through a queue of
        // (prefix inside `files`, chart path in the repository, depth).
        let mut queue: Vec<(String, String, usize)> = vec![(String::new(), path.to_string(), 0)];
        let max_files = self.cfg.limits.max_files;
        let max_total = self.cfg.limits.max_decompressed_bytes;
        while let Some((prefix, chart_path, depth)) = queue.pop() {
            let own: Vec<BufferedFile> = files
                .iter()
                .filter_map(|f| {
                    f.name.strip_prefix(&prefix).map(|n| BufferedFile {
                        name: n.to_string(),
                        data: f.data.clone(),
                    })
                })
                .collect();
            let chart = load_chart_files(own, req.url, &chart_path, commit).await?;
            let present: HashSet<&str> = chart.dependencies.iter().map(|d| d.name()).collect();
            let locked: HashMap<&str, &str> = chart
                .lock
                .iter()
                .flatten()
                .map(|d| (d.name.as_str(), d.version.as_str()))
                .collect();
            for dep in &chart.metadata.dependencies {
                if present.contains(dep.name.as_str()) {
                    continue;
                }
                let derr = |m: String| GitError::Dependency {
                    name: dep.name.clone(),
                    message: m,
                };
                if req.skip_dep_update {
                    return Err(derr(format!(
                        "missing from charts/ of chart {:?} and skipDepUpdate is set",
                        chart.metadata.name
                    )));
                }
                if dep.name.is_empty()
                    || dep.name.contains(['/', '\\'])
                    || dep.name.starts_with('.')
                {
                    return Err(derr("invalid dependency name".into()));
                }
                let repo = dep.repository.as_str();
                let added: Vec<BufferedFile> = if let Some(rel) = repo.strip_prefix("file://") {
                    if depth + 1 > self.cfg.max_dependency_depth {
                        return Err(derr(format!(
                            "file:// dependencies nested deeper than {}",
                            self.cfg.max_dependency_depth
                        )));
                    }
                    let dep_path = resolve_relative(&chart_path, rel).ok_or_else(|| {
                        derr(format!(
                            "repository {repo:?} points outside the Git repository"
                        ))
                    })?;
                    let dep_files = self
                        .export(sess, mirror, req.url, commit, &dep_path)
                        .await
                        .map_err(|e| derr(e.to_string()))?;
                    let sub_prefix = format!("{prefix}charts/{}/", dep.name);
                    queue.push((sub_prefix.clone(), dep_path, depth + 1));
                    dep_files
                        .into_iter()
                        .map(|f| BufferedFile {
                            name: format!("{sub_prefix}{}", f.name),
                            data: f.data,
                        })
                        .collect()
                } else if repo.is_empty() {
                    return Err(derr(format!(
                        "missing from charts/ of chart {:?} and it names no repository",
                        chart.metadata.name
                    )));
                } else if repo.starts_with('@') || repo.starts_with("alias:") {
                    return Err(derr(format!(
                        "repository {repo:?} is a local Helm repository alias, which the operator does not have: use the repository URL or vendor the chart in charts/"
                    )));
                } else {
                    let Some(sources) = &self.deps else {
                        return Err(derr(format!(
                            "missing from charts/ and no chart repository source is configured to fetch it from {}",
                            redact_url(repo)
                        )));
                    };
                    let version = locked
                        .get(dep.name.as_str())
                        .filter(|v| !v.is_empty())
                        .copied()
                        .unwrap_or(dep.version.as_str());
                    let want = super::ChartRef {
                        repository: repo.to_string(),
                        name: dep.name.clone(),
                        version: version.to_string(),
                        plain_http: false,
                    };
                    let got = sources
                        .fetch(&want, &Credentials::anonymous())
                        .await
                        .map_err(|e| derr(format!("fetching from {}: {e}", redact_url(repo))))?;
                    vec![BufferedFile {
                        name: format!("{prefix}charts/{}-{}.tgz", dep.name, got.version),
                        data: Arc::from(got.bytes),
                    }]
                };
                files.extend(added);
                let total: u64 = files.iter().map(|f| f.data.len() as u64).sum();
                if files.len() > max_files || total > max_total {
                    return Err(GitError::LimitExceeded {
                        url: redact_url(req.url),
                        what: format!("chart {path:?} with its dependencies"),
                        limit: if files.len() > max_files {
                            max_files as u64
                        } else {
                            max_total
                        },
                    });
                }
            }
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(files)
    }
}

/// Marks a mirror as used now (best effort).
fn touch(p: &Path) {
    if let Ok(f) = std::fs::OpenOptions::new().write(true).open(p) {
        let _ = f.set_modified(SystemTime::now());
    }
}

/// `--git-dir=<mirror>` followed by `args`.
fn mirror_args(mirror: &Path, args: &[&str]) -> Vec<OsString> {
    let mut gd = OsString::from("--git-dir=");
    gd.push(mirror.as_os_str());
    std::iter::once(gd)
        .chain(args.iter().map(OsString::from))
        .collect()
}

/// git's stderr made fit for a status message: credentials removed, trimmed, bounded.
fn sanitize(stderr: &str, url: &str) -> String {
    let mut s = stderr.replace(url, &redact_url(url));
    if let Ok(u) = reqwest::Url::parse(url) {
        if let Some(p) = u.password().filter(|p| !p.is_empty()) {
            s = s.replace(p, "***");
        }
    }
    let s = s.trim();
    let mut out: String = s.chars().take(2000).collect();
    if out.len() < s.len() {
        out.push_str(" ...");
    }
    out.replace('\n', "; ")
}

/// Drops what the chart's `.helmignore` excludes (a file is dropped when it or any parent
/// directory is ignored, as Helm's directory walk skips ignored directories).
fn apply_helmignore(files: Vec<BufferedFile>) -> Vec<BufferedFile> {
    let rules = files
        .iter()
        .find(|f| f.name == ".helmignore")
        .map(|f| helm_render::ignore::IgnoreRules::parse(&String::from_utf8_lossy(&f.data)))
        .unwrap_or_default();
    let ignored = |name: &str| {
        name.match_indices('/')
            .any(|(i, _)| rules.ignored(name.get(..i).unwrap_or(name), true))
            || rules.ignored(name, false)
    };
    let mut out: Vec<BufferedFile> = files.into_iter().filter(|f| !ignored(&f.name)).collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Loads exported files as a chart off the async runtime; errors name the repository (without
/// credentials), the chart path and the commit.
async fn load_chart_files(
    files: Vec<BufferedFile>,
    url: &str,
    path: &str,
    commit: &str,
) -> Result<helm_render::Chart, GitError> {
    let not_a_chart = |message: String| GitError::NotAChart {
        url: redact_url(url),
        path: path.to_string(),
        commit: commit.to_string(),
        message,
    };
    tokio::task::spawn_blocking(move || helm_render::load_files(files))
        .await
        .map_err(|e| GitError::GitUnavailable(e.to_string()))?
        .map_err(|e| not_a_chart(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, data: &str) -> BufferedFile {
        BufferedFile {
            name: name.into(),
            data: Arc::from(data.as_bytes()),
        }
    }

    #[test]
    fn urls() {
        for ok in [
            "https://github.com/org/repo",
            "http://h/r.git",
            "ssh://git@example.com:2222/org/repo.git",
            "git://127.0.0.1:9418/repo",
            "file:///tmp/repo",
            "git@github.com:org/repo",
            "/srv/repo.git",
        ] {
            assert!(validate_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-uhttps://x",
            "ext::sh -c touch% /tmp/pwned",
            "fd::17",
            "ftp://h/r",
            "https://h/r x",
            "relative/dir",
            "https://",
        ] {
            assert!(validate_url(bad).is_err(), "{bad}");
        }
        let e = validate_url("ftp://u:secret@h/r").unwrap_err();
        assert!(!e.to_string().contains("secret"), "{e}");
        assert_eq!(e.reason(), "InvalidGitURL");
    }

    #[test]
    fn refs() {
        for ok in ["master", "feature/x", "v1.2.3", "refs/tags/v1", "0a4c9fc5"] {
            assert!(validate_ref(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-x",
            "--upload-pack=x",
            "a..b",
            "HEAD~1",
            "a^",
            "a:b",
            "x@{1}",
            "a b",
            "x.lock",
            "x/",
            "/x",
            "*",
        ] {
            assert!(validate_ref(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn paths() {
        assert_eq!(clean_path("./charts//app/").unwrap(), "charts/app");
        assert_eq!(clean_path("").unwrap(), "");
        assert_eq!(clean_path(".").unwrap(), "");
        for bad in ["../x", "a/../../b", "a/..", "/etc", "-x", "a\\b"] {
            assert!(clean_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn relative_dependency_paths() {
        assert_eq!(
            resolve_relative("charts/app", "../lib").as_deref(),
            Some("charts/lib")
        );
        assert_eq!(resolve_relative("app", "../lib").as_deref(), Some("lib"));
        assert_eq!(resolve_relative("app", "./sub").as_deref(), Some("app/sub"));
        assert_eq!(resolve_relative("app", "../../x"), None);
        assert_eq!(resolve_relative("", "../x"), None);
        assert_eq!(resolve_relative("app", "/etc"), None);
    }

    #[test]
    fn shas_and_hosts() {
        assert!(is_full_sha("0a4c9fc57e80036084707243b6de06e4c05469e0"));
        assert!(!is_full_sha("0a4c9fc5"));
        assert!(!is_full_sha("za4c9fc57e80036084707243b6de06e4c05469e0"));
        assert_eq!(
            http_host("https://u:p@git.example.com:8443/r").as_deref(),
            Some("git.example.com:8443")
        );
        assert_eq!(http_host("ssh://git@h/r"), None);
    }

    #[test]
    fn secrets() {
        let d = |pairs: &[(&str, &str)]| -> BTreeMap<String, Vec<u8>> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
                .collect()
        };
        let a =
            GitAuth::from_secret_data(&d(&[("username", "bob"), ("password", "hunter2")])).unwrap();
        assert!(!a.is_anonymous());
        assert!(!format!("{a:?}").contains("hunter2"));
        assert!(GitAuth::from_secret_data(&d(&[("username", "bob")])).is_err());
        assert!(GitAuth::from_secret_data(&d(&[
            ("username", "bob"),
            ("password", "x\nprotocol=http")
        ]))
        .is_err());
        let k = GitAuth::from_secret_data(&d(&[("identity", "KEY")])).unwrap();
        assert_eq!(k.identity.as_deref(), Some(&b"KEY\n"[..]));
        assert_ne!(
            GitSource::mirror_key("https://h/r", &a),
            GitSource::mirror_key("https://h/r", &GitAuth::anonymous())
        );
        assert_eq!(
            GitSource::mirror_key("https://h/r", &GitAuth::anonymous()),
            crate::source::sha256_hex(b"https://h/r")
        );
    }

    #[test]
    fn sanitizes_stderr() {
        let s = sanitize(
            "fatal: unable to access 'https://u:pw123@h/r/': 401\n",
            "https://u:pw123@h/r/",
        );
        assert!(!s.contains("pw123"), "{s}");
        assert!(s.contains("https://h/r/"), "{s}");
    }

    #[test]
    fn helmignore_drops_files_and_directories() {
        let files = vec![
            file(".helmignore", "*.md\nsecret/\n"),
            file("Chart.yaml", "name: a"),
            file("README.md", "x"),
            file("secret/key", "x"),
            file("templates/a.yaml", "x"),
            file("templates/.hidden", "x"),
        ];
        let names: Vec<String> = apply_helmignore(files)
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(names, vec![".helmignore", "Chart.yaml", "templates/a.yaml"]);
    }

    #[test]
    fn plain_local_dirs() {
        let d = std::env::temp_dir().join(format!("git-local-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("plain")).unwrap();
        std::fs::create_dir_all(d.join("repo/.git")).unwrap();
        let url = |p: &str| format!("file://{}", d.join(p).display());
        assert!(is_plain_local_dir(&url("plain")));
        assert!(!is_plain_local_dir(&url("repo")));
        assert!(!is_plain_local_dir(&url("missing")));
        assert!(!is_plain_local_dir("https://h/r"));
        let _ = std::fs::remove_dir_all(&d);
    }

    #[tokio::test]
    async fn capped_reads() {
        let data = vec![7u8; 100_000];
        let (out, over) = read_capped(&data[..], 10, false).await.unwrap();
        assert_eq!((out.len(), over), (10, true));
        let (out, over) = read_capped(&data[..], 200_000, true).await.unwrap();
        assert_eq!((out.len(), over), (100_000, false));
    }
}
