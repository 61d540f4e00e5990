//! Everything a render needs besides templates: render options, user values (`-f` files and
//! `--set*` in Helm's order), dependency processing, coalescing, `values.schema.json` validation,
//! and the built-in objects `.Release`, `.Chart`, `.Capabilities`.

use std::path::PathBuf;
use std::sync::Arc;

use super::files::{ApiVersions, DEFAULT_API_VERSIONS};
use super::load::Sources;
use super::model::{Chart, Metadata};
use super::strvals::{self, ValueKind};
use super::values::{self, ValuesError, format_number};
use crate::model::InputError;
use crate::model::value::{Map, Object, Origin, Value};

/// How to render a chart (what `helm template` takes on its command line).
#[derive(Clone, Debug)]
pub struct RenderOptions {
    /// Already-parsed values layers (e.g. an environment's files, parsed once per run), applied in
    /// order over the chart defaults, before `values_files`.
    pub values: Vec<Map>,
    /// `-f` files, in order.
    pub values_files: Vec<PathBuf>,
    /// `--set-json` arguments.
    pub set_json: Vec<String>,
    /// `--set` arguments.
    pub set: Vec<String>,
    /// `--set-string` arguments.
    pub set_string: Vec<String>,
    /// `--set-file` arguments (`key=path`; the path is the user's, read as given).
    pub set_file: Vec<String>,
    /// Release name (`release` in the corpus).
    pub release_name: String,
    pub namespace: String,
    pub revision: i64,
    pub is_upgrade: bool,
    /// `--kube-version` (default `v1.36.0`, Helm v4.2's built-in).
    pub kube_version: Option<String>,
    /// `--api-versions`, added to Helm's defaults.
    pub api_versions: Vec<String>,
    /// Limits for the values files read and the templates executed.
    pub limits: crate::model::Limits,
    /// Render even when `values.schema.json` rejects the values (the caller validates with
    /// [`validate_schemas`] and reports findings, as `chartgate check` does).
    pub skip_schema_validation: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            values: Vec::new(),
            values_files: Vec::new(),
            set_json: Vec::new(),
            set: Vec::new(),
            set_string: Vec::new(),
            set_file: Vec::new(),
            release_name: "release".into(),
            namespace: "default".into(),
            revision: 1,
            is_upgrade: false,
            kube_version: None,
            api_versions: Vec::new(),
            limits: crate::model::Limits::default(),
            skip_schema_validation: false,
        }
    }
}

/// Reads and parses a user values file, registering it in `sources` (default limits).
pub fn read_values_file(path: &std::path::Path, sources: &mut Sources) -> Result<Map, InputError> {
    read_values_file_with(path, sources, &crate::model::Limits::default())
}

/// Reads and parses a user values file under `limits` (its size is checked before reading).
pub fn read_values_file_with(
    path: &std::path::Path,
    sources: &mut Sources,
    limits: &crate::model::Limits,
) -> Result<Map, InputError> {
    let display = path.display().to_string();
    // Size checked before reading (`limits.file-bytes`), and never a device or FIFO (a link to
    // `/dev/zero` has size 0).
    let bytes = crate::confine::read_bounded(path, limits.file_bytes)
        .map_err(|e| InputError::file(&display, e))?;
    let text = crate::yaml::decode_utf8(bytes)
        .map_err(|e| InputError::new(&display, e.pos.line, e.pos.col, e.message))?;
    parse_values_text_with(&text, &display, sources, limits)
}

/// Parses values text (Helm's values semantics), registering it in `sources` under `display`.
pub fn parse_values_text(
    text: &str,
    display: &str,
    sources: &mut Sources,
) -> Result<Map, InputError> {
    parse_values_text_with(text, display, sources, &crate::model::Limits::default())
}

/// [`parse_values_text`] under `limits`.
pub fn parse_values_text_with(
    text: &str,
    display: &str,
    sources: &mut Sources,
    limits: &crate::model::Limits,
) -> Result<Map, InputError> {
    let id = sources.add(display.to_string(), text);
    match crate::yaml::parse_values(text, id, &limits.yaml()) {
        Ok(v) => Ok(v.into_map().unwrap_or_default()),
        Err(e) => Err(InputError::new(display, e.pos.line, e.pos.col, e.message)),
    }
}

/// The user-supplied values: layers, then `-f` files merged in order, then `--set-json`,
/// `--set`, `--set-string`, `--set-file` parsed into the result (Helm's `MergeValues` order).
pub fn user_values(opts: &RenderOptions, sources: &mut Sources) -> Result<Map, ValuesError> {
    let mut base = Map::new();
    for layer in &opts.values {
        values::merge_maps(&mut base, layer);
    }
    for f in &opts.values_files {
        let m = read_values_file_with(f, sources, &opts.limits)?;
        values::merge_maps(&mut base, &m);
    }
    for v in &opts.set_json {
        let t = v.trim();
        if t.starts_with('{') {
            let j: serde_json::Value = serde_json::from_str(t).map_err(|e| {
                ValuesError::Set(format!("failed parsing --set-json data JSON: {v}: {e}"))
            })?;
            if let Value::Map(m) = &strvals::from_json(&j) {
                values::merge_maps(&mut base, &m.read());
            }
        } else {
            strvals::parse_into(v, &mut base, &ValueKind::Json)
                .map_err(|e| ValuesError::Set(e.replace("--set data", "--set-json data")))?;
        }
    }
    for v in &opts.set {
        strvals::parse_into(v, &mut base, &ValueKind::Typed).map_err(ValuesError::Set)?;
    }
    for v in &opts.set_string {
        strvals::parse_into(v, &mut base, &ValueKind::String).map_err(ValuesError::Set)?;
    }
    let read = |p: &str| std::fs::read_to_string(p).map_err(|e| format!("{p}: {e}"));
    for v in &opts.set_file {
        strvals::parse_into(v, &mut base, &ValueKind::File(&read)).map_err(ValuesError::Set)?;
    }
    Ok(base)
}

/// Values → JSON for schema validation (integral floats as integers, as Go's JSON prints them).
pub fn to_json(v: &Value) -> serde_json::Value {
    to_json_depth(v, usize::MAX)
}

/// [`to_json`] down to `depth` levels of maps and lists: what lies deeper becomes `null`, so
/// the result nests at most `depth + 1` levels and converting a deep chain (values nested by
/// `--set a.a.a...` or a template loop) never recurses past the bound. Callers that must not
/// see a truncated value check the depth of the result (Rego: `eval::too_deep`).
pub fn to_json_depth(v: &Value, depth: usize) -> serde_json::Value {
    if depth == 0 && matches!(v, Value::List(_) | Value::Map(_) | Value::Object(_)) {
        return serde_json::Value::Null;
    }
    let to_json = |v: &Value| to_json_depth(v, depth.saturating_sub(1));
    match v {
        Value::Nil => serde_json::Value::Null,
        Value::Bool(b, _) => serde_json::Value::Bool(*b),
        Value::Int(i, _, _) => serde_json::Value::from(*i),
        Value::Float(f, _) => {
            if f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 {
                serde_json::Value::from(*f as i64)
            } else {
                serde_json::Number::from_f64(*f)
                    .map(serde_json::Value::Number)
                    .unwrap_or(serde_json::Value::Null)
            }
        }
        Value::Str(t) => serde_json::Value::String(t.as_str().to_string()),
        Value::List(l) => serde_json::Value::Array(l.iter().map(to_json).collect()),
        Value::Map(m) => serde_json::Value::Object(
            m.read()
                .iter()
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect(),
        ),
        Value::Object(o) => to_json_depth(&o.as_value(), depth),
    }
}

/// A `$ref` of a chart's (or subchart's) `values.schema.json` that chartgate does not follow
/// (a URL, or a file outside the chart).
#[derive(Clone, Debug, PartialEq)]
pub struct SchemaUrlRef {
    /// The chart whose schema has it.
    pub chart: String,
    /// `schema refers to https://…, which chartgate does not fetch`.
    pub message: String,
    /// The `$ref` in `values.schema.json` or in the chart file holding it.
    pub origin: Origin,
}

/// The unfollowed `$ref`s of every chart's and subchart's `values.schema.json` (schemas that do not
/// compile have none: their error is [`validate_schemas`]'s).
pub fn schema_url_refs(chart: &Chart) -> Vec<SchemaUrlRef> {
    let mut out = Vec::new();
    let mut stack = vec![chart];
    while let Some(c) = stack.pop() {
        if let Some(text) = &c.schema
            && let Ok(compiled) = c.schema_validator.get(text, &c.files)
        {
            out.extend(compiled.external.iter().map(|r| {
                // `values.schema.json` itself, or the chart file holding the `$ref`.
                let source = if r.file == "values.schema.json" {
                    c.schema_source
                } else {
                    c.files
                        .iter()
                        .find(|f| f.name == r.file)
                        .map_or(0, |f| f.source_id)
                };
                SchemaUrlRef {
                    chart: c.name().to_string(),
                    message: r.message.clone(),
                    origin: if source == 0 {
                        Origin::NONE
                    } else {
                        Origin {
                            file: source,
                            line: r.line,
                            col: r.col,
                        }
                    },
                }
            }));
        }
        stack.extend(c.dependencies.iter().rev());
    }
    out
}

/// The first chart (top chart first, then subcharts in order) whose `values.schema.json` does not
/// compile: its name, the error and an origin at the schema file's first line.
pub fn schema_compile_error(chart: &Chart) -> Option<(String, String, Origin)> {
    let mut stack = vec![chart];
    while let Some(c) = stack.pop() {
        if let Some(text) = &c.schema
            && let Err(e) = c.schema_validator.get(text, &c.files)
        {
            // The retriever's own words, without the registry's preamble around them.
            let e = match e.split_once("retrieving it failed: ") {
                Some((_, ours)) if ours.starts_with("schema refers to") => ours.to_string(),
                _ => e,
            };
            let origin = if c.schema_source == 0 {
                Origin::NONE
            } else {
                Origin {
                    file: c.schema_source,
                    line: 1,
                    col: 1,
                }
            };
            return Some((c.name().to_string(), e, origin));
        }
        stack.extend(c.dependencies.iter().rev());
    }
    None
}

/// One schema violation: Helm's message and, when known, where the offending value was set.
#[derive(Clone, Debug, PartialEq)]
pub struct SchemaViolation {
    /// The chart whose schema failed.
    pub chart: String,
    /// JSON pointer of the value (`''` for the root).
    pub path: String,
    /// Helm's (santhosh-tekuri/jsonschema) wording where we map it, else the validator's.
    pub message: String,
    /// Origin of the offending value in a values file.
    pub origin: Origin,
}

/// Validates each chart's and subchart's `values.schema.json` against its coalesced values.
pub fn validate_schemas(chart: &Chart, vals: &Map) -> Result<Vec<SchemaViolation>, ValuesError> {
    let mut out = Vec::new();
    validate_rec(chart, vals, &mut out)?;
    Ok(out)
}

fn validate_rec(
    chart: &Chart,
    vals: &Map,
    out: &mut Vec<SchemaViolation>,
) -> Result<(), ValuesError> {
    if let Some(schema_text) = &chart.schema {
        let compiled = chart
            .schema_validator
            .get(schema_text, &chart.files)
            .map_err(|e| {
                ValuesError::Schema(format!("{}: values.schema.json: {e}", chart.name()))
            })?;
        let inst = to_json(&Value::map(vals.clone()));
        for e in compiled.validator.iter_errors(&inst) {
            let path = e.instance_path().as_str().to_string();
            let message = helm_message(e.kind(), e.instance(), &e.to_string());
            let origin = origin_at(vals, &path);
            out.push(SchemaViolation {
                chart: chart.name().to_string(),
                path,
                message,
                origin,
            });
        }
    }
    for sub in &chart.dependencies {
        let sv = vals
            .get(sub.name())
            .and_then(Value::as_map)
            .unwrap_or_default();
        validate_rec(sub, &sv, out)?;
    }
    Ok(())
}

fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn json_type_name(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => "number",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// Maps the validator's error kinds to the wording of the validator Helm uses.
pub fn helm_message(
    kind: &jsonschema::error::ValidationErrorKind,
    instance: &serde_json::Value,
    fallback: &str,
) -> String {
    use jsonschema::error::{TypeKind, ValidationErrorKind as K};
    match kind {
        K::Required { property } => {
            format!(
                "missing property '{}'",
                property
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| property.to_string())
            )
        }
        K::AdditionalProperties { unexpected } => {
            format!(
                "additional properties {} not allowed",
                quoted_list(unexpected)
            )
        }
        K::Type {
            kind: TypeKind::Single(t),
        } => format!("got {}, want {t}", json_type_name(instance)),
        K::Enum { options } => {
            let opts: Vec<String> = options
                .as_array()
                .map(|a| a.iter().map(|o| o.to_string()).collect())
                .unwrap_or_default();
            format!("value must be one of {}", opts.join(", "))
        }
        _ => fallback.replace('\n', " "),
    }
}

/// The origin of the value at a JSON pointer, if it came from a values file.
pub fn origin_at(vals: &Map, pointer: &str) -> Origin {
    let mut cur = Value::map(vals.clone());
    for part in pointer.split('/').skip(1) {
        let key = part.replace("~1", "/").replace("~0", "~");
        let next = match &cur {
            Value::Map(m) => m.get(&key),
            Value::List(l) => key.parse::<usize>().ok().and_then(|i| l.get(i).cloned()),
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            None => break,
        }
    }
    cur.origin()
}

/// Helm's error text for schema violations.
pub fn schema_error_message(violations: &[SchemaViolation]) -> String {
    let mut s = String::from(
        "values don't meet the specifications of the schema(s) in the following chart(s):\n",
    );
    let mut last: Option<&str> = None;
    for v in violations {
        if last != Some(v.chart.as_str()) {
            s.push_str(&v.chart);
            s.push_str(":\n");
            last = Some(&v.chart);
        }
        s.push_str(&format!("- at '{}': {}\n", v.path, v.message));
    }
    s
}

/// The result of value processing for one render.
#[derive(Clone, Debug)]
pub struct PreparedValues {
    /// The chart after dependency processing (aliases applied, disabled subcharts removed,
    /// imported values in place).
    pub chart: Chart,
    /// The coalesced `.Values` of the top chart (subcharts' under their names).
    pub values: Map,
}

/// Helm's value pipeline for `helm template`: dependency check, `ProcessDependenciesWithMerge`,
/// `CoalesceValues`, schema validation.
pub fn prepare_values(chart: &Chart, user: &Map) -> Result<PreparedValues, ValuesError> {
    prepare_values_with(chart, user, true)
}

/// [`prepare_values`], with schema validation only when `validate` is set.
pub fn prepare_values_with(
    chart: &Chart,
    user: &Map,
    validate: bool,
) -> Result<PreparedValues, ValuesError> {
    super::load::check_dependencies(chart).map_err(ValuesError::MissingDependencies)?;
    let mut chart = chart.clone();
    values::process_dependencies(&mut chart, user)?;
    let vals = values::coalesce_values(&chart, user)?;
    if validate {
        let violations = validate_schemas(&chart, &vals)?;
        if !violations.is_empty() {
            return Err(ValuesError::Schema(schema_error_message(&violations)));
        }
    }
    Ok(PreparedValues {
        chart,
        values: vals,
    })
}

/// `.Release`.
pub fn release_object(opts: &RenderOptions) -> Value {
    let mut m = Map::new();
    m.insert("Name".into(), Value::str(opts.release_name.as_str()));
    m.insert("Namespace".into(), Value::str(opts.namespace.as_str()));
    m.insert("IsInstall".into(), Value::bool(!opts.is_upgrade));
    m.insert("IsUpgrade".into(), Value::bool(opts.is_upgrade));
    m.insert("Revision".into(), Value::int(opts.revision));
    m.insert("Service".into(), Value::str("Helm"));
    Value::map(m)
}

/// `.Capabilities.KubeVersion`: prints as its version.
#[derive(Clone, Debug)]
pub struct KubeVersion {
    pub version: String,
    pub major: String,
    pub minor: String,
}

impl KubeVersion {
    /// Helm's `ParseKubeVersion`: Masterminds `NewVersion` (`1.28` is `v1.28.0`).
    pub fn parse(s: &str) -> Result<KubeVersion, String> {
        let v = crate::gocompat::semver::Version::parse(s.trim())
            .map_err(|e| format!("invalid kube version {s:?}: {e}"))?;
        Ok(KubeVersion {
            version: format!("v{}", v.canonical()),
            major: v.major.to_string(),
            minor: v.minor.to_string(),
        })
    }
}

impl Object for KubeVersion {
    fn type_name(&self) -> &'static str {
        "common.KubeVersion"
    }
    fn kind(&self) -> &'static str {
        "struct"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Version" | "GitVersion" | "String" => Some(Value::str(self.version.as_str())),
            "Major" => Some(Value::str(self.major.as_str())),
            "Minor" => Some(Value::str(self.minor.as_str())),
            _ => None,
        }
    }
    fn method(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        if args.is_empty() {
            self.field(name).map(Ok)
        } else {
            None
        }
    }
    fn as_value(&self) -> Value {
        Value::str(self.version.as_str())
    }
    fn go_json(&self) -> Option<String> {
        Some(format!(
            "{{\"Version\":{},\"Major\":{},\"Minor\":{}}}",
            serde_json::Value::from(self.version.as_str()),
            serde_json::Value::from(self.major.as_str()),
            serde_json::Value::from(self.minor.as_str())
        ))
    }
}

/// `.Capabilities.HelmVersion` (Helm's `version.BuildInfo`: JSON tags, empty git fields
/// omitted).
#[derive(Debug, Clone)]
pub struct HelmVersion;

impl HelmVersion {
    fn fields() -> Map {
        let mut helm = Map::new();
        helm.insert("Version".into(), Value::str("v4.2"));
        helm.insert("GitCommit".into(), Value::str(""));
        helm.insert("GitTreeState".into(), Value::str(""));
        helm.insert("GoVersion".into(), Value::str("go1.26.6"));
        helm.insert("KubeClientVersion".into(), Value::str("v1.36"));
        helm
    }
}

impl Object for HelmVersion {
    fn type_name(&self) -> &'static str {
        "version.BuildInfo"
    }
    fn kind(&self) -> &'static str {
        "struct"
    }
    fn field(&self, name: &str) -> Option<Value> {
        HelmVersion::fields().get(name).cloned()
    }
    fn method(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        if args.is_empty() {
            self.field(name).map(Ok)
        } else {
            None
        }
    }
    fn as_value(&self) -> Value {
        Value::map(HelmVersion::fields())
    }
    fn go_json(&self) -> Option<String> {
        Some(
            r#"{"version":"v4.2","go_version":"go1.26.6","kube_client_version":"v1.36"}"#
                .to_string(),
        )
    }
}

/// `.Capabilities`.
pub fn capabilities_object(opts: &RenderOptions) -> Result<Value, String> {
    let kv = KubeVersion::parse(opts.kube_version.as_deref().unwrap_or("v1.36.0"))?;
    let mut apis: Vec<String> = DEFAULT_API_VERSIONS.iter().map(|s| s.to_string()).collect();
    apis.extend(opts.api_versions.iter().cloned());
    let mut m = Map::new();
    m.insert("KubeVersion".into(), Value::Object(Arc::new(kv)));
    m.insert(
        "APIVersions".into(),
        Value::Object(Arc::new(ApiVersions::new(apis))),
    );
    m.insert("HelmVersion".into(), Value::Object(Arc::new(HelmVersion)));
    Ok(Value::map(m))
}

fn raw_str(raw: &Map, k: &str) -> Value {
    match raw.get(k) {
        Some(Value::Str(t)) => Value::Str(t.clone()),
        Some(Value::Float(f, o)) => Value::Str(crate::model::value::Text::from_origin(
            format_number(*f),
            *o,
        )),
        Some(Value::Bool(b, _)) => Value::str(b.to_string()),
        _ => Value::str(""),
    }
}

fn raw_list(raw: &Map, k: &str) -> Value {
    match raw.get(k) {
        Some(v @ Value::List(_)) => v.clone(),
        // Helm v4 turns the metadata struct into a map; absent slices become empty lists.
        _ => Value::list(Vec::new()),
    }
}

/// `.Chart`: `Chart.yaml` with Go's field names, plus `IsRoot` (Helm v4 passes the metadata
/// struct as a map, so absent lists are empty lists).
pub fn chart_object(md: &Metadata, is_root: bool) -> Value {
    let raw = &md.raw;
    let mut m = Map::new();
    for (go, yaml) in [
        ("Home", "home"),
        ("Description", "description"),
        ("Icon", "icon"),
        ("Condition", "condition"),
        ("Tags", "tags"),
        ("AppVersion", "appVersion"),
        ("KubeVersion", "kubeVersion"),
        ("Type", "type"),
    ] {
        m.insert(go.into(), raw_str(raw, yaml));
    }
    m.insert("Name".into(), Value::str(md.name.as_str()));
    m.insert("Version".into(), raw_str(raw, "version"));
    m.insert("APIVersion".into(), Value::str(md.api_version.as_str()));
    m.insert("Sources".into(), raw_list(raw, "sources"));
    m.insert("Keywords".into(), raw_list(raw, "keywords"));
    m.insert(
        "Deprecated".into(),
        Value::bool(matches!(raw.get("deprecated"), Some(Value::Bool(true, _)))),
    );
    m.insert(
        "Annotations".into(),
        match raw.get("annotations") {
            Some(v @ Value::Map(_)) => v.clone(),
            _ => Value::empty_map(),
        },
    );
    let maintainers: Vec<Value> = match raw.get("maintainers") {
        Some(Value::List(l)) => l
            .iter()
            .filter_map(Value::as_map)
            .map(|mm| {
                let mut o = Map::new();
                o.insert("Name".into(), raw_str(&mm, "name"));
                o.insert("Email".into(), raw_str(&mm, "email"));
                o.insert("URL".into(), raw_str(&mm, "url"));
                Value::map(o)
            })
            .collect(),
        _ => Vec::new(),
    };
    m.insert(
        "Maintainers".into(),
        // Helm v4 hands templates empty lists, not nil (`.Chart | toJson` shows `[]`).
        Value::list(maintainers),
    );
    let deps: Vec<Value> = md
        .dependencies
        .iter()
        .map(|d| {
            let mut o = Map::new();
            o.insert("Name".into(), Value::str(d.name.as_str()));
            o.insert("Version".into(), Value::str(d.version.as_str()));
            o.insert("Repository".into(), Value::str(d.repository.as_str()));
            o.insert("Condition".into(), Value::str(d.condition.as_str()));
            o.insert(
                "Tags".into(),
                Value::list(d.tags.iter().map(|t| Value::str(t.as_str())).collect()),
            );
            o.insert("Enabled".into(), Value::bool(d.enabled));
            o.insert("Alias".into(), Value::str(d.alias.as_str()));
            o.insert("ImportValues".into(), Value::list(Vec::new()));
            Value::map(o)
        })
        .collect();
    m.insert("Dependencies".into(), Value::list(deps));
    m.insert("IsRoot".into(), Value::bool(is_root));
    Value::map(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_conversion_stops_at_its_depth() {
        // A chain of 100 000 lists (what `--set a.a.a...` or a template loop can build).
        let mut v = Value::int(1);
        for _ in 0..100_000 {
            v = Value::list(vec![v]);
        }
        let j = to_json_depth(&v, 3);
        assert_eq!(j, serde_json::json!([[[null]]]));
        let shallow = Value::list(vec![Value::list(vec![Value::int(1)])]);
        assert_eq!(to_json_depth(&shallow, 3), serde_json::json!([[1]]));
        assert_eq!(to_json(&shallow), serde_json::json!([[1]]));
    }

    #[test]
    fn kube_version_parsing() {
        let k = KubeVersion::parse("1.28").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (k.version.as_str(), k.major.as_str(), k.minor.as_str()),
            ("v1.28.0", "1", "28")
        );
        let k = KubeVersion::parse("v1.30.2-eks-1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(k.version, "v1.30.2-eks-1");
        assert!(KubeVersion::parse("one").is_err());
    }

    #[test]
    fn user_values_order_and_origins() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let f1 = dir.path().join("a.yaml");
        let f2 = dir.path().join("b.yaml");
        let _ = std::fs::write(&f1, "a: 1\nb:\n  c: x\n");
        let _ = std::fs::write(&f2, "b:\n  d: z\n");
        let opts = RenderOptions {
            values_files: vec![f1, f2],
            set: vec!["a=2".into()],
            set_string: vec!["s=3".into()],
            set_json: vec!["j=[1]".into(), "{\"k\": {\"l\": true}}".into()],
            ..Default::default()
        };
        let mut sources = Sources::default();
        let v = user_values(&opts, &mut sources).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            to_json(&Value::map(v.clone())).to_string(),
            r#"{"a":2,"b":{"c":"x","d":"z"},"j":[1],"k":{"l":true},"s":"3"}"#
        );
        let d = v.get("b").and_then(|b| b.get("d")).map(|x| x.origin());
        assert_eq!(
            d,
            Some(Origin {
                file: 2,
                line: 2,
                col: 6
            })
        );
    }

    #[test]
    fn schema_errors_name_chart_path_and_origin() {
        let mut sources = Sources::default();
        let mut c = Chart::default();
        c.metadata.name = "top".into();
        c.metadata.version = "1.0.0".into();
        c.schema = Some(r#"{"type":"object","required":["policy"],"properties":{"replicas":{"type":"integer"}}}"#.into());
        let user =
            parse_values_text("replicas: 1.5\n", "env.yaml", &mut sources).unwrap_or_default();
        let err = prepare_values(&c, &user)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(
            "values don't meet the specifications of the schema(s) in the following chart(s):\ntop:\n"
        ));
        let vs = validate_schemas(&c, &user).unwrap_or_default();
        let req = vs
            .iter()
            .find(|v| v.path.is_empty())
            .map(|v| v.message.clone());
        assert_eq!(req.as_deref(), Some("missing property 'policy'"));
        let ty = vs.iter().find(|v| v.path == "/replicas").map(|v| v.origin);
        assert_eq!(
            ty,
            Some(Origin {
                file: 1,
                line: 1,
                col: 11
            })
        );
    }
}
