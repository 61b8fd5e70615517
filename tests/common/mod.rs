//! Shared helpers for tests that use the `../shared` corpus (template suite, conformance
//! cases). Those tests skip, saying so, when the corpus is absent: the project must build and
//! pass its own tests without it.

use std::path::PathBuf;

/// The corpus root: `$HELMRELEASE_SHARED`, or `../shared` next to the repository.
pub fn shared_dir() -> Option<PathBuf> {
    let candidate = match std::env::var_os("HELMRELEASE_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"),
    };
    candidate.join("tools").is_dir().then_some(candidate)
}

/// A ratchet over named cases: every case in the baseline file must be in `passing`.
/// With `update_var` set in the environment, cases that newly pass are added to the file.
/// Returns the baseline cases that no longer pass.
pub fn ratchet(
    baseline: &std::path::Path,
    header: &str,
    passing: &std::collections::BTreeSet<String>,
    update_var: &str,
) -> Vec<String> {
    let known: std::collections::BTreeSet<String> = std::fs::read_to_string(baseline)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    eprintln!(
        "{} of the {} baseline cases pass; {} pass that are not in the baseline yet",
        known.intersection(passing).count(),
        known.len(),
        passing.difference(&known).count()
    );
    if std::env::var_os(update_var).is_some() {
        let mut body = format!("# {header}\n");
        for c in known.union(passing) {
            body.push_str(c);
            body.push('\n');
        }
        std::fs::write(baseline, body).expect("baseline written");
    }
    known.difference(passing).cloned().collect()
}
