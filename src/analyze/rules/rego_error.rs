//! `rego-error`: a Rego policy could not be evaluated.
//!
//! Not a check over resources: the engine emits it when evaluating a policy fails
//! ([`REGO_ERROR`](crate::analyze::engine::REGO_ERROR)).
crate::declare_rule! {
    /// ## What it does
    /// Reports a Rego policy that failed at run time — conflicting values of a complete rule, a
    /// builtin regorus does not implement (named in the message), a `deny`/`warn`/`violation`
    /// result that is neither a string nor an object with a string `msg`, or an evaluation that
    /// ran into the time limit (`limits.render-seconds` per rule and input), a builtin refused to
    /// build a result larger than what is left of the memory budget (`numbers.range would
    /// allocate about … MiB, more than the … MiB left of the memory budget`) — at the policy's
    /// file and line, once per rule and input: the other rules, inputs and charts are still
    /// evaluated and reported. It is always an error, and no config level, annotation or
    /// exemption can silence it.
    ///
    /// ## Why
    /// A policy that cannot be evaluated has not checked anything: passing silently would let
    /// exactly what it was written to stop through. chartgate fails closed.
    ///
    /// ## Failing example
    /// ```rego
    /// package main
    /// import rego.v1
    /// tier := "gold" if input.kind == "Service"
    /// tier := "silver" if input.metadata.name == "web"   # both true for Service/web: conflict
    /// deny contains "bronze" if tier == "bronze"
    /// ```
    ///
    /// ## Passing example
    /// ```rego
    /// package main
    /// import rego.v1
    /// tier := "gold" if input.kind == "Service"
    /// else := "silver" if input.metadata.name == "web"
    /// deny contains "bronze" if tier == "bronze"
    /// ```
    pub struct RegoError { id: "rego-error", severity: Error, summary: "A Rego policy failed to evaluate (the check fails closed)." }
}
