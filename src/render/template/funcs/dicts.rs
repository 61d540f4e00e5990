//! Sprig's dict functions. Go maps are references: `set`, `unset` and `merge*` change their
//! first argument in place and return it, so every alias of that map (`.Values.x`, a dict
//! passed through `include`, a dict inside a list) sees the change, as in Helm.
use super::{arg_str, arity, arity_min, type_name};
use crate::gocompat::go_nil::is_go_nil;
use crate::model::value::{Map, MapRef, Value};
use std::sync::Arc;

fn map_ref<'a>(_name: &str, v: &'a Value) -> Result<&'a MapRef, String> {
    match v {
        Value::Map(m) => Ok(m),
        other => Err(format!(
            "wrong type for value; expected map[string]interface {{}}; got {}",
            type_name(other)
        )),
    }
}

fn as_map(_name: &str, v: &Value) -> Result<Arc<Map>, String> {
    match v {
        Value::Map(m) => Ok(m.read()),
        // Go's nil map (`fromJson "null"`) reads as an empty one.
        Value::Object(o) if o.type_name() == "map[string]interface {}" && is_go_nil(v) => {
            Ok(Arc::new(Map::new()))
        }
        other => Err(format!(
            "wrong type for value; expected map[string]interface {{}}; got {}",
            type_name(other)
        )),
    }
}

pub(super) fn dict(args: &[Value]) -> Result<Value, String> {
    let mut m = Map::new();
    for pair in args.chunks(2) {
        let k = match &pair[0] {
            Value::Str(t) => t.s.to_string(),
            other => crate::render::template::gofmt::sprint_value_checked("dict", other)?,
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
    let m = map_ref("set", &args[0])?;
    let k = arg_str(&args[1])?.to_string();
    m.update(|m| m.insert(k, args[2].clone()));
    Ok(args[0].clone())
}

pub(super) fn unset(args: &[Value]) -> Result<Value, String> {
    arity("unset", args, 2)?;
    let m = map_ref("unset", &args[0])?;
    let k = arg_str(&args[1])?;
    m.update(|m| m.remove(k));
    Ok(args[0].clone())
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
    let mut m = as_map("omit", &args[0])?.as_ref().clone();
    for k in &args[1..] {
        m.remove(arg_str(k)?);
    }
    Ok(Value::map(m))
}

/// Whether mergo counts a destination value as empty (Go's zero value, looked at through the
/// interface): such a value is replaced even by `merge`.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Bool(b, _) => !b,
        Value::Int(i, _, _) => *i == 0,
        Value::Float(f, _) => *f == 0.0,
        Value::Str(t) => t.s.is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Object(_) => false,
    }
}

/// mergo's deep merge (`mergo.Merge(&dst, src)`, with `WithOverride` for `overwrite`), in place:
/// a key missing (or empty) in `dst` takes `src`'s value — the same map handle, not a copy, as
/// in Go; with `overwrite` every value of `src` (even `nil`) replaces `dst`'s; where both hold
/// maps, `src`'s map is merged into `dst`'s map in place (which may itself be shared). No lock
/// is held while recursing, so merging a map into itself or a map containing itself is safe.
fn merge_into(
    dst: &MapRef,
    src: &MapRef,
    overwrite: bool,
    depth: usize,
    steps: &mut super::Steps,
) -> Result<(), String> {
    if depth > crate::model::value::MAX_VALUE_DEPTH {
        return Err("merge: maps nested too deeply".into());
    }
    steps.step()?;
    if dst.ptr_eq(src) {
        return Ok(());
    }
    let src = src.read();
    for (k, sv) in src.iter() {
        if sv.is_nil() {
            // mergo: a nil source value is skipped, or stored as nil when overwriting.
            if overwrite {
                dst.update(|m| m.insert(k.clone(), Value::Nil));
            }
            continue;
        }
        let dv = dst.get(k);
        if let (Some(Value::Map(dm)), Value::Map(sm)) = (&dv, sv) {
            merge_into(dm, sm, overwrite, depth + 1, steps)?;
            if !dm.is_empty() {
                continue;
            }
        }
        let replace = overwrite || dv.as_ref().is_none_or(is_empty);
        if replace {
            dst.update(|m| m.insert(k.clone(), sv.clone()));
        }
    }
    Ok(())
}

fn merge_all(name: &str, args: &[Value], overwrite: bool) -> Result<Value, String> {
    arity_min(name, args, 1)?;
    let dst = map_ref(name, &args[0])?;
    let mut steps = super::Steps::new();
    for s in &args[1..] {
        if s.is_nil() {
            continue;
        }
        merge_into(dst, map_ref(name, s)?, overwrite, 0, &mut steps)?;
    }
    Ok(args[0].clone())
}

pub(super) fn merge(args: &[Value]) -> Result<Value, String> {
    merge_all("merge", args, false)
}

pub(super) fn merge_overwrite(args: &[Value]) -> Result<Value, String> {
    merge_all("mergeOverwrite", args, true)
}

pub(super) fn deep_copy(args: &[Value]) -> Result<Value, String> {
    arity("deepCopy", args, 1)?;
    copy_at(&args[0], 0, &mut super::Steps::new())
}

/// [`Value::deep_copy`] under the render's budgets: a map doubled into itself a few dozen times
/// is small, its copy is exponential, so every copied node counts (memory every 16 nodes, the
/// clocks every 1024).
fn copy_at(v: &Value, depth: usize, steps: &mut super::Steps) -> Result<Value, String> {
    if depth > crate::model::value::MAX_VALUE_DEPTH {
        return Ok(Value::Nil);
    }
    steps.step()?;
    Ok(match v {
        Value::Map(m) => {
            let mut out = Map::new();
            for (k, x) in m.read().iter() {
                out.insert(k.clone(), copy_at(x, depth + 1, steps)?);
            }
            Value::map(out)
        }
        Value::List(l) => {
            let mut out = Vec::with_capacity(l.len());
            for x in l.iter() {
                out.push(copy_at(x, depth + 1, steps)?);
            }
            Value::list(out)
        }
        v => v.clone(),
    })
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
            Some(Value::Map(m)) => cur = m.read(),
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
