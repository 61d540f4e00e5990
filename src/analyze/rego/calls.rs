//! Checks on the calls of the parsed modules, made on regorus's own syntax trees of every module
//! together (so indentation, raw strings, comments, imports — `import data.b` then `b.g(x)` —,
//! `data.b.g(x)` and `with f as g` cannot hide a call), when the policies are loaded:
//!
//! - **Recursion** between functions, across packages. OPA rejects it at compile time
//!   (`rego_recursion_error`). regorus detects a rule that depends on itself while evaluating
//!   it (an error), but a *function* that reaches itself is called again on the native stack
//!   until the process aborts (SIGSEGV/SIGABRT): no report for any chart.
//! - **Unavailable builtins** (`http.send`, `net.lookup_ip_addr`, `opa.runtime`): regorus
//!   answers them with undefined, so a `deny` depending on one would silently pass; refused at
//!   the call instead (fail closed).

use super::RegoError;
use regorus::Value;
use regorus::unstable::{Expr, Literal, Module, Query, Ref, Rule, RuleHead};
use std::collections::{BTreeMap, BTreeSet};

/// A function of the loaded modules.
struct Function {
    file: String,
    line: u32,
    calls: BTreeSet<String>,
}

/// The dotted path a reference expression names (`data.b.g`, `b.g`, `f`), or None.
fn path_of(e: &Expr) -> Option<String> {
    match e {
        Expr::Var {
            value: Value::String(s),
            ..
        } => Some(s.to_string()),
        Expr::RefDot {
            refr,
            field: (_, Value::String(f)),
            ..
        } => Some(format!("{}.{f}", path_of(refr)?)),
        Expr::RefBrack { refr, index, .. } => match index.as_ref() {
            Expr::String {
                value: Value::String(f),
                ..
            } => Some(format!("{}.{f}", path_of(refr)?)),
            _ => None,
        },
        _ => None,
    }
}

/// Line and column where a reference starts (a `RefDot`'s own span starts at its dot). The
/// column counts characters, a tab as one, as every other chartgate location does (regorus's
/// own column widens tabs).
fn start_of(e: &Ref<Expr>) -> (u32, u32) {
    match e.as_ref() {
        Expr::RefDot { refr, .. } | Expr::RefBrack { refr, .. } => start_of(refr),
        other => {
            let span = other.span();
            let text = span.source.contents();
            let start = (span.start as usize).min(text.len());
            let col = text
                .get(..start)
                .map(|before| {
                    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                    before[line_start..].chars().count() + 1
                })
                .unwrap_or(span.col as usize);
            (span.line, u32::try_from(col).unwrap_or(span.col))
        }
    }
}

/// Called paths (and `with ... as f` targets) anywhere under the given expressions and queries,
/// each with its line and column.
fn calls_under(exprs: Vec<&Ref<Expr>>, queries: Vec<&Ref<Query>>) -> Vec<(String, u32, u32)> {
    let mut found = Vec::new();
    let mut exprs: Vec<&Ref<Expr>> = exprs;
    let mut queries: Vec<&Ref<Query>> = queries;
    loop {
        if let Some(q) = queries.pop() {
            for stmt in &q.stmts {
                for m in &stmt.with_mods {
                    if let Some(p) = path_of(&m.r#as) {
                        let (line, col) = start_of(&m.r#as);
                        found.push((p, line, col));
                    }
                    exprs.push(&m.r#as);
                }
                match &stmt.literal {
                    Literal::SomeVars { .. } => {}
                    Literal::SomeIn {
                        key,
                        value,
                        collection,
                        ..
                    } => {
                        exprs.extend(key.iter());
                        exprs.push(value);
                        exprs.push(collection);
                    }
                    Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => exprs.push(expr),
                    Literal::Every { domain, query, .. } => {
                        exprs.push(domain);
                        queries.push(query);
                    }
                }
            }
            continue;
        }
        let Some(e) = exprs.pop() else { break };
        match e.as_ref() {
            Expr::String { .. }
            | Expr::RawString { .. }
            | Expr::Number { .. }
            | Expr::Bool { .. }
            | Expr::Null { .. }
            | Expr::Var { .. } => {}
            Expr::Array { items, .. } | Expr::Set { items, .. } => exprs.extend(items.iter()),
            Expr::Object { fields, .. } => {
                for (_, k, v) in fields {
                    exprs.push(k);
                    exprs.push(v);
                }
            }
            Expr::ArrayCompr { term, query, .. } | Expr::SetCompr { term, query, .. } => {
                exprs.push(term);
                queries.push(query);
            }
            Expr::ObjectCompr {
                key, value, query, ..
            } => {
                exprs.push(key);
                exprs.push(value);
                queries.push(query);
            }
            Expr::Call { fcn, params, .. } => {
                if let Some(p) = path_of(fcn) {
                    let (line, col) = start_of(fcn);
                    found.push((p, line, col));
                }
                exprs.extend(params.iter());
            }
            Expr::UnaryExpr { expr, .. } => exprs.push(expr),
            Expr::RefDot { refr, .. } => exprs.push(refr),
            Expr::RefBrack { refr, index, .. } => {
                exprs.push(refr);
                exprs.push(index);
            }
            Expr::BinExpr { lhs, rhs, .. }
            | Expr::BoolExpr { lhs, rhs, .. }
            | Expr::ArithExpr { lhs, rhs, .. }
            | Expr::AssignExpr { lhs, rhs, .. } => {
                exprs.push(lhs);
                exprs.push(rhs);
            }
            Expr::Membership {
                key,
                value,
                collection,
                ..
            } => {
                exprs.extend(key.iter());
                exprs.push(value);
                exprs.push(collection);
            }
        }
    }
    found
}

/// The function a call path names from inside `module`: `data.…` as is, a path starting with
/// an import's name through that import, anything else in the module's own package.
fn resolve(path: &str, package: &str, imports: &BTreeMap<String, String>) -> String {
    if path.starts_with("data.") {
        return path.to_string();
    }
    let (first, rest) = path.split_once('.').unwrap_or((path, ""));
    match imports.get(first) {
        Some(target) if rest.is_empty() => target.clone(),
        Some(target) => format!("{target}.{rest}"),
        None => format!("{package}.{path}"),
    }
}

/// The first function (in module order) that reaches itself, as a load error at its head.
pub(crate) fn check_recursion(modules: &[Ref<Module>]) -> Result<(), RegoError> {
    let mut functions: BTreeMap<String, Function> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for m in modules {
        let Some(package) = path_of(&m.package.refr).map(|p| format!("data.{p}")) else {
            continue;
        };
        let mut imports = BTreeMap::new();
        for i in &m.imports {
            let Some(target) = path_of(&i.refr) else {
                continue;
            };
            let name = match &i.r#as {
                Some(alias) => alias.text().to_string(),
                None => target.rsplit('.').next().unwrap_or("").to_string(),
            };
            if target.starts_with("data.") {
                imports.insert(name, target);
            }
        }
        for rule in &m.policy {
            let Rule::Spec {
                span,
                head: RuleHead::Func {
                    refr, args, assign, ..
                },
                bodies,
            } = rule.as_ref()
            else {
                continue;
            };
            let Some(name) = path_of(refr) else { continue };
            let full = format!("{package}.{name}");
            let mut exprs: Vec<&Ref<Expr>> = args.iter().collect();
            exprs.extend(assign.iter().map(|a| &a.value));
            let mut queries = Vec::new();
            for b in bodies {
                exprs.extend(b.assign.iter().map(|a| &a.value));
                queries.push(&b.query);
            }
            let calls = calls_under(exprs, queries)
                .into_iter()
                .map(|(p, ..)| resolve(&p, &package, &imports))
                .collect::<BTreeSet<_>>();
            let f = functions.entry(full.clone()).or_insert_with(|| {
                order.push(full.clone());
                Function {
                    file: span.source.get_path().to_string(),
                    line: span.line,
                    calls: BTreeSet::new(),
                }
            });
            f.calls.extend(calls);
        }
    }
    for start in &order {
        // Breadth-first from `start`'s callees; reaching `start` again is a cycle.
        let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue: std::collections::VecDeque<&str> = std::collections::VecDeque::new();
        for c in &functions[start].calls {
            if functions.contains_key(c) && !parent.contains_key(c.as_str()) {
                parent.insert(c, start);
                queue.push_back(c);
            }
        }
        while let Some(f) = queue.pop_front() {
            if f == start {
                let mut chain = vec![start.as_str()];
                let mut at = parent[start.as_str()];
                while at != start {
                    chain.push(at);
                    at = parent[at];
                }
                chain.push(start);
                chain.reverse();
                let head = &functions[start];
                return Err(RegoError {
                    file: head.file.clone(),
                    line: head.line,
                    column: 1,
                    message: format!(
                        "function `{start}` is recursive: {} (Rego forbids recursion, as OPA's rego_recursion_error)",
                        chain.join(" → ")
                    ),
                });
            }
            for c in &functions[f].calls {
                if functions.contains_key(c) && !parent.contains_key(c.as_str()) {
                    parent.insert(c, f);
                    queue.push_back(c);
                }
            }
        }
    }
    Ok(())
}

/// Builtins that need the network or the OPA runtime, with why they are unavailable.
const UNAVAILABLE: &[(&str, &str)] = &[
    ("http.send", "chartgate runs without network access"),
    (
        "net.lookup_ip_addr",
        "chartgate runs without network access",
    ),
    ("opa.runtime", "there is no OPA runtime"),
];

/// Every expression and body query of a rule: its head (reference, arguments, key, value)
/// and its bodies (`else` values and queries), to walk with the checks of the loaded modules.
pub(super) fn rule_parts<'a>(
    rule: &'a Ref<Rule>,
    exprs: &mut Vec<&'a Ref<Expr>>,
    queries: &mut Vec<&'a Ref<Query>>,
) {
    match rule.as_ref() {
        Rule::Spec { head, bodies, .. } => {
            match head {
                RuleHead::Compr { refr, assign, .. } => {
                    exprs.push(refr);
                    exprs.extend(assign.iter().map(|a| &a.value));
                }
                RuleHead::Set { refr, key, .. } => {
                    exprs.push(refr);
                    exprs.extend(key.iter());
                }
                RuleHead::Func {
                    refr, args, assign, ..
                } => {
                    exprs.push(refr);
                    exprs.extend(args.iter());
                    exprs.extend(assign.iter().map(|a| &a.value));
                }
            }
            for b in bodies {
                exprs.extend(b.assign.iter().map(|a| &a.value));
                queries.push(&b.query);
            }
        }
        Rule::Default {
            refr, args, value, ..
        } => {
            exprs.push(refr);
            exprs.extend(args.iter());
            exprs.push(value);
        }
    }
}

/// The first call (in module order) of a builtin chartgate cannot provide, as a load error at
/// the call: regorus answers `http.send` with undefined, so a `deny` depending on it would
/// silently pass (fail closed). Found in regorus's syntax trees, so no layout of the text
/// (a raw string spanning lines, comments, indentation) hides a call.
pub(crate) fn check_unavailable(modules: &[Ref<Module>]) -> Result<(), RegoError> {
    for m in modules {
        for rule in &m.policy {
            let mut exprs: Vec<&Ref<Expr>> = Vec::new();
            let mut queries: Vec<&Ref<Query>> = Vec::new();
            rule_parts(rule, &mut exprs, &mut queries);
            for (path, line, col) in calls_under(exprs, queries) {
                if let Some((name, why)) = UNAVAILABLE.iter().find(|(n, _)| *n == path) {
                    return Err(RegoError {
                        file: rule.span().source.get_path().to_string(),
                        line,
                        column: col,
                        message: format!(
                            "builtin `{name}` is not available ({why}); a policy depending on it cannot be evaluated"
                        ),
                    });
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::analyze::rego::{PolicySet, PolicySource, RegoOptions};

    fn load(files: &[(&str, &str)]) -> Result<(), String> {
        let sources = files
            .iter()
            .map(|(path, text)| PolicySource {
                path: path.to_string(),
                text: text.to_string(),
            })
            .collect();
        PolicySet::load(sources, vec![], RegoOptions::default())
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn cycles_through_packages_imports_and_indentation_are_refused() {
        let b = "package b\nimport rego.v1\n  g(x) := data.a.f(x)\n";
        let a = "package a\nimport rego.v1\nimport data.b as other\nf(x) := other.g(x)\n";
        assert_eq!(
            load(&[("a.rego", a), ("b.rego", b)]),
            Err("a.rego:4:1: function `data.a.f` is recursive: data.a.f → data.b.g → data.a.f (Rego forbids recursion, as OPA's rego_recursion_error)".to_string())
        );
        // Indented, in one file: the text check cannot see it, the syntax tree does.
        let c = "package c\nimport rego.v1\n    h(x) := y if {\n        y := h(x)\n    }\n";
        assert_eq!(
            load(&[("c.rego", c)]),
            Err("c.rego:3:1: function `data.c.h` is recursive: data.c.h → data.c.h (Rego forbids recursion, as OPA's rego_recursion_error)".to_string())
        );
        // `with` replacing a call by the calling function.
        let w =
            "package w\nimport rego.v1\nk(x) := x\nf(x) := y if {\n  y := k(x) with k as f\n}\n";
        assert!(
            load(&[("w.rego", w)])
                .unwrap_err()
                .contains("data.w.f → data.w.f")
        );
    }

    #[test]
    fn unavailable_builtins_are_found_in_the_syntax_tree() {
        let src = "package p\n# http.send({})\nx := \"http.send(\"\ndeny contains m if {\n  r := http.send({\"url\": \"u\"})\n  m := r.body\n}\n";
        assert_eq!(
            load(&[("p.rego", src)]),
            Err("p.rego:5:8: builtin `http.send` is not available (chartgate runs without network access); a policy depending on it cannot be evaluated".to_string())
        );
        // A raw string spanning lines hid the call from a line-by-line scan of the text.
        let raw = "package main\nimport rego.v1\nwarn contains msg if { s := `\n`; not http.send({\"url\": \"u\"}); msg := s }\n";
        assert_eq!(
            load(&[("r.rego", raw)]),
            Err("r.rego:4:8: builtin `http.send` is not available (chartgate runs without network access); a policy depending on it cannot be evaluated".to_string())
        );
        let default = "package d\nimport rego.v1\ndefault x := opa.runtime()\n";
        assert!(
            load(&[("d.rego", default)])
                .unwrap_err()
                .contains("d.rego:3:14: builtin `opa.runtime`")
        );
        let with = "package w\nimport rego.v1\nf(x) := x\ny := v if { v := f(1) with f as net.lookup_ip_addr }\n";
        assert!(
            load(&[("w.rego", with)])
                .unwrap_err()
                .contains("w.rego:4:33: builtin `net.lookup_ip_addr`")
        );
        assert_eq!(
            load(&[("ok.rego", "package p\nmy_http.send_x := 1\n")]),
            Ok(())
        );
    }

    #[test]
    fn functions_calling_others_without_a_cycle_load() {
        let b = "package b\nimport rego.v1\ng(x) := x + 1\nh(x) := g(x) * 2\n";
        let a = "package a\nimport rego.v1\nimport data.b\nf(x) := b.h(x)\ndeny contains m if { m := sprintf(\"%d\", [f(1)]) }\n";
        assert_eq!(load(&[("a.rego", a), ("b.rego", b)]), Ok(()));
    }
}
