//! Loading: parse each source (Rego v1 first, v0 as the fallback), add data, collect rules and
//! their METADATA, prepare the engine once.

use super::metadata::{self, ModuleInfo};
use super::{EvalRule, Inner, PolicySet, PolicySource, RegoError, RegoOptions, TestRule};
use crate::model::Severity;
use std::sync::Arc;

/// Turns a regorus error text (`\n--> FILE:LINE:COL\n ... \nerror: MESSAGE`) into a [`RegoError`].
/// `fallback_file` is used when the message carries no location.
pub(crate) fn from_message(text: &str, fallback_file: &str) -> RegoError {
    let mut file = fallback_file.to_string();
    let mut line = 0;
    let mut column = 0;
    let mut message = text.trim().to_string();
    if let Some(pos) = text.find("--> ") {
        let loc = text[pos + 4..].lines().next().unwrap_or("");
        let mut parts = loc.rsplitn(3, ':');
        let c = parts.next().and_then(|s| s.trim().parse::<u32>().ok());
        let l = parts.next().and_then(|s| s.trim().parse::<u32>().ok());
        if let (Some(c), Some(l), Some(f)) = (c, l, parts.next()) {
            file = f.to_string();
            line = l;
            column = c;
        }
        // The message is what follows the last `error: ` after the source excerpt.
        if let Some(idx) = text.rfind("error: ") {
            message = text[idx + 7..].trim().to_string();
        }
        // Anything before the location (a context prefix added by regorus) is kept.
        let prefix = text[..pos].trim();
        if !prefix.is_empty() && prefix != message {
            message = format!("{prefix}: {message}");
        }
    }
    RegoError {
        file,
        line,
        column,
        message,
    }
}

/// Name of the generated rule listing a package's rules (see [`load`]).
pub(crate) const AGGREGATE: &str = "chartgate_eval__";

fn uses_v0_syntax_hint(text: &str) -> bool {
    // `import rego.v1` and `future.keywords` imports make a module parse identically as v0.
    !(text.contains(" if ") || text.contains(" if{") || text.contains(" contains "))
}

/// Adds one module, trying v1 then v0. A module that fails both reports the error of the syntax
/// it appears to use.
fn add_module(engine: &mut regorus::Engine, src: &PolicySource) -> Result<(), RegoError> {
    engine.set_rego_v0(false);
    let v1 = engine.add_policy(src.path.clone(), src.text.clone());
    let Err(e1) = v1 else { return Ok(()) };
    engine.set_rego_v0(true);
    let v0 = engine.add_policy(src.path.clone(), src.text.clone());
    engine.set_rego_v0(false);
    let Err(e0) = v0 else { return Ok(()) };
    let err = if uses_v0_syntax_hint(&src.text) {
        e0
    } else {
        e1
    };
    Err(from_message(&err.to_string(), &src.path))
}

fn parse_severity(meta: &metadata::Meta, file: &str) -> Result<Option<Severity>, RegoError> {
    match meta.severity.as_deref() {
        None => Ok(None),
        Some(s) => match s.to_ascii_lowercase().as_str() {
            "error" | "deny" | "high" | "critical" => Ok(Some(Severity::Error)),
            "warning" | "warn" | "medium" => Ok(Some(Severity::Warning)),
            "info" | "low" => Ok(Some(Severity::Info)),
            _ => Err(RegoError {
                file: file.to_string(),
                line: meta.line,
                column: 1,
                message: format!(
                    "METADATA custom.severity `{s}` is not one of error, warning, info"
                ),
            }),
        },
    }
}

/// conftest's rule families: `deny`, `violation`, `warn`, optionally followed by `_suffix`.
pub(crate) fn rule_family(name: &str) -> Option<Severity> {
    for (prefix, sev) in [
        ("deny", Severity::Error),
        ("violation", Severity::Error),
        ("warn", Severity::Warning),
    ] {
        if let Some(rest) = name.strip_prefix(prefix)
            && (rest.is_empty() || (rest.starts_with('_') && rest.len() > 1))
        {
            return Some(sev);
        }
    }
    None
}

fn merge_json(
    into: &mut serde_json::Value,
    from: serde_json::Value,
    path: &str,
) -> Result<(), String> {
    match (into, from) {
        (serde_json::Value::Object(a), serde_json::Value::Object(b)) => {
            for (k, v) in b {
                let p = format!("{path}.{k}");
                match a.get_mut(&k) {
                    Some(existing) => merge_json(existing, v, &p)?,
                    None => {
                        a.insert(k, v);
                    }
                }
            }
            Ok(())
        }
        (a, b) if *a == b => Ok(()),
        _ => Err(format!("conflicting values for {path}")),
    }
}

pub(super) fn load(
    sources: Vec<PolicySource>,
    data: Vec<(String, serde_json::Value)>,
    opts: RegoOptions,
) -> Result<PolicySet, RegoError> {
    let mut engine = regorus::Engine::new();
    engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
        limit: opts.time_limit,
        check_interval: std::num::NonZeroU32::new(64).unwrap_or(std::num::NonZeroU32::MIN),
    });
    // `print` output is gathered (and dropped by the evaluations), never written to stderr raw:
    // a policy's text there could carry control characters or start a workflow command.
    engine.set_gather_prints(true);
    // Builtins that could build huge results are replaced by bounded ones (see `bounded`).
    super::bounded::install(&mut engine).map_err(|e| RegoError {
        file: String::new(),
        line: 0,
        column: 0,
        message: e.to_string(),
    })?;
    let mut modules: Vec<(String, ModuleInfo)> = Vec::new();
    for src in &sources {
        add_module(&mut engine, src)?;
        modules.push((src.path.clone(), metadata::scan(&src.text)));
    }
    // Repository policies may not declare what trusted policies declare or read.
    let data_keys: Vec<(String, String)> = data
        .iter()
        .flat_map(|(file, doc)| {
            (doc.as_object().into_iter().flatten()).map(move |(k, _)| (k.clone(), file.clone()))
        })
        .collect();
    super::shadow::check(
        engine.get_modules(),
        &opts.untrusted,
        &opts.unreserved,
        &data_keys,
    )?;
    // Recursion through functions of several modules (regorus would overflow the stack).
    super::calls::check_recursion(engine.get_modules())?;
    // Builtins chartgate cannot provide (fail closed).
    super::calls::check_unavailable(engine.get_modules())?;

    let context_use = super::context::ContextUse::scan(sources.iter().map(|s| s.text.as_str()));
    let mut base = serde_json::json!({});
    for (file, doc) in data {
        if !doc.is_object() {
            return Err(RegoError {
                file,
                line: 0,
                column: 0,
                message: "data document must be an object".into(),
            });
        }
        if doc.pointer("/chartgate/context").is_some() {
            return Err(RegoError {
                file,
                line: 0,
                column: 0,
                message: "data.chartgate.context is reserved for the context chartgate provides"
                    .into(),
            });
        }
        merge_json(&mut base, doc, "data").map_err(|message| RegoError {
            file,
            line: 0,
            column: 0,
            message,
        })?;
    }

    let mut all_rules = Vec::new();
    let mut tests = Vec::new();
    let mut packages: Vec<(String, bool, Vec<EvalRule>)> = Vec::new();
    for (file, info) in &modules {
        let pkg = info.package.clone();
        let pkg_meta = info.package_meta.clone().unwrap_or_default();
        let pkg_sev = parse_severity(&pkg_meta, file)?;
        let idx = match packages.iter().position(|(p, _, _)| *p == pkg) {
            Some(i) => i,
            None => {
                packages.push((pkg.clone(), false, Vec::new()));
                packages.len() - 1
            }
        };
        for head in &info.rules {
            let query = format!("data.{pkg}.{}", head.name);
            if head.name.starts_with("test_") {
                tests.push(TestRule {
                    query,
                    file: file.clone(),
                    line: head.line,
                });
                continue;
            }
            if head.name == "exception" {
                if let Some(p) = packages.get_mut(idx) {
                    p.1 = true;
                }
                continue;
            }
            let Some(default_sev) = rule_family(&head.name) else {
                continue;
            };
            let meta = head.meta.clone().unwrap_or_default();
            let sev = parse_severity(&meta, file)?
                .or(pkg_sev)
                .unwrap_or(default_sev);
            let rule = EvalRule {
                package: pkg.clone(),
                name: head.name.clone(),
                query,
                id: meta
                    .id
                    .clone()
                    .unwrap_or_else(|| format!("{pkg}.{}", head.name)),
                severity: sev,
                title: meta
                    .title
                    .clone()
                    .or(pkg_meta.title.clone())
                    .unwrap_or_default(),
                description: meta
                    .description
                    .clone()
                    .or(pkg_meta.description.clone())
                    .unwrap_or_default(),
                file: file.clone(),
                line: head.line,
            };
            if let Some(p) = packages.get_mut(idx)
                && !p.2.iter().any(|r| r.name == rule.name)
            {
                p.2.push(rule.clone());
                all_rules.push(rule);
            }
        }
    }
    let selected = |p: &str| {
        opts.all_namespaces
            || opts.namespaces.iter().any(|n| n == p)
            || p == super::PLATFORM_PACKAGE_PREFIX
            || p.starts_with(&format!("{}.", super::PLATFORM_PACKAGE_PREFIX))
    };
    packages.retain(|(p, _, _)| selected(p));
    // Every rule the files define (selected package or not): what config may name.
    let mut defined_ids: Vec<String> = all_rules.iter().map(|r: &EvalRule| r.id.clone()).collect();
    defined_ids.sort();
    defined_ids.dedup();
    all_rules.retain(|r| selected(&r.package));

    // One generated rule per package listing its rules, so one `eval_rule` call evaluates them
    // all and their shared helper rules once (regorus clears its rule cache between calls).
    // Packages with `exception` keep per-rule calls: excepted rules are not evaluated at all.
    let mut aggregates = std::collections::BTreeMap::new();
    for (pkg, has_exception, rules) in packages.iter().filter(|_| !opts.list_only) {
        if *has_exception || rules.len() < 2 {
            continue;
        }
        let names: Vec<&str> = rules.iter().map(|r| r.name.as_str()).collect();
        let text = format!("package {pkg}\n\n{AGGREGATE} := [{}]\n", names.join(", "));
        engine.set_rego_v0(false);
        if engine
            .add_policy(format!("<chartgate: rules of {pkg}>"), text)
            .is_ok()
        {
            aggregates.insert(pkg.clone(), format!("data.{pkg}.{AGGREGATE}"));
        }
    }

    // Warm up: prepares (analyses) the modules once so clones start ready; this also reports
    // unknown functions and recursion. Not when only listing the rules.
    if !opts.list_only {
        warm_up(&mut engine, &base)?;
    }

    static NEXT_ID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
    Ok(PolicySet {
        inner: Arc::new(Inner {
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            engine,
            base_data: base,
            context_use,
            packages,
            all_rules,
            defined_ids,
            tests,
            opts,
            aggregates,
        }),
    })
}

/// Prepares the engine once with the base data and an empty context.
fn warm_up(engine: &mut regorus::Engine, base: &serde_json::Value) -> Result<(), RegoError> {
    let mut warm = base.clone();
    merge_json(
        &mut warm,
        serde_json::json!({"chartgate": {"context": {}}}),
        "data",
    )
    .map_err(|message| RegoError {
        file: String::new(),
        line: 0,
        column: 0,
        message,
    })?;
    engine
        .add_data(regorus::Value::from(warm))
        .map_err(|e| from_message(&e.to_string(), "data"))?;
    engine.set_input(regorus::Value::new_object());
    engine
        .eval_query("data.chartgate.context".to_string(), false)
        .map_err(|e| from_message(&e.to_string(), "policy"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::rego::RegoInput;

    fn input(doc: serde_json::Value) -> RegoInput {
        RegoInput {
            path: "m.yaml".into(),
            doc,
        }
    }

    #[test]
    fn packages_with_several_rules_are_evaluated_in_one_call() {
        let policy = "package team\nimport rego.v1\n\
            deny_a contains \"a\" if input.a\n\
            deny_b := \"b\" if input.b\n\
            warn_c contains x if { x := sprintf(\"%d\", [input.c + 1]) }\n";
        let opts = RegoOptions {
            namespaces: vec!["team".into()],
            ..RegoOptions::default()
        };
        let set = load(
            vec![PolicySource {
                path: "p.rego".into(),
                text: policy.into(),
            }],
            vec![],
            opts,
        )
        .expect("load");
        assert_eq!(
            set.inner.aggregates.get("team").map(String::as_str),
            Some("data.team.chartgate_eval__")
        );
        let mut w = set.worker();
        let mut run = |doc| {
            set.eval(&mut w, &[input(doc)], &serde_json::json!({}))
                .map(|f| f.into_iter().map(|f| f.message).collect::<Vec<_>>())
                .map_err(|e| e.to_string())
        };
        // All defined: one call.
        assert_eq!(
            run(serde_json::json!({"a": true, "b": true, "c": 1})),
            Ok(vec!["a".to_string(), "b".to_string(), "2".to_string()])
        );
        // deny_b (a complete rule) undefined: the list is undefined, per-rule fallback.
        assert_eq!(
            run(serde_json::json!({"a": true, "c": 1})),
            Ok(vec!["a".to_string(), "2".to_string()])
        );
        // A runtime error in warn_c: the fallback names the rule.
        assert_eq!(
            run(serde_json::json!({"c": "x"})),
            Err("p.rego:5:49: evaluating data.team.warn_c for m.yaml: `add` expects numeric argument. Got `\"x\"` instead".to_string())
        );
    }

    #[test]
    fn an_error_of_one_rule_on_one_input_keeps_every_other_result() {
        let policy = "package main\nimport rego.v1\n\
            deny_add contains x if { x := sprintf(\"%d\", [input.c + 1]) }\n\
            warn_name contains input.name if input.name\n";
        let set = load(
            vec![PolicySource {
                path: "p.rego".into(),
                text: policy.into(),
            }],
            vec![],
            RegoOptions::default(),
        )
        .expect("load");
        let inputs = [
            RegoInput {
                path: "bad.yaml".into(),
                doc: serde_json::json!({"name": "bad", "c": "x"}),
            },
            RegoInput {
                path: "good.yaml".into(),
                doc: serde_json::json!({"name": "good", "c": 1}),
            },
        ];
        let (found, errors) = set.eval_collect_on_thread(&inputs, &serde_json::json!({}));
        let found: Vec<(Option<usize>, String)> =
            found.into_iter().map(|f| (f.input, f.message)).collect();
        assert_eq!(
            found,
            vec![
                (Some(0), "bad".to_string()),
                (Some(1), "2".to_string()),
                (Some(1), "good".to_string()),
            ]
        );
        let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("p.rego:3:")
                && errors[0].contains("evaluating data.main.deny_add for bad.yaml"),
            "{errors:?}"
        );
    }
}
