//! Sprig's list functions. Lists are immutable; functions return new lists as Sprig does.
use super::conv::{deep_eq, kind_name, to_int64};
use super::{arg_int, arity, arity_min, is_empty};
use crate::gocompat::go_nil::nil_slice;
use crate::model::value::Value;
use std::sync::Arc;

const MAX_LEN: i64 = 1 << 20;

fn as_list(name: &str, v: &Value) -> Result<Arc<Vec<Value>>, String> {
    match v {
        Value::List(l) => Ok(l.clone()),
        // A Go slice type (`.Capabilities.APIVersions`): Sprig reflects on its kind.
        Value::Object(o) if o.kind() == "slice" => match &o.as_value() {
            Value::List(l) => Ok(l.clone()),
            _ => Err(format!("Cannot {name} on type slice")),
        },
        // Sprig calls `reflect.TypeOf(list).Kind()`, which panics on nil; Go's template
        // engine turns the panic into this error.
        Value::Nil => {
            Err("runtime error: invalid memory address or nil pointer dereference".into())
        }
        // Sprig's `mustSlice` words it its own way.
        other if name == "slice" || name == "mustSlice" => Err(format!(
            "list should be type of slice or array but {}",
            kind_name(other)
        )),
        other => Err(format!("Cannot {name} on type {}", kind_name(other))),
    }
}

pub(super) fn list(args: &[Value]) -> Result<Value, String> {
    Ok(Value::list(args.to_vec()))
}

pub(super) fn append(args: &[Value]) -> Result<Value, String> {
    arity("append", args, 2)?;
    let mut l = as_list("push", &args[0])?.to_vec();
    l.push(args[1].clone());
    Ok(Value::list(l))
}

pub(super) fn prepend(args: &[Value]) -> Result<Value, String> {
    arity("prepend", args, 2)?;
    let mut l = vec![args[1].clone()];
    l.extend_from_slice(&as_list("prepend", &args[0])?);
    Ok(Value::list(l))
}

pub(super) fn concat(args: &[Value]) -> Result<Value, String> {
    let mut total = 0u128;
    for a in args {
        total += as_list("concat", a)?.len() as u128;
    }
    super::check_items("concat", total)?;
    let mut out = Vec::new();
    for a in args {
        out.extend_from_slice(&as_list("concat", a)?);
    }
    if out.is_empty() {
        // Sprig appends to a `var res []interface{}`: nothing appended leaves Go's nil slice.
        return Ok(nil_slice("[]interface {}"));
    }
    Ok(Value::list(out))
}

pub(super) fn first(args: &[Value]) -> Result<Value, String> {
    arity("first", args, 1)?;
    Ok(as_list("find first", &args[0])?
        .first()
        .cloned()
        .unwrap_or(Value::Nil))
}

pub(super) fn last(args: &[Value]) -> Result<Value, String> {
    arity("last", args, 1)?;
    Ok(as_list("find last", &args[0])?
        .last()
        .cloned()
        .unwrap_or(Value::Nil))
}

pub(super) fn rest(args: &[Value]) -> Result<Value, String> {
    arity("rest", args, 1)?;
    let l = as_list("find rest", &args[0])?;
    if l.is_empty() {
        // Sprig returns a nil []interface{}: it prints as `[]`, marshals as `null`.
        return Ok(nil_slice("[]interface {}"));
    }
    Ok(Value::list(l[1..].to_vec()))
}

pub(super) fn initial(args: &[Value]) -> Result<Value, String> {
    arity("initial", args, 1)?;
    let l = as_list("find initial", &args[0])?;
    if l.is_empty() {
        // Sprig returns a nil []interface{}: it prints as `[]`, marshals as `null`.
        return Ok(nil_slice("[]interface {}"));
    }
    Ok(Value::list(l[..l.len() - 1].to_vec()))
}

pub(super) fn uniq(args: &[Value]) -> Result<Value, String> {
    arity("uniq", args, 1)?;
    let mut out: Vec<Value> = Vec::new();
    let mut steps = super::Steps::new();
    'items: for v in as_list("find uniq", &args[0])?.iter() {
        for o in &out {
            steps.step()?;
            if deep_eq(o, v)? {
                continue 'items;
            }
        }
        out.push(v.clone());
    }
    Ok(Value::list(out))
}

pub(super) fn without(args: &[Value]) -> Result<Value, String> {
    arity_min("without", args, 1)?;
    let l = as_list("find without", &args[0])?;
    let omit = &args[1..];
    let mut out = Vec::new();
    let mut steps = super::Steps::new();
    'items: for v in l.iter() {
        for o in omit {
            steps.step()?;
            if deep_eq(o, v)? {
                continue 'items;
            }
        }
        out.push(v.clone());
    }
    Ok(Value::list(out))
}

pub(super) fn has(args: &[Value]) -> Result<Value, String> {
    arity("has", args, 2)?;
    match &args[1] {
        Value::Nil => Ok(Value::bool(false)),
        hay => {
            let mut steps = super::Steps::new();
            for v in as_list("find has", hay)?.iter() {
                steps.step()?;
                if deep_eq(v, &args[0])? {
                    return Ok(Value::bool(true));
                }
            }
            Ok(Value::bool(false))
        }
    }
}

pub(super) fn compact(args: &[Value]) -> Result<Value, String> {
    arity("compact", args, 1)?;
    Ok(Value::list(
        as_list("compact", &args[0])?
            .iter()
            .filter(|v| !is_empty(v))
            .cloned()
            .collect(),
    ))
}

pub(super) fn reverse(args: &[Value]) -> Result<Value, String> {
    arity("reverse", args, 1)?;
    let mut l = as_list("find reverse", &args[0])?.to_vec();
    l.reverse();
    Ok(Value::list(l))
}

pub(super) fn slice(args: &[Value]) -> Result<Value, String> {
    arity_min("slice", args, 1)?;
    let l = as_list("slice", &args[0])?;
    let len = l.len() as i64;
    if len == 0 {
        // Sprig's `mustSlice` returns an untyped nil for an empty list, before looking at
        // the indices.
        return Ok(Value::Nil);
    }
    let (a, b) = match args.len() {
        1 => (0, len),
        2 => (to_int64(&args[1]), len),
        _ => (to_int64(&args[1]), to_int64(&args[2])),
    };
    if a < 0 || b > len || a > b {
        return Err(format!(
            "slice: index out of range [{a}:{b}] with length {len}"
        ));
    }
    Ok(Value::list(l[a as usize..b as usize].to_vec()))
}

pub(super) fn chunk(args: &[Value]) -> Result<Value, String> {
    arity("chunk", args, 2)?;
    let size = to_int64(&args[0]);
    let l = as_list("chunk", &args[1])?;
    if size <= 0 {
        return Err("chunk: size must be positive".into());
    }
    Ok(Value::list(
        l.chunks(size as usize)
            .map(|c| Value::list(c.to_vec()))
            .collect(),
    ))
}

fn int_range(start: i64, stop: i64, step: i64) -> Result<Value, String> {
    let mut out = Vec::new();
    if step == 0 {
        return Ok(Value::list(out));
    }
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        if out.len() as i64 >= MAX_LEN {
            return Err("list too long".into());
        }
        out.push(Value::int(i));
        i += step;
    }
    Ok(Value::list(out))
}

pub(super) fn until(args: &[Value]) -> Result<Value, String> {
    arity("until", args, 1)?;
    let n = super::arg_int(&args[0])?;
    int_range(0, n, if n < 0 { -1 } else { 1 })
}

pub(super) fn until_step(args: &[Value]) -> Result<Value, String> {
    arity("untilStep", args, 3)?;
    let (a, b, s) = (
        super::arg_int(&args[0])?,
        super::arg_int(&args[1])?,
        super::arg_int(&args[2])?,
    );
    int_range(a, b, s)
}

/// Sprig's `untilStep` over Go ints, as `seq` uses it (empty when the step points away).
fn until_step_ints(start: i64, stop: i64, step: i64) -> Result<Vec<i64>, String> {
    let mut v = Vec::new();
    let mut i = start;
    let more = |i: i64| {
        if stop < start {
            step < 0 && i > stop
        } else {
            step > 0 && i < stop
        }
    };
    while more(i) {
        if v.len() >= super::call_limits().output_bytes / 2 {
            return Err("seq: result over the output limit (limits.output-bytes)".into());
        }
        v.push(i);
        i = match i.checked_add(step) {
            Some(n) => n,
            None => break,
        };
    }
    Ok(v)
}

/// Sprig's `seq` (like GNU seq): returns a space-separated string. With one argument it counts
/// from 1 (down when the argument is below 1); `seq start step end` is empty when the step
/// points away from `end`.
pub(super) fn seq(args: &[Value]) -> Result<Value, String> {
    // `seq(params ...int)`: each operand converts to a Go `int` (an `int64` or float64 does not).
    let p: Vec<i64> = args.iter().map(arg_int).collect::<Result<_, _>>()?;
    let items = match p.as_slice() {
        [end] => {
            let inc = if *end < 1 { -1 } else { 1 };
            until_step_ints(1, end.saturating_add(inc), inc)?
        }
        [start, end] => {
            let step = if end < start { -1 } else { 1 };
            until_step_ints(*start, end.saturating_add(step), step)?
        }
        [start, step, end] => {
            let inc = if end < start { -1 } else { 1 };
            if end < start && *step > 0 {
                Vec::new()
            } else {
                until_step_ints(*start, end.saturating_add(inc), *step)?
            }
        }
        _ => Vec::new(),
    };
    let items: Vec<String> = items.iter().map(|i| i.to_string()).collect();
    Ok(Value::str(items.join(" ")))
}
