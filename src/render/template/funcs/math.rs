//! Sprig's math functions: integer ones go through `cast.ToInt64`, float ones through
//! `cast.ToFloat64`, as in Sprig.
use super::decimal::Decimal;
use super::{arity, arity_min, to_float64, to_int64};
use crate::model::value::Value;
use rand::RngExt;

fn ints(args: &[Value]) -> Vec<i64> {
    args.iter().map(to_int64).collect()
}
fn floats(args: &[Value]) -> Vec<f64> {
    args.iter().map(to_float64).collect()
}

pub(super) fn add(args: &[Value]) -> Result<Value, String> {
    Ok(Value::int64(
        ints(args).into_iter().fold(0i64, |a, b| a.wrapping_add(b)),
    ))
}
pub(super) fn add1(args: &[Value]) -> Result<Value, String> {
    arity("add1", args, 1)?;
    Ok(Value::int64(to_int64(&args[0]).wrapping_add(1)))
}
pub(super) fn sub(args: &[Value]) -> Result<Value, String> {
    arity("sub", args, 2)?;
    Ok(Value::int64(
        to_int64(&args[0]).wrapping_sub(to_int64(&args[1])),
    ))
}
pub(super) fn mul(args: &[Value]) -> Result<Value, String> {
    arity_min("mul", args, 1)?;
    Ok(Value::int64(
        ints(args).into_iter().fold(1i64, |a, b| a.wrapping_mul(b)),
    ))
}
pub(super) fn div(args: &[Value]) -> Result<Value, String> {
    arity("div", args, 2)?;
    let b = to_int64(&args[1]);
    if b == 0 {
        return Err("runtime error: integer divide by zero".into());
    }
    Ok(Value::int64(to_int64(&args[0]).wrapping_div(b)))
}
pub(super) fn modulo(args: &[Value]) -> Result<Value, String> {
    arity("mod", args, 2)?;
    let b = to_int64(&args[1]);
    if b == 0 {
        return Err("runtime error: integer divide by zero".into());
    }
    Ok(Value::int64(to_int64(&args[0]).wrapping_rem(b)))
}
pub(super) fn max(args: &[Value]) -> Result<Value, String> {
    arity_min("max", args, 1)?;
    Ok(Value::int64(ints(args).into_iter().max().unwrap_or(0)))
}
pub(super) fn min(args: &[Value]) -> Result<Value, String> {
    arity_min("min", args, 1)?;
    Ok(Value::int64(ints(args).into_iter().min().unwrap_or(0)))
}
/// Sprig's `execDecimalOp`: folds `rest` into `first` with decimal arithmetic.
fn decimal_op(
    first: f64,
    rest: &[Value],
    op: fn(&Decimal, &Decimal) -> Result<Decimal, String>,
) -> Result<Value, String> {
    let mut acc = Decimal::from_f64(first)?;
    for x in rest {
        acc = op(&acc, &Decimal::from_f64(to_float64(x))?)?;
    }
    Ok(Value::float(acc.to_f64()))
}
pub(super) fn addf(args: &[Value]) -> Result<Value, String> {
    decimal_op(0.0, args, |a, b| Ok(a.add(b)))
}
pub(super) fn add1f(args: &[Value]) -> Result<Value, String> {
    arity("add1f", args, 1)?;
    decimal_op(to_float64(&args[0]), &[Value::int(1)], |a, b| Ok(a.add(b)))
}
pub(super) fn subf(args: &[Value]) -> Result<Value, String> {
    arity_min("subf", args, 1)?;
    decimal_op(to_float64(&args[0]), &args[1..], |a, b| Ok(a.sub(b)))
}
pub(super) fn mulf(args: &[Value]) -> Result<Value, String> {
    arity_min("mulf", args, 1)?;
    decimal_op(to_float64(&args[0]), &args[1..], |a, b| Ok(a.mul(b)))
}
pub(super) fn divf(args: &[Value]) -> Result<Value, String> {
    arity_min("divf", args, 1)?;
    decimal_op(to_float64(&args[0]), &args[1..], Decimal::div)
}
pub(super) fn maxf(args: &[Value]) -> Result<Value, String> {
    arity_min("maxf", args, 1)?;
    Ok(Value::float(
        floats(args).into_iter().fold(f64::NEG_INFINITY, f64::max),
    ))
}
pub(super) fn minf(args: &[Value]) -> Result<Value, String> {
    arity_min("minf", args, 1)?;
    Ok(Value::float(
        floats(args).into_iter().fold(f64::INFINITY, f64::min),
    ))
}
pub(super) fn floor(args: &[Value]) -> Result<Value, String> {
    arity("floor", args, 1)?;
    Ok(Value::float(to_float64(&args[0]).floor()))
}
pub(super) fn ceil(args: &[Value]) -> Result<Value, String> {
    arity("ceil", args, 1)?;
    Ok(Value::float(to_float64(&args[0]).ceil()))
}
/// `round x places [roundOn=.5]`.
pub(super) fn round(args: &[Value]) -> Result<Value, String> {
    arity_min("round", args, 2)?;
    let (x, p) = (
        to_float64(&args[0]),
        to_int64(&args[1]).clamp(-300, 300) as i32,
    );
    let on = args.get(2).map_or(0.5, to_float64);
    let pow = 10f64.powi(p);
    let digit = pow * x;
    let frac = digit - digit.trunc();
    let r = if frac >= on {
        digit.ceil()
    } else {
        digit.floor()
    };
    Ok(Value::float(r / pow))
}
pub(super) fn rand_int(args: &[Value]) -> Result<Value, String> {
    arity("randInt", args, 2)?;
    let (lo, hi) = (to_int64(&args[0]), to_int64(&args[1]));
    if hi <= lo {
        return Err("invalid argument to Intn".into());
    }
    Ok(Value::int(rand::rng().random_range(lo..hi)))
}
