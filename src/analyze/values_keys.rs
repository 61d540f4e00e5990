//! The values keys a chart knows: its defaults (`values.yaml`), its `values.schema.json`, the
//! `.Values` paths its templates read, and the same for each subchart under the subchart's key
//! (`global` is always known). Used by rule `values-unknown-key`.
//!
//! Lists of maps are known too: the keys of an element are the keys of the default's elements,
//! the schema's `items`, and what templates read on each element of a `range` over the list
//! ([`ITEM`] paths). A list with none of these (an empty default `[]` that no template ranges
//! over, a list of scalars) or one handed whole to a function (`toYaml`), or whose elements are,
//! accepts anything.

use std::collections::BTreeMap;

use serde_json::Value as J;

use crate::model::value::{Map, Value};
use crate::render::chart::Chart;
use crate::render::template::ParseCache;
use crate::render::template::reads::{ITEM, Reads, collect};

/// What a chart knows about the keys beneath one values path.
#[derive(Clone, Debug, Default)]
pub struct Known {
    /// Any key beneath is accepted (an empty map default, a map the templates range over or pass
    /// whole to a function, a schema allowing additional properties).
    pub open: bool,
    /// Regular expressions of `patternProperties` allowed here.
    pub patterns: Vec<regex::Regex>,
    /// The keys known beneath.
    pub children: BTreeMap<String, Known>,
    /// Templates `range` over this path: as a map, any key beneath is accepted (as `open`); as
    /// a list, its elements are checked against `items`.
    pub ranged: bool,
    /// What is known about the elements of a list here.
    pub items: Option<Box<Known>>,
}

impl Known {
    fn open() -> Known {
        Known {
            open: true,
            ..Known::default()
        }
    }

    /// True when keys beneath are checked: something names keys here and nothing opens it.
    /// A path known only as a leaf (a scalar default, a value a template prints) accepts
    /// anything: a type mismatch is not an unknown key.
    pub fn checks_keys(&self) -> bool {
        !self.open && !self.ranged && (!self.children.is_empty() || !self.patterns.is_empty())
    }

    /// What elements of a list here must satisfy, when their keys are checked: nothing when
    /// the list is open (`toYaml` of it) or nothing names its elements' keys.
    pub fn item_keys(&self) -> Option<&Known> {
        if self.open {
            return None;
        }
        self.items.as_deref().filter(|i| i.checks_keys())
    }

    /// The child for `key`, if known (a name or a `patternProperties` match).
    pub fn child(&self, key: &str) -> Option<std::borrow::Cow<'_, Known>> {
        if let Some(c) = self.children.get(key) {
            return Some(std::borrow::Cow::Borrowed(c));
        }
        self.patterns
            .iter()
            .any(|r| r.is_match(key))
            .then(|| std::borrow::Cow::Owned(Known::open()))
    }

    fn merge(&mut self, other: Known) {
        self.open |= other.open;
        self.ranged |= other.ranged;
        self.patterns.extend(other.patterns);
        for (k, v) in other.children {
            self.children.entry(k).or_default().merge(v);
        }
        if let Some(i) = other.items {
            self.items.get_or_insert_default().merge(*i);
        }
    }

    /// The node at `path` ([`ITEM`] segments: a list's elements), created as needed.
    fn at(&mut self, path: &[String]) -> &mut Known {
        let mut cur = self;
        for p in path {
            cur = if p == ITEM {
                cur.items.get_or_insert_default()
            } else {
                cur.children.entry(p.clone()).or_default()
            };
        }
        cur
    }
}

/// Everything `chart` (with its subcharts) knows, rooted at `.Values`. Templates are parsed
/// once per chart: `cache` is the renderer's parse cache (names as the renderer gives them).
pub fn of_chart(chart: &Chart, cache: &ParseCache) -> Known {
    of_chart_at(chart, cache, chart.name())
}

fn of_chart_at(chart: &Chart, cache: &ParseCache, full_path: &str) -> Known {
    let mut k = of_defaults(&chart.values);
    if let Some(s) = &chart.schema {
        match serde_json::from_str::<J>(s) {
            Ok(schema) => k.merge(of_schema(&schema, &schema, 0)),
            // An unreadable schema is the values-schema rule's finding; judge nothing here.
            Err(_) => k.open = true,
        }
    }
    let mut reads = Reads::default();
    let library = chart
        .dependencies
        .iter()
        .filter(|d| d.is_library())
        .flat_map(|d| {
            let at = format!("{full_path}/charts/{}", d.name());
            d.templates.iter().map(move |t| (at.clone(), t))
        });
    let own = chart.templates.iter().map(|t| (full_path.to_string(), t));
    for (at, t) in own.chain(library) {
        let text = String::from_utf8_lossy(&t.data);
        match cache.parsed(&format!("{at}/{}", t.name), &text) {
            Ok(parsed) => {
                collect(&parsed.main().root, &mut reads);
                for d in parsed.defines() {
                    collect(&d.root, &mut reads);
                }
            }
            // A template that cannot be parsed fails the render; judge nothing.
            Err(_) => k.open = true,
        }
    }
    // Default values that are templates themselves (rendered with `tpl`).
    let mut strings = Vec::new();
    template_strings(&Value::map(chart.values.clone()), &mut strings, 0);
    for text in strings {
        if let Ok(parsed) = crate::render::template::parse::parse("values", &text, &|_| true) {
            collect(&parsed.main.root, &mut reads);
            for d in &parsed.defines {
                collect(&d.root, &mut reads);
            }
        }
    }
    for p in &reads.read {
        k.at(p);
    }
    for p in &reads.open {
        k.at(p).open = true;
    }
    for p in &reads.ranged {
        k.at(p).ranged = true;
    }
    // Subcharts under their (alias) names; a dependency Chart.yaml names but that is not
    // vendored (or was disabled) accepts anything.
    for d in &chart.dependencies {
        let sub = of_chart_at(d, cache, &format!("{full_path}/charts/{}", d.name()));
        k.children
            .entry(d.name().to_string())
            .or_default()
            .merge(sub);
    }
    for d in &chart.metadata.dependencies {
        let key = if d.alias.is_empty() {
            &d.name
        } else {
            &d.alias
        };
        let entry = k.children.entry(key.clone()).or_default();
        if !chart.dependencies.iter().any(|c| c.name() == key) {
            entry.open = true;
        }
        for cond in d
            .condition
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            let path: Vec<String> = cond.split('.').map(str::to_string).collect();
            k.at(&path);
        }
        if !d.tags.is_empty() {
            k.at(&["tags".to_string()]).open = true;
        }
        for iv in &d.import_values {
            if let crate::render::chart::model::ImportValue::Map { parent, .. } = iv {
                let path: Vec<String> = parent.split('.').map(str::to_string).collect();
                k.at(&path).open = true;
            }
        }
    }
    k.children.insert("global".into(), Known::open());
    k
}

/// Every string in `v` that holds a template action.
fn template_strings(v: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > crate::model::value::MAX_VALUE_DEPTH {
        return;
    }
    match v {
        Value::Str(t) if t.as_str().contains("{{") => out.push(t.as_str().to_string()),
        Value::Map(_) => {
            if let Some(m) = v.as_map() {
                for x in m.values() {
                    template_strings(x, out, depth + 1);
                }
            }
        }
        Value::List(l) => {
            for x in l.iter() {
                template_strings(x, out, depth + 1);
            }
        }
        _ => {}
    }
}

fn of_defaults(m: &Map) -> Known {
    of_defaults_at(m, 0)
}

fn of_defaults_at(m: &Map, depth: usize) -> Known {
    let mut k = Known::default();
    if depth > crate::model::value::MAX_VALUE_DEPTH {
        return Known::open();
    }
    for (key, v) in m {
        k.children.insert(key.clone(), of_default(v, depth + 1));
    }
    k
}

/// What a default value says about the keys beneath it: an empty map accepts any key; a list
/// knows its elements' keys from the maps (and lists) among them.
fn of_default(v: &Value, depth: usize) -> Known {
    match v {
        Value::Map(_) => match v.as_map() {
            Some(inner) if inner.is_empty() => Known::open(),
            Some(inner) => of_defaults_at(&inner, depth),
            None => Known::default(),
        },
        Value::List(l) => {
            let mut k = Known::default();
            for x in l.iter() {
                if matches!(x, Value::Map(_) | Value::List(_)) {
                    k.items
                        .get_or_insert_default()
                        .merge(of_default(x, depth + 1));
                }
            }
            k
        }
        _ => Known::default(),
    }
}

/// What a JSON schema allows beneath an object. `root` resolves local `$ref`s.
fn of_schema(s: &J, root: &J, depth: usize) -> Known {
    if depth > 32 {
        return Known::open();
    }
    let o = match s {
        J::Bool(true) => return Known::open(),
        J::Object(o) => o,
        _ => return Known::default(),
    };
    let mut k = Known::default();
    if let Some(r) = o.get("$ref").and_then(J::as_str) {
        match r.strip_prefix('#').and_then(|p| root.pointer(p)) {
            Some(target) => k.merge(of_schema(target, root, depth + 1)),
            // A remote reference cannot be followed offline.
            None => return Known::open(),
        }
    }
    if let Some(props) = o.get("properties").and_then(J::as_object) {
        for (name, sub) in props {
            k.children
                .entry(name.clone())
                .or_default()
                .merge(of_schema(sub, root, depth + 1));
        }
    }
    if let Some(pp) = o.get("patternProperties").and_then(J::as_object) {
        for pat in pp.keys() {
            match regex::Regex::new(pat) {
                Ok(r) => k.patterns.push(r),
                Err(_) => k.open = true,
            }
        }
    }
    // A list's elements (`prefixItems` and the older array form of `items`: each position).
    match o.get("items") {
        Some(J::Array(list)) => {
            for sub in list {
                k.items
                    .get_or_insert_default()
                    .merge(of_schema(sub, root, depth + 1));
            }
        }
        Some(sub) => k
            .items
            .get_or_insert_default()
            .merge(of_schema(sub, root, depth + 1)),
        None => {}
    }
    if let Some(list) = o.get("prefixItems").and_then(J::as_array) {
        for sub in list {
            k.items
                .get_or_insert_default()
                .merge(of_schema(sub, root, depth + 1));
        }
    }
    match o.get("additionalProperties") {
        Some(J::Bool(false)) | None => {}
        Some(_) => k.open = true,
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(list) = o.get(key).and_then(J::as_array) {
            for sub in list {
                k.merge(of_schema(sub, root, depth + 1));
            }
        }
    }
    for key in ["then", "else"] {
        if let Some(sub) = o.get(key) {
            k.merge(of_schema(sub, root, depth + 1));
        }
    }
    k
}

/// The known key closest to `key` among `candidates`, if close enough to be a likely typo.
pub fn suggest<'a>(key: &str, candidates: impl Iterator<Item = &'a String>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = if c.eq_ignore_ascii_case(key) {
            0
        } else {
            strsim::damerau_levenshtein(&key.to_lowercase(), &c.to_lowercase())
        };
        let limit = (key.chars().count().min(c.chars().count()) / 4).clamp(1, 3);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c.as_str()));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_properties_patterns_and_additional() {
        let schema: J = serde_json::from_str(
            r##"{"properties": {"a": {"properties": {"b": {}}, "additionalProperties": false},
                "c": {"additionalProperties": {"type": "string"}},
                "d": {"$ref": "#/definitions/d"}},
                "patternProperties": {"^x-": {}},
                "definitions": {"d": {"properties": {"e": {}}}}}"##,
        )
        .unwrap();
        let k = of_schema(&schema, &schema, 0);
        assert!(k.checks_keys());
        assert!(k.child("x-y").is_some() && k.child("y").is_none());
        assert!(k.children["a"].checks_keys() && k.children["a"].children.contains_key("b"));
        assert!(k.children["c"].open);
        assert!(k.children["d"].children.contains_key("e"));
    }

    #[test]
    fn list_elements_from_defaults_schema_and_paths() {
        let yaml = "hosts:\n  - host: a\n    paths: [{path: /}]\n  - tls: true\nargs: [a]\nfree: []\nodd: [{}]\n";
        let mut sources = crate::render::chart::load::Sources::default();
        let m =
            crate::render::chart::release::parse_values_text(yaml, "v.yaml", &mut sources).unwrap();
        let k = of_defaults(&m);
        let hosts = k.children["hosts"].item_keys().unwrap();
        assert_eq!(
            hosts.children.keys().collect::<Vec<_>>(),
            ["host", "paths", "tls"]
        );
        let paths = hosts.children["paths"].item_keys().unwrap();
        assert!(paths.children.contains_key("path"));
        // Scalars, an empty list, an empty map element: nothing to check.
        assert!(k.children["args"].item_keys().is_none());
        assert!(k.children["free"].item_keys().is_none());
        assert!(k.children["odd"].item_keys().is_none());
        // `at` with ITEM segments (template reads), and open elements.
        let mut k = Known::default();
        k.at(&["c".into(), ITEM.into(), "name".into()]);
        assert_eq!(
            k.children["c"]
                .item_keys()
                .unwrap()
                .children
                .keys()
                .collect::<Vec<_>>(),
            ["name"]
        );
        k.at(&["c".into(), ITEM.into()]).open = true;
        assert!(k.children["c"].item_keys().is_none());
        // The schema's `items` (object and array forms).
        let schema: J = serde_json::from_str(
            r#"{"properties": {"p": {"items": {"properties": {"port": {}}}},
                "t": {"items": [{"properties": {"a": {}}}, {"properties": {"b": {}}}]}}}"#,
        )
        .unwrap();
        let k = of_schema(&schema, &schema, 0);
        assert!(
            k.children["p"]
                .item_keys()
                .unwrap()
                .children
                .contains_key("port")
        );
        assert_eq!(
            k.children["t"]
                .item_keys()
                .unwrap()
                .children
                .keys()
                .collect::<Vec<_>>(),
            ["a", "b"]
        );
    }

    #[test]
    fn suggestions() {
        let keys: Vec<String> = ["replicaCount", "resources", "image", "ingress"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(suggest("replicaCont", keys.iter()), Some("replicaCount"));
        assert_eq!(suggest("resourcs", keys.iter()), Some("resources"));
        assert_eq!(suggest("zzz", keys.iter()), None);
    }
}
