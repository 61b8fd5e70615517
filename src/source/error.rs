//! The error type of chart sources: one variant per failure a status condition reports, each
//! naming the (credential-free) URL and what failed, with a stable `reason()` string.

/// Why fetching a chart failed.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// HTTP 401.
    #[error("{url}: authentication required (HTTP 401)")]
    Unauthorized {
        /// The URL requested.
        url: String,
    },
    /// HTTP 403 (S3 adds its error code, e.g. `SignatureDoesNotMatch`).
    #[error("{url}: access denied (HTTP 403){detail}")]
    Forbidden {
        /// The URL requested.
        url: String,
        /// `": <code>: <message>"` from an S3 error body, or empty.
        detail: String,
    },
    /// HTTP 404 on the index or a chart URL.
    #[error("{url}: not found (HTTP 404)")]
    NotFound {
        /// The URL requested.
        url: String,
    },
    /// Any other unexpected HTTP status.
    #[error("{url}: unexpected HTTP status {status}{detail}")]
    Status {
        /// The URL requested.
        url: String,
        /// The status code.
        status: u16,
        /// Extra detail (S3 error code), or empty.
        detail: String,
    },
    /// The index has no entry for the chart.
    #[error("chart {name} not found in repository {repo}")]
    ChartNotFound {
        /// Chart name.
        name: String,
        /// Repository URL.
        repo: String,
    },
    /// The index has the chart but no version matching.
    #[error("chart {name} version {version} not found in repository {repo}")]
    VersionNotFound {
        /// Chart name.
        name: String,
        /// Requested version or constraint.
        version: String,
        /// Repository URL.
        repo: String,
    },
    /// `version` is neither an exact version in the index nor a valid constraint.
    #[error("invalid version constraint {version:?} for chart {name}: {message}")]
    InvalidConstraint {
        /// Chart name.
        name: String,
        /// The constraint.
        version: String,
        /// The parser's message.
        message: String,
    },
    /// Connect, read or overall timeout.
    #[error("{url}: request timed out")]
    Timeout {
        /// The URL requested.
        url: String,
    },
    /// Could not connect (after retries).
    #[error("{url}: connection failed: {message}")]
    Connect {
        /// The URL requested.
        url: String,
        /// Cause.
        message: String,
    },
    /// Other transport failure.
    #[error("{url}: request failed: {message}")]
    Transport {
        /// The URL requested.
        url: String,
        /// Cause.
        message: String,
    },
    /// The downloaded archive's sha256 differs from the index `digest`.
    #[error("{url}: digest mismatch: index says sha256:{expected}, downloaded sha256:{actual}")]
    DigestMismatch {
        /// The chart URL.
        url: String,
        /// Digest from the index.
        expected: String,
        /// Digest of the bytes received.
        actual: String,
    },
    /// The body ended early or the gzip/tar stream is cut.
    #[error("{url}: truncated chart archive: {message}")]
    Truncated {
        /// The chart URL.
        url: String,
        /// Cause.
        message: String,
    },
    /// A size or count limit of [`super::SourceLimits`] was exceeded.
    #[error("{url}: {what} exceeds the limit of {limit}")]
    LimitExceeded {
        /// The URL.
        url: String,
        /// What was too large.
        what: String,
        /// The limit.
        limit: u64,
    },
    /// The archive is not a valid chart.
    #[error("{url}: invalid chart archive: {message}")]
    InvalidArchive {
        /// The chart URL.
        url: String,
        /// Cause.
        message: String,
    },
    /// The index could not be parsed.
    #[error("{url}: invalid repository index: {message}")]
    InvalidIndex {
        /// The index URL.
        url: String,
        /// Cause.
        message: String,
    },
    /// An OCI manifest, tag list or token response is not what a Helm chart pull needs.
    #[error("{url}: invalid OCI response: {message}")]
    InvalidManifest {
        /// The chart reference (`oci://registry/repo:tag`).
        url: String,
        /// Cause.
        message: String,
    },
    /// A repository or chart URL could not be parsed.
    #[error("invalid URL {url:?}: {message}")]
    InvalidUrl {
        /// The URL as given (credentials removed).
        url: String,
        /// Cause.
        message: String,
    },
    /// No source handles this URL scheme.
    #[error("unsupported repository URL scheme {scheme:?} in {url}")]
    UnsupportedScheme {
        /// The scheme.
        scheme: String,
        /// The URL.
        url: String,
    },
    /// The pull secret's data is malformed (bad PEM, bad boolean, ...).
    #[error("invalid chart pull secret: {0}")]
    InvalidCredentials(String),
    /// TLS client setup failed.
    #[error("TLS setup for {url} failed: {message}")]
    Tls {
        /// Repository URL.
        url: String,
        /// Cause.
        message: String,
    },
    /// No usable AWS credentials, or STS failed.
    #[error("AWS credentials: {0}")]
    AwsCredentials(String),
    /// The on-disk cache failed.
    #[error("chart cache {path}: {message}")]
    Cache {
        /// File or directory.
        path: String,
        /// Cause.
        message: String,
    },
}

impl SourceError {
    /// A stable CamelCase reason for status conditions.
    pub fn reason(&self) -> &'static str {
        match self {
            SourceError::Unauthorized { .. } => "AuthenticationRequired",
            SourceError::Forbidden { .. } => "AccessDenied",
            SourceError::NotFound { .. } => "NotFound",
            SourceError::Status { .. } => "HTTPError",
            SourceError::ChartNotFound { .. } => "ChartNotFound",
            SourceError::VersionNotFound { .. } => "ChartVersionNotFound",
            SourceError::InvalidConstraint { .. } => "InvalidVersionConstraint",
            SourceError::Timeout { .. } => "Timeout",
            SourceError::Connect { .. } => "ConnectionFailed",
            SourceError::Transport { .. } => "TransportError",
            SourceError::DigestMismatch { .. } => "DigestMismatch",
            SourceError::Truncated { .. } => "TruncatedArchive",
            SourceError::LimitExceeded { .. } => "LimitExceeded",
            SourceError::InvalidArchive { .. } => "InvalidArchive",
            SourceError::InvalidIndex { .. } => "InvalidIndex",
            SourceError::InvalidManifest { .. } => "InvalidOCIManifest",
            SourceError::InvalidUrl { .. } => "InvalidURL",
            SourceError::UnsupportedScheme { .. } => "UnsupportedScheme",
            SourceError::InvalidCredentials(_) => "InvalidPullSecret",
            SourceError::Tls { .. } => "TLSError",
            SourceError::AwsCredentials(_) => "AWSCredentialsError",
            SourceError::Cache { .. } => "CacheError",
        }
    }

    /// Whether a retry with backoff may help (connect errors and 5xx).
    pub(crate) fn is_retryable(&self) -> bool {
        matches!(self, SourceError::Connect { .. })
            || matches!(self, SourceError::Status { status, .. } if *status >= 500)
    }
}

/// `url` without user info, for messages (credentials are never logged).
pub fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            if !u.username().is_empty() || u.password().is_some() {
                let _ = u.set_username("");
                let _ = u.set_password(None);
            }
            u.to_string()
        }
        // Unparsable: drop anything up to an '@' in the authority to be safe.
        Err(_) => match (url.find("://"), url.rfind('@')) {
            (Some(s), Some(a)) if a > s => format!(
                "{}{}",
                url.get(..s + 3).unwrap_or_default(),
                url.get(a + 1..).unwrap_or_default()
            ),
            _ => url.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_userinfo() {
        assert_eq!(
            redact_url("https://u:p@example.com/charts?x=1"),
            "https://example.com/charts?x=1"
        );
        assert_eq!(
            redact_url("weird://u:p@host:notaport/x"),
            "weird://host:notaport/x"
        );
    }

    #[test]
    fn reasons_are_stable() {
        let e = SourceError::VersionNotFound {
            name: "a".into(),
            version: "1.0.0".into(),
            repo: "https://r".into(),
        };
        assert_eq!(e.reason(), "ChartVersionNotFound");
        assert_eq!(
            e.to_string(),
            "chart a version 1.0.0 not found in repository https://r"
        );
        let e = SourceError::Status {
            url: "u".into(),
            status: 503,
            detail: String::new(),
        };
        assert!(e.is_retryable());
    }
}
