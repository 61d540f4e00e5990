//! What every rule declares about itself (see `declare_rule!` in `analyze/registry.rs`).

use super::finding::Severity;

/// Metadata of one rule, as declared next to its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleInfo {
    /// Stable kebab-case id: what users type in config, annotations and what SARIF calls `ruleId`.
    pub id: &'static str,
    /// Severity when the config says nothing.
    pub default_severity: Severity,
    /// One line, shown by `chartgate rules`.
    pub summary: &'static str,
    /// Markdown documentation: `## What it does`, `## Why`, `## Failing example`,
    /// `## Passing example` (and optionally `## Options`).
    pub docs: &'static str,
}

impl RuleInfo {
    /// The docs as Markdown (the one leading space of each `///` line removed).
    pub fn docs_text(&self) -> String {
        let mut out = String::new();
        for line in self.docs.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim().to_string() + "\n"
    }

    /// The text under a `## heading` of the docs, trimmed (empty when absent).
    pub fn section(&self, heading: &str) -> String {
        let docs = format!("\n{}", self.docs_text());
        let marker = format!("\n## {heading}\n");
        let Some(start) = docs.find(&marker) else {
            return String::new();
        };
        let body = &docs[start + marker.len()..];
        let end = body.find("\n## ").unwrap_or(body.len());
        body[..end].trim().to_string()
    }
}
