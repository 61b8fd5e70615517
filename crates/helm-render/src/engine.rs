//! Helm's template engine (`pkg/engine`): every template of a chart and its subcharts parsed
//! into one set in Helm's order, each non-partial template executed with its chart's scope,
//! `<no value>` removed, and errors reshaped exactly as Helm reshapes Go's.
//!
//! The engine knows nothing about clusters: `lookup` goes through the [`Lookup`] trait, which
//! answers an empty map when rendering offline.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use rustc_hash::FxHashMap;

use gotemplate::{
    ArgType, Context, Error, ExecCause, ExecOptions, FuncError, FuncMap, Map, MapKind, MissingKey,
    Signature, Templates, Value,
};

use crate::chart::Chart;
use crate::content_cache::ContentCache;
use crate::objects::{Capabilities, Files};

/// Answers Helm's `lookup` function.
pub trait Lookup: Send + Sync {
    /// Returns the object (or a `List` for an empty name) as a map, an empty map when it does
    /// not exist, or an error message.
    fn lookup(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Value, String>;
}

/// `lookup` without a cluster: always an empty map, as `helm template` does.
#[derive(Debug, Default, Clone, Copy)]
pub struct OfflineLookup;

impl Lookup for OfflineLookup {
    fn lookup(&self, _: &str, _: &str, _: &str, _: &str) -> Result<Value, String> {
        Ok(Value::Map(Map::new()))
    }
}

/// `.Release`.
#[derive(Debug, Clone)]
pub struct ReleaseInfo {
    /// Release name.
    pub name: String,
    /// Release namespace.
    pub namespace: String,
    /// Revision being rendered.
    pub revision: i64,
    /// True on install.
    pub is_install: bool,
    /// True on upgrade (and rollback).
    pub is_upgrade: bool,
    /// Always `Helm` in Helm; kept configurable.
    pub service: String,
}

impl Default for ReleaseInfo {
    fn default() -> Self {
        ReleaseInfo {
            name: "release-name".to_string(),
            namespace: "default".to_string(),
            revision: 1,
            is_install: true,
            is_upgrade: false,
            service: "Helm".to_string(),
        }
    }
}

impl ReleaseInfo {
    fn to_value(&self) -> Value {
        Value::Map(Map::from_entries(
            MapKind::Generic,
            [
                ("Name", Value::str(&self.name)),
                ("Namespace", Value::str(&self.namespace)),
                ("Revision", Value::Int(self.revision)),
                ("IsInstall", Value::Bool(self.is_install)),
                ("IsUpgrade", Value::Bool(self.is_upgrade)),
                ("Service", Value::str(&self.service)),
            ],
        ))
    }
}

/// Settings of one render.
#[derive(Clone)]
pub struct RenderOptions {
    /// `.Release`.
    pub release: ReleaseInfo,
    /// `.Capabilities`.
    pub capabilities: Capabilities,
    /// `missingkey=error` instead of zero (Helm's `--strict` lint mode).
    pub strict: bool,
    /// Lint mode: `required`/`fail` do not fail.
    pub lint: bool,
    /// Backs `lookup`.
    pub lookup: Arc<dyn Lookup>,
    /// Maximum output of one template file, in bytes.
    pub max_output: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            release: ReleaseInfo::default(),
            capabilities: Capabilities::default(),
            strict: false,
            lint: false,
            lookup: Arc::new(OfflineLookup),
            max_output: 64 * 1024 * 1024,
        }
    }
}

/// A render failure, with Helm's message.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct RenderError {
    /// The message exactly as Helm prints it after `Error: `.
    pub message: String,
    /// The template file being parsed or executed, when known.
    pub file: Option<String>,
}

impl RenderError {
    fn new(message: impl Into<String>, file: Option<&str>) -> RenderError {
        RenderError {
            message: message.into(),
            file: file.map(str::to_string),
        }
    }
}

/// Helm's include recursion limit (`recursionMaxNums`).
const INCLUDE_MAX_NESTING: usize = 1000;

/// Per-render state reached by `include`, `tpl`, `required`, `fail` and `lookup`.
struct RenderState {
    included: Mutex<FxHashMap<Box<str>, usize>>,
    lint: bool,
    lookup: Arc<dyn Lookup>,
}

const WARN_START: &str = "HELM_ERR_START";
const WARN_END: &str = "HELM_ERR_END";

fn state(ctx: &dyn Context) -> Option<&RenderState> {
    ctx.host().and_then(|h| h.downcast_ref::<RenderState>())
}

/// The Sprig + Helm function map shared by every render (render-bound functions read their
/// per-render state from the execution's host data).
pub fn helm_funcs() -> Arc<FuncMap> {
    static FUNCS: OnceLock<Arc<FuncMap>> = OnceLock::new();
    FUNCS
        .get_or_init(|| {
            let mut m = crate::funcs::sprig_funcs();
            // Helm deletes `env` and `expandenv` from Sprig's map; ours never registers them.
            add_render_funcs(&mut m);
            Arc::new(m)
        })
        .clone()
}

fn add_render_funcs(m: &mut FuncMap) {
    m.add(
        "include",
        Signature::fixed(&[ArgType::String, ArgType::Any]),
        |ctx, args| {
            let name = args.first().and_then(Value::as_str).unwrap_or("");
            let data = args.get(1).cloned().unwrap_or_default();
            if let Some(st) = state(ctx) {
                let mut inc = st.included.lock().unwrap_or_else(|e| e.into_inner());
                // Look up by `&str` first: the name is usually known, and allocating the key
                // on every call was a measurable part of a render.
                let n = match inc.get_mut(name) {
                    Some(n) => n,
                    None => inc.entry(name.into()).or_insert(0),
                };
                if *n > INCLUDE_MAX_NESTING {
                    return Err(FuncError::msg(format!(
                        "rendering template has a nested reference name: {name}: unable to execute template"
                    )));
                }
                *n += 1;
            }
            let out = ctx.execute_template(name, &data);
            if let Some(st) = state(ctx) {
                let mut inc = st.included.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(n) = inc.get_mut(name) {
                    *n = n.saturating_sub(1);
                }
            }
            out.map(Value::from).map_err(FuncError::from)
        },
    );
    m.add(
        "tpl",
        Signature::fixed(&[ArgType::String, ArgType::Any]),
        |ctx, args| {
            let text = args
                .first()
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let data = args.get(1).cloned().unwrap_or_default();
            match ctx.parse_and_execute("gotpl", &text, &data) {
                Ok(out) => Ok(Value::from(strip_no_value(out))),
                Err(e @ Error::Parse(_)) => Err(FuncError::Wrapped {
                    prefix: format!("cannot parse template {}", gotemplate::fmt::quote(&text)),
                    inner: Box::new(e),
                }),
                Err(e) => Err(FuncError::Wrapped {
                    prefix: format!(
                        "error during tpl function execution for {}",
                        gotemplate::fmt::quote(&text)
                    ),
                    inner: Box::new(e),
                }),
            }
        },
    );
    m.add(
        "required",
        Signature::fixed(&[ArgType::String, ArgType::Any]),
        |ctx, args| {
            let warn = args.first().and_then(Value::as_str).unwrap_or("");
            let val = args.get(1).cloned().unwrap_or_default();
            let missing = match &val {
                Value::Nil => true,
                Value::String(s) => s.is_empty(),
                _ => false,
            };
            if missing {
                if state(ctx).is_some_and(|s| s.lint) {
                    return Ok(Value::str(""));
                }
                return Err(FuncError::msg(format!("{WARN_START}{warn}{WARN_END}")));
            }
            Ok(val)
        },
    );
    m.add("fail", Signature::fixed(&[ArgType::String]), |ctx, args| {
        let msg = args.first().and_then(Value::as_str).unwrap_or("");
        if state(ctx).is_some_and(|s| s.lint) {
            return Ok(Value::str(""));
        }
        Err(FuncError::msg(format!("{WARN_START}{msg}{WARN_END}")))
    });
    m.add(
        "lookup",
        Signature::fixed(&[
            ArgType::String,
            ArgType::String,
            ArgType::String,
            ArgType::String,
        ]),
        |ctx, args| {
            let s = |i: usize| args.get(i).and_then(Value::as_str).unwrap_or("");
            match state(ctx) {
                Some(st) => st
                    .lookup
                    .lookup(s(0), s(1), s(2), s(3))
                    .map_err(FuncError::msg),
                None => Ok(Value::Map(Map::new())),
            }
        },
    );
    // DNS lookups are disabled, as in `helm template` without --enable-dns.
    m.add(
        "getHostByName",
        Signature::fixed(&[ArgType::String]),
        |_, _| Ok(Value::str("")),
    );
}

/// One template file to render and the data it sees.
struct Renderable {
    text: Arc<str>,
    vals: Map,
    base_path: String,
}

/// The render values of one chart (`.Chart`, `.Files`, `.Release`, `.Capabilities`,
/// `.Values`, `.Subcharts`), collecting its templates and its subcharts' recursively.
fn collect_templates(
    chart: &Chart,
    parent_vals: &Map,
    out: &mut BTreeMap<String, Renderable>,
) -> Map {
    let next = Map::with_kind(MapKind::Named(Arc::from("common.Values")));
    next.insert("Chart", chart.metadata.to_value(chart.is_root()));
    next.insert(
        "Files",
        Value::Object(Arc::new(Files::new(
            chart
                .files
                .iter()
                .map(|f| (f.name.clone(), f.data.clone()))
                .collect(),
        ))),
    );
    next.insert("Release", parent_vals.get("Release").unwrap_or_default());
    next.insert(
        "Capabilities",
        parent_vals.get("Capabilities").unwrap_or_default(),
    );
    let values = if chart.is_root() {
        parent_vals.get("Values")
    } else {
        parent_vals
            .get("Values")
            .and_then(|v| v.as_map())
            .and_then(|m| m.get(chart.name()))
            .filter(|v| matches!(v, Value::Map(_)))
            .map(|v| match v {
                Value::Map(m) => Value::Map(m.retyped(MapKind::Named(Arc::from("common.Values")))),
                other => other,
            })
    };
    next.insert(
        "Values",
        values.unwrap_or_else(|| {
            Value::Map(Map::with_kind(MapKind::Named(Arc::from("common.Values"))))
        }),
    );
    let subcharts = Map::new();
    next.insert("Subcharts", Value::Map(subcharts.clone()));
    for dep in &chart.dependencies {
        let sub = collect_templates(dep, &next, out);
        subcharts.insert(dep.name(), Value::Map(sub.retyped(MapKind::Generic)));
    }
    let full = chart.full_path();
    for t in &chart.templates {
        if chart.is_library() && !base_name(&t.name).starts_with('_') {
            continue;
        }
        out.insert(
            format!("{full}/{}", t.name),
            Renderable {
                text: Arc::from(crate::chart::utf8_text(&t.data).as_ref()),
                vals: next.clone(),
                base_path: format!("{full}/templates"),
            },
        );
    }
    next
}

fn base_name(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// Helm's parse order: deepest paths first, then reverse lexical order; the last
/// definition of a name parsed wins.
fn sort_templates(names: &mut [String]) {
    names.sort_by(|a, b| {
        let (ca, cb) = (a.matches('/').count(), b.matches('/').count());
        cb.cmp(&ca).then_with(|| b.cmp(a))
    });
}

/// Builds the top-level render values (`ToRenderValues`): `.Values` is the coalesced values
/// tree, `.Release` and `.Capabilities` from the options.
pub fn render_values(values: &Map, opts: &RenderOptions) -> Map {
    let top = Map::with_kind(MapKind::Named(Arc::from("common.Values")));
    top.insert("Release", opts.release.to_value());
    top.insert(
        "Capabilities",
        Value::Object(Arc::new(opts.capabilities.clone())),
    );
    top.insert(
        "Values",
        Value::Map(values.retyped(MapKind::Named(Arc::from("common.Values")))),
    );
    top
}

/// Renders every template of `chart` (and its subcharts) with the coalesced `values`.
/// Returns the output of each non-partial template keyed by its full path
/// (`mychart/templates/deployment.yaml`), with `<no value>` removed.
pub fn render(
    chart: &Chart,
    values: &Map,
    opts: &RenderOptions,
) -> Result<BTreeMap<String, String>, RenderError> {
    let top = render_values(values, opts);
    let mut tpls = BTreeMap::new();
    collect_templates(chart, &top, &mut tpls);
    render_renderables(tpls, opts)
}

fn render_renderables(
    tpls: BTreeMap<String, Renderable>,
    opts: &RenderOptions,
) -> Result<BTreeMap<String, String>, RenderError> {
    let mut keys: Vec<String> = tpls.keys().cloned().collect();
    sort_templates(&mut keys);
    let mut set = Templates::new(helm_funcs());
    set.set_name("gotpl");
    for name in &keys {
        if let Some(r) = tpls.get(name) {
            let trees =
                parse_cached(&set, name, &r.text).map_err(|e| cleanup_parse_error(name, &e))?;
            for (tname, tree) in trees.iter() {
                set.add_shared_tree(tname.clone(), tree.clone());
            }
        }
    }
    let host: Arc<dyn std::any::Any + Send + Sync> = Arc::new(RenderState {
        included: Mutex::new(FxHashMap::default()),
        lint: opts.lint,
        lookup: opts.lookup.clone(),
    });
    let exec_opts = ExecOptions {
        missing_key: if opts.strict {
            MissingKey::Error
        } else {
            MissingKey::Zero
        },
        max_output: opts.max_output,
        host: Some(host),
        ..ExecOptions::default()
    };
    let mut rendered = BTreeMap::new();
    for name in &keys {
        if base_name(name).starts_with('_') {
            continue;
        }
        let Some(r) = tpls.get(name) else { continue };
        r.vals.insert(
            "Template",
            Value::Map(Map::from_entries(
                MapKind::Named(Arc::from("common.Values")),
                [
                    ("Name", Value::str(name)),
                    ("BasePath", Value::str(&r.base_path)),
                ],
            )),
        );
        let out = set
            .execute(name, &Value::Map(r.vals.clone()), &exec_opts)
            .map_err(|e| reformat_exec_error(name, &e))?;
        rendered.insert(name.clone(), strip_no_value(out));
    }
    Ok(rendered)
}

/// Removes Go's `<no value>` placeholders as Helm does, without copying the (usual) output
/// that has none.
fn strip_no_value(out: String) -> String {
    const NO_VALUE: &[u8] = b"<no value>";
    let Some(first) = memchr::memmem::find(out.as_bytes(), NO_VALUE) else {
        return out;
    };
    let mut stripped = String::with_capacity(out.len());
    let mut rest = out.as_str();
    let mut at = Some(first);
    // Matches of the ASCII needle start and end on char boundaries, so `get` never fails.
    while let Some(i) = at {
        stripped.push_str(rest.get(..i).unwrap_or(""));
        rest = rest.get(i + NO_VALUE.len()..).unwrap_or("");
        at = memchr::memmem::find(rest.as_bytes(), NO_VALUE);
    }
    stripped.push_str(rest);
    stripped
}

/// Parsed trees of one template file, shared between renders.
type ParsedFile = Arc<Vec<(String, Arc<gotemplate::ast::Tree>)>>;

/// Template text kept in the parse cache before it is emptied (bounds its memory).
const PARSE_CACHE_MAX_TEXT: usize = 8 * 1024 * 1024;

/// Parses a template file, reusing the trees of an identical earlier parse (same name, same
/// text, same function table): the operator renders the same charts over and over, and
/// parsing is a third of a render. Parse errors are not cached. With the process caches off
/// (`set_process_caches`, the one-shot `template`), trees are neither looked up nor kept.
fn parse_cached(set: &Templates, name: &str, text: &Arc<str>) -> Result<ParsedFile, Error> {
    static CACHE: OnceLock<ContentCache<ParsedFile>> = OnceLock::new();
    CACHE
        .get_or_init(|| ContentCache::new(PARSE_CACHE_MAX_TEXT))
        .get_or_try_parts(&[name.as_bytes(), text.as_bytes()], || {
            let funcs = set.funcs().clone();
            let is_func =
                |f: &str| funcs.contains(f) || gotemplate::builtins::BUILTIN_NAMES.contains(&f);
            let trees = gotemplate::parse::parse(name, text, &is_func)?;
            Ok(Arc::new(
                trees.into_iter().map(|(n, t)| (n, Arc::new(t))).collect(),
            ))
        })
}

/// Helm's `cleanupParseError`: `parse error at (LOCATION): LAST-PART`.
fn cleanup_parse_error(file: &str, err: &Error) -> RenderError {
    let text = err.to_string();
    let tokens: Vec<&str> = text.split(": ").collect();
    if tokens.len() == 1 {
        return RenderError::new(format!("parse error in ({file}): {text}"), Some(file));
    }
    let location = tokens.get(1).copied().unwrap_or("");
    let last = tokens.last().copied().unwrap_or("");
    RenderError::new(format!("parse error at ({location}): {last}"), Some(file))
}

/// The `Error()` strings of Go's error chain for `err` (what `errors.Unwrap` walks).
fn go_error_chain(err: &Error, out: &mut Vec<String>) {
    match err {
        Error::Parse(p) => out.push(p.to_string()),
        Error::Other(s) => out.push(s.clone()),
        Error::Exec(e) => {
            let s = e.to_string();
            out.push(s.clone());
            out.push(s);
            if let ExecCause::Call { err, .. } = &e.cause {
                func_error_chain(err, out);
            }
        }
    }
}

fn func_error_chain(err: &FuncError, out: &mut Vec<String>) {
    match err {
        FuncError::Msg(m) => out.push(m.clone()),
        FuncError::Template(inner) => go_error_chain(inner, out),
        FuncError::Wrapped { prefix, inner } => {
            out.push(format!("{prefix}: {inner}"));
            go_error_chain(inner, out);
        }
    }
}

/// One block of Helm's multi-line error trace.
#[derive(PartialEq, Eq)]
struct Traceable {
    location: String,
    message: String,
    executed: String,
}

impl Traceable {
    fn render(&self, out: &mut String) {
        if !self.location.is_empty() {
            out.push_str(&self.location);
            out.push_str("\n  ");
        }
        if !self.executed.is_empty() {
            out.push_str(&self.executed);
            out.push_str("\n    ");
        }
        if !self.message.is_empty() {
            out.push_str(&self.message);
            out.push('\n');
        }
    }

    /// Helm's `parseTemplateExecErrorString`.
    fn parse(s: &str) -> Option<Traceable> {
        let remainder = s.strip_prefix("template: ")?;
        if remainder.starts_with("no template ") {
            return Some(Traceable {
                location: String::new(),
                message: s.to_string(),
                executed: String::new(),
            });
        }
        if let Some((template_name, after)) = remainder.split_once(": executing ") {
            let after_quote = after.strip_prefix('"')?;
            let end = after_quote.find('"')?;
            let function = &after_quote[..end];
            let after_func = &after_quote[end + 1..];
            let after_at = after_func.strip_prefix(" at <")?;
            let (location, msg) = after_at.split_once(">: ")?;
            let msg = match msg.find(" template:") {
                Some(cut) => &msg[..cut],
                None => msg,
            };
            return Some(Traceable {
                location: template_name.to_string(),
                message: msg.to_string(),
                executed: format!("executing \"{function}\" at <{location}>:"),
            });
        }
        let sep = remainder.rfind(": ")?;
        let msg = &remainder[sep + 2..];
        let msg = match msg.find(" template:") {
            Some(cut) => &msg[..cut],
            None => msg,
        };
        Some(Traceable {
            location: remainder[..sep].to_string(),
            message: msg.to_string(),
            executed: String::new(),
        })
    }
}

/// Helm's `reformatExecErrorMsg`.
fn reformat_exec_error(file: &str, err: &Error) -> RenderError {
    let text = err.to_string();
    if !matches!(err, Error::Exec(_)) {
        return RenderError::new(text, Some(file));
    }
    let tokens: Vec<&str> = text.splitn(3, ": ").collect();
    if tokens.len() != 3 {
        return RenderError::new(format!("execution error in ({file}): {text}"), Some(file));
    }
    let location = tokens[1];
    if let Some(start) = tokens[2].find(WARN_START) {
        let body = &tokens[2][start + WARN_START.len()..];
        if let Some(end) = body.rfind(WARN_END) {
            return RenderError::new(
                format!("execution error at ({location}): {}", &body[..end]),
                Some(file),
            );
        }
    }
    let mut chain = Vec::new();
    go_error_chain(err, &mut chain);
    let mut blocks: Vec<Traceable> = Vec::new();
    for s in &chain {
        match Traceable::parse(s) {
            Some(t) => {
                if blocks.last() != Some(&t) {
                    blocks.push(t);
                }
            }
            None => return RenderError::new(text, Some(file)),
        }
    }
    let mut out = String::new();
    for b in &blocks {
        b.render(&mut out);
    }
    RenderError::new(out.trim().to_string(), Some(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_no_value_removes_every_placeholder() {
        assert_eq!(
            strip_no_value("a: <no value>\nb: <no value><no value>x".into()),
            "a: \nb: x"
        );
        assert_eq!(strip_no_value("<no valu> é".into()), "<no valu> é");
        assert_eq!(strip_no_value(String::new()), "");
    }

    #[test]
    fn env_functions_are_not_available() {
        let f = helm_funcs();
        assert!(!f.contains("env") && !f.contains("expandenv"));
        assert!(f.contains("include") && f.contains("tpl") && f.contains("toYaml"));
    }

    #[test]
    fn parse_order_is_deepest_first_then_reverse_lexical() {
        let mut v: Vec<String> = [
            "c/templates/a.yaml",
            "c/templates/_helpers.tpl",
            "c/charts/s/templates/x.yaml",
            "c/templates/sub/_c.tpl",
            "c/templates/b.yaml",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        sort_templates(&mut v);
        assert_eq!(
            v,
            [
                "c/charts/s/templates/x.yaml",
                "c/templates/sub/_c.tpl",
                "c/templates/b.yaml",
                "c/templates/a.yaml",
                "c/templates/_helpers.tpl",
            ]
        );
    }

    #[test]
    fn traceable_parses_executing_form() {
        let t = Traceable::parse(
            "template: a.tpl:1:3: executing \"a.tpl\" at <include \"x\" .>: error calling include: template: b",
        )
        .expect("parses");
        assert_eq!(t.location, "a.tpl:1:3");
        assert_eq!(t.message, "error calling include:");
        assert_eq!(t.executed, "executing \"a.tpl\" at <include \"x\" .>:");
        assert!(Traceable::parse("index out of range: 5").is_none());
    }
}
