//! `kube-sandbox`: an in-memory Kubernetes API server for tests and demos.
//!
//! It speaks enough of the real API for kubectl (discovery, OpenAPI v3 stubs, Table
//! output, protobuf request bodies, server-side apply), the Helm 4 SDK (client-go) and
//! kube-rs (watches with bookmarks and resume, metadata-only watches, the Events API).
//! Controllers do not run; instead workloads get a simulated status after a short delay.
//!
//! ```no_run
//! # async fn demo() -> Result<(), kube_sandbox::SandboxError> {
//! let sandbox = kube_sandbox::Sandbox::default();
//! let running = sandbox.listen("127.0.0.1:0").await?;
//! println!("{}", running.kubeconfig("default"));
//! # Ok(()) }
//! ```
//!
//! Modules: `store` (objects and write semantics), `server` (HTTP), `watch`, `managed`
//! (SSA), `patch`, `registry`, `discovery`, `table`, `selector`, `proto`, `events`,
//! `sim`, `faults`, `util`, `error`.

pub mod discovery;
pub mod error;
pub mod events;
pub mod faults;
pub mod managed;
pub mod patch;
pub mod proto;
pub mod registry;
pub mod selector;
pub mod server;
pub mod sim;
pub mod store;
pub mod table;
pub mod util;
pub mod watch;

pub use error::{ApiError, SandboxError};
pub use faults::{FaultSpec, Faults};
pub use store::{Config, Store};

use std::net::SocketAddr;
use std::path::Path;

/// `Sandbox` is one in-memory API server (store + router). Cloning shares the store.
#[derive(Debug, Clone)]
pub struct Sandbox {
    store: Store,
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::new(Config::default())
    }
}

impl Sandbox {
    /// `new` creates a sandbox holding the default namespaces.
    pub fn new(config: Config) -> Self {
        Sandbox {
            store: Store::new(config),
        }
    }

    /// `store` gives direct access to objects (for assertions).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// `faults` controls fault injection.
    pub fn faults(&self) -> &Faults {
        &self.store.inner().faults
    }

    /// `expire_watches` compacts the history and makes open watches receive a 410.
    pub fn expire_watches(&self) {
        self.store.compact();
        self.faults().expire_watches();
    }

    /// `router` is the API as an axum `Router` (a tower `Service`): use it with
    /// `kube::Client::new(sandbox.router(), "default")` for tests without sockets.
    pub fn router(&self) -> axum::Router {
        server::router(self.store.clone())
    }

    /// `client` is a `kube::Client` wired to the in-process router (no sockets).
    /// Must be called inside a tokio runtime.
    #[cfg(feature = "client")]
    pub fn client(&self) -> kube::Client {
        kube::Client::new(self.router(), "default")
    }

    /// `load_state` replaces the store content with a state file written by `save_state`.
    ///
    /// Errors: `StateIo` if unreadable, `StateFormat` if not JSON.
    pub fn load_state(&self, path: &Path) -> Result<(), SandboxError> {
        let text = std::fs::read(path).map_err(|source| SandboxError::StateIo {
            path: path.to_path_buf(),
            source,
        })?;
        let v: serde_json::Value =
            serde_json::from_slice(&text).map_err(|source| SandboxError::StateFormat {
                path: path.to_path_buf(),
                source,
            })?;
        self.store.restore(&v);
        Ok(())
    }

    /// `save_state` writes all objects and the resourceVersion counter as JSON.
    ///
    /// Errors: `StateIo`.
    pub fn save_state(&self, path: &Path) -> Result<(), SandboxError> {
        let text = serde_json::to_string_pretty(&self.store.snapshot())
            .unwrap_or_else(|_| "{}".to_string());
        std::fs::write(path, text).map_err(|source| SandboxError::StateIo {
            path: path.to_path_buf(),
            source,
        })
    }

    /// `listen` serves the API over plain HTTP on `addr` (e.g. `127.0.0.1:0`).
    ///
    /// Errors: `Bind` if the address cannot be bound.
    pub async fn listen(&self, addr: &str) -> Result<Running, SandboxError> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| SandboxError::Bind {
                addr: addr.to_string(),
                source,
            })?;
        let local = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: addr.to_string(),
            source,
        })?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = self.router();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await
                .map_err(SandboxError::Serve)
        });
        Ok(Running {
            addr: local,
            url: format!("http://{local}"),
            shutdown: Some(tx),
            task: Some(task),
            sandbox: self.clone(),
        })
    }
}

/// `start` runs a default sandbox on a free loopback port.
///
/// Errors: `Bind`.
pub async fn start() -> Result<Running, SandboxError> {
    Sandbox::default().listen("127.0.0.1:0").await
}

/// `Running` is a sandbox serving HTTP; dropping it stops the server.
#[derive(Debug)]
pub struct Running {
    /// Bound address.
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), SandboxError>>>,
    sandbox: Sandbox,
}

impl Running {
    /// `sandbox` being served.
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    /// `kubeconfig` text for this server (plain HTTP, dummy token).
    pub fn kubeconfig(&self, namespace: &str) -> String {
        kubeconfig(&self.url, namespace)
    }

    /// `write_kubeconfig` writes `kubeconfig("default")` to a file.
    ///
    /// Errors: `Kubeconfig`.
    pub fn write_kubeconfig(&self, path: &Path) -> Result<(), SandboxError> {
        std::fs::write(path, self.kubeconfig("default")).map_err(|source| {
            SandboxError::Kubeconfig {
                path: path.to_path_buf(),
                source,
            }
        })
    }

    /// `client` is a `kube::Client` talking HTTP to this server.
    #[cfg(feature = "client")]
    pub fn client(&self) -> Result<kube::Client, kube::Error> {
        let uri = self
            .url
            .parse()
            .map_err(|e: axum::http::uri::InvalidUri| kube::Error::Service(Box::new(e)))?;
        kube::Client::try_from(kube::Config::new(uri))
    }

    /// `stop` shuts the server down gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// `kubeconfig` for a server URL.
pub fn kubeconfig(url: &str, namespace: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: sandbox\n  cluster:\n    server: {url}\nusers:\n- name: sandbox\n  user:\n    token: sandbox\ncontexts:\n- name: sandbox\n  context:\n    cluster: sandbox\n    user: sandbox\n    namespace: {namespace}\ncurrent-context: sandbox\n"
    )
}
