//! Parse-only workload for profiling the lexer and parser: parses the bench chart's
//! templates (`testdata/charts/bench-deployment/templates`) N times (default 2000) and prints
//! the time per parse. Run under `valgrind --tool=callgrind` for instruction counts:
//! `cargo build --release -p gotemplate --example parse_bench` then
//! `valgrind --tool=callgrind target/release/examples/parse_bench 200`.

use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2000);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/charts/bench-deployment/templates");
    let mut files = Vec::new();
    for name in ["_helpers.tpl", "deployment.yaml"] {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(text) => files.push((name.to_string(), text)),
            Err(e) => {
                eprintln!("cannot read {name}: {e}");
                std::process::exit(1);
            }
        }
    }
    // Any identifier is a function: parsing is what is measured.
    if std::env::var_os("SIZES").is_some() {
        sizes();
    }
    let is_func = |_: &str| true;
    let start = Instant::now();
    let mut trees = 0;
    for i in 0..n {
        for (name, text) in &files {
            // A fresh text each time, as a cold render sees.
            let text = format!("{text}{{{{/* {i} */}}}}");
            match gotemplate::parse::parse(name, &text, &is_func) {
                Ok(t) => trees += t.len(),
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(1);
                }
            }
        }
    }
    let per = start.elapsed() / u32::try_from(n.max(1)).unwrap_or(u32::MAX);
    println!("{per:?} per parse of both files ({trees} trees)");
}

fn sizes() {
    use gotemplate::ast::*;
    println!(
        "Node {} Arg {} Cmd {} Pipe {} Branch {} Number {} String {} Name {}",
        std::mem::size_of::<Node>(),
        std::mem::size_of::<Arg>(),
        std::mem::size_of::<CommandNode>(),
        std::mem::size_of::<PipeNode>(),
        std::mem::size_of::<BranchNode>(),
        std::mem::size_of::<NumberNode>(),
        std::mem::size_of::<StringNode>(),
        std::mem::size_of::<Name>(),
    );
}
