//! Executes parsed templates with Go's text/template semantics as Helm configures them
//! (`missingkey=zero`), writing output together with provenance segments.

use super::gofmt::{go_type_name, sprint, sprint_value, sprintf_spans, sprintln};
use super::parse::{Arg, Cmd, Node, Num, Pipe, Pos, Tree};
use super::{Limits, TemplateError, TemplateErrorKind, TemplatePos, TemplateSet, TplSeg, funcs};
use crate::model::value::Origin;
use crate::model::value::{Seg, Text, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// Output text with provenance segments.
#[derive(Default, Debug)]
pub struct Output {
    pub text: String,
    pub segs: Vec<Seg>,
    /// Template positions of the output's byte ranges.
    pub tpl: Vec<TplSeg>,
}

/// Why execution stopped.
#[derive(Debug)]
pub(crate) enum Stop {
    Err(Box<ExecError>),
    Break,
    Continue,
}

/// An execution error in Go's form, with the location of the innermost template it names.
#[derive(Debug, Clone)]
pub(crate) struct ExecError {
    /// `Error()` of this error and of each error it wraps (Go's `errors.Unwrap` chain); the
    /// first is the full message.
    pub chain: Vec<String>,
    /// The class of the innermost error (kept as calls wrap it).
    pub kind: TemplateErrorKind,
    pub template: String,
    pub line: u32,
    pub col: u32,
    /// The values position of the text being executed when it failed (`tpl` of a value).
    pub value: Option<Origin>,
}

type R<T> = Result<T, Stop>;

/// A value as evaluated, with whether Go would hold it as an `interface{}` (map element, range
/// element) — which decides between "nil pointer evaluating" and silently zero.
#[derive(Clone, Debug)]
pub(crate) struct Dot {
    v: Value,
    iface: bool,
}

/// Shared per-execution state (counters across include/tpl nesting).
pub(crate) struct Shared {
    pub limits: Limits,
    /// When execution must end (the set's deadline, or `time_budget` from the start).
    pub deadline: Instant,
    pub steps: u64,
    pub written: usize,
    pub range_iters: u64,
    /// Maps that are Helm's `common.Values` (a chart scope's `.Values`, and what their `Table`
    /// method returns), by address: their fields include the methods `AsMap`, `YAML`, `Table`
    /// and `PathValue`.
    pub values_maps: Vec<usize>,
}

/// The state of executing one template (Go's `state`).
pub(crate) struct State<'a> {
    pub set: &'a TemplateSet,
    /// Extra templates visible during `tpl` (the tpl text itself and its defines).
    pub overlay: Option<&'a HashMap<String, Arc<Tree>>>,
    pub shared: &'a mut Shared,
    pub tree: Arc<Tree>,
    pub vars: Vec<(String, Dot)>,
    pub depth: usize,
    pub include_counts: &'a mut HashMap<String, usize>,
    /// While executing a `tpl` string: its parsed tree and the string with its provenance, so
    /// literal text of the string keeps the values position it came from.
    pub tpl_src: Option<(Arc<Tree>, Text)>,
}

/// Names of functions the executor implements itself.
pub(crate) const EXEC_FUNCS: &[&str] = &[
    "and", "or", "not", "len", "index", "print", "printf", "println", "html", "js", "urlquery",
    "call", "eq", "ne", "lt", "le", "gt", "ge", "include", "tpl", "required", "fail", "lookup",
];

fn err_stop(e: ExecError) -> Stop {
    Stop::Err(Box::new(e))
}

fn truth(v: &Value) -> bool {
    match v {
        Value::Nil => false,
        Value::Bool(b, _) => *b,
        Value::Int(i, _, _) => *i != 0,
        Value::Float(f, _) => *f != 0.0,
        Value::Str(t) => !t.s.is_empty(),
        Value::List(l) => !l.is_empty(),
        Value::Map(m) => !m.is_empty(),
        // A Go map or slice type (`.Files.Glob` with no match) is false when empty.
        Value::Object(o) if matches!(o.kind(), "map" | "slice") => truth(&o.as_value()),
        Value::Object(_) => true,
    }
}

/// Writes `s` with provenance into `out`.
fn push_text(out: &mut Output, t: &Text) {
    let base = out.text.len() as u32;
    out.text.push_str(&t.s);
    if let Some(segs) = &t.segs {
        for s in segs.iter() {
            out.segs.push(Seg {
                start: s.start + base,
                end: s.end + base,
                origin: s.origin,
            });
        }
    }
    if let Some(tpl) = &t.tpl {
        for s in tpl.iter() {
            out.tpl.push(TplSeg {
                start: s.start + base,
                end: s.end + base,
                ..s.clone()
            });
        }
    }
}

impl State<'_> {
    fn lookup_tree(&self, name: &str) -> Option<Arc<Tree>> {
        if let Some(o) = self.overlay
            && let Some(t) = o.get(name)
        {
            return Some(t.clone());
        }
        self.set.templates.get(name).cloned()
    }

    /// Go's `errorf`: `template: FILE:LINE:COL: executing "NAME" at <CTX>: msg`.
    fn error(&self, pos: Pos, ctx: &str, msg: String) -> Stop {
        self.error_of(TemplateErrorKind::Exec, pos, ctx, msg)
    }

    /// [`State::error`] of a given class.
    fn error_of(&self, kind: TemplateErrorKind, pos: Pos, ctx: &str, msg: String) -> Stop {
        err_stop(ExecError {
            chain: vec![format!(
                "template: {}:{}:{}: executing {:?} at <{}>: {}",
                self.tree.parse_name, pos.line, pos.col, self.tree.name, ctx, msg
            )],
            kind,
            template: self.tree.parse_name.to_string(),
            line: pos.line,
            col: pos.col,
            value: None,
        })
    }

    /// A limit of `limits:` exceeded at `pos` (Go's `errorf` text).
    fn limit_error(&self, pos: Pos, ctx: &str, msg: String) -> Stop {
        self.error_of(TemplateErrorKind::Limit, pos, ctx, msg)
    }

    fn tick(&mut self, pos: Pos) -> R<()> {
        self.shared.steps += 1;
        if self.shared.steps & 15 != 0 {
            return Ok(());
        }
        // The render's and the run's memory budgets and clocks every 16 steps. A step may be
        // a function call working on a large value (`sha512sum` of a 1 MB string, 2 ms): with
        // the clocks read every 256 steps, a 0.1 s budget ended after 1.4 s.
        if let Err(e) = crate::budget::check_run_time() {
            return Err(self.limit_error(pos, "", e.to_string()));
        }
        if Instant::now() > self.shared.deadline {
            return Err(self.limit_error(
                pos,
                "",
                format!(
                    "template execution exceeded the time budget of {}s (limits.render-seconds)",
                    self.shared.limits.time_budget.as_secs_f64()
                ),
            ));
        }
        Ok(())
    }

    fn write(&mut self, out: &mut Output, t: &Text, pos: Pos) -> R<()> {
        self.shared.written += t.s.len();
        if self.shared.written > self.shared.limits.max_output_bytes {
            return Err(self.limit_error(
                pos,
                "",
                format!(
                    "template output exceeds the limit of {} bytes (limits.output-bytes)",
                    self.shared.limits.max_output_bytes
                ),
            ));
        }
        push_text(out, t);
        Ok(())
    }

    /// Records that `out.text[start..]` was written by the node at `pos` of the current tree.
    /// Template positions a printed text brought with it (an `include`d helper's lines) stay;
    /// they now name this action as the `include` that printed them, and the rest of the
    /// bytes are the node's own.
    fn mark(&self, out: &mut Output, start: usize, pos: Pos, literal: bool) {
        let end = out.text.len() as u32;
        if end as usize <= start {
            return;
        }
        let start = start as u32;
        let k = out.tpl.partition_point(|s| s.start < start);
        let nested = out.tpl.split_off(k);
        let own = |a: u32, b: u32| TplSeg {
            start: a,
            end: b,
            template: self.tree.parse_name.clone(),
            line: pos.line,
            col: pos.col,
            literal,
            via: None,
        };
        let mut at = start;
        for mut s in nested {
            if s.start > at {
                out.tpl.push(own(at, s.start));
            }
            at = s.end;
            s.via = Some((self.tree.parse_name.clone(), pos.line, pos.col));
            out.tpl.push(s);
        }
        if end > at {
            out.tpl.push(own(at, end));
        }
    }

    /// Literal template text; inside a `tpl` string, with the provenance of the string's bytes
    /// it repeats (a host written in a values file and passed through `tpl`).
    fn literal_text(&self, t: &Arc<str>, pos: Pos) -> Text {
        let Some((tree, src)) = &self.tpl_src else {
            return Text::plain(t.clone());
        };
        if !Arc::ptr_eq(tree, &self.tree) || t.is_empty() {
            return Text::plain(t.clone());
        }
        let s = src.as_str();
        let line_start = if pos.line <= 1 {
            Some(0)
        } else {
            s.match_indices('\n')
                .nth(pos.line as usize - 2)
                .map(|(i, _)| i + 1)
        };
        let at = line_start
            .map(|l| l + pos.col as usize)
            .filter(|&o| o <= s.len() && s.is_char_boundary(o))
            .and_then(|o| s[o..].find(&**t).map(|i| o + i));
        match at {
            Some(a) => {
                let mut segs = Vec::new();
                funcs::sub_segs(src, a, a + t.len(), 0, &mut segs);
                Text {
                    s: t.clone(),
                    segs: (!segs.is_empty()).then(|| Arc::from(segs)),
                    tpl: None,
                }
            }
            None => Text::plain(t.clone()),
        }
    }

    /// Go's `printValue` of an action's result.
    fn print_value(&mut self, out: &mut Output, v: &Value, pos: Pos) -> R<()> {
        if matches!(v, Value::List(_) | Value::Map(_))
            && printed_size_exceeds(
                v,
                self.shared
                    .limits
                    .max_output_bytes
                    .saturating_sub(self.shared.written),
            )
        {
            return Err(self.limit_error(
                pos,
                "",
                format!(
                    "template output exceeds the limit of {} bytes (limits.output-bytes)",
                    self.shared.limits.max_output_bytes
                ),
            ));
        }
        match v {
            Value::Nil => self.write(out, &Text::plain("<no value>"), pos),
            Value::Str(t) => self.write(out, t, pos),
            Value::Bool(_, o) | Value::Int(_, o, _) | Value::Float(_, o) => {
                let s = sprint_value(v);
                self.write(out, &Text::from_origin(s, *o), pos)
            }
            Value::Object(o) => {
                let v = o.as_value();
                self.print_value(out, &v, pos)
            }
            _ => self.write(out, &Text::plain(sprint_value(v)), pos),
        }
    }

    /// Walks a list of nodes.
    pub(crate) fn walk(&mut self, dot: &Dot, nodes: &[Node], out: &mut Output) -> R<()> {
        for n in nodes {
            self.walk_node(dot, n, out)?;
        }
        Ok(())
    }

    fn walk_node(&mut self, dot: &Dot, node: &Node, out: &mut Output) -> R<()> {
        match node {
            Node::Text(t, tpos) => {
                let t = self.literal_text(t, *tpos);
                let start = out.text.len();
                self.write(out, &t, *tpos)?;
                self.mark(out, start, *tpos, true);
                Ok(())
            }
            Node::Action(pos, pipe) => {
                self.tick(*pos)?;
                let v = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    let start = out.text.len();
                    self.print_value(out, &v, *pos)?;
                    self.mark(out, start, *pos, false);
                }
                Ok(())
            }
            Node::If(pos, pipe, list, else_list) | Node::With(pos, pipe, list, else_list) => {
                self.tick(*pos)?;
                let nvars = self.vars.len();
                let v = self.eval_pipeline(dot, pipe)?;
                let t = truth(&v);
                let r = if t {
                    if matches!(node, Node::With(..)) {
                        self.walk(&Dot { v, iface: false }, list, out)
                    } else {
                        self.walk(dot, list, out)
                    }
                } else if let Some(e) = else_list {
                    self.walk(dot, e, out)
                } else {
                    Ok(())
                };
                self.vars.truncate(nvars);
                r
            }
            Node::Range(pos, pipe, list, else_list) => {
                self.walk_range(dot, *pos, pipe, list, else_list.as_deref(), out)
            }
            Node::Break(_) => Err(Stop::Break),
            Node::Continue(_) => Err(Stop::Continue),
            Node::Template(pos, name, pipe) => {
                self.tick(*pos)?;
                let Some(tree) = self.lookup_tree(name) else {
                    return Err(self.error(
                        *pos,
                        &template_ctx(name, pipe.as_ref()),
                        format!("template {:?} not defined", name),
                    ));
                };
                let newdot = match pipe {
                    Some(p) => {
                        let nvars = self.vars.len();
                        let v = self.eval_pipeline(dot, p)?;
                        self.vars.truncate(nvars);
                        v
                    }
                    None => Value::Nil,
                };
                if self.depth + 1 >= self.shared.limits.max_depth {
                    return Err(self.limit_error(
                        *pos,
                        &template_ctx(name, pipe.as_ref()),
                        format!(
                            "exceeded maximum template depth ({})",
                            self.shared.limits.max_depth
                        ),
                    ));
                }
                let d = Dot {
                    v: newdot,
                    iface: false,
                };
                let saved_tree = std::mem::replace(&mut self.tree, tree.clone());
                let saved_vars =
                    std::mem::replace(&mut self.vars, vec![("$".to_string(), d.clone())]);
                self.depth += 1;
                let r = grow(self.depth, || self.walk(&d, &tree.root, out));
                self.depth -= 1;
                self.tree = saved_tree;
                self.vars = saved_vars;
                match r {
                    Err(Stop::Break) | Err(Stop::Continue) => Ok(()),
                    r => r,
                }
            }
        }
    }

    fn walk_range(
        &mut self,
        dot: &Dot,
        pos: Pos,
        pipe: &Pipe,
        list: &[Node],
        else_list: Option<&[Node]>,
        out: &mut Output,
    ) -> R<()> {
        self.tick(pos)?;
        let nvars = self.vars.len();
        // Go's walkRange: evalPipeline binds the variables to the pipeline's value (so `else`
        // sees them, and `$x = list` leaves `$x` the list when nothing iterates); each
        // iteration then overwrites them.
        let v = self.eval_pipeline(dot, pipe)?;
        let mark = self.vars.len();
        let v = match &v {
            Value::Object(o) => o.as_value(),
            _ => v,
        };
        let mut items: Vec<(Value, Value)> = Vec::new();
        match &v {
            Value::List(l) => {
                for (i, e) in l.iter().enumerate() {
                    items.push((Value::int(i as i64), e.clone()));
                }
            }
            Value::Map(m) => {
                for (k, e) in m.read().iter() {
                    items.push((Value::str(k.as_str()), e.clone()));
                }
            }
            Value::Int(n, _, _) => {
                if pipe.decl.len() > 1 {
                    return Err(self.error(
                        pos,
                        &pipe.to_string(),
                        format!("can't use {} to iterate over more than one variable", n),
                    ));
                }
                for i in 0..(*n).max(0) {
                    items.push((Value::int(i), Value::int(i)));
                }
            }
            Value::Nil => {}
            other => {
                let (p, ctx) = last_node(pipe).unwrap_or((pos, pipe.to_string()));
                return Err(self.error(
                    p,
                    &ctx,
                    format!("range can't iterate over {}", sprint_value(other)),
                ));
            }
        }
        if items.is_empty() {
            let r = match else_list {
                Some(e) => self.walk(dot, e, out),
                None => Ok(()),
            };
            self.vars.truncate(nvars);
            return r;
        }
        let iface = !matches!(v, Value::Int(..));
        for (k, e) in items {
            self.shared.range_iters += 1;
            if self.shared.range_iters > self.shared.limits.max_range_iterations {
                return Err(self.limit_error(
                    pos,
                    &pipe.to_string(),
                    format!(
                        "range iterations exceed the limit of {} (limits.range-iterations)",
                        self.shared.limits.max_range_iterations
                    ),
                ));
            }
            self.tick(pos)?;
            let index = Dot { v: k, iface: false };
            let elem = Dot {
                v: e.clone(),
                iface,
            };
            match (pipe.decl.as_slice(), pipe.is_assign) {
                ([], _) => {}
                ([x], true) => self.bind(pipe, x, elem)?,
                ([x, y, ..], true) => {
                    self.bind(pipe, x, index)?;
                    self.bind(pipe, y, elem)?;
                }
                // Go's setTopVar: the declared variables were pushed by eval_pipeline.
                ([_], false) => self.vars[mark - 1].1 = elem,
                ([_, _, ..], false) => {
                    self.vars[mark - 1].1 = elem;
                    self.vars[mark - 2].1 = index;
                }
            }
            let d = Dot { v: e, iface };
            let r = self.walk(&d, list, out);
            self.vars.truncate(mark);
            match r {
                Ok(()) | Err(Stop::Continue) => {}
                Err(Stop::Break) => break,
                Err(e) => return Err(e),
            }
        }
        self.vars.truncate(nvars);
        Ok(())
    }

    /// Binds a declared (`:=`, pushed) or assigned (`=`, Go's `setVar`: the innermost variable of
    /// that name) variable of `pipe`.
    fn bind(&mut self, pipe: &Pipe, name: &str, d: Dot) -> R<()> {
        if pipe.is_assign {
            match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
                Some(slot) => slot.1 = d,
                None => {
                    let (p, ctx) = last_node(pipe).unwrap_or((pipe.pos, pipe.to_string()));
                    return Err(self.error(p, &ctx, format!("undefined variable: {name}")));
                }
            }
        } else {
            self.vars.push((name.to_string(), d));
        }
        Ok(())
    }

    /// Evaluates a pipeline's commands (without binding its declarations).
    fn eval_cmds(&mut self, dot: &Dot, pipe: &Pipe) -> R<Value> {
        let mut value: Option<Value> = None;
        for cmd in &pipe.cmds {
            let v = self.eval_command(dot, cmd, value.take())?;
            value = Some(v);
        }
        Ok(value.unwrap_or(Value::Nil))
    }

    fn eval_pipeline(&mut self, dot: &Dot, pipe: &Pipe) -> R<Value> {
        let v = self.eval_cmds(dot, pipe)?;
        for name in &pipe.decl {
            self.bind(
                pipe,
                name,
                Dot {
                    v: v.clone(),
                    iface: false,
                },
            )?;
        }
        Ok(v)
    }

    fn not_a_function(&self, cmd: &Cmd, has_final: bool) -> R<()> {
        if cmd.args.len() > 1 || has_final {
            let first = cmd.args.first().map(|a| a.to_string()).unwrap_or_default();
            return Err(self.error(
                cmd.pos,
                &first,
                format!("can't give argument to non-function {first}"),
            ));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Dot, cmd: &Cmd, fin: Option<Value>) -> R<Value> {
        let Some(first) = cmd.args.first() else {
            return Ok(Value::Nil);
        };
        match first {
            Arg::Field(pos, ids) => {
                let recv = dot.clone();
                self.eval_field_chain(dot, recv, ids, *pos, first, &cmd.args[1..], fin)
            }
            Arg::Var(pos, name, ids) => {
                let recv = self.var_value(name, first)?;
                if ids.is_empty() {
                    self.not_a_function(cmd, fin.is_some())?;
                    return Ok(recv.v);
                }
                self.eval_field_chain(dot, recv, ids, *pos, first, &cmd.args[1..], fin)
            }
            Arg::Chain(pos, pipe, ids) => {
                if ids.is_empty() {
                    self.not_a_function(cmd, fin.is_some())?;
                    let nvars = self.vars.len();
                    let v = self.eval_pipeline(dot, pipe)?;
                    self.vars.truncate(nvars);
                    return Ok(v);
                }
                if let Some(Cmd { args, .. }) = pipe.cmds.first()
                    && pipe.cmds.len() == 1
                    && let [Arg::Ident(_, name)] = args.as_slice()
                {
                    return Err(self.error(
                        *pos,
                        &first.to_string(),
                        format!("{name} is not a method but has arguments"),
                    ));
                }
                let nvars = self.vars.len();
                let v = self.eval_pipeline(dot, pipe)?;
                self.vars.truncate(nvars);
                self.eval_field_chain(
                    dot,
                    Dot { v, iface: false },
                    ids,
                    *pos,
                    first,
                    &cmd.args[1..],
                    fin,
                )
            }
            Arg::Ident(pos, name) => self.eval_function(dot, name, *pos, cmd, fin),
            // Go's evalCommand: `nil` alone is no value to print (`{{ nil }}`, `{{ nil | f }}`).
            Arg::Nil(pos) => {
                self.not_a_function(cmd, fin.is_some())?;
                Err(self.error(*pos, "nil", "nil is not a command".to_string()))
            }
            _ => {
                self.not_a_function(cmd, fin.is_some())?;
                self.eval_arg(dot, first)
            }
        }
    }

    /// Go's `varValue`: a variable assigned (`$x = ...`) but never declared parses, and fails
    /// here when read.
    fn var_value(&self, name: &str, node: &Arg) -> R<Dot> {
        match self.vars.iter().rev().find(|(n, _)| n == name) {
            Some((_, d)) => Ok(d.clone()),
            None => Err(self.error(
                node.pos(),
                &node.to_string(),
                format!("undefined variable: {name}"),
            )),
        }
    }

    fn var(&self, name: &str) -> Dot {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, d)| d.clone())
            .unwrap_or(Dot {
                v: Value::Nil,
                iface: false,
            })
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "one field step of text/template's evalFieldChain: dot, receiver, name, position, node, arguments, final value"
    )]
    fn eval_field_chain(
        &mut self,
        dot: &Dot,
        mut recv: Dot,
        ids: &[String],
        pos: Pos,
        node: &Arg,
        args: &[Arg],
        fin: Option<Value>,
    ) -> R<Value> {
        let n = ids.len();
        for (i, id) in ids.iter().enumerate() {
            let last = i + 1 == n;
            recv = self.eval_field(
                dot,
                recv,
                id,
                pos,
                node,
                if last { args } else { &[] },
                if last { fin.clone() } else { None },
                last,
            )?;
        }
        Ok(recv.v)
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "text/template's evalField: dot, receiver, name, position, node, arguments, final value, last step"
    )]
    fn eval_field(
        &mut self,
        dot: &Dot,
        recv: Dot,
        name: &str,
        pos: Pos,
        node: &Arg,
        args: &[Arg],
        fin: Option<Value>,
        last: bool,
    ) -> R<Dot> {
        let has_args = !args.is_empty() || fin.is_some();
        match &recv.v {
            Value::Nil => {
                if recv.iface {
                    return Err(self.error(
                        pos,
                        &node.to_string(),
                        format!("nil pointer evaluating interface {{}}.{name}"),
                    ));
                }
                Ok(Dot {
                    v: Value::Nil,
                    iface: false,
                })
            }
            Value::Map(m)
                if VALUES_METHODS.contains(&name)
                    && self.shared.values_maps.contains(&m.addr()) =>
            {
                let mut argv = Vec::with_capacity(args.len() + 1);
                for a in args {
                    // Go converts a literal operand to the `string` parameter as it goes.
                    if let Arg::Number(..) | Arg::Bool(..) = a
                        && matches!(name, "Table" | "PathValue")
                    {
                        return Err(self.error(
                            a.pos(),
                            &a.to_string(),
                            format!("expected string; found {a}"),
                        ));
                    }
                    argv.push(self.eval_arg(dot, a)?);
                }
                argv.extend(fin);
                match self.values_method(m, name, &argv) {
                    Ok(v) => Ok(Dot { v, iface: false }),
                    Err((true, e)) => Err(self.error(pos, &node.to_string(), e)),
                    // Go's `error calling NAME: %w` around the method's error.
                    Err((false, e)) => match self.error(
                        pos,
                        &node.to_string(),
                        format!("error calling {name}: {e}"),
                    ) {
                        Stop::Err(mut x) => {
                            x.chain.push(e);
                            Err(Stop::Err(x))
                        }
                        other => Err(other),
                    },
                }
            }
            Value::Map(m) => {
                if has_args && last {
                    return Err(self.error(
                        pos,
                        &node.to_string(),
                        format!("{name} is not a method but has arguments"),
                    ));
                }
                let v = match m.get(name) {
                    Some(v) => v,
                    None if self.set.dialect.missing_key_error => {
                        return Err(self.error(
                            pos,
                            &node.to_string(),
                            format!("map has no entry for key {name:?}"),
                        ));
                    }
                    None => Value::Nil,
                };
                Ok(Dot { v, iface: true })
            }
            Value::Object(o) => {
                if has_args || last {
                    let mut argv = Vec::with_capacity(args.len() + 1);
                    for a in args {
                        argv.push(self.eval_arg(dot, a)?);
                    }
                    if let Some(f) = fin.clone() {
                        argv.push(f);
                    }
                    if let Some(r) = o.method(name, &argv) {
                        return match r {
                            Ok(v) => Ok(Dot { v, iface: false }),
                            Err(e) => Err(self.error(
                                pos,
                                &node.to_string(),
                                format!("error calling {name}: {e}"),
                            )),
                        };
                    }
                }
                if let Some(v) = o.field(name) {
                    if has_args {
                        return Err(self.error(
                            pos,
                            &node.to_string(),
                            format!("{name} has arguments but cannot be invoked as function"),
                        ));
                    }
                    return Ok(Dot { v, iface: false });
                }
                Err(self.error(
                    pos,
                    &node.to_string(),
                    format!("can't evaluate field {name} in type {}", o.type_name()),
                ))
            }
            other => {
                let ty = if recv.iface {
                    "interface {}".to_string()
                } else {
                    go_type_name(other)
                };
                Err(self.error(
                    pos,
                    &node.to_string(),
                    format!("can't evaluate field {name} in type {ty}"),
                ))
            }
        }
    }

    /// Helm's `common.Values` methods. Errors: `(true, e)` before the call (arity, argument
    /// type), `(false, e)` returned by the method.
    fn values_method(
        &mut self,
        m: &crate::model::value::MapRef,
        name: &str,
        argv: &[Value],
    ) -> Result<Value, (bool, String)> {
        let want = if matches!(name, "Table" | "PathValue") {
            1
        } else {
            0
        };
        if argv.len() != want {
            return Err((
                true,
                format!(
                    "wrong number of args for {name}: want {want} got {}",
                    argv.len()
                ),
            ));
        }
        let path = match argv.first() {
            None => None,
            Some(Value::Str(t)) => Some(t.s.to_string()),
            Some(other) => {
                return Err((
                    true,
                    format!(
                        "wrong type for value; expected string; got {}",
                        funcs::type_name(other)
                    ),
                ));
            }
        };
        match name {
            "AsMap" => Ok(Value::Map(m.clone())),
            "YAML" => {
                let mut t = funcs::to_yaml(&Value::Map(m.clone())).map_err(|e| (false, e))?;
                if !t.s.ends_with('\n') {
                    t = Text::plain(format!("{}\n", t.s));
                }
                Ok(Value::Str(t))
            }
            "Table" => {
                let t = values_table(m, path.as_deref().unwrap_or_default())
                    .map_err(|k| (false, format!("{k:?} is not a table")))?;
                self.shared.values_maps.push(t.addr());
                Ok(Value::Map(t))
            }
            _ => {
                // PathValue: a leaf (not a table) at a dotted path.
                let path = path.unwrap_or_default();
                if path.is_empty() {
                    return Err((false, "YAML path cannot be empty".into()));
                }
                let (table, key) = match path.rsplit_once('.') {
                    Some((t, k)) => (
                        values_table(m, t).map_err(|_| (false, format!("{k:?} is not a value")))?,
                        k.to_string(),
                    ),
                    None => (m.clone(), path.clone()),
                };
                match table.get(&key) {
                    Some(v) if !matches!(v, Value::Map(_)) => Ok(v),
                    _ => Err((false, format!("{key:?} is not a value"))),
                }
            }
        }
    }

    fn eval_arg(&mut self, dot: &Dot, arg: &Arg) -> R<Value> {
        match arg {
            Arg::Field(pos, ids) => {
                self.eval_field_chain(dot, dot.clone(), ids, *pos, arg, &[], None)
            }
            Arg::Var(pos, name, ids) => {
                let recv = self.var_value(name, arg)?;
                if ids.is_empty() {
                    return Ok(recv.v);
                }
                self.eval_field_chain(dot, recv, ids, *pos, arg, &[], None)
            }
            Arg::Chain(pos, pipe, ids) => {
                let nvars = self.vars.len();
                let v = self.eval_pipeline(dot, pipe)?;
                self.vars.truncate(nvars);
                if ids.is_empty() {
                    return Ok(v);
                }
                self.eval_field_chain(dot, Dot { v, iface: false }, ids, *pos, arg, &[], None)
            }
            Arg::Dot(_) => Ok(dot.v.clone()),
            Arg::Nil(_) => Ok(Value::Nil),
            Arg::Bool(_, b) => Ok(Value::bool(*b)),
            Arg::Number(_, Num::Int(i), _) => Ok(Value::int(*i)),
            Arg::Number(_, Num::Float(f), _) => Ok(Value::float(*f)),
            Arg::Number(_, Num::Imaginary(f), _) => Ok(crate::gocompat::complex::imaginary(*f)),
            Arg::Number(pos, Num::Uint(_), text) => {
                Err(self.error(*pos, text, format!("{text} overflows int")))
            }
            Arg::Str(_, s, _) => Ok(Value::Str(Text::plain(s.clone()))),
            Arg::Ident(pos, name) => {
                let cmd = Cmd {
                    pos: *pos,
                    args: vec![arg.clone()],
                };
                self.eval_function(dot, name, *pos, &cmd, None)
            }
        }
    }

    fn eval_args(&mut self, dot: &Dot, cmd: &Cmd, fin: Option<Value>) -> R<Vec<Value>> {
        let mut argv = Vec::with_capacity(cmd.args.len());
        for a in cmd.args.iter().skip(1) {
            argv.push(self.eval_arg(dot, a)?);
        }
        if let Some(f) = fin {
            argv.push(f);
        }
        Ok(argv)
    }

    fn call_err(&self, cmd: &Cmd, name: &str, e: String) -> Stop {
        self.call_err_of(TemplateErrorKind::Exec, cmd, name, e)
    }

    /// [`State::call_err`] of a given class.
    fn call_err_of(&self, kind: TemplateErrorKind, cmd: &Cmd, name: &str, e: String) -> Stop {
        self.call_err_chain(cmd, name, kind, None, vec![e])
    }

    /// Go's `error calling NAME: %w` around an error chain; the error keeps the class and the
    /// values position of the inner error.
    fn call_err_chain(
        &self,
        cmd: &Cmd,
        name: &str,
        kind: TemplateErrorKind,
        value: Option<Origin>,
        inner: Vec<String>,
    ) -> Stop {
        let first = inner.first().cloned().unwrap_or_default();
        match self.error_of(
            kind,
            cmd.pos,
            &cmd.to_string(),
            format!("error calling {name}: {first}"),
        ) {
            Stop::Err(mut e) => {
                e.chain.extend(inner);
                e.value = value;
                Stop::Err(e)
            }
            s => s,
        }
    }

    /// An argument a Sprig function cannot take because of its Go parameter type (`b64enc` of a
    /// map): Go's template converts arguments before the call, so the error is not `error
    /// calling F:` but the conversion's own, at the operand being converted. An explicit operand
    /// is converted as it is evaluated (a literal of the wrong kind is `expected string; found
    /// 5`); the piped final value is converted after the explicit operands, at the last one
    /// evaluated, or at the function's name when there is none. `None` when `e` is not a
    /// conversion error or no argument has the type it names.
    fn conversion_error(
        &self,
        dot: &Dot,
        cmd: &Cmd,
        name: &str,
        argv: &[Value],
        has_fin: bool,
        e: &str,
    ) -> Option<Stop> {
        let rest = e.strip_prefix("wrong type for value; expected ")?;
        let (want, got) = rest.split_once("; got ")?;
        let i = argv.iter().position(|v| funcs::type_name(v) == got)?;
        let explicit = cmd.args.len().saturating_sub(1);
        // A nil operand: an interface holding nil (a map field, a missing key under Helm's
        // `missingkey=zero`) has Go type `interface {}`; an untyped nil is an invalid value.
        let e = if argv[i].is_nil() {
            match cmd.args.get(i + 1).filter(|_| i < explicit) {
                Some(Arg::Nil(_)) => format!("cannot assign nil to {want}"),
                Some(node) if !self.nil_is_iface(dot, Some(node)) => {
                    format!("invalid value; expected {want}")
                }
                _ => format!("wrong type for value; expected {want}; got interface {{}}"),
            }
        } else {
            e.to_string()
        };
        let e = e.as_str();
        if i < explicit {
            let node = &cmd.args[i + 1];
            let msg = match node {
                Arg::Number(..) | Arg::Bool(..) | Arg::Str(..) => {
                    let kind = match want {
                        "string" => "string",
                        "int" | "int64" | "int32" => "integer",
                        "uint" | "uint64" | "uint32" | "uint8" => "unsigned integer",
                        "float64" | "float32" => "float",
                        "bool" => "bool",
                        // A map, slice or struct parameter takes no literal.
                        _ => {
                            let (pos, ctx) = last_evaluated(node);
                            return Some(self.error(
                                pos,
                                &ctx,
                                format!("can't handle {node} for arg of type {want}"),
                            ));
                        }
                    };
                    format!("expected {kind}; found {node}")
                }
                _ => e.to_string(),
            };
            let (pos, ctx) = last_evaluated(node);
            return Some(self.error(pos, &ctx, msg));
        }
        if !has_fin || i + 1 != argv.len() {
            return None;
        }
        // A piped nil is the previous command's result, unwrapped to an invalid value.
        let e = if argv[i].is_nil() {
            format!("invalid value; expected {want}")
        } else {
            e.to_string()
        };
        let (pos, ctx) = if explicit > 0 {
            last_evaluated(&cmd.args[explicit])
        } else {
            (cmd.pos, name.to_string())
        };
        Some(self.error(pos, &ctx, e))
    }

    /// Go's conversion of argument `i` to a `string` parameter, with its errors.
    fn string_arg(&self, dot: &Dot, cmd: &Cmd, argv: &[Value], i: usize) -> R<Arc<str>> {
        let node = cmd.args.get(i + 1);
        let v = argv.get(i).cloned().unwrap_or(Value::Nil);
        if let Value::Str(t) = &v {
            return Ok(t.s.clone());
        }
        let (pos, ctx) = match node {
            Some(n) => (n.pos(), n.to_string()),
            None => (cmd.pos, cmd.to_string()),
        };
        let msg = match node {
            Some(n @ (Arg::Number(..) | Arg::Bool(..))) => format!("expected string; found {n}"),
            Some(Arg::Nil(_)) => "cannot assign nil to string".to_string(),
            Some(Arg::Field(..)) | Some(Arg::Var(_, _, _)) if v.is_nil() => {
                let iface = self.nil_is_iface(dot, node);
                if iface {
                    "wrong type for value; expected string; got interface {}".to_string()
                } else {
                    "invalid value; expected string".to_string()
                }
            }
            _ if v.is_nil() => "invalid value; expected string".to_string(),
            _ => format!(
                "wrong type for value; expected string; got {}",
                go_type_name(&v)
            ),
        };
        Err(self.error(pos, &ctx, msg))
    }

    /// Whether a nil operand is a Go interface holding nil (a map field, a range element),
    /// rather than an untyped nil (a variable set from a pipeline, a parenthesised pipeline:
    /// Go's template unwraps those to an invalid value).
    fn nil_is_iface(&self, dot: &Dot, node: Option<&Arg>) -> bool {
        match node {
            // A field of an invalid dot (`include "x" nil`) is invalid too: Go's evalField
            // returns the zero Value for an invalid receiver.
            Some(Arg::Field(..)) => !dot.v.is_nil() || dot.iface,
            Some(Arg::Chain(_, _, ids)) => !ids.is_empty(),
            Some(Arg::Var(_, name, ids)) => !ids.is_empty() || self.var(name).iface,
            Some(Arg::Dot(_)) => dot.iface,
            _ => false,
        }
    }

    /// Sprig's `map[string]interface{}` parameters given nil, as Go's template converts them:
    /// an interface holding nil is a type error at the operand; an untyped nil becomes a nil
    /// map (empty for reading; `set` on it panics as Go does).
    fn nil_map_args(&self, dot: &Dot, cmd: &Cmd, name: &str, argv: Vec<Value>) -> R<Vec<Value>> {
        let is_map_param = |i: usize| match name {
            "hasKey" | "get" | "set" | "unset" | "values" | "pick" | "omit" => i == 0,
            "keys" | "merge" | "mustMerge" | "mergeOverwrite" | "mustMergeOverwrite" => true,
            "pluck" => i >= 1,
            _ => false,
        };
        if !argv
            .iter()
            .enumerate()
            .any(|(i, v)| v.is_nil() && is_map_param(i))
        {
            return Ok(argv);
        }
        let mut out = Vec::with_capacity(argv.len());
        for (i, v) in argv.into_iter().enumerate() {
            if !(v.is_nil() && is_map_param(i)) {
                out.push(v);
                continue;
            }
            let node = cmd.args.get(i + 1);
            if let Some(n) = node.filter(|n| self.nil_is_iface(dot, Some(n))) {
                return Err(self.error(
                    n.pos(),
                    &n.to_string(),
                    "wrong type for value; expected map[string]interface {}; got interface {}"
                        .into(),
                ));
            }
            if name == "set" {
                return Err(self.call_err(cmd, name, "assignment to entry in nil map".into()));
            }
            out.push(Value::empty_map());
        }
        Ok(out)
    }

    fn want_args(&self, cmd: &Cmd, name: &str, argv: &[Value], n: usize) -> R<()> {
        if argv.len() != n {
            // Go reports the arity at the function's identifier node: `at <ne>`.
            return Err(self.error(
                cmd.pos,
                name,
                format!(
                    "wrong number of args for {name}: want {n} got {}",
                    argv.len()
                ),
            ));
        }
        Ok(())
    }

    fn eval_function(
        &mut self,
        dot: &Dot,
        name: &str,
        pos: Pos,
        cmd: &Cmd,
        fin: Option<Value>,
    ) -> R<Value> {
        let _ = pos;
        match name {
            "and" | "or" => {
                let n = cmd.args.len() - 1 + usize::from(fin.is_some());
                if n == 0 {
                    return Err(self.error(
                        cmd.pos,
                        &cmd.to_string(),
                        format!("wrong number of args for {name}: want at least 1 got 0"),
                    ));
                }
                let is_and = name == "and";
                let mut last = Value::Nil;
                for a in cmd.args.iter().skip(1) {
                    let v = self.eval_arg(dot, a)?;
                    if truth(&v) != is_and {
                        return Ok(v);
                    }
                    last = v;
                }
                if let Some(f) = fin {
                    return Ok(f);
                }
                return Ok(last);
            }
            _ => {}
        }
        let has_fin = fin.is_some();
        let argv = self.eval_args(dot, cmd, fin)?;
        if SERIALIZING.contains(&name) {
            let max = self.shared.limits.max_output_bytes;
            // Helm's toYaml/toJson fail on a map that contains itself (encoding/json reports the
            // cycle) and print nothing; the encoders here do the same, so let them.
            let swallows_cycles = matches!(name, "toYaml" | "toYamlPretty" | "toJson");
            if !(swallows_cycles && argv.iter().any(contains_cycle))
                && argv.iter().any(|a| printed_size_exceeds(a, max))
            {
                return Err(self.call_err_of(
                    TemplateErrorKind::Limit,
                    cmd,
                    name,
                    format!("argument would print to more than {max} bytes (limits.output-bytes)"),
                ));
            }
        }
        match name {
            "not" => {
                self.want_args(cmd, name, &argv, 1)?;
                Ok(Value::bool(!truth(&argv[0])))
            }
            "len" => {
                self.want_args(cmd, name, &argv, 1)?;
                let n = match &argv[0] {
                    Value::Str(t) => crate::gocompat::gobytes::len(&t.s),
                    Value::List(l) => l.len(),
                    Value::Map(m) => m.len(),
                    Value::Object(o) => match &o.as_value() {
                        Value::List(l) => l.len(),
                        Value::Map(m) => m.len(),
                        Value::Str(t) => t.s.len(),
                        _ => {
                            return Err(self.call_err(
                                cmd,
                                name,
                                format!("len of type {}", o.type_name()),
                            ));
                        }
                    },
                    Value::Nil => {
                        return Err(self.call_err(cmd, name, "len of nil pointer".into()));
                    }
                    other => {
                        return Err(self.call_err(
                            cmd,
                            name,
                            format!("len of type {}", go_type_name(other)),
                        ));
                    }
                };
                Ok(Value::int(n as i64))
            }
            "index" => {
                if argv.is_empty() {
                    return Err(self.error(
                        cmd.pos,
                        &cmd.to_string(),
                        "wrong number of args for index: want at least 1 got 0".into(),
                    ));
                }
                index(&argv[0], &argv[1..]).map_err(|e| self.call_err(cmd, name, e))
            }
            "print" => result_within(print_text(sprint(&argv), &argv), &self.shared.limits)
                .map_err(|e| self.call_err(cmd, name, e)),
            "println" => result_within(Value::str(sprintln(&argv)), &self.shared.limits)
                .map_err(|e| self.call_err(cmd, name, e)),
            "printf" => {
                if argv.is_empty() {
                    return Err(self.error(
                        cmd.pos,
                        &cmd.to_string(),
                        "wrong number of args for printf: want at least 1 got 0".into(),
                    ));
                }
                let f = self.string_arg(dot, cmd, &argv, 0)?;
                sprintf_spans(&f, &argv[1..])
                    .map(|(text, spans)| Value::Str(printf_text(text, &spans, &argv[1..])))
                    .and_then(|v| result_within(v, &self.shared.limits))
                    .map_err(|e| self.call_err(cmd, name, e))
            }
            "html" => Ok(Value::str(html_escape(&eval_args_string(&argv)))),
            "js" => Ok(Value::str(js_escape(&eval_args_string(&argv)))),
            "urlquery" => Ok(Value::str(query_escape(&eval_args_string(&argv)))),
            "call" => {
                let t = argv
                    .first()
                    .map(go_type_name)
                    .unwrap_or_else(|| "<nil>".into());
                Err(self.call_err(cmd, name, format!("non-function of type {t}")))
            }
            "eq" => {
                if argv.is_empty() {
                    return Err(self.error(
                        cmd.pos,
                        &cmd.to_string(),
                        "wrong number of args for eq: want at least 1 got 0".into(),
                    ));
                }
                if argv.len() == 1 {
                    return Err(self.call_err(cmd, name, "missing argument for comparison".into()));
                }
                eq(&argv[0], &argv[1..])
                    .map(Value::bool)
                    .map_err(|e| self.call_err(cmd, name, e))
            }
            "ne" => {
                self.want_args(cmd, name, &argv, 2)?;
                eq(&argv[0], &argv[1..2])
                    .map(|b| Value::bool(!b))
                    .map_err(|e| self.call_err(cmd, name, e))
            }
            "lt" | "le" | "gt" | "ge" => {
                self.want_args(cmd, name, &argv, 2)?;
                let r = match name {
                    "lt" => lt(&argv[0], &argv[1]),
                    "le" => le(&argv[0], &argv[1]),
                    "gt" => le(&argv[0], &argv[1]).map(|b| !b),
                    _ => lt(&argv[0], &argv[1]).map(|b| !b),
                };
                r.map(Value::bool).map_err(|e| self.call_err(cmd, name, e))
            }
            "include" => self.include(dot, cmd, &argv),
            "tpl" => self.tpl(dot, cmd, &argv),
            "required" => {
                self.want_args(cmd, name, &argv, 2)?;
                let missing = match &argv[1] {
                    Value::Nil => true,
                    Value::Str(t) => t.s.is_empty(),
                    _ => false,
                };
                let msg = self.string_arg(dot, cmd, &argv, 0)?.to_string();
                if missing {
                    return Err(self.helm_error(cmd, name, msg));
                }
                Ok(argv[1].clone())
            }
            "fail" => {
                self.want_args(cmd, name, &argv, 1)?;
                let msg = self.string_arg(dot, cmd, &argv, 0)?.to_string();
                Err(self.helm_error(cmd, name, msg))
            }
            // No cluster: an empty map, after Go's arity check of lookup(apiVersion, kind,
            // namespace, name).
            "lookup" => {
                self.want_args(cmd, name, &argv, 4)?;
                Ok(Value::empty_map())
            }
            // Sprig's `dig` asserts its last argument to `map[string]interface {}`, which
            // Helm's `common.Values` is not (a named type): `dig "a" "" .Values` fails in Helm.
            // The same map reached as `.Values.AsMap` is a plain map, so only an argument
            // written as a `Values` field counts (one through a variable or a pipe is let pass).
            "dig"
                if argv.len() >= 3
                    && argv.len() + 1 == cmd.args.len()
                    && cmd.args.last().is_some_and(|a| a.to_string().ends_with("Values"))
                    && matches!(argv.last(), Some(Value::Map(m))
                        if self.shared.values_maps.contains(&m.addr())) =>
            {
                Err(self.call_err(
                    cmd,
                    name,
                    "interface conversion: interface {} is common.Values, not map[string]interface {}"
                        .into(),
                ))
            }
            // A chart scope's `.Values` (and a `Table` of it) is Helm's `common.Values`.
            "typeOf"
                if matches!(argv.as_slice(), [Value::Map(m)]
                    if self.shared.values_maps.contains(&m.addr())) =>
            {
                Ok(Value::str("common.Values"))
            }
            _ => match self
                .set
                .dialect
                .funcs
                .and_then(|f| f(name))
                .or_else(|| funcs::lookup(name))
            {
                Some(f) => {
                    let argv = self.nil_map_args(dot, cmd, name, argv)?;
                    let lim = &self.shared.limits;
                    let call = funcs::CallLimits {
                        regex_bytes: lim.max_regex_bytes,
                        output_bytes: lim.max_output_bytes,
                        items: lim.max_range_iterations,
                        deadline: Some(self.shared.deadline),
                        seconds: lim.time_budget.as_secs(),
                    };
                    // A result over the limits is a limit error; the function's own errors
                    // stay strings inside the function set, typed here at the call.
                    match funcs::with_limits(call, || f(&argv)) {
                        Ok(v) => result_within(v, lim)
                            .map_err(|e| self.call_err_of(TemplateErrorKind::Limit, cmd, name, e)),
                        // Go checks the arity before calling, at the identifier node.
                        Err(e) if e.starts_with(&format!("wrong number of args for {name}: ")) => {
                            Err(self.error(cmd.pos, name, e))
                        }
                        Err(e) => Err(self
                            .conversion_error(dot, cmd, name, &argv, has_fin, &e)
                            .unwrap_or_else(|| self.call_err(cmd, name, e))),
                    }
                }
                None => Err(self.error(
                    cmd.pos,
                    &cmd.to_string(),
                    format!("function {name:?} not implemented"),
                )),
            },
        }
    }

    /// An error from `fail`/`required`, wrapped in Helm's markers so that Helm's rewrite to
    /// `execution error at (LOC): msg` applies.
    fn helm_error(&self, cmd: &Cmd, name: &str, msg: String) -> Stop {
        let kind = if name == "required" {
            TemplateErrorKind::Required
        } else {
            TemplateErrorKind::Fail
        };
        self.call_err_of(kind, cmd, name, format!("HELM_ERR_START{msg}HELM_ERR_END"))
    }

    fn include(&mut self, dot: &Dot, cmd: &Cmd, argv: &[Value]) -> R<Value> {
        self.want_args(cmd, "include", argv, 2)?;
        let name = self.string_arg(dot, cmd, argv, 0)?.to_string();
        let count = self.include_counts.entry(name.clone()).or_insert(0);
        if *count > self.shared.limits.max_depth {
            return Err(self.call_err_chain(
                cmd,
                "include",
                TemplateErrorKind::Limit,
                None,
                vec![
                    format!(
                        "rendering template has a nested reference name: {name}: unable to execute template"
                    ),
                    "unable to execute template".to_string(),
                ],
            ));
        }
        *count += 1;
        let r = self.exec_named(&name, argv[1].clone());
        if let Some(c) = self.include_counts.get_mut(&name) {
            *c = c.saturating_sub(1);
        }
        match r {
            Ok(out) => Ok(Value::Str(out_to_text(out))),
            Err(Stop::Err(e)) => Err(self.call_err_chain(cmd, "include", e.kind, e.value, e.chain)),
            Err(_) => Ok(Value::str("")),
        }
    }

    /// Executes the template `name` with `data` as dot into a fresh buffer (Go's
    /// `ExecuteTemplate`, as `include` uses it).
    fn exec_named(&mut self, name: &str, data: Value) -> R<Output> {
        let Some(tree) = self.lookup_tree(name) else {
            return Err(err_stop(ExecError {
                chain: vec![format!(
                    "template: no template {:?} associated with template \"gotpl\"",
                    name
                )],
                kind: TemplateErrorKind::NoTemplate,
                template: self.tree.parse_name.to_string(),
                line: 0,
                col: 0,
                value: None,
            }));
        };
        if self.depth + 1 >= self.shared.limits.max_depth.saturating_mul(2) {
            return Err(self.limit_error(Pos::default(), name, "template nesting too deep".into()));
        }
        let d = Dot {
            v: data,
            iface: false,
        };
        let saved_tree = std::mem::replace(&mut self.tree, tree.clone());
        let saved_vars = std::mem::replace(&mut self.vars, vec![("$".to_string(), d.clone())]);
        self.depth += 1;
        let mut out = Output::default();
        let r = grow(self.depth, || self.walk(&d, &tree.root, &mut out));
        self.depth -= 1;
        self.tree = saved_tree;
        self.vars = saved_vars;
        match r {
            Ok(()) | Err(Stop::Break) | Err(Stop::Continue) => Ok(out),
            Err(e) => Err(e),
        }
    }

    /// Helm v4's `tpl`: parses the string as a template named "gotpl" in a clone of the
    /// current set (its `define`s override existing ones for this call), executes it with the
    /// given data and removes `<no value>`.
    fn tpl(&mut self, dot: &Dot, cmd: &Cmd, argv: &[Value]) -> R<Value> {
        self.want_args(cmd, "tpl", argv, 2)?;
        let src = self.string_arg(dot, cmd, argv, 0)?.to_string();
        if self.depth + 1 >= self.shared.limits.max_depth {
            return Err(self.call_err_of(
                TemplateErrorKind::Limit,
                cmd,
                "tpl",
                format!(
                    "exceeded maximum template depth ({})",
                    self.shared.limits.max_depth
                ),
            ));
        }
        const NAME: &str = "gotpl";
        // Where the text was set, when it came from a values file.
        let value = match &argv[0] {
            Value::Str(t) => (t.segs.as_deref())
                .and_then(|s| s.first())
                .filter(|s| s.start == 0 && !s.origin.is_none())
                .map(|s| s.origin),
            _ => None,
        };
        let parsed = match super::parse::parse(NAME, &src, &super::has_func) {
            Ok(p) => p,
            Err(e) => {
                return Err(self.call_err_chain(
                    cmd,
                    "tpl",
                    TemplateErrorKind::Parse,
                    value,
                    vec![
                        format!("cannot parse template {:?}: {}", src, e.message),
                        e.message,
                    ],
                ));
            }
        };
        let mut overlay: HashMap<String, Arc<Tree>> = HashMap::new();
        if let Some(o) = self.overlay {
            for (k, v) in o.iter() {
                overlay.insert(k.clone(), v.clone());
            }
        }
        for d in parsed.defines {
            let keep_old = d.is_empty()
                && (overlay.contains_key(&d.name) || self.set.templates.contains_key(&d.name));
            if !keep_old {
                overlay.insert(d.name.clone(), Arc::new(d));
            }
        }
        let main = Arc::new(parsed.main);
        overlay.insert(NAME.to_string(), main.clone());
        let d = Dot {
            v: argv[1].clone(),
            iface: false,
        };
        let depth = self.depth + 1;
        let r = {
            let mut st = State {
                set: self.set,
                overlay: Some(&overlay),
                shared: &mut *self.shared,
                tree: main.clone(),
                vars: vec![("$".to_string(), d.clone())],
                depth,
                include_counts: &mut *self.include_counts,
                tpl_src: match &argv[0] {
                    Value::Str(t) if t.segs.is_some() => Some((main.clone(), t.clone())),
                    _ => None,
                },
            };
            let mut out = Output::default();
            grow(depth, || st.walk(&d, &main.root, &mut out)).map(|_| out)
        };
        match r {
            Ok(out) => {
                // Positions inside the tpl string are not template files: the `tpl` action
                // printed it.
                let mut t = out_to_text(replace_no_value(out));
                t.tpl = None;
                Ok(Value::Str(t))
            }
            Err(Stop::Err(e)) => {
                let mut chain = vec![format!(
                    "error during tpl function execution for {:?}: {}",
                    src,
                    e.chain.first().map(String::as_str).unwrap_or("")
                )];
                chain.extend(e.chain);
                Err(self.call_err_chain(cmd, "tpl", e.kind, e.value.or(value), chain))
            }
            Err(_) => Ok(Value::str("")),
        }
    }
}

/// Functions that print or serialise whole values: a list or map built by doubling itself
/// (`$l = list $l $l`) is small in memory but exponential once printed, so its printed size is
/// bounded before the call.
const SERIALIZING: &[&str] = &[
    "print",
    "println",
    "printf",
    "toString",
    "toJson",
    "mustToJson",
    "toPrettyJson",
    "mustToPrettyJson",
    "toRawJson",
    "mustToRawJson",
    "toYaml",
    "mustToYaml",
    "toYamlPretty",
    "toToml",
    "quote",
    "squote",
    "cat",
    "join",
    "toStrings",
    "sha256sum",
    "sha1sum",
    "b64enc",
];

/// Whether a map inside `v` contains itself (possible after `set $d "k" $d`, as in Go). Maps
/// are visited once each, so the walk is linear in the number of distinct maps and lists.
fn contains_cycle(v: &Value) -> bool {
    fn walk(v: &Value, path: &mut Vec<usize>, done: &mut std::collections::HashSet<usize>) -> bool {
        match v {
            // A list built by doubling itself is shared, not copied: visit each list once. The
            // path bounds the native stack: a chain of lists nested 100 000 deep (`$l = list
            // $l` in a loop) is not walked past the printers' own depth limit.
            Value::List(l) => {
                let id = Arc::as_ptr(l) as *const () as usize;
                if !done.insert(id) || path.len() >= crate::model::value::MAX_VALUE_DEPTH {
                    return false;
                }
                path.push(id);
                let found = l.iter().any(|x| walk(x, path, done));
                path.pop();
                found
            }
            Value::Map(m) => {
                let id = m.addr();
                if path.contains(&id) {
                    return true;
                }
                if !done.insert(id) || path.len() >= crate::model::value::MAX_VALUE_DEPTH {
                    return false;
                }
                path.push(id);
                let found = m.read().values().any(|x| walk(x, path, done));
                path.pop();
                found
            }
            _ => false,
        }
    }
    walk(v, &mut Vec::new(), &mut std::collections::HashSet::new())
}

/// Whether `v` printed (or serialised) would take more than `budget` bytes, counting each
/// scalar and collection at least one byte and shared sub-values every time they appear.
/// Iterative and bounded: it stops as soon as the budget is spent.
fn printed_size_exceeds(v: &Value, budget: usize) -> bool {
    let mut left = budget as u64;
    // Owned entries: values are cheap handles (Arc'd lists, shared maps).
    let mut stack: Vec<Value> = vec![v.clone()];
    let mut spend = |cost: u64| match left.checked_sub(cost) {
        Some(l) => {
            left = l;
            true
        }
        None => false,
    };
    while let Some(v) = stack.pop() {
        // A collection pays for its separators before its elements are queued, so the queue
        // never holds more elements than the budget allows.
        let ok = match &v {
            Value::Str(t) => spend(t.s.len() as u64 + 2),
            Value::List(l) => {
                spend(l.len() as u64 + 2) && {
                    stack.extend(l.iter().cloned());
                    true
                }
            }
            Value::Map(m) => {
                spend(2)
                    && m.read().iter().all(|(k, x)| {
                        stack.push(x.clone());
                        spend(k.len() as u64 + 3)
                    })
            }
            _ => spend(1),
        };
        if !ok {
            return true;
        }
    }
    false
}

/// A function result within the output and list limits (a string or list built in one call
/// never exceeds what a template may output or range over).
fn result_within(v: Value, lim: &Limits) -> Result<Value, String> {
    match &v {
        Value::Str(t) if t.s.len() > lim.max_output_bytes => Err(format!(
            "result is {} bytes, over the limit of {} bytes (limits.output-bytes)",
            t.s.len(),
            lim.max_output_bytes
        )),
        Value::List(l) if l.len() as u64 > lim.max_range_iterations => Err(format!(
            "result has {} elements, over the limit of {} (limits.range-iterations)",
            l.len(),
            lim.max_range_iterations
        )),
        _ => Ok(v),
    }
}

/// Where Go's executor stands after evaluating an operand (`s.at` of the last node it
/// visited): the operand itself, or, for a parenthesised pipeline, the last operand of its last
/// command (the function's name when that command has no operands).
fn last_evaluated(arg: &Arg) -> (Pos, String) {
    match arg {
        Arg::Chain(_, pipe, ids) if ids.is_empty() => match pipe.cmds.last() {
            Some(c) if c.args.len() > 1 => last_evaluated(&c.args[c.args.len() - 1]),
            Some(c) => match c.args.first() {
                Some(Arg::Ident(p, n)) => (*p, n.clone()),
                Some(a) => last_evaluated(a),
                None => (arg.pos(), arg.to_string()),
            },
            None => (arg.pos(), arg.to_string()),
        },
        _ => (arg.pos(), arg.to_string()),
    }
}

/// The methods of Helm's `common.Values` reachable as fields.
const VALUES_METHODS: &[&str] = &["AsMap", "YAML", "Table", "PathValue"];

/// The `common.Values` maps of a template's scope: its `.Values` and those of the subchart
/// scopes under `.Subcharts`.
fn values_maps(dot: &Value) -> Vec<usize> {
    let mut out = Vec::new();
    let mut stack = vec![dot.clone()];
    while let Some(v) = stack.pop() {
        let Value::Map(scope) = &v else { continue };
        if out.len() > 10_000 || scope.get("Release").is_none() {
            continue;
        }
        if let Some(Value::Map(v)) = &scope.get("Values") {
            out.push(v.addr());
        }
        if let Some(Value::Map(subs)) = &scope.get("Subcharts") {
            stack.extend(subs.read().values().cloned());
        }
    }
    out
}

/// Helm's `Values.Table`: the map at a dotted path (each step a map), or the step that is not.
fn values_table(
    m: &crate::model::value::MapRef,
    path: &str,
) -> Result<crate::model::value::MapRef, String> {
    let mut t = m.clone();
    for step in path.split('.') {
        match &t.get(step) {
            Some(Value::Map(next)) => t = next.clone(),
            _ => return Err(step.to_string()),
        }
    }
    Ok(t)
}

/// Go's `String()` of a template node: `{{template "name" pipe}}`.
fn template_ctx(name: &str, pipe: Option<&Pipe>) -> String {
    match pipe {
        Some(p) => format!("{{{{template {:?} {}}}}}", name, p),
        None => format!("{{{{template {:?}}}}}", name),
    }
}

/// The node Go's executor last visited when a pipeline finished: the last command's operand
/// (or, for a function call, its last argument). Used as the context of range errors.
fn last_node(pipe: &Pipe) -> Option<(Pos, String)> {
    let cmd = pipe.cmds.last()?;
    Some(last_at_cmd(cmd))
}

/// The node Go's `state.at` last marked when a command ran without error (its `s.node`, the
/// location and `<context>` of an error raised after it, such as `setVar`'s or range's): a
/// command marks its first word, then each argument in turn (exec.go evalCommand, evalCall,
/// evalArg); a parenthesized pipeline marks its commands. Assumes `and`/`or` evaluated every
/// argument (Go stops at the deciding one).
fn last_at_cmd(cmd: &Cmd) -> (Pos, String) {
    let Some(first) = cmd.args.first() else {
        return (cmd.pos, cmd.to_string());
    };
    // Only a function or a method takes arguments without failing.
    last_at_arg(cmd.args.last().unwrap_or(first))
}

/// [`last_at_cmd`] for one argument (exec.go evalArg).
fn last_at_arg(a: &Arg) -> (Pos, String) {
    match a {
        Arg::Chain(_, p, _) => last_node(p).unwrap_or((a.pos(), a.to_string())),
        a => (a.pos(), a.to_string()),
    }
}

/// Runs `f`, on a fresh thread with a large stack every 32 levels of template nesting, so that
/// deep (but bounded) include/template recursion never overflows the caller's stack.
fn grow<T: Send>(depth: usize, f: impl FnOnce() -> T + Send) -> T {
    if depth % 32 != 31 {
        return f();
    }
    // The render's budget goes along: the new thread has no scope of its own.
    let budget = crate::budget::inherit();
    std::thread::scope(|s| {
        match std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn_scoped(s, move || budget.run(f))
        {
            Ok(h) => match h.join() {
                Ok(v) => v,
                Err(p) => std::panic::resume_unwind(p),
            },
            Err(_) => panic!("cannot spawn template execution thread"),
        }
    })
}

/// `print`'s result with provenance: strings are printed side by side (Go adds spaces only
/// between two non-strings), so an all-string print keeps each string's segments; one scalar
/// printed alone keeps its origin.
fn print_text(text: String, args: &[Value]) -> Value {
    if args.iter().all(|a| matches!(a, Value::Str(_))) {
        let mut b = funcs::TextBuilder::default();
        for a in args {
            if let Value::Str(t) = a {
                b.text(t);
            }
        }
        let t = b.finish();
        if t.as_str() == text {
            return Value::Str(t);
        }
    } else if let [a] = args {
        return Value::Str(Text::from_origin(text, a.origin()));
    }
    Value::str(text)
}

/// `printf`'s result with provenance: an argument printed verbatim keeps its segments, a scalar
/// from a values file marks the bytes it printed.
fn printf_text(text: String, spans: &[super::gofmt::ArgSpan], args: &[Value]) -> Text {
    let mut segs = Vec::new();
    let mut tpl = Vec::new();
    for &(start, end, i) in spans {
        let Some(arg) = args.get(i) else { continue };
        if let Value::Str(t) = arg
            && text.get(start..end) == Some(t.as_str())
            && (t.segs.is_some() || t.tpl.is_some())
        {
            funcs::sub_segs(t, 0, t.s.len(), start, &mut segs);
            funcs::sub_tpl(t, 0, t.s.len(), start, &mut tpl);
            continue;
        }
        let o = arg.origin();
        if !o.is_none() && end > start {
            segs.push(Seg {
                start: start as u32,
                end: end as u32,
                origin: o,
            });
        }
    }
    Text {
        s: Arc::from(text),
        segs: (!segs.is_empty()).then(|| Arc::from(segs)),
        tpl: (!tpl.is_empty()).then(|| Arc::from(tpl)),
    }
}

pub(crate) fn out_to_text(out: Output) -> Text {
    Text {
        s: Arc::from(out.text),
        segs: if out.segs.is_empty() {
            None
        } else {
            Some(Arc::from(out.segs))
        },
        tpl: if out.tpl.is_empty() {
            None
        } else {
            Some(Arc::from(out.tpl))
        },
    }
}

/// Helm's `strings.ReplaceAll(out, "<no value>", "")` ([`crate::gocompat::no_value`]), keeping
/// provenance segments aligned.
pub(crate) fn replace_no_value(out: Output) -> Output {
    let Some(removed) = crate::gocompat::no_value::remove(&out.text) else {
        return out;
    };
    let map = |p: u32| removed.map(p);
    let segs = out
        .segs
        .into_iter()
        .map(|s| Seg {
            start: map(s.start),
            end: map(s.end),
            origin: s.origin,
        })
        .filter(|s| s.end > s.start)
        .collect();
    let tpl = out
        .tpl
        .into_iter()
        .map(|s| TplSeg {
            start: map(s.start),
            end: map(s.end),
            ..s
        })
        .filter(|s| s.end > s.start)
        .collect();
    Output {
        text: removed.text,
        segs,
        tpl,
    }
}

// ---------------------------------------------------------------------------------------------
// Builtins

fn eval_args_string(args: &[Value]) -> String {
    if let [Value::Str(t)] = args {
        return t.s.to_string();
    }
    sprint(args)
}

/// Go's `template.HTMLEscapeString`.
pub fn html_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => o.push_str("&#34;"),
            '\'' => o.push_str("&#39;"),
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '\0' => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

/// Go's `template.JSEscapeString`.
pub fn js_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '\'' => o.push_str("\\'"),
            '"' => o.push_str("\\\""),
            '<' => o.push_str("\\u003C"),
            '>' => o.push_str("\\u003E"),
            '&' => o.push_str("\\u0026"),
            '=' => o.push_str("\\u003D"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04X}", c as u32)),
            // A byte that is not UTF-8 decodes to U+FFFD, which is printable: Go writes the
            // byte as it is.
            c if crate::gocompat::gobytes::stand_in_byte(c).is_some() => o.push(c),
            // Go's `JSEscape` writes a rune that `unicode.IsPrint` refuses (U+2028, U+00AD,
            // private use, ...) as `\uXXXX`.
            c if !c.is_ascii() && !crate::gocompat::quote::is_print(c) => {
                o.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => o.push(c),
        }
    }
    o
}

/// Go's `url.QueryEscape`.
pub fn query_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                o.push(b as char)
            }
            b' ' => o.push('+'),
            b => o.push_str(&format!("%{:02X}", b)),
        }
    }
    o
}

#[derive(PartialEq, Clone, Copy)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Float,
    Str,
    Other,
}

fn kind(v: &Value) -> Kind {
    match v {
        Value::Nil => Kind::Invalid,
        Value::Bool(..) => Kind::Bool,
        Value::Int(..) => Kind::Int,
        Value::Float(..) => Kind::Float,
        Value::Str(_) => Kind::Str,
        _ => Kind::Other,
    }
}

const BAD_CMP: &str = "incompatible types for comparison";
const BAD_CMP_TYPE: &str = "invalid type for comparison";

fn eq(a: &Value, rest: &[Value]) -> Result<bool, String> {
    let a = match a {
        Value::Object(o) => o.as_value(),
        v => v.clone(),
    };
    let k1 = kind(&a);
    for b in rest {
        let b = match b {
            Value::Object(o) => o.as_value(),
            v => v.clone(),
        };
        let k2 = kind(&b);
        let t = if k1 != k2 {
            if k1 != Kind::Invalid && k2 != Kind::Invalid {
                return Err(format!(
                    "{BAD_CMP}: {} and {}",
                    go_type_name(&a),
                    go_type_name(&b)
                ));
            }
            false
        } else {
            match (&a, &b) {
                (Value::Bool(x, _), Value::Bool(y, _)) => x == y,
                (Value::Int(x, _, _), Value::Int(y, _, _)) => x == y,
                (Value::Float(x, _), Value::Float(y, _)) => x == y,
                (Value::Str(x), Value::Str(y)) => x.s == y.s,
                (Value::Nil, Value::Nil) => true,
                (x, _) => {
                    return Err(format!(
                        "non-comparable type {}: {}",
                        sprint_value(x),
                        go_type_name(x)
                    ));
                }
            }
        };
        if t {
            return Ok(true);
        }
    }
    Ok(false)
}

fn lt(a: &Value, b: &Value) -> Result<bool, String> {
    let (k1, k2) = (kind(a), kind(b));
    for k in [k1, k2] {
        if matches!(k, Kind::Invalid | Kind::Other) {
            return Err(BAD_CMP_TYPE.into());
        }
    }
    if k1 != k2 {
        return Err(format!(
            "{BAD_CMP}: {} and {}",
            go_type_name(a),
            go_type_name(b)
        ));
    }
    match (a, b) {
        (Value::Int(x, _, _), Value::Int(y, _, _)) => Ok(x < y),
        (Value::Float(x, _), Value::Float(y, _)) => Ok(x < y),
        (Value::Str(x), Value::Str(y)) => Ok(x.s < y.s),
        _ => Err(BAD_CMP_TYPE.into()),
    }
}

fn le(a: &Value, b: &Value) -> Result<bool, String> {
    if lt(a, b)? {
        return Ok(true);
    }
    eq(a, std::slice::from_ref(b))
}

/// Go's `indexArg` plus the element access: an index equal to the length passes Go's bound
/// check (`x > cap`) and then panics in reflect, which the template reports.
fn index_arg(i: &Value, len: usize, kind: &str) -> Result<usize, String> {
    let x = match i {
        Value::Int(x, _, _) => *x,
        Value::Nil => return Err("cannot index slice/array with nil".into()),
        other => {
            return Err(format!(
                "cannot index slice/array with type {}",
                go_type_name(other)
            ));
        }
    };
    if x < 0 || x as usize > len {
        return Err(format!("index out of range: {x}"));
    }
    if x as usize == len {
        return Err(format!("reflect: {kind} index out of range"));
    }
    Ok(x as usize)
}

fn index(item: &Value, idx: &[Value]) -> Result<Value, String> {
    let mut cur = match item {
        Value::Object(o) => o.as_value(),
        v => v.clone(),
    };
    if cur.is_nil() {
        return Err("index of untyped nil".into());
    }
    for (n, i) in idx.iter().enumerate() {
        cur = match &cur {
            Value::List(l) => {
                let x = index_arg(i, l.len(), "slice")?;
                l[x].clone()
            }
            Value::Str(t) => {
                let x = index_arg(i, t.s.len(), "string")?;
                Value::int(t.s.as_bytes()[x] as i64)
            }
            Value::Map(m) => match i {
                Value::Str(k) => m.get(&k.s).unwrap_or(Value::Nil),
                Value::Nil => return Err("value is nil; should be of type string".into()),
                other => {
                    return Err(format!(
                        "value has type {}; should be string",
                        go_type_name(other)
                    ));
                }
            },
            Value::Nil if n > 0 => return Err("index of nil pointer".into()),
            other => return Err(format!("can't index item of type {}", go_type_name(other))),
        };
    }
    Ok(cur)
}

/// Starts executing `tree` (a file template) with `dot`.
pub(crate) fn execute_tree(
    set: &TemplateSet,
    tree: Arc<Tree>,
    dot: &Value,
) -> Result<Output, TemplateError> {
    let mut shared = Shared {
        limits: set.limits.clone(),
        deadline: set
            .deadline
            .unwrap_or_else(|| Instant::now() + set.limits.time_budget),
        steps: 0,
        written: 0,
        range_iters: 0,
        values_maps: values_maps(dot),
    };
    let mut counts = HashMap::new();
    let d = Dot {
        v: dot.clone(),
        iface: false,
    };
    let mut st = State {
        set,
        overlay: None,
        shared: &mut shared,
        tree: tree.clone(),
        vars: vec![("$".to_string(), d.clone())],
        depth: 0,
        include_counts: &mut counts,
        tpl_src: None,
    };
    let mut out = Output::default();
    match st.walk(&d, &tree.root, &mut out) {
        Ok(()) | Err(Stop::Break) | Err(Stop::Continue) if set.dialect.plain_go => Ok(out),
        Ok(()) | Err(Stop::Break) | Err(Stop::Continue) => Ok(replace_no_value(out)),
        Err(Stop::Err(e)) => Err(TemplateError {
            kind: e.kind,
            message: if set.dialect.plain_go {
                e.chain.first().cloned().unwrap_or_default()
            } else {
                helm_exec_error(&tree.name, &e.chain)
            },
            at: TemplatePos {
                template: e.template,
                line: e.line,
                col: e.col,
            },
            value: e.value,
        }),
    }
}

/// Helm v4's `reformatExecErrorMsg`: `fail`/`required` messages become
/// `execution error at (LOC): msg`; a chain of template errors becomes the multi-line
/// "LOC / executing ... / message" trace; anything else keeps Go's message.
pub(crate) fn helm_exec_error(filename: &str, chain: &[String]) -> String {
    let Some(full) = chain.first() else {
        return String::new();
    };
    let tokens: Vec<&str> = full.splitn(3, ": ").collect();
    if tokens.len() != 3 {
        return format!("execution error in ({filename}): {full}");
    }
    if let (Some(a), Some(b)) = (
        tokens[2].find("HELM_ERR_START"),
        tokens[2].rfind("HELM_ERR_END"),
    ) && a + "HELM_ERR_START".len() <= b
    {
        return format!(
            "execution error at ({}): {}",
            tokens[1],
            &tokens[2][a + "HELM_ERR_START".len()..b]
        );
    }
    let mut traces: Vec<(String, String, String)> = Vec::new();
    for e in chain {
        let Some(t) = parse_trace(e) else {
            return full.clone();
        };
        if traces.last() != Some(&t) {
            traces.push(t);
        }
    }
    let mut out = String::new();
    for (loc, exec, msg) in traces {
        if !loc.is_empty() {
            out.push_str(&loc);
            out.push_str("\n  ");
        }
        if !exec.is_empty() {
            out.push_str(&exec);
            out.push_str("\n    ");
        }
        if !msg.is_empty() {
            out.push_str(&msg);
            out.push('\n');
        }
    }
    out.trim().to_string()
}

/// Helm's `parseTemplateExecErrorString`: (location, executed function, message).
fn parse_trace(s: &str) -> Option<(String, String, String)> {
    let rem = s.strip_prefix("template: ")?;
    if rem.starts_with("no template ") {
        return Some((String::new(), String::new(), s.to_string()));
    }
    let cut = |m: &str| -> String {
        match m.find(" template:") {
            Some(i) => m[..i].to_string(),
            None => m.to_string(),
        }
    };
    if let Some((name, after)) = rem.split_once(": executing ") {
        let after_q = after.strip_prefix('"')?;
        let end = after_q.find('"')?;
        let func = &after_q[..end];
        let after_at = after_q[end + 1..].strip_prefix(" at <")?;
        let (loc, msg) = after_at.split_once(">: ")?;
        return Some((
            name.to_string(),
            format!("executing \"{func}\" at <{loc}>:"),
            cut(msg),
        ));
    }
    let sep = rem.rfind(": ")?;
    Some((rem[..sep].to_string(), String::new(), cut(&rem[sep + 2..])))
}
