//! Sprig's regex functions (Go RE2 syntax via the `regex` crate, whose syntax and `$1`/`${name}`
//! expansion match Go's for the features charts use).
use super::{arg_int, arg_str, arity};
use crate::render::value::Value;
use regex::Regex;

fn compile(re: &str) -> Result<Regex, String> {
    regex::RegexBuilder::new(re)
        .size_limit(1 << 22)
        .build()
        .map_err(|e| {
            format!(
                "error parsing regexp: {}",
                e.to_string().lines().last().unwrap_or("invalid")
            )
        })
}

fn matches(args: &[Value], name: &str) -> Result<bool, String> {
    arity(name, args, 2)?;
    Ok(compile(arg_str(&args[0])?)?.is_match(arg_str(&args[1])?))
}

pub(super) fn regex_match(args: &[Value]) -> Result<Value, String> {
    // Sprig's regexMatch ignores a compile error and returns false.
    match matches(args, "regexMatch") {
        Ok(b) => Ok(Value::bool(b)),
        Err(e) if e.starts_with("wrong") => Err(e),
        Err(_) => Ok(Value::bool(false)),
    }
}
pub(super) fn must_regex_match(args: &[Value]) -> Result<Value, String> {
    Ok(Value::bool(matches(args, "mustRegexMatch")?))
}

fn find(args: &[Value], name: &str) -> Result<Value, String> {
    arity(name, args, 2)?;
    let re = compile(arg_str(&args[0])?)?;
    Ok(Value::str(
        re.find(arg_str(&args[1])?).map_or("", |m| m.as_str()),
    ))
}
pub(super) fn regex_find(args: &[Value]) -> Result<Value, String> {
    // Sprig compiles with MustCompile: a bad pattern fails the render.
    find(args, "regexFind")
}
pub(super) fn must_regex_find(args: &[Value]) -> Result<Value, String> {
    find(args, "mustRegexFind")
}

fn find_all(args: &[Value], name: &str) -> Result<Value, String> {
    arity(name, args, 3)?;
    let re = compile(arg_str(&args[0])?)?;
    let n = arg_int(&args[2])?;
    let it = re
        .find_iter(arg_str(&args[1])?)
        .map(|m| Value::str(m.as_str()));
    Ok(Value::list(if n < 0 {
        it.collect()
    } else {
        it.take(n as usize).collect()
    }))
}
pub(super) fn regex_find_all(args: &[Value]) -> Result<Value, String> {
    find_all(args, "regexFindAll")
}
pub(super) fn must_regex_find_all(args: &[Value]) -> Result<Value, String> {
    find_all(args, "mustRegexFindAll")
}

fn replace(args: &[Value], name: &str, literal: bool) -> Result<Value, String> {
    arity(name, args, 3)?;
    let re = compile(arg_str(&args[0])?)?;
    let (s, repl) = (arg_str(&args[1])?, arg_str(&args[2])?);
    let out = if literal {
        re.replace_all(s, regex::NoExpand(repl))
    } else {
        re.replace_all(s, repl)
    };
    Ok(Value::str(out.into_owned()))
}
pub(super) fn regex_replace_all(args: &[Value]) -> Result<Value, String> {
    replace(args, "regexReplaceAll", false)
}
pub(super) fn must_regex_replace_all(args: &[Value]) -> Result<Value, String> {
    replace(args, "mustRegexReplaceAll", false)
}
pub(super) fn regex_replace_all_literal(args: &[Value]) -> Result<Value, String> {
    replace(args, "regexReplaceAllLiteral", true)
}
pub(super) fn must_regex_replace_all_literal(args: &[Value]) -> Result<Value, String> {
    replace(args, "mustRegexReplaceAllLiteral", true)
}

fn split(args: &[Value], name: &str) -> Result<Value, String> {
    arity(name, args, 3)?;
    let re = compile(arg_str(&args[0])?)?;
    let s = arg_str(&args[1])?;
    let n = arg_int(&args[2])?;
    if n == 0 {
        return Ok(Value::list(vec![]));
    }
    let parts: Vec<Value> = if n < 0 {
        re.split(s).map(Value::str).collect()
    } else {
        re.splitn(s, n as usize).map(Value::str).collect()
    };
    Ok(Value::list(parts))
}
pub(super) fn regex_split(args: &[Value]) -> Result<Value, String> {
    split(args, "regexSplit")
}
pub(super) fn must_regex_split(args: &[Value]) -> Result<Value, String> {
    split(args, "mustRegexSplit")
}

pub(super) fn regex_quote_meta(args: &[Value]) -> Result<Value, String> {
    arity("regexQuoteMeta", args, 1)?;
    Ok(Value::str(regex::escape(arg_str(&args[0])?)))
}
