//! Rego policy findings inside `analyze`: evaluates the policies on the resources of one
//! analysis (per resource, or once on all with `--combine`; in parallel chunks on each thread's
//! clone of the prepared engine) and feeds the results to the engine's sink, which applies
//! severities, suppressions and exemptions and locates each finding (a result's `path` through
//! the same [`Locator`](crate::analyze::engine::Locator) as the built-in rules).

use rayon::prelude::*;

use super::{PolicySet, RegoInput};
use crate::analyze::engine::{REGO_ERROR, RawFinding, Sink};
use crate::analyze::model::Resource;
use crate::model::{Finding, Location};
use crate::yaml::Node;

/// Inputs evaluated per parallel task when there are many resources.
const POLICY_CHUNK: usize = 32;

/// Evaluates the policies on every resource (or once on all of them with `--combine`) and
/// feeds the findings to the sink. Each thread evaluates on its own clone of the prepared engine.
pub(crate) fn run_policies(
    policies: &PolicySet,
    resources: &[Resource<'_>],
    first_file: &str,
    sink: &mut Sink<'_>,
) {
    let inputs: Vec<RegoInput> = resources
        .iter()
        .map(|r| RegoInput {
            path: r.file.to_string(),
            doc: r.node.to_json(),
        })
        .collect();
    let context = sink.settings.context.to_json();
    // A policy that runs into the time limit on one input would on the others too: the first
    // time-out stops the remaining chunks, and the analysis then reports only the time-out (the
    // same finding whichever input hit it first), so output stays deterministic.
    let timed_out = std::sync::atomic::AtomicBool::new(false);
    let limits = sink.settings.limits;
    // One chunk's outcome: its findings and errors, or the time-out that stopped it.
    type Located = (String, String, u32, u32);
    let eval = |offset: usize, chunk: &[RegoInput]| -> Result<(Vec<_>, Vec<Located>), Located> {
        if timed_out.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok((Vec::new(), Vec::new()));
        }
        // Each evaluation has its own memory budget (limits.render-memory) on its thread.
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            crate::budget::render_scope(&limits, || {
                policies.eval_collect_on_thread(chunk, &context)
            })
        }));
        match run {
            Ok((mut found, errors)) => {
                if let Some(e) = errors.iter().find(|e| e.is_time_limit()) {
                    timed_out.store(true, std::sync::atomic::Ordering::Relaxed);
                    // "evaluating data.main.deny for m.yaml: ..." → the rule, not the input.
                    let rule = e
                        .message
                        .strip_prefix("evaluating ")
                        .and_then(|m| m.split(" for ").next())
                        .unwrap_or("a policy rule")
                        .to_string();
                    return Err((
                        format!(
                            "{rule} exceeded the time limit of {} s for one input; the policies were not evaluated further",
                            policies.time_limit().as_secs_f64()
                        ),
                        e.file.clone(),
                        e.line,
                        e.column,
                    ));
                }
                for f in &mut found {
                    f.input = f.input.map(|i| i + offset);
                }
                let errors = errors
                    .into_iter()
                    .map(|e| (e.message, e.file, e.line, e.column))
                    .collect();
                Ok((found, errors))
            }
            Err(_) => Ok((
                Vec::new(),
                vec![(
                    "internal error while evaluating Rego policies; please report it".to_string(),
                    chunk.first().map(|i| i.path.clone()).unwrap_or_default(),
                    1,
                    1,
                )],
            )),
        }
    };
    let results: Vec<_> = if policies.combines() || inputs.len() < 2 * POLICY_CHUNK {
        vec![eval(0, &inputs)]
    } else {
        inputs
            .par_chunks(POLICY_CHUNK)
            .enumerate()
            .map(|(i, chunk)| eval(i * POLICY_CHUNK, chunk))
            .collect()
    };
    // After a time-out only the time-out is reported (the same finding whichever input hit
    // it first), so output stays deterministic.
    let results: Vec<_> = if timed_out.into_inner() {
        results.into_iter().filter(|r| r.is_err()).collect()
    } else {
        results
    };
    let results = results.into_iter().flat_map(|r| match r {
        Ok((found, errors)) => {
            let mut v: Vec<Result<Vec<_>, Located>> = vec![Ok(found)];
            v.extend(errors.into_iter().map(Err));
            v
        }
        Err(e) => vec![Err(e)],
    });
    for result in results {
        match result {
            Ok(found) => {
                for f in found {
                    match f.input.and_then(|i| resources.get(i)) {
                        Some(resource) => {
                            let node = f
                                .path
                                .as_deref()
                                .map_or(resource.node, |p| deepest_node(resource.node, p));
                            sink.emit(
                                &f.rule,
                                f.severity,
                                RawFinding {
                                    resource,
                                    node,
                                    field: f.path,
                                    message: f.message,
                                    severity: None,
                                    focus: None,
                                    also: None,
                                },
                            );
                        }
                        None => {
                            // A `--combine` result that names no input: about the whole render.
                            let at = Location {
                                file: first_file.to_string(),
                                line: 1,
                                column: 1,
                            };
                            sink.emit_located(
                                Finding::new(f.rule, f.severity, f.message, at)
                                    .with_environment(sink.settings.environment.clone())
                                    .with_field(f.path),
                            );
                        }
                    }
                }
            }
            Err((message, file, line, column)) => sink.internal(
                REGO_ERROR,
                format!("policy evaluation failed: {message}"),
                Location {
                    file,
                    line: line.max(1),
                    column: column.max(1),
                },
            ),
        }
    }
}

/// The node at field path `path` under `root`, or at its longest existing prefix
/// (`metadata.labels` of a resource without labels points at `metadata`).
fn deepest_node<'a>(root: &'a Node, path: &str) -> &'a Node {
    let mut p = path;
    loop {
        if p.is_empty() {
            return root;
        }
        if let Some(n) = root.find_path(p) {
            return n;
        }
        match p.rfind(['.', '[']) {
            Some(i) => p = &p[..i],
            None => return root,
        }
    }
}
