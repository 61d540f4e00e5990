//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning accepts it.
//!
//! One run per checked environment, each with its own `automationDetails.id` of
//! `chartgate/<env>/`: GitHub takes everything before the last `/` as the analysis category
//! (`chartgate/dev`), and one commit may carry one analysis per category. An environment
//! checked without findings still gets its (empty) run, so GitHub closes its fixed alerts.
//! Findings without an environment (plain manifests) form the run `chartgate/`. GitHub's upload
//! limits (25,000 results per run, 20 runs per file, 10 MB gzipped) are applied by
//! [`sarif_capped`], which says what it left out.
//!
//! Built with `serde_json` values rather than `serde-sarif`'s generated builder types: the
//! document is small, and `preserve_order` keeps the key order readable and stable. The output is
//! validated against the official schema (`schemas/sarif-2.1.0.json`) in `tests/report_sarif.rs`.

use serde_json::{Map, Value, json};

use super::baseline::fingerprint;
use super::finding::{Finding, Location, Severity};
use super::rules_info::{RuleDescriptor, repo_path, repo_relative, resource_label, sorted};

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
    let p = repo_path(&repo_relative(path));
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

fn rule_json(r: &RuleDescriptor) -> Value {
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

/// The depth of `runs[i].tool.driver.rules` in the log, and the indent of its elements (see
/// [`json_len_bound`]).
const RULES_DEPTH: usize = 5;
const RULE_INDENT: usize = 2 * (RULES_DEPTH + 1);

/// Every rule's descriptor, and [`json_len_bound`] of the array they make at
/// [`RULES_DEPTH`]. The built-in rules' are made once per process: they are constant text, and
/// remaking them for every report was most of the markdown summary's SARIF note. Without
/// `json` only the bound is wanted: the built-in descriptors are left out of the list.
fn described(rules: &[RuleDescriptor], json: bool) -> (Vec<Value>, usize) {
    static BUILTIN: std::sync::LazyLock<(Vec<Value>, usize)> =
        std::sync::LazyLock::new(|| items(super::builtin_rules()));
    fn items(rules: &[RuleDescriptor]) -> (Vec<Value>, usize) {
        let json: Vec<Value> = rules.iter().map(rule_json).collect();
        let bound = json
            .iter()
            .map(|d| RULE_INDENT + 2 + json_len_bound(d, RULES_DEPTH + 1))
            .sum();
        (json, bound)
    }
    let builtin = super::builtin_rules();
    let (mut list, mut bound, rest) = if rules.starts_with(builtin) {
        let list = if json { BUILTIN.0.clone() } else { Vec::new() };
        (list, BUILTIN.1, &rules[builtin.len()..])
    } else {
        (Vec::new(), 0, rules)
    };
    let (more, more_bound) = items(rest);
    list.extend(more);
    bound += more_bound;
    (list, 2 * RULE_INDENT + 4 + bound)
}

/// GitHub code scanning's upload limits.
#[derive(Clone, Copy, Debug)]
pub struct SarifLimits {
    pub results_per_run: usize,
    pub runs_per_file: usize,
    pub gzip_bytes: usize,
}

impl Default for SarifLimits {
    fn default() -> Self {
        SarifLimits {
            results_per_run: 25_000,
            runs_per_file: 20,
            gzip_bytes: 10 * 1024 * 1024,
        }
    }
}

/// The SARIF log with one run per environment (see the module docs), under GitHub's limits.
pub fn sarif(findings: &[Finding], rules: &[RuleDescriptor], tool_version: &str) -> String {
    sarif_capped(findings, &[], rules, tool_version, SarifLimits::default()).0
}

/// The `automationDetails.id` of an environment's run (`/` in a name becomes `-`).
pub fn automation_id(environment: Option<&str>) -> String {
    match environment {
        Some(e) => format!("chartgate/{}/", e.replace('/', "-")),
        None => "chartgate/".to_string(),
    }
}

/// The SARIF log and the notes saying what GitHub's limits left out (empty when nothing).
/// `environments` are every checked environment (runs without findings included).
pub fn sarif_capped(
    findings: &[Finding],
    environments: &[String],
    rules: &[RuleDescriptor],
    tool_version: &str,
    limits: SarifLimits,
) -> (String, Vec<String>) {
    capped(findings, environments, rules, tool_version, limits, true)
}

/// The notes of [`sarif_capped`] alone (the markdown summary repeats them). The log is written
/// only when its size could reach the gzip limit: an upper bound of its length
/// ([`json_len_bound`]) that surely fits answers for it.
pub fn sarif_notes(
    findings: &[Finding],
    environments: &[String],
    rules: &[RuleDescriptor],
    tool_version: &str,
    limits: SarifLimits,
) -> Vec<String> {
    capped(findings, environments, rules, tool_version, limits, false).1
}

fn capped(
    findings: &[Finding],
    environments: &[String],
    rules: &[RuleDescriptor],
    tool_version: &str,
    limits: SarifLimits,
    text: bool,
) -> (String, Vec<String>) {
    let (mut descriptors, mut rules_bound) = described(rules, text);
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
        let d = json!({
            "id": id,
            "name": id,
            "shortDescription": {"text": id},
            "defaultConfiguration": {"level": "error"},
        });
        rules_bound += RULE_INDENT + 2 + json_len_bound(&d, RULES_DEPTH + 1);
        descriptors.push(d);
        ids.push(id.to_string());
    }
    let descriptors = Value::Array(descriptors);

    // Runs: every checked environment, every environment findings name, and the run without
    // environment when some finding has none (or nothing names an environment).
    let mut groups: std::collections::BTreeMap<Option<&str>, Vec<&Finding>> = environments
        .iter()
        .map(|e| (Some(e.as_str()), Vec::new()))
        .collect();
    for f in &ordered {
        groups.entry(f.environment.as_deref()).or_default().push(f);
    }
    if groups.is_empty() {
        groups.insert(None, Vec::new());
    }
    let mut notes = Vec::new();
    if groups.len() > limits.runs_per_file {
        let dropped: Vec<String> = groups
            .keys()
            .skip(limits.runs_per_file)
            .map(|e| e.unwrap_or("(none)").to_string())
            .collect();
        notes.push(format!(
            "SARIF capped: GitHub takes at most {} runs per file; the runs of {} environment(s) were left out: {}",
            limits.runs_per_file,
            dropped.len(),
            dropped.join(", ")
        ));
        let keep: Vec<Option<&str>> = groups.keys().take(limits.runs_per_file).copied().collect();
        groups.retain(|k, _| keep.contains(k));
    }
    // Within a run, errors first when results must be left out.
    for fs in groups.values_mut() {
        fs.sort_by_key(|f| std::cmp::Reverse(f.severity));
    }
    let mut per_run = limits.results_per_run;
    loop {
        let mut capped_runs = Vec::new();
        let runs: Vec<Value> = groups
            .iter()
            .map(|(env, fs)| {
                let mut kept: Vec<&Finding> = fs.iter().take(per_run).copied().collect();
                if kept.len() < fs.len() {
                    capped_runs.push(format!(
                        "{}: {} of {} results",
                        env.unwrap_or("(none)"),
                        kept.len(),
                        fs.len()
                    ));
                }
                kept = sorted_refs(kept);
                // Without the text, each run's rules are counted by `rules_bound` below
                // instead of being copied into every run.
                let rules = if text {
                    descriptors.clone()
                } else {
                    Value::Array(Vec::new())
                };
                run_json(&kept, *env, &ids, rules, tool_version)
            })
            .collect();
        let mut doc = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": null,
        });
        doc["runs"] = Value::Array(runs);
        // `+ 1`: the final line break.
        let bound = || json_len_bound(&doc, 0) + 1 + groups.len() * rules_bound;
        let s = if !text {
            if !surely_fits(bound(), limits.gzip_bytes) {
                // The log must be written and measured: the same loop, with the rules.
                return capped(findings, environments, rules, tool_version, limits, true);
            }
            String::new()
        } else {
            let mut s = super::clean::json(serde_json::to_string_pretty(&doc).unwrap_or_default());
            s.push('\n');
            s
        };
        let too_big = per_run > 0
            && !surely_fits(s.len(), limits.gzip_bytes)
            && gzip_len(s.as_bytes()) > limits.gzip_bytes;
        if too_big {
            per_run /= 2;
            continue;
        }
        if !capped_runs.is_empty() {
            notes.push(format!(
                "SARIF capped to GitHub's limits ({} results per run, {} MB gzipped): {}; every finding is in the other reports",
                limits.results_per_run,
                limits.gzip_bytes / (1024 * 1024),
                capped_runs.join("; ")
            ));
        }
        return (s, notes);
    }
}

/// Findings back in report order after a severity-first selection.
fn sorted_refs(mut v: Vec<&Finding>) -> Vec<&Finding> {
    v.sort_by_cached_key(|f| {
        (
            repo_path(&f.location.file),
            f.location.line,
            f.location.column,
            f.rule.clone(),
            f.chart.clone(),
            f.message.clone(),
        )
    });
    v
}

/// Whether `len` bytes gzip to at most `limit` bytes whatever they hold, so the log need not
/// be compressed to know it: deflate sends a block that would grow as a stored block (5 bytes
/// of header per at most 65,535 bytes) and gzip adds 18 bytes; an eighth plus 64 bytes is far
/// above both.
fn surely_fits(len: usize, limit: usize) -> bool {
    len.saturating_add(len / 8).saturating_add(64) <= limit
}

/// At least the length of `v` written by `serde_json::to_string_pretty` (two-space indent) at
/// nesting `depth` and escaped by [`super::clean::json`]: a string byte becomes at most six
/// (`\u001b`), a number at most 24 characters, and every element of a container takes its
/// indent, a key, `": "`, a comma and a line break.
fn json_len_bound(v: &Value, depth: usize) -> usize {
    let indent = 2 * (depth + 1);
    match v {
        Value::Null | Value::Bool(_) => 5,
        Value::Number(_) => 24,
        Value::String(s) => 2 + 6 * s.len(),
        Value::Array(items) => items.iter().fold(2 * indent + 4, |n, item| {
            n + indent + 2 + json_len_bound(item, depth + 1)
        }),
        Value::Object(map) => map.iter().fold(2 * indent + 4, |n, (k, item)| {
            n + indent + 4 + (2 + 6 * k.len()) + json_len_bound(item, depth + 1)
        }),
    }
}

fn gzip_len(bytes: &[u8]) -> usize {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = e.write_all(bytes);
    e.finish().map(|v| v.len()).unwrap_or(usize::MAX)
}

/// One run: the tool, its category and results.
fn run_json(
    ordered: &[&Finding],
    env: Option<&str>,
    ids: &[String],
    rules: Value,
    tool_version: &str,
) -> Value {
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

    // `json!` would copy the rules and results through `Serialize`; they are moved in instead.
    let mut run = json!({
        "tool": {"driver": {
            "name": "chartgate",
            "version": tool_version,
            "rules": null,
        }},
        "automationDetails": {"id": automation_id(env)},
        "columnKind": "unicodeCodePoints",
        "results": null,
    });
    run["tool"]["driver"]["rules"] = rules;
    run["results"] = Value::Array(results);
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surely_fits_is_a_bound_on_the_gzipped_size() {
        // Incompressible bytes (xorshift), empty and short texts, and a large stored block run.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let noise: Vec<u8> = (0..300_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        for len in [0, 1, 2, 17, 100, 4096, 65_535, 65_536, 131_073, 300_000] {
            let bytes = &noise[..len];
            let gz = gzip_len(bytes);
            // Under any limit the gzipped log exceeds, the shortcut must not claim it fits.
            assert!(!surely_fits(len, gz - 1), "{len} bytes gzip to {gz}");
        }
        assert!(!surely_fits(usize::MAX, usize::MAX - 1));
    }

    #[test]
    fn json_len_bound_is_at_least_the_escaped_pretty_length() {
        let hostile = "a\u{7f}\u{85}\u{202e}\u{200b}\r\u{1b}[2J\"\\ é 😀\u{1}";
        let v = json!({
            "s": hostile,
            hostile: [1, -1.5e300, u64::MAX, null, true, [], {}, [[[hostile]]]],
            "o": {"k": {"k": [{"": ""}]}},
        });
        for doc in [
            v.clone(),
            json!([v.clone(), v]),
            json!(hostile),
            json!([]),
            json!({}),
        ] {
            let text = crate::report::clean::json(serde_json::to_string_pretty(&doc).unwrap());
            assert!(json_len_bound(&doc, 0) >= text.len(), "{text}");
        }
        let finding = Finding {
            rule: hostile.into(),
            severity: Severity::Error,
            message: hostile.repeat(3),
            resource: None,
            location: Location {
                file: hostile.into(),
                line: 1,
                column: 1,
            },
            related: vec![(
                hostile.into(),
                Location {
                    file: "r.yaml".into(),
                    line: 2,
                    column: 3,
                },
            )],
            environment: Some(hostile.into()),
            chart: Some(hostile.into()),
            field: Some(hostile.into()),
        };
        let findings = vec![finding.clone(), finding];
        let rules = crate::report::builtin_rules_info();
        let limits = SarifLimits::default();
        let (text, notes) = sarif_capped(&findings, &["dev".into()], &rules, "1", limits);
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert!(json_len_bound(&doc, 0) + 1 >= text.len());
        assert_eq!(
            sarif_notes(&findings, &["dev".into()], &rules, "1", limits),
            notes
        );
        for gzip_bytes in [0, 100, 2_000, 20_000] {
            let tiny = SarifLimits {
                gzip_bytes,
                ..limits
            };
            let (_, notes) = sarif_capped(&findings, &[], &rules, "1", tiny);
            assert_eq!(sarif_notes(&findings, &[], &rules, "1", tiny), notes);
        }
    }

    #[test]
    fn described_bounds_are_the_bound_of_the_rules_array() {
        let builtin = crate::report::builtin_rules_info();
        let mut with_policy = builtin.clone();
        with_policy.push(RuleDescriptor {
            id: "p.deny".into(),
            summary: "a\u{1b}b".into(),
            description: "\"".into(),
            help: "h".repeat(100),
            default_severity: Severity::Warning,
        });
        for rules in [&builtin[..], &with_policy[..], &with_policy[3..], &[]] {
            let (list, bound) = described(rules, true);
            assert_eq!(list, rules.iter().map(rule_json).collect::<Vec<_>>());
            assert_eq!(
                bound,
                json_len_bound(&Value::Array(list.clone()), RULES_DEPTH)
            );
            assert_eq!(described(rules, false).1, bound);
            // RULES_DEPTH is where the rules sit in the log: the log's bound with them equals
            // its bound with an empty list plus theirs less the empty list's.
            let log = |rules: Value| {
                let mut doc = json!({"version": "2.1.0", "runs": null});
                doc["runs"] = json!([null]);
                doc["runs"][0] = run_json(&[], None, &[], rules, "1");
                json_len_bound(&doc, 0)
            };
            let empty = json_len_bound(&json!([]), RULES_DEPTH);
            assert_eq!(log(Value::Array(list)), log(json!([])) - empty + bound);
        }
    }
}
