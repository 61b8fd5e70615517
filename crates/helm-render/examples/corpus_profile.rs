//! Profiling driver: renders one chart `N` times exactly as `benches/corpus.rs` does (load from
//! disk + render + sort, parse cache warm after the first run), so `valgrind --tool=callgrind`
//! or `perf` see the steady-state cost the corpus bench measures.
//!
//! Run: `cargo build --release -p helm-render --example corpus_profile` then
//! `target/release/examples/corpus_profile CHART_DIR [N]` (`COLD=1` turns the caches off).

use helm_render::release::{render_release, template_text, ReleaseRenderOptions, TemplateOutput};
use helm_render::{ReleaseInfo, RenderOptions};

/// The operator binary's allocator, as in the corpus bench.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn once(chart: &std::path::Path) -> Result<usize, String> {
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

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(chart) = args.next() else {
        eprintln!("usage: corpus_profile CHART_DIR [N]");
        std::process::exit(2);
    };
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(20);
    let chart = std::path::PathBuf::from(chart);
    // COLD=1: every process-wide cache off, as the corpus bench's cold column.
    if std::env::var_os("COLD").is_some() {
        helm_render::set_process_caches(false);
    }
    let mut total = 0;
    let start = std::time::Instant::now();
    for _ in 0..n {
        match once(&chart) {
            Ok(len) => total += len,
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        }
    }
    let per = start.elapsed().as_secs_f64() * 1000.0 / n.max(1) as f64;
    println!("{n} runs, {per:.3} ms/run, {total} bytes");
}
