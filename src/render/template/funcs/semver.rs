//! `semver` and `semverCompare` (Sprig over Masterminds/semver v3, [`crate::gocompat::semver`]):
//! the template functions and the `*semver.Version` object they return.
use super::{arg_str, arity};
use crate::gocompat::semver::{Constraints, Version};
use crate::model::value::{Object, Value};
use std::cmp::Ordering;
use std::sync::Arc;

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
            "IncMajor" => obj(v.inc_major()),
            "IncMinor" => obj(v.inc_minor()),
            "IncPatch" => obj(v.inc_patch()),
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
