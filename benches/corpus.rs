//! Corpus benchmark: every chart of `../shared/charts` rendered as `helm template` does
//! (load + render + sort), timed in process, next to real Helm v4.2.3 timed by
//! `../shared/tools/helm-oracle time --which load+template` in the same run; peak memory of
//! one `template` process (ours) and one `helm-oracle render` process (Helm in Python), both
//! measured with `/usr/bin/time`.
//!
//! Ours is timed twice: cold (`helm_render::set_process_caches(false)`: every render decodes,
//! compiles and parses afresh, like one `helm template`) and warm (caches on, the operator
//! rendering the same chart again).
//!
//! Run: `cargo bench --bench corpus` (add `-- --quick` for 5 iterations per chart). Prints a
//! Markdown table and writes it to `target/corpus-bench.md`. Skips when `../shared` is absent.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use helm_render::release::{render_release, template_text, ReleaseRenderOptions, TemplateOutput};
use helm_render::{ReleaseInfo, RenderOptions};

/// The allocator the operator binary ships with (`src/main.rs`), so in-process times match it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn shared() -> Option<PathBuf> {
    let p = match std::env::var_os("HELMRELEASE_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"),
    };
    p.join("charts").is_dir().then_some(p)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn ours_once(chart: &Path) -> Result<usize, String> {
    let c = helm_render::load_dir(chart).map_err(|e| e.to_string())?;
    let opts = ReleaseRenderOptions {
        render: RenderOptions {
            release: ReleaseInfo {
                name: "demo".into(),
                namespace: "demo-ns".into(),
                ..ReleaseInfo::default()
            },
            ..RenderOptions::default()
        },
        include_crds: true,
        ..Default::default()
    };
    let rel = render_release(c, &gotemplate::Map::new(), &opts).map_err(|e| e.to_string())?;
    let text = template_text(&rel, &TemplateOutput::default()).map_err(|e| e.to_string())?;
    Ok(text.len())
}

fn helm_ms(shared: &Path, chart: &Path, n: usize) -> Option<f64> {
    let out = Command::new(shared.join("tools/helm-oracle"))
        .arg("time")
        .arg(chart)
        .args([
            "-N",
            &n.to_string(),
            "--warmup",
            "2",
            "--which",
            "load+template",
            "--json",
        ])
        .output()
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    v["results"]["load+template"]["median_ms"].as_f64()
}

fn peak_rss_kb(cmd: &[&str]) -> Option<u64> {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .args(cmd)
        .output()
        .ok()?;
    let err = String::from_utf8_lossy(&out.stderr);
    err.lines().last()?.trim().parse().ok()
}

/// The 1-minute load average (`/proc/loadavg`), to say how busy the machine was.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn main() {
    let Some(shared) = shared() else {
        eprintln!("SKIP corpus bench: ../shared not found (set HELMRELEASE_SHARED)");
        return;
    };
    let quick = std::env::args().any(|a| a == "--quick");
    let iters = if quick { 5 } else { 20 };
    let bin = env!("CARGO_BIN_EXE_helmrelease-operator");
    let mut charts: Vec<PathBuf> = std::fs::read_dir(shared.join("charts"))
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.join("Chart.yaml").is_file())
                .collect()
        })
        .unwrap_or_default();
    charts.sort();
    let load_start = load_average();
    let mut rows = Vec::new();
    let (mut speedups, mut cold_speedups) = (Vec::new(), Vec::new());
    let (mut slower, mut slower_cold, mut more_mem) = (Vec::new(), Vec::new(), Vec::new());
    for chart in &charts {
        let name = chart
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        // Cold: every process-wide cache off, so each render loads, decodes, compiles and
        // parses afresh, as one `helm template` (and our one-shot `template`) does.
        helm_render::set_process_caches(false);
        if let Err(e) = ours_once(chart) {
            rows.push(format!(
                "| {name} | error: {} | | | | | | |",
                e.lines().next().unwrap_or("")
            ));
            continue;
        }
        let time_runs = || {
            let mut times = Vec::new();
            for _ in 0..iters {
                let t = Instant::now();
                let _ = ours_once(chart);
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            median(times)
        };
        let ours_cold = time_runs();
        // Warm: the operator's steady state, rendering the same chart again with its caches.
        helm_render::set_process_caches(true);
        let _ = ours_once(chart);
        let ours = time_runs();
        let helm = helm_ms(&shared, chart, iters).unwrap_or(f64::NAN);
        let chart_s = chart.to_string_lossy();
        let our_rss = peak_rss_kb(&[
            bin,
            "template",
            "demo",
            &chart_s,
            "-n",
            "demo-ns",
            "--include-crds",
        ]);
        let oracle = shared.join("tools/helm-oracle");
        let oracle_s = oracle.to_string_lossy();
        let helm_rss = peak_rss_kb(&[
            &oracle_s,
            "render",
            &chart_s,
            "-q",
            "--release-name",
            "demo",
            "-n",
            "demo-ns",
            "--include-crds",
        ]);
        let speedup = helm / ours;
        if speedup.is_finite() {
            speedups.push(speedup);
            if speedup < 1.0 {
                slower.push(name.clone());
            }
        }
        let cold_speedup = helm / ours_cold;
        if cold_speedup.is_finite() {
            cold_speedups.push(cold_speedup);
            if cold_speedup < 1.0 {
                slower_cold.push(name.clone());
            }
        }
        if let (Some(a), Some(b)) = (our_rss, helm_rss) {
            if a > b {
                more_mem.push(name.clone());
            }
        }
        let kb = |v: Option<u64>| {
            v.map(|k| format!("{:.1}", k as f64 / 1024.0))
                .unwrap_or_else(|| "?".into())
        };
        rows.push(format!(
            "| {name} | {ours_cold:.2} | {ours:.2} | {helm:.2} | {cold_speedup:.1}x | {speedup:.1}x | {} | {} |",
            kb(our_rss),
            kb(helm_rss)
        ));
        eprintln!("{}", rows.last().map(String::as_str).unwrap_or(""));
    }
    let mut md = String::from(
        "| chart | ours cold ms | ours warm ms | Helm ms | cold speedup | warm speedup | ours peak MiB | Helm peak MiB |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in &rows {
        md.push_str(r);
        md.push('\n');
    }
    let slowest = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    md.push_str(&format!(
        "\ncold: median speedup {:.1}x over {} charts (slowest {:.1}x), slower than Helm: {:?}\nwarm: median speedup {:.1}x (slowest {:.1}x), slower than Helm: {:?}\nmore memory than Helm: {:?}; load average {} at start, {} at end\n",
        median(cold_speedups.clone()),
        cold_speedups.len(),
        slowest(&cold_speedups),
        slower_cold,
        median(speedups.clone()),
        slowest(&speedups),
        slower,
        more_mem,
        load_start,
        load_average()
    ));
    println!("{md}");
    let _ = std::fs::create_dir_all(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let _ = std::fs::write(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/corpus-bench.md"),
        md,
    );
}
