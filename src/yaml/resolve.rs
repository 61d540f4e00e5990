//! Scalar resolution with go-yaml v2's rules (its `resolve.go`), which is what Helm and
//! Kubernetes apply through `sigs.k8s.io/yaml`. The plain-scalar rules are the one copy in
//! [`crate::gocompat::yaml_resolve`] (which `toYaml` also uses to decide what to quote); this
//! file adds explicit tags. In short:
//!
//! - plain `~`, `null`, `Null`, `NULL` and the empty scalar are null;
//! - YAML 1.1 booleans: `y Y yes Yes YES n N no No NO true True TRUE false False FALSE on On ON
//!   off Off OFF` (only these case forms);
//! - `.inf`/`.Inf`/`.INF` (optionally signed) and `.nan`/`.NaN`/`.NAN` are floats;
//! - a plain scalar starting with a digit or sign has every `_` removed and is then read like Go's
//!   `strconv.ParseInt(s, 0, 64)` (decimal, `0x` hex, `0o` or leading-`0` octal, `0b` binary),
//!   else as an unsigned 64-bit integer, else as a float if it matches
//!   `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$` (so `08` is the float 8), else it
//!   is a string; a plain scalar starting with `.` is tried as a float;
//! - timestamps stay strings (go-yaml v2 hands them to `interface{}` as their text);
//! - quoted and block scalars are strings unless explicitly tagged;
//! - explicit tags: `!!str` forces a string, `!!null`/`!!int`/`!!bool`/`!!float` must resolve to that type
//!   (an int is accepted as `!!float`), `!!binary` is base64-decoded, other tags leave the text as
//!   a string.

use saphyr_parser::{ScalarStyle, Tag};

/// The result of resolving one scalar.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer above `i64::MAX` that fits `u64`.
    Uint(u64),
    Float(f64),
    Str(String),
    /// The plain scalar `<<`: a merge key when used as a mapping key, else the string "<<".
    Merge,
}

/// The tag in go-yaml's short form (`!!str`), `""` when there is none.
pub(crate) fn short_tag(tag: Option<&Tag>) -> String {
    let Some(t) = tag else { return String::new() };
    let full = if t.handle == "!!" {
        format!("tag:yaml.org,2002:{}", t.suffix)
    } else {
        format!("{}{}", t.handle, t.suffix)
    };
    match full.strip_prefix("tag:yaml.org,2002:") {
        Some(rest) => format!("!!{rest}"),
        None => full,
    }
}

/// Resolves a scalar event. `Err` carries go-yaml's message for a tag that does not fit.
pub(crate) fn resolve_scalar(
    value: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
) -> Result<Resolved, String> {
    let tag = short_tag(tag);
    if tag.is_empty() {
        if style == ScalarStyle::Plain {
            return Ok(resolve_plain(value));
        }
        return Ok(Resolved::Str(value.to_string()));
    }
    match tag.as_str() {
        "!!str" => Ok(Resolved::Str(value.to_string())),
        "!!binary" => {
            use base64::Engine as _;
            let cleaned: String = value.chars().filter(|c| !c.is_whitespace()).collect();
            match base64::engine::general_purpose::STANDARD.decode(cleaned.as_bytes()) {
                Ok(bytes) => Ok(Resolved::Str(String::from_utf8_lossy(&bytes).into_owned())),
                Err(_) => Err("!!binary value contains invalid base64 data".to_string()),
            }
        }
        "!!null" | "!!bool" | "!!int" | "!!float" | "!!timestamp" => {
            let r = resolve_plain(value);
            let rtag = match &r {
                Resolved::Null => "!!null",
                Resolved::Bool(_) => "!!bool",
                Resolved::Int(_) | Resolved::Uint(_) => "!!int",
                Resolved::Float(_) => "!!float",
                Resolved::Str(_) => "!!str",
                Resolved::Merge => "!!merge",
            };
            if rtag == tag {
                return Ok(r);
            }
            match (tag.as_str(), &r) {
                ("!!float", Resolved::Int(i)) => Ok(Resolved::Float(*i as f64)),
                ("!!float", Resolved::Uint(u)) => Ok(Resolved::Float(*u as f64)),
                // Timestamps reach `interface{}` as their text in go-yaml v2.
                ("!!timestamp", Resolved::Str(_))
                    if crate::gocompat::yaml_resolve::is_timestamp(value) =>
                {
                    Ok(r)
                }
                _ => Err(format!("cannot decode {rtag} `{value}` as a {tag}")),
            }
        }
        // Not resolvable in go-yaml v2 (custom tags, `!`, `!!null`, `!!map` on a scalar...):
        // the text is kept as a string.
        _ => Ok(Resolved::Str(value.to_string())),
    }
}

/// Resolves an untagged plain scalar with go-yaml v2's rules ([`crate::gocompat::yaml_resolve`]);
/// `<<` is the merge key where it is a key (go-yaml recognises it by its text).
pub(crate) fn resolve_plain(s: &str) -> Resolved {
    use crate::gocompat::yaml_resolve::{Plain, resolve_plain};
    if s == "<<" {
        return Resolved::Merge;
    }
    match resolve_plain(s) {
        Plain::Null => Resolved::Null,
        Plain::Bool(b) => Resolved::Bool(b),
        Plain::Int(i) => Resolved::Int(i),
        Plain::Uint(u) => Resolved::Uint(u),
        Plain::Float(f) => Resolved::Float(f),
        // Timestamps reach `interface{}` as their text in go-yaml v2.
        Plain::Timestamp | Plain::Str => Resolved::Str(s.to_string()),
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)` as sigs.k8s.io/yaml uses it for float map keys,
/// with go-yaml's `.inf`/`-.inf`/`.nan` spellings for what that prints as `+Inf`, `-Inf`, `NaN`
/// (also a float64 beyond float32's range, which the old copy printed as `i.nf`).
pub(crate) fn go_float_key(f: f64) -> String {
    let s = crate::gocompat::float::format_g32(f);
    match s.as_str() {
        "+Inf" => ".inf".into(),
        "-Inf" => "-.inf".into(),
        "NaN" => ".nan".into(),
        _ => s,
    }
}
