//! Sprig's dict functions. They return new maps; the executor writes `set`/`unset`/`merge*`
//! results back into the first argument (see `funcs::mutates`).
use super::{arg_str, arity, arity_min, sprint_value, type_name};
use crate::render::value::{Map, Value};

fn as_map<'a>(name: &str, v: &'a Value) -> Result<&'a Map, String> {
    match v {
        Value::Map(m) => Ok(m),
        other => Err(format!(
            "wrong type for value; expected map[string]interface {{}}; got {} (in {name})",
            type_name(other)
        )),
    }
}

pub(super) fn dict(args: &[Value]) -> Result<Value, String> {
    let mut m = Map::new();
    for pair in args.chunks(2) {
        let k = match &pair[0] {
            Value::Str(t) => t.s.to_string(),
            other => sprint_value(other),
        };
        m.insert(k, pair.get(1).cloned().unwrap_or_else(|| Value::str("")));
    }
    Ok(Value::map(m))
}

pub(super) fn get(args: &[Value]) -> Result<Value, String> {
    arity("get", args, 2)?;
    let m = as_map("get", &args[0])?;
    Ok(m.get(arg_str(&args[1])?)
        .cloned()
        .unwrap_or_else(|| Value::str("")))
}

pub(super) fn set(args: &[Value]) -> Result<Value, String> {
    arity("set", args, 3)?;
    let mut m = as_map("set", &args[0])?.clone();
    m.insert(arg_str(&args[1])?.to_string(), args[2].clone());
    Ok(Value::map(m))
}

pub(super) fn unset(args: &[Value]) -> Result<Value, String> {
    arity("unset", args, 2)?;
    let mut m = as_map("unset", &args[0])?.clone();
    m.remove(arg_str(&args[1])?);
    Ok(Value::map(m))
}

pub(super) fn has_key(args: &[Value]) -> Result<Value, String> {
    arity("hasKey", args, 2)?;
    Ok(Value::bool(
        as_map("hasKey", &args[0])?.contains_key(arg_str(&args[1])?),
    ))
}

/// Keys of all given dicts. Go's map order is random; we return them sorted (deterministic).
pub(super) fn keys(args: &[Value]) -> Result<Value, String> {
    let mut out = Vec::new();
    for a in args {
        for k in as_map("keys", a)?.keys() {
            out.push(Value::str(k.as_str()));
        }
    }
    Ok(Value::list(out))
}

pub(super) fn values(args: &[Value]) -> Result<Value, String> {
    arity("values", args, 1)?;
    Ok(Value::list(
        as_map("values", &args[0])?.values().cloned().collect(),
    ))
}

pub(super) fn pick(args: &[Value]) -> Result<Value, String> {
    arity_min("pick", args, 1)?;
    let m = as_map("pick", &args[0])?;
    let mut out = Map::new();
    for k in &args[1..] {
        let k = arg_str(k)?;
        if let Some(v) = m.get(k) {
            out.insert(k.to_string(), v.clone());
        }
    }
    Ok(Value::map(out))
}

pub(super) fn omit(args: &[Value]) -> Result<Value, String> {
    arity_min("omit", args, 1)?;
    let mut m = as_map("omit", &args[0])?.clone();
    for k in &args[1..] {
        m.remove(arg_str(k)?);
    }
    Ok(Value::map(m))
}

/// mergo's deep merge of maps: without `overwrite`, only keys missing (or nil) in `dst` are
/// filled; with it, every non-nil `src` value (even `false`, `0`, `""`) replaces the `dst` value. Nested maps merge recursively.
fn merge_into(dst: &mut Map, src: &Map, overwrite: bool, depth: usize) -> Result<(), String> {
    if depth > 1000 {
        return Err("merge: maps nested too deeply".into());
    }
    for (k, sv) in src {
        match dst.get_mut(k) {
            Some(Value::Map(dm)) if matches!(sv, Value::Map(_)) => {
                if let Value::Map(sm) = sv {
                    merge_into(std::sync::Arc::make_mut(dm), sm, overwrite, depth + 1)?;
                }
            }
            Some(dv) => {
                if (overwrite && !sv.is_nil()) || (!overwrite && dv.is_nil()) {
                    *dv = sv.clone();
                }
            }
            None => {
                dst.insert(k.clone(), sv.clone());
            }
        }
    }
    Ok(())
}

fn merge_all(name: &str, args: &[Value], overwrite: bool) -> Result<Value, String> {
    arity_min(name, args, 1)?;
    let mut dst = as_map(name, &args[0])?.clone();
    for s in &args[1..] {
        if s.is_nil() {
            continue;
        }
        merge_into(&mut dst, as_map(name, s)?, overwrite, 0)?;
    }
    Ok(Value::map(dst))
}

pub(super) fn merge(args: &[Value]) -> Result<Value, String> {
    merge_all("merge", args, false)
}

pub(super) fn merge_overwrite(args: &[Value]) -> Result<Value, String> {
    merge_all("mergeOverwrite", args, true)
}

pub(super) fn deep_copy(args: &[Value]) -> Result<Value, String> {
    arity("deepCopy", args, 1)?;
    // Values are immutable (copy-on-write), so a clone is a deep copy.
    Ok(args[0].clone())
}

/// `dig "a" "b" default $dict`.
pub(super) fn dig(args: &[Value]) -> Result<Value, String> {
    arity_min("dig", args, 3)?;
    let n = args.len();
    let mut cur = as_map("dig", &args[n - 1])?;
    let keys = &args[..n - 2];
    for (i, k) in keys.iter().enumerate() {
        match cur.get(arg_str(k)?) {
            None => return Ok(args[n - 2].clone()),
            Some(v) if i + 1 == keys.len() => return Ok(v.clone()),
            Some(Value::Map(m)) => cur = m,
            Some(other) => {
                return Err(format!(
                    "interface conversion: interface {{}} is {}, not map[string]interface {{}}",
                    type_name(other)
                ));
            }
        }
    }
    Ok(args[n - 2].clone())
}

pub(super) fn pluck(args: &[Value]) -> Result<Value, String> {
    arity_min("pluck", args, 1)?;
    let k = arg_str(&args[0])?;
    let mut out = Vec::new();
    for d in &args[1..] {
        if let Some(v) = as_map("pluck", d)?.get(k) {
            out.push(v.clone());
        }
    }
    Ok(Value::list(out))
}

/// Helm's `lookup`: always an empty map, as in `helm template` (no cluster access).
pub(super) fn lookup(args: &[Value]) -> Result<Value, String> {
    arity("lookup", args, 4)?;
    Ok(Value::empty_map())
}
