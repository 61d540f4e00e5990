//! `--format junit`: one `<testsuite>` per chart × environment (built with `quick-junit`).
//!
//! Each finding is one test case named `RULE RESOURCE`; errors and warnings are `<failure>`s
//! (type = severity, message = the finding's message, text = `file:line:col: [rule] message`),
//! info findings pass and carry their text in `<system-out>` (they never fail a build). A suite
//! without findings holds one passing test case, `chartgate`, so CI shows the checked pair.

use std::collections::BTreeMap;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::finding::{Finding, Severity};
use super::rules_info::{SuiteKey, resource_label, sorted};

fn suite_name(k: &SuiteKey) -> String {
    match (&k.chart, &k.environment) {
        (Some(c), Some(e)) => format!("{c} [{e}]"),
        (Some(c), None) => c.clone(),
        (None, Some(e)) => format!("[{e}]"),
        (None, None) => "chartgate".to_string(),
    }
}

/// The JUnit XML report. `suites` lists every checked chart × environment (suites that only
/// appear in findings are added); suites are printed in key order.
pub fn junit(findings: &[Finding], suites: &[SuiteKey]) -> String {
    let mut groups: BTreeMap<SuiteKey, Vec<&Finding>> =
        suites.iter().map(|k| (k.clone(), Vec::new())).collect();
    for f in sorted(findings) {
        groups.entry(SuiteKey::of(f)).or_default().push(f);
    }
    let mut report = Report::new("chartgate");
    for (key, fs) in &groups {
        let name = suite_name(key);
        let mut suite = TestSuite::new(name.as_str());
        if fs.is_empty() {
            let mut tc = TestCase::new("chartgate", TestCaseStatus::success());
            tc.set_classname(name.as_str());
            suite.add_test_case(tc);
        }
        for f in fs {
            let case_name = match &f.resource {
                Some(r) => format!("{} {}", f.rule, resource_label(r)),
                None => f.rule.clone(),
            };
            let detail = format!(
                "{}:{}:{}: [{}] {}",
                f.location.file, f.location.line, f.location.column, f.rule, f.message
            );
            let mut tc = match f.severity {
                Severity::Error | Severity::Warning => {
                    let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    // XML attribute values lose line breaks when parsed: keep them in the text only.
                    st.set_message(f.message.replace(['\r', '\n'], " "));
                    st.set_type(f.severity.as_str());
                    st.set_description(detail.as_str());
                    TestCase::new(case_name.as_str(), st)
                }
                Severity::Info => {
                    let mut tc = TestCase::new(case_name.as_str(), TestCaseStatus::success());
                    tc.set_system_out(detail.as_str());
                    tc
                }
            };
            tc.set_classname(name.as_str());
            suite.add_test_case(tc);
        }
        report.add_test_suite(suite);
    }
    super::clean::commands(
        super::clean::xml(report.to_string().unwrap_or_default()),
        "&#10;",
    )
}
