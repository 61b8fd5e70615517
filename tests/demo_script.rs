//! `make demo` (`scripts/demo.sh` + `examples/helmrelease-demo.yaml`): the script parses,
//! the example points at the bundled chart's real name and version, and, when a pinned
//! kubectl is available in `$VENV/bin/kubectl` and both binaries are built, the whole demo
//! runs against kube-sandbox and reaches Helm revision 2.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Returns the value of the first `key: value` line (any indentation) in `text`.
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().find_map(|l| {
        l.trim_start()
            .strip_prefix(key)
            .and_then(|r| r.strip_prefix(':'))
            .map(|v| v.trim().trim_matches('"'))
    })
}

#[test]
fn demo_script_is_valid_bash() {
    let out = Command::new("bash")
        .arg("-n")
        .arg(root().join("scripts/demo.sh"))
        .output();
    let Ok(out) = out else {
        eprintln!("bash not available; skipping");
        return;
    };
    assert!(
        out.status.success(),
        "bash -n scripts/demo.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn example_matches_bundled_chart() {
    let example =
        std::fs::read_to_string(root().join("examples/helmrelease-demo.yaml")).unwrap_or_default();
    let chart = std::fs::read_to_string(root().join("testdata/charts/hello/Chart.yaml"))
        .unwrap_or_default();
    assert_eq!(field(&example, "kind"), Some("HelmRelease"));
    assert_eq!(field(&example, "apiVersion"), Some("helm.fluxcd.io/v1"));
    // scripts/demo.sh substitutes this placeholder with the checkout's testdata/charts.
    assert_eq!(field(&example, "repository"), Some("file://__CHARTS_DIR__"));
    assert_eq!(field(&example, "name"), Some("hello"));
    assert_eq!(field(&example, "version"), field(&chart, "version"));
    assert!(
        field(&example, "greeting").is_some(),
        "values must override greeting"
    );
}

#[test]
fn demo_runs_end_to_end_when_kubectl_is_available() {
    let root = root();
    let Some(venv) = std::env::var_os("VENV").map(PathBuf::from) else {
        eprintln!("VENV not set; skipping the end-to-end demo");
        return;
    };
    let bins = [
        "target/debug/kube-sandbox",
        "target/debug/helmrelease-operator",
    ];
    if !venv.join("bin/kubectl").is_file() || !bins.iter().all(|b| root.join(b).is_file()) {
        eprintln!("pinned kubectl or binaries missing; skipping the end-to-end demo");
        return;
    }
    let out = Command::new("bash")
        .arg(Path::new("scripts/demo.sh"))
        .current_dir(&root)
        .env("VENV", &venv)
        .output();
    let Ok(out) = out else {
        panic!("could not run bash scripts/demo.sh");
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "demo failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("sh.helm.release.v1.hello.v2"), "{stdout}");
    assert!(stdout.contains("Hello again, revision 2"), "{stdout}");
    assert!(stdout.contains("demo finished OK"), "{stdout}");
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn field_reads_indented_keys() {
        assert_eq!(field("a:\n  version: \"1.2\"\n", "version"), Some("1.2"));
        assert_eq!(field("versions: 1\n", "version"), None);
    }
}
