//! Which part of `data.chartgate.context` the policies read.
//!
//! regorus re-analyses every module whenever `data` changes (`Engine::prepare_for_eval`: the
//! scheduler and loop hoisting, data-independent but redone all the same), and the context —
//! environment, cluster, namespace, chart, release, the render's values — is new for every
//! chart × environment. That re-analysis was 12% of the org benchmark's CPU time (perf). So the
//! loader finds the context fields the policies name (`data.chartgate.context.namespace`), the
//! engine is given only those, and each thread keeps a few prepared engines keyed by that
//! trimmed context: renders of the same environment then share one.
//!
//! The scan is conservative: any reference that could read the whole object — `data` alone or
//! indexed (`data[x]`), `data.chartgate` or `data.chartgate.context` not followed by a field name
//! (an import, `object.get(data.chartgate.context, ...)`, `with ... as`) — means every field.
//! Comments and string literals are not code and are skipped.

use std::borrow::Cow;
use std::collections::BTreeSet;

/// The context fields the policies may read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContextUse {
    /// Only these fields (possibly none).
    Fields(BTreeSet<String>),
    /// The whole object.
    All,
}

impl ContextUse {
    /// The fields of `texts` (Rego sources) read from `data.chartgate.context`.
    pub fn scan<'a>(texts: impl IntoIterator<Item = &'a str>) -> ContextUse {
        let mut fields = BTreeSet::new();
        for text in texts {
            if !scan_one(text, &mut fields) {
                return ContextUse::All;
            }
        }
        ContextUse::Fields(fields)
    }

    /// Whether the policies may read the context's `field`.
    pub fn reads(&self, field: &str) -> bool {
        match self {
            ContextUse::Fields(fields) => fields.contains(field),
            ContextUse::All => true,
        }
    }

    /// `context` with only the fields the policies read.
    pub fn trim<'a>(&self, context: &'a serde_json::Value) -> Cow<'a, serde_json::Value> {
        match (self, context) {
            (ContextUse::Fields(fields), serde_json::Value::Object(m)) => {
                Cow::Owned(serde_json::Value::Object(
                    m.iter()
                        .filter(|(k, _)| fields.contains(k.as_str()))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                ))
            }
            _ => Cow::Borrowed(context),
        }
    }
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn ident(s: &str) -> &str {
    &s[..s.find(|c: char| !is_ident(c)).unwrap_or(s.len())]
}

/// `text` with comments and string literals (`"..."` with escapes, raw `` `...` ``) blanked
/// out, so only code is scanned.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '#' => {
                out.push(' ');
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                out.push(' ');
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' | '\n' => break,
                        _ => {}
                    }
                }
                out.push(' ');
            }
            '`' => {
                out.push(' ');
                for c in chars.by_ref() {
                    if c == '`' {
                        break;
                    }
                }
                out.push(' ');
            }
            c => out.push(c),
        }
    }
    out
}

/// Adds the fields `text` reads to `fields`; false when it may read the whole context.
fn scan_one(text: &str, fields: &mut BTreeSet<String>) -> bool {
    let text = &code_only(text);
    for (i, _) in text.match_indices("data") {
        let before = text[..i].chars().next_back();
        let rest = &text[i + 4..];
        // Part of a longer name (`metadata`, `database`) or a field (`input.data`).
        if before.is_some_and(|c| is_ident(c) || c == '.')
            || rest.chars().next().is_some_and(is_ident)
        {
            continue;
        }
        let Some(r) = rest.strip_prefix('.') else {
            return false;
        };
        let top = ident(r);
        if top != "chartgate" {
            continue;
        }
        let Some(r) = r[top.len()..].strip_prefix('.') else {
            return false;
        };
        let key = ident(r);
        if key != "context" {
            continue;
        }
        let Some(r) = r[key.len()..].strip_prefix('.') else {
            return false;
        };
        let field = ident(r);
        if field.is_empty() {
            return false;
        }
        fields.insert(field.to_string());
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(list: &[&str]) -> ContextUse {
        ContextUse::Fields(list.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn named_fields_only_are_read() {
        let p = "deny contains m if { data.chartgate.context.environment == \"prod\"; \
                 x := data.chartgate.allowed[data.chartgate.context.namespace]; \
                 input.metadata.data; m := data.lib.x }";
        assert_eq!(ContextUse::scan([p]), fields(&["environment", "namespace"]));
        assert_eq!(
            ContextUse::scan(["package main\ndeny contains 1 if input.x"]),
            fields(&[])
        );
        // Comments and string literals are not references.
        let p = r#"# reads `data` once
x := "data"
y := `data[1]`
z := "a\"data" # data
w := data.chartgate.context.cluster"#;
        assert_eq!(ContextUse::scan([p]), fields(&["cluster"]));
    }

    #[test]
    fn any_whole_reference_reads_everything() {
        for p in [
            "x := object.get(data.chartgate.context, \"environment\", \"\")",
            "import data.chartgate\ny := chartgate.context.values",
            "import data.chartgate.context as ctx",
            "x := data.chartgate.context[\"values\"]",
            "x := data[\"chartgate\"]",
            "x := walk(data)",
            "x := data.chartgate",
        ] {
            assert_eq!(
                ContextUse::scan(["data.chartgate.context.a", p]),
                ContextUse::All,
                "{p}"
            );
        }
    }

    #[test]
    fn the_bundled_policies_read_named_fields_only() {
        let sources = crate::analyze::rego::PolicySet::bundled();
        assert_eq!(
            ContextUse::scan(sources.iter().map(|s| s.text.as_str())),
            fields(&["destinations", "environment", "namespace"])
        );
    }

    #[test]
    fn trim_keeps_the_named_fields() {
        let ctx = serde_json::json!({"environment": "dev", "values": {"a": 1}, "chart": "c"});
        assert_eq!(
            *fields(&["environment", "cluster"]).trim(&ctx),
            serde_json::json!({"environment": "dev"})
        );
        assert_eq!(*ContextUse::All.trim(&ctx), ctx);
    }
}
