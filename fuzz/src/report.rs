//! Reports over hostile text: the input is split at 0xff bytes into the fields of a finding
//! (message, file, resource kind/name/namespace, environment, chart, field, rule) plus the text
//! of the file for code frames, and every report format is written. The finding's rule is also
//! a Rego policy rule whose METADATA (title, description) is hostile text too: a pull request
//! controls its policies. Asserts the escaping contract of the security model: no format
//! carries a control character other than line feed and tab (JSON/SARIF/JUnit escape them,
//! text shows `\x1b`, GitHub workflow commands escape CR/LF), so nothing reaches a terminal or
//! a CI log raw.
//!
//! SARIF is written with the hostile policy rule as its only rule descriptor: the built-in
//! rules' documentation is constant text (checked by `tests/report_sarif.rs`), and serialising
//! it on every input under coverage instrumentation was most of this target's time.
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
    let policy = chartgate::report::rules_info::RuleDescriptor {
        id: finding.rule.clone(),
        summary: finding.message.clone(),
        description: finding.field.clone().unwrap_or_default(),
        help: text.clone(),
        default_severity: Severity::Error,
    };
    let findings = vec![finding.clone(), finding];
    let mut sources = chartgate::report::SourceMap::default();
    sources.insert(file, text);
    let mut environments = std::collections::BTreeMap::new();
    environments.insert(chart, vec![environment.clone(), "prod".to_string()]);
    let policy_rules = std::slice::from_ref(&policy);
    for format in chartgate::report::FORMATS {
        let out = if *format == "sarif" {
            let envs = [environment.clone(), "prod".to_string()];
            let limits = chartgate::report::sarif::SarifLimits::default();
            chartgate::report::sarif::sarif_capped(&findings, &envs, policy_rules, "0", limits).0
        } else {
            let Some(r) = chartgate::report::reporter_for(format) else {
                continue;
            };
            let ctx = chartgate::report::ReportContext {
                sources: &sources,
                color: false,
                environments: &environments,
                policy_rules,
            };
            let mut out = Vec::new();
            let _ = r.report(&findings, &ctx, &mut out);
            String::from_utf8_lossy(&out).into_owned()
        };
        if let Some(c) = forbidden(&out) {
            panic!("{format} report carries the control character {c:?}");
        }
    }
}

/// Bytes that begin the UTF-8 encoding of a character no report may carry: C0 controls but
/// line feed and tab, DEL, `0xc2` (the C1 controls U+0080–U+009F) and `0xe2` (U+202E).
const LEAD: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = 1;
        i += 1;
    }
    t[b'\n' as usize] = 0;
    t[b'\t' as usize] = 0;
    t[0x7f] = 1;
    t[0xc2] = 1;
    t[0xe2] = 1;
    t
};

/// The first character of `out` that is a control character other than line feed and tab, or
/// U+202E: `out.chars().find(..)`, but 64-byte blocks holding no [`LEAD`] byte are passed over
/// with one branch-free fold, and only a lead byte's character is decoded. (Decoding every
/// character of the SARIF report, which carries every rule's documentation, was a quarter of
/// this target's time under coverage instrumentation.)
fn forbidden(out: &str) -> Option<char> {
    let b = out.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if let Some(block) = b.get(i..i + 64)
            && block.iter().fold(0, |acc, &x| acc | LEAD[x as usize]) == 0
        {
            i += 64;
            continue;
        }
        if LEAD[b[i] as usize] != 0
            && let Some(c) = out[i..].chars().next()
            && ((c.is_control() && c != '\n' && c != '\t') || c == '\u{202e}')
        {
            return Some(c);
        }
        i += 1;
    }
    None
}
