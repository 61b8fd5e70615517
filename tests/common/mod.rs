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
