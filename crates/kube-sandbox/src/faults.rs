//! Fault injection for tests: failing the next N writes with a status code, added latency,
//! and expiring (410) or dropping the open watches. Used through `Sandbox::faults()` or the
//! admin endpoint `/sandbox/faults`.

use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::watch;

/// `WatchSignal` is broadcast to open watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WatchSignal {
    /// Bumped to make open watches answer an `ERROR` 410 and close.
    pub expire: u64,
    /// Bumped to close open watches without a word.
    pub drop: u64,
}

/// `FaultSpec` is the JSON accepted by `POST /sandbox/faults` (all fields optional).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct FaultSpec {
    /// Fail this many of the next writes (POST/PUT/PATCH/DELETE).
    pub fail_writes: Option<u32>,
    /// With `failWrites`: the status code (409 or 500; default 500).
    pub fail_code: Option<u16>,
    /// Add this much latency to every request.
    pub latency_ms: Option<u64>,
    /// Expire all open watches now (they get a 410 ERROR event) and compact history.
    pub expire_watches: bool,
    /// Drop all open watch connections now.
    pub drop_watches: bool,
    /// Clear all faults first.
    pub clear: bool,
}

#[derive(Debug, Default)]
struct Inner {
    fail_writes: u32,
    fail_code: u16,
    latency: Duration,
}

/// `Faults` holds the active faults.
#[derive(Debug)]
pub struct Faults {
    inner: Mutex<Inner>,
    signal: watch::Sender<WatchSignal>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            inner: Mutex::new(Inner::default()),
            signal: watch::Sender::new(WatchSignal::default()),
        }
    }
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `fail_next_writes` makes the next `n` writes answer `code` (409 Conflict or 500).
    pub fn fail_next_writes(&self, n: u32, code: u16) {
        let mut i = self.lock();
        i.fail_writes = n;
        i.fail_code = code;
    }

    /// `set_latency` delays every request.
    pub fn set_latency(&self, d: Duration) {
        self.lock().latency = d;
    }

    /// `latency` currently injected.
    pub fn latency(&self) -> Duration {
        self.lock().latency
    }

    /// `take_write_failure` consumes one injected write failure, if any, returning its code.
    pub fn take_write_failure(&self) -> Option<u16> {
        let mut i = self.lock();
        if i.fail_writes == 0 {
            return None;
        }
        i.fail_writes -= 1;
        Some(if i.fail_code == 0 { 500 } else { i.fail_code })
    }

    /// `expire_watches` makes open watches send a 410 `ERROR` event and close.
    /// (The store also compacts its history; see `Sandbox::expire_watches`.)
    pub fn expire_watches(&self) {
        self.signal.send_modify(|s| s.expire += 1);
    }

    /// `drop_watches` closes open watch connections.
    pub fn drop_watches(&self) {
        self.signal.send_modify(|s| s.drop += 1);
    }

    /// `subscribe` to watch signals.
    pub fn subscribe(&self) -> watch::Receiver<WatchSignal> {
        self.signal.subscribe()
    }

    /// `clear` removes write failures and latency.
    pub fn clear(&self) {
        *self.lock() = Inner::default();
    }

    /// `describe` the current faults as a `FaultSpec`.
    pub fn describe(&self) -> FaultSpec {
        let i = self.lock();
        FaultSpec {
            fail_writes: Some(i.fail_writes),
            fail_code: Some(if i.fail_code == 0 { 500 } else { i.fail_code }),
            latency_ms: Some(i.latency.as_millis() as u64),
            ..FaultSpec::default()
        }
    }

    /// `apply_spec` applies a `FaultSpec` except the watch expiry (the caller compacts).
    pub fn apply_spec(&self, spec: &FaultSpec) {
        if spec.clear {
            self.clear();
        }
        if let Some(n) = spec.fail_writes {
            self.fail_next_writes(n, spec.fail_code.unwrap_or(500));
        }
        if let Some(ms) = spec.latency_ms {
            self.set_latency(Duration::from_millis(ms));
        }
        if spec.drop_watches {
            self.drop_watches();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_failures_count_down() {
        let f = Faults::default();
        f.fail_next_writes(2, 409);
        assert_eq!(f.take_write_failure(), Some(409));
        assert_eq!(f.take_write_failure(), Some(409));
        assert_eq!(f.take_write_failure(), None);
    }
}
