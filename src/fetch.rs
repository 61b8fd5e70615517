//! The chart fetcher the operator runs with: `http(s)://` and `s3://` repositories through
//! [`crate::source`] (with the release's `chartPullSecret`), Git charts (`chart.git`) through
//! [`GitSource`] (with the release's `chart.secretRef`), `file://` repositories and local
//! directories that are not Git repositories through [`LocalDirFetcher`]. Fetched archives
//! are loaded and checked against the source's limits before they reach the renderer.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use k8s_openapi::api::core::v1::Secret;
use kube::{Api, Client, ResourceExt};

use crate::api::{ChartRef, HelmRelease};
use crate::controller::chart::{fetched, ChartFetcher, FetchedChart, LocalDirFetcher};
use crate::source::git::{GitAuth, GitConfig, GitRequest, GitSource};
use crate::source::{self, ChartSource, Credentials, SourceLimits, Sources};

/// Fetches charts for HelmReleases from every supported kind of repository.
pub struct OperatorFetcher {
    sources: Arc<Sources>,
    limits: SourceLimits,
    local: LocalDirFetcher,
    git: GitSource,
    client: Client,
}

impl OperatorFetcher {
    /// A fetcher with its chart cache in `cache_dir`.
    pub fn new(client: Client, cache_dir: std::path::PathBuf) -> Result<Self, String> {
        let git_cfg = GitConfig::new(cache_dir.clone());
        let cfg = source::SourceConfig::new(cache_dir);
        let limits = cfg.limits.clone();
        let sources = Arc::new(Sources::new(cfg).map_err(|e| e.to_string())?);
        let git = GitSource::new(
            GitConfig {
                limits: limits.clone(),
                ..git_cfg
            },
            Some(sources.clone()),
        );
        Ok(OperatorFetcher {
            sources,
            limits,
            local: LocalDirFetcher::default(),
            git,
            client,
        })
    }

    /// The Git credentials of the release's `chart.secretRef`, if it names one. The Secret
    /// must be in the release's namespace (a release may not read other namespaces' secrets).
    async fn git_auth(&self, hr: &HelmRelease) -> Result<GitAuth, String> {
        let Some(secret) = hr.spec.chart.secret_ref.as_ref() else {
            return Ok(GitAuth::anonymous());
        };
        let ns = hr.namespace().unwrap_or_else(|| "default".to_string());
        if secret
            .namespace
            .as_deref()
            .is_some_and(|n| !n.is_empty() && n != ns)
        {
            return Err(format!(
                "chart.secretRef {}/{}: the secret must be in the HelmRelease's namespace {ns}",
                secret.namespace.as_deref().unwrap_or_default(),
                secret.name
            ));
        }
        let data = self
            .secret_data(&ns, &secret.name)
            .await
            .map_err(|e| format!("chart.secretRef {ns}/{}: {e}", secret.name))?;
        GitAuth::from_secret_data(&data)
            .map_err(|e| format!("chart.secretRef {ns}/{}: {e}", secret.name))
    }

    /// A chart from Git: a real repository through [`GitSource`] (the commit becomes the
    /// source revision); a local directory that is not a Git repository is read directly.
    async fn fetch_git(
        &self,
        hr: &HelmRelease,
        url: &str,
        git_ref: &str,
        path: &str,
    ) -> Result<FetchedChart, String> {
        if source::git::is_plain_local_dir(url) {
            return self.local.fetch(hr).await;
        }
        let auth = self.git_auth(hr).await?;
        let req = GitRequest {
            url,
            git_ref,
            path,
            skip_dep_update: hr.spec.chart.skip_dep_update,
        };
        let got = self
            .git
            .fetch(&req, &auth)
            .await
            .map_err(|e| format!("{}: {e}", e.reason()))?;
        let mut f = fetched(got.chart);
        f.source_revision = Some(got.commit);
        Ok(f)
    }

    /// The data of Secret `ns/name` (the contents never reach an error message).
    async fn secret_data(
        &self,
        ns: &str,
        name: &str,
    ) -> Result<BTreeMap<String, Vec<u8>>, kube::Error> {
        let api: Api<Secret> = Api::namespaced(self.client.clone(), ns);
        let s = api.get(name).await?;
        Ok(s.data
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, v.0))
            .collect())
    }

    /// The credentials of the release's `chart.chartPullSecret`, if it names one.
    async fn credentials(&self, hr: &HelmRelease) -> Result<Credentials, String> {
        let Some(secret) = hr.spec.chart.chart_pull_secret.as_ref() else {
            return Ok(Credentials::anonymous());
        };
        let ns = hr.namespace().unwrap_or_else(|| "default".to_string());
        let data = self
            .secret_data(&ns, &secret.name)
            .await
            .map_err(|e| format!("chartPullSecret {ns}/{}: {e}", secret.name))?;
        Credentials::from_secret_data(&data)
            .map_err(|e| format!("chartPullSecret {ns}/{}: {e}", secret.name))
    }
}

#[async_trait]
impl ChartFetcher for OperatorFetcher {
    async fn fetch(&self, hr: &HelmRelease) -> Result<FetchedChart, String> {
        let (repository, name, version) =
            match hr.spec.chart.resolve().map_err(|e| e.to_string())? {
                ChartRef::Repo {
                    repository,
                    name,
                    version,
                } if repository.starts_with("http://")
                    || repository.starts_with("https://")
                    || repository.starts_with("s3://")
                    || repository.starts_with("oci://") =>
                {
                    (
                        repository.to_string(),
                        name.to_string(),
                        version.to_string(),
                    )
                }
                ChartRef::Git { url, git_ref, path } => {
                    return self.fetch_git(hr, url, git_ref, path).await
                }
                _ => return self.local.fetch(hr).await,
            };
        let creds = self.credentials(hr).await?;
        let want = source::ChartRef {
            repository,
            name,
            version,
            plain_http: hr.spec.chart.plain_http,
        };
        let got = self
            .sources
            .fetch(&want, &creds)
            .await
            .map_err(|e| format!("{}: {e}", e.reason()))?;
        let limits = self.limits.archive_limits();
        let chart = tokio::task::spawn_blocking(move || {
            helm_render::archive::load_archive(&got.bytes, &limits)
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("chart {} from {}: {e}", want.name, want.repository))?;
        Ok(fetched(chart))
    }
}
