//! Masterminds/semver v3 (version.go, constraints.go), as Helm v4 uses it: Sprig's `semver` and
//! `semverCompare`, a chart's `kubeVersion`, dependency versions (`IsCompatibleRange`),
//! `--kube-version` (`ParseKubeVersion`), and the chart versions of Argo CD's Helm sources.
//!
//! * [`Version::parse`] is `NewVersion` with `CoerceNewVersion` (the default): an optional
//!   lower-case `v`, one to three numbers (`1.2` is `1.2.0`, leading zeros allowed), then
//!   `-prerelease` and `+metadata`; a numeric pre-release part may not start with `0`.
//! * [`Version::parse_strict`] is `StrictNewVersion`: exactly `MAJOR.MINOR.PATCH`, no `v`, no
//!   leading zeros.
//! * [`Constraints::parse`] is `NewConstraint`: `||` alternatives of AND groups separated by
//!   spaces or commas; operators `= != > < >= => <= =< ~ ~> ^` or none; `x`/`X`/`*` or missing
//!   parts as wildcards; `A - B` ranges. A pre-release version satisfies a group only when some
//!   constraint of that group has a pre-release itself.
//!
//! Error texts are those of the Masterminds version Helm v4.2 ships (`improper constraint:
//! "..."`, quoted with `%q`; `invalid semantic version`).

use super::quote::quote;
use std::cmp::Ordering;
use std::sync::LazyLock;

use regex::Regex;

const CV: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
/// Masterminds' operator alternation, with its empty alternative (`=||!=`).
const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";

static LOOSE_VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?$").expect("valid regex")
});
static CONSTRAINT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^\s*({OPS})\s*({CV})\s*$")).expect("valid regex"));
static RANGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"\s*({CV})\s+-\s+({CV})\s*")).expect("valid regex"));
static FIND_CONSTRAINT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"({OPS})\s*({CV})")).expect("valid regex"));
static VALID_GROUP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^(\s*({OPS})\s*({CV})\s*)((?:\s+|,\s*)({OPS})\s*({CV})\s*)*$"
    ))
    .expect("valid regex")
});

pub const ERR_INVALID_SEMVER: &str = "invalid semantic version";
const ERR_SEGMENT_STARTS_ZERO: &str = "version segment starts with 0";
const ERR_INVALID_PRERELEASE: &str = "invalid prerelease string";
const ERR_INVALID_METADATA: &str = "invalid metadata string";

/// A semantic version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: String,
    pub metadata: String,
    /// The text it was parsed from.
    pub original: String,
}

fn parse_segment(s: &str) -> Result<u64, String> {
    s.parse::<u64>().map_err(|_| {
        format!(
            "error parsing version segment: strconv.ParseUint: parsing {}: value out of range",
            quote(s)
        )
    })
}

fn only(s: &str, allowed: impl Fn(char) -> bool) -> bool {
    s.chars().all(allowed)
}

fn alnum_hyphen(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

/// Masterminds' `validatePrerelease`.
fn validate_prerelease(p: &str) -> Result<(), String> {
    for part in p.split('.') {
        if part.is_empty() {
            return Err(ERR_INVALID_PRERELEASE.into());
        } else if only(part, |c| c.is_ascii_digit()) {
            if part.len() > 1 && part.starts_with('0') {
                return Err(ERR_SEGMENT_STARTS_ZERO.into());
            }
        } else if !only(part, alnum_hyphen) {
            return Err(ERR_INVALID_PRERELEASE.into());
        }
    }
    Ok(())
}

/// Masterminds' `validateMetadata`.
fn validate_metadata(m: &str) -> Result<(), String> {
    if m.split('.').any(|p| p.is_empty() || !only(p, alnum_hyphen)) {
        return Err(ERR_INVALID_METADATA.into());
    }
    Ok(())
}

impl Version {
    /// Masterminds' `NewVersion` (coercing: `v1.2` is 1.2.0).
    pub fn parse(s: &str) -> Result<Version, String> {
        let c = LOOSE_VERSION
            .captures(s)
            .ok_or_else(|| ERR_INVALID_SEMVER.to_string())?;
        let seg = |i: usize| match c.get(i) {
            None => Ok(0),
            Some(m) => parse_segment(m.as_str().trim_start_matches('.')),
        };
        let v = Version {
            major: seg(1)?,
            minor: seg(2)?,
            patch: seg(3)?,
            pre: c.get(5).map_or("", |m| m.as_str()).to_string(),
            metadata: c.get(8).map_or("", |m| m.as_str()).to_string(),
            original: s.to_string(),
        };
        if !v.pre.is_empty() {
            validate_prerelease(&v.pre)?;
        }
        if !v.metadata.is_empty() {
            validate_metadata(&v.metadata)?;
        }
        Ok(v)
    }

    /// Masterminds' `StrictNewVersion`: `MAJOR.MINOR.PATCH[-PRE][+META]`, nothing else.
    pub fn parse_strict(s: &str) -> Result<Version, String> {
        if s.is_empty() {
            return Err("version string empty".into());
        }
        let mut parts: Vec<&str> = s.splitn(3, '.').collect();
        if parts.len() != 3 {
            return Err(ERR_INVALID_SEMVER.into());
        }
        let mut metadata = "";
        if let Some((p, m)) = parts[2].split_once('+') {
            metadata = m;
            parts[2] = p;
            validate_metadata(metadata)?;
        }
        let mut pre = "";
        if let Some((p, r)) = parts[2].split_once('-') {
            pre = r;
            parts[2] = p;
            validate_prerelease(pre)?;
        }
        for p in &parts {
            if !only(p, |c| c.is_ascii_digit()) {
                return Err("invalid characters in version".into());
            }
            if p.len() > 1 && p.starts_with('0') {
                return Err(ERR_SEGMENT_STARTS_ZERO.into());
            }
        }
        let num = |p: &str| {
            p.parse::<u64>()
                .map_err(|_| format!("strconv.ParseUint: parsing {}: invalid syntax", quote(p)))
        };
        Ok(Version {
            major: num(parts[0])?,
            minor: num(parts[1])?,
            patch: num(parts[2])?,
            pre: pre.to_string(),
            metadata: metadata.to_string(),
            original: s.to_string(),
        })
    }

    /// Semver precedence (`Compare`): metadata is ignored.
    pub fn compare(&self, o: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(o.major, o.minor, o.patch))
            .then_with(|| match (self.pre.is_empty(), o.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => compare_prerelease(&self.pre, &o.pre),
            })
    }

    /// Masterminds' `String()`: `MAJOR.MINOR.PATCH[-PRE][+META]` (no `v`).
    pub fn canonical(&self) -> String {
        let mut s = format!("{}.{}.{}", self.major, self.minor, self.patch);
        if !self.pre.is_empty() {
            s.push('-');
            s.push_str(&self.pre);
        }
        if !self.metadata.is_empty() {
            s.push('+');
            s.push_str(&self.metadata);
        }
        s
    }

    /// A release derived from this one (`IncMajor` and friends): no pre-release or metadata,
    /// the original's `v` prefix kept.
    fn derived(&self, major: u64, minor: u64, patch: u64) -> Version {
        let mut v = Version {
            major,
            minor,
            patch,
            pre: String::new(),
            metadata: String::new(),
            original: String::new(),
        };
        let prefix = if self.original.starts_with('v') {
            "v"
        } else {
            ""
        };
        v.original = format!("{prefix}{}", v.canonical());
        v
    }

    /// `IncMajor` (saturating where Go panics on overflow).
    pub fn inc_major(&self) -> Version {
        self.derived(self.major.saturating_add(1), 0, 0)
    }

    /// `IncMinor`.
    pub fn inc_minor(&self) -> Version {
        self.derived(self.major, self.minor.saturating_add(1), 0)
    }

    /// `IncPatch`: a pre-release (or metadata) version becomes its release; else patch + 1.
    pub fn inc_patch(&self) -> Version {
        if self.pre.is_empty() {
            self.derived(self.major, self.minor, self.patch.saturating_add(1))
        } else {
            self.derived(self.major, self.minor, self.patch)
        }
    }
}

/// Masterminds' `comparePrerelease`/`comparePrePart`.
fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let (pa, pb): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    for i in 0..pa.len().max(pb.len()) {
        let (s, o) = (
            pa.get(i).copied().unwrap_or(""),
            pb.get(i).copied().unwrap_or(""),
        );
        let d = compare_pre_part(s, o);
        if d != Ordering::Equal {
            return d;
        }
    }
    Ordering::Equal
}

fn compare_pre_part(s: &str, o: &str) -> Ordering {
    if s == o {
        return Ordering::Equal;
    }
    if s.is_empty() {
        return Ordering::Less;
    }
    if o.is_empty() {
        return Ordering::Greater;
    }
    match (s.parse::<u64>(), o.parse::<u64>()) {
        (Err(_), Err(_)) => {
            if s > o {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        // A number is lower than a string.
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Ok(x), Ok(y)) => {
            if x > y {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
    }
}

/// One constraint: operator, version and which parts were wildcards.
#[derive(Clone, Debug)]
struct Constraint {
    op: String,
    con: Version,
    dirty: bool,
    minor_dirty: bool,
    patch_dirty: bool,
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

/// Masterminds' `parseConstraint`.
fn parse_constraint(c: &str) -> Result<Constraint, String> {
    if c.is_empty() {
        // The empty constraint is `*`.
        return Ok(Constraint {
            op: String::new(),
            con: Version::parse("0.0.0").expect("a version"),
            dirty: true,
            minor_dirty: false,
            patch_dirty: false,
        });
    }
    let m = CONSTRAINT
        .captures(c)
        .ok_or_else(|| format!("improper constraint: {}", quote(c)))?;
    let g = |i: usize| m.get(i).map_or("", |x| x.as_str());
    let (major, minor, patch, pre) = (g(3), g(4), g(5), g(6));
    let (ver, dirty, minor_dirty, patch_dirty) = if is_x(major) || major.is_empty() {
        (format!("0.0.0{pre}"), true, false, false)
    } else if is_x(minor.trim_start_matches('.')) || minor.is_empty() {
        (format!("{major}.0.0{pre}"), true, true, false)
    } else if is_x(patch.trim_start_matches('.')) || patch.is_empty() {
        (format!("{major}{minor}.0{pre}"), true, false, true)
    } else {
        (g(2).to_string(), false, false, false)
    };
    let con = Version::parse(&ver).map_err(|_| "constraint parser error".to_string())?;
    Ok(Constraint {
        op: g(1).to_string(),
        con,
        dirty,
        minor_dirty,
        patch_dirty,
    })
}

impl Constraint {
    /// The constraint functions of constraints.go; `include_pre` says whether the group looks
    /// for pre-releases.
    fn check(&self, v: &Version, include_pre: bool) -> bool {
        if !v.pre.is_empty() && !include_pre {
            return false;
        }
        let c = &self.con;
        match self.op.as_str() {
            "" | "=" => {
                if self.dirty {
                    self.tilde(v)
                } else {
                    v.compare(c) == Ordering::Equal
                }
            }
            "!=" => {
                if self.dirty {
                    if c.major != v.major {
                        return true;
                    }
                    if c.minor != v.minor && !self.minor_dirty {
                        return true;
                    } else if self.minor_dirty {
                        return false;
                    } else if c.patch != v.patch && !self.patch_dirty {
                        return true;
                    } else if self.patch_dirty {
                        if !v.pre.is_empty() || !c.pre.is_empty() {
                            return compare_prerelease(&v.pre, &c.pre) != Ordering::Equal;
                        }
                        return false;
                    }
                }
                v.compare(c) != Ordering::Equal
            }
            ">" => {
                if !self.dirty {
                    return v.compare(c) == Ordering::Greater;
                }
                if v.major != c.major {
                    return v.major > c.major;
                }
                if self.minor_dirty {
                    return false;
                }
                if self.patch_dirty {
                    return v.minor > c.minor;
                }
                v.compare(c) == Ordering::Greater
            }
            "<" => v.compare(c) == Ordering::Less,
            ">=" | "=>" => v.compare(c) != Ordering::Less,
            "<=" | "=<" => {
                if !self.dirty {
                    return v.compare(c) != Ordering::Greater;
                }
                if v.major > c.major {
                    return false;
                }
                !(v.major == c.major && v.minor > c.minor && !self.minor_dirty)
            }
            "~" | "~>" => self.tilde(v),
            "^" => {
                if v.compare(c) == Ordering::Less {
                    return false;
                }
                if c.major > 0 || self.minor_dirty {
                    return v.major == c.major;
                }
                if v.major > 0 {
                    return false;
                }
                if c.minor > 0 || self.patch_dirty {
                    return v.minor == c.minor;
                }
                if v.minor > 0 {
                    return false;
                }
                v.patch == c.patch
            }
            _ => false,
        }
    }

    /// `constraintTilde` (pre-release already checked).
    fn tilde(&self, v: &Version) -> bool {
        let c = &self.con;
        if v.compare(c) == Ordering::Less {
            return false;
        }
        if c.major == 0 && c.minor == 0 && c.patch == 0 && !self.minor_dirty && !self.patch_dirty {
            return true;
        }
        if v.major != c.major {
            return false;
        }
        v.minor == c.minor || self.minor_dirty
    }
}

/// Parsed constraints: OR of AND groups.
#[derive(Clone, Debug)]
pub struct Constraints {
    groups: Vec<Vec<Constraint>>,
    /// Per group: whether one of its constraints has a pre-release.
    contains_pre: Vec<bool>,
}

/// Masterminds' `rewriteRange`: `A - B` becomes `>= A, <= B `.
fn rewrite_range(s: &str) -> String {
    let mut out = s.to_string();
    for m in RANGE.captures_iter(s) {
        let t = format!(">= {}, <= {} ", &m[1], &m[11]);
        out = out.replacen(&m[0], &t, 1);
    }
    out
}

impl Constraints {
    /// Masterminds' `NewConstraint`.
    pub fn parse(s: &str) -> Result<Constraints, String> {
        let s = rewrite_range(s);
        let mut groups = Vec::new();
        let mut contains_pre = Vec::new();
        for group in s.split("||") {
            if !VALID_GROUP.is_match(group) {
                return Err(format!("improper constraint: {}", quote(group)));
            }
            let mut found: Vec<&str> = FIND_CONSTRAINT
                .find_iter(group)
                .map(|m| m.as_str())
                .collect();
            if found.is_empty() {
                found.push(group);
            }
            let mut ands = Vec::new();
            let mut pre = false;
            for c in found {
                let c = parse_constraint(c)?;
                pre |= !c.con.pre.is_empty();
                ands.push(c);
            }
            groups.push(ands);
            contains_pre.push(pre);
        }
        Ok(Constraints {
            groups,
            contains_pre,
        })
    }

    /// Masterminds' `Check`: some group all of whose constraints `v` satisfies.
    pub fn check(&self, v: &Version) -> bool {
        self.groups
            .iter()
            .zip(&self.contains_pre)
            .any(|(ands, pre)| ands.iter().all(|c| c.check(v, *pre)))
    }
}

/// Helm's `chartutil.IsCompatibleRange`: false when the version or the constraint does not
/// parse.
pub fn is_compatible_range(constraint: &str, version: &str) -> bool {
    let Ok(v) = Version::parse(version) else {
        return false;
    };
    Constraints::parse(constraint).is_ok_and(|c| c.check(&v))
}

#[cfg(test)]
mod tests;
