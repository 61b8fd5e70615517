//! Helpers for the chart-source tests: small `.tgz` archives and their digests, and an
//! in-process S3 server.
//! Included with `#[path]` by several test files, so not every helper is used by each.
#![allow(dead_code)]

use std::path::Path;

// Each helper module loads its own copy: test binaries include `charts.rs`,
// `operator.rs` or both.
#[allow(clippy::duplicate_mod)]
#[path = "chart_yaml.rs"]
mod chart_yaml;

/// A `.tgz` chart with `Chart.yaml` and one template.
pub fn make_chart(name: &str, version: &str) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let files = [
        (
            "Chart.yaml",
            format!("apiVersion: v2\nname: {name}\nversion: {version}\n"),
        ),
        ("templates/cm.yaml", "kind: ConfigMap\n".to_string()),
    ];
    for (path, body) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, format!("{name}/{path}"), body.as_bytes())
            .unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap()
}

/// Lowercase hex sha256, as index digests are written.
pub fn sha256(b: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

/// `testdata/charts/e2e-app` as a `.tgz`, with `version`.
pub fn package_e2e_app(version: &str) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/charts/e2e-app");
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p.strip_prefix(&dir).unwrap();
            let mut body = std::fs::read(&p).unwrap();
            if rel == Path::new("Chart.yaml") {
                let text = String::from_utf8(body).unwrap();
                body = chart_yaml::with_version(&text, version).into_bytes();
            }
            let mut h = tar::Header::new_gnu();
            h.set_size(body.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            tar.append_data(&mut h, Path::new("e2e-app").join(rel), body.as_slice())
                .unwrap();
        }
    }
    tar.into_inner().unwrap().finish().unwrap()
}

/// Serves `root` (one directory per bucket) with `s3s-fs` on a loopback port, checking SigV4
/// signatures against the one key pair; returns the endpoint URL.
pub async fn serve_s3_fs(root: &Path, access_key: &str, secret_key: &str) -> String {
    let fs = s3s_fs::FileSystem::new(root).unwrap();
    let mut b = s3s::service::S3ServiceBuilder::new(fs);
    b.set_auth(s3s::auth::SimpleAuth::from_single(access_key, secret_key));
    let service = b.build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let service = service.clone();
            tokio::spawn(async move {
                let _ = hyper_util::server::conn::auto::Builder::new(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .serve_connection(hyper_util::rt::TokioIo::new(tcp), service)
                .await;
            });
        }
    });
    format!("http://{addr}")
}
