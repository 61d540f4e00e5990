//! go-yaml v2's plain-scalar resolution (`resolve("", s)` in yaml.v2/resolve.go), which Helm
//! applies through sigs.k8s.io/yaml both ways: reading values (`on` is a boolean, `0644` is
//! octal 420) and writing them (`toYaml` double-quotes a string that would read back as
//! something else).
//!
//! * `~`, `null`, `Null`, `NULL` and the empty scalar are null; YAML 1.1 booleans are
//!   `y Y yes Yes YES n N no No NO true True TRUE false False FALSE on On ON off Off OFF`
//!   (only these spellings); `.inf`, `-.inf`, `.nan` in three spellings are floats.
//! * A scalar starting with a digit or sign is a timestamp when `time.Parse` takes it with one
//!   of go-yaml's four layouts; else, with every `_` removed, an int as
//!   `strconv.ParseInt(s, 0, 64)` reads it (`0x`, `0o`, `0b`, leading-`0` octal), else a
//!   uint64, else a float when it matches `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
//!   and `ParseFloat` does not overflow (`08` is 8.0, `1e400` is a string).
//! * A scalar starting with `.` is a float when `ParseFloat` reads it.
//! * Anything else — `<<` included: the merge key is recognised by its text where it is a key —
//!   is a string.
//!
//! go-yaml v2 hands a timestamp to `interface{}` as its text, so readers keep it a string.

use std::sync::LazyLock;

use regex::Regex;

/// What a plain scalar resolves to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Plain {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer above `i64::MAX` that fits `u64`.
    Uint(u64),
    Float(f64),
    /// A YAML timestamp (`2001-12-14`): a string once decoded, but quoted when written.
    Timestamp,
    Str,
}

/// go-yaml v2's `resolve` for an untagged plain scalar.
pub fn resolve_plain(s: &str) -> Plain {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Plain::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Plain::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Plain::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Plain::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Plain::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Plain::Float(f64::NAN),
        _ => {}
    }
    match s.as_bytes()[0] {
        b'.' => parse_float(s).map_or(Plain::Str, Plain::Float),
        b'+' | b'-' | b'0'..=b'9' => {
            if is_timestamp(s) {
                return Plain::Timestamp;
            }
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            if let Some(i) = parse_int(&plain) {
                return Plain::Int(i);
            }
            if let Some(u) = parse_uint(&plain) {
                return Plain::Uint(u);
            }
            if yaml_style_float(&plain)
                && let Some(f) = parse_float(&plain)
            {
                return Plain::Float(f);
            }
            Plain::Str
        }
        _ => Plain::Str,
    }
}

/// go-yaml v2's `isBase60Float`: YAML 1.1 sexagesimal numbers (`190:20:30`), which go-yaml
/// reads as strings but quotes when writing, for other parsers' sake.
pub fn is_base60_float(s: &str) -> bool {
    static BASE60: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$").expect("valid regex")
    });
    s.starts_with(|c: char| c == '+' || c == '-' || c.is_ascii_digit())
        && s.contains(':')
        && BASE60.is_match(s)
}

/// go-yaml v2's `parseTimestamp`: `time.Parse` with `2006-1-2T15:4:5.999999999Z07:00` (or a
/// lower-case `t`), `2006-1-2 15:4:5.999999999` or `2006-1-2`, ranges checked.
pub fn is_timestamp(s: &str) -> bool {
    static TIMESTAMP: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:\.[0-9]+)?(?:Z|[-+][0-9]{2}:[0-9]{2}))|(?: ([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:\.[0-9]+)?))?$").expect("valid regex")
    });
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let Some(c) = TIMESTAMP.captures(s) else {
        return false;
    };
    let n = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
    let (Some(y), Some(mo), Some(d)) = (n(1), n(2), n(3)) else {
        return false;
    };
    if chrono::NaiveDate::from_ymd_opt(y as i32, mo, d).is_none() {
        return false;
    }
    let time_ok = |h: Option<u32>, m: Option<u32>, s: Option<u32>| match (h, m, s) {
        (Some(h), Some(m), Some(s)) => h < 24 && m < 60 && s < 60,
        _ => true,
    };
    time_ok(n(4), n(5), n(6)) && time_ok(n(7), n(8), n(9))
}

/// `strconv.ParseFloat(s, 64)` for the decimal forms reachable here; overflow is an error.
fn parse_float(s: &str) -> Option<f64> {
    // Only decimal digits, sign, dot and exponent (Rust also takes "inf"/"nan" words).
    if !s
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.' | b'e' | b'E'))
    {
        return None;
    }
    let f: f64 = s.parse().ok()?;
    if f.is_infinite() { None } else { Some(f) }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// The base prefix as `ParseInt(s, 0, ...)` reads it: (radix, digits).
fn base(s: &str) -> (u32, &str) {
    let b = s.as_bytes();
    if b.len() >= 2 && b[0] == b'0' {
        match b[1] {
            b'x' | b'X' => return (16, &s[2..]),
            b'o' | b'O' => return (8, &s[2..]),
            b'b' | b'B' => return (2, &s[2..]),
            _ => return (8, &s[1..]),
        }
    }
    (10, s)
}

/// `strconv.ParseUint(s, 0, 64)` (no sign).
fn parse_uint(s: &str) -> Option<u64> {
    let (radix, digits) = base(s);
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// `strconv.ParseInt(s, 0, 64)`.
fn parse_int(s: &str) -> Option<i64> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let u = parse_uint(rest)?;
    if neg {
        (u <= i64::MAX as u64 + 1).then(|| (u as i128).wrapping_neg() as i64)
    } else {
        (u <= i64::MAX as u64).then_some(u as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// yaml.v2 decode_test.go / resolve examples: what each plain scalar reads as.
    #[test]
    fn resolves_like_go_yaml_v2() {
        let cases: &[(&str, Plain)] = &[
            ("", Plain::Null),
            ("~", Plain::Null),
            ("null", Plain::Null),
            ("yes", Plain::Bool(true)),
            ("On", Plain::Bool(true)),
            ("n", Plain::Bool(false)),
            ("OFF", Plain::Bool(false)),
            ("oN", Plain::Str),
            ("0644", Plain::Int(420)),
            ("08", Plain::Float(8.0)),
            ("0x1F", Plain::Int(31)),
            ("0o17", Plain::Int(15)),
            ("0b101", Plain::Int(5)),
            ("-0b11", Plain::Int(-3)),
            ("1_000", Plain::Int(1000)),
            ("0x_1F", Plain::Int(31)),
            ("+12", Plain::Int(12)),
            ("9223372036854775808", Plain::Uint(9223372036854775808)),
            ("-9223372036854775808", Plain::Int(i64::MIN)),
            ("18446744073709551616", Plain::Float(18446744073709551616.0)),
            ("1.5", Plain::Float(1.5)),
            ("+.5", Plain::Float(0.5)),
            (".5", Plain::Float(0.5)),
            ("1e3", Plain::Float(1000.0)),
            ("1e400", Plain::Str),
            (".1e999", Plain::Str),
            (".inf", Plain::Float(f64::INFINITY)),
            ("-.Inf", Plain::Float(f64::NEG_INFINITY)),
            ("2001-12-14", Plain::Timestamp),
            ("2001-12-14t21:59:43.10-05:00", Plain::Timestamp),
            ("2001-12-14 21:59:43.10", Plain::Timestamp),
            ("2001-1-2", Plain::Timestamp),
            ("2001-13-45", Plain::Str),
            ("<<", Plain::Str),
            ("190:20:30", Plain::Str),
            ("1.2.3", Plain::Str),
            ("-", Plain::Str),
        ];
        for (s, want) in cases {
            match (resolve_plain(s), want) {
                (Plain::Float(a), Plain::Float(b)) if a.is_nan() && b.is_nan() => {}
                (got, want) => assert_eq!(got, *want, "{s:?}"),
            }
        }
        assert!(matches!(resolve_plain(".NaN"), Plain::Float(f) if f.is_nan()));
        assert!(is_base60_float("190:20:30") && is_base60_float("-1:30.5"));
        assert!(!is_base60_float("12:60") && !is_base60_float("a:1"));
    }
}
