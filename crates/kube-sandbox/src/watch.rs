//! Watch streams: newline-delimited JSON `WatchEvent`s (ADDED/MODIFIED/DELETED/BOOKMARK/
//! ERROR) following the store's change log, with resume from a resourceVersion, 410 Expired
//! beyond the retained history, bookmarks, `sendInitialEvents`, `timeoutSeconds`, per-watch
//! Table/PartialObjectMetadata shapes and fault-injected expiry or drops.

use crate::error::ApiError;
use crate::registry::ResourceType;
use crate::store::{ListOpts, Store};
use crate::table::{self, Format};
use axum::body::Bytes;
use serde_json::{json, Value};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::mpsc;

/// `WatchParams` are the query parameters of one watch.
#[derive(Debug, Clone, Default)]
pub struct WatchParams {
    /// `resourceVersion` (None or 0: start with the current state).
    pub resource_version: Option<u64>,
    /// `sendInitialEvents=true`.
    pub send_initial: bool,
    /// `allowWatchBookmarks=true`.
    pub bookmarks: bool,
    /// `timeoutSeconds`.
    pub timeout: Option<Duration>,
    /// Selectors.
    pub opts: ListOpts,
    /// Response shape from Accept.
    pub format: Format,
    /// Table `includeObject`.
    pub include: String,
}

/// `LineStream` adapts a channel of lines to an HTTP body stream.
pub struct LineStream(mpsc::Receiver<Bytes>);

impl futures_core::Stream for LineStream {
    type Item = Result<Bytes, std::convert::Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx).map(|o| o.map(Ok))
    }
}

fn line(etype: &str, object: Value) -> Bytes {
    let mut s = json!({"type": etype, "object": object}).to_string();
    s.push('\n');
    Bytes::from(s)
}

struct Emitter {
    rt: Arc<ResourceType>,
    format: Format,
    include: String,
    first_table: bool,
}

impl Emitter {
    fn shape(&mut self, obj: Value) -> Value {
        match self.format {
            Format::Full => obj,
            Format::Metadata => table::partial(&obj),
            Format::Table => {
                let rv = obj
                    .get("metadata")
                    .and_then(|m| m.get("resourceVersion"))
                    .cloned()
                    .unwrap_or(json!(""));
                let with_cols = std::mem::replace(&mut self.first_table, false);
                table::table(
                    &self.rt,
                    &[obj],
                    json!({"resourceVersion": rv}),
                    &self.include,
                    with_cols,
                )
            }
        }
    }

    fn bookmark(&self, rv: u64, initial_end: bool) -> Bytes {
        let mut md = json!({"resourceVersion": rv.to_string()});
        if initial_end {
            md["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let (kind, api) = match self.format {
            Format::Full => (self.rt.kind.clone(), self.rt.api_version()),
            Format::Metadata => ("PartialObjectMetadata".into(), "meta.k8s.io/v1".into()),
            Format::Table => ("Table".into(), "meta.k8s.io/v1".into()),
        };
        line(
            "BOOKMARK",
            json!({"kind": kind, "apiVersion": api, "metadata": md}),
        )
    }
}

fn error_line(e: &ApiError) -> Bytes {
    line("ERROR", e.status())
}

/// `start` spawns the watch task and returns the body stream.
pub fn start(
    store: Store,
    rt: Arc<ResourceType>,
    ns: Option<String>,
    p: WatchParams,
) -> LineStream {
    let (tx, rx) = mpsc::channel::<Bytes>(256);
    tokio::spawn(run(store, rt, ns, p, tx));
    LineStream(rx)
}

async fn run(
    store: Store,
    rt: Arc<ResourceType>,
    ns: Option<String>,
    p: WatchParams,
    tx: mpsc::Sender<Bytes>,
) {
    let mut rv_rx = store.subscribe();
    let mut sig = store.inner().faults.subscribe();
    let start_sig = *sig.borrow_and_update();
    let mut em = Emitter {
        rt: rt.clone(),
        format: p.format,
        include: p.include.clone(),
        first_table: true,
    };
    let timeout = p.timeout.unwrap_or(Duration::from_secs(1800));
    let deadline = tokio::time::Instant::now() + timeout;
    let mut bookmark = tokio::time::interval(store.inner().config.bookmark_interval);
    bookmark.tick().await;
    rv_rx.borrow_and_update();
    let ns = ns.as_deref();
    let mut cursor = match store.watch_start(&rt, ns, p.resource_version, p.send_initial, &p.opts) {
        Ok((items, cursor)) => {
            for it in items {
                let o = em.shape(it);
                if tx.send(line("ADDED", o)).await.is_err() {
                    return;
                }
            }
            if p.send_initial && tx.send(em.bookmark(cursor, true)).await.is_err() {
                return;
            }
            cursor
        }
        Err(e) => {
            let _ = tx.send(error_line(&e)).await;
            return;
        }
    };
    loop {
        // T8: read the changes after marking the notification seen, and advance the
        // cursor only to what this snapshot covered.
        rv_rx.borrow_and_update();
        match store.changes_since(&rt, ns, cursor, &p.opts) {
            Ok((changes, next)) => {
                for (etype, obj) in changes {
                    let o = em.shape(obj);
                    if tx.send(line(etype, o)).await.is_err() {
                        return;
                    }
                }
                cursor = next;
            }
            Err(e) => {
                let _ = tx.send(error_line(&e)).await;
                return;
            }
        }
        tokio::select! {
            r = rv_rx.changed() => if r.is_err() { return },
            _ = bookmark.tick(), if p.bookmarks => {
                if tx.send(em.bookmark(cursor, false)).await.is_err() {
                    return;
                }
            }
            _ = tokio::time::sleep_until(deadline) => return,
            r = sig.changed() => {
                if r.is_err() {
                    return;
                }
                let now = *sig.borrow_and_update();
                if now.expire != start_sig.expire {
                    let e = ApiError::gone(format!("too old resource version: {cursor}"));
                    let _ = tx.send(error_line(&e)).await;
                }
                return;
            }
            _ = tx.closed() => return,
        }
    }
}
