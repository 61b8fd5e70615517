//! The shared on-disk cache: repository indexes (one file per repository URL, with the
//! ETag / Last-Modified / sha256 needed for conditional GETs) and chart archives keyed by
//! content digest, bounded in bytes with LRU eviction (file mtime is the recency).
//!
//! Writes go to a temporary file in the same directory and are renamed into place, so a
//! reader never sees a partial file; `KeyLocks` serialises work on one key inside the process.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::SystemTime;

use super::SourceError;

/// Per-key async locks; entries vanish when nobody holds them.
#[derive(Default)]
pub struct KeyLocks {
    map: Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>,
}

impl KeyLocks {
    /// The lock for `key` (shared by everyone asking for the same key at the same time).
    pub fn get(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = match self.map.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        if let Some(l) = map.get(key).and_then(Weak::upgrade) {
            return l;
        }
        map.retain(|_, w| w.strong_count() > 0);
        let l = Arc::new(tokio::sync::Mutex::new(()));
        map.insert(key.to_string(), Arc::downgrade(&l));
        l
    }
}

/// Validators and digest of a cached index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexMeta {
    /// `ETag` response header.
    pub etag: Option<String>,
    /// `Last-Modified` response header.
    pub last_modified: Option<String>,
    /// sha256 of the cached bytes.
    pub sha256: String,
}

impl IndexMeta {
    fn encode(&self) -> String {
        // One field per line; header values cannot contain newlines.
        format!(
            "sha256={}\netag={}\nlast-modified={}\n",
            self.sha256,
            self.etag.as_deref().unwrap_or(""),
            self.last_modified.as_deref().unwrap_or("")
        )
    }

    fn decode(s: &str) -> Option<IndexMeta> {
        let mut m = IndexMeta::default();
        for line in s.lines() {
            let (k, v) = line.split_once('=')?;
            let v = (!v.is_empty()).then(|| v.to_string());
            match k {
                "sha256" => m.sha256 = v?,
                "etag" => m.etag = v,
                "last-modified" => m.last_modified = v,
                _ => {}
            }
        }
        (!m.sha256.is_empty()).then_some(m)
    }
}

/// The cache directory.
pub struct DiskCache {
    root: PathBuf,
    max_chart_bytes: u64,
    locks: KeyLocks,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

fn cache_err(path: &Path, e: impl std::fmt::Display) -> SourceError {
    SourceError::Cache {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// A temporary file next to its final place; removed on drop unless persisted.
pub struct TempFile {
    path: PathBuf,
    file: Option<std::fs::File>,
}

impl TempFile {
    /// The open file.
    pub fn file(&mut self) -> Result<&mut std::fs::File, SourceError> {
        let p = self.path.clone();
        self.file
            .as_mut()
            .ok_or_else(|| cache_err(&p, "temporary file closed"))
    }

    /// Flushes and atomically renames into `dest`.
    pub fn persist(mut self, dest: &Path) -> Result<(), SourceError> {
        if let Some(f) = self.file.take() {
            f.sync_all().map_err(|e| cache_err(&self.path, e))?;
        }
        std::fs::rename(&self.path, dest).map_err(|e| cache_err(dest, e))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.file.take().is_some() || self.path.exists() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl DiskCache {
    /// Opens (creating) a cache under `root`, charts bounded to `max_chart_bytes`.
    pub fn open(root: &Path, max_chart_bytes: u64) -> Result<DiskCache, SourceError> {
        for d in ["index", "charts"] {
            let p = root.join(d);
            std::fs::create_dir_all(&p).map_err(|e| cache_err(&p, e))?;
        }
        Ok(DiskCache {
            root: root.to_path_buf(),
            max_chart_bytes,
            locks: KeyLocks::default(),
        })
    }

    /// Per-key locks shared by the sources using this cache.
    pub fn locks(&self) -> &KeyLocks {
        &self.locks
    }

    /// A new temporary file in `dir` (`"index"` or `"charts"`).
    pub fn temp(&self, dir: &str) -> Result<TempFile, SourceError> {
        let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = self
            .root
            .join(dir)
            .join(format!(".tmp-{}-{n}-{nanos}", std::process::id()));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| cache_err(&path, e))?;
        Ok(TempFile {
            path,
            file: Some(file),
        })
    }

    /// Path of the cached index of the repository with key `repo_key`.
    pub fn index_path(&self, repo_key: &str) -> PathBuf {
        self.root.join("index").join(format!("{repo_key}.yaml"))
    }

    fn index_meta_path(&self, repo_key: &str) -> PathBuf {
        self.root.join("index").join(format!("{repo_key}.meta"))
    }

    /// The cached index's metadata, when both files are present.
    pub fn index_meta(&self, repo_key: &str) -> Option<IndexMeta> {
        if !self.index_path(repo_key).is_file() {
            return None;
        }
        let s = std::fs::read_to_string(self.index_meta_path(repo_key)).ok()?;
        IndexMeta::decode(&s)
    }

    /// Installs a downloaded index and its metadata.
    pub fn store_index(
        &self,
        repo_key: &str,
        tmp: TempFile,
        meta: &IndexMeta,
    ) -> Result<(), SourceError> {
        // Metadata first would let a crash pair new validators with old bytes; so the index goes
        // first and a stale .meta only causes one unconditional re-download (digest differs).
        tmp.persist(&self.index_path(repo_key))?;
        let mut mt = self.temp("index")?;
        std::io::Write::write_all(mt.file()?, meta.encode().as_bytes())
            .map_err(|e| cache_err(&self.index_meta_path(repo_key), e))?;
        mt.persist(&self.index_meta_path(repo_key))
    }

    /// Path of a chart cached under `key` (a sha256 hex digest).
    pub fn chart_path(&self, key: &str) -> PathBuf {
        self.root.join("charts").join(format!("{key}.tgz"))
    }

    /// Reads a cached chart and marks it recently used.
    pub fn read_chart(&self, key: &str) -> Option<Vec<u8>> {
        let p = self.chart_path(key);
        let bytes = std::fs::read(&p).ok()?;
        if let Ok(f) = std::fs::OpenOptions::new().write(true).open(&p) {
            let _ = f.set_modified(SystemTime::now());
        }
        Some(bytes)
    }

    /// Writes a chart atomically, then evicts least recently used charts over the bound.
    pub fn store_chart(&self, key: &str, bytes: &[u8]) -> Result<(), SourceError> {
        let dest = self.chart_path(key);
        let mut t = self.temp("charts")?;
        std::io::Write::write_all(t.file()?, bytes).map_err(|e| cache_err(&dest, e))?;
        t.persist(&dest)?;
        self.evict(&dest);
        Ok(())
    }

    /// Deletes oldest charts until the total fits `max_chart_bytes` (never `keep`).
    fn evict(&self, keep: &Path) {
        let dir = self.root.join("charts");
        let Ok(rd) = std::fs::read_dir(&dir) else {
            return;
        };
        let mut files: Vec<(SystemTime, u64, PathBuf)> = rd
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tgz"))
            .filter_map(|e| {
                let m = e.metadata().ok()?;
                Some((m.modified().ok()?, m.len(), e.path()))
            })
            .collect();
        let mut total: u64 = files.iter().map(|f| f.1).sum();
        files.sort();
        for (_, len, path) in files {
            if total <= self.max_chart_bytes {
                break;
            }
            if path != keep && std::fs::remove_file(&path).is_ok() {
                total = total.saturating_sub(len);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmpdir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("src-cache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn meta_roundtrip() {
        let m = IndexMeta {
            etag: Some("\"x\"".into()),
            last_modified: None,
            sha256: "ab".into(),
        };
        assert_eq!(IndexMeta::decode(&m.encode()), Some(m));
        assert_eq!(IndexMeta::decode("garbage"), None);
    }

    #[test]
    fn lru_evicts_oldest_but_keeps_newest() {
        let d = tmpdir("lru");
        let c = DiskCache::open(&d, 25).unwrap();
        c.store_chart("a", &[0; 10]).unwrap();
        let old = SystemTime::now() - std::time::Duration::from_secs(100);
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(c.chart_path("a"))
            .unwrap();
        f.set_modified(old).unwrap();
        c.store_chart("b", &[1; 10]).unwrap();
        assert!(c.read_chart("a").is_some(), "a touched, now newest");
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(c.chart_path("b"))
            .unwrap();
        f.set_modified(old).unwrap();
        c.store_chart("c", &[2; 10]).unwrap();
        assert!(c.read_chart("b").is_none(), "b was least recently used");
        assert!(c.read_chart("a").is_some() && c.read_chart("c").is_some());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn temp_files_are_removed_unless_persisted() {
        let d = tmpdir("tmp");
        let c = DiskCache::open(&d, 100).unwrap();
        let t = c.temp("index").unwrap();
        let p = t.path.clone();
        assert!(p.exists());
        drop(t);
        assert!(!p.exists());
        let _ = std::fs::remove_dir_all(&d);
    }
}
