//! `helmrelease-operator run`: connects to the cluster, serves health and metrics, takes the
//! leader Lease when asked, and runs the HelmRelease controller until SIGTERM/SIGINT (the
//! in-flight reconciles finish before exit).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use helmrelease_operator::controller::{self, chart::LocalDirFetcher, metrics::Metrics, Settings};
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use kube::api::{ObjectMeta, PostParams};
use kube::{Api, Client};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Path to a kubeconfig (default: $KUBECONFIG, ~/.kube/config, then in-cluster).
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    /// Only watch HelmReleases in this namespace (default: all namespaces).
    #[arg(long)]
    namespace: Option<String>,
    /// Concurrent reconciles.
    #[arg(long, default_value_t = 4)]
    workers: u16,
    /// Resync period of every HelmRelease (Go duration: 3m, 30s, 1h30m).
    #[arg(long, default_value = "3m", value_parser = parse_duration)]
    sync_interval: Duration,
    /// Directory for downloaded charts.
    #[arg(long)]
    chart_cache_dir: Option<PathBuf>,
    /// Address for Prometheus metrics (`/metrics`).
    #[arg(long)]
    metrics_addr: Option<String>,
    /// Address for `/healthz` and `/readyz`.
    #[arg(long)]
    health_addr: Option<String>,
    /// Take a Lease in $POD_NAMESPACE before reconciling.
    #[arg(long)]
    leader_elect: bool,
    /// Log format.
    #[arg(long, default_value = "text", value_parser = ["json", "text"])]
    log_format: String,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    helmrelease_operator::api::spec::parse_go_duration(s)
        .ok_or_else(|| format!("invalid duration {s:?}"))
}

fn init_logs(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,kube=warn"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if format == "json" {
        b.json().try_init()
    } else {
        b.try_init()
    };
}

async fn client(args: &Args) -> Result<Client, String> {
    let config = match &args.kubeconfig {
        Some(p) => {
            let kc = kube::config::Kubeconfig::read_from(p)
                .map_err(|e| format!("{}: {e}", p.display()))?;
            kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default())
                .await
                .map_err(|e| format!("{}: {e}", p.display()))?
        }
        None => kube::Config::infer().await.map_err(|e| e.to_string())?,
    };
    Client::try_from(config).map_err(|e| e.to_string())
}

/// Serves a tiny HTTP/1.1 endpoint set: `path -> (status, body)`.
async fn serve(addr: String, metrics: Arc<Metrics>, ready: Arc<AtomicBool>) {
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(%addr, error = %e, "cannot listen");
            return;
        }
    };
    loop {
        let Ok((mut sock, _)) = listener.accept().await else {
            continue;
        };
        let metrics = metrics.clone();
        let ready = ready.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            let n = sock.read(&mut buf).await.unwrap_or(0);
            let head = String::from_utf8_lossy(buf.get(..n).unwrap_or_default());
            let path = head.split_whitespace().nth(1).unwrap_or("/");
            let (code, body) = match path {
                "/healthz" => ("200 OK", "ok\n".to_string()),
                "/readyz" if ready.load(Ordering::Relaxed) => ("200 OK", "ok\n".to_string()),
                "/readyz" => ("503 Service Unavailable", "not ready\n".to_string()),
                "/metrics" => ("200 OK", metrics.render()),
                _ => ("404 Not Found", "not found\n".to_string()),
            };
            let resp = format!(
                "HTTP/1.1 {code}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(resp.as_bytes()).await;
        });
    }
}

const LEASE_NAME: &str = "helmrelease-operator";
const LEASE_SECONDS: i32 = 15;

fn micro_now() -> MicroTime {
    MicroTime(jiff::Timestamp::now())
}

/// Acquires the Lease (blocking until it is free or expired), then renews it in the
/// background. Returns a flag that turns false when the lease is lost.
async fn acquire_lease(client: Client, ns: String, id: String) -> Arc<AtomicBool> {
    let api: Api<Lease> = Api::namespaced(client, &ns);
    loop {
        match try_lease(&api, &id).await {
            Ok(true) => break,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "leader election"),
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    tracing::info!(%id, "acquired leadership");
    let held = Arc::new(AtomicBool::new(true));
    let h = held.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs((LEASE_SECONDS / 3) as u64)).await;
            if !matches!(try_lease(&api, &id).await, Ok(true)) {
                h.store(false, Ordering::Relaxed);
                return;
            }
        }
    });
    held
}

async fn try_lease(api: &Api<Lease>, id: &str) -> Result<bool, kube::Error> {
    let spec = LeaseSpec {
        holder_identity: Some(id.to_string()),
        lease_duration_seconds: Some(LEASE_SECONDS),
        renew_time: Some(micro_now()),
        acquire_time: Some(micro_now()),
        ..LeaseSpec::default()
    };
    match api.get_opt(LEASE_NAME).await? {
        None => {
            let l = Lease {
                metadata: ObjectMeta {
                    name: Some(LEASE_NAME.into()),
                    ..ObjectMeta::default()
                },
                spec: Some(spec),
            };
            match api.create(&PostParams::default(), &l).await {
                Ok(_) => Ok(true),
                Err(kube::Error::Api(s)) if s.code == 409 => Ok(false),
                Err(e) => Err(e),
            }
        }
        Some(mut l) => {
            let cur = l.spec.clone().unwrap_or_default();
            let mine = cur.holder_identity.as_deref() == Some(id);
            let expired = cur.renew_time.as_ref().is_none_or(|t| {
                let age = jiff::Timestamp::now().as_second() - t.0.as_second();
                age > i64::from(cur.lease_duration_seconds.unwrap_or(LEASE_SECONDS))
            });
            if !mine && !expired {
                return Ok(false);
            }
            let mut s = spec;
            if mine {
                s.acquire_time = cur.acquire_time;
            }
            l.spec = Some(s);
            match api.replace(LEASE_NAME, &PostParams::default(), &l).await {
                Ok(_) => Ok(true),
                Err(kube::Error::Api(s)) if s.code == 409 => Ok(false),
                Err(e) => Err(e),
            }
        }
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("shutting down: finishing in-flight reconciles");
}

async fn run_async(args: Args) -> Result<(), String> {
    init_logs(&args.log_format);
    let client = client(&args).await?;
    let metrics = Arc::new(Metrics::default());
    let ready = Arc::new(AtomicBool::new(false));
    for addr in [&args.metrics_addr, &args.health_addr]
        .into_iter()
        .flatten()
    {
        tokio::spawn(serve(addr.clone(), metrics.clone(), ready.clone()));
    }
    if let Some(dir) = &args.chart_cache_dir {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let lease = if args.leader_elect {
        let ns = std::env::var("POD_NAMESPACE").unwrap_or_else(|_| "default".into());
        let id = std::env::var("POD_NAME")
            .unwrap_or_else(|_| format!("helmrelease-operator-{}", std::process::id()));
        Some(acquire_lease(client.clone(), ns, id).await)
    } else {
        None
    };
    ready.store(true, Ordering::Relaxed);
    let settings = Settings {
        namespace: args.namespace.clone().filter(|n| !n.is_empty()),
        workers: args.workers,
        sync_interval: args.sync_interval,
        ..Settings::default()
    };
    let shutdown = async move {
        match lease {
            Some(held) => {
                let lost = async move {
                    while held.load(Ordering::Relaxed) {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    tracing::error!("lost leadership");
                };
                tokio::select! {
                    _ = shutdown_signal() => {}
                    _ = lost => {}
                }
            }
            None => shutdown_signal().await,
        }
    };
    let cache_dir = args
        .chart_cache_dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("helmrelease-operator-charts"));
    let fetcher: Arc<dyn controller::chart::ChartFetcher> =
        match helmrelease_operator::fetch::OperatorFetcher::new(client.clone(), cache_dir) {
            Ok(f) => Arc::new(f),
            Err(e) => {
                tracing::warn!("chart repositories unavailable ({e}); only local charts will work");
                Arc::new(LocalDirFetcher::default())
            }
        };
    controller::run(client, settings, fetcher, metrics, shutdown).await;
    Ok(())
}

/// Runs the command.
pub fn run(args: Args) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run_async(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}
