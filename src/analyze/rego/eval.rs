//! Evaluation with conftest's semantics.

use super::loader::from_message;
use super::{Inner, RegoError, RegoFinding, RegoInput};
use regorus::Value;
use std::collections::BTreeSet;

/// A per-thread evaluator: a clone of the prepared engine plus the context it currently holds
/// (changing `data` makes regorus re-prepare, so the context is only replaced when it changes).
///
/// Measured (release, bench `rego`): a new context costs ~0.3 ms (one per chart × environment and
/// worker thread). Evaluating every rule through a generated wrapper
/// `x := R with input as input.doc with data.chartgate.context as input.ctx` avoids that but made
/// each evaluation 3× slower (3,372 vs 11,296 manifests/s), so the context stays in `data`.
#[derive(Clone)]
pub struct RegoWorker {
    pub(crate) engine: regorus::Engine,
    context: Option<serde_json::Value>,
}

impl std::fmt::Debug for RegoWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegoWorker")
            .field("context", &self.context)
            .finish()
    }
}

impl RegoWorker {
    /// A worker on a clone of the loader's prepared engine, which holds the empty context.
    pub(crate) fn new(engine: regorus::Engine) -> Self {
        RegoWorker {
            engine,
            context: Some(serde_json::json!({})),
        }
    }

    /// True when the engine holds `context` (evaluating with it needs no new preparation).
    pub(crate) fn holds(&self, context: &serde_json::Value) -> bool {
        self.context.as_ref() == Some(context)
    }
}

fn set_context(
    inner: &Inner,
    worker: &mut RegoWorker,
    context: &serde_json::Value,
) -> Result<(), RegoError> {
    if worker.context.as_ref() == Some(context) {
        return Ok(());
    }
    let mut data = inner.base_data.clone();
    if let Some(obj) = data.as_object_mut() {
        let cg = obj
            .entry("chartgate")
            .or_insert_with(|| serde_json::json!({}));
        match cg.as_object_mut() {
            Some(cg) => {
                cg.insert("context".to_string(), context.clone());
            }
            None => {
                return Err(RegoError {
                    file: "data".into(),
                    line: 0,
                    column: 0,
                    message: "data.chartgate must be an object".into(),
                });
            }
        }
    }
    worker.engine.clear_data();
    worker
        .engine
        .add_data(Value::from(data))
        .map_err(|e| from_message(&e.to_string(), "data"))?;
    worker.context = Some(context.clone());
    Ok(())
}

/// conftest strips these prefixes to get the name an `exception` rule uses.
fn exception_name(rule: &str) -> &str {
    let r = rule.strip_prefix("violation_").unwrap_or(rule);
    let r = r.strip_prefix("deny_").unwrap_or(r);
    r.strip_prefix("warn_").unwrap_or(r)
}

/// Start of the message regorus gives when its execution timer stops an evaluation.
pub(crate) const TIME_LIMIT_MESSAGE: &str = "execution exceeded time limit";

/// A runtime error of `query` on `input`. Errors without a source location (the execution
/// timer's) are placed at the rule's definition, `at`, when known.
fn runtime_error(
    e: &dyn std::fmt::Display,
    query: &str,
    input: &str,
    at: Option<(&str, u32)>,
) -> RegoError {
    let mut err = from_message(&e.to_string(), input);
    if err.line == 0
        && let Some((file, line)) = at
    {
        err.file = file.to_string();
        err.line = line;
        err.column = 1;
    }
    err.message = format!("evaluating {query} for {input}: {}", err.message);
    err
}

fn members(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::Set(s) => Some(s.iter().cloned().collect()),
        Value::Array(a) => Some(a.iter().cloned().collect()),
        _ => None,
    }
}

/// The input a `--combine` result is about: the one document of its `file`, or the document of
/// that file with the message's `kind`/`name` when the file holds several. None when the result
/// names no file or the file holds several documents and no `name` picks one.
fn combined_input(
    inputs: &[RegoInput],
    (file, kind, name): &(Option<String>, Option<String>, Option<String>),
) -> Option<usize> {
    let file = file.as_deref()?;
    let in_file: Vec<usize> = (0..inputs.len())
        .filter(|&i| inputs[i].path == file)
        .collect();
    if let [only] = in_file.as_slice() {
        return Some(*only);
    }
    let field = |i: usize, p: &str| inputs[i].doc.pointer(p).and_then(|v| v.as_str());
    let name = name.as_deref()?;
    in_file.into_iter().find(|&i| {
        field(i, "/metadata/name") == Some(name)
            && kind.as_deref().is_none_or(|k| field(i, "/kind") == Some(k))
    })
}

/// True for the bundled platform packages, which always see one manifest as `input` (they are
/// written for it), even with `--combine`.
fn is_platform(package: &str) -> bool {
    package == super::PLATFORM_PACKAGE_PREFIX
        || package
            .strip_prefix(super::PLATFORM_PACKAGE_PREFIX)
            .is_some_and(|rest| rest.starts_with('.'))
}

fn eval_one(
    inner: &Inner,
    worker: &mut RegoWorker,
    input_label: &str,
    input_index: Option<usize>,
    inputs: &[RegoInput],
    combined: bool,
    out: &mut Vec<RegoFinding>,
) -> Result<(), RegoError> {
    for (package, has_exception, rules) in &inner.packages {
        // With --combine, user packages run once on the combined input and platform packages
        // once per manifest.
        if inner.opts.combine && is_platform(package) == combined {
            continue;
        }
        let mut excepted: BTreeSet<String> = BTreeSet::new();
        if *has_exception {
            let q = format!("data.{package}.exception");
            let v = worker
                .engine
                .eval_rule(q.clone())
                .map_err(|e| runtime_error(&e, &q, input_label, None))?;
            if !matches!(v, Value::Undefined) {
                let items = members(&v).ok_or_else(|| RegoError {
                    file: input_label.to_string(),
                    line: 0,
                    column: 0,
                    message: format!("{q} must be a set of arrays of rule names"),
                })?;
                for item in items {
                    let names = members(&item).unwrap_or_else(|| vec![item.clone()]);
                    for n in names {
                        match n {
                            Value::String(s) => {
                                excepted.insert(s.to_string());
                            }
                            other => {
                                return Err(RegoError {
                                    file: input_label.to_string(),
                                    line: 0,
                                    column: 0,
                                    message: format!(
                                        "{q} must name rules with strings, got {other}"
                                    ),
                                });
                            }
                        }
                    }
                }
            }
        }
        // All rules in one call when the package has an aggregate; any surprise (an undefined
        // complete rule makes the whole list undefined, an error) falls back to one call per
        // rule, which also names the failing rule.
        let all: Option<Vec<Value>> = inner.aggregates.get(package).and_then(|path| {
            match worker.engine.eval_rule(path.clone()) {
                Ok(Value::Array(a)) if a.len() == rules.len() => Some(a.iter().cloned().collect()),
                _ => None,
            }
        });
        for (i, rule) in rules.iter().enumerate() {
            if excepted.contains(exception_name(&rule.name)) {
                continue;
            }
            // The evaluation's memory budget between rules (the clocks between inputs).
            crate::budget::check().map_err(|e| {
                runtime_error(&e, &rule.query, input_label, Some((&rule.file, rule.line)))
            })?;
            let v = match all.as_ref().and_then(|a| a.get(i)) {
                Some(v) => v.clone(),
                None => worker.engine.eval_rule(rule.query.clone()).map_err(|e| {
                    runtime_error(&e, &rule.query, input_label, Some((&rule.file, rule.line)))
                })?,
            };
            let items = match v {
                Value::Undefined | Value::Bool(false) => continue,
                Value::Bool(true) => vec![Value::String(rule.id.as_str().into())],
                Value::String(_) => vec![v],
                ref other => members(other).ok_or_else(|| RegoError {
                    file: rule.file.clone(),
                    line: rule.line,
                    column: 1,
                    message: format!(
                        "{} must be a set of strings or of objects with `msg`, got {other}",
                        rule.query
                    ),
                })?,
            };
            for item in items {
                let bad = |what: &str| RegoError {
                    file: rule.file.clone(),
                    line: rule.line,
                    column: 1,
                    message: format!(
                        "{} produced {what}; expected a string or an object with a string `msg`",
                        rule.query
                    ),
                };
                let (message, path, file) = match &item {
                    Value::String(s) => (s.to_string(), None, (None, None, None)),
                    Value::Object(o) => {
                        let get = |k: &str| o.get(&Value::String(k.into()));
                        let msg = match get("msg") {
                            Some(Value::String(s)) => s.to_string(),
                            Some(other) => return Err(bad(&format!("`msg` = {other}"))),
                            None => return Err(bad(&format!("an object without `msg`: {item}"))),
                        };
                        let path = match get("path") {
                            Some(Value::String(s)) => Some(s.to_string()),
                            Some(Value::Array(a)) => Some(
                                a.iter()
                                    .map(|p| match p {
                                        Value::String(s) => s.to_string(),
                                        other => other.to_string(),
                                    })
                                    .collect::<Vec<_>>()
                                    .join("."),
                            ),
                            _ => None,
                        };
                        let text = |k: &str| match get(k) {
                            Some(Value::String(s)) => Some(s.to_string()),
                            _ => None,
                        };
                        (msg, path, (text("file"), text("kind"), text("name")))
                    }
                    other => return Err(bad(&other.to_string())),
                };
                let input = input_index.or_else(|| combined_input(inputs, &file));
                out.push(RegoFinding {
                    rule: rule.id.clone(),
                    severity: rule.severity,
                    message,
                    input,
                    path,
                });
            }
        }
    }
    Ok(())
}

/// Evaluates with `context` already trimmed to the fields the policies read
/// ([`super::context::ContextUse::trim`]).
pub(super) fn eval(
    inner: &Inner,
    worker: &mut RegoWorker,
    inputs: &[RegoInput],
    context: &serde_json::Value,
) -> Result<Vec<RegoFinding>, RegoError> {
    set_context(inner, worker, context)?;
    let mut out = Vec::new();
    if inner.packages.iter().all(|p| p.2.is_empty()) {
        return Ok(out);
    }
    if inner.opts.combine {
        let combined: Vec<serde_json::Value> = inputs
            .iter()
            .map(|i| serde_json::json!({"path": i.path, "contents": i.doc}))
            .collect();
        worker
            .engine
            .set_input(Value::from(serde_json::Value::Array(combined)));
        let label = inputs
            .first()
            .map(|i| i.path.as_str())
            .unwrap_or("<combined>");
        eval_one(inner, worker, label, None, inputs, true, &mut out)?;
    }
    for (i, input) in inputs.iter().enumerate() {
        crate::budget::check_time().map_err(|e| RegoError {
            file: input.path.clone(),
            line: 0,
            column: 0,
            message: format!("evaluating the policies for {}: {e}", input.path),
        })?;
        worker.engine.set_input(to_value(&input.doc));
        // A panic in the engine is this input's error, not the run's end.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            eval_one(inner, worker, &input.path, Some(i), inputs, false, &mut out)
        }))
        .unwrap_or_else(|_| {
            Err(RegoError {
                file: input.path.clone(),
                line: 0,
                column: 0,
                message: "internal error while evaluating the policies on this input".into(),
            })
        })?;
    }
    Ok(out)
}

/// The manifest as a regorus value, deserialized from a reference (what `Value::from` does
/// after cloning the JSON; the clone was 7% of the evaluation time).
fn to_value(doc: &serde_json::Value) -> Value {
    serde::Deserialize::deserialize(doc).unwrap_or(Value::Undefined)
}

/// Sets an empty context (used by the test runner).
pub(super) fn reset_context(inner: &Inner, worker: &mut RegoWorker) -> Result<(), RegoError> {
    set_context(inner, worker, &serde_json::json!({}))
}
