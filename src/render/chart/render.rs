//! Rendering a chart like `helm template`: every template of the chart and its (enabled)
//! subcharts is parsed into one template set in Helm's order, then each non-partial template is
//! executed with its chart's scope (`.Values`, `.Chart`, `.Files`, `.Release`, `.Capabilities`,
//! `.Subcharts`, `.Template`). Also Helm's manifest stream (`---` / `# Source:` and install order).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::files::{Files, ToYaml};
use super::load::{LoadedChart, Sources};
use super::model::Chart;
use super::release::{self, RenderOptions};
use crate::model::value::{Map, MapRef, Seg, Value};
use crate::render::template::{ParseCache, TemplateError, TemplatePos, TplSeg};

/// One template's output with provenance.
#[derive(Clone, Debug, Default)]
pub struct RenderedTemplate {
    pub text: String,
    /// Byte ranges of `text` that came from a values file or template position.
    pub segs: Vec<Seg>,
    /// Which template position wrote each byte range of `text`.
    pub tpl: Vec<TplSeg>,
}

impl RenderedTemplate {
    /// The template position that wrote byte `offset` of `text`: (template name, line,
    /// column), both counted from 1. An action's output is at the action; literal text at
    /// its own place in the template.
    pub fn template_position(&self, offset: usize) -> Option<(&Arc<str>, u32, u32)> {
        let off = u32::try_from(offset).ok()?;
        let i = self.tpl.partition_point(|s| s.end <= off);
        let seg = self.tpl.get(i).filter(|s| s.start <= off)?;
        // Template positions count columns from 0 (Go's convention).
        if !seg.literal {
            return Some((&seg.template, seg.line, seg.col + 1));
        }
        let before = self.text.get(seg.start as usize..offset)?;
        let newlines = u32::try_from(before.matches('\n').count()).ok()?;
        let column = match before.rfind('\n') {
            Some(nl) => before[nl + 1..].chars().count() as u32 + 1,
            None => seg.col + 1 + before.chars().count() as u32,
        };
        Some((&seg.template, seg.line + newlines, column))
    }
}

/// The template engine as the chart renderer drives it (implemented over the Go-template engine).
pub trait TemplateEngine {
    /// Parses a template file under its full name (`chart/templates/x.yaml`).
    fn add_file(&mut self, name: &str, src: &str) -> Result<(), TemplateError>;
    /// [`TemplateEngine::add_file`] reusing earlier parses of the same chart's files.
    fn add_file_cached(
        &mut self,
        name: &str,
        src: &str,
        cache: &ParseCache,
    ) -> Result<(), TemplateError> {
        let _ = cache;
        self.add_file(name, src)
    }
    /// Executes a parsed template with `dot`; the output is Helm's, `<no value>` already removed
    /// (once, as Helm's `strings.ReplaceAll`).
    fn execute(&self, name: &str, dot: &Value) -> Result<RenderedTemplate, TemplateError>;
    /// Helm's `toYaml`, for `.Files.AsConfig` / `.AsSecrets`.
    fn to_yaml(&self) -> ToYaml;
}

/// A rendered chart.
#[derive(Clone, Debug)]
pub struct RenderedChart {
    /// Template name → output, for every non-partial template (including empty ones and
    /// `NOTES.txt`), as Helm's engine returns them.
    pub templates: BTreeMap<String, RenderedTemplate>,
    /// The coalesced top-level `.Values` (scalars keep their origins).
    pub values: Map,
    /// Every source file (chart files and user values files) by id.
    pub sources: Sources,
    /// The chart after dependency processing (aliases, disabled subcharts removed).
    pub chart: Chart,
    /// Template name (`chart/templates/x.yaml`, partials included) → its id in `sources`, so a
    /// [`TplSeg`] can be traced to the chart's file.
    pub template_files: BTreeMap<String, u32>,
}

/// Why a render failed. `Display` prints Helm's message (or the `helm` binary's).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// A template failed to parse or execute; it knows where.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// The chart could not be loaded (`--renderer helm` loads it itself).
    #[error(transparent)]
    Chart(#[from] super::load::ChartError),
    /// The values could not be prepared: a values file, `--set*`, dependencies, schema.
    #[error(transparent)]
    Values(#[from] super::values::ValuesError),
    /// `.Capabilities` could not be built (an invalid kube version).
    #[error("{0}")]
    Capabilities(String),
    /// A rendered template is not YAML (`helm template`'s stream).
    #[error("YAML parse error on {template}: {message}")]
    Manifest { template: String, message: String },
    /// `--renderer helm`: the binary is missing or failed. `message` is printed as is; `at` is
    /// the first template position the binary's message names.
    #[error("{message}")]
    Helm {
        message: String,
        at: Option<TemplatePos>,
    },
}

/// A template with the scope it executes in.
struct Renderable {
    src: String,
    source_id: u32,
    /// The chart's scope map, shared by all its templates as in Helm (a `set $ ...` in one
    /// template is seen by the next; `.Values` is the parent's `.Values.<subchart>` map).
    dot: MapRef,
    base_path: String,
}

/// Helm's `recAllTpls`: collects templates with their scope; returns this chart's scope map.
fn collect(
    chart: &Chart,
    parent: &MapRef,
    is_root: bool,
    parent_path: &str,
    to_yaml: ToYaml,
    out: &mut BTreeMap<String, Renderable>,
) -> MapRef {
    let parent = parent.read();
    let full_path = if is_root {
        chart.name().to_string()
    } else {
        format!("{parent_path}/charts/{}", chart.name())
    };
    let mut next = Map::new();
    next.insert(
        "Chart".into(),
        release::chart_object(&chart.metadata, is_root),
    );
    next.insert(
        "Files".into(),
        Value::Object(Arc::new(Files::new(&chart.files, to_yaml))),
    );
    next.insert(
        "Release".into(),
        parent.get("Release").cloned().unwrap_or(Value::Nil),
    );
    next.insert(
        "Capabilities".into(),
        parent.get("Capabilities").cloned().unwrap_or(Value::Nil),
    );
    let values = if is_root {
        parent
            .get("Values")
            .cloned()
            .unwrap_or_else(Value::empty_map)
    } else {
        match parent.get("Values").and_then(|v| v.get(chart.name())) {
            Some(v @ Value::Map(_)) => v.clone(),
            _ => Value::empty_map(),
        }
    };
    next.insert("Values".into(), values);
    let subcharts = MapRef::new(Map::new());
    next.insert("Subcharts".into(), Value::Map(subcharts.clone()));
    let dot = MapRef::new(next);
    for child in &chart.dependencies {
        let child_scope = collect(child, &dot, false, &full_path, to_yaml, out);
        subcharts.update(|m| m.insert(child.name().to_string(), Value::Map(child_scope)));
    }
    for t in &chart.templates {
        let base = t.name.rsplit('/').next().unwrap_or(&t.name);
        if chart.is_library() && !base.starts_with('_') {
            continue;
        }
        out.insert(
            format!("{full_path}/{}", t.name),
            Renderable {
                src: String::from_utf8_lossy(&t.data).into_owned(),
                source_id: t.source_id,
                dot: dot.clone(),
                base_path: format!("{full_path}/templates"),
            },
        );
    }
    dot
}

/// Helm's parse order: deeper paths first, then names in reverse order (`sort.Reverse(byPathLen)`).
pub fn helm_template_order<'a>(names: impl Iterator<Item = &'a String>) -> Vec<&'a String> {
    let mut v: Vec<&String> = names.collect();
    v.sort_by(|a, b| {
        let (ca, cb) = (a.matches('/').count(), b.matches('/').count());
        cb.cmp(&ca).then_with(|| b.cmp(a))
    });
    v
}

/// Renders a loaded chart with `engine` (a fresh, empty template set) like `helm template`.
pub fn render_chart_with(
    engine: &mut dyn TemplateEngine,
    loaded: &LoadedChart,
    opts: &RenderOptions,
) -> Result<RenderedChart, RenderError> {
    let mut sources = loaded.sources.clone();
    let user = release::user_values(opts, &mut sources)?;
    let prepared =
        release::prepare_values_with(&loaded.chart, &user, !opts.skip_schema_validation)?;
    let mut top = Map::new();
    // Templates may change maps in place (Sprig's `set`/`merge`), so they get a copy of their
    // own, as Helm copies values before rendering.
    top.insert(
        "Values".into(),
        Value::map(prepared.values.clone()).deep_copy(),
    );
    top.insert("Release".into(), release::release_object(opts));
    top.insert(
        "Capabilities".into(),
        release::capabilities_object(opts).map_err(RenderError::Capabilities)?,
    );
    let mut tpls = BTreeMap::new();
    let top = MapRef::new(top);
    collect(&prepared.chart, &top, true, "", engine.to_yaml(), &mut tpls);
    let order = helm_template_order(tpls.keys());
    for name in &order {
        if let Some(r) = tpls.get(*name) {
            engine.add_file_cached(name, &r.src, &loaded.parse_cache)?;
        }
    }
    let mut templates = BTreeMap::new();
    for name in order {
        let base = name.rsplit('/').next().unwrap_or(name);
        if base.starts_with('_') {
            continue;
        }
        let Some(r) = tpls.get(name) else { continue };
        let mut t = Map::new();
        t.insert("Name".into(), Value::str(name.as_str()));
        t.insert("BasePath".into(), Value::str(r.base_path.as_str()));
        r.dot.update(|d| d.insert("Template".into(), Value::map(t)));
        let out = engine.execute(name, &Value::Map(r.dot.clone()))?;
        templates.insert(name.clone(), out);
    }
    let template_files = tpls
        .iter()
        .map(|(name, r)| (name.clone(), r.source_id))
        .collect();
    Ok(RenderedChart {
        templates,
        values: prepared.values,
        sources,
        chart: prepared.chart,
        template_files,
    })
}

/// Helm's install order of kinds (unknown kinds go last, alphabetically).
pub const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// Helm's `SplitManifests` ([`crate::gocompat::manifests`]): the documents of a template's
/// output, trimmed; one that trims to nothing is kept, as Helm keeps it.
pub fn split_manifests(text: &str) -> Vec<String> {
    crate::gocompat::manifests::split_manifests(text)
        .into_iter()
        .map(|(_, d)| d.to_string())
        .collect()
}

struct Manifest {
    path: String,
    content: String,
    kind: String,
}

fn kind_rank(kind: &str) -> Option<usize> {
    INSTALL_ORDER.iter().position(|k| *k == kind)
}

fn sort_by_kind(v: &mut [Manifest]) {
    v.sort_by(|a, b| match (kind_rank(&a.kind), kind_rank(&b.kind)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.kind.cmp(&b.kind),
    });
}

/// What `helm template` prints: manifests in install order with `---\n# Source: NAME\n` headers,
/// then hooks; `NOTES.txt`, partials and empty templates are left out.
pub fn helm_template_stream(rendered: &RenderedChart) -> Result<String, RenderError> {
    let mut generic = Vec::new();
    let mut hooks = Vec::new();
    for (path, r) in &rendered.templates {
        let base = path.rsplit('/').next().unwrap_or(path);
        if base == "NOTES.txt" || base.starts_with('_') || r.text.trim().is_empty() {
            continue;
        }
        for doc in split_manifests(&r.text) {
            let parsed =
                crate::yaml::parse_stream(&doc, &crate::yaml::Limits::default()).map_err(|e| {
                    RenderError::Manifest {
                        template: path.clone(),
                        message: e.to_string(),
                    }
                })?;
            let root = parsed.into_iter().next().map(|d| d.root);
            let kind = root
                .as_ref()
                .and_then(|r| r.get("kind"))
                .and_then(|k| k.as_str())
                .unwrap_or("")
                .to_string();
            let is_hook = root
                .as_ref()
                .and_then(|r| r.get_path(&["metadata", "annotations", "helm.sh/hook"]))
                .is_some();
            let m = Manifest {
                path: path.clone(),
                content: doc,
                kind,
            };
            if is_hook {
                hooks.push(m)
            } else {
                generic.push(m)
            }
        }
    }
    sort_by_kind(&mut generic);
    sort_by_kind(&mut hooks);
    let mut body = String::new();
    for m in &generic {
        body.push_str(&format!("---\n# Source: {}\n{}\n", m.path, m.content));
    }
    let mut out = format!("{}\n", body.trim());
    for m in &hooks {
        out.push_str(&format!("---\n# Source: {}\n{}\n", m.path, m.content));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_order_is_helms() {
        let names: Vec<String> = [
            "c/templates/a.yaml",
            "c/charts/s/templates/x.yaml",
            "c/templates/b.yaml",
            "c/charts/s/templates/_h.tpl",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let order: Vec<&str> = helm_template_order(names.iter())
            .into_iter()
            .map(String::as_str)
            .collect();
        assert_eq!(
            order,
            vec![
                "c/charts/s/templates/x.yaml",
                "c/charts/s/templates/_h.tpl",
                "c/templates/b.yaml",
                "c/templates/a.yaml"
            ]
        );
    }

    #[test]
    fn splits() {
        assert_eq!(
            split_manifests("\n---\na: 1\n---   \nb: 2\n\n---\n"),
            vec!["a: 1", "b: 2"]
        );
        // Go's `\s` is ASCII: the no-break space after the first `---` is a document of its own
        // (empty once trimmed) and the second `---` still separates. The renderer's old copy
        // (Unicode `\s`) swallowed the line break and printed `---\nb: 2` as one document.
        assert_eq!(
            split_manifests("a: 1\n---\u{a0}\n---\nb: 2\n"),
            vec!["a: 1", "", "b: 2"]
        );
    }

    #[test]
    fn stream_orders_kinds_and_hooks() {
        let mut templates = BTreeMap::new();
        let t = |s: &str| RenderedTemplate {
            text: s.into(),
            segs: vec![],
            tpl: vec![],
        };
        templates.insert(
            "c/templates/a.yaml".to_string(),
            t("kind: Deployment\n---\nkind: Widget\n"),
        );
        templates.insert("c/templates/b.yaml".to_string(), t("kind: Service\n"));
        templates.insert(
            "c/templates/hook.yaml".to_string(),
            t("kind: Job\nmetadata:\n  annotations:\n    helm.sh/hook: pre-install\n"),
        );
        templates.insert("c/templates/NOTES.txt".to_string(), t("notes"));
        templates.insert("c/templates/empty.yaml".to_string(), t("\n  \n"));
        let rc = RenderedChart {
            templates,
            values: Map::new(),
            sources: Sources::default(),
            chart: Chart::default(),
            template_files: BTreeMap::new(),
        };
        assert_eq!(
            helm_template_stream(&rc).ok().as_deref(),
            Some(
                "---\n# Source: c/templates/b.yaml\nkind: Service\n---\n# Source: c/templates/a.yaml\nkind: Deployment\n---\n# Source: c/templates/a.yaml\nkind: Widget\n---\n# Source: c/templates/hook.yaml\nkind: Job\nmetadata:\n  annotations:\n    helm.sh/hook: pre-install\n"
            )
        );
    }
}
