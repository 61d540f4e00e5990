//! `ignore-without-reason`: a suppression annotation must say why.
crate::declare_rule! {
    /// ## What it does
    /// A resource annotation `chartgate.io/ignore.<rule-id>: "<reason>"` suppresses that rule's
    /// findings on the resource. When the reason is empty (or only whitespace), or names a rule
    /// that does not exist, this rule reports it. An empty reason still suppresses the rule, so
    /// the one finding to fix is this one.
    ///
    /// ## Why
    /// A suppression without a reason cannot be reviewed or revisited; the reason is what the
    /// next person reads.
    ///
    /// ## Failing example
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     chartgate.io/ignore.image-registry: ""
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     chartgate.io/ignore.image-registry: "vendor image mirrored by PLAT-1234"
    /// ```
    pub struct IgnoreWithoutReason { id: "ignore-without-reason", severity: Warning, summary: "A chartgate.io/ignore.<rule> annotation gives a non-empty reason." }
}

use crate::analyze::engine::{IGNORE_PREFIX, Rule, RuleContext, Sink, raw};

impl Rule for IgnoreWithoutReason {
    fn info(&self) -> &'static crate::analyze::registry::RuleInfo {
        &Self::INFO
    }
    fn check<'a>(&self, ctx: &RuleContext<'a>, out: &mut Sink<'_>) {
        for r in ctx.resources {
            for (key, node) in &r.annotations {
                let Some(rule) = key.strip_prefix(IGNORE_PREFIX) else {
                    continue;
                };
                let field = Some(format!("metadata.annotations[\"{key}\"]"));
                let is_policy = ctx
                    .settings
                    .policies
                    .as_ref()
                    .is_some_and(|p| p.has_rule(rule));
                if crate::analyze::registry::find(rule).is_none() && !is_policy {
                    out.push(raw(
                        r,
                        node,
                        field,
                        format!("`{key}` names no chartgate rule (see `chartgate rules`)"),
                    ));
                } else if node.as_str().is_none_or(|s| s.trim().is_empty()) {
                    out.push(raw(
                        r,
                        node,
                        field,
                        format!("`{key}` suppresses `{rule}` without a reason; write why"),
                    ));
                }
            }
        }
    }
}
