//! kube-rs against the sandbox: CRUD, 404/409 Status bodies, watch resume, 410 Expired,
//! bookmarks, finalizers, SSA conflicts, CRDs with status and printer columns, metadata
//! watches, the events Recorder seen through core/v1, workload simulation, faults, and a
//! status-patching Controller that must not reconcile in a loop.

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Event as CoreEvent, Namespace, Secret};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{
    Api, DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams,
};
use kube::{Client, CustomResource, CustomResourceExt, Resource, ResourceExt};
use kube_sandbox::Sandbox;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

type R = Result<(), Box<dyn std::error::Error>>;

#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[kube(
    group = "example.com",
    version = "v1",
    kind = "Widget",
    namespaced,
    status = "WidgetStatus",
    shortname = "wd",
    printcolumn = r#"{"name":"Phase","type":"string","jsonPath":".status.phase"}"#,
    printcolumn = r#"{"name":"Size","type":"integer","jsonPath":".spec.size"}"#
)]
pub struct WidgetSpec {
    size: i32,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, JsonSchema)]
pub struct WidgetStatus {
    phase: Option<String>,
    observed: Option<i64>,
}

fn cm(name: &str) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name}, "data": {"k": "v"}}))
        .unwrap_or_default()
}

async fn install_crd(client: &Client) -> R {
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    crds.create(&PostParams::default(), &Widget::crd()).await?;
    Ok(())
}

fn api_code(e: &kube::Error) -> Option<(u16, String)> {
    match e {
        kube::Error::Api(s) => Some((s.code, s.reason.clone())),
        _ => None,
    }
}

#[tokio::test]
async fn crud_configmap_with_status_errors() -> R {
    let sb = Sandbox::default();
    let cms: Api<ConfigMap> = Api::namespaced(sb.client(), "default");
    let created = cms.create(&PostParams::default(), &cm("a")).await?;
    assert!(created.metadata.uid.is_some());
    assert!(created.metadata.creation_timestamp.is_some());
    let dup = cms.create(&PostParams::default(), &cm("a")).await;
    assert_eq!(
        dup.err().as_ref().and_then(api_code),
        Some((409, "AlreadyExists".into()))
    );
    let mut stale = created.clone();
    let mut fresh = cms.get("a").await?;
    fresh.data = Some([("k".to_string(), "w".to_string())].into());
    let updated = cms.replace("a", &PostParams::default(), &fresh).await?;
    assert_ne!(updated.resource_version(), created.resource_version());
    stale.data = Some([("k".to_string(), "stale".to_string())].into());
    let conflict = cms.replace("a", &PostParams::default(), &stale).await;
    assert_eq!(
        conflict.err().as_ref().and_then(api_code),
        Some((409, "Conflict".into()))
    );
    // no-op write keeps the resourceVersion
    let same = cms.replace("a", &PostParams::default(), &updated).await?;
    assert_eq!(same.resource_version(), updated.resource_version());
    let list = cms.list(&ListParams::default()).await?;
    assert_eq!(list.items.len(), 1);
    cms.delete("a", &DeleteParams::default()).await?;
    let gone = cms.get("a").await;
    assert_eq!(
        gone.err().as_ref().and_then(api_code),
        Some((404, "NotFound".into()))
    );
    let ns: Api<Namespace> = Api::all(sb.client());
    assert!(ns.get("default").await.is_ok());
    Ok(())
}

#[tokio::test]
async fn generate_name_selectors_and_paging() -> R {
    let sb = Sandbox::default();
    let cms: Api<ConfigMap> = Api::namespaced(sb.client(), "default");
    for i in 0..5 {
        let c: ConfigMap = serde_json::from_value(json!({"metadata": {"generateName": "gen-",
            "labels": {"i": i.to_string(), "even": (i % 2 == 0).to_string()}}}))?;
        let c = cms.create(&PostParams::default(), &c).await?;
        assert!(c.name_any().starts_with("gen-") && c.name_any().len() == 9);
    }
    let even = cms.list(&ListParams::default().labels("even=true")).await?;
    assert_eq!(even.items.len(), 3);
    let set = cms
        .list(&ListParams::default().labels("i in (1,2),even!=true"))
        .await?;
    assert_eq!(set.items.len(), 1);
    let page1 = cms.list(&ListParams::default().limit(2)).await?;
    assert_eq!(page1.items.len(), 2);
    let token = page1.metadata.continue_.clone().unwrap_or_default();
    assert!(!token.is_empty());
    let page2 = cms
        .list(&ListParams::default().limit(10).continue_token(&token))
        .await?;
    assert_eq!(page2.items.len(), 3);
    let bad = cms.list(&ListParams::default().fields("spec.nope=1")).await;
    assert_eq!(
        bad.err().as_ref().and_then(api_code).map(|c| c.0),
        Some(400)
    );
    Ok(())
}

#[tokio::test]
async fn watch_resumes_and_expires() -> R {
    let sb = Sandbox::default();
    let cms: Api<ConfigMap> = Api::namespaced(sb.client(), "default");
    let first = cms.create(&PostParams::default(), &cm("w1")).await?;
    let rv = first.resource_version().unwrap_or_default();
    cms.create(&PostParams::default(), &cm("w2")).await?;
    cms.patch(
        "w1",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"k": "changed"}})),
    )
    .await?;
    // resume after w1: sees w2 ADDED and w1 MODIFIED, nothing before
    let mut stream = cms
        .watch(&WatchParams::default().timeout(2), &rv)
        .await?
        .boxed();
    let mut seen = vec![];
    while let Some(ev) = stream.try_next().await? {
        match ev {
            WatchEvent::Added(c) => seen.push(format!("ADDED {}", c.name_any())),
            WatchEvent::Modified(c) => seen.push(format!("MODIFIED {}", c.name_any())),
            WatchEvent::Deleted(c) => seen.push(format!("DELETED {}", c.name_any())),
            _ => {}
        }
        if seen.len() == 2 {
            break;
        }
    }
    assert_eq!(seen, vec!["ADDED w2", "MODIFIED w1"]);
    // after compaction the old resourceVersion is gone: ERROR 410 Expired
    sb.expire_watches();
    let mut stream = cms
        .watch(&WatchParams::default().timeout(2), &rv)
        .await?
        .boxed();
    match stream.try_next().await? {
        Some(WatchEvent::Error(s)) => {
            assert_eq!(s.code, 410);
            assert_eq!(s.reason, "Expired");
        }
        other => return Err(format!("expected 410, got {other:?}").into()),
    }
    Ok(())
}

#[tokio::test]
async fn watch_bookmarks_and_open_watch_expiry() -> R {
    let sb = Sandbox::new(kube_sandbox::Config {
        bookmark_interval: Duration::from_millis(100),
        ..Default::default()
    });
    let cms: Api<ConfigMap> = Api::namespaced(sb.client(), "default");
    let list = cms.list(&ListParams::default()).await?;
    let rv = list.metadata.resource_version.unwrap_or_default();
    let mut stream = cms
        .watch(
            &WatchParams {
                bookmarks: true,
                ..WatchParams::default().timeout(5)
            },
            &rv,
        )
        .await?
        .boxed();
    cms.create(&PostParams::default(), &cm("b1")).await?;
    let mut got_added = false;
    let mut got_bookmark = false;
    while let Some(ev) = stream.try_next().await? {
        match ev {
            WatchEvent::Added(_) => got_added = true,
            WatchEvent::Bookmark(_) => got_bookmark = true,
            _ => {}
        }
        if got_added && got_bookmark {
            break;
        }
    }
    assert!(got_added && got_bookmark);
    sb.expire_watches();
    let mut expired = false;
    while let Some(ev) = stream.try_next().await? {
        if let WatchEvent::Error(s) = ev {
            expired = s.code == 410;
            break;
        }
    }
    assert!(expired);
    Ok(())
}

#[tokio::test]
async fn finalizers_block_deletion() -> R {
    let sb = Sandbox::default();
    let cms: Api<ConfigMap> = Api::namespaced(sb.client(), "default");
    let c: ConfigMap = serde_json::from_value(
        json!({"metadata": {"name": "f", "finalizers": ["example.com/keep"]}}),
    )?;
    cms.create(&PostParams::default(), &c).await?;
    cms.delete("f", &DeleteParams::default()).await?;
    let still = cms.get("f").await?;
    assert!(still.metadata.deletion_timestamp.is_some());
    cms.patch(
        "f",
        &PatchParams::default(),
        &Patch::Json::<()>(serde_json::from_value(json!([
            {"op": "test", "path": "/metadata/finalizers/0", "value": "example.com/keep"},
            {"op": "remove", "path": "/metadata/finalizers/0"}]))?),
    )
    .await?;
    assert!(cms.get_opt("f").await?.is_none());
    Ok(())
}

#[tokio::test]
async fn ssa_conflicts_force_and_field_removal() -> R {
    let sb = Sandbox::default();
    let cms: Api<ConfigMap> = Api::namespaced(sb.client(), "default");
    let a = PatchParams::apply("manager-a");
    let b = PatchParams::apply("manager-b");
    let cfg = |data: serde_json::Value| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "s"}, "data": data});
    let created = cms
        .patch("s", &a, &Patch::Apply(cfg(json!({"x": "1", "y": "1"}))))
        .await?;
    assert_eq!(created.managed_fields().len(), 1);
    assert_eq!(
        created.managed_fields()[0].api_version.as_deref(),
        Some("v1")
    );
    assert_eq!(
        created.managed_fields()[0].operation.as_deref(),
        Some("Apply")
    );
    let again = cms
        .patch("s", &a, &Patch::Apply(cfg(json!({"x": "1", "y": "1"}))))
        .await?;
    assert_eq!(again.resource_version(), created.resource_version());
    let conflict = cms
        .patch("s", &b, &Patch::Apply(cfg(json!({"x": "2"}))))
        .await;
    assert_eq!(
        conflict.err().as_ref().and_then(api_code),
        Some((409, "Conflict".into()))
    );
    let forced = cms
        .patch(
            "s",
            &b.clone().force(),
            &Patch::Apply(cfg(json!({"x": "2"}))),
        )
        .await?;
    assert_eq!(
        forced
            .data
            .as_ref()
            .and_then(|d| d.get("x"))
            .map(String::as_str),
        Some("2")
    );
    // manager-a stops applying y: y is removed; x now belongs to b and stays
    let after = cms.patch("s", &a, &Patch::Apply(cfg(json!({})))).await?;
    let data = after.data.unwrap_or_default();
    assert_eq!(data.get("x").map(String::as_str), Some("2"));
    assert!(!data.contains_key("y"));
    Ok(())
}

#[tokio::test]
async fn crd_discovery_status_generation_and_pruning() -> R {
    let sb = Sandbox::default();
    let client = sb.client();
    install_crd(&client).await?;
    let discovery = kube::Discovery::new(client.clone()).run().await?;
    assert!(discovery.has_group("example.com"));
    let widgets: Api<Widget> = Api::namespaced(client.clone(), "default");
    let w = Widget::new("w1", WidgetSpec { size: 1 });
    let created = widgets.create(&PostParams::default(), &w).await?;
    assert_eq!(created.metadata.generation, Some(1));
    // status via the main resource is ignored; via /status it sticks, without generation bump
    let st = widgets
        .patch_status(
            "w1",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"phase": "Ready", "unknownField": 1}})),
        )
        .await?;
    assert_eq!(
        st.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Ready")
    );
    assert_eq!(st.metadata.generation, Some(1));
    let raw: Api<kube::api::DynamicObject> = Api::namespaced_with(
        client.clone(),
        "default",
        &kube::api::ApiResource::erase::<Widget>(&()),
    );
    let dynw = raw.get("w1").await?;
    assert!(dynw.data["status"].get("unknownField").is_none(), "pruned");
    let labeled = widgets
        .patch(
            "w1",
            &PatchParams::default(),
            &Patch::Merge(
                json!({"metadata": {"labels": {"a": "b"}}, "status": {"phase": "Ignored"}}),
            ),
        )
        .await?;
    assert_eq!(labeled.metadata.generation, Some(1));
    assert_eq!(
        labeled.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Ready")
    );
    let spec = widgets
        .patch(
            "w1",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"size": 2}})),
        )
        .await?;
    assert_eq!(spec.metadata.generation, Some(2));
    let applied = widgets
        .patch(
            "w2",
            &PatchParams::apply("tester"),
            &Patch::Apply(
                json!({"apiVersion": "example.com/v1", "kind": "Widget", "spec": {"size": 9}}),
            ),
        )
        .await?;
    assert_eq!(
        applied.managed_fields()[0].api_version.as_deref(),
        Some("example.com/v1")
    );
    assert_eq!(applied.metadata.generation, Some(1));
    // deleting the CRD removes it from discovery and deletes its objects
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    crds.delete("widgets.example.com", &DeleteParams::default())
        .await?;
    let discovery = kube::Discovery::new(client.clone()).run().await?;
    assert!(!discovery.has_group("example.com"));
    Ok(())
}

#[tokio::test]
async fn recorder_events_visible_as_core_v1() -> R {
    let sb = Sandbox::default();
    let client = sb.client();
    install_crd(&client).await?;
    let widgets: Api<Widget> = Api::namespaced(client.clone(), "default");
    let w = widgets
        .create(
            &PostParams::default(),
            &Widget::new("ev", WidgetSpec { size: 1 }),
        )
        .await?;
    let recorder = kube::runtime::events::Recorder::new(client.clone(), "widget-controller".into());
    let ev = kube::runtime::events::Event {
        type_: kube::runtime::events::EventType::Normal,
        reason: "Reconciled".into(),
        note: Some("all good".into()),
        action: "Reconcile".into(),
        secondary: None,
    };
    recorder.publish(&ev, &w.object_ref(&())).await?;
    recorder.publish(&ev, &w.object_ref(&())).await?;
    let core: Api<CoreEvent> = Api::namespaced(client.clone(), "default");
    let uid = w.uid().unwrap_or_default();
    let sel = format!(
        "involvedObject.name=ev,involvedObject.namespace=default,involvedObject.kind=Widget,involvedObject.uid={uid}"
    );
    let found = core.list(&ListParams::default().fields(&sel)).await?;
    assert_eq!(found.items.len(), 1);
    let e = &found.items[0];
    assert_eq!(e.message.as_deref(), Some("all good"));
    assert_eq!(e.reason.as_deref(), Some("Reconciled"));
    assert_eq!(e.count, Some(2));
    Ok(())
}

#[tokio::test]
async fn metadata_list_and_watch() -> R {
    let sb = Sandbox::default();
    let secrets: Api<Secret> = Api::namespaced(sb.client(), "default");
    let s: Secret = serde_json::from_value(
        json!({"metadata": {"name": "m", "labels": {"a": "1"}}, "stringData": {"p": "secret"}}),
    )?;
    let created = secrets.create(&PostParams::default(), &s).await?;
    assert_eq!(
        created
            .data
            .as_ref()
            .and_then(|d| d.get("p"))
            .map(|b| b.0.clone()),
        Some(b"secret".to_vec())
    );
    let metas = secrets.list_metadata(&ListParams::default()).await?;
    assert_eq!(metas.items.len(), 1);
    assert_eq!(
        metas.items[0].labels().get("a").map(String::as_str),
        Some("1")
    );
    let mut stream = secrets
        .watch_metadata(&WatchParams::default().timeout(2), "0")
        .await?
        .boxed();
    match stream.try_next().await? {
        Some(WatchEvent::Added(m)) => assert_eq!(m.name_any(), "m"),
        other => return Err(format!("unexpected {other:?}").into()),
    }
    Ok(())
}

#[tokio::test]
async fn workloads_become_ready_or_fail() -> R {
    let sb = Sandbox::default();
    let deploys: Api<Deployment> = Api::namespaced(sb.client(), "default");
    let mk = |name: &str, fail: bool| -> Result<Deployment, serde_json::Error> {
        let mut ann = serde_json::Map::new();
        if fail {
            ann.insert("sandbox.helmrelease.dev/fail".into(), json!("true"));
        }
        serde_json::from_value(json!({"metadata": {"name": name, "annotations": ann},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                "template": {"metadata": {"labels": {"app": name}},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}))
    };
    deploys
        .create(&PostParams::default(), &mk("ok", false)?)
        .await?;
    deploys
        .create(&PostParams::default(), &mk("bad", true)?)
        .await?;
    let cond = |d: &Deployment, t: &str| {
        d.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .and_then(|c| c.iter().find(|c| c.type_ == t).cloned())
    };
    let mut ready = false;
    for _ in 0..250 {
        let d = deploys.get("ok").await?;
        if d.status.as_ref().and_then(|s| s.available_replicas) == Some(2)
            && d.status.as_ref().and_then(|s| s.observed_generation) == Some(1)
        {
            ready = cond(&d, "Available").is_some_and(|c| c.status == "True");
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(ready);
    let mut reason = None;
    for _ in 0..250 {
        let bad = deploys.get("bad").await?;
        reason = cond(&bad, "Progressing").and_then(|c| c.reason);
        if reason.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(reason.as_deref(), Some("ProgressDeadlineExceeded"));
    Ok(())
}

#[tokio::test]
async fn injected_faults() -> R {
    let sb = Sandbox::default();
    let cms: Api<ConfigMap> = Api::namespaced(sb.client(), "default");
    sb.faults().fail_next_writes(1, 500);
    let failed = cms.create(&PostParams::default(), &cm("x")).await;
    assert_eq!(
        failed.err().as_ref().and_then(api_code).map(|c| c.0),
        Some(500)
    );
    cms.create(&PostParams::default(), &cm("x")).await?;
    sb.faults().fail_next_writes(1, 409);
    let conflict = cms.delete("x", &DeleteParams::default()).await;
    assert_eq!(
        conflict.err().as_ref().and_then(api_code).map(|c| c.0),
        Some(409)
    );
    Ok(())
}

#[tokio::test]
async fn state_round_trip() -> R {
    let dir = std::env::temp_dir().join(format!("kube-sandbox-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("state.json");
    let sb = Sandbox::default();
    let cms: Api<ConfigMap> = Api::namespaced(sb.client(), "default");
    cms.create(&PostParams::default(), &cm("persist")).await?;
    sb.save_state(&path)?;
    let sb2 = Sandbox::default();
    sb2.load_state(&path)?;
    let cms2: Api<ConfigMap> = Api::namespaced(sb2.client(), "default");
    assert!(cms2.get("persist").await.is_ok());
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

#[tokio::test]
async fn controller_status_patch_does_not_loop() -> R {
    use kube::runtime::controller::{Action, Controller};
    let sb = Sandbox::default();
    let client = sb.client();
    install_crd(&client).await?;
    let widgets: Api<Widget> = Api::namespaced(client.clone(), "default");
    widgets
        .create(
            &PostParams::default(),
            &Widget::new("loop", WidgetSpec { size: 1 }),
        )
        .await?;
    let reconciles = Arc::new(AtomicUsize::new(0));

    #[derive(Debug, thiserror::Error)]
    #[error("reconcile failed: {0}")]
    struct Failed(#[from] kube::Error);

    async fn reconcile(
        w: Arc<Widget>,
        ctx: Arc<(Api<Widget>, Arc<AtomicUsize>)>,
    ) -> Result<Action, Failed> {
        ctx.1.fetch_add(1, Ordering::SeqCst);
        let owner = w
            .controller_owner_ref(&())
            .map(|o| vec![o])
            .unwrap_or_default();
        let child = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": format!("{}-child", w.name_any()), "ownerReferences": owner},
            "data": {"size": w.spec.size.to_string()}});
        let cms: Api<ConfigMap> = Api::namespaced(ctx.0.clone().into_client(), "default");
        cms.patch(
            &format!("{}-child", w.name_any()),
            &PatchParams::apply("widget-ctl").force(),
            &Patch::Apply(child),
        )
        .await?;
        let status = json!({"apiVersion": "example.com/v1", "kind": "Widget",
            "status": {"phase": "Ready", "observed": w.metadata.generation}});
        ctx.0
            .patch_status(
                &w.name_any(),
                &PatchParams::apply("widget-ctl").force(),
                &Patch::Apply(status),
            )
            .await?;
        Ok(Action::await_change())
    }
    fn error_policy(_: Arc<Widget>, _: &Failed, _: Arc<(Api<Widget>, Arc<AtomicUsize>)>) -> Action {
        Action::requeue(Duration::from_secs(1))
    }

    let ctx = Arc::new((widgets.clone(), reconciles.clone()));
    let children: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let ctl = Controller::new(widgets.clone(), kube::runtime::watcher::Config::default())
        .owns(children.clone(), kube::runtime::watcher::Config::default())
        .run(reconcile, error_policy, ctx)
        .for_each(|_| async {});
    let handle = tokio::spawn(ctl);
    // Wait (bounded) until the first reconcile has written status for generation 1.
    let observed = |want: i64| {
        let widgets = widgets.clone();
        async move {
            for _ in 0..200 {
                let w = widgets.get("loop").await?;
                if w.status.and_then(|s| s.observed) == Some(want) {
                    return Ok::<bool, kube::Error>(true);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Ok(false)
        }
    };
    assert!(observed(1).await?, "status for generation 1 never written");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let first = reconciles.load(Ordering::SeqCst);
    let rv1 = sb.store().resource_version();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(sb.store().resource_version(), rv1, "no writes while idle");
    assert!((1..=2).contains(&first), "reconciled {first} times");
    assert_eq!(
        reconciles.load(Ordering::SeqCst),
        first,
        "no reconciles while idle"
    );
    widgets
        .patch(
            "loop",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"size": 5}})),
        )
        .await?;
    assert!(observed(2).await?, "status for generation 2 never written");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let second = reconciles.load(Ordering::SeqCst) - first;
    assert!(
        (1..=2).contains(&second),
        "reconciled {second} times after a spec change"
    );
    let child = children.get("loop-child").await?;
    assert_eq!(
        child
            .data
            .unwrap_or_default()
            .get("size")
            .map(String::as_str),
        Some("5")
    );
    handle.abort();
    // owner-reference GC: deleting the Widget deletes its ConfigMap
    widgets.delete("loop", &DeleteParams::default()).await?;
    assert!(children.get_opt("loop-child").await?.is_none());
    Ok(())
}

#[tokio::test]
async fn served_over_http_with_kubeconfig() -> R {
    let running = kube_sandbox::start().await?;
    assert!(running.url.starts_with("http://127.0.0.1:"));
    let kc = kube::config::Kubeconfig::from_yaml(&running.kubeconfig("default"))?;
    let config = kube::Config::from_custom_kubeconfig(kc, &Default::default()).await?;
    let client = Client::try_from(config)?;
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let list = cms.list(&ListParams::default()).await?;
    let rv = list.metadata.resource_version.unwrap_or_default();
    let mut stream = cms
        .watch(&WatchParams::default().timeout(5), &rv)
        .await?
        .boxed();
    cms.create(&PostParams::default(), &cm("over-http")).await?;
    match stream.try_next().await? {
        Some(WatchEvent::Added(c)) => assert_eq!(c.name_any(), "over-http"),
        other => return Err(format!("unexpected {other:?}").into()),
    }
    // a dropped watch ends the stream without an error event
    running.sandbox().faults().drop_watches();
    let next = tokio::time::timeout(Duration::from_secs(5), stream.try_next()).await?;
    assert!(matches!(next, Ok(None)), "stream should end, got {next:?}");
    let via_client = running.client()?;
    let again: Api<ConfigMap> = Api::namespaced(via_client, "default");
    assert!(again.get("over-http").await.is_ok());
    running.stop().await;
    Ok(())
}
