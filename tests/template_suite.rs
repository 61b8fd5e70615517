//! The template suite (`../shared/template-suite`: 731 cases with real Helm v4.2.3 output)
//! run through `helmrelease-operator render-template`.
//!
//! A ratchet: every case listed in `testdata/template-suite-passing.txt` must pass, so a
//! regression fails the build; cases that newly pass are printed so the list can grow
//! (`UPDATE_SUITE_BASELINE=1 cargo test --test template_suite` rewrites it).

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

fn baseline_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/template-suite-passing.txt")
}

#[test]
fn template_suite_does_not_regress() {
    let Some(shared) = common::shared_dir() else {
        eprintln!("SKIP template_suite: ../shared not found (set HELMRELEASE_SHARED)");
        return;
    };
    let bin = env!("CARGO_BIN_EXE_helmrelease-operator");
    let report = std::env::temp_dir().join(format!("tsuite-{}.json", std::process::id()));
    let status = Command::new("python3")
        .arg(shared.join("tools/template-suite-check"))
        .arg("--cmd")
        .arg(format!(
            "{bin} render-template {{chart_dir}} {{template}} --options {{options}}"
        ))
        .arg("--jobs")
        .arg("2")
        .arg("--json-report")
        .arg(&report)
        .status()
        .expect("python3 runs the suite runner");
    // The runner exits 1 when any case fails; the ratchet below decides.
    assert!(status.code().is_some(), "suite runner was killed");
    let text = std::fs::read_to_string(&report).expect("suite report written");
    let _ = std::fs::remove_file(&report);
    let results: Vec<serde_json::Value> = serde_json::from_str(&text).expect("report is JSON");
    let passing: BTreeSet<String> = results
        .iter()
        .filter(|r| matches!(r["kind"].as_str(), Some("pass" | "error-matched")))
        .map(|r| {
            format!(
                "{}/{}",
                r["topic"].as_str().unwrap_or(""),
                r["name"].as_str().unwrap_or("")
            )
        })
        .collect();
    eprintln!(
        "template suite: {} of {} cases pass",
        passing.len(),
        results.len()
    );
    let regressed = common::ratchet(
        &baseline_path(),
        "Template-suite cases that must keep passing (see tests/template_suite.rs).",
        &passing,
        "UPDATE_SUITE_BASELINE",
    );
    assert!(
        regressed.is_empty(),
        "template-suite cases regressed: {regressed:?}"
    );
}
