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

/// True for an error of a budget (memory, time, a bounded builtin refusing to build its
/// result): the rule would fail the same way on the next input.
pub(crate) fn is_budget_error(e: &RegoError) -> bool {
    e.is_time_limit()
        || e.message.contains("memory exceeded: ")
        || e.message.contains("time exceeded: ")
        || e.message.contains(" would allocate about ")
}

/// What one evaluation of the rules on one input (or the combined inputs) gets: the engine
/// holding the input, and where errors go. After an error the engine is replaced by a fresh
/// clone of the prepared one (a failed evaluation may leave state behind), holding the same
/// context and input, and the next rule is evaluated: one rule's error never hides another
/// rule's findings.
struct Run<'a> {
    inner: &'a Inner,
    worker: &'a mut RegoWorker,
    context: &'a serde_json::Value,
    input: &'a Value,
    errors: &'a mut Vec<RegoError>,
    /// Rules (queries) that ran out of a budget: not evaluated again in this call.
    spent: &'a mut BTreeSet<String>,
}

impl Run<'_> {
    /// A fresh clone of the prepared engine, holding this run's context and input.
    fn reset(&mut self) -> Result<(), RegoError> {
        self.worker.engine = self.inner.engine.clone();
        self.worker.context = Some(serde_json::json!({}));
        set_context(self.inner, self.worker, self.context)?;
        self.worker.engine.set_input(self.input.clone());
        Ok(())
    }

    /// Records `e` and starts the engine afresh; Err only when the engine cannot be restored
    /// or the time limit stopped the evaluation (nothing more is evaluated then).
    fn fail(&mut self, e: RegoError, query: &str) -> Result<(), RegoError> {
        let stop = e.is_time_limit();
        if is_budget_error(&e) {
            self.spent.insert(query.to_string());
        }
        self.errors.push(e);
        self.reset()?;
        if stop {
            return Err(self.errors.last().cloned().unwrap_or_else(|| RegoError {
                file: String::new(),
                line: 0,
                column: 0,
                message: TIME_LIMIT_MESSAGE.into(),
            }));
        }
        Ok(())
    }
}

fn eval_one(
    run: &mut Run<'_>,
    input_label: &str,
    input_index: Option<usize>,
    inputs: &[RegoInput],
    combined: bool,
    out: &mut Vec<RegoFinding>,
) -> Result<(), RegoError> {
    let inner = run.inner;
    for (package, has_exception, rules) in &inner.packages {
        // With --combine, user packages run once on the combined input and platform packages
        // once per manifest.
        if inner.opts.combine && is_platform(package) == combined {
            continue;
        }
        let mut excepted: BTreeSet<String> = BTreeSet::new();
        if *has_exception {
            let q = format!("data.{package}.exception");
            if run.spent.contains(&q) {
                continue;
            }
            let v = match run.worker.engine.eval_rule(q.clone()) {
                Ok(v) => v,
                Err(e) => {
                    // Without its exceptions no rule of the package can be evaluated.
                    run.fail(runtime_error(&e, &q, input_label, None), &q)?;
                    continue;
                }
            };
            if !matches!(v, Value::Undefined) {
                let Some(items) = members(&v) else {
                    run.errors.push(RegoError {
                        file: input_label.to_string(),
                        line: 0,
                        column: 0,
                        message: format!("{q} must be a set of arrays of rule names"),
                    });
                    continue;
                };
                let mut bad = None;
                for item in items {
                    let names = members(&item).unwrap_or_else(|| vec![item.clone()]);
                    for n in names {
                        match n {
                            Value::String(s) => {
                                excepted.insert(s.to_string());
                            }
                            other => {
                                bad.get_or_insert(RegoError {
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
                if let Some(e) = bad {
                    run.errors.push(e);
                    continue;
                }
            }
        }
        // All rules in one call when the package has an aggregate; any surprise (an undefined
        // complete rule makes the whole list undefined, an error) falls back to one call per
        // rule, which also names the failing rule.
        // Not after a rule of the package ran out of a budget: the fallback below skips it.
        let all: Option<Vec<Value>> = inner
            .aggregates
            .get(package)
            .filter(|_| !rules.iter().any(|r| run.spent.contains(&r.query)))
            .and_then(|path| match run.worker.engine.eval_rule(path.clone()) {
                Ok(Value::Array(a)) if a.len() == rules.len() => Some(a.iter().cloned().collect()),
                Ok(_) => None,
                Err(_) => {
                    // The per-rule fallback starts from a clean engine and names the rule.
                    run.reset().ok();
                    None
                }
            });
        for (i, rule) in rules.iter().enumerate() {
            if excepted.contains(exception_name(&rule.name)) || run.spent.contains(&rule.query) {
                continue;
            }
            let at = Some((rule.file.as_str(), rule.line));
            // The evaluation's memory budget between rules (the clocks between inputs).
            if let Err(e) = crate::budget::check() {
                run.fail(runtime_error(&e, &rule.query, input_label, at), &rule.query)?;
                continue;
            }
            let v = match all.as_ref().and_then(|a| a.get(i)) {
                Some(v) => v.clone(),
                None => match run.worker.engine.eval_rule(rule.query.clone()) {
                    Ok(v) => v,
                    Err(e) => {
                        run.fail(runtime_error(&e, &rule.query, input_label, at), &rule.query)?;
                        continue;
                    }
                },
            };
            let items = match v {
                Value::Undefined | Value::Bool(false) => continue,
                Value::Bool(true) => vec![Value::String(rule.id.as_str().into())],
                Value::String(_) => vec![v],
                ref other => match members(other) {
                    Some(items) => items,
                    None => {
                        run.errors.push(RegoError {
                            file: rule.file.clone(),
                            line: rule.line,
                            column: 1,
                            message: format!(
                                "{} must be a set of strings or of objects with `msg`, got {other}",
                                rule.query
                            ),
                        });
                        continue;
                    }
                },
            };
            let mut found = Vec::new();
            let mut bad_item = None;
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
                            Some(other) => {
                                bad_item = Some(bad(&format!("`msg` = {other}")));
                                break;
                            }
                            None => {
                                bad_item = Some(bad(&format!("an object without `msg`: {item}")));
                                break;
                            }
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
                    other => {
                        bad_item = Some(bad(&other.to_string()));
                        break;
                    }
                };
                let input = input_index.or_else(|| combined_input(inputs, &file));
                found.push(RegoFinding {
                    rule: rule.id.clone(),
                    severity: rule.severity,
                    message,
                    input,
                    path,
                });
            }
            // A malformed result fails the rule: none of its results are reported.
            match bad_item {
                Some(e) => run.errors.push(e),
                None => out.extend(found),
            }
        }
    }
    Ok(())
}

/// Evaluates with `context` already trimmed to the fields the policies read
/// ([`super::context::ContextUse::trim`]): the findings, or the first error.
pub(super) fn eval(
    inner: &Inner,
    worker: &mut RegoWorker,
    inputs: &[RegoInput],
    context: &serde_json::Value,
) -> Result<Vec<RegoFinding>, RegoError> {
    let (found, errors) = eval_collect(inner, worker, inputs, context);
    match errors.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(found),
    }
}

/// Deepest nesting of an input document or of the context given to the engine: converting,
/// comparing and freeing regorus values recurses once per level. Inputs parsed from YAML stop
/// at `limits.yaml-depth` (256) long before.
pub const MAX_VALUE_DEPTH: usize = 512;

/// Whether `v` nests deeper than [`MAX_VALUE_DEPTH`] (checked without recursion).
pub fn too_deep(v: &serde_json::Value) -> bool {
    let mut stack = vec![(v, 0usize)];
    while let Some((v, d)) = stack.pop() {
        if d > MAX_VALUE_DEPTH {
            return true;
        }
        match v {
            serde_json::Value::Array(a) => stack.extend(a.iter().map(|c| (c, d + 1))),
            serde_json::Value::Object(o) => stack.extend(o.values().map(|c| (c, d + 1))),
            _ => {}
        }
    }
    false
}

/// Like [`eval`], but an error of one rule on one input is recorded and the other rules and
/// inputs are still evaluated: every finding and every error. Only the time limit stops the
/// evaluation (the remaining inputs would all run into it).
pub(super) fn eval_collect(
    inner: &Inner,
    worker: &mut RegoWorker,
    inputs: &[RegoInput],
    context: &serde_json::Value,
) -> (Vec<RegoFinding>, Vec<RegoError>) {
    let result = eval_inputs(inner, worker, inputs, context);
    // What the policies `print`ed is dropped (gathered, see the loader).
    let _ = worker.engine.take_prints();
    result
}

fn eval_inputs(
    inner: &Inner,
    worker: &mut RegoWorker,
    inputs: &[RegoInput],
    context: &serde_json::Value,
) -> (Vec<RegoFinding>, Vec<RegoError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    if inner.packages.iter().all(|p| p.2.is_empty()) {
        return (out, errors);
    }
    let label = inputs
        .first()
        .map(|i| i.path.as_str())
        .unwrap_or("<combined>");
    if too_deep(context) {
        errors.push(RegoError {
            file: label.to_string(),
            line: 0,
            column: 0,
            message: format!(
                "data.chartgate.context nests deeper than {MAX_VALUE_DEPTH} levels; the policies were not evaluated"
            ),
        });
        return (out, errors);
    }
    if let Err(e) = set_context(inner, worker, context) {
        errors.push(e);
        return (out, errors);
    }
    let mut spent = BTreeSet::new();
    if inner.opts.combine {
        let combined: Vec<serde_json::Value> = inputs
            .iter()
            .filter(|i| !too_deep(&i.doc))
            .map(|i| serde_json::json!({"path": i.path, "contents": i.doc}))
            .collect();
        let value = Value::from(serde_json::Value::Array(combined));
        worker.engine.set_input(value.clone());
        let mut run = Run {
            inner,
            worker: &mut *worker,
            context,
            input: &value,
            errors: &mut errors,
            spent: &mut spent,
        };
        if eval_one(&mut run, label, None, inputs, true, &mut out).is_err() {
            return (out, errors);
        }
    }
    for (i, input) in inputs.iter().enumerate() {
        if let Err(e) = crate::budget::check_time() {
            errors.push(RegoError {
                file: input.path.clone(),
                line: 0,
                column: 0,
                message: format!("evaluating the policies for {}: {e}", input.path),
            });
            break;
        }
        if too_deep(&input.doc) {
            errors.push(RegoError {
                file: input.path.clone(),
                line: 0,
                column: 0,
                message: format!(
                    "evaluating the policies for {}: the document nests deeper than {MAX_VALUE_DEPTH} levels; the policies were not evaluated on it",
                    input.path
                ),
            });
            continue;
        }
        let value = to_value(&input.doc);
        worker.engine.set_input(value.clone());
        let mut run = Run {
            inner,
            worker: &mut *worker,
            context,
            input: &value,
            errors: &mut errors,
            spent: &mut spent,
        };
        // A panic in the engine is this input's error, not the run's end.
        let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            eval_one(&mut run, &input.path, Some(i), inputs, false, &mut out)
        }));
        match done {
            Ok(Ok(())) => {}
            // The time limit: nothing more is evaluated.
            Ok(Err(_)) => break,
            Err(_) => {
                errors.push(RegoError {
                    file: input.path.clone(),
                    line: 0,
                    column: 0,
                    message: "internal error while evaluating the policies on this input".into(),
                });
                // Start the next input from the prepared engine.
                worker.engine = inner.engine.clone();
                worker.context = Some(serde_json::json!({}));
                if let Err(e) = set_context(inner, worker, context) {
                    errors.push(e);
                    break;
                }
            }
        }
    }
    (out, errors)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_is_measured_without_recursion() {
        let mut v = serde_json::json!(1);
        for _ in 0..MAX_VALUE_DEPTH {
            v = serde_json::json!([v]);
        }
        assert!(!too_deep(&v));
        let deep = serde_json::json!({"a": v});
        assert!(too_deep(&deep));
    }
}
