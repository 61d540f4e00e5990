//! Date functions with Go time layouts (`2006-01-02T15:04:05Z07:00`). Times are a built-in
//! object ([`Time`]) that prints like Go's `time.Time`.
use super::{arg_str, arity, to_int64, type_name};
use crate::gocompat::duration::{format_duration, parse_duration};
use crate::model::value::{Object, Value};
use chrono::{DateTime, Datelike, FixedOffset, Offset, TimeZone, Timelike, Utc};
use std::sync::Arc;

/// Go's `time.Time` as templates see it.
#[derive(Debug, Clone)]
pub struct Time(pub DateTime<FixedOffset>, pub String);

impl Object for Time {
    fn type_name(&self) -> &'static str {
        "time.Time"
    }
    fn kind(&self) -> &'static str {
        "struct"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Unix" => Some(Value::int(self.0.timestamp())),
            "Year" => Some(Value::int(self.0.year() as i64)),
            "Day" => Some(Value::int(self.0.day() as i64)),
            "Hour" => Some(Value::int(self.0.hour() as i64)),
            "Minute" => Some(Value::int(self.0.minute() as i64)),
            "Second" => Some(Value::int(self.0.second() as i64)),
            "Nanosecond" => Some(Value::int(self.0.nanosecond() as i64)),
            "UTC" => Some(time_value(self.0.with_timezone(&Utc).fixed_offset(), "UTC")),
            _ => None,
        }
    }
    fn method(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        match name {
            "Format" => Some(
                args.first()
                    .map_or(Err("Format: missing layout".into()), |l| {
                        arg_str(l).map(|l| Value::str(format(&self.0, &self.1, l)))
                    }),
            ),
            _ => self.field(name).map(Ok),
        }
    }
    fn as_value(&self) -> Value {
        Value::str(format(
            &self.0,
            &self.1,
            "2006-01-02 15:04:05.999999999 -0700 MST",
        ))
    }
}

fn time_value(t: DateTime<FixedOffset>, zone: &str) -> Value {
    Value::Object(Arc::new(Time(t, zone.to_string())))
}

fn zone_abbrev(t: &DateTime<FixedOffset>, zone: &str) -> String {
    if !zone.is_empty() {
        return zone.to_string();
    }
    // Go's `MST` of a zone without a name (an offset parsed by toDate): `-0700`.
    let s = t.offset().local_minus_utc();
    let (sign, s) = if s < 0 { ('-', -s) } else { ('+', s) };
    format!("{sign}{:02}{:02}", s / 3600, s % 3600 / 60)
}

/// Formats `t` with a Go layout.
pub fn format(t: &DateTime<FixedOffset>, zone: &str, layout: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const DAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let mut out = String::new();
    let mut rest = layout;
    let off = t.offset().local_minus_utc();
    let offs = |colon: bool, secs: bool, z: bool| -> String {
        if z && off == 0 {
            return "Z".into();
        }
        let (sign, a) = if off < 0 { ('-', -off) } else { ('+', off) };
        let c = if colon { ":" } else { "" };
        let mut s = format!("{sign}{:02}{c}{:02}", a / 3600, a % 3600 / 60);
        if secs {
            s.push_str(&format!("{c}{:02}", a % 60));
        }
        s
    };
    let h12 = |h: u32| if h.is_multiple_of(12) { 12 } else { h % 12 };
    while !rest.is_empty() {
        let tokens: &[(&str, &dyn Fn() -> String)] = &[
            ("January", &|| MONTHS[t.month0() as usize].into()),
            ("Jan", &|| MONTHS[t.month0() as usize][..3].into()),
            ("Monday", &|| {
                DAYS[t.weekday().num_days_from_monday() as usize].into()
            }),
            ("Mon", &|| {
                DAYS[t.weekday().num_days_from_monday() as usize][..3].into()
            }),
            ("MST", &|| zone_abbrev(t, zone)),
            ("2006", &|| format!("{:04}", t.year())),
            ("Z07:00:00", &|| offs(true, true, true)),
            ("Z07:00", &|| offs(true, false, true)),
            ("Z0700", &|| offs(false, false, true)),
            ("Z07", &|| {
                offs(false, false, true)[..3.min(offs(false, false, true).len())].into()
            }),
            ("-07:00:00", &|| offs(true, true, false)),
            ("-07:00", &|| offs(true, false, false)),
            ("-0700", &|| offs(false, false, false)),
            ("-07", &|| offs(false, false, false)[..3].into()),
            ("002", &|| format!("{:03}", t.ordinal())),
            ("01", &|| format!("{:02}", t.month())),
            ("02", &|| format!("{:02}", t.day())),
            ("_2", &|| format!("{:>2}", t.day())),
            ("03", &|| format!("{:02}", h12(t.hour()))),
            ("04", &|| format!("{:02}", t.minute())),
            ("05", &|| format!("{:02}", t.second())),
            ("06", &|| format!("{:02}", t.year() % 100)),
            ("15", &|| format!("{:02}", t.hour())),
            ("PM", &|| {
                if t.hour() >= 12 {
                    "PM".into()
                } else {
                    "AM".into()
                }
            }),
            ("pm", &|| {
                if t.hour() >= 12 {
                    "pm".into()
                } else {
                    "am".into()
                }
            }),
            ("1", &|| t.month().to_string()),
            ("2", &|| t.day().to_string()),
            ("3", &|| h12(t.hour()).to_string()),
            ("4", &|| t.minute().to_string()),
            ("5", &|| t.second().to_string()),
        ];
        // Fractional seconds: .000 / ,000 (fixed) and .999 (trailing zeros trimmed).
        if let Some(r) = rest.strip_prefix(['.', ',']) {
            let n0 = r.bytes().take_while(|&b| b == b'0').count();
            let n9 = r.bytes().take_while(|&b| b == b'9').count();
            let n = n0.max(n9);
            if n > 0 && !r[n..].starts_with(|c: char| c.is_ascii_digit()) {
                let digits = format!("{:09}", t.nanosecond() % 1_000_000_000);
                let mut frac = digits[..n.min(9)].to_string();
                if n9 > 0 {
                    frac = frac.trim_end_matches('0').to_string();
                }
                if !frac.is_empty() {
                    out.push_str(&rest[..1]);
                    out.push_str(&frac);
                }
                rest = &r[n..];
                continue;
            }
        }
        if let Some((tok, f)) = tokens.iter().find(|(tok, _)| rest.starts_with(tok)) {
            out.push_str(&f());
            rest = &rest[tok.len()..];
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A time argument: `time.Time`, or integer Unix seconds; anything else means now.
fn as_time(v: &Value) -> (DateTime<FixedOffset>, String) {
    match v {
        Value::Object(o) if o.type_name() == "time.Time" => {
            // Round trip through the printed form keeps this module free of downcasts.
            let s = o.field("Unix").map_or(0, |u| to_int64(&u));
            let local = o.as_value();
            let text = local.as_str().unwrap_or("");
            let zone = text.rsplit(' ').next().unwrap_or("UTC").to_string();
            let off = parse_offset(text.rsplit(' ').nth(1).unwrap_or("+0000"));
            let t = off.timestamp_opt(s, 0).single().unwrap_or_default();
            let nanos = o.field("Nanosecond").map_or(0, |n| to_int64(&n)) as u32;
            (t.with_nanosecond(nanos).unwrap_or(t), zone)
        }
        Value::Int(..) | Value::Float(..) => (
            Utc.timestamp_opt(to_int64(v), 0)
                .single()
                .unwrap_or_default()
                .fixed_offset(),
            "UTC".into(),
        ),
        _ => (Utc::now().fixed_offset(), "UTC".into()),
    }
}

fn parse_offset(s: &str) -> FixedOffset {
    let sign = if s.starts_with('-') { -1 } else { 1 };
    let d: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    let h: i32 = d.get(..2).and_then(|x| x.parse().ok()).unwrap_or(0);
    let m: i32 = d.get(2..4).and_then(|x| x.parse().ok()).unwrap_or(0);
    FixedOffset::east_opt(sign * (h * 3600 + m * 60)).unwrap_or(Utc.fix())
}

pub(super) fn now(args: &[Value]) -> Result<Value, String> {
    arity("now", args, 0)?;
    Ok(time_value(Utc::now().fixed_offset(), "UTC"))
}

/// Sprig's `date` formats in the local zone; Helm's goldens (and chartgate) run in UTC.
pub(super) fn date(args: &[Value]) -> Result<Value, String> {
    arity("date", args, 2)?;
    let (t, _) = as_time(&args[1]);
    let (t, z) = in_zone(t, "UTC");
    Ok(Value::str(format(&t, &z, arg_str(&args[0])?)))
}

fn in_zone(t: DateTime<FixedOffset>, zone: &str) -> (DateTime<FixedOffset>, String) {
    match zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => {
            let z = t.with_timezone(&tz);
            let abbr = z.format("%Z").to_string();
            (z.fixed_offset(), abbr)
        }
        Err(_) => (t.with_timezone(&Utc).fixed_offset(), "UTC".into()),
    }
}

pub(super) fn date_in_zone(args: &[Value]) -> Result<Value, String> {
    arity("dateInZone", args, 3)?;
    let (t, _) = as_time(&args[1]);
    let (t, z) = in_zone(t, arg_str(&args[2])?);
    Ok(Value::str(format(&t, &z, arg_str(&args[0])?)))
}

pub(super) fn html_date(args: &[Value]) -> Result<Value, String> {
    arity("htmlDate", args, 1)?;
    let (t, _) = as_time(&args[0]);
    let (t, z) = in_zone(t, "UTC");
    Ok(Value::str(format(&t, &z, "2006-01-02")))
}

pub(super) fn html_date_in_zone(args: &[Value]) -> Result<Value, String> {
    arity("htmlDateInZone", args, 2)?;
    let (t, _) = as_time(&args[0]);
    let (t, z) = in_zone(t, arg_str(&args[1])?);
    Ok(Value::str(format(&t, &z, "2006-01-02")))
}

pub(super) fn unix_epoch(args: &[Value]) -> Result<Value, String> {
    arity("unixEpoch", args, 1)?;
    match &args[0] {
        Value::Object(o) if o.type_name() == "time.Time" => {
            Ok(Value::str(as_time(&args[0]).0.timestamp().to_string()))
        }
        other => Err(format!(
            "wrong type for value; expected time.Time; got {}",
            type_name(other)
        )),
    }
}

/// Sprig's `duration`: seconds (a decimal string or an int64) as Go's `Duration.String()`.
/// Sprig gives "0s" for a plain Go `int`; we cannot tell int from int64 and use the value.
pub(super) fn duration(args: &[Value]) -> Result<Value, String> {
    arity("duration", args, 1)?;
    let n = match &args[0] {
        Value::Str(t) => t.as_str().parse::<i64>().unwrap_or(0),
        // Sprig switches on int64 and string only: a Go `int` (a template literal) is 0 too.
        Value::Int(i, _, crate::model::value::GoInt::Int64) => *i,
        _ => 0,
    };
    // Go multiplies int64 nanoseconds, wrapping on overflow.
    Ok(Value::str(format_duration(n.wrapping_mul(1_000_000_000))))
}

pub(super) fn ago(args: &[Value]) -> Result<Value, String> {
    arity("ago", args, 1)?;
    let (t, _) = as_time(&args[0]);
    let secs = (Utc::now().fixed_offset() - t).num_seconds();
    Ok(Value::str(format_duration(
        secs.wrapping_mul(1_000_000_000),
    )))
}

/// Sprig's `toDate`: Go's zero time when the text does not parse (`mustToDate` fails).
pub(super) fn to_date(args: &[Value]) -> Result<Value, String> {
    arity("toDate", args, 2)?;
    match must_to_date(args) {
        Err(e) if e.starts_with("parsing time ") => {
            let zero = chrono::NaiveDate::from_ymd_opt(1, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .unwrap_or_default()
                .and_utc()
                .fixed_offset();
            Ok(time_value(zero, "UTC"))
        }
        r => r,
    }
}

pub(super) fn must_to_date(args: &[Value]) -> Result<Value, String> {
    arity("mustToDate", args, 2)?;
    let layout = arg_str(&args[0])?;
    let s = arg_str(&args[1])?;
    let fmt = layout_to_strftime(layout);
    // Go's `Z07:00`/`Z0700` accept `Z` for UTC, chrono's `%z` does not.
    let zulu;
    let s = if (layout.contains("Z07:00") || layout.contains("Z0700")) && s.contains('Z') {
        let repl = if layout.contains("Z07:00") {
            "+00:00"
        } else {
            "+0000"
        };
        zulu = s.replacen('Z', repl, 1);
        zulu.as_str()
    } else {
        s
    };
    let t = DateTime::parse_from_str(s, &fmt)
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(s, &fmt).map(|n| n.and_utc().fixed_offset())
        })
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(s, &fmt).map(|d| {
                d.and_hms_opt(0, 0, 0)
                    .unwrap_or_default()
                    .and_utc()
                    .fixed_offset()
            })
        });
    match t {
        Ok(t) => Ok(time_value(
            t,
            if t.offset().local_minus_utc() == 0 {
                "UTC"
            } else {
                ""
            },
        )),
        Err(_) => Err(format!("parsing time {s:?} as {layout:?}: cannot parse")),
    }
}

/// Go layout → chrono strftime (for parsing).
fn layout_to_strftime(layout: &str) -> String {
    let pairs = [
        ("2006", "%Y"),
        ("January", "%B"),
        ("Jan", "%b"),
        ("Monday", "%A"),
        ("Mon", "%a"),
        ("MST", "%Z"),
        ("Z07:00", "%:z"),
        ("-07:00", "%:z"),
        ("-0700", "%z"),
        ("Z0700", "%z"),
        (".000000000", "%.9f"),
        (".000000", "%.6f"),
        (".000", "%.3f"),
        (".999999999", "%.f"),
        ("01", "%m"),
        ("02", "%d"),
        ("15", "%H"),
        ("03", "%I"),
        ("04", "%M"),
        ("05", "%S"),
        ("06", "%y"),
        ("PM", "%p"),
        ("_2", "%e"),
    ];
    let mut out = String::new();
    let mut rest = layout;
    'outer: while !rest.is_empty() {
        for (g, c) in pairs {
            if let Some(r) = rest.strip_prefix(g) {
                out.push_str(c);
                // Go accepts a fractional second after the seconds even when the layout has
                // none.
                if g == "05" && !r.starts_with(['.', ',']) {
                    out.push_str("%.f");
                }
                rest = r;
                continue 'outer;
            }
        }
        let ch = rest.chars().next().unwrap_or(' ');
        if ch == '%' {
            out.push('%');
        }
        out.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    out
}

/// `dateModify "-1.5h" $t`: the time plus a Go duration; Sprig returns the time unchanged on a
/// bad duration, `mustDateModify` fails.
fn modify(args: &[Value], must: bool) -> Result<Value, String> {
    arity(if must { "mustDateModify" } else { "dateModify" }, args, 2)?;
    let fmt = arg_str(&args[0])?;
    let (t, z) = as_time(&args[1]);
    match parse_duration(fmt) {
        Ok(ns) => Ok(time_value(t + chrono::Duration::nanoseconds(ns), &z)),
        Err(e) if must => Err(e),
        Err(_) => Ok(time_value(t, &z)),
    }
}

pub(super) fn date_modify(args: &[Value]) -> Result<Value, String> {
    modify(args, false)
}

pub(super) fn must_date_modify(args: &[Value]) -> Result<Value, String> {
    modify(args, true)
}

/// Sprig's `durationRound`: the largest whole unit of a duration (`2h10m` → `2h`), from a Go
/// duration string, an int64 of nanoseconds or the time since a `time.Time`; the sign is
/// dropped, anything else is `0s`.
pub(super) fn duration_round(args: &[Value]) -> Result<Value, String> {
    arity("durationRound", args, 1)?;
    let ns: i128 = match &args[0] {
        Value::Str(t) => parse_duration(t.as_str()).unwrap_or(0) as i128,
        Value::Int(i, _, _) => *i as i128,
        Value::Object(o) if o.type_name() == "time.Time" => {
            let (t, _) = as_time(&args[0]);
            (Utc::now().fixed_offset() - t)
                .num_nanoseconds()
                .unwrap_or(i64::MAX) as i128
        }
        _ => 0,
    };
    let u = ns.unsigned_abs();
    const SECOND: u128 = 1_000_000_000;
    const MINUTE: u128 = 60 * SECOND;
    const HOUR: u128 = 60 * MINUTE;
    const DAY: u128 = 24 * HOUR;
    let units: [(u128, &str); 6] = [
        (365 * DAY, "y"),
        (30 * DAY, "mo"),
        (DAY, "d"),
        (HOUR, "h"),
        (MINUTE, "m"),
        (SECOND, "s"),
    ];
    for (unit, name) in units {
        if u > unit {
            return Ok(Value::str(format!("{}{name}", u / unit)));
        }
    }
    Ok(Value::str("0s"))
}
