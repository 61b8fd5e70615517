//! Process-wide caches of what rendering derives from file contents (`values.yaml` trees,
//! `Chart.yaml` metadata, parsed templates, manifest heads), keyed by the exact bytes.
//!
//! The operator loads the same chart versions over and over (every reconcile, every
//! drift check), and decoding YAML is most of the cost of loading a chart from disk. A hit
//! costs one pass of a cheap hash plus a byte comparison, against a full YAML parse. Only
//! successful results are cached; each cache is bounded by the bytes of the keys it holds and
//! is emptied when full.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

static PROCESS_CACHES: AtomicBool = AtomicBool::new(true);

/// Turns the process-wide caches of derived results on or off: parsed templates, decoded
/// `values.yaml`/`Chart.yaml`/`.helmignore`, compiled schemas, `fromYaml` results, manifest
/// heads, `.Files.Glob` patterns and semver versions and constraints. They pay off when the
/// same charts are rendered again (the operator); a one-shot render (`template`) and a
/// benchmark of first renders turn them off, so every render decodes and parses afresh as Helm
/// does. On by default.
pub fn set_process_caches(enabled: bool) {
    PROCESS_CACHES.store(enabled, Ordering::Relaxed);
}

/// Whether [`set_process_caches`] left the caches on.
pub(crate) fn process_caches() -> bool {
    PROCESS_CACHES.load(Ordering::Relaxed)
}

/// A bounded map from file contents to a value derived from them.
pub(crate) struct ContentCache<T> {
    inner: Mutex<Inner<T>>,
    max_bytes: usize,
}

/// Entries with the same content hash: the full contents and the value.
type Bucket<T> = Vec<(Arc<[u8]>, T)>;

struct Inner<T> {
    entries: HashMap<u64, Bucket<T>>,
    bytes: usize,
}

impl<T: Clone> ContentCache<T> {
    /// An empty cache holding keys of at most `max_bytes` bytes in total.
    pub(crate) fn new(max_bytes: usize) -> Self {
        ContentCache {
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                bytes: 0,
            }),
            max_bytes,
        }
    }

    /// The cached value for `data`, or `make()`'s (cached when it is `Ok`).
    pub(crate) fn get_or_try<E>(
        &self,
        data: &[u8],
        make: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        self.get_or_try_parts(&[data], make)
    }

    /// [`ContentCache::get_or_try`] for a key made of several byte strings (a template's name
    /// and text), compared part by part without joining them for a lookup.
    pub(crate) fn get_or_try_parts<E>(
        &self,
        parts: &[&[u8]],
        make: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        if !process_caches() {
            return make();
        }
        let h = parts_hash(parts);
        if let Some(hit) = self
            .inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entries
            .get(&h)
            .and_then(|bucket| bucket.iter().find(|(k, _)| key_matches(k, parts)))
            .map(|(_, v)| v.clone())
        {
            return Ok(hit);
        }
        let value = make()?;
        let key = key_bytes(parts);
        if key.len() <= self.max_bytes {
            let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            if inner.bytes + key.len() > self.max_bytes {
                inner.entries.clear();
                inner.bytes = 0;
            }
            inner.bytes += key.len();
            inner
                .entries
                .entry(h)
                .or_default()
                .push((key, value.clone()));
        }
        Ok(value)
    }
}

/// The stored form of a key: a single part as it is, several parts each preceded by its
/// length (so `("ab", "c")` and `("a", "bc")` differ).
fn key_bytes(parts: &[&[u8]]) -> Arc<[u8]> {
    if let [only] = parts {
        return Arc::from(*only);
    }
    let mut key = Vec::with_capacity(parts.iter().map(|p| p.len() + 8).sum());
    for p in parts {
        key.extend_from_slice(&(p.len() as u64).to_le_bytes());
        key.extend_from_slice(p);
    }
    key.into()
}

/// Whether a stored key (see [`key_bytes`]) is `parts`.
fn key_matches(stored: &[u8], parts: &[&[u8]]) -> bool {
    if let [only] = parts {
        return stored == *only;
    }
    let mut rest = stored;
    for p in parts {
        let Some((len, tail)) = rest.split_first_chunk::<8>() else {
            return false;
        };
        if u64::from_le_bytes(*len) != p.len() as u64 {
            return false;
        }
        let Some((body, tail)) = tail.split_at_checked(p.len()) else {
            return false;
        };
        if body != *p {
            return false;
        }
        rest = tail;
    }
    rest.is_empty()
}

fn parts_hash(parts: &[&[u8]]) -> u64 {
    match parts {
        [only] => content_hash(only),
        _ => parts
            .iter()
            .fold(0u64, |h, p| h.rotate_left(5) ^ content_hash(p)),
    }
}

/// A fast non-cryptographic hash of `data` (eight bytes per step; collisions only cost a byte
/// comparison).
fn content_hash(data: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = data.len() as u64;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    for &b in chunks.remainder() {
        h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_several_parts_compare_part_by_part() {
        let cache: ContentCache<usize> = ContentCache::new(1024);
        let calls = std::cell::Cell::new(0);
        let get = |parts: &[&[u8]]| {
            cache.get_or_try_parts(parts, || {
                calls.set(calls.get() + 1);
                Ok::<_, ()>(calls.get())
            })
        };
        assert_eq!(get(&[b"ab", b"c"]), Ok(1));
        assert_eq!(get(&[b"ab", b"c"]), Ok(1));
        // Same bytes, split differently: another key.
        assert_eq!(get(&[b"a", b"bc"]), Ok(2));
        assert_eq!(get(&[b"abc"]), Ok(3));
        assert_eq!(calls.get(), 3);
    }

    #[test]
    fn hits_misses_errors_and_bound() {
        let cache: ContentCache<String> = ContentCache::new(16);
        let calls = std::cell::Cell::new(0);
        let get = |data: &[u8]| {
            cache.get_or_try(data, || {
                calls.set(calls.get() + 1);
                if data == b"bad" {
                    Err("bad")
                } else {
                    Ok(String::from_utf8_lossy(data).to_uppercase())
                }
            })
        };
        assert_eq!(get(b"abc"), Ok("ABC".to_string()));
        assert_eq!(get(b"abc"), Ok("ABC".to_string()));
        assert_eq!(get(b"abd"), Ok("ABD".to_string()));
        assert_eq!(get(b"bad"), Err("bad"));
        assert_eq!(get(b"bad"), Err("bad"));
        // Too big to keep: computed every time.
        assert_eq!(
            get(b"0123456789abcdefXYZ"),
            Ok("0123456789ABCDEFXYZ".to_string())
        );
        assert_eq!(
            get(b"0123456789abcdefXYZ"),
            Ok("0123456789ABCDEFXYZ".to_string())
        );
        // abc once, abd once, bad twice (errors are not kept), the big key twice.
        assert_eq!(calls.get(), 6);
        assert!(cache.inner.lock().unwrap().bytes <= 16);
        assert_ne!(content_hash(b"abc"), content_hash(b"abd"));
        assert_ne!(content_hash(b""), content_hash(b"\0"));
    }
}
