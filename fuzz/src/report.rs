//! Reports over hostile text: the input is split at 0xff bytes into the fields of a finding
//! (message, file, resource kind/name/namespace, environment, chart, field, rule) plus the text
//! of the file for code frames, and every report format is written. Asserts the escaping
//! contract of the security model: no format carries a control character other than line
//! feed and tab (JSON/SARIF/JUnit escape them, text shows `\x1b`, GitHub workflow commands
//! escape CR/LF), so nothing reaches a terminal or a CI log raw.
use chartgate::model::finding::{Finding, Location, ResourceRef, Severity};

/// Runs one input.
pub fn run(data: &[u8]) {
    let mut parts = data
        .split(|b| *b == 0xff)
        .map(|p| String::from_utf8_lossy(p).into_owned());
    let mut next = || parts.next().unwrap_or_default();
    let (message, file, kind, name, namespace) = (next(), next(), next(), next(), next());
    let (environment, chart, field, rule, text) = (next(), next(), next(), next(), next());
    let file = if file.is_empty() {
        "m.yaml".to_string()
    } else {
        file
    };
    let finding = Finding {
        rule: if rule.is_empty() {
            "policy".into()
        } else {
            rule
        },
        severity: Severity::Error,
        message,
        resource: Some(ResourceRef {
            api_version: "v1".into(),
            kind,
            name,
            namespace: (!namespace.is_empty()).then_some(namespace),
        }),
        location: Location {
            file: file.clone(),
            line: 1 + (data.len() % 7) as u32,
            column: 1 + (data.len() % 5) as u32,
        },
        related: vec![(
            "template".into(),
            Location {
                file: file.clone(),
                line: 2,
                column: 1,
            },
        )],
        environment: (!environment.is_empty()).then_some(environment.clone()),
        chart: (!chart.is_empty()).then_some(chart.clone()),
        field: (!field.is_empty()).then_some(field),
    };
    let findings = vec![finding.clone(), finding];
    let mut sources = chartgate::report::SourceMap::default();
    sources.insert(file, text);
    let mut environments = std::collections::BTreeMap::new();
    environments.insert(chart, vec![environment, "prod".to_string()]);
    for format in chartgate::report::FORMATS {
        let Some(r) = chartgate::report::reporter_for(format) else {
            continue;
        };
        let ctx = chartgate::report::ReportContext {
            sources: &sources,
            color: false,
            environments: &environments,
            policy_rules: &[],
        };
        let mut out = Vec::new();
        let _ = r.report(&findings, &ctx, &mut out);
        let out = String::from_utf8_lossy(&out);
        if let Some(c) = out
            .chars()
            .find(|c| (c.is_control() && *c != '\n' && *c != '\t') || *c == '\u{202e}')
        {
            panic!("{format} report carries the control character {c:?}");
        }
    }
}
