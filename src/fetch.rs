//! The chart fetcher the operator runs with: `http(s)://` and `s3://` repositories through
//! [`crate::source`] (with the release's `chartPullSecret`), `file://` repositories and local
//! Git paths through [`LocalDirFetcher`]. Fetched archives are loaded and checked against the
//! source's limits before they reach the renderer.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use k8s_openapi::api::core::v1::Secret;
use kube::{Api, Client, ResourceExt};

use crate::api::{ChartRef, HelmRelease};
use crate::controller::chart::{fetched, ChartFetcher, FetchedChart, LocalDirFetcher};
use crate::source::{self, ChartSource, Credentials, SourceLimits, Sources};

/// Fetches charts for HelmReleases from every supported kind of repository.
pub struct OperatorFetcher {
    sources: Arc<Sources>,
    limits: SourceLimits,
    local: LocalDirFetcher,
    client: Client,
}

impl OperatorFetcher {
    /// A fetcher with its chart cache in `cache_dir`.
    pub fn new(client: Client, cache_dir: std::path::PathBuf) -> Result<Self, String> {
        let cfg = source::SourceConfig::new(cache_dir);
        let limits = cfg.limits.clone();
        let sources = Sources::new(cfg).map_err(|e| e.to_string())?;
        Ok(OperatorFetcher {
            sources: Arc::new(sources),
            limits,
            local: LocalDirFetcher::default(),
            client,
        })
    }

    /// The credentials of the release's `chart.chartPullSecret`, if it names one.
    async fn credentials(&self, hr: &HelmRelease) -> Result<Credentials, String> {
        let Some(secret) = hr.spec.chart.chart_pull_secret.as_ref() else {
            return Ok(Credentials::anonymous());
        };
        let ns = hr.namespace().unwrap_or_else(|| "default".to_string());
        let api: Api<Secret> = Api::namespaced(self.client.clone(), &ns);
        let s = api
            .get(&secret.name)
            .await
            .map_err(|e| format!("chartPullSecret {ns}/{}: {e}", secret.name))?;
        let data: BTreeMap<String, Vec<u8>> = s
            .data
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, v.0))
            .collect();
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
                _ => return self.local.fetch(hr).await,
            };
        let creds = self.credentials(hr).await?;
        let want = source::ChartRef {
            repository,
            name,
            version,
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
