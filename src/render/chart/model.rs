//! The loaded chart: metadata from `Chart.yaml`, default values, templates, other files and
//! vendored dependencies, as Helm's `chart.Chart` holds them.

use crate::model::value::Map;
use std::sync::{Arc, OnceLock};

/// A file of a chart, by its path relative to the chart root (`templates/x.yaml`, `files/a.conf`).
#[derive(Clone, Debug)]
pub struct ChartFile {
    /// Slash-separated path relative to the chart directory.
    pub name: String,
    /// Raw contents (shared: a chart is cloned for every render).
    pub data: Arc<[u8]>,
    /// Id in the [`super::Sources`] table (0 when not registered).
    pub source_id: u32,
}

/// One entry of `dependencies:` in `Chart.yaml` (or `requirements.yaml` for apiVersion v1).
#[derive(Clone, Debug, Default)]
pub struct Dependency {
    pub name: String,
    pub version: String,
    pub repository: String,
    /// Comma-separated values paths; the first that resolves to a bool decides.
    pub condition: String,
    pub tags: Vec<String>,
    pub alias: String,
    /// `import-values` entries, in order.
    pub import_values: Vec<ImportValue>,
    /// Set while processing conditions and tags.
    pub enabled: bool,
}

/// An `import-values` entry: `- name` (imports `exports.name` into the parent's root) or
/// `- {child: a.b, parent: c}`.
#[derive(Clone, Debug, PartialEq)]
pub enum ImportValue {
    Exports(String),
    Map { child: String, parent: String },
}

/// `Chart.yaml`.
#[derive(Clone, Debug, Default)]
pub struct Metadata {
    pub api_version: String,
    pub name: String,
    pub version: String,
    pub app_version: String,
    pub description: String,
    /// `application` or `library` (empty means application).
    pub chart_type: String,
    pub dependencies: Vec<Dependency>,
    /// The whole `Chart.yaml` as parsed, for `.Chart` fields beyond the typed ones.
    pub raw: Map,
}

/// A chart with its vendored subcharts.
#[derive(Clone, Debug, Default)]
pub struct Chart {
    pub metadata: Metadata,
    /// `values.yaml` (empty map when absent).
    pub values: Map,
    /// Source id of `values.yaml` (0 when absent).
    pub values_source: u32,
    /// `values.schema.json` text, if present.
    pub schema: Option<String>,
    /// Source id of `values.schema.json` (0 when absent).
    pub schema_source: u32,
    /// The schema compiled on first use, shared by every clone of this chart (each render
    /// works on a clone).
    pub schema_validator: SchemaCache,
    /// Files under `templates/`, in path order.
    pub templates: Vec<ChartFile>,
    /// Every other file Helm loads (for `.Files`), excluding `Chart.yaml`, `values.yaml`,
    /// `values.schema.json`, `templates/` and `charts/`.
    pub files: Vec<ChartFile>,
    /// Files under `crds/` (also in `files`, as in Helm).
    pub crds: Vec<ChartFile>,
    /// Subcharts found in `charts/` (directories and `.tgz` archives).
    pub dependencies: Vec<Chart>,
}

/// A compiled `values.schema.json` (or the compile error, without the chart name).
#[derive(Clone, Default)]
pub struct SchemaCache(Arc<OnceLock<Result<Arc<super::schema::CompiledSchema>, String>>>);

impl SchemaCache {
    /// The validator for `schema_text` (with `files`, the chart's files, as what its `$ref`s
    /// may name), compiled once.
    pub fn get(
        &self,
        schema_text: &str,
        files: &[ChartFile],
    ) -> Result<Arc<super::schema::CompiledSchema>, String> {
        self.0
            .get_or_init(|| super::schema::compile(schema_text, files).map(Arc::new))
            .clone()
    }
}

impl std::fmt::Debug for SchemaCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "SchemaCache(compiled)"
        } else {
            "SchemaCache(empty)"
        })
    }
}

impl Chart {
    /// The chart's name (the alias, once dependencies are processed).
    pub fn name(&self) -> &str {
        &self.metadata.name
    }
    /// Whether this is a library chart (`type: library`), whose templates are never rendered.
    pub fn is_library(&self) -> bool {
        self.metadata.chart_type == "library"
    }
}
