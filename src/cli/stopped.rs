//! What the run's backstop (`budget::watchdog`) writes into every report asked for when it
//! stops a run: one `run-stopped` finding, formatted when the run starts, while there is memory
//! to do it. `check` and `audit` prepare their reports here.

use std::path::Path;

use crate::model::finding::Location;
use crate::model::{Finding, Severity};

/// The `run-stopped` finding at `at` (the first path checked): by the memory backstop, by the
/// time backstop.
fn findings(at: &str) -> [Vec<Finding>; 2] {
    let finding = |why: &str| {
        let at = Location {
            file: at.to_string(),
            line: 1,
            column: 1,
        };
        let message = format!(
            "the run was stopped: {why} in an operation that checks no budget (a policy comparing or printing a value shared into itself, or inputs of millions of objects); the run's findings are not reported"
        );
        let id = crate::analyze::rules::run_stopped::RunStopped::INFO.id;
        vec![Finding::new(id, Severity::Error, message, at)]
    };
    [
        finding("the process held more than limits.run-memory + 25%"),
        finding("it ran past limits.run-seconds + max(5 s, 25%)"),
    ]
}

/// Prepares the backstop's reports: `targets` are format and file (None: stdout), `render`
/// formats findings in a format. A path `confine::output` refuses is left out: writing the
/// run's own report fails on it later, with the error.
pub fn prepare(
    targets: &[(&str, Option<&Path>)],
    at: &str,
    render: impl Fn(&str, &[Finding]) -> Vec<u8>,
) {
    let [by_memory, by_time] = findings(at);
    let reports = (targets.iter())
        .filter_map(|&(format, path)| {
            let path = match path {
                None => None,
                Some(p) => Some(crate::confine::output::prepare(p).ok()?),
            };
            Some(crate::budget::watchdog::StopReport {
                path,
                memory: render(format, &by_memory),
                time: render(format, &by_time),
            })
        })
        .collect();
    crate::budget::watchdog::set_reports(reports);
}

/// [`prepare`] for `check`'s reporters (`targets`: format and path, `-` for stdout).
pub fn prepare_check(targets: &[(String, String)], at: &str) {
    let targets: Vec<(&str, Option<&Path>)> = (targets.iter())
        .map(|(f, p)| (f.as_str(), (p != "-").then(|| Path::new(p.as_str()))))
        .collect();
    use crate::report::{ReportContext, SourceMap, reporter_for};
    let (sources, environments) = (SourceMap::default(), Default::default());
    let ctx = ReportContext {
        sources: &sources,
        color: false,
        environments: &environments,
        policy_rules: &[],
    };
    prepare(&targets, at, |format, findings| {
        let mut buf = Vec::new();
        if let Some(r) = reporter_for(format) {
            let _ = r.report(findings, &ctx, &mut buf);
        }
        buf
    });
}

/// [`prepare`] for `audit`'s report of `roots` (`target`: its file, None for stdout).
pub fn prepare_audit(format: &str, target: Option<&Path>, roots: Vec<String>) {
    use crate::report::audit::{AuditRun, report, summarise};
    let at = roots.first().cloned().unwrap_or_else(|| ".".into());
    prepare(&[(format, target)], &at, |format, findings| {
        let run = AuditRun {
            roots: roots.clone(),
            checks: Vec::new(),
            findings: findings.to_vec(),
            revisions: Default::default(),
            teams: Default::default(),
        };
        let summary = summarise(&run);
        report(format, &run, &summary, None, None)
            .map(String::into_bytes)
            .unwrap_or_default()
    });
}
