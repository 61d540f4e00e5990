//! `toJson`, `toRawJson`, `toPrettyJson`, `fromJson`, `fromJsonArray`, byte-compatible with Go's
//! `encoding/json` (sorted keys, HTML escaping in toJson, float formatting).
use super::{arg_str, arity, go_float};
use crate::gocompat::go_nil::{nil_map, nil_slice};
use crate::gocompat::json_decode::Decoded;
use crate::model::value::{Map, Value};

/// Go's `encoding/json` number text for a float64 (`None` for NaN/Inf, which Go rejects).
pub(crate) fn json_float(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // 'e' format, with Go's clean-up of `e-07` to `e-7`.
        let g = go_float(f);
        let (m, e) = g.split_once('e')?;
        let (sign, digits) = e.split_at(1);
        let digits = if sign == "-" {
            digits.trim_start_matches('0')
        } else {
            digits
        };
        return Some(format!("{m}e{sign}{digits}"));
    }
    if f == 0.0 {
        return Some(if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        });
    }
    Some(format!("{f}"))
}

fn quote_json(s: &str, html: bool, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            '<' | '>' | '&' if html => out.push_str(&format!("\\u{:04x}", c as u32)),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            // A byte that is not UTF-8: Go's encoder writes the replacement character.
            c if crate::gocompat::gobytes::stand_in_byte(c).is_some() => out.push_str("\\ufffd"),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write(
    v: &Value,
    html: bool,
    pretty: Option<usize>,
    out: &mut String,
    depth: usize,
) -> Result<(), String> {
    if depth > crate::model::value::MAX_VALUE_DEPTH {
        return Err("json: value nested too deeply".into());
    }
    let nl = |out: &mut String, level: usize| {
        if pretty.is_some() {
            out.push('\n');
            out.push_str(&"  ".repeat(level));
        }
    };
    let level = pretty.unwrap_or(0);
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b, _) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i, _, _) => out.push_str(&i.to_string()),
        Value::Float(f, _) => out.push_str(
            &json_float(*f).ok_or_else(|| format!("json: unsupported value: {}", go_float(*f)))?,
        ),
        Value::Str(t) => quote_json(t.as_str(), html, out),
        Value::List(l) => {
            if l.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, level + 1);
                write(x, html, pretty.map(|p| p + 1), out, depth + 1)?;
            }
            nl(out, level);
            out.push(']');
        }
        Value::Map(m) => {
            let m = m.read();
            if m.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, level + 1);
                quote_json(k, html, out);
                out.push(':');
                if pretty.is_some() {
                    out.push(' ');
                }
                write(x, html, pretty.map(|p| p + 1), out, depth + 1)?;
            }
            nl(out, level);
            out.push('}');
        }
        Value::Object(_) if crate::gocompat::complex::is_complex(v) => {
            return Err("json: unsupported type: complex128".into());
        }
        Value::Object(o) => match o.go_json() {
            // Structs are small and flat: their compact form is also what MarshalIndent keeps
            // on one line per field only for nested values, so pretty output re-indents it.
            Some(j) if pretty.is_none() => out.push_str(&j),
            Some(j) => {
                let parsed: serde_json::Value =
                    serde_json::from_str(&j).map_err(|e| e.to_string())?;
                write(&from_serde(parsed, depth + 1), html, pretty, out, depth + 1)?
            }
            None => write(&o.as_value(), html, pretty, out, depth + 1)?,
        },
    }
    Ok(())
}

/// Go's `json.Marshal` (`html` = escape `<>&`) or `json.MarshalIndent(v, "", "  ")` (`pretty`).
pub fn to_json(v: &Value, html: bool, pretty: bool) -> Result<String, String> {
    let mut out = String::new();
    write(v, html, if pretty { Some(0) } else { None }, &mut out, 0)?;
    Ok(out)
}

pub(super) fn to_json_fn(args: &[Value]) -> Result<Value, String> {
    arity("toJson", args, 1)?;
    Ok(Value::str(
        to_json(&args[0], true, false).unwrap_or_default(),
    ))
}
pub(super) fn must_to_json(args: &[Value]) -> Result<Value, String> {
    arity("mustToJson", args, 1)?;
    Ok(Value::str(to_json(&args[0], true, false)?))
}
pub(super) fn to_raw_json(args: &[Value]) -> Result<Value, String> {
    arity("toRawJson", args, 1)?;
    Ok(Value::str(
        to_json(&args[0], false, false).unwrap_or_default(),
    ))
}
pub(super) fn must_to_raw_json(args: &[Value]) -> Result<Value, String> {
    arity("mustToRawJson", args, 1)?;
    Ok(Value::str(to_json(&args[0], false, false)?))
}
pub(super) fn to_pretty_json(args: &[Value]) -> Result<Value, String> {
    arity("toPrettyJson", args, 1)?;
    Ok(Value::str(
        to_json(&args[0], true, true).unwrap_or_default(),
    ))
}
pub(super) fn must_to_pretty_json(args: &[Value]) -> Result<Value, String> {
    arity("mustToPrettyJson", args, 1)?;
    Ok(Value::str(to_json(&args[0], true, true)?))
}

/// JSON → Value as Go's `json.Unmarshal` into `interface{}` builds it (numbers are float64).
pub(crate) fn from_serde(v: serde_json::Value, depth: usize) -> Value {
    match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::bool(b),
        serde_json::Value::Number(n) => Value::float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::str(s),
        serde_json::Value::Array(a) if depth < crate::model::value::MAX_VALUE_DEPTH => {
            Value::list(a.into_iter().map(|x| from_serde(x, depth + 1)).collect())
        }
        serde_json::Value::Object(o) if depth < crate::model::value::MAX_VALUE_DEPTH => Value::map(
            o.into_iter()
                .map(|(k, x)| (k, from_serde(x, depth + 1)))
                .collect(),
        ),
        _ => Value::Nil,
    }
}

fn parse(s: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(s).map_err(|e| e.to_string())
}

/// Helm's `fromJson`: a map, or `{"Error": message}` when the text is not a JSON object; Go
/// keeps what it decoded before a number out of float64 range (nil there) beside the error.
pub(super) fn from_json(args: &[Value]) -> Result<Value, String> {
    arity("fromJson", args, 1)?;
    use crate::gocompat::json_decode::{Kind, unmarshal};
    Ok(match unmarshal(arg_str(&args[0])?) {
        Err(e) => error_map(&e),
        // `json.Unmarshal` of `null` into Helm's map sets it to Go's nil map.
        Ok(d) if d.kind == Kind::Null => nil_map("map[string]interface {}"),
        Ok(d) if d.kind != Kind::Object => error_map(&format!(
            "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            d.kind.go_word()
        )),
        Ok(d) => {
            if let (Value::Map(m), Some(e)) = (&d.value, d.error) {
                m.update(|m| m.insert("Error".into(), Value::str(e)));
            }
            d.value
        }
    })
}

pub(super) fn must_from_json(args: &[Value]) -> Result<Value, String> {
    arity("mustFromJson", args, 1)?;
    Ok(from_serde(parse(arg_str(&args[0])?)?, 0))
}

/// Helm's `fromJsonArray`: a list, or `[message]` on any error.
pub(super) fn from_json_array(args: &[Value]) -> Result<Value, String> {
    arity("fromJsonArray", args, 1)?;
    use crate::gocompat::json_decode::{Kind, unmarshal};
    let message = match unmarshal(arg_str(&args[0])?) {
        Err(e) => e,
        // `null` leaves Helm's `var a []interface{}` nil.
        Ok(d) if d.kind == Kind::Null => return Ok(nil_slice("[]interface {}")),
        Ok(d) if d.kind != Kind::Array => format!(
            "json: cannot unmarshal {} into Go value of type []interface {{}}",
            d.kind.go_word()
        ),
        Ok(Decoded { error: Some(e), .. }) => e,
        Ok(d) => return Ok(d.value),
    };
    Ok(Value::list(vec![Value::str(message)]))
}

fn error_map(msg: &str) -> Value {
    let mut m = Map::new();
    m.insert("Error".into(), Value::str(msg));
    Value::map(m)
}
