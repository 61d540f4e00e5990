//! `values-unknown-key`: a key in an environment's values file that the chart does not know.
crate::declare_rule! {
    /// ## What it does
    /// Reports, at its line in an environment's values file, each key the chart does not know:
    /// not in its defaults (`values.yaml`; a subchart's defaults under the subchart's key;
    /// `global` is always known), not allowed by its `values.schema.json` (`properties`,
    /// `patternProperties`, `additionalProperties`) and not read by any of its templates
    /// (`.Values.a.b`, `index .Values "a" "b"`, `get`/`hasKey`/`dig` with literal keys, `with`
    /// scopes and `$var := .Values.x`, followed on the parsed templates). The message suggests
    /// the closest known key.
    ///
    /// Free-form maps accept any key beneath them: an empty map in the defaults
    /// (`podAnnotations: {}`), a map the templates `range` over or pass whole to a function
    /// (`toYaml`, `tpl`, `include`, `dict`), a schema allowing additional properties, a key
    /// whose default is a scalar. A chart that passes `.Values` itself to a function
    /// (`toYaml .Values`) accepts every key. Only environment values files are checked, not the
    /// chart's own `values.yaml`.
    ///
    /// Each element of a list of maps is checked the same way (reported as
    /// `ingress.hosts[0].pathss`): its known keys are those of the default's elements, of the
    /// schema's `items`, and those the templates read on the element in a `range` over the
    /// list (`{{ range .Values.ingress.hosts }}{{ .host }}{{ range .paths }}...`, nested lists
    /// included). A list the chart treats as free-form accepts anything: an empty default `[]`
    /// that no template ranges over reading keys, a list (or its element) handed whole to a
    /// function such as `toYaml`.
    ///
    /// ## Why
    /// Helm ignores keys no template reads: a misspelt `replicaCont: 3` deploys the default
    /// replica count in silence.
    ///
    /// ## Failing example
    /// ```yaml
    /// # values-prod.yaml of a chart whose values.yaml has replicaCount
    /// replicaCont: 3
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// replicaCount: 3
    /// ```
    pub struct ValuesUnknownKey { id: "values-unknown-key", severity: Warning, summary: "Keys in environment values files are known to the chart (defaults, schema or templates)." }
}

use std::path::{Path, PathBuf};

use crate::analyze::engine::{Rule, RuleContext, Sink};
use crate::analyze::values_keys::{Known, of_chart, suggest};
use crate::model::{Finding, Location, Severity};
use crate::render::chart::Chart;
use crate::yaml::Node;

impl Rule for ValuesUnknownKey {
    fn info(&self) -> &'static crate::analyze::registry::RuleInfo {
        &Self::INFO
    }
    /// Manifests carry no values files: the chart pipeline calls [`findings`] per render.
    fn check<'a>(&self, _ctx: &RuleContext<'a>, _out: &mut Sink<'_>) {}
}

/// The unknown keys of `values_files` (an environment's, in order) for `chart` (after
/// dependency processing), whose directory is `chart_dir`. The chart's own `values.yaml` is
/// skipped; files that cannot be read or parsed are the renderer's error, not this rule's.
pub fn findings(
    chart: &Chart,
    chart_dir: &Path,
    values_files: &[PathBuf],
    environment: Option<&str>,
    severity: Severity,
    cwd: &Path,
    limits: &crate::yaml::Limits,
) -> Vec<Finding> {
    let cache = crate::render::template::ParseCache::default();
    findings_cached(
        chart,
        chart_dir,
        values_files,
        environment,
        severity,
        cwd,
        limits,
        &cache,
    )
}

/// [`findings`] with the renderer's parse cache of the chart (its templates are parsed once).
#[allow(
    clippy::too_many_arguments,
    reason = "the public `findings` signature plus the render's parse cache"
)]
pub fn findings_cached(
    chart: &Chart,
    chart_dir: &Path,
    values_files: &[PathBuf],
    environment: Option<&str>,
    severity: Severity,
    cwd: &Path,
    limits: &crate::yaml::Limits,
    cache: &crate::render::template::ParseCache,
) -> Vec<Finding> {
    // The chart's own values.yaml, however a values file names it (one `stat` each, no
    // `realpath`: this runs once per render).
    let id = |p: &Path| {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()))
    };
    let own = id(&chart_dir.join("values.yaml"));
    let files: Vec<&PathBuf> = values_files
        .iter()
        .filter(|p| own.is_none() || id(p) != own)
        .collect();
    if files.is_empty() {
        return Vec::new();
    }
    let known = of_chart(chart, cache);
    if !known.checks_keys() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for p in files {
        let Ok(text) = crate::confine::read_repo_text(p, limits.max_bytes) else {
            continue;
        };
        let Ok(docs) = crate::yaml::parse_stream(&text, limits) else {
            continue;
        };
        let Some(doc) = docs.first() else {
            continue;
        };
        let file = crate::discover::manifests::display_path(p, cwd);
        let mut path = Vec::new();
        walk(
            &doc.root,
            &known,
            &mut path,
            &mut |key: &Node, path: &[Step], k: &Known| {
                let name = dotted(path);
                let last = match path.last() {
                    Some(Step::Key(k)) => k.clone(),
                    _ => String::new(),
                };
                let hint = match suggest(&last, k.children.keys()) {
                    Some(s) => {
                        let mut p = path[..path.len() - 1].to_vec();
                        p.push(Step::Key(s.to_string()));
                        format!("; did you mean `{}`?", dotted(&p))
                    }
                    None => String::new(),
                };
                let message = format!(
                    "`{name}` is not a value of chart `{}` (not in its defaults, values.schema.json or templates){hint}",
                    chart.name()
                );
                let at = Location {
                    file: file.clone(),
                    line: key.pos.line,
                    column: key.pos.col,
                };
                out.push(
                    Finding::new(ValuesUnknownKey::INFO.id, severity, message, at)
                        .with_environment(environment)
                        .with_field(Some(format!("values.{name}"))),
                );
            },
        );
    }
    out
}

/// [`findings`] for one render, at the rule's configured level (nothing when it is off).
pub fn for_render(
    chart: &Chart,
    chart_dir: &Path,
    values_files: &[PathBuf],
    settings: &crate::analyze::settings::Settings,
    cwd: &Path,
    cache: &crate::render::template::ParseCache,
) -> Vec<Finding> {
    match crate::analyze::engine::level_for(&ValuesUnknownKey::INFO, settings) {
        Some(level) => findings_cached(
            chart,
            chart_dir,
            values_files,
            settings.environment.as_deref(),
            level,
            cwd,
            &settings.limits.yaml(),
            cache,
        ),
        None => Vec::new(),
    }
}

/// One step of a values path: a key, or a list position.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

/// `a.b[0].c`.
fn dotted(path: &[Step]) -> String {
    let mut s = String::new();
    for p in path {
        match p {
            Step::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Step::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

fn walk(
    node: &Node,
    known: &Known,
    path: &mut Vec<Step>,
    report: &mut dyn FnMut(&Node, &[Step], &Known),
) {
    if let Some(items) = node.as_seq() {
        // A list: each element against what the chart knows of its elements.
        let Some(item) = known.item_keys() else {
            return;
        };
        for (i, x) in items.iter().enumerate() {
            path.push(Step::Index(i));
            walk(x, item, path, report);
            path.pop();
        }
        return;
    }
    if !known.checks_keys() {
        return;
    }
    let Some(entries) = node.as_map() else {
        return;
    };
    for (key, value) in entries {
        let name = key.key_string();
        path.push(Step::Key(name.clone()));
        match known.child(&name) {
            Some(child) => walk(value, &child, path, report),
            None => report(key, path, known),
        }
        path.pop();
    }
}
