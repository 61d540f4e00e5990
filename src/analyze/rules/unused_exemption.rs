//! `unused-exemption`: an exemption in `chartgate.yaml`, or a suppression comment in a values
//! file, that suppressed nothing.
//!
//! Not a check over resources: reported once per run by
//! [`ExemptionSet::findings`](crate::analyze::exemptions::ExemptionSet::findings) and
//! [`Uses::findings`](crate::analyze::values_ignore::Uses::findings), like cargo-deny's warning
//! for unused `skip` entries.
crate::declare_rule! {
    /// ## What it does
    /// Reports an active exemption that suppressed no finding in any environment the run
    /// checked (an exemption for `environment: prod` is only judged when prod was checked). It
    /// points at the exemption's line in the config file.
    ///
    /// The same for a suppression comment in a values file
    /// (`# chartgate: ignore RULE reason="..."`) that suppressed no finding in any render of the
    /// run that read the file, at the comment. It is only judged when every environment that
    /// reads the file was rendered (not when `--env` left one out, nor when a render failed).
    ///
    /// ## Why
    /// An exemption that matches nothing is either stale (the finding was fixed) or wrong (a
    /// typo in the rule id or the resource glob) — in both cases it should go, before it
    /// silently accepts a future finding.
    ///
    /// ## Failing example
    /// ```yaml
    /// exemptions:
    ///   - {rule: image-registry, resource: "Deployment/renamed-long-ago", reason: "PLAT-9"}
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// exemptions: []   # the exemption was removed once its finding was fixed
    /// ```
    pub struct UnusedExemption { id: "unused-exemption", severity: Warning, summary: "An exemption in chartgate.yaml (or a suppression comment in a values file) suppresses no finding." }
}
