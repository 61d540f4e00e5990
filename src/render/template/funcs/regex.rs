//! Sprig's regex functions (Go RE2 syntax via the `regex` crate, whose syntax and `$1`/`${name}`
//! expansion match Go's for the features charts use).
use super::{arg_int, arg_str, arity};
use crate::model::value::Value;
use regex::Regex;

/// Go's ASCII Perl classes, as the `regex` crate writes them inside a bracket class.
fn perl_class(e: char) -> Option<&'static str> {
    Some(match e {
        'd' => "0-9",
        'D' => "[^0-9]",
        'w' => "0-9A-Za-z_",
        'W' => "[^0-9A-Za-z_]",
        's' => "\\t\\n\\f\\r ",
        'S' => "[^\\t\\n\\f\\r ]",
        _ => return None,
    })
}

/// Rewrites Go RE2 syntax where the `regex` crate reads the same text differently: Go's `\d`,
/// `\w`, `\s` (and `\D`, `\W`, `\S`) and `\b`/`\B` are ASCII-only (the crate's are Unicode),
/// and a bracket class is Go's: `[`, `&&`, `--`, `~~` are plain characters there (the crate
/// nests classes and has set operations), and a `-` that cannot make a range is a literal
/// (`[\w-\.]`, which the crate rejects as a bad range).
fn go_syntax(re: &str) -> String {
    let mut out = String::with_capacity(re.len() + 16);
    let chars: Vec<char> = re.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                let Some(&e) = chars.get(i + 1) else {
                    out.push('\\');
                    break;
                };
                match (perl_class(e), e) {
                    (Some(set), _) if set.starts_with('[') => out.push_str(set),
                    (Some(set), _) => {
                        out.push('[');
                        out.push_str(set);
                        out.push(']');
                    }
                    (None, 'b' | 'B') => {
                        out.push_str("(?-u:\\");
                        out.push(e);
                        out.push(')');
                    }
                    (None, _) => {
                        out.push('\\');
                        out.push(e);
                    }
                }
                i += 2;
            }
            '[' => i = go_class(&chars, i, &mut out),
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// One Go bracket class starting at `chars[start] == '['`, written for the `regex` crate; returns
/// the index after it. Anything Go would reject is copied as is for the crate to reject.
fn go_class(chars: &[char], start: usize, out: &mut String) -> usize {
    let mut i = start + 1;
    out.push('[');
    if chars.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    let mut first = true;
    // One class character: an escape copied whole, or a character escaped when the crate
    // gives it a meaning inside a class.
    let class_char = |i: usize, out: &mut String| -> usize {
        match chars[i] {
            '\\' => {
                out.push('\\');
                if let Some(&e) = chars.get(i + 1) {
                    out.push(e);
                    // \x{...} and \p{...} run to their closing brace.
                    if matches!(e, 'x' | 'p' | 'P') && chars.get(i + 2) == Some(&'{') {
                        let mut j = i + 2;
                        while j < chars.len() {
                            out.push(chars[j]);
                            j += 1;
                            if chars[j - 1] == '}' {
                                break;
                            }
                        }
                        return j;
                    }
                    return i + 2;
                }
                i + 1
            }
            c => {
                if matches!(c, '[' | ']' | '-' | '&' | '~' | '^') {
                    out.push('\\');
                }
                out.push(c);
                i + 1
            }
        }
    };
    while i < chars.len() && (chars[i] != ']' || first) {
        first = false;
        // [:alpha:] and [:^alpha:]
        if chars[i] == '[' && chars.get(i + 1) == Some(&':') {
            let rest: String = chars[i..].iter().collect();
            if let Some(end) = rest.find(":]").filter(|&e| e > 1) {
                out.push_str(&rest[..end + 2]);
                i += rest[..end + 2].chars().count();
                continue;
            }
        }
        if chars[i] == '\\'
            && let Some(set) = chars.get(i + 1).and_then(|&e| perl_class(e))
        {
            out.push_str(set);
            i += 2;
            continue;
        }
        i = class_char(i, out);
        if chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|&c| c != ']') {
            out.push('-');
            i = class_char(i + 1, out);
        }
    }
    if i < chars.len() {
        out.push(']');
        i += 1;
    }
    i
}

fn compile(re: &str) -> Result<Regex, String> {
    regex::RegexBuilder::new(&go_syntax(re))
        .size_limit(super::call_limits().regex_bytes)
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
    let max = if n < 0 { usize::MAX } else { n as usize };
    let limit = super::call_limits().items;
    let mut out = Vec::new();
    let mut steps = super::Steps::new();
    for m in re.find_iter(arg_str(&args[1])?).take(max) {
        steps.step()?;
        super::check_items(name, out.len() as u128 + 1)
            .map_err(|_| format!("{name}: more than {limit} matches (limits.range-iterations)"))?;
        out.push(Value::str(m.as_str()));
    }
    if out.is_empty() {
        // Go's `FindAllString` returns a nil []string when nothing matches.
        return Ok(crate::gocompat::go_nil::nil_slice("[]string"));
    }
    Ok(Value::list(out))
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
    // Built match by match, each piece's size checked before it is appended: an empty pattern
    // matches at every position, so the result can be |s| × |repl|.
    let refs = if literal {
        0
    } else {
        repl.matches('$').count()
    };
    let mut out = String::new();
    let mut last = 0;
    let mut steps = super::Steps::new();
    for caps in re.captures_iter(s) {
        steps.step()?;
        let Some(m) = caps.get(0) else { continue };
        // Each `$group` expands to at most the whole match.
        let piece = (m.start() - last) as u128 + repl.len() as u128 + (refs * m.len()) as u128;
        super::check_size(name, out.len() as u128 + piece)?;
        out.push_str(&s[last..m.start()]);
        if literal {
            out.push_str(repl);
        } else {
            caps.expand(repl, &mut out);
        }
        last = m.end();
    }
    super::check_size(name, (out.len() + s.len() - last) as u128)?;
    out.push_str(&s[last..]);
    Ok(Value::str(out))
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
    let limit = super::call_limits().items;
    let mut parts = Vec::new();
    let mut steps = super::Steps::new();
    // Go's `Regexp.Split`: an empty match at the start gives no piece, and no empty piece
    // follows a match at the end (`regexSplit "" "abc" -1` is [a b c]).
    let pattern = arg_str(&args[0])?;
    if !pattern.is_empty() && s.is_empty() {
        return Ok(Value::list(vec![Value::str("")]));
    }
    let (mut beg, mut end) = (0, 0);
    let mut push = |parts: &mut Vec<Value>, piece: &str| -> Result<(), String> {
        steps.step()?;
        super::check_items(name, parts.len() as u128 + 1)
            .map_err(|_| format!("{name}: more than {limit} pieces (limits.range-iterations)"))?;
        parts.push(Value::str(piece));
        Ok(())
    };
    for m in re.find_iter(s) {
        if n > 0 && parts.len() as i64 == n - 1 {
            break;
        }
        end = m.start();
        if m.end() != 0 {
            push(&mut parts, &s[beg..end])?;
        }
        beg = m.end();
    }
    if end != s.len() {
        push(&mut parts, &s[beg..])?;
    }
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
    // Go's `regexp.QuoteMeta` escapes `\.+*?()|[]{}^$` only (the crate's `escape` also `#&-~`).
    let mut out = String::new();
    for c in arg_str(&args[0])?.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    Ok(Value::str(out))
}

#[cfg(test)]
mod tests {
    use super::go_syntax;

    #[test]
    fn go_classes_are_ascii_and_dash_after_escape_is_literal() {
        assert_eq!(go_syntax(r"^[\w-\.]+$"), r"^[0-9A-Za-z_\-\.]+$");
        assert_eq!(go_syntax(r"\d+\s"), r"[0-9]+[\t\n\f\r ]");
        assert_eq!(go_syntax(r"[^\]a]"), r"[^\]a]");
        assert_eq!(go_syntax(r"[]a]"), r"[\]a]");
        assert_eq!(go_syntax(r"[[:alpha:]\d]"), r"[[:alpha:]0-9]");
        let re = super::compile(r"^[\w-\.]+$").unwrap();
        assert!(re.is_match("mymaster-1.x"));
        assert!(!re.is_match("é"));
    }
}
