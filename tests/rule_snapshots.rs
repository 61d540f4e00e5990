//! One snapshot per built-in rule: `fixtures/rules/<rule-id>/` holds a `fail/` case that
//! triggers the rule and a `pass/` case where it must not fire (manifests or a chart), the
//! `chartgate.yaml` they are checked with (`root: true`; a case may have its own) and `args`
//! (extra arguments, e.g. `--env dev`). Each case is checked with
//! `chartgate check --format json ARGS CASE` in the rule's folder on 2026-06-01, and the exit
//! code, stderr and every finding (rule, severity, file:line:col, resource, environment, message)
//! are compared with `tests/snapshots/rule_snapshots__<rule-id>.snap` (insta; under `CI` a
//! missing or changed snapshot fails, `cargo insta review` updates them). Every rule id of the
//! registry (built-in and engine rules) needs a folder and every folder must name a rule.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

/// Every rule id `chartgate rules` lists as built in: the registry and the engine's own rules.
fn rule_ids() -> BTreeSet<String> {
    chartgate::analyze::registry::all()
        .iter()
        .chain(chartgate::analyze::engine::ENGINE_RULES)
        .map(|r| r.id.to_string())
        .collect()
}

/// Folders of `dir`.
fn folders(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// Rules without a folder, and folders naming no rule.
fn unpaired(ids: &BTreeSet<String>, dirs: &BTreeSet<String>) -> (Vec<String>, Vec<String>) {
    (
        ids.difference(dirs).cloned().collect(),
        dirs.difference(ids).cloned().collect(),
    )
}

const LINE: &str = "{rule} {severity} {file}:{line}:{column} {resource} [{env}] {message}";

/// Checks one case of a rule's folder: the snapshot text and the findings' rule ids.
fn check_case(dir: &Path, args: &[String], case: &str) -> (String, Vec<String>) {
    let r = support::cli(["check", "--format", "json", "--color", "never"])
        .args(args)
        .arg(case)
        .dir(dir)
        .env("CHARTGATE_TODAY", "2026-06-01")
        .run();
    let rules = support::findings_of(&r.json())
        .iter()
        .map(|f| f["rule"].as_str().unwrap_or("?").to_string())
        .collect();
    let lines = r.finding_lines_as(LINE);
    let mut text = format!(
        "$ chartgate check --format json --color never {} {case}\nexit {}\n",
        args.join(" "),
        r.code()
    );
    for l in r.stderr.lines() {
        text.push_str(&format!("stderr: {l}\n"));
    }
    if lines.is_empty() {
        text.push_str("(no findings)\n");
    }
    for l in lines {
        text.push_str(&l);
        text.push('\n');
    }
    (text, rules)
}

#[test]
fn every_rule_has_a_snapshot_folder_and_every_folder_a_rule() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    let ids = rule_ids();
    assert_eq!(ids.len(), 25, "{ids:?}");
    let (missing, extra) = unpaired(&ids, &folders(&root));
    assert!(
        missing.is_empty(),
        "rules without fixtures/rules/<id>/: {missing:?}"
    );
    assert!(extra.is_empty(), "folders naming no rule: {extra:?}");
}

#[test]
fn a_missing_or_stray_folder_is_reported() {
    let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(
        unpaired(
            &set(&["timezone", "tls-hosts"]),
            &set(&["timezone", "tls-host"])
        ),
        (vec!["tls-hosts".to_string()], vec!["tls-host".to_string()])
    );
}

#[test]
fn every_rule_fires_on_its_fail_case_not_on_its_pass_case_exactly_as_snapshotted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    let mut failures = Vec::new();
    for id in rule_ids() {
        let dir = root.join(&id);
        if !dir.is_dir() {
            continue; // reported by every_rule_has_a_snapshot_folder_and_every_folder_a_rule
        }
        let args: Vec<String> = std::fs::read_to_string(dir.join("args"))
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let (fail, fail_rules) = check_case(&dir, &args, "fail");
        let (pass, pass_rules) = check_case(&dir, &args, "pass");
        if !fail_rules.contains(&id) {
            failures.push(format!("{id}: the fail case does not trigger it:\n{fail}"));
        }
        if !pass_rules.is_empty() {
            failures.push(format!("{id}: the pass case has findings:\n{pass}"));
        }
        let snapshot = format!("{fail}\n{pass}");
        let result = std::panic::catch_unwind(|| {
            insta::with_settings!({
                description => format!("fixtures/rules/{id}"),
                omit_expression => true,
            }, {
                insta::assert_snapshot!(id.as_str(), snapshot);
            });
        });
        if result.is_err() {
            failures.push(format!("{id}: snapshot differs (see above)"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
