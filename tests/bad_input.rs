//! Broken charts (`testdata/bad-charts/`) through the real binary: each must fail with a
//! clear error that names the file or the problem, never a panic or a hang, and within a
//! fixed memory ceiling (the process runs under `ulimit -v`).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

fn bad(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/bad-charts")
        .join(name)
}

/// Runs `template` on a bad chart; returns stderr after asserting a clean failure.
fn template_fails(name: &str) -> String {
    let bin = env!("CARGO_BIN_EXE_helmrelease-operator");
    let chart = bad(name);
    let start = Instant::now();
    // 3 GiB of address space: the render thread reserves 1 GiB of stack; anything unbounded
    // (a bomb inflated whole) would hit the ceiling and crash the process.
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -v 3145728; exec timeout 60 '{bin}' template demo '{}' -n demo",
            chart.display()
        ))
        .output()
        .expect("binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{name}: took too long"
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{name}: exit status {:?}, stderr: {stderr}",
        out.status
    );
    assert!(!stderr.contains("panicked"), "{name}: panicked: {stderr}");
    assert!(stderr.starts_with("Error: "), "{name}: {stderr}");
    assert!(out.stdout.is_empty(), "{name}: partial output written");
    stderr
}

fn assert_error(name: &str, needles: &[&str]) {
    let err = template_fails(name);
    for n in needles {
        assert!(err.contains(n), "{name}: expected {n:?} in {err:?}");
    }
}

#[test]
fn invalid_values_yaml() {
    assert_error("invalid-values", &["cannot load values.yaml", "line"]);
}

#[test]
fn invalid_chart_yaml() {
    assert_error("invalid-chart-yaml", &["cannot load Chart.yaml"]);
}

#[test]
fn unknown_function() {
    assert_error(
        "unknown-function",
        &["parse error at (unknown-function/templates/cm.yaml:2): function \"nosuchfunc\" not defined"],
    );
}

#[test]
fn template_execution_error() {
    assert_error(
        "template-error",
        &[
            "template-error/templates/cm.yaml:3:",
            "nil pointer evaluating interface {}.deeper",
        ],
    );
}

#[test]
fn missing_required_value() {
    assert_error(
        "missing-required",
        &["execution error at (missing-required/templates/cm.yaml:2:6): image.tag is required"],
    );
}

#[test]
fn schema_violation() {
    assert_error(
        "schema-violation",
        &[
            "values don't meet the specifications of the schema(s)",
            "schema-violation:",
            "replicas",
        ],
    );
}

#[test]
fn recursive_include_is_bounded() {
    assert_error(
        "recursive-include",
        &["rendering template has a nested reference name: loop"],
    );
}

#[test]
fn recursive_template_is_bounded() {
    assert_error(
        "recursive-template",
        &["exceeded maximum template depth (100000)"],
    );
}

#[test]
fn invalid_rendered_manifest() {
    assert_error(
        "invalid-manifest",
        &["YAML parse error on invalid-manifest/templates/cm.yaml"],
    );
}

#[test]
fn archive_with_parent_path() {
    assert_error("tar-dotdot.tgz", &["parent directory"]);
}

#[test]
fn archive_with_absolute_path() {
    assert_error("tar-absolute.tgz", &["chart"]);
}

#[test]
fn archive_with_symlink() {
    assert_error("tar-symlink.tgz", &["is a link"]);
}

#[test]
fn archive_with_100mb_file() {
    assert_error("tar-100mb-file.tgz", &["big.bin", "more than the limit"]);
}

#[test]
fn gzip_bomb() {
    assert_error("gzip-bomb.tgz", &["decompresses to more than"]);
}

#[test]
fn not_gzip() {
    assert_error("not-gzip.tgz", &["cannot read chart archive"]);
}

#[test]
fn truncated_archive() {
    template_fails("truncated.tgz");
}
