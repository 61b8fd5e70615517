//! Resolving one chart from a large synthetic `index.yaml` (default 100 MB, `INDEX_BENCH_MB`):
//! wall time and peak extra heap (counting allocator) of a cold resolve (download + streaming
//! parse), a warm resolve (304 + memo) and a parse from disk, against the size of the wanted
//! chart's own entries. Run: `cargo bench --bench index`.

use std::alloc::System;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cap::Cap;
use helmrelease_operator::source::index::read_chart_entries;
use helmrelease_operator::source::{ChartRef, ChartSource, Credentials, SourceConfig, Sources};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[global_allocator]
static ALLOC: Cap<System> = Cap::new(System, usize::MAX);

const VERSIONS: usize = 100;
const WANTED: &str = "chart-01000";

fn chart_tgz() -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let body = format!("apiVersion: v2\nname: {WANTED}\nversion: 1.50.0\n");
    let mut h = tar::Header::new_gnu();
    h.set_size(body.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    let _ = tar.append_data(&mut h, format!("{WANTED}/Chart.yaml"), body.as_bytes());
    tar.into_inner()
        .and_then(|g| g.finish())
        .unwrap_or_default()
}

/// Writes the index entry by entry; returns (file size, bytes of the wanted chart's entries).
fn generate(path: &std::path::Path, target: u64, digest: &str, first: usize) -> (u64, u64) {
    let f = std::fs::File::create(path).expect("create index");
    let mut w = std::io::BufWriter::new(f);
    let mut total = 0u64;
    let mut wanted = 0u64;
    let put = |w: &mut std::io::BufWriter<std::fs::File>, s: &str| {
        w.write_all(s.as_bytes()).expect("write");
        s.len() as u64
    };
    total += put(&mut w, "apiVersion: v1\nentries:\n");
    let mut i = first;
    while total < target || i <= 1000 {
        let name = format!("chart-{i:05}");
        total += put(&mut w, &format!("  {name}:\n"));
        for v in 0..VERSIONS {
            let e = format!(
                "  - apiVersion: v2\n    appVersion: \"{v}.0\"\n    created: \"2024-01-01T00:00:00.000000000Z\"\n    description: A synthetic chart used to measure index resolution with many versions\n    digest: {digest}\n    home: https://example.invalid/{name}\n    maintainers:\n    - email: team@example.invalid\n      name: team\n    name: {name}\n    sources:\n    - https://example.invalid/src/{name}\n    urls:\n    - charts/{name}-1.{v}.0.tgz\n    version: 1.{v}.0\n"
            );
            let n = put(&mut w, &e);
            total += n;
            if name == WANTED {
                wanted += n;
            }
        }
        i += 1;
    }
    total += put(&mut w, "generated: \"2024-01-01T00:00:00Z\"\n");
    w.flush().expect("flush");
    (total, wanted)
}

/// A tiny HTTP/1.1 server: `/index.yaml` streamed from disk with an ETag, any `.tgz` → chart.
async fn serve(listener: tokio::net::TcpListener, index: std::path::PathBuf, chart: Arc<Vec<u8>>) {
    loop {
        let Ok((mut tcp, _)) = listener.accept().await else {
            return;
        };
        let (index, chart) = (index.clone(), chart.clone());
        tokio::spawn(async move {
            let mut buf = vec![0u8; 8192];
            let mut n = 0;
            while n < buf.len() {
                match tcp.read(&mut buf[n..]).await {
                    Ok(0) | Err(_) => return,
                    Ok(k) => n += k,
                }
                if buf[..n].windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            let req = String::from_utf8_lossy(&buf[..n]).to_string();
            let path = req.split_whitespace().nth(1).unwrap_or("/").to_string();
            if path.ends_with("/index.yaml") {
                if req.to_ascii_lowercase().contains("if-none-match: \"v1\"") {
                    let _ = tcp
                        .write_all(b"HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nConnection: close\r\n\r\n")
                        .await;
                    return;
                }
                let Ok(mut f) = tokio::fs::File::open(&index).await else {
                    return;
                };
                let len = f.metadata().await.map(|m| m.len()).unwrap_or(0);
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nETag: \"v1\"\r\nConnection: close\r\n\r\n"
                );
                let _ = tcp.write_all(head.as_bytes()).await;
                let _ = tokio::io::copy(&mut f, &mut tcp).await;
            } else {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    chart.len()
                );
                let _ = tcp.write_all(head.as_bytes()).await;
                let _ = tcp.write_all(&chart).await;
            }
            let _ = tcp.shutdown().await;
        });
    }
}

struct Measure {
    label: &'static str,
    time: Duration,
    peak_extra: usize,
}

async fn measure<F: std::future::Future<Output = ()>>(label: &'static str, f: F) -> Measure {
    let base = ALLOC.allocated();
    let before_max = ALLOC.max_allocated();
    let t = Instant::now();
    f.await;
    let time = t.elapsed();
    let after_max = ALLOC.max_allocated();
    // max_allocated cannot be reset: if this step did not raise it, report the bound it proves.
    let peak_extra = after_max.max(before_max).saturating_sub(base);
    Measure {
        label,
        time,
        peak_extra,
    }
}

/// Runs one step in this (fresh) process and prints `label|nanos|peak_extra`.
fn run_step(step: &str, dir: &std::path::Path) {
    let index_path = dir.join("index.yaml");
    let small_path = dir.join("small.yaml");
    if step.starts_with("parse") || step == "noop" {
        // No runtime, server or client: the high-water mark before the step is the baseline.
        let parse = |p: &std::path::Path, name: &str| {
            let f = std::fs::File::open(p).expect("open");
            read_chart_entries(std::io::BufReader::new(f), name, "bench").expect("parse")
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("rt");
        let m = rt.block_on(async {
            match step {
                "noop" => measure("empty step (harness cost)", async {}).await,
                "parse-tiny" => {
                    measure("parse of a 13-byte index from memory (fixed cost)", async {
                        let e = read_chart_entries(&b"entries: {}\n"[..], "absent", "bench")
                            .expect("parse");
                        assert!(e.is_none());
                    })
                    .await
                }
                "parse-none" => {
                    measure(
                        "streaming parse of the small index for an absent chart",
                        async {
                            assert!(parse(&small_path, "absent").is_none());
                        },
                    )
                    .await
                }
                "parse-small" => {
                    measure(
                        "streaming parse of an index holding only the wanted chart",
                        async {
                            assert_eq!(parse(&small_path, WANTED).map(|e| e.len()), Some(VERSIONS));
                        },
                    )
                    .await
                }
                _ => {
                    measure(
                        "streaming parse of the large index file (wanted chart's entries kept)",
                        async {
                            assert_eq!(parse(&index_path, WANTED).map(|e| e.len()), Some(VERSIONS));
                        },
                    )
                    .await
                }
            }
        });
        println!("{}|{}|{}", m.label, m.time.as_nanos(), m.peak_extra);
        return;
    }
    let chart = Arc::new(chart_tgz());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let step = step.to_string();
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(serve(listener, index_path.clone(), chart.clone()));
        let mut cfg = SourceConfig::new(dir.join(format!("cache-{step}")));
        cfg.env = Arc::new(|_| None);
        let src = Sources::new(cfg).expect("sources");
        let c = ChartRef {
            repository: format!("http://{addr}/repo"),
            name: WANTED.into(),
            version: "~1.50".into(),
            plain_http: false,
        };
        let anon = Credentials::anonymous();
        let m = match step.as_str() {
            "cold" => {
                measure("cold resolve (download + stream to disk + streaming parse + select + chart)", async {
                    let f = src.fetch(&c, &anon).await.expect("cold resolve");
                    assert_eq!(f.version, "1.50.0");
                })
                .await
            }
            _ => {
                src.fetch(&c, &anon).await.expect("cold resolve");
                measure("warm resolve (conditional GET → 304, memoised entries; peak bounded by the cold step)", async {
                    let f = src.fetch(&c, &anon).await.expect("warm resolve");
                    assert_eq!(f.version, "1.50.0");
                })
                .await
            }
        };
        println!("{}|{}|{}", m.label, m.time.as_nanos(), m.peak_extra);
    });
}

fn main() {
    if let (Ok(step), Ok(dir)) = (
        std::env::var("INDEX_BENCH_STEP"),
        std::env::var("INDEX_BENCH_DIR"),
    ) {
        run_step(&step, std::path::Path::new(&dir));
        return;
    }
    let mb: u64 = std::env::var("INDEX_BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let chart = chart_tgz();
    let dir = std::env::temp_dir().join(format!("index-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let digest: String = {
        use sha2::Digest;
        sha2::Sha256::digest(chart.as_slice())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let t = Instant::now();
    let (size, wanted) = generate(&dir.join("index.yaml"), mb * 1024 * 1024, &digest, 0);
    generate(&dir.join("small.yaml"), 0, &digest, 1000);
    eprintln!("generated {size} bytes in {:?}", t.elapsed());
    println!(
        "index: {:.1} MiB, wanted chart `{WANTED}`: {VERSIONS} versions, {} bytes of YAML entries (2x = {} bytes)\n",
        size as f64 / 1048576.0,
        wanted,
        wanted * 2
    );
    println!("| step (each in a fresh process) | time | peak extra heap |");
    println!("|---|---|---|");
    let exe = std::env::current_exe().expect("exe");
    for step in [
        "noop",
        "parse-tiny",
        "parse-none",
        "parse-small",
        "parse",
        "cold",
        "warm",
    ] {
        let out = std::process::Command::new(&exe)
            .env("INDEX_BENCH_STEP", step)
            .env("INDEX_BENCH_DIR", &dir)
            .output()
            .expect("run step");
        let text = String::from_utf8_lossy(&out.stdout);
        let Some(line) = text.lines().last() else {
            eprintln!(
                "step {step} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            continue;
        };
        let parts: Vec<&str> = line.split('|').collect();
        if let [label, nanos, peak] = parts.as_slice() {
            let nanos: u64 = nanos.parse().unwrap_or(0);
            let peak: u64 = peak.parse().unwrap_or(0);
            println!(
                "| {label} | {:.2?} | {peak} bytes ({:.1} KiB) |",
                Duration::from_nanos(nanos),
                peak as f64 / 1024.0
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
