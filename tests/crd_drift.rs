//! `crds/helmreleases.helm.fluxcd.io.yaml` must equal `crd_yaml()`.
//!
//! Regenerate with `UPDATE_CRDS=1 cargo test --test crd_drift` (or
//! `cargo run -- crd > crds/helmreleases.helm.fluxcd.io.yaml`).

use std::path::Path;

use helmrelease_operator::api::{crd_yaml, CRD_PATH};

#[test]
fn crd_file_matches_types() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(CRD_PATH);
    let want = crd_yaml();
    if std::env::var_os("UPDATE_CRDS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{CRD_PATH} is out of date with src/api; regenerate it with \
         `UPDATE_CRDS=1 cargo test --test crd_drift` (or `cargo run -- crd > {CRD_PATH}`)"
    );
}
