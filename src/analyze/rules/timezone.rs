//! `timezone`: valid IANA time zones and cron schedules; CronJobs say which zone they run in.
crate::declare_rule! {
    /// ## What it does
    /// - A literal `TZ` environment variable of a container must be a valid IANA zone
    ///   (`Europe/Copenhagen`, `UTC`).
    /// - A CronJob `spec.schedule` must be a cron expression Kubernetes accepts: five fields or a
    ///   `@yearly`/`@annually`/`@monthly`/`@weekly`/`@daily`/`@midnight`/`@hourly` macro; a
    ///   `TZ=`/`CRON_TZ=` prefix is rejected as the API server rejects it.
    /// - `spec.timeZone`, when set, must be a valid IANA zone.
    /// - A CronJob without `spec.timeZone` gets an info finding: it runs in the controller's zone,
    ///   which is UTC on the platform. Option `require-cronjob-timezone: true` makes it an error.
    /// - A `hostPath` volume of `/etc/localtime` is flagged: set `TZ` instead.
    ///
    /// ## Why
    /// Clusters run in UTC. A wrong zone name silently falls back to UTC; a schedule written for
    /// local time fires an hour or two off; mounting the node's `/etc/localtime` ties the pod to
    /// the node's configuration.
    ///
    /// ## Options
    /// `require-cronjob-timezone` (boolean, default `false`).
    ///
    /// ## Failing example
    /// ```yaml
    /// kind: CronJob
    /// spec:
    ///   schedule: "CRON_TZ=Europe/Copenhagen 0 3 * * *"
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// kind: CronJob
    /// spec:
    ///   schedule: "0 3 * * *"
    ///   timeZone: Europe/Copenhagen
    /// ```
    pub struct Timezone { id: "timezone", severity: Error, summary: "Time zones are valid IANA names, cron schedules are valid and CronJobs state their time zone." }
}

use crate::analyze::cron::{valid_timezone, validate_schedule};
use crate::analyze::engine::{RawFinding, Rule, RuleContext, raw};
use crate::report::finding::Severity;
use crate::yaml::Node;

impl Rule for Timezone {
    fn info(&self) -> &'static crate::analyze::registry::RuleInfo {
        &Self::INFO
    }
    fn check<'a>(&self, ctx: &RuleContext<'a>, out: &mut Vec<RawFinding<'a>>) {
        let require = ctx
            .option(Self::INFO.id, "require-cronjob-timezone")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        for r in ctx.resources {
            for c in &r.containers {
                for (i, env) in c
                    .node
                    .get("env")
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    if env.get("name").and_then(Node::as_str) != Some("TZ") {
                        continue;
                    }
                    // Only literal values: valueFrom is resolved at runtime.
                    let Some(value) = env.get("value") else {
                        continue;
                    };
                    let tz = value.as_str().unwrap_or_default();
                    // Go accepts a leading ':' as a path form; an IANA name is what we want.
                    if !valid_timezone(tz) {
                        out.push(raw(r, value, Some(format!("{}.env[{i}].value", c.path)), format!("{}: TZ `{tz}` is not an IANA time zone (e.g. Europe/Copenhagen, UTC)", c.label())));
                    }
                }
            }
            if let Some((spec, path)) = r.pod_spec {
                for (i, vol) in spec
                    .get("volumes")
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    let Some(p) = vol.get_path(&["hostPath", "path"]) else {
                        continue;
                    };
                    let text = p.as_str().unwrap_or_default().trim_end_matches('/');
                    if text == "/etc/localtime"
                        || text == "/usr/share/zoneinfo"
                        || text.starts_with("/usr/share/zoneinfo/")
                    {
                        out.push(raw(r, p, Some(format!("{path}.volumes[{i}].hostPath.path")), format!("hostPath mount of `{text}` ties the pod to the node's clock settings; set the TZ environment variable instead")));
                    }
                }
            }
            if !r.is("batch", "CronJob") {
                continue;
            }
            let Some(spec) = r.node.get("spec") else {
                continue;
            };
            match spec.get("schedule") {
                Some(s) => match s.as_str() {
                    Some(text) => {
                        if let Err(e) = validate_schedule(text) {
                            out.push(raw(
                                r,
                                s,
                                Some("spec.schedule".into()),
                                format!("invalid schedule {e}"),
                            ));
                        }
                    }
                    None => out.push(raw(
                        r,
                        s,
                        Some("spec.schedule".into()),
                        "spec.schedule is not a string".into(),
                    )),
                },
                None => out.push(raw(
                    r,
                    spec,
                    Some("spec.schedule".into()),
                    "CronJob has no spec.schedule".into(),
                )),
            }
            match spec.get("timeZone") {
                Some(tz) if !tz.is_null() => {
                    let text = tz.as_str().unwrap_or_default();
                    if !valid_timezone(text) {
                        out.push(raw(r, tz, Some("spec.timeZone".into()), format!("spec.timeZone `{text}` is not an IANA time zone (e.g. Europe/Copenhagen, UTC)")));
                    }
                }
                _ => {
                    let node = spec.get("schedule").unwrap_or(spec);
                    let mut f = raw(
                        r,
                        node,
                        Some("spec.timeZone".into()),
                        "CronJob has no spec.timeZone: its schedule runs in UTC".into(),
                    );
                    if !require {
                        f.severity = Some(Severity::Info);
                    }
                    out.push(f);
                }
            }
        }
    }
}
