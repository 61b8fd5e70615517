//! Helm's `IsCompatibleRange`: does a Masterminds semver constraint accept a version?
//! Unparsable constraints or versions answer false, as in Helm.

use crate::funcs::semver::{Constraints, Version};

/// True when `constraint` accepts `version`.
pub fn compatible(constraint: &str, version: &str) -> bool {
    let Ok(v) = Version::parse(version) else {
        return false;
    };
    match Constraints::parse(constraint) {
        Ok(c) => c.check(&v),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::compatible;

    #[test]
    fn ranges() {
        assert!(compatible(">=1.20.0-0", "v1.36.0"));
        assert!(compatible("~1.2", "1.2.9"));
        assert!(!compatible("~1.2", "1.3.0"));
        assert!(!compatible("", "1.0.0"));
        assert!(!compatible(">=1", "not-a-version"));
    }
}
