//! AWS credentials for S3: the pull secret's keys, else the environment
//! (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`), else IRSA web identity
//! (`AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` exchanged through STS
//! `AssumeRoleWithWebIdentity`, cached until shortly before expiry).

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use super::{Credentials, EnvLookup, SourceError};

/// Resolved signing keys.
#[derive(Clone, PartialEq, Eq)]
pub struct AwsKeys {
    /// Access key id.
    pub access_key_id: String,
    /// Secret key.
    pub secret_access_key: String,
    /// Session token.
    pub session_token: Option<String>,
}

impl std::fmt::Debug for AwsKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AwsKeys(<redacted>)")
    }
}

/// Web-identity credentials cache.
#[derive(Default)]
pub struct WebIdentity {
    cached: Mutex<Option<(AwsKeys, SystemTime)>>,
}

fn xml_tag(body: &str, t: &str) -> Option<String> {
    let open = format!("<{t}>");
    let start = body.find(&open)? + open.len();
    let len = body.get(start..)?.find(&format!("</{t}>"))?;
    body.get(start..start + len).map(|s| s.trim().to_string())
}

impl WebIdentity {
    /// Keys for this release: secret, environment, or web identity.
    pub async fn keys(
        &self,
        creds: &Credentials,
        env: &EnvLookup,
        client: &reqwest::Client,
        region: &str,
    ) -> Result<AwsKeys, SourceError> {
        if let (Some(a), Some(s)) = (&creds.s3.access_key_id, &creds.s3.secret_access_key) {
            return Ok(AwsKeys {
                access_key_id: a.clone(),
                secret_access_key: s.clone(),
                session_token: creds.s3.session_token.clone(),
            });
        }
        if let (Some(a), Some(s)) = (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
            return Ok(AwsKeys {
                access_key_id: a,
                secret_access_key: s,
                session_token: env("AWS_SESSION_TOKEN"),
            });
        }
        let (Some(token_file), Some(role)) =
            (env("AWS_WEB_IDENTITY_TOKEN_FILE"), env("AWS_ROLE_ARN"))
        else {
            return Err(SourceError::AwsCredentials(
                "no credentials in the pull secret, the environment or a web identity".into(),
            ));
        };
        if let Ok(g) = self.cached.lock() {
            if let Some((k, exp)) = g.as_ref() {
                if SystemTime::now() + Duration::from_secs(300) < *exp {
                    return Ok(k.clone());
                }
            }
        }
        let token = std::fs::read_to_string(&token_file).map_err(|e| {
            SourceError::AwsCredentials(format!("reading web identity token {token_file}: {e}"))
        })?;
        let endpoint = env("AWS_ENDPOINT_URL_STS")
            .unwrap_or_else(|| format!("https://sts.{region}.amazonaws.com"));
        let session = env("AWS_ROLE_SESSION_NAME").unwrap_or_else(|| "helmrelease-operator".into());
        let mut url = reqwest::Url::parse(&endpoint)
            .map_err(|e| SourceError::AwsCredentials(format!("STS endpoint {endpoint}: {e}")))?;
        url.query_pairs_mut()
            .append_pair("Action", "AssumeRoleWithWebIdentity")
            .append_pair("Version", "2011-06-15")
            .append_pair("RoleArn", &role)
            .append_pair("RoleSessionName", &session)
            .append_pair("WebIdentityToken", token.trim());
        let fail =
            |m: String| SourceError::AwsCredentials(format!("STS AssumeRoleWithWebIdentity: {m}"));
        let resp = client
            .get(url)
            .send()
            .await
            .map_err(|e| fail(super::repo::map_reqwest(&endpoint, &e).to_string()))?;
        let status = resp.status();
        let body = resp
            .text()
            .await
            .map_err(|e| fail(super::repo::map_reqwest(&endpoint, &e).to_string()))?;
        if !status.is_success() {
            let code = xml_tag(&body, "Code").unwrap_or_default();
            let msg = xml_tag(&body, "Message").unwrap_or_default();
            return Err(fail(format!("HTTP {status}: {code}: {msg}")));
        }
        let keys = AwsKeys {
            access_key_id: xml_tag(&body, "AccessKeyId")
                .ok_or_else(|| fail("no AccessKeyId".into()))?,
            secret_access_key: xml_tag(&body, "SecretAccessKey")
                .ok_or_else(|| fail("no SecretAccessKey".into()))?,
            session_token: xml_tag(&body, "SessionToken"),
        };
        let exp = xml_tag(&body, "Expiration")
            .and_then(|e| e.parse::<jiff::Timestamp>().ok())
            .map(SystemTime::from)
            .unwrap_or_else(|| SystemTime::now() + Duration::from_secs(900));
        if let Ok(mut g) = self.cached.lock() {
            *g = Some((keys.clone(), exp));
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_fields() {
        let b = "<R><Credentials><AccessKeyId>AK</AccessKeyId><SessionToken>t</SessionToken></Credentials></R>";
        assert_eq!(xml_tag(b, "AccessKeyId").as_deref(), Some("AK"));
        assert_eq!(xml_tag(b, "SecretAccessKey"), None);
        assert_eq!(xml_tag("<A>", "A"), None);
    }

    #[tokio::test]
    async fn secret_then_env_precedence() {
        let wi = WebIdentity::default();
        let client = reqwest::Client::new();
        let env: EnvLookup = std::sync::Arc::new(|k| match k {
            "AWS_ACCESS_KEY_ID" => Some("ENVAK".into()),
            "AWS_SECRET_ACCESS_KEY" => Some("ENVSK".into()),
            _ => None,
        });
        let k = wi
            .keys(&Credentials::anonymous(), &env, &client, "us-east-1")
            .await
            .unwrap();
        assert_eq!(k.access_key_id, "ENVAK");
        let mut c = Credentials::anonymous();
        c.s3.access_key_id = Some("SAK".into());
        c.s3.secret_access_key = Some("SSK".into());
        let k = wi.keys(&c, &env, &client, "us-east-1").await.unwrap();
        assert_eq!(k.access_key_id, "SAK");
        let none: EnvLookup = std::sync::Arc::new(|_| None);
        let e = wi
            .keys(&Credentials::anonymous(), &none, &client, "us-east-1")
            .await
            .unwrap_err();
        assert_eq!(e.reason(), "AWSCredentialsError");
    }
}
