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
    /// - Argo Workflows `CronWorkflow`: each of `spec.schedule` / `spec.schedules[]` must parse
    ///   as Argo's `cron.ParseStandard` does (five fields or a descriptor; a `CRON_TZ=` prefix is
    ///   rejected, as the CronWorkflow CRD's schedule pattern rejects it: use `spec.timezone`); setting
    ///   both `schedule` and `schedules` is rejected as Argo rejects it; `spec.timezone` must be a
    ///   valid zone; without any zone an info finding says it runs in the controller's zone (UTC).
    /// - Argo Events `EventSource` calendars (`spec.calendar.<name>`): `schedule` must be five cron
    ///   fields (Argo Events' parser takes no `@` descriptors), else `interval` a positive Go
    ///   duration (`90s`, `1h30m`); one of them is required; `timezone` must be a valid zone;
    ///   a schedule without one gets an info finding: the calendar runs in UTC.
    ///   `require-cronjob-timezone: true` makes the missing-zone findings errors for these too.
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

use crate::analyze::cron::{
    Dialect, valid_go_duration, valid_timezone, validate_schedule, validate_schedule_as,
};
use crate::analyze::engine::{Rule, RuleContext, Sink, raw};
use crate::analyze::model::Resource;
use crate::model::Severity;
use crate::yaml::Node;

impl Rule for Timezone {
    fn info(&self) -> &'static crate::analyze::registry::RuleInfo {
        &Self::INFO
    }
    fn check<'a>(&self, ctx: &RuleContext<'a>, out: &mut Sink<'_>) {
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
            if r.is("argoproj.io", "CronWorkflow") {
                check_cron_workflow(r, require, out);
                continue;
            }
            if r.is("argoproj.io", "EventSource") {
                check_calendars(r, require, out);
                continue;
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

/// The missing-zone finding: info unless the option makes it an error.
fn missing_zone<'a>(
    r: &'a Resource<'a>,
    node: &'a Node,
    field: String,
    message: String,
    require: bool,
    out: &mut Sink<'_>,
) {
    let mut f = raw(r, node, Some(field), message);
    if !require {
        f.severity = Some(Severity::Info);
    }
    out.push(f);
}

/// An optional zone field: a finding when it is set and not an IANA zone. True when set.
fn zone_field<'a>(
    r: &'a Resource<'a>,
    spec: &'a Node,
    key: &str,
    field: &str,
    out: &mut Sink<'_>,
) -> bool {
    let Some(tz) = spec.get(key).filter(|n| !n.is_null()) else {
        return false;
    };
    let text = crate::analyze::model::scalar_text(tz).unwrap_or_default();
    if text.is_empty() {
        return false;
    }
    if !valid_timezone(&text) {
        out.push(raw(
            r,
            tz,
            Some(field.to_string()),
            format!("{field} `{text}` is not an IANA time zone (e.g. Europe/Copenhagen, UTC)"),
        ));
    }
    true
}

/// Argo Workflows `CronWorkflow`.
fn check_cron_workflow<'a>(r: &'a Resource<'a>, require: bool, out: &mut Sink<'_>) {
    let Some(spec) = r.node.get("spec") else {
        return;
    };
    let has_zone = zone_field(r, spec, "timezone", "spec.timezone", out);
    let mut schedules: Vec<(&'a Node, String)> = Vec::new();
    let single = spec.get("schedule").filter(|n| !n.is_null());
    let list = spec.get("schedules").filter(|n| !n.is_null());
    if let Some(n) = single {
        schedules.push((n, "spec.schedule".into()));
    }
    if let Some(l) = list {
        if let (Some(_), Some(items)) = (single, l.as_seq())
            && !items.is_empty()
        {
            out.push(raw(
                r,
                l,
                Some("spec.schedules".into()),
                "CronWorkflow sets both spec.schedule and spec.schedules; Argo Workflows rejects that (use spec.schedules)".into(),
            ));
        }
        for (i, n) in l.as_seq().unwrap_or_default().iter().enumerate() {
            schedules.push((n, format!("spec.schedules[{i}]")));
        }
    }
    if schedules.is_empty() {
        out.push(raw(
            r,
            spec,
            Some("spec.schedules".into()),
            "CronWorkflow has no spec.schedules (or spec.schedule)".into(),
        ));
        return;
    }
    let mut prefixed = false;
    for (node, field) in &schedules {
        let Some(text) = node.as_str() else {
            out.push(raw(
                r,
                node,
                Some(field.clone()),
                format!("{field} is not a string"),
            ));
            continue;
        };
        match validate_schedule_as(text, Dialect::ArgoWorkflows) {
            Err(e) => out.push(raw(r, node, Some(field.clone()), format!("invalid schedule {e}"))),
            Ok(Some(_)) if has_zone => out.push(raw(
                r,
                node,
                Some(field.clone()),
                format!("{field} `{text}` has a CRON_TZ= prefix and spec.timezone is set: Argo Workflows adds a second prefix and the schedule no longer parses; keep only spec.timezone"),
            )),
            Ok(Some(_)) => prefixed = true,
            Ok(None) => {}
        }
    }
    if !has_zone && !prefixed {
        missing_zone(
            r,
            schedules[0].0,
            "spec.timezone".into(),
            "CronWorkflow has no spec.timezone: its schedule runs in the workflow controller's time zone (UTC)".into(),
            require,
            out,
        );
    }
}

/// Argo Events `EventSource` calendars.
fn check_calendars<'a>(r: &'a Resource<'a>, require: bool, out: &mut Sink<'_>) {
    let Some(calendars) = r
        .node
        .get_path(&["spec", "calendar"])
        .and_then(Node::as_map)
    else {
        return;
    };
    for (k, cal) in calendars {
        let name = k.key_string();
        let base = format!("spec.calendar.{name}");
        if cal.as_map().is_none() {
            continue;
        }
        let has_zone = zone_field(r, cal, "timezone", &format!("{base}.timezone"), out);
        let schedule = cal
            .get("schedule")
            .filter(|n| n.as_str().is_some_and(|s| !s.is_empty()));
        let interval = cal
            .get("interval")
            .filter(|n| n.as_str().is_some_and(|s| !s.is_empty()));
        let mut prefixed = false;
        // Argo Events uses the schedule when set and ignores the interval.
        if let Some(n) = schedule {
            let text = n.as_str().unwrap_or_default();
            match validate_schedule_as(text, Dialect::ArgoEvents) {
                Err(e) => out.push(raw(
                    r,
                    n,
                    Some(format!("{base}.schedule")),
                    format!("invalid schedule {e}"),
                )),
                Ok(zone) => prefixed = zone.is_some(),
            }
        } else if let Some(n) = interval {
            let text = n.as_str().unwrap_or_default().trim();
            let positive = valid_go_duration(text)
                && !text.starts_with('-')
                && text
                    .trim_start_matches('+')
                    .chars()
                    .any(|c| c.is_ascii_digit() && c != '0');
            if !positive {
                out.push(raw(
                    r,
                    n,
                    Some(format!("{base}.interval")),
                    format!("invalid interval `{text}`: a positive Go duration is needed (e.g. 90s, 1h30m)"),
                ));
            }
        } else {
            out.push(raw(
                r,
                cal,
                Some(format!("{base}.schedule")),
                format!("calendar `{name}` has neither a schedule nor an interval"),
            ));
            continue;
        }
        // An interval is a constant delay: no time zone matters.
        if let Some(n) = schedule
            && !has_zone
            && !prefixed
        {
            missing_zone(
                r,
                n,
                format!("{base}.timezone"),
                format!(
                    "calendar `{name}` has no timezone: it runs in the event source's time zone (UTC)"
                ),
                require,
                out,
            );
        }
    }
}
