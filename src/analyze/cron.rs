//! CronJob schedule validation as Kubernetes does it: `robfig/cron/v3`'s standard parser (five
//! fields: minute hour day-of-month month day-of-week, names like `JAN`/`MON`, `*`, `?`, ranges,
//! lists and steps, plus the `@yearly … @hourly` and `@every <duration>` descriptors), and the
//! API server's extra rule that a schedule may not carry a `TZ=`/`CRON_TZ=` prefix (use
//! `spec.timeZone`).
//!
//! Hand-written rather than `croner`: croner accepts extensions robfig rejects (`L`, `W`, `#`,
//! seconds), and the point of this rule is to say what Kubernetes will say.

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// Validates a CronJob `spec.schedule`; `Err` explains the problem.
pub fn validate_schedule(schedule: &str) -> Result<(), String> {
    validate_schedule_as(schedule, Dialect::Kubernetes).map(|_| ())
}

/// Whose cron parser reads a schedule. All three are `robfig/cron/v3`, configured differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// Kubernetes CronJob: the standard parser, and the API server rejects a `TZ=` prefix.
    Kubernetes,
    /// Argo Workflows CronWorkflow: `cron.ParseStandard` (five fields, descriptors, and a
    /// `TZ=`/`CRON_TZ=` prefix naming the zone).
    ArgoWorkflows,
    /// Argo Events calendar: `cron.NewParser(Minute|Hour|Dom|Month|Dow)`: five fields, no
    /// `@` descriptors; robfig still reads a `TZ=`/`CRON_TZ=` prefix.
    ArgoEvents,
}

/// Validates a schedule as `dialect` parses it. `Ok(Some(zone))` when the schedule carries a
/// `TZ=`/`CRON_TZ=` prefix (Argo dialects only; the zone is checked).
pub fn validate_schedule_as(schedule: &str, dialect: Dialect) -> Result<Option<String>, String> {
    let s = schedule.trim();
    if s.is_empty() {
        return Err("the schedule is empty".into());
    }
    let mut zone = None;
    let mut body = s;
    if s.starts_with("TZ=") || s.starts_with("CRON_TZ=") {
        if dialect == Dialect::Kubernetes {
            return Err(format!(
                "`{s}`: a TZ= or CRON_TZ= prefix is not supported by Kubernetes, set spec.timeZone instead"
            ));
        }
        // robfig parses the prefix, but the CronWorkflow CRD's schedule pattern rejects it and
        // Argo adds its own `CRON_TZ=` from spec.timezone.
        if dialect == Dialect::ArgoWorkflows {
            return Err(format!(
                "`{s}`: a TZ= or CRON_TZ= prefix is rejected by the CronWorkflow schema, set spec.timezone instead"
            ));
        }
        // robfig: the zone runs to the first space; the rest is the schedule.
        let Some((prefix, rest)) = s.split_once(' ') else {
            return Err(format!("`{s}`: a time zone prefix without a schedule"));
        };
        let tz = prefix.split_once('=').map(|(_, z)| z).unwrap_or_default();
        if !valid_timezone(tz) {
            return Err(format!(
                "`{s}`: `{tz}` is not an IANA time zone (e.g. Europe/Copenhagen, UTC)"
            ));
        }
        zone = Some(tz.to_string());
        body = rest.trim();
    }
    if dialect == Dialect::ArgoEvents && body.starts_with('@') {
        return Err(format!(
            "`{s}`: Argo Events calendars take five cron fields, not `@` descriptors (use `interval` for `@every`)"
        ));
    }
    validate_body(body, s).map(|()| zone)
}

/// The schedule after any zone prefix; `s` is the whole schedule, for messages.
fn validate_body(body: &str, s: &str) -> Result<(), String> {
    if body.is_empty() {
        return Err(format!("`{s}`: the schedule is empty"));
    }
    if let Some(d) = body.strip_prefix('@') {
        return match d {
            "yearly" | "annually" | "monthly" | "weekly" | "daily" | "midnight" | "hourly" => {
                Ok(())
            }
            _ => match d.strip_prefix("every ") {
                Some(dur) if valid_go_duration(dur.trim()) => Ok(()),
                Some(dur) => Err(format!(
                    "`{s}`: `{}` is not a Go duration (e.g. 1h30m)",
                    dur.trim()
                )),
                None => Err(format!("`{s}`: unknown descriptor `@{d}`")),
            },
        };
    }
    let fields: Vec<&str> = body.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "`{s}`: expected exactly 5 fields (minute hour day-of-month month day-of-week), found {}",
            fields.len()
        ));
    }
    let specs: [(&str, u32, u32, &[&str]); 5] = [
        ("minute", 0, 59, &[]),
        ("hour", 0, 23, &[]),
        ("day-of-month", 1, 31, &[]),
        ("month", 1, 12, &MONTHS),
        ("day-of-week", 0, 6, &DAYS),
    ];
    for (field, (name, min, max, names)) in fields.iter().zip(specs) {
        validate_field(field, min, max, names)
            .map_err(|e| format!("`{s}`: {name} field `{field}`: {e}"))?;
    }
    Ok(())
}

fn validate_field(field: &str, min: u32, max: u32, names: &[&str]) -> Result<(), String> {
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, st)) => (r, Some(st)),
            None => (part, None),
        };
        let (lo, hi) = if range == "*" || range == "?" {
            (min, max)
        } else {
            match range.split_once('-') {
                Some((a, b)) => (value(a, min, max, names)?, value(b, min, max, names)?),
                None => {
                    let v = value(range, min, max, names)?;
                    (v, if step.is_some() { max } else { v })
                }
            }
        };
        if lo > hi {
            return Err(format!("range start {lo} is after its end {hi}"));
        }
        if let Some(st) = step {
            match st.parse::<u32>() {
                Ok(0) => return Err("step of zero".into()),
                Ok(_) => {}
                Err(_) => return Err(format!("bad step `{st}`")),
            }
        }
    }
    Ok(())
}

fn value(v: &str, min: u32, max: u32, names: &[&str]) -> Result<u32, String> {
    if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(v)) {
        // Months are 1-based, days 0-based: offset by the field's minimum.
        return Ok(i as u32 + min);
    }
    let n: u32 = v.parse().map_err(|_| format!("`{v}` is not a number"))?;
    if n < min || n > max {
        return Err(format!("{n} is out of range {min}-{max}"));
    }
    Ok(n)
}

/// Whether Go's `time.ParseDuration` takes `d` ([`crate::gocompat::duration`]): one or more
/// `<number><unit>` with units ns us µs ms s m h, within int64 nanoseconds.
pub fn valid_go_duration(d: &str) -> bool {
    crate::gocompat::duration::parse_duration(d).is_ok()
}

/// True when `tz` is an IANA time zone name known to the tz database (as Go's
/// `time.LoadLocation`, which Kubernetes uses; `Local` is rejected like the API server does).
pub fn valid_timezone(tz: &str) -> bool {
    tz != "Local" && tz.parse::<chrono_tz::Tz>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        for ok in [
            "*/5 * * * *",
            "0 3 * * 1-5",
            "0 0 1 JAN,jul ?",
            "30 2 * * SUN",
            "@daily",
            "@annually",
            "@midnight",
            "@every 1h30m",
            "0 0-23/2 * * *",
            "5/15 * * * *",
        ] {
            assert_eq!(validate_schedule(ok), Ok(()), "{ok}");
        }
        assert_eq!(
            validate_schedule("TZ=Europe/Copenhagen 0 3 * * *").unwrap_err(),
            "`TZ=Europe/Copenhagen 0 3 * * *`: a TZ= or CRON_TZ= prefix is not supported by Kubernetes, set spec.timeZone instead"
        );
        assert_eq!(
            validate_schedule("0 3 * *").unwrap_err(),
            "`0 3 * *`: expected exactly 5 fields (minute hour day-of-month month day-of-week), found 4"
        );
        assert_eq!(
            validate_schedule("0 24 * * *").unwrap_err(),
            "`0 24 * * *`: hour field `24`: 24 is out of range 0-23"
        );
        for bad in [
            "0 0 0 * *",
            "* * * * 7",
            "0 0 * * * *",
            "*/0 * * * *",
            "5-1 * * * *",
            "@weekdays",
            "0 0 L * *",
            "CRON_TZ=UTC 0 0 * * *",
            "@every 1d",
            "",
        ] {
            assert!(validate_schedule(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn argo_dialects() {
        use Dialect::*;
        assert_eq!(
            validate_schedule_as("CRON_TZ=Europe/Copenhagen 0 3 * * *", ArgoEvents),
            Ok(Some("Europe/Copenhagen".into()))
        );
        assert!(validate_schedule_as("CRON_TZ=UTC 0 3 * * *", ArgoWorkflows).is_err());
        assert_eq!(validate_schedule_as("@daily", ArgoWorkflows), Ok(None));
        assert_eq!(validate_schedule_as("0 3 * * *", ArgoEvents), Ok(None));
        assert_eq!(
            validate_schedule_as("@daily", ArgoEvents).unwrap_err(),
            "`@daily`: Argo Events calendars take five cron fields, not `@` descriptors (use `interval` for `@every`)"
        );
        assert_eq!(
            validate_schedule_as("TZ=Europe/Aarhus 0 3 * * *", ArgoEvents).unwrap_err(),
            "`TZ=Europe/Aarhus 0 3 * * *`: `Europe/Aarhus` is not an IANA time zone (e.g. Europe/Copenhagen, UTC)"
        );
        assert_eq!(
            validate_schedule_as("0 0 3 * * *", ArgoWorkflows).unwrap_err(),
            "`0 0 3 * * *`: expected exactly 5 fields (minute hour day-of-month month day-of-week), found 6"
        );
        assert!(validate_schedule_as("CRON_TZ=UTC", ArgoWorkflows).is_err());
        assert!(valid_go_duration("90s") && valid_go_duration("1h30m") && !valid_go_duration("1d"));
        // The old hand-written check took these; Go's ParseDuration does not.
        assert!(!valid_go_duration("1..5s") && !valid_go_duration("9999999999999h"));
        assert_eq!(
            validate_schedule("@every 1..5s").unwrap_err(),
            "`@every 1..5s`: `1..5s` is not a Go duration (e.g. 1h30m)"
        );
    }

    #[test]
    fn timezones() {
        assert!(valid_timezone("Europe/Copenhagen"));
        assert!(valid_timezone("UTC"));
        assert!(!valid_timezone("Europe/Aarhus"));
        assert!(!valid_timezone("CET+1"));
        assert!(!valid_timezone("Local"));
    }
}
