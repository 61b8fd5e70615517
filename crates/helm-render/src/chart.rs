//! Charts in memory and how files become one (Helm's `chart.Chart` and `loader.LoadFiles`).
//!
//! Loading takes in-memory files, never paths or URLs: [`load_dir`] reads a directory (with
//! `.helmignore`) into [`BufferedFile`]s; archives are read by [`crate::archive`]. Metadata is
//! decoded the way Helm decodes `Chart.yaml` (sigs.k8s.io/yaml into a struct, scalars given
//! for string fields kept as their text).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use gotemplate::{List, Map, Value};

use crate::content_cache::ContentCache;
use crate::ignore::IgnoreRules;

/// A file of a chart, path relative to the chart root with `/` separators.
#[derive(Debug, Clone)]
pub struct BufferedFile {
    /// Relative path (`templates/deployment.yaml`).
    pub name: String,
    /// Contents.
    pub data: Arc<[u8]>,
}

/// A maintainer entry of `Chart.yaml`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Maintainer {
    /// `name`
    pub name: String,
    /// `email`
    pub email: String,
    /// `url`
    pub url: String,
}

/// A dependency entry of `Chart.yaml` (v2) or `requirements.yaml` (v1).
#[derive(Debug, Clone, Default)]
pub struct Dependency {
    /// `name`
    pub name: String,
    /// `version` (a semver constraint)
    pub version: String,
    /// `repository`
    pub repository: String,
    /// `condition`: comma-separated value paths.
    pub condition: String,
    /// `tags`
    pub tags: Vec<String>,
    /// `enabled` as computed by dependency processing.
    pub enabled: bool,
    /// `import-values`: strings or `{child, parent}` maps.
    pub import_values: Vec<Value>,
    /// `alias`
    pub alias: String,
}

/// `Chart.yaml` (Helm's `chart.Metadata`).
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    /// `name`
    pub name: String,
    /// `home`
    pub home: String,
    /// `sources`
    pub sources: Vec<String>,
    /// `version`
    pub version: String,
    /// `description`
    pub description: String,
    /// `keywords`
    pub keywords: Vec<String>,
    /// `maintainers`
    pub maintainers: Vec<Maintainer>,
    /// `icon`
    pub icon: String,
    /// `apiVersion` (`v1` when absent)
    pub api_version: String,
    /// `condition`
    pub condition: String,
    /// `tags`
    pub tags: String,
    /// `appVersion`
    pub app_version: String,
    /// `deprecated`
    pub deprecated: bool,
    /// `annotations`
    pub annotations: BTreeMap<String, String>,
    /// `Chart.yaml` has no `annotations` map, so Go's field stays a nil map.
    pub annotations_nil: bool,
    /// `kubeVersion` (a semver constraint)
    pub kube_version: String,
    /// `dependencies`
    pub dependencies: Vec<Dependency>,
    /// `type` (`application` or `library`)
    pub chart_type: String,
}

/// A loaded chart and its subcharts.
#[derive(Debug, Clone, Default)]
pub struct Chart {
    /// `Chart.yaml`.
    pub metadata: Metadata,
    /// `templates/**`.
    pub templates: Vec<BufferedFile>,
    /// Every other file (what `.Files` sees), CRDs included.
    pub files: Vec<BufferedFile>,
    /// `values.yaml` as Helm reads it.
    pub values: Map,
    /// `values.schema.json`, if any.
    pub schema: Option<Arc<[u8]>>,
    /// `Chart.lock` / `requirements.lock` dependencies, if any.
    pub lock: Option<Vec<Dependency>>,
    /// Subcharts from `charts/`.
    pub dependencies: Vec<Chart>,
    /// Full path of the parent chart (`parent/charts/`), empty for the root.
    pub parent_path: Option<String>,
}

/// Why a chart could not be loaded. Messages follow Helm's where Helm has one.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ChartError {
    /// No `Chart.yaml`.
    #[error("Chart.yaml file is missing")]
    MissingChartYaml,
    /// `Chart.yaml` could not be decoded.
    #[error("cannot load Chart.yaml: {0}")]
    ChartYaml(String),
    /// `values.yaml` could not be decoded.
    #[error("cannot load values.yaml: {0}")]
    ValuesYaml(String),
    /// Another YAML file could not be decoded.
    #[error("cannot load {file}: {msg}")]
    OtherYaml {
        /// The file.
        file: String,
        /// The decoder's message.
        msg: String,
    },
    /// The metadata fails Helm's validation.
    #[error("validation: {0}")]
    Invalid(String),
    /// A subchart failed to load.
    #[error("error unpacking subchart {name} in {parent}: {source}")]
    Subchart {
        /// Subchart directory or archive name.
        name: String,
        /// Parent chart name.
        parent: String,
        /// Cause.
        #[source]
        source: Box<ChartError>,
    },
    /// Reading the file system failed.
    #[error("{path}: {msg}")]
    Io {
        /// Path.
        path: String,
        /// OS error text.
        msg: String,
    },
    /// A limit (size, count, depth) was exceeded.
    #[error("{0}")]
    Limit(String),
    /// An archive could not be read.
    #[error("{0}")]
    Archive(String),
}

impl Chart {
    /// The chart's name.
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// True for the chart being installed (not a subchart).
    pub fn is_root(&self) -> bool {
        self.parent_path.is_none()
    }

    /// Helm's `ChartFullPath`: `parent/charts/name`, or `name` for the root.
    pub fn full_path(&self) -> String {
        match &self.parent_path {
            None => self.metadata.name.clone(),
            Some(p) => format!("{p}/charts/{}", self.metadata.name),
        }
    }

    /// True for `type: library`.
    pub fn is_library(&self) -> bool {
        self.metadata.chart_type == "library"
    }

    fn set_parent(&mut self, parent: String) {
        self.parent_path = Some(parent);
        let me = self.full_path();
        for d in &mut self.dependencies {
            d.set_parent(me.clone());
        }
    }
}

/// Maximum nesting of subcharts (a chart inside a chart inside ...).
const MAX_CHART_DEPTH: usize = 32;

/// Builds a chart from its files, as Helm's `LoadFiles`.
pub fn load_files(files: Vec<BufferedFile>) -> Result<Chart, ChartError> {
    load_files_at_depth(files, 0)
}

/// [`load_files`] for a chart nested `depth` subcharts deep (bounded by `MAX_CHART_DEPTH`).
pub(crate) fn load_files_at_depth(
    files: Vec<BufferedFile>,
    depth: usize,
) -> Result<Chart, ChartError> {
    if depth > MAX_CHART_DEPTH {
        return Err(ChartError::Limit(format!(
            "subcharts nested deeper than {MAX_CHART_DEPTH} levels"
        )));
    }
    let mut chart = Chart::default();
    let chart_yaml = files
        .iter()
        .find(|f| f.name == "Chart.yaml")
        .ok_or(ChartError::MissingChartYaml)?;
    chart.metadata = cached_metadata(&chart_yaml.data).map_err(ChartError::ChartYaml)?;
    if chart.metadata.api_version.is_empty() {
        chart.metadata.api_version = "v1".to_string();
    }
    let mut subcharts: BTreeMap<String, Vec<BufferedFile>> = BTreeMap::new();
    for f in files {
        match f.name.as_str() {
            "Chart.yaml" => {}
            "Chart.lock" | "requirements.lock" => {
                let doc = yaml_doc(&f)?;
                chart.lock = Some(dependencies_of(&doc));
                if f.name == "requirements.lock" && chart.metadata.api_version == "v1" {
                    chart.files.push(f);
                }
            }
            "values.yaml" => chart.values = cached_values(&f.data)?,
            "values.schema.json" => chart.schema = Some(f.data.clone()),
            "requirements.yaml" => {
                let doc = yaml_doc(&f)?;
                chart.metadata.dependencies = dependencies_of(&doc);
                if chart.metadata.api_version == "v1" {
                    chart.files.push(f);
                }
            }
            name if name.starts_with("templates/") => chart.templates.push(f),
            name if name.starts_with("charts/") => {
                if name.ends_with(".prov") {
                    chart.files.push(f);
                    continue;
                }
                let rest = &name["charts/".len()..];
                let sub = rest.split('/').next().unwrap_or(rest).to_string();
                let inner = rest.get(sub.len() + 1..).unwrap_or("").to_string();
                subcharts.entry(sub).or_default().push(BufferedFile {
                    name: if inner.is_empty() {
                        rest.to_string()
                    } else {
                        inner
                    },
                    data: f.data,
                });
            }
            _ => chart.files.push(f),
        }
    }
    validate_metadata(&chart.metadata)?;
    let parent_name = chart.metadata.name.clone();
    for (name, files) in subcharts {
        if name.starts_with(['_', '.']) {
            continue;
        }
        let sub = if name.ends_with(".tgz") {
            let data = files
                .first()
                .map(|f| f.data.clone())
                .unwrap_or_else(|| Arc::from(&[][..]));
            crate::archive::load_archive_at_depth(
                &data,
                &crate::archive::Limits::default(),
                depth + 1,
            )
        } else {
            load_files_at_depth(files, depth + 1)
        };
        let mut sub = sub.map_err(|e| ChartError::Subchart {
            name: name.clone(),
            parent: parent_name.clone(),
            source: Box::new(e),
        })?;
        sub.set_parent(chart.full_path());
        chart.dependencies.push(sub);
    }
    Ok(chart)
}

/// Bytes of `Chart.yaml` / `values.yaml` texts kept decoded across loads (each cache).
const LOAD_CACHE_MAX_BYTES: usize = 8 * 1024 * 1024;

/// [`parse_metadata`] through a cache keyed by the file's bytes (see `content_cache`).
fn cached_metadata(data: &[u8]) -> Result<Metadata, String> {
    static CACHE: OnceLock<ContentCache<Metadata>> = OnceLock::new();
    CACHE
        .get_or_init(|| ContentCache::new(LOAD_CACHE_MAX_BYTES))
        .get_or_try(data, || parse_metadata(data))
}

/// `values.yaml` decoded as Helm reads it, through a cache keyed by the file's bytes. Every
/// load gets its own deep copy: value trees are shared-mutable maps.
fn cached_values(data: &[u8]) -> Result<Map, ChartError> {
    static CACHE: OnceLock<ContentCache<Map>> = OnceLock::new();
    CACHE
        .get_or_init(|| ContentCache::new(LOAD_CACHE_MAX_BYTES))
        .get_or_try(data, || {
            crate::values::parse_values_keep_nulls(&utf8_text(data))
                .map_err(|e| ChartError::ValuesYaml(e.to_string()))
        })
        .map(|m| crate::coalesce::deep_copy_map(&m))
}

/// `.helmignore` rules (Helm's defaults when the file is absent: empty text), through a
/// cache keyed by the file's bytes.
fn cached_ignore_rules(data: &[u8]) -> IgnoreRules {
    static CACHE: OnceLock<ContentCache<IgnoreRules>> = OnceLock::new();
    let parsed = CACHE
        .get_or_init(|| ContentCache::new(LOAD_CACHE_MAX_BYTES))
        .get_or_try(data, || {
            Ok::<_, std::convert::Infallible>(IgnoreRules::parse(&utf8_text(data)))
        });
    match parsed {
        Ok(rules) => rules,
        Err(never) => match never {},
    }
}

/// File bytes as text, invalid UTF-8 replaced by U+FFFD as Go's conversions do. Valid text
/// (nearly always) is borrowed after `str::from_utf8`, whose ASCII fast path is several times
/// quicker than the lossy decoder's own check.
pub(crate) fn utf8_text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(data) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(data),
    }
}

fn yaml_doc(f: &BufferedFile) -> Result<Value, ChartError> {
    crate::values::parse_yaml_document(&utf8_text(&f.data)).map_err(|e| ChartError::OtherYaml {
        file: f.name.clone(),
        msg: e.to_string(),
    })
}

fn validate_metadata(m: &Metadata) -> Result<(), ChartError> {
    if m.api_version.is_empty() {
        return Err(ChartError::Invalid(
            "chart.metadata.apiVersion is required".into(),
        ));
    }
    if m.name.is_empty() {
        return Err(ChartError::Invalid(
            "chart.metadata.name is required".into(),
        ));
    }
    if m.name.contains(['/', '\\']) || m.name == "." || m.name == ".." {
        return Err(ChartError::Invalid(format!(
            "chart.metadata.name {:?} is invalid",
            m.name
        )));
    }
    if m.version.is_empty() {
        return Err(ChartError::Invalid(
            "chart.metadata.version is required".into(),
        ));
    }
    if !matches!(m.chart_type.as_str(), "" | "application" | "library") {
        return Err(ChartError::Invalid(
            "chart.metadata.type must be application or library".into(),
        ));
    }
    Ok(())
}

/// The text Helm stores for a scalar given where `Chart.yaml` expects a string.
fn scalar_text(v: &Value) -> String {
    match v {
        Value::Nil => String::new(),
        Value::String(s) => s.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Float(f) => json_float_text(*f),
        Value::Int(i) | Value::Int64(i) => i.to_string(),
        other => gotemplate::fmt::format_value(other),
    }
}

/// How encoding/json writes a float64 (what sigs.k8s.io/yaml hands to a string field).
fn json_float_text(f: f64) -> String {
    if f.is_finite() && (f == 0.0 || (1e-6..1e21).contains(&f.abs())) {
        format!("{f}")
    } else {
        gotemplate::fmt::format_float(f, 'e', -1)
    }
}

fn get_str(m: &Map, key: &str) -> String {
    m.get(key).map(|v| scalar_text(&v)).unwrap_or_default()
}

fn get_strings(m: &Map, key: &str) -> Vec<String> {
    match m.get(key) {
        Some(Value::List(l)) => l.iter().map(scalar_text).collect(),
        _ => Vec::new(),
    }
}

fn dependencies_of(doc: &Value) -> Vec<Dependency> {
    let Some(m) = doc.as_map() else {
        return Vec::new();
    };
    match m.get("dependencies") {
        Some(Value::List(l)) => l
            .iter()
            .filter_map(Value::as_map)
            .map(|d| Dependency {
                name: get_str(&d, "name"),
                version: get_str(&d, "version"),
                repository: get_str(&d, "repository"),
                condition: get_str(&d, "condition"),
                tags: get_strings(&d, "tags"),
                enabled: matches!(d.get("enabled"), Some(Value::Bool(true))),
                import_values: match d.get("import-values") {
                    Some(Value::List(l)) => l.to_vec(),
                    _ => Vec::new(),
                },
                alias: get_str(&d, "alias"),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Decodes `Chart.yaml`.
pub fn parse_metadata(data: &[u8]) -> Result<Metadata, String> {
    let doc = crate::values::parse_yaml_document(&utf8_text(data)).map_err(|e| e.to_string())?;
    let m = match doc {
        Value::Nil => Map::new(),
        other => other
            .as_map()
            .ok_or_else(|| "error unmarshaling JSON: Chart.yaml is not a mapping".to_string())?,
    };
    let maintainers = match m.get("maintainers") {
        Some(Value::List(l)) => l
            .iter()
            .filter_map(Value::as_map)
            .map(|mm| Maintainer {
                name: get_str(&mm, "name"),
                email: get_str(&mm, "email"),
                url: get_str(&mm, "url"),
            })
            .collect(),
        _ => Vec::new(),
    };
    let annotations = match m.get("annotations").and_then(|v| v.as_map()) {
        Some(a) => a
            .entries()
            .into_iter()
            .map(|(k, v)| (k.to_string(), scalar_text(&v)))
            .collect(),
        None => BTreeMap::new(),
    };
    Ok(Metadata {
        name: get_str(&m, "name"),
        home: get_str(&m, "home"),
        sources: get_strings(&m, "sources"),
        version: get_str(&m, "version"),
        description: get_str(&m, "description"),
        keywords: get_strings(&m, "keywords"),
        maintainers,
        icon: get_str(&m, "icon"),
        api_version: get_str(&m, "apiVersion"),
        condition: get_str(&m, "condition"),
        tags: get_str(&m, "tags"),
        app_version: get_str(&m, "appVersion"),
        deprecated: matches!(m.get("deprecated"), Some(Value::Bool(true))),
        annotations_nil: !matches!(m.get("annotations"), Some(Value::Map(_))),
        annotations,
        kube_version: get_str(&m, "kubeVersion"),
        dependencies: dependencies_of(&Value::Map(m.clone())),
        chart_type: get_str(&m, "type"),
    })
}

impl Metadata {
    /// `.Chart` as Helm builds it (`structToMap` of the metadata: Go field names, every field
    /// present, slices as `[]interface {}`), plus `IsRoot`.
    pub fn to_value(&self, is_root: bool) -> Value {
        let strs = |v: &[String]| Value::List(v.iter().map(Value::str).collect::<List>());
        let m = Map::new();
        m.insert("Name", Value::str(&self.name));
        m.insert("Home", Value::str(&self.home));
        m.insert("Sources", strs(&self.sources));
        m.insert("Version", Value::str(&self.version));
        m.insert("Description", Value::str(&self.description));
        m.insert("Keywords", strs(&self.keywords));
        m.insert(
            "Maintainers",
            Value::List(
                self.maintainers
                    .iter()
                    .map(|mt| {
                        Value::Map(Map::from_entries(
                            gotemplate::MapKind::Generic,
                            [
                                ("Name", Value::str(&mt.name)),
                                ("Email", Value::str(&mt.email)),
                                ("URL", Value::str(&mt.url)),
                            ],
                        ))
                    })
                    .collect(),
            ),
        );
        m.insert("Icon", Value::str(&self.icon));
        m.insert("APIVersion", Value::str(&self.api_version));
        m.insert("Condition", Value::str(&self.condition));
        m.insert("Tags", Value::str(&self.tags));
        m.insert("AppVersion", Value::str(&self.app_version));
        m.insert("Deprecated", Value::Bool(self.deprecated));
        let annotations_kind = gotemplate::MapKind::Typed(gotemplate::ElemType::String);
        m.insert(
            "Annotations",
            // Helm leaves the field a nil map when `Chart.yaml` has no annotations (`toJson`
            // prints `null` for it, `{}` for an empty one).
            Value::Map(if self.annotations_nil {
                Map::nil_of(annotations_kind)
            } else {
                Map::from_entries(
                    annotations_kind,
                    self.annotations
                        .iter()
                        .map(|(k, v)| (k.as_str(), Value::str(v))),
                )
            }),
        );
        m.insert("KubeVersion", Value::str(&self.kube_version));
        m.insert(
            "Dependencies",
            Value::List(
                self.dependencies
                    .iter()
                    .map(|d| {
                        Value::Map(Map::from_entries(
                            gotemplate::MapKind::Generic,
                            [
                                ("Name", Value::str(&d.name)),
                                ("Version", Value::str(&d.version)),
                                ("Repository", Value::str(&d.repository)),
                                ("Condition", Value::str(&d.condition)),
                                ("Tags", strs(&d.tags)),
                                ("Enabled", Value::Bool(d.enabled)),
                                (
                                    "ImportValues",
                                    Value::List(List::new(d.import_values.clone())),
                                ),
                                ("Alias", Value::str(&d.alias)),
                            ],
                        ))
                    })
                    .collect(),
            ),
        );
        m.insert("Type", Value::str(&self.chart_type));
        m.insert("IsRoot", Value::Bool(is_root));
        Value::Map(m)
    }
}

/// Limits applied while reading a chart directory.
const MAX_DIR_FILES: usize = 20_000;
const MAX_DIR_BYTES: u64 = 512 * 1024 * 1024;

/// Reads a chart directory into files, honouring `.helmignore` (Helm's `LoadDir`).
/// Symbolic links are followed only when they stay inside the chart directory.
pub fn load_dir(dir: &Path) -> Result<Chart, ChartError> {
    let files = read_dir_files(dir)?;
    load_files(files)
}

/// The files of a chart directory, after `.helmignore`.
pub fn read_dir_files(dir: &Path) -> Result<Vec<BufferedFile>, ChartError> {
    let io = |p: &Path, e: std::io::Error| ChartError::Io {
        path: p.display().to_string(),
        msg: e.to_string(),
    };
    let root = dir.canonicalize().map_err(|e| io(dir, e))?;
    let rules = match std::fs::read(root.join(".helmignore")) {
        Ok(bytes) => cached_ignore_rules(&bytes),
        Err(_) => cached_ignore_rules(b""),
    };
    let mut out = Vec::new();
    let mut total: u64 = 0;
    let mut stack: Vec<(PathBuf, String)> = vec![(root.clone(), String::new())];
    while let Some((path, rel)) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&path)
            .map_err(|e| io(&path, e))?
            .collect::<Result<_, _>>()
            .map_err(|e| io(&path, e))?;
        entries.sort_by_cached_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel_path = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let full = entry.path();
            // Only symbolic links need resolving (and the check that they stay inside the
            // chart); the kind of anything else comes with the directory entry.
            let file_type = entry.file_type().map_err(|e| io(&full, e))?;
            let (real, is_dir) = if file_type.is_symlink() {
                let real = full.canonicalize().map_err(|e| io(&full, e))?;
                if !real.starts_with(&root) {
                    return Err(ChartError::Io {
                        path: rel_path,
                        msg: "symbolic link points outside the chart directory".into(),
                    });
                }
                let is_dir = std::fs::metadata(&real).map_err(|e| io(&full, e))?.is_dir();
                (real, is_dir)
            } else {
                (full, file_type.is_dir())
            };
            if is_dir {
                if rules.ignored(&rel_path, true) {
                    continue;
                }
                stack.push((real, rel_path));
            } else {
                if rules.ignored(&rel_path, false) {
                    continue;
                }
                let mut file = std::fs::File::open(&real).map_err(|e| io(&real, e))?;
                let len = file.metadata().map_err(|e| io(&real, e))?.len();
                total += len;
                if out.len() >= MAX_DIR_FILES || total > MAX_DIR_BYTES {
                    return Err(ChartError::Limit(format!(
                        "chart directory {} exceeds {MAX_DIR_FILES} files or {MAX_DIR_BYTES} bytes",
                        dir.display()
                    )));
                }
                // Exactly the size `fstat` reported: no extra read to find the end of file
                // (one system call per file fewer; a file changing under the loader is an error
                // or a prefix, as with any concurrent writer).
                let mut data = vec![0u8; usize::try_from(len).unwrap_or(0)];
                std::io::Read::read_exact(&mut file, &mut data).map_err(|e| io(&real, e))?;
                out.push(BufferedFile {
                    name: rel_path,
                    data: Arc::from(data),
                });
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::parse_metadata;
    use crate::json::to_json;

    fn annotations_json(chart_yaml: &str) -> String {
        let meta = parse_metadata(chart_yaml.as_bytes()).expect("Chart.yaml parses");
        let chart = meta.to_value(true);
        let annotations = chart
            .as_map()
            .and_then(|m| m.get("Annotations"))
            .expect("Annotations is set");
        to_json(&annotations).expect("encodes")
    }

    #[test]
    fn absent_annotations_are_a_nil_map_as_in_helm() {
        let base = "apiVersion: v2\nname: c\nversion: 1.0.0\n";
        assert_eq!(annotations_json(base), "null");
        assert_eq!(annotations_json(&format!("{base}annotations:\n")), "null");
        assert_eq!(
            annotations_json(&format!("{base}annotations: {{}}\n")),
            "{}"
        );
        assert_eq!(
            annotations_json(&format!("{base}annotations:\n  a: b\n")),
            r#"{"a":"b"}"#
        );
    }
}
