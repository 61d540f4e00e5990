//! Builtins chartgate cannot provide: a policy calling one is refused when it is loaded, at the
//! call's line (fail closed: regorus answers `http.send` with undefined, so a `deny` depending
//! on it would silently pass).

use super::RegoError;

/// Builtins that need the network or the OPA runtime, with why they are unavailable.
const UNAVAILABLE: &[(&str, &str)] = &[
    ("http.send", "chartgate runs without network access"),
    (
        "net.lookup_ip_addr",
        "chartgate runs without network access",
    ),
    ("opa.runtime", "there is no OPA runtime"),
];

/// The first call of an unavailable builtin in `text` (comments and strings skipped).
pub(crate) fn check(file: &str, text: &str) -> Result<(), RegoError> {
    for (i, line) in text.lines().enumerate() {
        let code = strip_comment_and_strings(line);
        for (name, why) in UNAVAILABLE {
            let mut from = 0;
            while let Some(at) = code[from..].find(name).map(|a| a + from) {
                from = at + name.len();
                let before = code[..at].chars().next_back();
                let after = code[from..].trim_start();
                let ident = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
                if before.is_some_and(ident) || !after.starts_with('(') {
                    continue;
                }
                return Err(RegoError {
                    file: file.to_string(),
                    line: i as u32 + 1,
                    column: code[..at].chars().count() as u32 + 1,
                    message: format!(
                        "builtin `{name}` is not available ({why}); a policy depending on it cannot be evaluated"
                    ),
                });
            }
        }
    }
    Ok(())
}

/// `line` with string contents blanked and a `#` comment removed (column positions kept).
fn strip_comment_and_strings(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_str: Option<char> = None;
    let mut escaped = false;
    for c in line.chars() {
        match in_str {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    in_str = None;
                }
                out.push(if in_str.is_none() { c } else { ' ' });
            }
            None => match c {
                '#' => break,
                '"' | '`' => {
                    in_str = Some(c);
                    out.push(c);
                }
                c => out.push(c),
            },
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_calls_not_mentions() {
        let src = "package p\n# http.send({})\nx := \"http.send(\"\ndeny contains m if {\n  r := http.send({\"url\": \"u\"})\n  m := r.body\n}\n";
        let e = check("p.rego", src).unwrap_err();
        assert_eq!((e.line, e.column), (5, 8));
        assert_eq!(
            e.message,
            "builtin `http.send` is not available (chartgate runs without network access); a policy depending on it cannot be evaluated"
        );
        assert!(check("p.rego", "package p\nmy_http.send_x := 1\n").is_ok());
    }
}

/// OPA rejects recursion at compile time (`rego_recursion_error`); regorus would recurse on the
/// native stack until it overflows. A function of a module that calls itself, directly or
/// through other functions of the same module, is refused at load time at its head.
pub(crate) fn check_recursion(file: &str, text: &str) -> Result<(), RegoError> {
    use std::collections::{BTreeMap, BTreeSet};
    // Top-level rules: a line starting at column 0 with an identifier; the body runs until the
    // next such line.
    let mut heads: Vec<(String, u32, bool, String)> = Vec::new(); // name, line, is_fn, body
    for (i, raw) in text.lines().enumerate() {
        let line = strip_comment_and_strings(raw);
        let starts_rule = line
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && !line.starts_with("package ")
            && !line.starts_with("import ");
        if starts_rule {
            let name: String = line
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let is_fn = line[name.len()..].starts_with('(');
            heads.push((name, i as u32 + 1, is_fn, line[..].to_string()));
        } else if let Some(h) = heads.last_mut() {
            h.3.push('\n');
            h.3.push_str(&line);
        }
    }
    let fns: BTreeSet<&str> = heads.iter().filter(|h| h.2).map(|h| h.0.as_str()).collect();
    let mut calls: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut first_line: BTreeMap<&str, u32> = BTreeMap::new();
    for (name, line, is_fn, body) in &heads {
        if !is_fn {
            continue;
        }
        first_line.entry(name).or_insert(*line);
        // Calls in the body (after the head's own name and arguments).
        let after_head = body.find(')').map_or("", |p| &body[p..]);
        let set = calls.entry(name).or_default();
        for f in &fns {
            let mut from = 0;
            while let Some(at) = after_head[from..].find(f).map(|a| a + from) {
                from = at + f.len();
                let before = after_head[..at].chars().next_back();
                let ident = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
                if !before.is_some_and(ident) && after_head[from..].trim_start().starts_with('(') {
                    set.insert(f);
                }
            }
        }
    }
    // A function reaching itself through the call graph.
    for (start, line) in &first_line {
        let mut stack: Vec<&str> = calls.get(start).into_iter().flatten().copied().collect();
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        while let Some(f) = stack.pop() {
            if f == *start {
                return Err(RegoError {
                    file: file.to_string(),
                    line: *line,
                    column: 1,
                    message: format!(
                        "function `{start}` is recursive (Rego forbids recursion, as OPA's rego_recursion_error)"
                    ),
                });
            }
            if seen.insert(f) {
                stack.extend(calls.get(f).into_iter().flatten().copied());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod recursion_tests {
    use super::*;

    #[test]
    fn direct_and_mutual_recursion() {
        let e =
            check_recursion("r.rego", "package p\n\nf(x) := y if {\n  y := f(x)\n}\n").unwrap_err();
        assert_eq!(
            (e.line, e.message.as_str()),
            (
                3,
                "function `f` is recursive (Rego forbids recursion, as OPA's rego_recursion_error)"
            )
        );
        let e = check_recursion("r.rego", "package p\na(x) := b(x)\nb(x) := a(x)\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(
            check_recursion(
                "r.rego",
                "package p\nf(x) := g(x)\ng(x) := x + 1\nfoo := f(1)\n"
            )
            .is_ok()
        );
    }
}
