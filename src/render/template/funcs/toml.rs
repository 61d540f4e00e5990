//! Helm's `toToml` (BurntSushi/toml encoder, default two-space indent for sub-tables).
use super::arity;
use crate::model::value::{Map, Value};

fn key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        quote(k)
    }
}

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_table(v: &Value) -> bool {
    matches!(v, Value::Map(_))
}

fn is_table_array(v: &Value) -> bool {
    matches!(v, Value::List(l) if !l.is_empty() && l.iter().all(is_table))
}

fn inline(v: &Value, depth: usize) -> Result<String, String> {
    if depth > crate::model::value::MAX_VALUE_DEPTH {
        return Err("toml: value nested too deeply".into());
    }
    Ok(match v {
        Value::Bool(b, _) => b.to_string(),
        Value::Int(i, _, _) => i.to_string(),
        Value::Float(f, _) => {
            if f.is_nan() {
                "nan".into()
            } else if f.is_infinite() {
                if *f > 0.0 {
                    "inf".into()
                } else {
                    "-inf".into()
                }
            } else {
                // BurntSushi: `strconv.FormatFloat(f, 'g', -1, 64)` (`1e+06`), and `.0` added
                // when there is neither a point nor an exponent (`8080.0`).
                let s = crate::gocompat::float::format_g(*f, None, false);
                if s.contains(['.', 'e', 'E']) {
                    s
                } else {
                    format!("{s}.0")
                }
            }
        }
        Value::Str(t) => quote(t.as_str()),
        Value::List(l) => {
            if l.iter().any(Value::is_nil) {
                return Err("toml: cannot encode array with nil element".into());
            }
            let items: Vec<String> = l
                .iter()
                .map(|x| inline(x, depth + 1))
                .collect::<Result<_, _>>()?;
            format!("[{}]", items.join(", "))
        }
        Value::Map(m) => {
            let items: Vec<String> = m
                .read()
                .iter()
                .filter(|(_, x)| !x.is_nil())
                .map(|(k, x)| Ok(format!("{} = {}", key(k), inline(x, depth + 1)?)))
                .collect::<Result<_, String>>()?;
            format!("{{{}}}", items.join(", "))
        }
        Value::Nil => String::new(),
        Value::Object(o) => inline(&o.as_value(), depth + 1)?,
    })
}

fn table(out: &mut String, path: &[String], m: &Map, depth: usize) -> Result<(), String> {
    if depth > crate::model::value::MAX_VALUE_DEPTH {
        return Err("toml: value nested too deeply".into());
    }
    let kind = ind_for_keys(path);
    for (k, v) in m {
        if v.is_nil() || is_table(v) || is_table_array(v) {
            continue;
        }
        out.push_str(&format!("{kind}{} = {}\n", key(k), inline(v, depth)?));
    }
    for (k, v) in m {
        let mut p = path.to_vec();
        p.push(key(k));
        let hind = "  ".repeat(path.len());
        match v {
            Value::Map(sub) => {
                // BurntSushi puts a blank line only before top-level tables.
                if path.is_empty() && !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&format!("{hind}[{}]\n", p.join(".")));
                table(out, &p, &sub.read(), depth + 1)?;
            }
            Value::List(l) if is_table_array(v) => {
                for item in l.iter() {
                    if let Value::Map(sub) = item {
                        if !out.is_empty() {
                            out.push('\n');
                        }
                        out.push_str(&format!("{hind}[[{}]]\n", p.join(".")));
                        table(out, &p, &sub.read(), depth + 1)?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn ind_for_keys(path: &[String]) -> String {
    "  ".repeat(path.len())
}

/// TOML text of a map as BurntSushi/toml encodes it.
pub fn to_toml(v: &Value) -> Result<String, String> {
    match v {
        Value::Map(m) => {
            let mut out = String::new();
            table(&mut out, &[], &m.read(), 0)?;
            Ok(out)
        }
        other => Err(format!(
            "toml: top-level values must be Go maps or structs, not {}",
            super::type_name(other)
        )),
    }
}

/// Helm's `toToml`: the encoder's error text on failure.
pub(super) fn to_toml_fn(args: &[Value]) -> Result<Value, String> {
    arity("toToml", args, 1)?;
    Ok(Value::str(to_toml(&args[0]).unwrap_or_else(|e| e)))
}

fn from_toml_value(v: ::toml::Value) -> Value {
    match v {
        ::toml::Value::String(s) => Value::str(s),
        // BurntSushi decodes integers into int64 and floats into float64.
        ::toml::Value::Integer(i) => Value::int(i),
        ::toml::Value::Float(f) => Value::float(f),
        ::toml::Value::Boolean(b) => Value::bool(b),
        ::toml::Value::Datetime(d) => Value::str(d.to_string()),
        ::toml::Value::Array(a) => Value::list(a.into_iter().map(from_toml_value).collect()),
        ::toml::Value::Table(t) => Value::map(
            t.into_iter()
                .map(|(k, v)| (k, from_toml_value(v)))
                .collect::<Map>(),
        ),
    }
}

/// Helm's `fromToml`: a TOML document as a map; on a parse error the map holds the message
/// under `Error` (the wording is the Rust parser's, not BurntSushi's).
pub(super) fn from_toml(args: &[Value]) -> Result<Value, String> {
    arity("fromToml", args, 1)?;
    let s = super::arg_str(&args[0])?;
    let mut m = Map::new();
    match s.parse::<::toml::Table>() {
        Ok(t) => {
            for (k, v) in t {
                m.insert(k, from_toml_value(v));
            }
        }
        Err(e) => {
            let msg = e.message().to_string();
            let line = e
                .span()
                .map(|sp| s[..sp.start.min(s.len())].matches('\n').count() + 1)
                .unwrap_or(1);
            m.insert(
                "Error".into(),
                Value::str(format!("toml: line {line}: {msg}")),
            );
        }
    }
    Ok(Value::map(m))
}
