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
    match crate::yaml::parse_values_file(text, id, &limits.yaml()) {
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
    /// What failed inside an `anyOf`/`oneOf`, as Helm prints it below the message: one
    /// `- at 'PATH': MESSAGE` line each, already indented.
    pub causes: Vec<String>,
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
        let errors: Vec<_> = compiled.validator.iter_errors(&inst).collect();
        for (path, message, causes) in helm_violations(&errors, &inst) {
            let origin = origin_at(vals, &path);
            out.push(SchemaViolation {
                chart: chart.name().to_string(),
                path,
                message,
                causes,
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
        K::Type {
            kind: TypeKind::Multiple(set),
        } => {
            // santhosh-tekuri's fixed order, whatever the schema's.
            use jsonschema::JsonType as T;
            let want: Vec<&str> = [
                T::Null,
                T::Boolean,
                T::Number,
                T::Integer,
                T::String,
                T::Array,
                T::Object,
            ]
            .into_iter()
            .filter(|t| set.contains(*t))
            .map(|t| t.as_str())
            .collect();
            format!(
                "got {}, want {}",
                json_type_name(instance),
                want.join(" or ")
            )
        }
        K::Enum { options } => {
            let opts = options.as_array().cloned().unwrap_or_default();
            if opts.iter().any(|o| o.is_array() || o.is_object()) {
                "enum failed".into()
            } else if opts.len() == 1 {
                format!("value must be {}", display(&opts[0]))
            } else {
                let shown: Vec<String> = opts.iter().map(display).collect();
                format!("value must be one of {}", shown.join(", "))
            }
        }
        K::Constant { expected_value } => match expected_value.as_ref() {
            v if v.is_array() || v.is_object() => "const failed".into(),
            v => format!("value must be {}", display(v)),
        },
        K::Minimum { limit } => bound("minimum", instance, limit),
        K::Maximum { limit } => bound("maximum", instance, limit),
        K::ExclusiveMinimum { limit } => bound("exclusiveMinimum", instance, limit),
        K::ExclusiveMaximum { limit } => bound("exclusiveMaximum", instance, limit),
        K::MultipleOf { multiple_of } => format!(
            "multipleOf: got {}, want {}",
            go_number(instance),
            crate::gocompat::float::format_g(*multiple_of, None, false)
        ),
        K::MinLength { limit } => format!("minLength: got {}, want {limit}", chars(instance)),
        K::MaxLength { limit } => format!("maxLength: got {}, want {limit}", chars(instance)),
        K::Pattern { pattern } => format!(
            "{} does not match pattern {}",
            go_quote(instance.as_str().unwrap_or_default()),
            go_quote(pattern)
        ),
        K::MinItems { limit } => format!("minItems: got {}, want {limit}", count(instance)),
        K::MaxItems { limit } => format!("maxItems: got {}, want {limit}", count(instance)),
        K::MinProperties { limit } => {
            format!("minProperties: got {}, want {limit}", count(instance))
        }
        K::MaxProperties { limit } => {
            format!("maxProperties: got {}, want {limit}", count(instance))
        }
        K::UniqueItems => match duplicates(instance) {
            Some((i, j)) => format!("items at {i} and {j} are equal"),
            None => fallback.replace('\n', " "),
        },
        K::Not { .. } => "'not' failed".into(),
        K::FalseSchema => "false schema".into(),
        _ => fallback.replace('\n', " "),
    }
}

/// `got X, want Y` of a numeric bound, numbers as Go's `%v` prints a float64.
fn bound(keyword: &str, instance: &serde_json::Value, limit: &serde_json::Value) -> String {
    format!(
        "{keyword}: got {}, want {}",
        go_number(instance),
        go_number(limit)
    )
}

fn go_number(v: &serde_json::Value) -> String {
    match v.as_f64() {
        Some(f) => crate::gocompat::float::format_g(f, None, false),
        None => v.to_string(),
    }
}

fn chars(v: &serde_json::Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

fn count(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Array(a) => a.len(),
        serde_json::Value::Object(o) => o.len(),
        _ => 0,
    }
}

/// The first pair of equal items, as santhosh-tekuri's `duplicates` finds it.
fn duplicates(v: &serde_json::Value) -> Option<(usize, usize)> {
    let items = v.as_array()?;
    for j in 1..items.len() {
        for i in 0..j {
            if items[i] == items[j] {
                return Some((i, j));
            }
        }
    }
    None
}

/// santhosh-tekuri's `quote`: Go's `%q` with `"` unescaped and `'` escaped, in single quotes.
fn go_quote(s: &str) -> String {
    let q = crate::gocompat::quote::quote(s);
    let inner = &q[1..q.len() - 1];
    format!("'{}'", inner.replace("\\\"", "\"").replace('\'', "\\'"))
}

/// santhosh-tekuri's `display` of a primitive value.
fn display(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => go_quote(s),
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => "value".into(),
        serde_json::Value::Null => "<nil>".into(),
        other => other.to_string(),
    }
}

/// The violations as Helm (santhosh-tekuri/jsonschema v6) reports them: errors of one
/// `required` merged (`missing properties 'x', 'y'`), `anyOf`/`oneOf` with the failing branches'
/// errors below them, in the order santhosh-tekuri evaluates (see [`order_key`]).
pub fn helm_violations(
    errors: &[jsonschema::ValidationError<'_>],
    root: &serde_json::Value,
) -> Vec<(String, String, Vec<String>)> {
    use jsonschema::error::ValidationErrorKind as K;
    // santhosh-tekuri stops at a schema's failing `type` (then `const`, `enum`, `format`):
    // nothing else of that schema is checked on that value.
    let stops = |e: &jsonschema::ValidationError<'_>| {
        matches!(
            e.kind(),
            K::Type { .. } | K::Constant { .. } | K::Enum { .. } | K::Format { .. }
        )
    };
    let parent = |e: &jsonschema::ValidationError<'_>| {
        let sp = e.schema_path().as_str();
        sp.rsplit_once('/').map_or("", |(p, _)| p).to_string()
    };
    let within =
        |path: &str, prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    // Only the stopping kinds are compared with every error (100,000 `required` failures
    // compared with each other took 100 s).
    let stoppers: Vec<&jsonschema::ValidationError<'_>> =
        errors.iter().filter(|e| stops(e)).collect();
    let stopped = |e: &jsonschema::ValidationError<'_>| {
        stoppers.iter().copied().any(|o| {
            !std::ptr::eq(o, e)
                && stops(o)
                && within(e.schema_path().as_str(), &parent(o))
                && within(e.instance_path().as_str(), o.instance_path().as_str())
                && !(stops(e)
                    && parent(e) == parent(o)
                    && rank(last_segment(e.schema_path().as_str()))
                        < rank(last_segment(o.schema_path().as_str())))
        })
    };
    let mut sorted: Vec<&jsonschema::ValidationError<'_>> =
        errors.iter().filter(|e| !stopped(e)).collect();
    sorted.sort_by_cached_key(|e| order_key(e));
    // `allOf`: the failing branches' errors below one `'allOf' failed`.
    let mut out: Vec<(String, String, Vec<String>)> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let Some((prefix, at)) = all_of_prefix(sorted[i]) else {
            let end = (i..sorted.len())
                .find(|&j| all_of_prefix(sorted[j]).is_some())
                .unwrap_or(sorted.len());
            out.extend(describe_all(&sorted[i..end], root, 1));
            i = end;
            continue;
        };
        let end = (i..sorted.len())
            .find(|&j| all_of_prefix(sorted[j]).is_none_or(|(p, _)| p != prefix))
            .unwrap_or(sorted.len());
        let causes = describe_all(&sorted[i..end], root, 2)
            .into_iter()
            .flat_map(|(p, m, sub)| std::iter::once(format!("  - at '{p}': {m}")).chain(sub))
            .collect();
        out.push((at, "'allOf' failed".into(), causes));
        i = end;
    }
    out
}

fn last_segment(p: &str) -> &str {
    p.rsplit_once('/').map_or(p, |(_, l)| l)
}

/// For an error inside an `allOf`: the schema path up to that `allOf` and the instance path
/// the `allOf` applies to.
fn all_of_prefix(e: &jsonschema::ValidationError<'_>) -> Option<(String, String)> {
    let schema = pointer_segments(e.schema_path().as_str());
    let at = schema.iter().position(|s| s == "allOf")?;
    let mut consumed = 0;
    let mut i = 0;
    while i < at {
        match schema[i].as_str() {
            "properties" | "patternProperties" | "prefixItems" => {
                consumed += 1;
                i += 1;
            }
            "additionalProperties" | "items" | "additionalItems" => consumed += 1,
            _ => {}
        }
        i += 1;
    }
    let inst = pointer_segments(e.instance_path().as_str());
    let path: String = inst
        .iter()
        .take(consumed)
        .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
        .collect();
    let prefix = e
        .schema_path()
        .as_str()
        .split('/')
        .take(at + 2)
        .collect::<Vec<_>>()
        .join("/");
    Some((prefix, path))
}

/// Each error (required ones of one keyword merged) with its causes, `depth` levels in.
fn describe_all(
    errors: &[&jsonschema::ValidationError<'_>],
    root: &serde_json::Value,
    depth: usize,
) -> Vec<(String, String, Vec<String>)> {
    use jsonschema::error::ValidationErrorKind as K;
    let mut out: Vec<(String, String, Vec<String>)> = Vec::new();
    let mut last_required: Option<(String, String)> = None;
    let mut missing: Vec<String> = Vec::new();
    let flush = |out: &mut Vec<(String, String, Vec<String>)>, missing: &mut Vec<String>| {
        if let Some(last) = out.last_mut()
            && missing.len() > 1
        {
            let names: Vec<String> = missing.iter().map(|m| go_quote(m)).collect();
            last.1 = format!("missing properties {}", names.join(", "));
        }
        missing.clear();
    };
    for e in errors {
        let path = e.instance_path().as_str().to_string();
        // `additionalProperties: false` where nothing else names properties is a false schema
        // to the validator, reported once at the object with the first offending value;
        // santhosh-tekuri names every property of the object.
        if matches!(e.kind(), K::FalseSchema)
            && e.schema_path().as_str().ends_with("/additionalProperties")
            && let Some(serde_json::Value::Object(object)) = root.pointer(&path)
        {
            flush(&mut out, &mut missing);
            last_required = None;
            let names: Vec<String> = object.keys().map(|k| go_quote(k)).collect();
            let message = format!("additional properties {} not allowed", names.join(", "));
            out.push((path, message, Vec::new()));
            continue;
        }
        if let K::Required { property } = e.kind() {
            let key = (path.clone(), e.schema_path().as_str().to_string());
            let name = property
                .as_str()
                .map_or_else(|| property.to_string(), str::to_string);
            if last_required.as_ref() == Some(&key) {
                missing.push(name);
                continue;
            }
            flush(&mut out, &mut missing);
            last_required = Some(key);
            missing.push(name);
            out.push((
                path,
                format!("missing property {}", go_quote(&missing[0])),
                Vec::new(),
            ));
            continue;
        }
        flush(&mut out, &mut missing);
        last_required = None;
        let (message, branches) = match e.kind() {
            K::AnyOf { context } => ("'anyOf' failed".to_string(), Some(context)),
            K::OneOfNotValid { context } => {
                ("'oneOf' failed, none matched".to_string(), Some(context))
            }
            K::OneOfMultipleValid { context } => {
                let matched: Vec<String> = context
                    .iter()
                    .enumerate()
                    .filter(|(_, errs)| errs.is_empty())
                    .map(|(i, _)| i.to_string())
                    .take(2)
                    .collect();
                (
                    format!("'oneOf' failed, subschemas {} matched", matched.join(", ")),
                    None,
                )
            }
            kind => (helm_message(kind, e.instance(), &e.to_string()), None),
        };
        let mut causes = Vec::new();
        for branch in branches.into_iter().flatten() {
            let refs: Vec<&jsonschema::ValidationError<'_>> = branch.iter().collect();
            for (p, m, sub) in describe_all(&refs, root, depth + 1) {
                causes.push(format!("{}- at '{p}': {m}", "  ".repeat(depth)));
                causes.extend(sub);
            }
        }
        out.push((path, message, causes));
    }
    flush(&mut out, &mut missing);
    out
}

/// Where santhosh-tekuri reports an error among its siblings: at each schema level it checks
/// `type`, `const`, `enum`, `format`, `$ref`, then the object keywords (`minProperties`,
/// `maxProperties`, `required`, `dependencies`, each property by name — `properties`,
/// `patternProperties` and an `additionalProperties` schema —, `additionalProperties: false`,
/// `propertyNames`), the array, string and number keywords, and last `not`, `allOf`, `anyOf`,
/// `oneOf`, `if`. The key walks the error's schema path with its instance path.
fn order_key(e: &jsonschema::ValidationError<'_>) -> Vec<(u8, String)> {
    let schema: Vec<String> = pointer_segments(e.schema_path().as_str());
    let instance: Vec<String> = pointer_segments(e.instance_path().as_str());
    let mut inst = instance.iter();
    let mut key = Vec::new();
    let mut i = 0;
    while i < schema.len() {
        let kw = schema[i].as_str();
        let last = i + 1 == schema.len();
        let entry = match kw {
            "properties" | "patternProperties" => {
                i += 1;
                (14, inst.next().cloned().unwrap_or_default())
            }
            "additionalProperties" if last => (15, String::new()),
            "additionalProperties" => (14, inst.next().cloned().unwrap_or_default()),
            "items" | "prefixItems" | "additionalItems" => {
                if schema
                    .get(i + 1)
                    .is_some_and(|s| s.parse::<usize>().is_ok())
                    && kw != "items"
                    || kw == "prefixItems"
                {
                    i += 1;
                }
                let n = inst
                    .next()
                    .and_then(|s| s.parse::<usize>().ok())
                    .unwrap_or(0);
                (23, format!("{n:020}"))
            }
            "allOf" | "anyOf" | "oneOf" => {
                if !last {
                    i += 1;
                }
                (rank(kw), String::new())
            }
            "dependencies" | "dependentSchemas" | "dependentRequired" => {
                i += 1;
                (rank(kw), String::new())
            }
            _ => (rank(kw), String::new()),
        };
        key.push(entry);
        i += 1;
    }
    key
}

fn pointer_segments(p: &str) -> Vec<String> {
    p.split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

fn rank(keyword: &str) -> u8 {
    match keyword {
        "type" => 0,
        "const" => 1,
        "enum" => 2,
        "format" => 3,
        "$ref" => 4,
        "minProperties" => 10,
        "maxProperties" => 11,
        "required" => 12,
        "dependencies" => 13,
        "propertyNames" => 16,
        "dependentSchemas" => 17,
        "dependentRequired" => 18,
        "minItems" => 20,
        "maxItems" => 21,
        "uniqueItems" => 22,
        "contains" | "minContains" | "maxContains" => 24,
        "minLength" => 30,
        "maxLength" => 31,
        "pattern" => 32,
        "contentEncoding" | "contentMediaType" | "contentSchema" => 33,
        "minimum" => 40,
        "maximum" => 41,
        "exclusiveMinimum" => 42,
        "exclusiveMaximum" => 43,
        "multipleOf" => 44,
        "not" => 50,
        "allOf" => 51,
        "anyOf" => 52,
        "oneOf" => 53,
        "if" | "then" | "else" => 54,
        _ => 60,
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
        for c in &v.causes {
            s.push_str(c);
            s.push('\n');
        }
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
            // Absent, Helm's `map[string]string` field stays nil (`toJson` gives `null`).
            _ => crate::gocompat::go_nil::nil_map("map[string]string"),
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
