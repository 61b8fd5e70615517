//! Sprig/Helm functions: random (being written).

use gotemplate::FuncMap;

/// Registers this family's functions.
pub fn register(m: &mut FuncMap) {
    let _ = m;
}
