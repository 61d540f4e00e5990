//! Conversions (Go's `cast` rules as Sprig uses them), type predicates, `default`/`empty`/...
use super::{arg_str, arity, arity_min, is_empty, strslice, strval, type_name};
use crate::model::value::{GoInt, Value};

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`, which is also what `%v` prints for a float64
/// ([`crate::gocompat::float`]).
pub fn go_float(f: f64) -> String {
    crate::gocompat::float::format_g(f, None, false)
}

/// Go's `fmt.Sprint` of one value (`%v`), from the engine's gofmt.
pub fn sprint_value(v: &Value) -> String {
    crate::render::template::gofmt::sprint_value(v)
}

fn trim_zero_decimal(s: &str) -> &str {
    // cast's trimZeroDecimal: "12.000" → "12".
    if let Some((int, frac)) = s.split_once('.')
        && !int.is_empty()
        && frac.chars().all(|c| c == '0')
    {
        return int;
    }
    s
}

/// Go's `strconv.ParseInt(s, 0, 64)`: optional sign, `0x`/`0o`/`0b`/leading-`0` octal, `_`.
fn parse_int_base0(s: &str) -> Option<i64> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if body.is_empty() {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_string(), true)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_string(), true)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_string(), true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string(), true)
    } else {
        (10, lower.clone(), false)
    };
    // Underscores are only allowed with a base prefix.
    let digits = if prefixed {
        digits.replace('_', "")
    } else {
        digits
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let mag = i128::from_str_radix(&digits, radix).ok()?;
    let v = if neg { -mag } else { mag };
    i64::try_from(v).ok()
}

/// Go's `cast.ToInt64` (errors become 0).
pub fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Int(i, _, _) => *i,
        Value::Float(f, _) => {
            if f.is_nan() {
                0
            } else {
                *f as i64
            }
        }
        Value::Bool(b, _) => *b as i64,
        Value::Str(t) => parse_int_base0(trim_zero_decimal(t.as_str())).unwrap_or(0),
        _ => 0,
    }
}

/// Go's `cast.ToFloat64` (errors become 0).
pub fn to_float64(v: &Value) -> f64 {
    match v {
        Value::Int(i, _, _) => *i as f64,
        Value::Float(f, _) => *f,
        Value::Bool(b, _) => *b as i64 as f64,
        Value::Str(t) => parse_go_float(t.as_str()).unwrap_or(0.0),
        _ => 0.0,
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for the common forms (decimal, exponent, inf, nan).
fn parse_go_float(s: &str) -> Option<f64> {
    let l = s.to_ascii_lowercase();
    match l.trim_start_matches(['+', '-']) {
        "inf" | "infinity" | "nan" => {}
        body => {
            if body.is_empty()
                || !body
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | '+' | '-' | '_'))
            {
                return None;
            }
        }
    }
    l.replace('_', "").parse::<f64>().ok()
}

fn with_origin_int(i: i64, v: &Value, ty: GoInt) -> Value {
    Value::Int(i, v.origin(), ty)
}

pub(super) fn to_string(args: &[Value]) -> Result<Value, String> {
    arity("toString", args, 1)?;
    Ok(Value::Str(strval(&args[0])))
}

pub(super) fn to_strings(args: &[Value]) -> Result<Value, String> {
    arity("toStrings", args, 1)?;
    // Sprig's strslice: nil items of a list are dropped.
    let out = strslice(&args[0]).into_iter().map(Value::Str).collect();
    Ok(Value::list(out))
}

pub(super) fn int(args: &[Value]) -> Result<Value, String> {
    arity("int", args, 1)?;
    Ok(with_origin_int(to_int64(&args[0]), &args[0], GoInt::Int))
}

pub(super) fn int64(args: &[Value]) -> Result<Value, String> {
    arity("int64", args, 1)?;
    Ok(with_origin_int(to_int64(&args[0]), &args[0], GoInt::Int64))
}

pub(super) fn float64(args: &[Value]) -> Result<Value, String> {
    arity("float64", args, 1)?;
    Ok(Value::Float(to_float64(&args[0]), args[0].origin()))
}

pub(super) fn atoi(args: &[Value]) -> Result<Value, String> {
    arity("atoi", args, 1)?;
    let s = arg_str(&args[0])?;
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    let v = if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        s.parse::<i64>().unwrap_or(0)
    } else {
        0
    };
    Ok(with_origin_int(v, &args[0], GoInt::Int))
}

pub(super) fn to_decimal(args: &[Value]) -> Result<Value, String> {
    arity("toDecimal", args, 1)?;
    // Sprig: ParseInt(toString(v), 8, 64), 0 on error.
    let s = strval(&args[0]);
    Ok(Value::int(i64::from_str_radix(s.as_str(), 8).unwrap_or(0)))
}

pub(super) fn default(args: &[Value]) -> Result<Value, String> {
    // Sprig's `dfault(d, given...)`: only the first of the given values counts.
    arity_min("default", args, 1)?;
    match args.get(1) {
        Some(given) if !is_empty(given) => Ok(given.clone()),
        _ => Ok(args[0].clone()),
    }
}

pub(super) fn empty(args: &[Value]) -> Result<Value, String> {
    arity("empty", args, 1)?;
    Ok(Value::bool(is_empty(&args[0])))
}

pub(super) fn coalesce(args: &[Value]) -> Result<Value, String> {
    Ok(args
        .iter()
        .find(|v| !is_empty(v))
        .cloned()
        .unwrap_or(Value::Nil))
}

pub(super) fn all(args: &[Value]) -> Result<Value, String> {
    Ok(Value::bool(args.iter().all(|v| !is_empty(v))))
}

pub(super) fn any(args: &[Value]) -> Result<Value, String> {
    Ok(Value::bool(args.iter().any(|v| !is_empty(v))))
}

pub(super) fn ternary(args: &[Value]) -> Result<Value, String> {
    arity("ternary", args, 3)?;
    match &args[2] {
        Value::Bool(b, _) => Ok(if *b { args[0].clone() } else { args[1].clone() }),
        other => Err(format!(
            "wrong type for value; expected bool; got {}",
            type_name(other)
        )),
    }
}

/// Go's `reflect.Kind` name as Sprig's `kindOf` prints it.
pub(crate) fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Nil => "invalid",
        Value::Bool(..) => "bool",
        Value::Int(_, _, GoInt::Int64) => "int64",
        Value::Int(..) => "int",
        Value::Float(..) => "float64",
        Value::Str(_) => "string",
        Value::List(_) => "slice",
        Value::Map(_) => "map",
        Value::Object(o) => o.kind(),
    }
}

pub(super) fn kind_of(args: &[Value]) -> Result<Value, String> {
    arity("kindOf", args, 1)?;
    Ok(Value::str(kind_name(&args[0])))
}

pub(super) fn kind_is(args: &[Value]) -> Result<Value, String> {
    arity("kindIs", args, 2)?;
    Ok(Value::bool(arg_str(&args[0])? == kind_name(&args[1])))
}

pub(super) fn type_of(args: &[Value]) -> Result<Value, String> {
    arity("typeOf", args, 1)?;
    Ok(Value::str(type_name(&args[0])))
}

pub(super) fn type_is(args: &[Value]) -> Result<Value, String> {
    arity("typeIs", args, 2)?;
    Ok(Value::bool(arg_str(&args[0])? == type_name(&args[1])))
}

pub(super) fn type_is_like(args: &[Value]) -> Result<Value, String> {
    arity("typeIsLike", args, 2)?;
    let t = arg_str(&args[0])?;
    let n = type_name(&args[1]);
    Ok(Value::bool(t == n || t == format!("*{n}")))
}

/// Deep equality as Go's `reflect.DeepEqual` sees Helm values (int and float64 differ).
/// Go's `reflect.DeepEqual` over template values. Shared lists and maps compare equal without
/// a walk (a value doubled into itself is cheap to compare with itself); every step counts
/// against the render's budgets, so comparing large or doubling values ends with an error.
pub(crate) fn deep_eq(a: &Value, b: &Value) -> Result<bool, String> {
    deep_eq_at(a, b, 0, &mut super::Steps::new())
}

fn deep_eq_at(
    a: &Value,
    b: &Value,
    depth: usize,
    steps: &mut super::Steps,
) -> Result<bool, String> {
    if depth > crate::model::value::MAX_VALUE_DEPTH {
        return Ok(false);
    }
    steps.step()?;
    Ok(match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x, _), Value::Bool(y, _)) => x == y,
        (Value::Int(x, _, tx), Value::Int(y, _, ty)) => x == y && tx == ty,
        (Value::Float(x, _), Value::Float(y, _)) => x == y,
        (Value::Str(x), Value::Str(y)) => x.s == y.s,
        (Value::List(x), Value::List(y)) => {
            if std::sync::Arc::ptr_eq(x, y) {
                return Ok(true);
            }
            if x.len() != y.len() {
                return Ok(false);
            }
            for (p, q) in x.iter().zip(y.iter()) {
                if !deep_eq_at(p, q, depth + 1, steps)? {
                    return Ok(false);
                }
            }
            true
        }
        (Value::Map(x), Value::Map(y)) => {
            if x.ptr_eq(y) {
                return Ok(true);
            }
            let (x, y) = (x.read(), y.read());
            if x.len() != y.len() {
                return Ok(false);
            }
            for (k, v) in x.iter() {
                match y.get(k) {
                    Some(w) if deep_eq_at(v, w, depth + 1, steps)? => {}
                    _ => return Ok(false),
                }
            }
            true
        }
        (Value::Object(x), Value::Object(y)) => {
            deep_eq_at(&x.as_value(), &y.as_value(), depth + 1, steps)?
        }
        _ => false,
    })
}

pub(super) fn deep_equal(args: &[Value]) -> Result<Value, String> {
    arity("deepEqual", args, 2)?;
    Ok(Value::bool(deep_eq(&args[0], &args[1])?))
}
