//! The operator's own chart (`charts/helmrelease-operator`) must render byte-for-byte like
//! real Helm. The goldens in `testdata/golden/` were produced by Helm v4.2.3
//! (`helm-oracle render charts/helmrelease-operator --include-crds [-f ...]`).

use std::path::Path;
use std::process::Command;

fn render(extra: &[&str]) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO_BIN_EXE_helmrelease-operator"))
        .current_dir(root)
        .args([
            "template",
            "release-name",
            "charts/helmrelease-operator",
            "--include-crds",
        ])
        .args(extra)
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => panic!("cannot run helmrelease-operator: {e}"),
    };
    assert!(
        out.status.success(),
        "template failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn golden(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/golden")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn default_values_render_like_helm() {
    let have = render(&[]);
    assert_eq!(have, golden("operator-chart-default.yaml"));
}

#[test]
fn custom_values_render_like_helm() {
    let have = render(&["-f", "testdata/golden/operator-chart-values.values.yaml"]);
    assert_eq!(have, golden("operator-chart-values.yaml"));
    // The values file turns on the ServiceMonitor and the namespace scope.
    assert!(have.contains("kind: ServiceMonitor"));
    assert!(have.contains("--namespace=apps"));
}
