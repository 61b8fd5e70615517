//! The `HelmRelease` CustomResourceDefinition, printed from the Rust types.
//!
//! `crd_yaml` is the single source of `crds/helmreleases.helm.fluxcd.io.yaml`;
//! `tests/crd_drift.rs` fails when the checked-in file differs.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResourceExt;

use super::spec::HelmRelease;

/// Path of the generated CRD file, relative to the repository root.
pub const CRD_PATH: &str = "crds/helmreleases.helm.fluxcd.io.yaml";

const HEADER: &str =
    "# Generated from the Rust types in src/api by `helmrelease-operator crd`; do not edit.\n";

/// `crd` is the `helmreleases.helm.fluxcd.io` CRD object.
pub fn crd() -> CustomResourceDefinition {
    HelmRelease::crd()
}

/// `crd_yaml` is the CRD as YAML, with a header comment saying it is generated.
pub fn crd_yaml() -> String {
    // Serializing a CRD built from static types cannot fail; fall back to JSON (valid YAML)
    // rather than panic if it ever did.
    let crd = crd();
    let body = serde_json::to_value(&crd)
        .map_err(|e| e.to_string())
        .and_then(|v| helm_render::yamljson::json_to_yaml(&v))
        .unwrap_or_else(|_| serde_json::to_string_pretty(&crd).unwrap_or_default());
    format!("{HEADER}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_columns_match_v1() {
        let c = crd();
        assert_eq!(
            c.metadata.name.as_deref(),
            Some("helmreleases.helm.fluxcd.io")
        );
        assert_eq!(c.spec.group, "helm.fluxcd.io");
        assert_eq!(c.spec.scope, "Namespaced");
        assert_eq!(c.spec.names.kind, "HelmRelease");
        assert_eq!(c.spec.names.plural, "helmreleases");
        assert_eq!(
            c.spec.names.short_names,
            Some(vec!["hr".to_string(), "hrs".to_string()])
        );
        let v = &c.spec.versions[0];
        assert_eq!(v.name, "v1");
        assert!(v.subresources.as_ref().unwrap().status.is_some());
        let cols: Vec<(&str, &str)> = v
            .additional_printer_columns
            .as_ref()
            .unwrap()
            .iter()
            .map(|c| (c.name.as_str(), c.json_path.as_str()))
            .collect();
        assert_eq!(
            cols,
            vec![
                ("Release", ".status.releaseName"),
                ("Phase", ".status.phase"),
                ("ReleaseStatus", ".status.releaseStatus"),
                (
                    "Message",
                    ".status.conditions[?(@.type==\"Released\")].message"
                ),
                ("Age", ".metadata.creationTimestamp"),
            ]
        );
    }

    #[test]
    fn values_preserve_unknown_fields() {
        let c = serde_json::to_value(crd()).unwrap();
        let values = &c["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
            ["properties"]["values"];
        assert_eq!(values["x-kubernetes-preserve-unknown-fields"], true);
        assert!(crd_yaml().starts_with("# Generated"));
    }
}
