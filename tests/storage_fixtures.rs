//! Release Secrets written by real Helm v4.2.3 (via `tools/helm-oracle cluster` against its
//! fake API server; see `testdata/releases/README.md`) decode, re-encode to the exact JSON
//! bytes Helm produced, and survive our encode→decode round trip.

use std::path::{Path, PathBuf};

use helmrelease_operator::storage::{decode_release, encode_release, release_json, Status};
use k8s_openapi::api::core::v1::Secret;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/releases")
}

fn secret(name: &str) -> Secret {
    let text = std::fs::read_to_string(dir().join(format!("{name}.secret.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn release_data(s: &Secret) -> String {
    let data = s.data.as_ref().unwrap().get("release").unwrap();
    String::from_utf8(data.0.clone()).unwrap()
}

const FIXTURES: [&str; 5] = ["demo.v1", "demo.v2", "demo.v3", "r1.v1", "gone.v1"];

#[test]
fn helm_written_releases_reencode_byte_identically() {
    for name in FIXTURES {
        let s = secret(name);
        let rel = decode_release(&release_data(&s)).unwrap();
        let want = std::fs::read_to_string(dir().join(format!("{name}.release.json"))).unwrap();
        let got = release_json(&rel).unwrap();
        assert_eq!(got, want, "{name}: JSON differs from Helm's");
    }
}

#[test]
fn helm_written_releases_round_trip() {
    for name in FIXTURES {
        let rel = decode_release(&release_data(&secret(name))).unwrap();
        let again = decode_release(&encode_release(&rel).unwrap()).unwrap();
        assert_eq!(again, rel, "{name}");
    }
}

#[test]
fn labels_agree_with_records() {
    for name in FIXTURES {
        let s = secret(name);
        let rel = decode_release(&release_data(&s)).unwrap();
        let labels = s.metadata.labels.clone().unwrap();
        assert_eq!(labels["status"], rel.status().as_str(), "{name}");
        assert_eq!(labels["version"], rel.version.to_string(), "{name}");
        assert_eq!(labels["name"], rel.name, "{name}");
        assert_eq!(labels["owner"], "helm");
        assert_eq!(s.type_.as_deref(), Some("helm.sh/release.v1"));
        assert_eq!(
            s.metadata.name.as_deref(),
            Some(format!("sh.helm.release.v1.{}.v{}", rel.name, rel.version).as_str())
        );
    }
}

#[test]
fn decoded_fields_match_what_helm_did() {
    let v3 = decode_release(&release_data(&secret("demo.v3"))).unwrap();
    let info = v3.info.as_ref().unwrap();
    assert_eq!(info.status, Status::Deployed);
    assert_eq!(info.description, "Rollback to 1");
    assert_eq!(v3.apply_method, "ssa");
    assert_eq!(v3.config["greeting"], "hi");
    let hook = &v3.hooks[0];
    assert_eq!(hook.events, vec!["pre-install", "pre-upgrade"]);
    assert_eq!(hook.weight, -5);
    assert_eq!(hook.last_run.phase, "Succeeded");
    let chart = v3.chart.as_ref().unwrap();
    assert!(chart.schema.as_ref().unwrap().starts_with(b"{\"type\""));
    assert_eq!(chart.files.as_ref().unwrap()[0].name, "extra.txt");

    let gone = decode_release(&release_data(&secret("gone.v1"))).unwrap();
    let info = gone.info.as_ref().unwrap();
    assert_eq!(info.status, Status::Uninstalled);
    assert!(!info.deleted.is_zero());

    let r1 = decode_release(&release_data(&secret("r1.v1"))).unwrap();
    let chart = r1.chart.as_ref().unwrap();
    assert!(chart.schemamodtime.is_zero());
    assert!(chart.schema.is_none());
    let lock = chart.lock.as_ref().unwrap();
    assert_eq!(
        lock.generated.to_rfc3339_nano(),
        "2024-05-06T07:08:09.123456789+02:00"
    );
    let md = chart.metadata.as_ref().unwrap();
    assert!(md.deprecated);
    assert_eq!(md.dependencies[0].alias, "subby");
    assert_eq!(r1.hooks[1].output_log_policies, vec!["hook-failed"]);
}

/// A Helm-3-shaped record (`"deleted": ""`, no `apply_method`, no mod times) that real Helm
/// v4.2.3 then superseded during an upgrade: our re-encode after the same status change is
/// byte-identical to what Helm v4 wrote back.
#[test]
fn helm3_record_normalises_like_helm4() {
    let mut rel = decode_release(&release_data(&secret("old3.v1.helm3"))).unwrap();
    assert!(rel.info.as_ref().unwrap().deleted.is_zero());
    assert!(rel.apply_method.is_empty());
    rel.info.as_mut().unwrap().status = Status::Superseded;
    let want =
        std::fs::read_to_string(dir().join("old3.v1.superseded-by-helm4.release.json")).unwrap();
    assert_eq!(release_json(&rel).unwrap(), want);
}
