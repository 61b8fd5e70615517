//! `Chart.yaml` text with its `version:` line replaced: shared by `charts.rs` (packaged
//! charts) and `operator.rs` (chart directories), which include it with `#[path]`.

/// `text` with every `version:` line set to `version`.
pub fn with_version(text: &str, version: &str) -> String {
    text.lines()
        .map(|l| {
            if l.starts_with("version:") {
                format!("version: {version}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect()
}
