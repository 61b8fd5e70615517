//! The actions the reconciler executes, one per file. Each writes its intent to release
//! storage (a `pending-*` record) before touching objects, and its outcome after.

pub mod install;
pub mod rollback;
pub mod test;
pub mod uninstall;
pub mod unlock;
pub mod upgrade;

use std::sync::Arc;
use std::time::Duration;

use kube::Client;

use crate::storage::{GoTime, Info, Release, Status, Storage};

use super::apply::{Applier, ClusterLookup, APPLY_METHOD};
use super::chart::{to_stored_chart, FetchedChart};
use super::values::{to_template_map, ComposedValues};

/// Everything an action needs about one release.
pub struct ReleaseCtx {
    pub client: Client,
    pub storage: Storage,
    pub applier: Applier,
    pub name: String,
    pub namespace: String,
    pub timeout: Duration,
    pub wait: bool,
    pub skip_crds: bool,
    /// `forceUpgrade`: upgrades replace objects instead of patching them.
    pub force: bool,
    pub capabilities: helm_render::Capabilities,
}

/// The apply method recorded in a release: Helm 4 records client-side apply (`csa`) for
/// updates by replacement, since `--force-replace` cannot be combined with server-side
/// apply.
pub fn apply_method(force: bool) -> &'static str {
    if force {
        "csa"
    } else {
        APPLY_METHOD
    }
}

/// Renders a chart for a revision on a large-stack thread (templates recurse deeply);
/// `lookup` reads the cluster.
pub async fn render(
    rc: &ReleaseCtx,
    chart: &FetchedChart,
    values: &ComposedValues,
    revision: i64,
    is_upgrade: bool,
) -> Result<helm_render::release::RenderedRelease, String> {
    let opts = helm_render::release::ReleaseRenderOptions {
        render: helm_render::RenderOptions {
            release: helm_render::ReleaseInfo {
                name: rc.name.clone(),
                namespace: rc.namespace.clone(),
                revision,
                is_install: !is_upgrade,
                is_upgrade,
                service: "Helm".into(),
            },
            capabilities: rc.capabilities.clone(),
            lookup: Arc::new(ClusterLookup {
                client: rc.client.clone(),
                handle: tokio::runtime::Handle::current(),
            }),
            ..helm_render::RenderOptions::default()
        },
        ..Default::default()
    };
    let c = chart.chart.clone();
    let user = to_template_map(&values.values);
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("render".into())
        .stack_size(1 << 30)
        .spawn(move || {
            let r = helm_render::release::render_release(c, &user, &opts);
            let _ = tx.send(r.map_err(|e| e.to_string()));
        })
        .map_err(|e| format!("starting render thread: {e}"))?;
    rx.await.map_err(|_| "render thread failed".to_string())?
}

/// A new release record (not yet stored).
#[allow(clippy::too_many_arguments)]
pub fn new_release(
    rc: &ReleaseCtx,
    chart: &FetchedChart,
    values: &ComposedValues,
    rendered: &helm_render::release::RenderedRelease,
    version: i64,
    status: Status,
    description: &str,
    first_deployed: GoTime,
) -> Release {
    let now = GoTime::now();
    Release {
        name: rc.name.clone(),
        info: Some(Info {
            first_deployed,
            last_deployed: now,
            description: description.to_string(),
            status,
            notes: rendered.notes.clone(),
            ..Info::default()
        }),
        chart: Some(to_stored_chart(&chart.chart)),
        config: values.values.clone(),
        manifest: rendered.manifest.clone(),
        hooks: super::hooks::to_release_hooks(&rendered.hooks),
        version,
        namespace: rc.namespace.clone(),
        apply_method: APPLY_METHOD.to_string(),
        ..Release::default()
    }
}

/// A revision marked `superseded`; like Helm, only the status changes (the description,
/// e.g. "Rollback to 1", stays: the decision reads it).
pub fn superseded(r: &Release) -> Release {
    let mut r = r.clone();
    r.info.get_or_insert_with(Info::default).status = Status::Superseded;
    r
}

pub async fn store_update(storage: &Storage, r: &Release) -> Result<(), String> {
    storage
        .update(r)
        .await
        .map_err(|e| format!("updating release {} v{}: {e}", r.name, r.version))
}

pub async fn store_create(storage: &Storage, r: &Release) -> Result<(), String> {
    storage
        .create(r)
        .await
        .map_err(|e| format!("creating release {} v{}: {e}", r.name, r.version))
}

/// Builds the applier for a release.
pub fn applier(client: &Client, name: &str, namespace: &str) -> Applier {
    Applier::new(client.clone(), name, namespace)
}
