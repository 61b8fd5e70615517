//! Per-release repository credentials, built from the data of the Secret named by
//! `spec.chart.chartPullSecret` (the caller reads the Secret and passes its data map).
//!
//! `Debug` never prints secret material; `fingerprint()` identifies a credential set for the
//! cache's "validated by this caller" bookkeeping without storing it.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::SourceError;

/// HTTP(S) and S3 credentials of one release.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// Basic auth user (`username`).
    pub username: Option<String>,
    /// Basic auth password (`password`).
    pub password: Option<String>,
    /// Extra CA bundle, PEM (`ca.crt`).
    pub ca_pem: Option<Vec<u8>>,
    /// Client certificate, PEM (`tls.crt`).
    pub cert_pem: Option<Vec<u8>>,
    /// Client key, PEM (`tls.key`).
    pub key_pem: Option<Vec<u8>>,
    /// Skip server certificate verification (`insecureSkipTLSVerify: "true"`); off by default.
    pub insecure_skip_tls_verify: bool,
    /// S3 settings and keys.
    pub s3: S3Credentials,
}

/// S3 keys of a pull secret; missing ones fall back to the environment.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct S3Credentials {
    /// `aws_access_key_id`.
    pub access_key_id: Option<String>,
    /// `aws_secret_access_key`.
    pub secret_access_key: Option<String>,
    /// `aws_session_token`.
    pub session_token: Option<String>,
    /// `region`.
    pub region: Option<String>,
    /// `endpoint` (S3-compatible store; path-style addressing).
    pub endpoint: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username.as_ref().map(|_| "<set>"))
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("ca", &self.ca_pem.is_some())
            .field("client_cert", &self.cert_pem.is_some())
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field("s3", &self.s3)
            .finish()
    }
}

impl std::fmt::Debug for S3Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Credentials")
            .field(
                "access_key_id",
                &self.access_key_id.as_ref().map(|_| "<set>"),
            )
            .field(
                "secret",
                &self.secret_access_key.as_ref().map(|_| "<redacted>"),
            )
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

fn text(data: &BTreeMap<String, Vec<u8>>, key: &str) -> Result<Option<String>, SourceError> {
    match data.get(key) {
        None => Ok(None),
        Some(b) => String::from_utf8(b.clone())
            .map(|s| Some(s.trim().to_string()).filter(|s| !s.is_empty()))
            .map_err(|_| SourceError::InvalidCredentials(format!("key {key} is not UTF-8"))),
    }
}

impl Credentials {
    /// No credentials (anonymous).
    pub fn anonymous() -> Credentials {
        Credentials::default()
    }

    /// Builds credentials from a Secret's (already base64-decoded) data.
    pub fn from_secret_data(data: &BTreeMap<String, Vec<u8>>) -> Result<Credentials, SourceError> {
        let insecure = match text(data, "insecureSkipTLSVerify")?.as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => {
                return Err(SourceError::InvalidCredentials(
                    "insecureSkipTLSVerify must be \"true\" or \"false\"".into(),
                ))
            }
        };
        let c = Credentials {
            username: text(data, "username")?,
            password: data
                .get("password")
                .map(|b| String::from_utf8(b.clone()))
                .transpose()
                .map_err(|_| SourceError::InvalidCredentials("key password is not UTF-8".into()))?,
            ca_pem: data.get("ca.crt").cloned(),
            cert_pem: data.get("tls.crt").cloned(),
            key_pem: data.get("tls.key").cloned(),
            insecure_skip_tls_verify: insecure,
            s3: S3Credentials {
                access_key_id: text(data, "aws_access_key_id")?,
                secret_access_key: text(data, "aws_secret_access_key")?,
                session_token: text(data, "aws_session_token")?,
                region: text(data, "region")?,
                endpoint: text(data, "endpoint")?,
            },
        };
        if c.cert_pem.is_some() != c.key_pem.is_some() {
            return Err(SourceError::InvalidCredentials(
                "tls.crt and tls.key must be given together".into(),
            ));
        }
        if c.s3.access_key_id.is_some() != c.s3.secret_access_key.is_some() {
            return Err(SourceError::InvalidCredentials(
                "aws_access_key_id and aws_secret_access_key must be given together".into(),
            ));
        }
        Ok(c)
    }

    /// A digest of everything that authenticates the caller (never stored in clear).
    pub fn fingerprint(&self) -> String {
        fingerprint_of(&[
            ("u", self.username.as_deref().map(str::as_bytes)),
            ("p", self.password.as_deref().map(str::as_bytes)),
            ("ca", self.ca_pem.as_deref()),
            ("c", self.cert_pem.as_deref()),
            ("k", self.key_pem.as_deref()),
            ("i", Some(&[u8::from(self.insecure_skip_tls_verify)])),
            ("ak", self.s3.access_key_id.as_deref().map(str::as_bytes)),
            (
                "sk",
                self.s3.secret_access_key.as_deref().map(str::as_bytes),
            ),
            ("st", self.s3.session_token.as_deref().map(str::as_bytes)),
            ("r", self.s3.region.as_deref().map(str::as_bytes)),
            ("e", self.s3.endpoint.as_deref().map(str::as_bytes)),
        ])
    }
}

/// sha256 hex over tagged, length-prefixed optional fields (so `("a", "bc")` and
/// `("ab", "c")` or a missing and an empty field never collide).
pub(crate) fn fingerprint_of(fields: &[(&str, Option<&[u8]>)]) -> String {
    let mut h = Sha256::new();
    for (tag, v) in fields {
        h.update(tag.as_bytes());
        match v {
            None => h.update([0u8]),
            Some(b) => {
                h.update([1u8]);
                h.update((b.len() as u64).to_le_bytes());
                h.update(b);
            }
        }
    }
    super::hex(&h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn parses_basic_and_s3_keys() {
        let c = Credentials::from_secret_data(&data(&[
            ("username", "bob"),
            ("password", "s3cret"),
            ("aws_access_key_id", "AK"),
            ("aws_secret_access_key", "SK"),
            ("region", "eu-west-1"),
        ]))
        .unwrap();
        assert_eq!(c.username.as_deref(), Some("bob"));
        assert_eq!(c.password.as_deref(), Some("s3cret"));
        assert_eq!(c.s3.region.as_deref(), Some("eu-west-1"));
        assert!(!c.insecure_skip_tls_verify);
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("s3cret") && !dbg.contains("SK"), "{dbg}");
    }

    #[test]
    fn rejects_half_pairs_and_bad_bool() {
        assert!(Credentials::from_secret_data(&data(&[("tls.crt", "x")])).is_err());
        assert!(Credentials::from_secret_data(&data(&[("insecureSkipTLSVerify", "yes")])).is_err());
        assert!(Credentials::from_secret_data(&data(&[("aws_access_key_id", "a")])).is_err());
    }

    #[test]
    fn fingerprints_differ() {
        let a =
            Credentials::from_secret_data(&data(&[("username", "a"), ("password", "b")])).unwrap();
        let b =
            Credentials::from_secret_data(&data(&[("username", "a"), ("password", "c")])).unwrap();
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), Credentials::anonymous().fingerprint());
        assert_eq!(a.fingerprint(), a.clone().fingerprint());
    }
}
