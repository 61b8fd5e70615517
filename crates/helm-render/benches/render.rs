//! Render benchmarks: a typical Deployment chart (`testdata/charts/bench-deployment`, about
//! 25 include/nindent calls) with its small values and with ~200 KB of extra values, through
//! the engine alone and through the whole release render (dependencies, coalescing, sorting).
//!
//! The large values file is also written to `target/bench-data/values-200k.yaml` so Helm can
//! be timed on the same input: `../shared/tools/helm-oracle time
//! testdata/charts/bench-deployment -f target/bench-data/values-200k.yaml --which engine`.

use std::path::PathBuf;

/// The allocator the operator binary ships with (see the root `Cargo.toml`), so the bench
/// measures what runs in production.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, Criterion};
use gotemplate::{Map, Value};
use helm_render::release::{render_release, ReleaseRenderOptions};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// About 200 KB of values YAML: many services with nested maps, lists and strings.
fn large_values_yaml() -> String {
    let mut s = String::from("extra:\n");
    let mut i = 0;
    while s.len() < 200 * 1024 {
        s.push_str(&format!(
            "  service{i}:\n    enabled: {}\n    port: {}\n    host: svc-{i}.example.internal\n    labels:\n      tier: backend\n      index: \"{i}\"\n    args:\n      - --verbose\n      - --id={i}\n",
            i % 2 == 0,
            8000 + i
        ));
        i += 1;
    }
    s
}

fn bench(c: &mut Criterion) {
    let dir = repo_root().join("testdata/charts/bench-deployment");
    let chart = helm_render::load_dir(&dir).expect("bench chart loads");
    let large_text = large_values_yaml();
    let out_dir = repo_root().join("target/bench-data");
    let _ = std::fs::create_dir_all(&out_dir);
    let _ = std::fs::write(out_dir.join("values-200k.yaml"), &large_text);
    let large = helm_render::values::parse_values_keep_nulls(&large_text).expect("values parse");
    let opts = ReleaseRenderOptions::default();

    for (label, user) in [("small", Map::new()), ("200k", large)] {
        let values = helm_render::coalesce::coalesce_values(&chart, &user).expect("coalesces");
        c.bench_function(&format!("engine/{label}"), |b| {
            b.iter(|| helm_render::render(&chart, &values, &opts.render).expect("renders"))
        });
        // A first render of a chart, as `helm template` always pays: templates parsed anew
        // each time and not kept (process caches off, as the one-shot `template` command
        // runs). The text also changes every iteration so nothing could hit anyway.
        helm_render::set_process_caches(false);
        let mut n = 0u64;
        c.bench_function(&format!("engine-cold/{label}"), |b| {
            b.iter(|| {
                n += 1;
                let mut fresh = chart.clone();
                for t in &mut fresh.templates {
                    let mut data = t.data.to_vec();
                    data.extend_from_slice(format!("{{{{/* {n} */}}}}").as_bytes());
                    t.data = data.into();
                }
                helm_render::render(&fresh, &values, &opts.render).expect("renders")
            })
        });
        helm_render::set_process_caches(true);
        c.bench_function(&format!("release/{label}"), |b| {
            b.iter(|| render_release(chart.clone(), &user, &opts).expect("renders"))
        });
    }
    let _ = Value::Nil;
}

criterion_group!(benches, bench);
criterion_main!(benches);
