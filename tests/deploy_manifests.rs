//! The plain manifests in `deploy/` and the chart's CRD stay in step with the generated CRD
//! (`crds/helmreleases.helm.fluxcd.io.yaml`), and every `deploy/` document is a well-formed
//! Kubernetes object. Refresh the copies with
//! `cp crds/helmreleases.helm.fluxcd.io.yaml deploy/crd.yaml charts/helmrelease-operator/crds/`.

use std::path::{Path, PathBuf};

use helm_render::yamljson::yaml_to_json;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

const CRD: &str = "crds/helmreleases.helm.fluxcd.io.yaml";

#[test]
fn deploy_crd_is_the_generated_crd() {
    assert!(
        read(&root().join("deploy/crd.yaml")) == read(&root().join(CRD)),
        "deploy/crd.yaml differs from {CRD}; copy it again"
    );
}

#[test]
fn chart_crd_is_the_generated_crd() {
    let dir = root().join("charts/helmrelease-operator/crds");
    let files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) => panic!("{}: {e}", dir.display()),
    };
    assert_eq!(
        files.len(),
        1,
        "chart crds/ should hold only the HelmRelease CRD"
    );
    for f in files {
        assert!(
            read(&f) == read(&root().join(CRD)),
            "{} differs from {CRD}; copy it again",
            f.display()
        );
    }
}

/// Splits a multi-document YAML stream on `---` lines, dropping documents with no content.
fn documents(text: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in text.lines() {
        if line.trim_end() == "---" {
            docs.push(String::new());
        } else if let Some(last) = docs.last_mut() {
            last.push_str(line);
            last.push('\n');
        }
    }
    docs.into_iter()
        .filter(|d| {
            d.lines()
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        })
        .collect()
}

#[test]
fn every_deploy_document_is_a_named_object() {
    let dir = root().join("deploy");
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect(),
        Err(e) => panic!("{}: {e}", dir.display()),
    };
    files.sort();
    assert!(files.len() >= 7, "deploy/ is missing manifests: {files:?}");
    let mut kinds = Vec::new();
    for f in &files {
        for doc in documents(&read(f)) {
            let v = yaml_to_json(&doc).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            for key in ["apiVersion", "kind"] {
                assert!(
                    v.get(key)
                        .and_then(|x| x.as_str())
                        .is_some_and(|s| !s.is_empty()),
                    "{}: document without {key}",
                    f.display()
                );
            }
            let name = v.pointer("/metadata/name").and_then(|x| x.as_str());
            assert!(
                name.is_some_and(|s| !s.is_empty()),
                "{}: document without metadata.name",
                f.display()
            );
            kinds.push(
                v.get("kind")
                    .and_then(|x| x.as_str())
                    .unwrap_or("")
                    .to_string(),
            );
        }
    }
    for want in [
        "Namespace",
        "CustomResourceDefinition",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Deployment",
        "Service",
        "Kustomization",
    ] {
        assert!(kinds.iter().any(|k| k == want), "no {want} in deploy/");
    }
}

#[test]
fn kustomization_lists_every_manifest() {
    let k = read(&root().join("deploy/kustomization.yaml"));
    for f in [
        "namespace.yaml",
        "crd.yaml",
        "serviceaccount.yaml",
        "rbac.yaml",
        "deployment.yaml",
        "service-metrics.yaml",
    ] {
        assert!(
            k.contains(&format!("- {f}")),
            "kustomization.yaml does not list {f}"
        );
    }
}
