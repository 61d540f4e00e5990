//! Repository policies may not reach into trusted ones.
//!
//! Rego merges every module of a package into one document: a repository policy declaring the
//! package of a trusted policy (the platform config's `policies:`, the bundled ones, and
//! `--policy` under a platform config)
//! adds rules to it, so `exception contains ["deny"] if { true }` in `package main` silenced
//! the platform's `main.deny`; `package chartgate` with `required_labels := []` replaced the
//! data the bundled policies read. A module of [`super::RegoOptions::untrusted`] is therefore
//! refused (a load error at its `package` line, failing closed) when its package
//! - lies under a reserved prefix (a first segment starting with `chartgate`: the bundled
//!   policies' packages, `data.chartgate.*` they read, the context chartgate provides);
//! - equals, contains or lies under a trusted module's package;
//! - contains or lies under a `data` path a trusted module reads (a reference such as
//!   `data.lib.x`, an `import`; `data[x]` reads every package);
//! - contains or lies under a `--data` document's key (the trusted side's data).

use super::RegoError;
use regorus::Value;
use regorus::unstable::{Expr, Literal, Module, Query, Ref};

/// Packages whose first segment starts with this are chartgate's (bundled policies, their data,
/// `data.chartgate.context`).
pub const RESERVED_PREFIX: &str = "chartgate";

/// The path segments of a reference, as far as they are static, when it is rooted at `data`
/// (`data.a.b[x].c` → `[a, b]`; `data[x]` → `[]`). None for other references.
fn data_prefix(e: &Expr) -> Option<Vec<String>> {
    // (segments so far, whether a dynamic index cut them)
    fn walk(e: &Expr) -> Option<(Vec<String>, bool)> {
        match e {
            Expr::Var {
                value: Value::String(s),
                ..
            } => (s.as_ref() == "data").then(|| (Vec::new(), false)),
            Expr::RefDot {
                refr,
                field: (_, Value::String(f)),
                ..
            } => {
                let (mut p, cut) = walk(refr)?;
                if !cut {
                    p.push(f.to_string());
                }
                Some((p, cut))
            }
            Expr::RefBrack { refr, index, .. } => {
                let (mut p, cut) = walk(refr)?;
                match index.as_ref() {
                    Expr::String {
                        value: Value::String(f),
                        ..
                    } if !cut => p.push(f.to_string()),
                    _ => return Some((p, true)),
                }
                Some((p, cut))
            }
            _ => None,
        }
    }
    walk(e).map(|(p, _)| p)
}

/// The dotted path a package reference names (`main`, `a.b`).
fn package_path(e: &Expr) -> Option<Vec<String>> {
    match e {
        Expr::Var {
            value: Value::String(s),
            ..
        } => Some(vec![s.to_string()]),
        Expr::RefDot {
            refr,
            field: (_, Value::String(f)),
            ..
        } => {
            let mut p = package_path(refr)?;
            p.push(f.to_string());
            Some(p)
        }
        Expr::RefBrack { refr, index, .. } => match index.as_ref() {
            Expr::String {
                value: Value::String(f),
                ..
            } => {
                let mut p = package_path(refr)?;
                p.push(f.to_string());
                Some(p)
            }
            _ => None,
        },
        _ => None,
    }
}

/// Every `data` path a module reads (static prefixes, see [`data_prefix`]), with its line.
fn data_reads(m: &Module) -> Vec<(Vec<String>, u32)> {
    let mut found = Vec::new();
    let mut exprs: Vec<&Ref<Expr>> = Vec::new();
    let mut queries: Vec<&Ref<Query>> = Vec::new();
    for i in &m.imports {
        exprs.push(&i.refr);
    }
    for rule in &m.policy {
        super::calls::rule_parts(rule, &mut exprs, &mut queries);
    }
    loop {
        if let Some(q) = queries.pop() {
            for stmt in &q.stmts {
                for w in &stmt.with_mods {
                    exprs.push(&w.refr);
                    exprs.push(&w.r#as);
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
        // A reference rooted at `data`: its static prefix is read (the outermost reference
        // only; its dynamic indexes may read more).
        if matches!(
            e.as_ref(),
            Expr::Var { .. } | Expr::RefDot { .. } | Expr::RefBrack { .. }
        ) && let Some(p) = data_prefix(e)
        {
            found.push((p, e.span().line));
            let mut r = e;
            while let Expr::RefDot { refr, .. } | Expr::RefBrack { refr, .. } = r.as_ref() {
                if let Expr::RefBrack { index, .. } = r.as_ref() {
                    exprs.push(index);
                }
                r = refr;
            }
            continue;
        }
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
                exprs.push(fcn);
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

/// Whether one path lies within the other (equal, or one a prefix of the other).
fn overlap(a: &[String], b: &[String]) -> bool {
    let n = a.len().min(b.len());
    a[..n] == b[..n]
}

fn dotted(p: &[String]) -> String {
    if p.is_empty() {
        "data".into()
    } else {
        format!("data.{}", p.join("."))
    }
}

/// Refuses a module of `untrusted` (source paths) whose package reaches into what trusted
/// modules (all but `untrusted` and `unreserved`) declare or read, or `data_keys` (the top-level keys of the `--data` documents, with
/// their file). See the module documentation.
pub(crate) fn check(
    modules: &[Ref<Module>],
    untrusted: &[String],
    unreserved: &[String],
    data_keys: &[(String, String)],
) -> Result<(), RegoError> {
    if untrusted.is_empty() {
        return Ok(());
    }
    let is_untrusted = |m: &Module| {
        let path = m.package.span.source.get_path();
        untrusted.iter().any(|u| u == path)
    };
    // What trusted modules declare and read: (path, why).
    let mut reserved: Vec<(Vec<String>, String)> = Vec::new();
    for m in modules.iter().filter(|m| !is_untrusted(m)) {
        let file = m.package.span.source.get_path().to_string();
        if unreserved.contains(&file) {
            continue;
        }
        if let Some(p) = package_path(&m.package.refr) {
            reserved.push((
                p.clone(),
                format!(
                    "overlaps package `{}` of trusted policy {file}",
                    p.join(".")
                ),
            ));
        }
        for (p, line) in data_reads(m) {
            reserved.push((
                p.clone(),
                format!(
                    "overlaps {}, which trusted policy {file}:{line} reads",
                    dotted(&p)
                ),
            ));
        }
    }
    for (key, file) in data_keys {
        reserved.push((
            vec![key.clone()],
            format!("overlaps data.{key}, which data document {file} sets"),
        ));
    }
    for m in modules.iter().filter(|m| is_untrusted(m)) {
        let Some(p) = package_path(&m.package.refr) else {
            continue;
        };
        let span = &m.package.span;
        let name = p.join(".");
        let fail = |why: String| RegoError {
            file: span.source.get_path().to_string(),
            line: span.line,
            column: span.col,
            message: format!(
                "package `{name}` {why}; a repository policy may not declare it (its rules, `exception` included, would change what trusted policies decide)"
            ),
        };
        if p.first().is_some_and(|s| s.starts_with(RESERVED_PREFIX)) {
            return Err(fail(format!(
                "is reserved (packages starting with `{RESERVED_PREFIX}` belong to chartgate's bundled policies and their data)"
            )));
        }
        if let Some((_, why)) = reserved.iter().find(|(r, _)| overlap(r, &p)) {
            return Err(fail(why.clone()));
        }
    }
    Ok(())
}
