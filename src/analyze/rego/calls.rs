//! Recursion between functions of the parsed modules, across packages.
//!
//! OPA rejects recursion at compile time (`rego_recursion_error`). regorus detects a rule that
//! depends on itself while evaluating it (an error), but a *function* that reaches itself is
//! called again on the native stack until the process aborts (SIGSEGV/SIGABRT): no report for
//! any chart. [`super::unavailable::check_recursion`] catches the simple case in one file's text;
//! this check walks regorus's own syntax trees of every module together, so indentation, imports
//! (`import data.b` then `b.g(x)`), `data.b.g(x)` and `with f as g` cannot hide a cycle.

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

/// Called paths (and `with ... as f` targets) anywhere under the given expressions and queries.
fn calls_under(exprs: Vec<&Ref<Expr>>, queries: Vec<&Ref<Query>>) -> Vec<String> {
    let mut found = Vec::new();
    let mut exprs: Vec<&Ref<Expr>> = exprs;
    let mut queries: Vec<&Ref<Query>> = queries;
    loop {
        if let Some(q) = queries.pop() {
            for stmt in &q.stmts {
                for m in &stmt.with_mods {
                    if let Some(p) = path_of(&m.r#as) {
                        found.push(p);
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
                    found.push(p);
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
pub(crate) fn check(modules: &[Ref<Module>]) -> Result<(), RegoError> {
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
                .map(|p| resolve(&p, &package, &imports))
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
    fn functions_calling_others_without_a_cycle_load() {
        let b = "package b\nimport rego.v1\ng(x) := x + 1\nh(x) := g(x) * 2\n";
        let a = "package a\nimport rego.v1\nimport data.b\nf(x) := b.h(x)\ndeny contains m if { m := sprintf(\"%d\", [f(1)]) }\n";
        assert_eq!(load(&[("a.rego", a), ("b.rego", b)]), Ok(()));
    }
}
