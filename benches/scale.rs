//! The operator at scale: the real `helmrelease-operator run` binary against an in-process
//! kube-sandbox with `SCALE_RELEASES` HelmReleases (default 500). Reports the time until all
//! are Ready, the operator's CPU during that phase, the CPU per no-op reconcile in steady
//! state (resyncs with nothing changed; CPU from `/proc/<pid>/stat`, reconciles from the
//! operator's own `/metrics`), the API writes in steady state (must be zero) and the
//! process's peak RSS (`VmHWM`). Run: `cargo bench --bench scale`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use helmrelease_operator::api::HelmRelease;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{ListParams, PostParams};
use kube::{Api, Client};
use serde_json::json;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), &target)?;
        }
    }
    Ok(())
}

/// Clock ticks per second for `/proc/<pid>/stat` (`getconf CLK_TCK`, 100 on Linux).
fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// User + system CPU seconds of `pid` (all threads).
fn cpu_seconds(pid: u32, ticks: f64) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let num = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (num(11) + num(12)) / ticks
}

/// A `/proc/<pid>/status` field in KiB (`VmHWM`, `VmRSS`).
fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim_start_matches(':').split_whitespace().next())
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

async fn metric(port: u16, name: &str) -> Option<f64> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).await.ok()?;
    out.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn ready_count(api: &Api<HelmRelease>) -> usize {
    api.list(&ListParams::default())
        .await
        .map(|l| {
            l.items
                .iter()
                .filter(|hr| hr.status.as_ref().is_some_and(|s| s.is_ready()))
                .count()
        })
        .unwrap_or(0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` lists; nothing to run.
    }
    let releases = env_num("SCALE_RELEASES", 500) as usize;
    let sync = Duration::from_secs(env_num("SCALE_SYNC_SECS", 10));
    let workers = env_num("SCALE_WORKERS", 4);
    let ticks = clock_ticks();

    let work: PathBuf = std::env::temp_dir().join(format!("hr-scale-bench-{}", std::process::id()));
    let repo = work.join("repo");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/charts/e2e-app"),
        &repo.join("e2e-app"),
    )
    .expect("copy chart");

    let running = kube_sandbox::start().await.expect("sandbox");
    let client: Client = running.client().expect("client");
    Api::<CustomResourceDefinition>::all(client.clone())
        .create(&PostParams::default(), &helmrelease_operator::api::crd())
        .await
        .expect("crd");
    let kubeconfig = work.join("kubeconfig.yaml");
    running.write_kubeconfig(&kubeconfig).expect("kubeconfig");

    let metrics_port = free_port();
    let log = std::fs::File::create(work.join("operator.log")).expect("log");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_helmrelease-operator"))
        .args(["run", "--kubeconfig"])
        .arg(&kubeconfig)
        .args(["--sync-interval", &format!("{}s", sync.as_secs())])
        .args(["--workers", &workers.to_string()])
        .args(["--metrics-addr", &format!("127.0.0.1:{metrics_port}")])
        .args(["--health-addr", &format!("127.0.0.1:{}", free_port())])
        .args([
            "--chart-cache-dir",
            &work.join("cache").display().to_string(),
        ])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start operator");
    let child = Child(child);
    let pid = child.0.id();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_kib = status_kib(pid, "VmRSS");

    // Install phase.
    let api: Api<HelmRelease> = Api::namespaced(client.clone(), "default");
    let started = Instant::now();
    let cpu0 = cpu_seconds(pid, ticks);
    for i in 0..releases {
        let name = format!("scale-{i:04}");
        let hr: HelmRelease = serde_json::from_value(json!({
            "apiVersion": "helm.fluxcd.io/v1",
            "kind": "HelmRelease",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {
                "releaseName": name,
                "chart": {"git": format!("file://{}", repo.display()), "path": "e2e-app"},
                "values": {"message": name},
            },
        }))
        .expect("hr");
        api.create(&PostParams::default(), &hr)
            .await
            .expect("create hr");
    }
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        let n = ready_count(&api).await;
        if n == releases {
            break;
        }
        if Instant::now() > deadline {
            eprintln!("only {n} of {releases} releases Ready after 900 s; see {work:?}");
            std::process::exit(1);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let install_wall = started.elapsed();
    let install_cpu = cpu_seconds(pid, ticks) - cpu0;

    // Steady state: let the last status writes land, then watch three resync intervals.
    tokio::time::sleep(sync + Duration::from_secs(2)).await;
    let reconciles = "helmrelease_reconcile_total";
    let rv0 = running.sandbox().store().resource_version();
    let rec0 = metric(metrics_port, reconciles).await.unwrap_or(0.0);
    let dur0 = metric(metrics_port, "helmrelease_reconcile_duration_seconds_sum")
        .await
        .unwrap_or(0.0);
    let cpu1 = cpu_seconds(pid, ticks);
    tokio::time::sleep(sync * 3).await;
    let cpu2 = cpu_seconds(pid, ticks);
    let rec1 = metric(metrics_port, reconciles).await.unwrap_or(0.0);
    let dur1 = metric(metrics_port, "helmrelease_reconcile_duration_seconds_sum")
        .await
        .unwrap_or(0.0);
    let rv1 = running.sandbox().store().resource_version();
    let peak_kib = status_kib(pid, "VmHWM");
    let rss_kib = status_kib(pid, "VmRSS");

    let noop = rec1 - rec0;
    let steady_cpu = cpu2 - cpu1;
    println!("scale bench: {releases} HelmReleases, {workers} workers, sync interval {sync:?}");
    println!(
        "  operator RSS idle before any release: {:.1} MiB",
        idle_kib as f64 / 1024.0
    );
    println!(
        "  install: all Ready after {:.1} s wall, operator CPU {:.2} s ({:.1} ms per release)",
        install_wall.as_secs_f64(),
        install_cpu,
        install_cpu * 1000.0 / releases as f64
    );
    println!(
        "  steady state over {:?}: {noop} no-op reconciles, operator CPU {:.2} s = {:.2} ms CPU per reconcile, mean reconcile wall {:.2} ms",
        sync * 3,
        steady_cpu,
        if noop > 0.0 { steady_cpu * 1000.0 / noop } else { f64::NAN },
        if noop > 0.0 { (dur1 - dur0) * 1000.0 / noop } else { f64::NAN },
    );
    println!(
        "  API writes in steady state: {} (resourceVersion {rv0} -> {rv1})",
        rv1.saturating_sub(rv0)
    );
    println!(
        "  operator peak RSS (VmHWM): {:.1} MiB; RSS at end {:.1} MiB",
        peak_kib as f64 / 1024.0,
        rss_kib as f64 / 1024.0
    );
    drop(child);
    let _ = std::fs::remove_dir_all(&work);
}
