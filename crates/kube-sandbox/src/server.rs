//! HTTP front end: an axum `Router` that parses Kubernetes API paths and query
//! parameters, negotiates content types (JSON, YAML apply bodies, protobuf request bodies,
//! Table/PartialObjectMetadata responses, aggregated discovery), applies injected faults,
//! and calls the store. It owns no state of its own.

use crate::discovery;
use crate::error::ApiError;
use crate::proto;
use crate::registry::ResourceType;
use crate::selector::{FieldSelector, LabelSelector};
use crate::store::{DeleteOpts, ListOpts, PatchType, Store, Sub, WriteOpts};
use crate::table::{self, Format};
use crate::watch::{self, WatchParams};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Largest accepted request body.
const MAX_BODY: usize = 64 << 20;

/// `router` builds the API server's router over a store.
pub fn router(store: Store) -> Router {
    Router::new().fallback(handle).with_state(store)
}

fn respond(code: u16, ctype: &str, body: &Value) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, ctype.to_string())],
        body.to_string(),
    )
        .into_response()
}

fn ok(body: &Value) -> Response {
    respond(200, "application/json", body)
}

fn error(e: &ApiError) -> Response {
    respond(e.code, "application/json", &e.status())
}

async fn handle(State(store): State<Store>, req: Request) -> Response {
    let latency = store.inner().faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => return error(&ApiError::bad_request(format!("reading body: {e}"))),
    };
    let query: HashMap<String, String> = parts
        .uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let ctx = Ctx {
        store: &store,
        method: &parts.method,
        headers: &parts.headers,
        query: &query,
        body: &bytes,
    };
    match route(&ctx, parts.uri.path()) {
        Ok(r) => r,
        Err(e) => error(&e),
    }
}

struct Ctx<'a> {
    store: &'a Store,
    method: &'a Method,
    headers: &'a HeaderMap,
    query: &'a HashMap<String, String>,
    body: &'a Bytes,
}

impl Ctx<'_> {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    fn q(&self, k: &str) -> Option<&str> {
        self.query
            .get(k)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    fn qbool(&self, k: &str) -> bool {
        matches!(self.q(k), Some("true" | "1"))
    }

    fn format(&self) -> Format {
        Format::from_accept(self.header(header::ACCEPT))
    }

    fn include(&self) -> String {
        self.q("includeObject").unwrap_or("Metadata").to_string()
    }

    fn body_value(&self) -> Result<Value, ApiError> {
        if self.body.is_empty() {
            return Ok(Value::Null);
        }
        let ct = self.header(header::CONTENT_TYPE).to_ascii_lowercase();
        if self.body.starts_with(proto::MAGIC) || ct.contains("protobuf") {
            return proto::decode(self.body);
        }
        if ct.contains("yaml") {
            let text = std::str::from_utf8(self.body)
                .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))?;
            return serde_saphyr::from_str::<Value>(text)
                .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")));
        }
        serde_json::from_slice(self.body)
            .map_err(|e| ApiError::bad_request(format!("error decoding JSON body: {e}")))
    }

    fn write_opts(&self) -> WriteOpts {
        let manager = match self.q("fieldManager") {
            Some(m) => m.to_string(),
            None => {
                let ua = self.header(header::USER_AGENT);
                let p = ua.split('/').next().unwrap_or("").trim();
                if p.is_empty() {
                    "unknown".into()
                } else {
                    p.to_string()
                }
            }
        };
        WriteOpts {
            dry_run: self.q("dryRun") == Some("All"),
            manager,
            force: self.qbool("force"),
            strict: self.q("fieldValidation") == Some("Strict"),
        }
    }

    fn list_opts(&self, rt: &ResourceType) -> Result<ListOpts, ApiError> {
        Ok(ListOpts {
            labels: LabelSelector::parse(self.q("labelSelector").unwrap_or(""))?,
            fields: FieldSelector::parse(self.q("fieldSelector").unwrap_or(""), &rt.kind)?,
            limit: match self.q("limit") {
                Some(l) => Some(
                    l.parse()
                        .map_err(|_| ApiError::bad_request(format!("invalid limit {l:?}")))?,
                ),
                None => None,
            },
            cont: self.q("continue").map(String::from),
        })
    }
}

fn route(c: &Ctx, path: &str) -> Result<Response, ApiError> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let reg = c.store.registry();
    let accept = c.header(header::ACCEPT);
    let wants_aggregated = wants_aggregated(accept);
    match segs.as_slice() {
        ["version"] => Ok(ok(&discovery::version(&c.store.inner().config.version))),
        ["healthz" | "readyz" | "livez", ..] => Ok((StatusCode::OK, "ok").into_response()),
        ["openapi", "v3"] => Ok(ok(&discovery::openapi_root(
            &reg,
            c.store.resource_version(),
        ))),
        ["openapi", "v3", rest @ ..] => discovery::openapi_gv(&reg, &rest.join("/"))
            .map(|d| ok(&d))
            .ok_or_else(|| {
                ApiError::new(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                )
            }),
        ["openapi", ..] => Err(ApiError::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )),
        ["sandbox", "faults"] => faults(c),
        ["sandbox", "state"] => Ok(ok(&c.store.snapshot())),
        ["api"] if wants_aggregated => Ok(respond(
            200,
            discovery::AGGREGATED_CT,
            &discovery::aggregated(&reg, true),
        )),
        ["api"] => Ok(ok(&discovery::api_versions())),
        ["apis"] if wants_aggregated => Ok(respond(
            200,
            discovery::AGGREGATED_CT,
            &discovery::aggregated(&reg, false),
        )),
        ["apis"] => Ok(ok(&discovery::api_group_list(&reg))),
        ["apis", g] => discovery::api_group(&reg, g)
            .map(|d| ok(&d))
            .ok_or_else(|| {
                ApiError::new(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                )
            }),
        ["api", v] => discovery::resource_list(&reg, "", v)
            .map(|d| ok(&d))
            .ok_or_else(|| {
                ApiError::new(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                )
            }),
        ["apis", g, v] => discovery::resource_list(&reg, g, v)
            .map(|d| ok(&d))
            .ok_or_else(|| {
                ApiError::new(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                )
            }),
        ["api", v, rest @ ..] => resource(c, &reg, "", v, rest),
        ["apis", g, v, rest @ ..] => resource(c, &reg, g, v, rest),
        _ => Err(ApiError::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )),
    }
}

/// `wants_aggregated` reads Accept in preference order: aggregated discovery v2 or legacy.
fn wants_aggregated(accept: &str) -> bool {
    for alt in accept.split(',') {
        let alt = alt.trim();
        if alt.contains("as=APIGroupDiscoveryList") {
            if alt.contains("v=v2;") || alt.ends_with("v=v2") {
                return true;
            }
            continue;
        }
        if alt.starts_with("application/json") || alt.starts_with("*/*") {
            return false;
        }
    }
    false
}

fn faults(c: &Ctx) -> Result<Response, ApiError> {
    let f = &c.store.inner().faults;
    if *c.method == Method::POST || *c.method == Method::PUT {
        let spec: crate::faults::FaultSpec = if c.body.is_empty() {
            Default::default()
        } else {
            serde_json::from_slice(c.body)
                .map_err(|e| ApiError::bad_request(format!("invalid fault spec: {e}")))?
        };
        f.apply_spec(&spec);
        if spec.expire_watches {
            c.store.compact();
            f.expire_watches();
        }
    } else if *c.method == Method::DELETE {
        f.clear();
    }
    serde_json::to_value(f.describe())
        .map(|v| ok(&v))
        .map_err(|e| ApiError::internal(e.to_string()))
}

fn not_served() -> ApiError {
    ApiError::new(
        404,
        "NotFound",
        "the server could not find the requested resource",
    )
}

fn resource(
    c: &Ctx,
    reg: &crate::registry::Registry,
    group: &str,
    version: &str,
    rest: &[&str],
) -> Result<Response, ApiError> {
    let namespaced_path = rest.len() >= 3
        && rest[0] == "namespaces"
        && reg
            .lookup(group, version, rest[2])
            .is_some_and(|t| t.namespaced);
    let (ns, plural, name, sub) = if namespaced_path {
        (
            Some(rest[1]),
            rest[2],
            rest.get(3).copied(),
            rest.get(4).copied(),
        )
    } else {
        let Some(p) = rest.first() else {
            return Err(not_served());
        };
        (None, *p, rest.get(1).copied(), rest.get(2).copied())
    };
    if rest.len() > if namespaced_path { 5 } else { 3 } {
        return Err(not_served());
    }
    let rt = reg.lookup(group, version, plural).ok_or_else(not_served)?;
    if rt.namespaced && ns.is_none() && name.is_some() {
        return Err(not_served());
    }
    let ns_str = ns.unwrap_or("");
    let sub = match sub {
        None | Some("finalize") => Sub::Main,
        Some("status") if rt.status => Sub::Status,
        Some("scale") if rt.scale => return scale(c, &rt, ns_str, name.unwrap_or("")),
        Some(_) => return Err(not_served()),
    };
    let is_write = matches!(
        *c.method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if is_write {
        if let Some(code) = c.store.inner().faults.take_write_failure() {
            return Err(if code == 409 {
                ApiError::conflict(
                    &rt.group,
                    &rt.plural,
                    name.unwrap_or(""),
                    "injected conflict (sandbox fault)",
                )
            } else {
                ApiError::new(code, "InternalError", "injected failure (sandbox fault)")
            });
        }
    }
    let store = c.store;
    match (c.method.clone(), name) {
        (Method::GET, None) => {
            let lo = c.list_opts(&rt)?;
            if c.qbool("watch") {
                return Ok(watch_response(c, rt, ns.map(String::from), lo));
            }
            let page = store.list(&rt, ns, &lo)?;
            let mut md = json!({"resourceVersion": page.resource_version});
            if let Some(cont) = &page.cont {
                md["continue"] = json!(cont);
                md["remainingItemCount"] = json!(page.remaining);
            }
            let fmt = c.format();
            let body = match fmt {
                Format::Full => {
                    json!({"kind": format!("{}List", rt.kind), "apiVersion": rt.api_version(),
                    "metadata": md, "items": page.items})
                }
                Format::Metadata => table::partial_list(&page.items, md),
                Format::Table => table::table(&rt, &page.items, md, &c.include(), true),
            };
            let ct = if fmt == Format::Metadata {
                "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"
            } else {
                fmt.content_type()
            };
            Ok(respond(200, ct, &body))
        }
        (Method::GET, Some(n)) => {
            let obj = store.get(&rt, ns_str, n)?;
            Ok(shaped(c, &rt, obj, 200))
        }
        (Method::POST, None) => {
            let body = c.body_value()?;
            let obj = store.create(&rt, ns_str, body, &c.write_opts())?;
            Ok(shaped(c, &rt, obj, 201))
        }
        (Method::PUT, Some(n)) => {
            let body = c.body_value()?;
            let obj = store.update(&rt, ns_str, n, sub, body, &c.write_opts())?;
            Ok(shaped(c, &rt, obj, 200))
        }
        (Method::PATCH, Some(n)) => {
            let ct = c.header(header::CONTENT_TYPE).to_ascii_lowercase();
            let ptype = if ct.starts_with("application/json-patch+json") {
                PatchType::Json
            } else if ct.starts_with("application/merge-patch+json") {
                PatchType::Merge
            } else if ct.starts_with("application/strategic-merge-patch+json") {
                PatchType::Strategic
            } else if ct.starts_with("application/apply-patch+yaml")
                || ct.starts_with("application/apply-patch+cbor")
            {
                PatchType::Apply
            } else {
                return Err(ApiError::new(415, "UnsupportedMediaType", format!("the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got {ct:?})")));
            };
            let body = c.body_value()?;
            let o = c.write_opts();
            if ptype == PatchType::Apply && c.q("fieldManager").is_none() {
                return Err(ApiError::bad_request(
                    "PATCH requests with apply-patch content type require fieldManager",
                ));
            }
            let (obj, created) = store.patch(&rt, ns_str, n, sub, ptype, &body, &o)?;
            Ok(shaped(c, &rt, obj, if created { 201 } else { 200 }))
        }
        (Method::DELETE, n) => {
            let body = c.body_value()?;
            let s = |k: &str| body.get(k).and_then(Value::as_str).map(String::from);
            let dry = c.q("dryRun") == Some("All")
                || body
                    .get("dryRun")
                    .and_then(Value::as_array)
                    .is_some_and(|a| a.iter().any(|x| x == "All"));
            let propagation = c
                .q("propagationPolicy")
                .map(String::from)
                .or_else(|| s("propagationPolicy"))
                .or_else(|| {
                    (body.get("orphanDependents") == Some(&Value::Bool(true)))
                        .then(|| "Orphan".to_string())
                });
            let pre = body.get("preconditions");
            let o = DeleteOpts {
                dry_run: dry,
                propagation,
                uid: pre
                    .and_then(|p| p.get("uid"))
                    .and_then(Value::as_str)
                    .map(String::from),
                resource_version: pre
                    .and_then(|p| p.get("resourceVersion"))
                    .and_then(Value::as_str)
                    .map(String::from),
            };
            match n {
                Some(n) => {
                    let obj = store.delete(&rt, ns_str, n, &o)?;
                    Ok(shaped(c, &rt, obj, 200))
                }
                None => {
                    let lo = c.list_opts(&rt)?;
                    let page = store.delete_collection(&rt, ns, &lo, &o)?;
                    Ok(ok(
                        &json!({"kind": format!("{}List", rt.kind), "apiVersion": rt.api_version(),
                        "metadata": {"resourceVersion": page.resource_version}, "items": page.items}),
                    ))
                }
            }
        }
        _ => Err(ApiError::new(
            405,
            "MethodNotAllowed",
            format!("{} is not supported here", c.method),
        )),
    }
}

fn shaped(c: &Ctx, rt: &ResourceType, obj: Value, code: u16) -> Response {
    let fmt = c.format();
    let body = match fmt {
        Format::Full => obj,
        Format::Metadata => table::partial(&obj),
        Format::Table => {
            let rv = obj
                .get("metadata")
                .and_then(|m| m.get("resourceVersion"))
                .cloned()
                .unwrap_or(json!(""));
            table::table(
                rt,
                &[obj],
                json!({"resourceVersion": rv}),
                &c.include(),
                true,
            )
        }
    };
    respond(code, fmt.content_type(), &body)
}

fn watch_response(c: &Ctx, rt: Arc<ResourceType>, ns: Option<String>, lo: ListOpts) -> Response {
    let rv = c.q("resourceVersion").and_then(|s| s.parse::<u64>().ok());
    let p = WatchParams {
        resource_version: rv,
        send_initial: c.qbool("sendInitialEvents"),
        bookmarks: c.qbool("allowWatchBookmarks"),
        timeout: c
            .q("timeoutSeconds")
            .and_then(|s| s.parse::<u64>().ok())
            .map(Duration::from_secs),
        opts: lo,
        format: c.format(),
        include: c.include(),
    };
    let ct = match p.format {
        Format::Full => "application/json",
        other => other.content_type(),
    };
    let stream = watch::start(c.store.clone(), rt, ns, p);
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| error(&ApiError::internal("building watch response")))
}

fn scale(c: &Ctx, rt: &ResourceType, ns: &str, name: &str) -> Result<Response, ApiError> {
    let to_scale = |o: &Value| {
        let md = o.get("metadata").cloned().unwrap_or(json!({}));
        let selector = o
            .get("spec")
            .and_then(|s| s.get("selector"))
            .and_then(|s| s.get("matchLabels"))
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default();
        json!({"kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {"name": md.get("name"), "namespace": md.get("namespace"), "uid": md.get("uid"),
                "resourceVersion": md.get("resourceVersion"), "creationTimestamp": md.get("creationTimestamp")},
            "spec": {"replicas": o.get("spec").and_then(|s| s.get("replicas")).cloned().unwrap_or(json!(1))},
            "status": {"replicas": o.get("status").and_then(|s| s.get("replicas")).cloned().unwrap_or(json!(0)),
                "selector": selector}})
    };
    let cur = c.store.get(rt, ns, name)?;
    if *c.method == Method::GET {
        return Ok(ok(&to_scale(&cur)));
    }
    let mut sc = to_scale(&cur);
    let body = c.body_value()?;
    match *c.method {
        Method::PUT => sc = body,
        Method::PATCH => {
            let ct = c.header(header::CONTENT_TYPE);
            if ct.starts_with("application/json-patch+json") {
                crate::patch::json_patch(&mut sc, &body)?;
            } else {
                crate::patch::merge_patch(&mut sc, &body);
            }
        }
        _ => {
            return Err(ApiError::new(
                405,
                "MethodNotAllowed",
                "only get, update and patch on scale",
            ))
        }
    }
    let replicas = sc
        .get("spec")
        .and_then(|s| s.get("replicas"))
        .cloned()
        .unwrap_or(json!(1));
    let patch = json!({"spec": {"replicas": replicas}});
    let (obj, _) = c.store.patch(
        rt,
        ns,
        name,
        Sub::Main,
        PatchType::Merge,
        &patch,
        &c.write_opts(),
    )?;
    Ok(ok(&to_scale(&obj)))
}
