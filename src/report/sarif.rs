//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning accepts it.
//!
//! Built with `serde_json` values rather than `serde-sarif`'s generated builder types: the
//! document is small, and `preserve_order` keeps the key order readable and stable. The output is
//! validated against the official schema (`schemas/sarif-2.1.0.json`) in `tests/report_sarif.rs`.

use serde_json::{Map, Value, json};

use super::baseline::fingerprint;
use super::finding::{Finding, Location, Severity};
use super::rules_info::{RuleInfo, repo_path, resource_label, sorted};

/// Key of chartgate's entry in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "chartgate/v2";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A path as a SARIF URI reference relative to `%SRCROOT%` (the repository root): `./` and
/// backslashes normalised, bytes outside RFC 3986 unreserved characters and `/` percent-encoded.
/// Returns whether it is relative (absolute paths become `file://` URIs without a base).
fn uri(path: &str) -> (String, bool) {
    let p = repo_path(path);
    let absolute = p.starts_with('/');
    let mut enc = String::new();
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            enc.push(b as char);
        } else {
            enc.push_str(&format!("%{b:02X}"));
        }
    }
    if absolute {
        (format!("file://{enc}"), false)
    } else {
        (enc, true)
    }
}

fn physical(loc: &Location) -> Value {
    let (u, relative) = uri(&loc.file);
    let mut artifact = Map::new();
    artifact.insert("uri".into(), Value::String(u));
    if relative {
        artifact.insert("uriBaseId".into(), json!("%SRCROOT%"));
    }
    json!({
        "artifactLocation": artifact,
        "region": {"startLine": loc.line.max(1), "startColumn": loc.column.max(1)},
    })
}

fn rule_json(r: &RuleInfo) -> Value {
    json!({
        "id": r.id,
        "name": r.id,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.description},
        "help": {"text": r.help, "markdown": r.help},
        "defaultConfiguration": {"level": level(r.default_severity)},
        "properties": {"tags": ["chartgate", "kubernetes", "helm"]},
    })
}

/// The SARIF log for one run. Rules not in `rules` (e.g. Rego policies) get a minimal
/// descriptor so every result has a valid `ruleIndex`.
pub fn sarif(findings: &[Finding], rules: &[RuleInfo], tool_version: &str) -> String {
    let mut descriptors: Vec<Value> = rules.iter().map(rule_json).collect();
    let mut ids: Vec<String> = rules.iter().map(|r| r.id.clone()).collect();
    let ordered = sorted(findings);
    let mut extra: Vec<&str> = ordered
        .iter()
        .map(|f| f.rule.as_str())
        .filter(|id| !ids.iter().any(|k| k == id))
        .collect();
    extra.sort_unstable();
    extra.dedup();
    for id in extra {
        descriptors.push(json!({
            "id": id,
            "name": id,
            "shortDescription": {"text": id},
            "defaultConfiguration": {"level": "error"},
        }));
        ids.push(id.to_string());
    }

    let results: Vec<Value> = ordered
        .iter()
        .map(|f| {
            let index = ids.iter().position(|k| *k == f.rule).unwrap_or(0);
            let mut text = f.message.clone();
            if let Some(e) = &f.environment {
                text.push_str(&format!(" (environment: {e})"));
            }
            let mut r = Map::new();
            r.insert("ruleId".into(), json!(f.rule));
            r.insert("ruleIndex".into(), json!(index));
            r.insert("level".into(), json!(level(f.severity)));
            r.insert("message".into(), json!({"text": text}));
            r.insert(
                "locations".into(),
                json!([{"physicalLocation": physical(&f.location)}]),
            );
            if !f.related.is_empty() {
                let rel: Vec<Value> = f
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, (label, loc))| {
                        // A rendered manifest exists only in memory: no file in the repository
                        // to link to, so it is named in the message alone.
                        if label == "rendered" {
                            let text = format!(
                                "rendered manifest {}:{}:{}",
                                loc.file, loc.line, loc.column
                            );
                            return json!({"id": i, "message": {"text": text}});
                        }
                        json!({"id": i, "physicalLocation": physical(loc), "message": {"text": label}})
                    })
                    .collect();
                r.insert("relatedLocations".into(), Value::Array(rel));
            }
            r.insert(
                "partialFingerprints".into(),
                json!({FINGERPRINT_KEY: fingerprint(f)}),
            );
            let mut props = Map::new();
            if let Some(c) = &f.chart {
                props.insert("chart".into(), json!(c));
            }
            if let Some(e) = &f.environment {
                props.insert("environment".into(), json!(e));
            }
            if let Some(res) = &f.resource {
                props.insert("resource".into(), json!(resource_label(res)));
            }
            if let Some(field) = &f.field {
                props.insert("field".into(), json!(field));
            }
            if !props.is_empty() {
                r.insert("properties".into(), Value::Object(props));
            }
            Value::Object(r)
        })
        .collect();

    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "chartgate",
                "version": tool_version,
                "rules": descriptors,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
