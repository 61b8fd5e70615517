//! Chart archives (`.tgz`): gzip + tar read with limits, as Helm's `LoadArchive` but safe
//! against hostile input (paths escaping the chart, links, bombs, huge files).
//!
//! Every entry must sit under one top-level directory, which is stripped (`mychart/...`).

use std::io::Read;
use std::sync::Arc;

use crate::chart::{load_files_at_depth, BufferedFile, Chart, ChartError};

/// Limits applied while reading an archive.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Maximum compressed size in bytes.
    pub max_archive_bytes: u64,
    /// Maximum total decompressed size in bytes.
    pub max_total_bytes: u64,
    /// Maximum size of one file.
    pub max_file_bytes: u64,
    /// Maximum number of entries.
    pub max_files: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_archive_bytes: 64 * 1024 * 1024,
            max_total_bytes: 256 * 1024 * 1024,
            max_file_bytes: 32 * 1024 * 1024,
            max_files: 20_000,
        }
    }
}

/// Loads a chart from `.tgz` bytes.
pub fn load_archive(data: &[u8], limits: &Limits) -> Result<Chart, ChartError> {
    load_archive_at_depth(data, limits, 0)
}

pub(crate) fn load_archive_at_depth(
    data: &[u8],
    limits: &Limits,
    depth: usize,
) -> Result<Chart, ChartError> {
    let files = read_archive(data, limits)?;
    load_files_at_depth(files, depth)
}

/// The files of a chart archive, top-level directory stripped.
pub fn read_archive(data: &[u8], limits: &Limits) -> Result<Vec<BufferedFile>, ChartError> {
    let arch = |m: String| ChartError::Archive(m);
    if data.len() as u64 > limits.max_archive_bytes {
        return Err(ChartError::Limit(format!(
            "chart archive is {} bytes, more than the limit of {}",
            data.len(),
            limits.max_archive_bytes
        )));
    }
    let gz = flate2::read::GzDecoder::new(data);
    // The decompressed stream is cut at the limit so a bomb is detected without ever being
    // inflated whole.
    let exceeded = std::cell::Cell::new(false);
    let capped = CappedReader {
        inner: gz,
        left: limits.max_total_bytes,
        exceeded: &exceeded,
    };
    let bomb = || {
        ChartError::Limit(format!(
            "chart archive decompresses to more than {} bytes",
            limits.max_total_bytes
        ))
    };
    let mut tar = tar::Archive::new(capped);
    let entries = tar
        .entries()
        .map_err(|e| arch(format!("cannot read chart archive: {e}")))?;
    let mut files: Vec<BufferedFile> = Vec::new();
    let mut total: u64 = 0;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(_) if exceeded.get() => return Err(bomb()),
            Err(e) => return Err(arch(format!("cannot read chart archive: {e}"))),
        };
        let kind = entry.header().entry_type();
        let raw_path = entry
            .path()
            .map_err(|e| arch(format!("invalid path in chart archive: {e}")))?
            .to_string_lossy()
            .replace('\\', "/");
        if kind.is_dir() || kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        }
        if kind.is_symlink() || kind.is_hard_link() {
            return Err(arch(format!(
                "chart archive entry {raw_path:?} is a link, which charts may not contain"
            )));
        }
        if !kind.is_file() {
            continue;
        }
        if raw_path.starts_with('/') || raw_path.contains(":/") {
            return Err(arch(format!(
                "chart illegally contains absolute path {raw_path:?}"
            )));
        }
        let parts: Vec<&str> = raw_path
            .split('/')
            .filter(|p| !p.is_empty() && *p != ".")
            .collect();
        if parts.contains(&"..") {
            return Err(arch(format!(
                "chart illegally references parent directory: {raw_path:?}"
            )));
        }
        if parts.len() < 2 {
            // Helm: files must live under the chart's directory.
            if parts.len() == 1 && parts[0] == "pax_global_header" {
                continue;
            }
            return Err(arch(format!(
                "chart archive entry {raw_path:?} is outside the chart's top-level directory"
            )));
        }
        let name = parts[1..].join("/");
        let size = entry.header().size().unwrap_or(0);
        if size > limits.max_file_bytes {
            return Err(ChartError::Limit(format!(
                "file {name:?} in chart archive is {size} bytes, more than the limit of {}",
                limits.max_file_bytes
            )));
        }
        if files.len() >= limits.max_files {
            return Err(ChartError::Limit(format!(
                "chart archive has more than {} files",
                limits.max_files
            )));
        }
        let mut buf = Vec::with_capacity(size.min(1 << 20) as usize);
        (&mut entry)
            .take(limits.max_file_bytes + 1)
            .read_to_end(&mut buf)
            .map_err(|e| {
                if exceeded.get() {
                    bomb()
                } else {
                    arch(format!("cannot read {name:?} from chart archive: {e}"))
                }
            })?;
        total += buf.len() as u64;
        if total > limits.max_total_bytes {
            return Err(ChartError::Limit(format!(
                "chart archive decompresses to more than {} bytes",
                limits.max_total_bytes
            )));
        }
        if name == "Chart.yaml" || !files.iter().any(|f| f.name == name) {
            files.push(BufferedFile {
                name,
                data: Arc::from(buf),
            });
        }
    }
    if files.is_empty() {
        return Err(arch("no files in chart archive".into()));
    }
    Ok(files)
}

/// A reader that fails once more than `left` bytes were read, remembering why.
struct CappedReader<'a, R> {
    inner: R,
    left: u64,
    exceeded: &'a std::cell::Cell<bool>,
}

impl<R: Read> Read for CappedReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // Probe one byte: a stream that ends exactly at the limit is fine.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => {
                    self.exceeded.set(true);
                    Err(std::io::Error::other("decompressed size limit exceeded"))
                }
            };
        }
        let max = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        self.left -= n as u64;
        Ok(n)
    }
}
