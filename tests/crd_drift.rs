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

/// The CRD installs into the in-memory API server, a v1 manifest is accepted, and
/// `kubectl get hr`'s Table has v1's columns: NAME RELEASE PHASE RELEASESTATUS MESSAGE AGE.
#[tokio::test]
async fn crd_serves_v1_objects_and_printer_columns() {
    use helmrelease_operator::api::{
        crd, ConditionStatus, ConditionType, HelmRelease, HelmReleaseStatus, Phase,
    };
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    use kube::api::{Patch, PatchParams, PostParams};
    use kube::Api;

    let sb = kube_sandbox::Sandbox::default();
    let client = sb.client();
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    crds.create(&PostParams::default(), &crd()).await.unwrap();

    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/helmreleases/podinfo-repo.yaml"),
    )
    .unwrap();
    let hr: HelmRelease =
        serde_json::from_value(helm_render::yamljson::yaml_to_json(&text).unwrap()).unwrap();
    let api: Api<HelmRelease> = Api::namespaced(client.clone(), "default");
    let created = api.create(&PostParams::default(), &hr).await.unwrap();
    assert_eq!(created.spec, hr.spec);

    let mut status = HelmReleaseStatus {
        phase: Some(Phase::Succeeded),
        release_name: Some(hr.effective_release_name()),
        release_status: Some("deployed".into()),
        ..HelmReleaseStatus::default()
    };
    status.set_condition(
        ConditionType::Released,
        ConditionStatus::True,
        "Succeeded",
        "Release was successful",
        // metav1.Time is serialized with whole seconds.
        k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
            jiff::Timestamp::from_second(1_700_000_000).unwrap(),
        ),
    );
    let patch = serde_json::json!({ "status": status });
    let patched = api
        .patch_status("podinfo", &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .unwrap();
    assert_eq!(patched.status.as_ref(), Some(&status));

    let req = http::Request::get("/apis/helm.fluxcd.io/v1/namespaces/default/helmreleases")
        .header(
            "Accept",
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
        )
        .body(Vec::new())
        .unwrap();
    let table: serde_json::Value = client.request(req).await.unwrap();
    let columns: Vec<String> = table["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_uppercase())
        .collect();
    assert_eq!(
        columns,
        [
            "NAME",
            "RELEASE",
            "PHASE",
            "RELEASESTATUS",
            "MESSAGE",
            "AGE"
        ]
    );
    let cells = &table["rows"][0]["cells"];
    assert_eq!(cells[0], "podinfo");
    assert_eq!(cells[1], "default-podinfo");
    assert_eq!(cells[2], "Succeeded");
    assert_eq!(cells[3], "deployed");
    assert_eq!(cells[4], "Release was successful");
}

/// An old manifest with a field v1 never had is accepted by the API server (pruned, not
/// rejected) and still reads back as a `HelmRelease`.
#[tokio::test]
async fn unknown_spec_fields_are_not_rejected() {
    use helmrelease_operator::api::{crd, HelmRelease};
    use k8s_openapi::api::core::v1::Namespace;
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    use kube::api::{ApiResource, DynamicObject, PostParams};
    use kube::Api;

    let sb = kube_sandbox::Sandbox::default();
    let client = sb.client();
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    crds.create(&PostParams::default(), &crd()).await.unwrap();
    let ns: Namespace =
        serde_json::from_value(serde_json::json!({"metadata": {"name": "flux"}})).unwrap();
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &ns)
        .await
        .unwrap();

    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/helmreleases/kitchen-sink.yaml"),
    )
    .unwrap();
    let mut raw: DynamicObject =
        serde_json::from_value(helm_render::yamljson::yaml_to_json(&text).unwrap()).unwrap();
    assert_eq!(raw.data["spec"]["someFutureField"], "ignored");
    if let Some(obj) = raw.data.as_object_mut() {
        obj.remove("status");
    }
    let ar = ApiResource::erase::<HelmRelease>(&());
    let dyn_api: Api<DynamicObject> = Api::namespaced_with(client.clone(), "flux", &ar);
    dyn_api.create(&PostParams::default(), &raw).await.unwrap();

    let typed: Api<HelmRelease> = Api::namespaced(client, "flux");
    let hr = typed.get("kong").await.unwrap();
    assert_eq!(hr.effective_release_name(), "flux-ingress-kong");
    assert_eq!(hr.values()["list"][1], "two");
}
