//! S3 repositories (helm-s3 layout): `s3://bucket/prefix` with an `index.yaml` whose entries
//! are relative or absolute `s3://` URLs, and direct `s3://bucket/key.tgz` charts. Requests
//! are signed with SigV4 (`aws-sigv4`) and sent with reqwest; a custom `endpoint` uses
//! path-style addressing for S3-compatible stores, AWS itself virtual-hosted style.

use std::sync::Arc;
use std::time::SystemTime;

use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Response, Url};

use super::http::ClientPool;
use super::repo::{self, RepoCache, Transport};
use super::sts::{AwsKeys, WebIdentity};
use super::{
    redact_url, sha256_hex, ChartRef, ChartSource, Credentials, EnvLookup, FetchedChart,
    HttpSettings, SourceConfig, SourceError,
};

/// Bucket and decoded key of an `s3://bucket/key` URL.
pub fn split_s3_url(url: &Url) -> Result<(String, String), SourceError> {
    let bad = |m: &str| SourceError::InvalidUrl {
        url: redact_url(url.as_str()),
        message: m.into(),
    };
    if url.scheme() != "s3" {
        return Err(bad("not an s3:// URL"));
    }
    let bucket = url
        .host_str()
        .filter(|b| !b.is_empty())
        .ok_or_else(|| bad("no bucket"))?;
    let key =
        percent_decode(url.path().trim_start_matches('/')).ok_or_else(|| bad("bad escape"))?;
    Ok((bucket.to_string(), key))
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// SigV4 URI encoding of an object key (`/` kept between segments).
fn encode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Where requests go.
#[derive(Clone, Debug)]
struct S3Target {
    region: String,
    endpoint: Option<String>,
}

impl S3Target {
    fn from(creds: &Credentials, env: &EnvLookup) -> S3Target {
        let region = creds
            .s3
            .region
            .clone()
            .or_else(|| env("AWS_REGION"))
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| "us-east-1".into());
        let endpoint = creds
            .s3
            .endpoint
            .clone()
            .or_else(|| env("AWS_ENDPOINT_URL_S3"))
            .or_else(|| env("AWS_ENDPOINT_URL"));
        S3Target { region, endpoint }
    }

    /// The HTTPS URL of `s3://bucket/key`.
    fn http_url(&self, s3: &Url) -> Result<Url, SourceError> {
        let (bucket, key) = split_s3_url(s3)?;
        let key = encode_key(&key);
        let s = match &self.endpoint {
            Some(ep) => format!("{}/{bucket}/{key}", ep.trim_end_matches('/')),
            None => format!("https://{bucket}.s3.{}.amazonaws.com/{key}", self.region),
        };
        Url::parse(&s).map_err(|e| SourceError::InvalidUrl {
            url: redact_url(s3.as_str()),
            message: format!("S3 endpoint: {e}"),
        })
    }
}

struct S3Transport<'a> {
    client: reqwest::Client,
    keys: AwsKeys,
    target: S3Target,
    settings: &'a HttpSettings,
}

impl S3Transport<'_> {
    fn signed_headers(&self, url: &Url) -> Result<HeaderMap, String> {
        let identity = aws_credential_types::Credentials::new(
            &self.keys.access_key_id,
            &self.keys.secret_access_key,
            self.keys.session_token.clone(),
            None,
            "helmrelease-operator",
        )
        .into();
        let mut settings = SigningSettings::default();
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.target.region)
            .name("s3")
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .map_err(|e| e.to_string())?
            .into();
        let req = SignableRequest::new(
            "GET",
            url.as_str(),
            std::iter::empty(),
            SignableBody::Bytes(&[]),
        )
        .map_err(|e| e.to_string())?;
        let (instr, _) = sign(req, &params).map_err(|e| e.to_string())?.into_parts();
        let mut h = HeaderMap::new();
        for (k, v) in instr.headers() {
            let name = HeaderName::from_bytes(k.as_bytes()).map_err(|e| e.to_string())?;
            let val = HeaderValue::from_str(v).map_err(|e| e.to_string())?;
            h.insert(name, val);
        }
        Ok(h)
    }
}

#[async_trait::async_trait]
impl Transport for S3Transport<'_> {
    async fn send(
        &self,
        url: &Url,
        headers: &HeaderMap,
        _auth: bool,
    ) -> Result<Response, reqwest::Error> {
        // Unmappable URLs become a request to an invalid URL, which reqwest reports as a
        // builder error (our URL checks ran before, so this is not expected).
        let target = self.target.http_url(url).unwrap_or_else(|_| url.clone());
        let mut rb = self.client.get(target.clone()).headers(headers.clone());
        if let Ok(signed) = self.signed_headers(&target) {
            rb = rb.headers(signed);
        }
        rb.send().await
    }

    fn settings(&self) -> &HttpSettings {
        self.settings
    }
}

/// `s3://` repositories.
pub struct S3Source {
    pool: ClientPool,
    shared: Arc<RepoCache>,
    env: EnvLookup,
    web_identity: WebIdentity,
}

impl S3Source {
    /// A source over `shared`.
    pub fn new(cfg: SourceConfig, shared: Arc<RepoCache>) -> S3Source {
        S3Source {
            pool: ClientPool::new(cfg.http),
            shared,
            env: cfg.env,
            web_identity: WebIdentity::default(),
        }
    }

    /// A direct `s3://bucket/key.tgz`: always fetched with the caller's keys (never from the
    /// cache), its version read from `Chart.yaml` and checked against `chart.version`.
    async fn fetch_direct(
        &self,
        t: &S3Transport<'_>,
        url: &Url,
        chart: &ChartRef,
    ) -> Result<FetchedChart, SourceError> {
        let shown = redact_url(url.as_str());
        let resp = repo::get(t, url, &HeaderMap::new(), true).await?;
        let limits = self.shared.limits();
        let mut bytes = Vec::new();
        repo::stream_body(
            resp,
            limits.max_chart_bytes,
            &shown,
            "chart archive",
            &mut bytes,
        )
        .await?;
        repo::check_archive(&bytes, limits, &shown)?;
        let loaded =
            helm_render::archive::load_archive(&bytes, &limits.archive_limits()).map_err(|e| {
                SourceError::InvalidArchive {
                    url: shown.clone(),
                    message: e.to_string(),
                }
            })?;
        let version = loaded.metadata.version.clone();
        let entry = super::index::IndexEntry {
            version: version.clone(),
            ..Default::default()
        };
        super::index::select(
            std::slice::from_ref(&entry),
            &chart.name,
            &chart.version,
            &shown,
        )?;
        Ok(FetchedChart {
            digest: sha256_hex(&bytes),
            bytes,
            version,
            url: shown,
        })
    }
}

#[async_trait::async_trait]
impl ChartSource for S3Source {
    async fn fetch(
        &self,
        chart: &ChartRef,
        creds: &Credentials,
    ) -> Result<FetchedChart, SourceError> {
        let url = Url::parse(&chart.repository).map_err(|e| SourceError::InvalidUrl {
            url: redact_url(&chart.repository),
            message: e.to_string(),
        })?;
        split_s3_url(&url)?;
        let target = S3Target::from(creds, &self.env);
        let client = self.pool.client(creds, &chart.repository)?;
        let keys = self
            .web_identity
            .keys(creds, &self.env, &client, &target.region)
            .await?;
        let t = S3Transport {
            client,
            keys,
            target,
            settings: self.pool.settings(),
        };
        if url.path().ends_with(".tgz") {
            return self.fetch_direct(&t, &url, chart).await;
        }
        // The fingerprint covers the resolved keys too (environment and web identity).
        let fp = sha256_hex(
            format!(
                "{}\0{}\0{}",
                creds.fingerprint(),
                t.keys.access_key_id,
                sha256_hex(t.keys.secret_access_key.as_bytes())
            )
            .as_bytes(),
        );
        self.shared.resolve(&t, chart, &fp).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_urls() {
        let t = S3Target {
            region: "eu-west-1".into(),
            endpoint: None,
        };
        let u = Url::parse("s3://bkt/pre%20fix/a+b.tgz").unwrap();
        assert_eq!(
            t.http_url(&u).unwrap().as_str(),
            "https://bkt.s3.eu-west-1.amazonaws.com/pre%20fix/a%2Bb.tgz"
        );
        let t = S3Target {
            region: "x".into(),
            endpoint: Some("http://127.0.0.1:9000/".into()),
        };
        assert_eq!(
            t.http_url(&Url::parse("s3://bkt/k.tgz").unwrap())
                .unwrap()
                .as_str(),
            "http://127.0.0.1:9000/bkt/k.tgz"
        );
        assert!(split_s3_url(&Url::parse("https://x/y").unwrap()).is_err());
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
    }
}
