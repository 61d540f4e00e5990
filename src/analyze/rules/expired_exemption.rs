//! `expired-exemption`: an exemption in `chartgate.yaml` whose `expires` date has passed.
//!
//! Not a check over resources: the engine's sink applies exemptions and
//! [`ExemptionSet::findings`](crate::analyze::exemptions::ExemptionSet::findings) reports this
//! once per run, at the exemption's line in the config file.
crate::declare_rule! {
    /// ## What it does
    /// An exemption (`exemptions:` in `chartgate.yaml`) with an `expires` date before today no
    /// longer suppresses anything: the findings it accepted are reported again, and this rule
    /// reports the exemption itself at its line in the config file. "Today" is the local date,
    /// or `CHARTGATE_TODAY` (`YYYY-MM-DD`) when set, so a CI run can be reproduced.
    ///
    /// ## Why
    /// An exemption is a debt with a due date; when the date passes, the team either fixes the
    /// finding or renews the exemption with a new reason and date — it never silently lives on.
    ///
    /// ## Failing example
    /// ```yaml
    /// exemptions:
    ///   - {rule: image-registry, resource: "Deployment/legacy-*", reason: "PLAT-123", expires: 2020-01-31}
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// exemptions:
    ///   - {rule: image-registry, resource: "Deployment/legacy-*", reason: "PLAT-123", expires: 2099-01-31}
    /// ```
    pub struct ExpiredExemption { id: "expired-exemption", severity: Warning, summary: "An exemption in chartgate.yaml is past its expires date and no longer applies." }
}
