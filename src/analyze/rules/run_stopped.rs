//! `run-stopped`: the run's backstop stopped the process before it finished.
//!
//! Not a check over resources: the watchdog (`budget::watchdog`) writes it, prepared before it
//! is needed, into every requested report when it ends the process.
crate::declare_rule! {
    /// ## What it does
    /// Reports a run that was stopped before it finished: the process held more than
    /// `limits.run-memory` + 25%, or ran past `limits.run-seconds` + max(5 s, 25%), inside an
    /// operation that checks no budget of its own (a Rego comparison or `print` of a value
    /// shared into itself, inputs of millions of objects). The process then ends with exit
    /// code 2, and every report file asked for (`--format`, `--output`) holds this one finding
    /// instead of the run's findings: nothing was checked to the end, so nothing may pass. It
    /// cannot be turned off or exempted.
    ///
    /// ## Why
    /// A gate that stops without a report leaves the pull request's check without an
    /// explanation, and a CI step reading the SARIF or JSON file would find a stale one or none.
    /// The finding says what stopped the run and which limit to look at.
    ///
    /// ## Failing example
    /// ```rego
    /// # a policy of the pull request: a list doubled 40 times, compared with itself
    /// x0 := [1]
    /// x1 := array.concat(x0, x0)
    /// # ... up to x40
    /// deny contains "never" if x40 == y40
    /// ```
    ///
    /// ## Passing example
    /// ```rego
    /// deny contains msg if {
    ///     input.kind == "Deployment"
    ///     not input.spec.template.spec.containers[0].resources.limits.memory
    ///     msg := "set a memory limit"
    /// }
    /// ```
    pub struct RunStopped { id: "run-stopped", severity: Error, summary: "The run was stopped by its memory or time backstop before it finished (exit code 2)." }
}
