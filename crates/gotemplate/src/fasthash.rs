//! A small, fast, non-cryptographic hasher for the name tables the executor consults on
//! every call (functions by name, templates by name). Keys are short identifiers, where
//! SipHash's setup cost dominates; this hashes a word at a time (the Fx multiply-rotate
//! scheme). Not resistant to chosen collisions, which is acceptable here: a template can
//! already spend unbounded time (`range`), so hashing is not a denial-of-service boundary.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` with [`FastHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// Word-at-a-time multiply-rotate hasher.
#[derive(Default, Clone, Copy)]
pub(crate) struct FastHasher {
    hash: u64,
}

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            if let Ok(w) = <[u8; 8]>::try_from(c) {
                self.add(u64::from_le_bytes(w));
            }
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            for (d, s) in w.iter_mut().zip(rest) {
                *d = *s;
            }
            // At most 7 bytes are filled: the length goes in the top byte, so "a" and "a\0"
            // differ.
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 56));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, BuildHasherDefault};

    fn h(s: &str) -> u64 {
        BuildHasherDefault::<FastHasher>::default().hash_one(s)
    }

    #[test]
    fn distinct_short_names_hash_apart_and_maps_work() {
        assert_eq!(h("include"), h("include"));
        assert_ne!(h("include"), h("includf"));
        assert_ne!(h("a"), h("a\0"));
        assert_ne!(h("12345678"), h("123456789"));
        let mut m: FastMap<String, usize> = FastMap::default();
        for (i, name) in ["toYaml", "nindent", "include", "default", "quote"]
            .iter()
            .enumerate()
        {
            m.insert(name.to_string(), i);
        }
        assert_eq!(m.get("include"), Some(&2));
        assert_eq!(m.get("indent"), None);
    }
}
