//! `semver` and `semverCompare` with Masterminds/semver v3 rules (as Sprig uses them): loose
//! versions (`v1.2`, `1`), constraints with `=`, `!=`, `>`, `<`, `>=`, `<=`, `~`, `~>`, `^`,
//! `x`/`X`/`*` wildcards, `,`/space for AND, `||` for OR, hyphen ranges, and the pre-release
//! rule (a pre-release version only satisfies a constraint that itself has a pre-release).
use super::{arg_str, arity};
use crate::render::value::{Object, Value};
use regex::Regex;
use std::cmp::Ordering;
use std::sync::Arc;
use std::sync::LazyLock;

const CV: &str = r"v?([0-9|xX*]+)(\.[0-9|xX*]+)?(\.[0-9|xX*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
const OPS: &str = r"=|!=|>|<|>=|=>|<=|=<|~|~>|\^";

static VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?$").expect("valid regex")
});
static CONSTRAINT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^\s*({OPS})?\s*({CV})\s*$")).expect("valid regex"));
static FIND_CONSTRAINT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"({OPS})?\s*({CV})")).expect("valid regex"));
static VALID_GROUP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^(\s*({OPS})?\s*({CV})\s*\,?)+$")).expect("valid regex")
});
static HYPHEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"\s*({CV})\s+-\s+({CV})\s*")).expect("valid regex"));

/// A parsed semantic version.
#[derive(Clone, Debug, PartialEq)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
    pub pre: String,
    pub metadata: String,
    pub original: String,
}

impl Version {
    /// Masterminds' `NewVersion` (non-strict).
    pub fn parse(s: &str) -> Result<Version, String> {
        let c = VERSION
            .captures(s)
            .ok_or_else(|| "Invalid Semantic Version".to_string())?;
        let num = |i: usize| -> Result<u64, String> {
            match c.get(i) {
                None => Ok(0),
                Some(m) => m
                    .as_str()
                    .trim_start_matches('.')
                    .parse()
                    .map_err(|_| "Invalid Semantic Version".to_string()),
            }
        };
        Ok(Version {
            major: num(1)?,
            minor: num(2)?,
            patch: num(3)?,
            pre: c.get(5).map_or("", |m| m.as_str()).to_string(),
            metadata: c.get(8).map_or("", |m| m.as_str()).to_string(),
            original: s.to_string(),
        })
    }

    /// Semver precedence (metadata ignored).
    pub fn compare(&self, o: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(o.major, o.minor, o.patch))
            .then_with(|| compare_pre(&self.pre, &o.pre))
    }
}

fn compare_pre(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    let (pa, pb): (Vec<&str>, Vec<&str>) = (a.split('.').collect(), b.split('.').collect());
    for (x, y) in pa.iter().zip(pb.iter()) {
        let o = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(i), Ok(j)) => i.cmp(&j),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            _ => x.cmp(y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    pa.len().cmp(&pb.len())
}

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

fn parse_constraint(c: &str) -> Result<Constraint, String> {
    let m = CONSTRAINT
        .captures(c)
        .ok_or_else(|| format!("improper constraint: {c}"))?;
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
    let con = Version::parse(&ver).map_err(|_| format!("improper constraint: {c}"))?;
    Ok(Constraint {
        op: g(1).to_string(),
        con,
        dirty,
        minor_dirty,
        patch_dirty,
    })
}

impl Constraint {
    fn check(&self, v: &Version) -> bool {
        let c = &self.con;
        let pre_blocked = !v.pre.is_empty() && c.pre.is_empty();
        match self.op.as_str() {
            "" | "=" => {
                if pre_blocked {
                    return false;
                }
                if self.dirty {
                    return self.tilde(v);
                }
                v.compare(c) == Ordering::Equal
            }
            "!=" => {
                if !self.dirty {
                    return v.compare(c) != Ordering::Equal;
                }
                if pre_blocked {
                    return false;
                }
                if c.major != v.major {
                    return true;
                }
                if c.minor != v.minor && !self.minor_dirty {
                    return true;
                }
                if self.minor_dirty {
                    return false;
                }
                if c.patch != v.patch && !self.patch_dirty {
                    return true;
                }
                false
            }
            ">" => {
                if pre_blocked {
                    return false;
                }
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
            "<" => !pre_blocked && v.compare(c) == Ordering::Less,
            ">=" | "=>" => !pre_blocked && v.compare(c) != Ordering::Less,
            "<=" | "=<" => {
                if pre_blocked {
                    return false;
                }
                if !self.dirty {
                    return v.compare(c) != Ordering::Greater;
                }
                if v.major > c.major {
                    return false;
                }
                !(v.major == c.major && v.minor > c.minor && !self.minor_dirty)
            }
            "~" | "~>" => !pre_blocked && self.tilde(v),
            "^" => {
                if pre_blocked || v.compare(c) == Ordering::Less {
                    return false;
                }
                if c.major > 0 {
                    return v.major == c.major;
                }
                if v.major > 0 {
                    return false;
                }
                if self.minor_dirty {
                    return true;
                }
                if c.minor > 0 || self.patch_dirty {
                    return v.minor == c.minor;
                }
                v.minor == 0 && v.patch == c.patch
            }
            _ => false,
        }
    }

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

/// A parsed constraint: OR of ANDs.
pub struct Constraints(Vec<Vec<Constraint>>);

impl Constraints {
    /// Masterminds' `NewConstraint`.
    pub fn parse(s: &str) -> Result<Constraints, String> {
        let s = HYPHEN.replace_all(s, ">= ${1}, <= ${11}").into_owned();
        let mut ors = Vec::new();
        for group in s.split("||") {
            if !VALID_GROUP.is_match(group) {
                return Err(format!("improper constraint: {group}"));
            }
            let mut ands = Vec::new();
            for m in FIND_CONSTRAINT.find_iter(group) {
                ands.push(parse_constraint(m.as_str())?);
            }
            ors.push(ands);
        }
        Ok(Constraints(ors))
    }
    /// Whether `v` satisfies the constraints.
    pub fn check(&self, v: &Version) -> bool {
        self.0.iter().any(|ands| ands.iter().all(|c| c.check(v)))
    }
}

fn str_arg(v: &Value) -> Result<String, String> {
    match v {
        Value::Object(o) => Ok(super::sprint_value(&o.as_value())),
        other => Ok(arg_str(other)?.to_string()),
    }
}

pub(super) fn semver_compare(args: &[Value]) -> Result<Value, String> {
    arity("semverCompare", args, 2)?;
    let c = Constraints::parse(&str_arg(&args[0])?)?;
    let v = Version::parse(&str_arg(&args[1])?)?;
    Ok(Value::bool(c.check(&v)))
}

/// `semver "1.2.3"`: the version's fields as a map (Major, Minor, Patch, Prerelease, Metadata,
/// Original), so `(semver x).Major` works.
pub(super) fn semver(args: &[Value]) -> Result<Value, String> {
    arity("semver", args, 1)?;
    let v = Version::parse(&str_arg(&args[0])?)?;
    Ok(Value::Object(Arc::new(SemverObj(v, true))))
}

impl Version {
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

    fn next(&self, major: u64, minor: u64, patch: u64) -> Version {
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
}

/// Masterminds' `*semver.Version` as `semver` returns it: fields and methods (`Major`,
/// `Compare`, `LessThan`, `IncMinor`, ...), printing as the version string.
/// The flag says whether it is the pointer `semver` returns (`IncMajor` and friends return a
/// plain `semver.Version`).
#[derive(Debug, Clone)]
pub struct SemverObj(pub Version, pub bool);

fn version_arg(method: &str, args: &[Value]) -> Result<Version, String> {
    if args.len() != 1 {
        return Err(format!(
            "wrong number of args for {method}: want 1 got {}",
            args.len()
        ));
    }
    match &args[0] {
        Value::Object(o) if o.type_name().ends_with("semver.Version") => {
            Version::parse(o.as_value().as_str().unwrap_or_default())
        }
        other => Err(format!(
            "can't handle {} for arg of type *semver.Version",
            match other {
                Value::Str(t) => format!("{:?}", t.as_str()),
                v => super::sprint_value(v),
            }
        )),
    }
}

impl Object for SemverObj {
    fn type_name(&self) -> &'static str {
        if self.1 {
            "*semver.Version"
        } else {
            "semver.Version"
        }
    }
    fn kind(&self) -> &'static str {
        if self.1 { "ptr" } else { "struct" }
    }
    fn field(&self, name: &str) -> Option<Value> {
        let v = &self.0;
        let obj = |v: Version| Value::Object(Arc::new(SemverObj(v, false)));
        Some(match name {
            "Major" => Value::int(v.major as i64),
            "Minor" => Value::int(v.minor as i64),
            "Patch" => Value::int(v.patch as i64),
            "Prerelease" => Value::str(v.pre.as_str()),
            "Metadata" => Value::str(v.metadata.as_str()),
            "Original" => Value::str(v.original.as_str()),
            "String" => Value::str(v.canonical()),
            "IncMajor" => obj(v.next(v.major + 1, 0, 0)),
            "IncMinor" => obj(v.next(v.major, v.minor + 1, 0)),
            "IncPatch" => {
                // A pre-release increments to its release.
                if v.pre.is_empty() {
                    obj(v.next(v.major, v.minor, v.patch + 1))
                } else {
                    obj(v.next(v.major, v.minor, v.patch))
                }
            }
            _ => return None,
        })
    }
    fn method(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        let cmp = |args: &[Value]| version_arg(name, args).map(|o| self.0.compare(&o));
        Some(match name {
            "Compare" => cmp(args).map(|o| Value::int(o as i64)),
            "LessThan" => cmp(args).map(|o| Value::bool(o == Ordering::Less)),
            "GreaterThan" => cmp(args).map(|o| Value::bool(o == Ordering::Greater)),
            "Equal" => cmp(args).map(|o| Value::bool(o == Ordering::Equal)),
            _ => return self.field(name).map(Ok),
        })
    }
    fn as_value(&self) -> Value {
        Value::str(self.0.canonical())
    }
}
