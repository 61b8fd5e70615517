//! The conformance corpus (`../shared/conformance`: 58 real charts, 90 cases with the exact
//! `helm template` output of Helm v4.2.3) run through `helmrelease-operator template`.
//!
//! A ratchet like the template suite's: every case listed in
//! `testdata/conformance-passing.txt` must pass; `UPDATE_CONFORMANCE_BASELINE=1` adds the
//! cases that newly pass.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

fn baseline_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/conformance-passing.txt")
}

#[test]
fn conformance_does_not_regress() {
    let Some(shared) = common::shared_dir() else {
        eprintln!("SKIP conformance: ../shared not found (set HELMRELEASE_SHARED)");
        return;
    };
    let bin = env!("CARGO_BIN_EXE_helmrelease-operator");
    let report = std::env::temp_dir().join(format!("conformance-{}.json", std::process::id()));
    let status = Command::new("python3")
        .arg(shared.join("tools/conformance-check"))
        .arg("--corpus")
        .arg(&shared)
        .arg("--cmd")
        .arg(format!(
            "{bin} template {{release}} {{chart}} -n {{namespace}} --include-crds {{values_flags}} {{schema_flags}}"
        ))
        .arg("--jobs")
        .arg("2")
        .arg("--json")
        .arg(&report)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("python3 runs the conformance runner");
    assert!(status.code().is_some(), "conformance runner was killed");
    let text = std::fs::read_to_string(&report).expect("conformance report written");
    let _ = std::fs::remove_file(&report);
    let results: serde_json::Value = serde_json::from_str(&text).expect("report is JSON");
    let items: Vec<serde_json::Value> = match &results {
        serde_json::Value::Array(a) => a.clone(),
        serde_json::Value::Object(o) => o
            .get("results")
            .and_then(|r| r.as_array())
            .cloned()
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let passing: BTreeSet<String> = items
        .iter()
        .filter(|r| {
            r["status"]
                .as_str()
                .map(|s| s.eq_ignore_ascii_case("pass"))
                .unwrap_or(false)
                || r["passed"].as_bool().unwrap_or(false)
        })
        .map(|r| {
            r["case"].as_str().map(str::to_string).unwrap_or_else(|| {
                format!(
                    "{}/{}",
                    r["chart"].as_str().unwrap_or(""),
                    r["variant"].as_str().unwrap_or("")
                )
            })
        })
        .collect();
    eprintln!(
        "conformance: {} of {} cases pass",
        passing.len(),
        items.len()
    );
    let regressed = common::ratchet(
        &baseline_path(),
        "Conformance cases that must keep passing (see tests/conformance.rs).",
        &passing,
        "UPDATE_CONFORMANCE_BASELINE",
    );
    assert!(
        regressed.is_empty(),
        "conformance cases regressed: {regressed:?}"
    );
}
