//! Structural diff of two renders of the same chart (two environments, or the base and the head
//! revision of a PR): objects matched by kind, namespace and name, then compared field by field
//! (maps by key, lists by index — or by `name` when every item of both lists is a map with a
//! unique `name`, as Kubernetes merges containers, env vars and ports). Each changed field
//! carries the values lines that set it on both sides, from the renderer's per-byte provenance.
//!
//! Output is deterministic: charts by their path, objects by (kind, namespace, name), fields in
//! the left side's document order, then fields only on the right in its order.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::pipeline::locate::values_seg;
use crate::pipeline::renders::EnvRender;
use crate::yaml::{Node, NodeKind};

/// What happened to an object or a field, from the left side to the right side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Changed,
    Added,
    Removed,
}

/// One field that differs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldDiff {
    /// `spec.template.spec.containers[0].image`.
    pub path: String,
    pub change: Change,
    /// The value on the left (None: absent).
    pub old: Option<serde_json::Value>,
    /// The value on the right (None: absent).
    pub new: Option<serde_json::Value>,
    /// `FILE:LINE` of the values line that set the left value.
    pub old_source: Option<String>,
    /// `FILE:LINE` of the values line that set the right value.
    pub new_source: Option<String>,
}

/// One object that differs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ObjectDiff {
    pub kind: String,
    /// `metadata.namespace` as rendered (None: not set).
    pub namespace: Option<String>,
    pub name: String,
    /// The left side's object (`Kind namespace/name`) when it is named differently (releases
    /// or namespaces named per environment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_name: Option<String>,
    pub change: Change,
    /// The fields that differ (empty for an added or removed object).
    pub fields: Vec<FieldDiff>,
}

impl ObjectDiff {
    /// `Deployment team-a/web`, `ConfigMap web`; `Deployment web-dev -> web-prod` when the
    /// two sides name it differently.
    pub fn label(&self) -> String {
        let new = Self::label_of(&self.kind, self.namespace.as_deref(), &self.name);
        match &self.old_name {
            Some(old) => format!(
                "{old} -> {}",
                new.strip_prefix(&format!("{} ", self.kind)).unwrap_or(&new)
            ),
            None => new,
        }
    }

    /// `Kind namespace/name` or `Kind name`.
    pub fn label_of(kind: &str, namespace: Option<&str>, name: &str) -> String {
        match namespace {
            Some(ns) => format!("{kind} {ns}/{name}"),
            None => format!("{kind} {name}"),
        }
    }
}

/// How a chart compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChartStatus {
    /// Rendered on both sides; `objects` lists what differs (may be empty).
    Compared,
    /// Rendered on the right only (every object added).
    Added,
    /// Rendered on the left only (every object removed).
    Removed,
}

/// The differences of one chart.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChartDiff {
    /// The service as `check --list` prints it.
    pub chart: String,
    pub status: ChartStatus,
    pub objects: Vec<ObjectDiff>,
}

/// A whole diff: left and right labels and the charts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DiffReport {
    /// Label of the left side (an environment, or `base`).
    pub from: String,
    /// Label of the right side.
    pub to: String,
    pub charts: Vec<ChartDiff>,
}

type ObjKey = (String, Option<String>, String);

struct Obj<'a> {
    node: &'a Node,
    template: &'a str,
    namespace: Option<&'a str>,
    name: &'a str,
}

/// The objects of a render by (kind, namespace, name). With `generic`, the render's release
/// name and namespace inside names are replaced by `{release}` / `{namespace}`, so that the
/// same object matches across environments whose releases are named per environment
/// (`web-dev`, `web-prod`).
fn objects<'a>(side: &Side<'a>, generic: bool) -> BTreeMap<ObjKey, Obj<'a>> {
    let norm = |s: &str| {
        let Some(r) = side.render.filter(|_| generic) else {
            return s.to_string();
        };
        let s = s.replace(&r.release, "{release}");
        if r.namespace.is_empty() {
            s
        } else {
            s.replace(&r.namespace, "{namespace}")
        }
    };
    let mut out = BTreeMap::new();
    for f in side.files {
        for (i, doc) in f.documents.iter().enumerate() {
            for res in crate::analyze::model::resources_of(&f.file, i, doc) {
                let name = res.name.unwrap_or_default();
                let key = (
                    res.kind.unwrap_or_default().to_string(),
                    res.namespace.map(norm),
                    norm(name),
                );
                out.insert(
                    key,
                    Obj {
                        node: res.node,
                        template: &f.file,
                        namespace: res.namespace,
                        name,
                    },
                );
            }
        }
    }
    out
}

/// One side of a comparison: manifests, and the render they come from (for provenance and
/// release names), if any.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    pub files: &'a [crate::analyze::model::SourceFile],
    pub render: Option<&'a EnvRender>,
}

impl<'a> Side<'a> {
    /// The side of a render.
    pub fn of(r: &'a EnvRender) -> Side<'a> {
        Side {
            files: &r.files,
            render: Some(r),
        }
    }
}

/// Compares two renders of the chart `chart` (either may be missing).
pub fn compare(chart: &str, left: Option<&EnvRender>, right: Option<&EnvRender>) -> ChartDiff {
    compare_sides(chart, left.map(Side::of), right.map(Side::of))
}

/// Compares two sides named `chart` (a chart, or a plain manifest file).
pub fn compare_sides(chart: &str, left: Option<Side<'_>>, right: Option<Side<'_>>) -> ChartDiff {
    // Releases or namespaces named per environment: match objects by their generic names.
    let generic = match (left.and_then(|s| s.render), right.and_then(|s| s.render)) {
        (Some(a), Some(b)) => a.release != b.release || a.namespace != b.namespace,
        _ => false,
    };
    let lo = left.map(|s| objects(&s, generic)).unwrap_or_default();
    let ro = right.map(|s| objects(&s, generic)).unwrap_or_default();
    let status = match (left, right) {
        (Some(_), None) => ChartStatus::Removed,
        (None, Some(_)) => ChartStatus::Added,
        _ => ChartStatus::Compared,
    };
    let mut keys: Vec<&ObjKey> = lo.keys().chain(ro.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut objects = Vec::new();
    for k in keys {
        let (a, b) = (lo.get(k), ro.get(k));
        // Named as on the right side when it has the object, else as on the left.
        let Some(named) = b.or(a) else { continue };
        let old_name = match (a, b) {
            (Some(a), Some(b)) if a.name != b.name || a.namespace != b.namespace => {
                Some(ObjectDiff::label_of(&k.0, a.namespace, a.name))
            }
            _ => None,
        };
        let obj = |change, fields| ObjectDiff {
            kind: k.0.clone(),
            namespace: named.namespace.map(str::to_string),
            name: named.name.to_string(),
            old_name: old_name.clone(),
            change,
            fields,
        };
        match (a, b) {
            (Some(a), Some(b)) => {
                let mut ctx = Ctx {
                    left: left.and_then(|s| s.render).map(|r| (r, a.template)),
                    right: right.and_then(|s| s.render).map(|r| (r, b.template)),
                    out: Vec::new(),
                };
                let mut segs = Vec::new();
                ctx.diff(Some(a.node), Some(b.node), &mut segs);
                if !ctx.out.is_empty() {
                    objects.push(obj(Change::Changed, ctx.out));
                }
            }
            (Some(_), None) => objects.push(obj(Change::Removed, Vec::new())),
            (None, Some(_)) => objects.push(obj(Change::Added, Vec::new())),
            (None, None) => {}
        }
    }
    ChartDiff {
        // The chart in the current directory prints as `.`.
        chart: if chart.is_empty() { "." } else { chart }.to_string(),
        status,
        objects,
    }
}

struct Ctx<'a> {
    left: Option<(&'a EnvRender, &'a str)>,
    right: Option<(&'a EnvRender, &'a str)>,
    out: Vec<FieldDiff>,
}

/// `FILE:LINE` of the values line that wrote `node` in template `template` of `r`: for a scalar,
/// the part of it in `focus` (the bytes that differ from the other side) when a values line
/// wrote that part; for a collection, the first values line written inside it.
fn source_of(
    side: Option<(&EnvRender, &str)>,
    node: &Node,
    focus: Option<(usize, usize)>,
) -> Option<String> {
    let (r, template) = side?;
    let rt = r.rendered.templates.get(template)?;
    let seg = values_seg(rt, node, focus).or_else(|| {
        if !matches!(node.kind, NodeKind::Map(_) | NodeKind::Seq(_)) {
            return None;
        }
        let (start, end) = (node.pos.offset as u32, node.end.offset as u32);
        rt.segs
            .iter()
            .find(|s| s.start >= start && s.end <= end && !s.origin.is_none())
            .copied()
    })?;
    let loc = r.origin(seg.origin)?;
    Some(format!("{}:{}", loc.file, loc.line))
}

/// A byte range `(start, end)` of a line.
type ByteRange = (usize, usize);

/// The byte ranges of `a` and `b` that differ (after their common prefix and suffix), on
/// character boundaries; None for a side where nothing is left.
fn differing(a: &str, b: &str) -> (Option<ByteRange>, Option<ByteRange>) {
    let prefix: usize = a
        .chars()
        .zip(b.chars())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum();
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    let suffix: usize = ra
        .chars()
        .rev()
        .zip(rb.chars().rev())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum();
    let range = |s: &str| {
        let end = s.len() - suffix.min(s.len() - prefix);
        (end > prefix).then_some((prefix, end))
    };
    (range(a), range(b))
}

/// Items of two lists matched by their `name` when every item of both is a map with a unique
/// string `name`; else None.
fn by_name<'n>(a: &'n [Node], b: &'n [Node]) -> Option<Vec<(Option<usize>, Option<usize>)>> {
    let names = |l: &'n [Node]| -> Option<Vec<&'n str>> {
        let v: Vec<&str> = l
            .iter()
            .map(|n| n.get("name").and_then(Node::as_str))
            .collect::<Option<_>>()?;
        let mut s = v.clone();
        s.sort_unstable();
        s.dedup();
        (s.len() == v.len()).then_some(v)
    };
    let (na, nb) = (names(a)?, names(b)?);
    let mut pairs: Vec<(Option<usize>, Option<usize>)> = na
        .iter()
        .enumerate()
        .map(|(i, n)| (Some(i), nb.iter().position(|m| m == n)))
        .collect();
    pairs.extend(
        nb.iter()
            .enumerate()
            .filter(|(_, n)| !na.contains(n))
            .map(|(j, _)| (None, Some(j))),
    );
    Some(pairs)
}

impl Ctx<'_> {
    fn push(&mut self, segs: &[Seg], a: Option<&Node>, b: Option<&Node>) {
        let (fa, fb) = match (a.and_then(Node::as_str), b.and_then(Node::as_str)) {
            (Some(x), Some(y)) => differing(x, y),
            _ => (None, None),
        };
        let change = match (a, b) {
            (Some(_), Some(_)) => Change::Changed,
            (None, Some(_)) => Change::Added,
            _ => Change::Removed,
        };
        self.out.push(FieldDiff {
            path: path_text(segs),
            change,
            old: a.map(Node::to_json),
            new: b.map(Node::to_json),
            old_source: a.and_then(|n| source_of(self.left, n, fa)),
            new_source: b.and_then(|n| source_of(self.right, n, fb)),
        });
    }

    fn diff(&mut self, a: Option<&Node>, b: Option<&Node>, segs: &mut Vec<Seg>) {
        // The renderer's output is bounded by the YAML loader's nesting limit; stay below it.
        if segs.len() > crate::model::value::MAX_VALUE_DEPTH {
            return;
        }
        let (a, b) = match (a, b) {
            (Some(a), Some(b)) => (a, b),
            (a, b) => return self.push(segs, a, b),
        };
        match (&a.kind, &b.kind) {
            (NodeKind::Map(pa), NodeKind::Map(pb)) => {
                let mut keys: Vec<String> = Vec::new();
                for (k, _) in pa.iter().chain(pb.iter()) {
                    let k = k.key_string();
                    if !keys.contains(&k) {
                        keys.push(k);
                    }
                }
                for k in keys {
                    let ka = pa.iter().rev().find(|(x, _)| x.key_string() == k);
                    let kb = pb.iter().rev().find(|(x, _)| x.key_string() == k);
                    segs.push(Seg::Key(k));
                    self.diff(ka.map(|p| &p.1), kb.map(|p| &p.1), segs);
                    segs.pop();
                }
            }
            (NodeKind::Seq(la), NodeKind::Seq(lb)) => {
                let pairs = by_name(la, lb).unwrap_or_else(|| {
                    (0..la.len().max(lb.len()))
                        .map(|i| ((i < la.len()).then_some(i), (i < lb.len()).then_some(i)))
                        .collect()
                });
                for (i, j) in pairs {
                    // The right side's index when the item is there, else the left side's.
                    segs.push(Seg::Index(j.or(i).unwrap_or_default()));
                    self.diff(i.map(|i| &la[i]), j.map(|j| &lb[j]), segs);
                    segs.pop();
                }
            }
            _ => {
                if a.to_json() != b.to_json() {
                    self.push(segs, Some(a), Some(b));
                }
            }
        }
    }
}

/// A value as printed in text and markdown: compact JSON, long ones cut at 80 characters.
pub fn short(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        let cut: String = s.chars().take(77).collect();
        format!("{cut}...")
    } else {
        s
    }
}

fn clean(s: &str) -> String {
    crate::report::clean::controls(s)
}

/// The text report.
pub fn text(report: &DiffReport) -> String {
    let (from, to) = (clean(&report.from), clean(&report.to));
    let mut s = format!("diff {from} -> {to}\n");
    if report.charts.is_empty() {
        s.push_str("no chart rendered\n");
    }
    for c in &report.charts {
        let head = clean(&c.chart);
        match c.status {
            ChartStatus::Added => s.push_str(&format!("{head}: only rendered in {to}\n")),
            ChartStatus::Removed => s.push_str(&format!("{head}: only rendered in {from}\n")),
            ChartStatus::Compared if c.objects.is_empty() => {
                s.push_str(&format!("{head}: no differences\n"))
            }
            ChartStatus::Compared => s.push_str(&format!("{head}\n")),
        }
        for o in &c.objects {
            let label = clean(&o.label());
            match o.change {
                Change::Added => s.push_str(&format!("  + {label} (only in {to})\n")),
                Change::Removed => s.push_str(&format!("  - {label} (only in {from})\n")),
                Change::Changed => s.push_str(&format!("  ~ {label}\n")),
            }
            for f in &o.fields {
                let path = clean(&f.path);
                let line = match (&f.old, &f.new) {
                    (Some(a), Some(b)) => format!("~ {path}: {} -> {}", short(a), short(b)),
                    (None, Some(b)) => format!("+ {path}: {}", short(b)),
                    (Some(a), None) => format!("- {path}: {}", short(a)),
                    (None, None) => continue,
                };
                s.push_str(&format!("      {}\n", clean(&line)));
                if let Some(src) = &f.old_source {
                    s.push_str(&format!("          {from}: {}\n", clean(src)));
                }
                if let Some(src) = &f.new_source {
                    s.push_str(&format!("          {to}: {}\n", clean(src)));
                }
            }
        }
    }
    s
}

/// Text for a markdown table cell: no line breaks, `|` escaped.
fn cell(s: &str) -> String {
    clean(s).replace('\n', " ").replace('|', "\\|")
}

/// Inline code in a table cell (backticks inside become quotes).
fn code(s: &str) -> String {
    format!("`{}`", cell(s).replace('`', "'"))
}

/// The markdown report; headings start at `level` (2: `##`).
pub fn markdown(report: &DiffReport, level: usize) -> String {
    let h = |n: usize| "#".repeat(level + n);
    let (from, to) = (cell(&report.from), cell(&report.to));
    let mut s = format!("{} chartgate diff: `{from}` → `{to}`\n\n", h(0));
    if report.charts.is_empty() {
        s.push_str("No chart rendered.\n");
    }
    s.push_str(&markdown_charts(report, level + 1));
    s
}

/// The charts of a markdown report, each under a heading of `level`.
pub fn markdown_charts(report: &DiffReport, level: usize) -> String {
    let h = "#".repeat(level);
    let (from, to) = (cell(&report.from), cell(&report.to));
    let mut s = String::new();
    for c in &report.charts {
        s.push_str(&format!("{h} {}\n\n", code(&c.chart)));
        match c.status {
            ChartStatus::Added => s.push_str(&format!("Only rendered in `{to}`.\n\n")),
            ChartStatus::Removed => s.push_str(&format!("Only rendered in `{from}`.\n\n")),
            ChartStatus::Compared if c.objects.is_empty() => {
                s.push_str("No differences.\n\n");
                continue;
            }
            ChartStatus::Compared => {}
        }
        if c.objects.is_empty() {
            continue;
        }
        s.push_str(&format!(
            "| Object | Field | `{from}` | `{to}` | Set by |\n|---|---|---|---|---|\n"
        ));
        for o in &c.objects {
            let label = cell(&o.label());
            match o.change {
                Change::Added => {
                    s.push_str(&format!("| {label} | *object added* | | | |\n"));
                }
                Change::Removed => {
                    s.push_str(&format!("| {label} | *object removed* | | | |\n"));
                }
                Change::Changed => {
                    for f in &o.fields {
                        let v = |x: &Option<serde_json::Value>| {
                            x.as_ref().map(|v| code(&short(v))).unwrap_or_default()
                        };
                        let mut by = Vec::new();
                        if let Some(src) = &f.old_source {
                            by.push(format!("{from}: {}", code(src)));
                        }
                        if let Some(src) = &f.new_source {
                            by.push(format!("{to}: {}", code(src)));
                        }
                        s.push_str(&format!(
                            "| {label} | {} | {} | {} | {} |\n",
                            code(&f.path),
                            v(&f.old),
                            v(&f.new),
                            by.join("<br>")
                        ));
                    }
                }
            }
        }
        s.push('\n');
    }
    s
}

/// The JSON report (pretty, newline-terminated).
pub fn json(report: &DiffReport) -> String {
    let mut s = serde_json::to_string_pretty(report).unwrap_or_default();
    s.push('\n');
    s
}

/// A path segment of values or manifests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// `a.b[0]["c.d"]`: keys of letters, digits, `_` and `-` joined by dots, other keys quoted.
pub fn path_text(segs: &[Seg]) -> String {
    let mut s = String::new();
    for seg in segs {
        match seg {
            Seg::Key(k)
                if !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') =>
            {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Key(k) => {
                s.push('[');
                s.push_str(&serde_json::Value::String(k.clone()).to_string());
                s.push(']');
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(text: &str) -> Vec<crate::analyze::model::SourceFile> {
        vec![crate::analyze::model::SourceFile {
            file: "m.yaml".into(),
            documents: crate::yaml::parse_manifests(text, &Default::default()).unwrap(),
        }]
    }

    fn fields(a: &str, b: &str) -> Vec<(String, Change, Option<String>, Option<String>)> {
        let (a, b) = (side(a), side(b));
        let d = compare_sides(
            "m",
            Some(Side {
                files: &a,
                render: None,
            }),
            Some(Side {
                files: &b,
                render: None,
            }),
        );
        d.objects
            .iter()
            .flat_map(|o| o.fields.iter())
            .map(|f| {
                (
                    f.path.clone(),
                    f.change,
                    f.old.as_ref().map(|v| v.to_string()),
                    f.new.as_ref().map(|v| v.to_string()),
                )
            })
            .collect()
    }

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n";

    #[test]
    fn lists_of_named_items_match_by_name() {
        let a = format!(
            "{POD}  - name: app\n    env:\n    - {{name: A, value: '1'}}\n    - {{name: B, value: '2'}}\n"
        );
        let b = format!(
            "{POD}  - name: app\n    env:\n    - {{name: Z, value: '0'}}\n    - {{name: A, value: '1'}}\n    - {{name: B, value: '3'}}\n"
        );
        assert_eq!(
            fields(&a, &b),
            [
                (
                    "spec.containers[0].env[2].value".to_string(),
                    Change::Changed,
                    Some("\"2\"".to_string()),
                    Some("\"3\"".to_string())
                ),
                (
                    "spec.containers[0].env[0]".to_string(),
                    Change::Added,
                    None,
                    Some(r#"{"name":"Z","value":"0"}"#.to_string())
                ),
            ]
        );
        // Lists without names compare by index; a type change is one change.
        let a = format!("{POD}  - name: app\n    args: [a, b]\n    ports: 80\n");
        let b = format!("{POD}  - name: app\n    args: [a]\n    ports: [{{containerPort: 80}}]\n");
        assert_eq!(
            fields(&a, &b),
            [
                (
                    "spec.containers[0].args[1]".to_string(),
                    Change::Removed,
                    Some("\"b\"".to_string()),
                    None
                ),
                (
                    "spec.containers[0].ports".to_string(),
                    Change::Changed,
                    Some("80".to_string()),
                    Some(r#"[{"containerPort":80}]"#.to_string())
                ),
            ]
        );
        // Identical objects: nothing.
        assert!(fields(&a, &a).is_empty());
    }

    #[test]
    fn differing_parts_of_two_strings() {
        assert_eq!(
            differing("repo/web:1.0", "repo/web:1.2"),
            (Some((11, 12)), Some((11, 12)))
        );
        assert_eq!(differing("a:latest", "a:1"), (Some((2, 8)), Some((2, 3))));
        // Only one side has extra text.
        assert_eq!(differing("web", "web-x"), (None, Some((3, 5))));
        assert_eq!(differing("aXa", "aa"), (Some((1, 2)), None));
        assert_eq!(differing("é1", "é2"), (Some((2, 3)), Some((2, 3))));
    }
}
