//! `opa test`-style runner for `test_*` rules.

use super::PolicySet;
use super::loader::from_message;
use regorus::Value;

/// Outcome of one test rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestResult {
    /// `data.<package>.test_<name>`.
    pub name: String,
    /// Policy file.
    pub file: String,
    /// 1-based line of the test rule.
    pub line: u32,
    /// True when the rule evaluated to `true`.
    pub passed: bool,
    /// Why it failed: `undefined`, the value it produced, or the runtime error.
    pub detail: Option<String>,
}

/// Runs every `test_*` rule whose full name matches `filter` (all when `None`), in file order.
/// Each test starts with an empty `input` and an empty `data.chartgate.context`.
pub fn run_tests(set: &PolicySet, filter: Option<&regex::Regex>) -> Vec<TestResult> {
    let mut worker = set.worker();
    let mut results = Vec::new();
    if let Err(e) = super::eval::reset_context(&set.inner, &mut worker) {
        return vec![TestResult {
            name: "data".into(),
            file: e.file.clone(),
            line: e.line,
            passed: false,
            detail: Some(e.to_string()),
        }];
    }
    for t in &set.inner.tests {
        if filter.is_some_and(|re| !re.is_match(&t.query)) {
            continue;
        }
        worker.engine.set_input(Value::Undefined);
        let (passed, detail) = match worker.engine.eval_rule(t.query.clone()) {
            Ok(Value::Bool(true)) => (true, None),
            Ok(Value::Undefined) => (false, Some("undefined".to_string())),
            Ok(other) => (false, Some(format!("evaluated to {other}"))),
            Err(e) => (
                false,
                Some(from_message(&e.to_string(), &t.file).to_string()),
            ),
        };
        let _ = worker.engine.take_prints();
        results.push(TestResult {
            name: t.query.clone(),
            file: t.file.clone(),
            line: t.line,
            passed,
            detail,
        });
    }
    results
}
