//! Parser for Go's text/template: builds a node tree (every node keeps line:col) and collects
//! `define`/`block` definitions. Errors use Go's wording: `template: NAME:LINE: msg`.

use super::lexer::{Tok, Token, lex};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// A position in a template: 1-based line, 0-based byte column (as Go reports it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// A literal number, typed as Go's template parser types it (int unless it has `.eEpP`).
#[derive(Clone, Debug)]
pub enum Num {
    Int(i64),
    Float(f64),
    /// An integer that fits uint64 but not int64: Go parses it and fails when the template
    /// uses it (`N overflows int`).
    Uint(u64),
    /// An imaginary literal (`2.5i`): Go's complex constant `complex(0, 2.5)`.
    Imaginary(f64),
}

/// One operand of a command.
#[derive(Clone, Debug)]
pub enum Arg {
    /// `.a.b` (field chain from dot).
    Field(Pos, Vec<String>),
    /// `$x.a.b` (`$` alone has name "$").
    Var(Pos, String, Vec<String>),
    /// `(pipeline).a.b` or `(pipeline)`.
    Chain(Pos, Box<Pipe>, Vec<String>),
    Dot(Pos),
    Nil(Pos),
    Bool(Pos, bool),
    Number(Pos, Num, String),
    /// Unquoted value and the original quoted text.
    Str(Pos, Arc<str>, String),
    /// A function name.
    Ident(Pos, String),
}

impl Arg {
    /// The position of the operand.
    pub fn pos(&self) -> Pos {
        match self {
            Arg::Field(p, _)
            | Arg::Var(p, _, _)
            | Arg::Chain(p, _, _)
            | Arg::Dot(p)
            | Arg::Nil(p)
            | Arg::Bool(p, _)
            | Arg::Number(p, _, _)
            | Arg::Str(p, _, _)
            | Arg::Ident(p, _) => *p,
        }
    }
}

/// A command: a function/field/value and its arguments.
#[derive(Clone, Debug)]
pub struct Cmd {
    pub pos: Pos,
    pub args: Vec<Arg>,
}

/// A pipeline, with optional variable declarations (`$x :=`) or assignment (`$x =`).
#[derive(Clone, Debug)]
pub struct Pipe {
    pub pos: Pos,
    pub decl: Vec<String>,
    pub is_assign: bool,
    pub cmds: Vec<Cmd>,
}

/// A template node.
#[derive(Clone, Debug)]
pub enum Node {
    /// Literal text and where it starts in the template file.
    Text(Arc<str>, Pos),
    Action(Pos, Pipe),
    If(Pos, Pipe, Vec<Node>, Option<Vec<Node>>),
    Range(Pos, Pipe, Vec<Node>, Option<Vec<Node>>),
    With(Pos, Pipe, Vec<Node>, Option<Vec<Node>>),
    /// `{{template "name" pipe}}`.
    Template(Pos, String, Option<Pipe>),
    Break(Pos),
    Continue(Pos),
}

/// A parsed template: its name (file or define name), the file it was parsed from
/// (Go's `ParseName`) and its nodes.
#[derive(Clone, Debug)]
pub struct Tree {
    pub name: String,
    pub parse_name: Arc<str>,
    pub root: Vec<Node>,
}

impl Tree {
    /// Go's `IsEmptyTree`: only whitespace text.
    pub fn is_empty(&self) -> bool {
        self.root
            .iter()
            .all(|n| matches!(n, Node::Text(t, _) if t.trim().is_empty()))
    }
}

/// Go's `String()` of nodes, used as the error context `<...>`.
impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Field(_, ids) => {
                for i in ids {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Var(_, name, ids) => {
                write!(f, "{name}")?;
                for i in ids {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Chain(_, p, ids) => {
                write!(f, "({p})")?;
                for i in ids {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Dot(_) => write!(f, "."),
            Arg::Nil(_) => write!(f, "nil"),
            Arg::Bool(_, b) => write!(f, "{b}"),
            Arg::Number(_, _, t) => write!(f, "{t}"),
            Arg::Str(_, _, q) => write!(f, "{q}"),
            Arg::Ident(_, n) => write!(f, "{n}"),
        }
    }
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                write!(f, " ")?;
            }
            if let Arg::Chain(_, p, ids) = a
                && ids.is_empty()
            {
                write!(f, "({p})")?;
            } else {
                write!(f, "{a}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            write!(f, "{}", self.decl.join(", "))?;
            write!(f, "{}", if self.is_assign { " = " } else { " := " })?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                write!(f, " | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

/// A parse error: Go's message (`template: NAME:LINE: msg`) and the line.
#[derive(Debug, Clone)]
pub struct ParseError {
    pub message: String,
    pub line: u32,
    pub col: u32,
}

/// Maximum nesting of control structures and parenthesised pipelines.
pub const MAX_PARSE_DEPTH: usize = 100;

/// The result of parsing one file: its top-level tree and the templates it defines, in order.
pub struct Parsed {
    pub main: Tree,
    pub defines: Vec<Tree>,
}

/// Parses `src` as the template file `name`. `has_func` tells whether a function name exists
/// (Go rejects unknown functions at parse time).
pub fn parse(name: &str, src: &str, has_func: &dyn Fn(&str) -> bool) -> Result<Parsed, ParseError> {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(src.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let pos_of = |off: usize| -> Pos {
        let idx = match line_starts.binary_search(&off) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = line_starts.get(idx).copied().unwrap_or(0);
        Pos {
            line: idx as u32 + 1,
            col: (off - start.min(off)) as u32,
        }
    };
    let (mut toks, lex_err) = lex(src);
    let lex_err = lex_err.map(|e| {
        let p = pos_of(e.pos);
        let mut msg = e.msg;
        if let Some(start) = e.started {
            let sp = pos_of(start);
            if sp.line != p.line {
                msg = format!("{msg} started at {name}:{}", sp.line);
            }
        }
        // The parser reads the tokens before the error; reaching this stand-in is reaching
        // the error.
        toks.push(Token {
            tok: Tok::Eof,
            pos: e.pos,
        });
        ParseError {
            message: format!("template: {}:{}: {}", name, p.line, msg),
            line: p.line,
            col: p.col,
        }
    });
    let stand_in = lex_err.as_ref().map(|_| toks.len() - 1);
    let parse_name: Arc<str> = Arc::from(name);
    let mut p = Parser {
        toks,
        i: 0,
        name: name.to_string(),
        vars: vec!["$".to_string()],
        range_depth: 0,
        depth: 0,
        has_func,
        pos_of: &pos_of,
        defines: Vec::new(),
        parse_name: parse_name.clone(),
        define_names: HashMap::new(),
        seen: std::cell::Cell::new(0),
    };
    let root = p.top();
    if let (Some(e), Some(at)) = (lex_err, stand_in) {
        // Go's parser reports what it found wrong before it read the lexer's error item.
        return match root {
            Err(pe) if p.seen.get() < at => Err(pe),
            _ => Err(e),
        };
    }
    let root = root?;
    Ok(Parsed {
        main: Tree {
            name: name.to_string(),
            parse_name,
            root,
        },
        defines: p.defines,
    })
}

struct Parser<'a> {
    toks: Vec<Token>,
    i: usize,
    name: String,
    vars: Vec<String>,
    range_depth: usize,
    depth: usize,
    has_func: &'a dyn Fn(&str) -> bool,
    pos_of: &'a dyn Fn(usize) -> Pos,
    defines: Vec<Tree>,
    parse_name: Arc<str>,
    define_names: HashMap<String, usize>,
    /// The furthest token index the parser has looked at.
    seen: std::cell::Cell<usize>,
}

enum End {
    End,
    Else(usize),
}

fn tok_desc(t: &Tok) -> String {
    let q = |s: &str| -> String {
        if s.chars().count() > 10 {
            let short: String = s.chars().take(10).collect();
            format!("{:?}...", short)
        } else {
            format!("{:?}", s)
        }
    };
    match t {
        Tok::Eof => "EOF".into(),
        Tok::Text(s) => q(s),
        Tok::LeftDelim => q("{{"),
        Tok::RightDelim => q("}}"),
        Tok::Space => q(" "),
        Tok::Declare => q(":="),
        Tok::Assign => q("="),
        Tok::Pipe => q("|"),
        Tok::LeftParen => q("("),
        Tok::RightParen => q(")"),
        Tok::Comma => q(","),
        Tok::Dot => "<.>".into(),
        Tok::Field(f) => q(&format!(".{f}")),
        Tok::Variable(v) => q(v),
        Tok::Ident(i) => match i.as_str() {
            "block" | "break" | "continue" | "define" | "else" | "end" | "if" | "range"
            | "template" | "with" => {
                format!("<{i}>")
            }
            _ => q(i),
        },
        Tok::Str(s) | Tok::RawStr(s) | Tok::Char(s) | Tok::Number(s) => q(s),
        Tok::Bool(b) => q(&b.to_string()),
        Tok::Nil => "<nil>".into(),
    }
}

fn is_keyword(t: &Tok, k: &str) -> bool {
    matches!(t, Tok::Ident(i) if i == k)
}

impl Parser<'_> {
    fn err<T>(&self, msg: impl Into<String>) -> Result<T, ParseError> {
        let off = self
            .toks
            .get(self.i.saturating_sub(1))
            .map(|t| t.pos)
            .unwrap_or(0);
        let p = (self.pos_of)(off);
        Err(ParseError {
            message: format!("template: {}:{}: {}", self.name, p.line, msg.into()),
            line: p.line,
            col: p.col,
        })
    }

    fn peek(&self) -> &Tok {
        self.seen.set(self.seen.get().max(self.i));
        self.toks.get(self.i).map(|t| &t.tok).unwrap_or(&Tok::Eof)
    }
    fn next(&mut self) -> Token {
        self.seen.set(self.seen.get().max(self.i));
        let t = self.toks.get(self.i).cloned().unwrap_or(Token {
            tok: Tok::Eof,
            pos: 0,
        });
        if self.i < self.toks.len() {
            self.i += 1;
        }
        t
    }
    fn skip_space(&mut self) {
        while matches!(self.peek(), Tok::Space) {
            self.i += 1;
        }
    }
    fn peek_non_space(&mut self) -> &Tok {
        self.skip_space();
        self.peek()
    }
    fn next_non_space(&mut self) -> Token {
        self.skip_space();
        self.next()
    }
    fn pos(&self, off: usize) -> Pos {
        (self.pos_of)(off)
    }
    fn expect_right(&mut self, context: &str) -> Result<(), ParseError> {
        let t = self.next_non_space();
        if t.tok != Tok::RightDelim {
            return self.unexpected(&t.tok, context);
        }
        Ok(())
    }
    fn unexpected<T>(&self, t: &Tok, context: &str) -> Result<T, ParseError> {
        self.err(format!("unexpected {} in {}", tok_desc(t), context))
    }

    fn top(&mut self) -> Result<Vec<Node>, ParseError> {
        let mut root = Vec::new();
        loop {
            match self.peek() {
                Tok::Eof => break,
                Tok::LeftDelim => {
                    let save = self.i;
                    self.i += 1;
                    if is_keyword(self.peek_non_space(), "define") {
                        self.i += 1;
                        self.parse_definition("define clause")?;
                        continue;
                    }
                    self.i = save;
                }
                _ => {}
            }
            match self.text_or_action()? {
                Item::Node(n) => root.push(n),
                Item::End => return self.err("unexpected {{end}}"),
                Item::Else(_) => return self.err("unexpected {{else}}"),
            }
        }
        Ok(root)
    }

    fn add_define(&mut self, name: String, root: Vec<Node>) -> Result<(), ParseError> {
        let tree = Tree {
            name: name.clone(),
            parse_name: self.parse_name.clone(),
            root,
        };
        if let Some(&idx) = self.define_names.get(&name) {
            let old_empty = self.defines.get(idx).is_none_or(|t| t.is_empty());
            if old_empty {
                self.defines[idx] = tree;
                return Ok(());
            }
            if !tree.is_empty() {
                return self.err(format!(
                    "template: multiple definition of template {:?}",
                    name
                ));
            }
            return Ok(());
        }
        self.define_names.insert(name, self.defines.len());
        self.defines.push(tree);
        Ok(())
    }

    fn parse_definition(&mut self, context: &str) -> Result<(), ParseError> {
        let t = self.next_non_space();
        let name = match &t.tok {
            Tok::Str(s) | Tok::RawStr(s) => self.unquote(s)?,
            other => return self.unexpected(other, context),
        };
        self.expect_right(context)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".to_string()]);
        let (list, end) = self.item_list()?;
        self.vars = saved_vars;
        if !matches!(end, End::End) {
            return self.err(format!("unexpected {{{{else}}}} in {context}"));
        }
        self.add_define(name.to_string(), list)
    }

    fn item_list(&mut self) -> Result<(Vec<Node>, End), ParseError> {
        let mut list = Vec::new();
        loop {
            if matches!(self.peek(), Tok::Eof) {
                self.i += 1;
                return self.err("unexpected EOF");
            }
            match self.text_or_action()? {
                Item::Node(n) => list.push(n),
                Item::End => return Ok((list, End::End)),
                Item::Else(p) => return Ok((list, End::Else(p))),
            }
        }
    }

    fn text_or_action(&mut self) -> Result<Item, ParseError> {
        let t = self.next_non_space();
        match t.tok {
            Tok::Text(s) => Ok(Item::Node(Node::Text(Arc::from(s), self.pos(t.pos)))),
            Tok::LeftDelim => self.action(t.pos),
            other => self.unexpected(&other, "input"),
        }
    }

    fn action(&mut self, delim_pos: usize) -> Result<Item, ParseError> {
        let kw = match self.peek_non_space() {
            Tok::Ident(k) => k.clone(),
            _ => String::new(),
        };
        let kpos = self.toks.get(self.i).map(|t| t.pos).unwrap_or(delim_pos);
        let pos = self.pos(kpos);
        match kw.as_str() {
            "block" => {
                self.i += 1;
                self.block_control(pos)
            }
            "break" | "continue" => {
                self.i += 1;
                if self.range_depth == 0 {
                    return self.err(format!("{{{{{kw}}}}} outside {{{{range}}}}"));
                }
                let t = self.next_non_space();
                if t.tok != Tok::RightDelim {
                    return self.unexpected(&t.tok, &format!("{{{{{kw}}}}}"));
                }
                Ok(Item::Node(if kw == "break" {
                    Node::Break(pos)
                } else {
                    Node::Continue(pos)
                }))
            }
            "else" => {
                self.i += 1;
                let p = self.peek_non_space().clone();
                if is_keyword(&p, "if") || is_keyword(&p, "with") {
                    return Ok(Item::Else(kpos));
                }
                self.expect_right("else")?;
                Ok(Item::Else(kpos))
            }
            "end" => {
                self.i += 1;
                self.expect_right("end")?;
                Ok(Item::End)
            }
            "if" | "range" | "with" => {
                self.i += 1;
                self.control(&kw, pos).map(Item::Node)
            }
            "template" => {
                self.i += 1;
                let t = self.next_non_space();
                let pos = self.pos(t.pos);
                let name = match &t.tok {
                    Tok::Str(s) | Tok::RawStr(s) => self.unquote(s)?.to_string(),
                    other => return self.unexpected(other, "template clause"),
                };
                let pipe = if matches!(self.peek_non_space(), Tok::RightDelim) {
                    self.i += 1;
                    None
                } else {
                    Some(self.pipeline("template clause", true)?)
                };
                Ok(Item::Node(Node::Template(pos, name, pipe)))
            }
            _ => {
                let p = self.pipeline("command", true)?;
                Ok(Item::Node(Node::Action(self.pos(delim_pos), p)))
            }
        }
    }

    fn block_control(&mut self, pos: Pos) -> Result<Item, ParseError> {
        let context = "block clause";
        let t = self.next_non_space();
        let name = match &t.tok {
            Tok::Str(s) | Tok::RawStr(s) => self.unquote(s)?.to_string(),
            other => return self.unexpected(other, context),
        };
        let pipe = self.pipeline(context, true)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".to_string()]);
        let (list, end) = self.item_list()?;
        self.vars = saved_vars;
        if !matches!(end, End::End) {
            return self.err(format!("unexpected {{{{else}}}} in {context}"));
        }
        self.add_define(name.clone(), list)?;
        Ok(Item::Node(Node::Template(pos, name, Some(pipe))))
    }

    fn control(&mut self, context: &str, pos: Pos) -> Result<Node, ParseError> {
        self.depth += 1;
        if self.depth > MAX_PARSE_DEPTH {
            return self.err("nesting too deep");
        }
        let nvars = self.vars.len();
        let pipe = self.pipeline(context, true)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let (list, end) = self.item_list()?;
        if context == "range" {
            self.range_depth -= 1;
        }
        let mut else_list = None;
        if let End::Else(epos) = end {
            let next = self.peek_non_space().clone();
            if (context == "if" && is_keyword(&next, "if"))
                || (context == "with" && is_keyword(&next, "with"))
            {
                self.i += 1;
                let inner = self.control(context, self.pos(epos))?;
                else_list = Some(vec![inner]);
            } else {
                let (l, e) = self.item_list()?;
                if !matches!(e, End::End) {
                    return self.err("expected end; found {{else}}");
                }
                else_list = Some(l);
            }
        }
        self.vars.truncate(nvars);
        self.depth -= 1;
        Ok(match context {
            "if" => Node::If(pos, pipe, list, else_list),
            "range" => Node::Range(pos, pipe, list, else_list),
            _ => Node::With(pos, pipe, list, else_list),
        })
    }

    /// Parses a pipeline up to `}}` (`to_delim`) or `)`.
    fn pipeline(&mut self, context: &str, to_delim: bool) -> Result<Pipe, ParseError> {
        let start = self.toks.get(self.i).map(|t| t.pos).unwrap_or(0);
        self.skip_space();
        let ppos = self.pos(self.toks.get(self.i).map(|t| t.pos).unwrap_or(start));
        let mut pipe = Pipe {
            pos: ppos,
            decl: Vec::new(),
            is_assign: false,
            cmds: Vec::new(),
        };
        // Declarations.
        loop {
            let save = self.i;
            let Tok::Variable(v) = self.peek_non_space().clone() else {
                break;
            };
            self.i += 1;
            let after = self.peek().clone();
            match self.peek_non_space().clone() {
                Tok::Declare | Tok::Assign => {
                    let is_assign = matches!(self.peek(), Tok::Assign);
                    self.i += 1;
                    // Go's pipeline() checks nothing for `=`: `$x = 1` on a variable never
                    // declared parses (and is declared for the rest of the scope, as for `:=`);
                    // it fails only when it runs (exec.go setVar: "undefined variable: $x").
                    pipe.is_assign = is_assign;
                    pipe.decl.push(v.clone());
                    self.vars.push(v);
                    break;
                }
                Tok::Comma if context == "range" && pipe.decl.is_empty() => {
                    self.i += 1;
                    pipe.decl.push(v.clone());
                    self.vars.push(v);
                    // The second variable must follow.
                    if !matches!(self.peek_non_space(), Tok::Variable(_)) {
                        return self.err("range can only initialize variables");
                    }
                    continue;
                }
                _ => {
                    let _ = after;
                    self.i = save;
                    if !pipe.decl.is_empty() {
                        return self.err("missing := after range variables");
                    }
                    break;
                }
            }
        }
        loop {
            let t = self.next_non_space();
            match t.tok {
                Tok::RightDelim if to_delim => break,
                Tok::RightParen if !to_delim => break,
                Tok::Bool(_)
                | Tok::Char(_)
                | Tok::Dot
                | Tok::Field(_)
                | Tok::Ident(_)
                | Tok::Number(_)
                | Tok::Nil
                | Tok::RawStr(_)
                | Tok::Str(_)
                | Tok::Variable(_)
                | Tok::LeftParen => {
                    self.i -= 1;
                    let c = self.command()?;
                    pipe.cmds.push(c);
                }
                other => return self.unexpected(&other, context),
            }
        }
        if pipe.cmds.is_empty() {
            return self.err(format!("missing value for {context}"));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args.first(),
                Some(Arg::Bool(..) | Arg::Dot(_) | Arg::Nil(_) | Arg::Number(..) | Arg::Str(..))
            ) {
                return self.err(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                ));
            }
        }
        Ok(pipe)
    }

    fn command(&mut self) -> Result<Cmd, ParseError> {
        self.skip_space();
        let cpos = self.pos(self.toks.get(self.i).map(|t| t.pos).unwrap_or(0));
        let mut cmd = Cmd {
            pos: cpos,
            args: Vec::new(),
        };
        loop {
            self.skip_space();
            if let Some(a) = self.operand()? {
                cmd.args.push(a);
            }
            let t = self.next();
            match t.tok {
                Tok::Space => continue,
                Tok::RightDelim | Tok::RightParen => {
                    self.i -= 1;
                }
                Tok::Pipe => {}
                other => return self.unexpected(&other, "operand"),
            }
            break;
        }
        if cmd.args.is_empty() {
            return self.err("empty command");
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> Result<Option<Arg>, ParseError> {
        let Some(term) = self.term()? else {
            return Ok(None);
        };
        if !matches!(self.peek(), Tok::Field(_)) {
            return Ok(Some(term));
        }
        let chain_pos = self.pos(self.toks.get(self.i).map(|t| t.pos).unwrap_or(0));
        let mut ids = Vec::new();
        while let Tok::Field(f) = self.peek().clone() {
            self.i += 1;
            ids.push(f);
        }
        Ok(Some(match term {
            Arg::Field(_, mut first) => {
                first.extend(ids);
                Arg::Field(chain_pos, first)
            }
            Arg::Var(_, name, mut first) => {
                first.extend(ids);
                Arg::Var(chain_pos, name, first)
            }
            Arg::Chain(p, pipe, mut first) => {
                first.extend(ids);
                Arg::Chain(p, pipe, first)
            }
            Arg::Bool(..) | Arg::Str(..) | Arg::Number(..) | Arg::Nil(_) | Arg::Dot(_) => {
                return self.err(format!("unexpected . after term {:?}", term.to_string()));
            }
            Arg::Ident(p, name) => {
                // Go builds a chain on an identifier; executing it is an error.
                let pipe = Pipe {
                    pos: p,
                    decl: vec![],
                    is_assign: false,
                    cmds: vec![Cmd {
                        pos: p,
                        args: vec![Arg::Ident(p, name)],
                    }],
                };
                Arg::Chain(p, Box::new(pipe), ids)
            }
        }))
    }

    fn term(&mut self) -> Result<Option<Arg>, ParseError> {
        let t = self.next_non_space();
        let pos = self.pos(t.pos);
        Ok(Some(match t.tok {
            Tok::Ident(name) => {
                if !(self.has_func)(&name) {
                    return self.err(format!("function {:?} not defined", name));
                }
                Arg::Ident(pos, name)
            }
            Tok::Dot => Arg::Dot(pos),
            Tok::Nil => Arg::Nil(pos),
            Tok::Variable(v) => {
                if !self.vars.contains(&v) {
                    return self.err(format!("undefined variable {:?}", v));
                }
                Arg::Var(pos, v, Vec::new())
            }
            Tok::Field(f) => Arg::Field(pos, vec![f]),
            Tok::Bool(b) => Arg::Bool(pos, b),
            Tok::Number(text) => Arg::Number(pos, self.number(&text)?, text),
            Tok::Char(text) => {
                let s = self.unquote(&text)?;
                let c = s.chars().next().map(|c| c as i64).unwrap_or(0);
                Arg::Number(pos, Num::Int(c), text)
            }
            Tok::LeftParen => {
                self.depth += 1;
                if self.depth > MAX_PARSE_DEPTH {
                    return self.err("nesting too deep");
                }
                let p = self.pipeline("parenthesized pipeline", false)?;
                self.depth -= 1;
                Arg::Chain(pos, Box::new(p), Vec::new())
            }
            Tok::Str(text) | Tok::RawStr(text) => {
                let s = self.unquote(&text)?;
                Arg::Str(pos, s, text)
            }
            _ => {
                self.i -= 1;
                return Ok(None);
            }
        }))
    }

    fn number(&self, text: &str) -> Result<Num, ParseError> {
        let bad = || self.err::<Num>(format!("illegal number syntax: {:?}", text));
        let t: String = text.chars().filter(|c| *c != '_').collect();
        let (neg, body) = match t.strip_prefix('-') {
            Some(r) => (true, r.to_string()),
            None => (false, t.strip_prefix('+').unwrap_or(&t).to_string()),
        };
        let lower = body.to_ascii_lowercase();
        let is_hex = lower.starts_with("0x");
        if let Some(im) = text.strip_suffix('i') {
            // parse/node.go newNumber: `strconv.ParseFloat` of the text before the `i` (sign,
            // hex floats with a `p` exponent, no octal or binary prefixes).
            let im_body = im.trim_start_matches(['+', '-']).to_ascii_lowercase();
            let v = if let Some(h) = im_body.strip_prefix("0x") {
                hex_float(&h.replace('_', ""))
            } else if im_body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
                && im_body
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | '+' | '-'))
            {
                im_body.parse::<f64>().ok().filter(|v| v.is_finite())
            } else {
                None
            };
            return match v {
                Some(v) => Ok(Num::Imaginary(if im.starts_with('-') { -v } else { v })),
                None => bad(),
            };
        }
        if (!is_hex && body.contains(['.', 'e', 'E'])) || (is_hex && body.contains(['.', 'p', 'P']))
        {
            let v: f64 = if is_hex {
                match hex_float(&lower[2..]) {
                    Some(v) => v,
                    None => return bad(),
                }
            } else {
                match body.parse::<f64>() {
                    // Go's ParseFloat fails with ErrRange where Rust gives infinity.
                    Ok(v) if v.is_finite() => v,
                    _ => return bad(),
                }
            };
            return Ok(Num::Float(if neg { -v } else { v }));
        }
        let parsed = if let Some(h) = lower.strip_prefix("0x") {
            u64::from_str_radix(h, 16)
        } else if let Some(o) = lower.strip_prefix("0o") {
            u64::from_str_radix(o, 8)
        } else if let Some(b) = lower.strip_prefix("0b") {
            u64::from_str_radix(b, 2)
        } else if lower.len() > 1 && lower.starts_with('0') {
            u64::from_str_radix(&lower[1..], 8)
        } else {
            lower.parse::<u64>()
        };
        match parsed {
            Ok(u) => {
                let v = if neg { -(u as i128) } else { u as i128 };
                match i64::try_from(v) {
                    Ok(i) => Ok(Num::Int(i)),
                    Err(_) if !neg => Ok(Num::Uint(u)),
                    // Go's parser then reads it as a float, which looks like an integer.
                    Err(_) => self.err(format!("integer overflow: {text:?}")),
                }
            }
            // Too big for uint64: Go reads it as a float and rejects an integer-looking one.
            Err(_) => match body.parse::<f64>() {
                Ok(v) if v.is_finite() && !is_hex => {
                    self.err(format!("integer overflow: {text:?}"))
                }
                _ => bad(),
            },
        }
    }

    fn unquote(&self, text: &str) -> Result<Arc<str>, ParseError> {
        match unquote_go(text) {
            Some(s) => Ok(Arc::from(s)),
            None => self.err("invalid syntax"),
        }
    }
}

/// A Go hexadecimal floating-point literal after `0x` (`1p60`, `1.8p-3`): hex mantissa with an
/// optional point, and a binary exponent that Go requires.
fn hex_float(body: &str) -> Option<f64> {
    let (mant, exp) = body.split_once('p')?;
    let exp: i32 = exp.parse().ok()?;
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut m: f64 = 0.0;
    for c in int.chars().chain(frac.chars()) {
        m = m * 16.0 + f64::from(c.to_digit(16)?);
    }
    let e = exp.checked_sub(i32::try_from(frac.len()).ok()?.checked_mul(4)?)?;
    Some(m * 2f64.powi(e))
}

enum Item {
    Node(Node),
    End,
    Else(usize),
}

/// Go's `strconv.Unquote` for "...", `...` and '...'.
pub fn unquote_go(text: &str) -> Option<String> {
    let first = text.chars().next()?;
    if first == '`' {
        return Some(text.get(1..text.len().checked_sub(1)?)?.replace('\r', ""));
    }
    let inner = text.get(1..text.len().checked_sub(1)?)?;
    let mut out = String::with_capacity(inner.len());
    let mut it = inner.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = it.next()?;
        match e {
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '\\' => out.push('\\'),
            '"' if first == '"' => out.push('"'),
            '\'' if first == '\'' => out.push('\''),
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut v = 0u32;
                for _ in 0..n {
                    v = v * 16 + it.next()?.to_digit(16)?;
                }
                if e == 'x' {
                    // A byte; only valid as UTF-8 when ASCII (Go allows raw bytes).
                    out.push(char::from_u32(v)?);
                } else {
                    out.push(char::from_u32(v)?);
                }
            }
            '0'..='7' => {
                let mut v = e.to_digit(8)?;
                for _ in 0..2 {
                    v = v * 8 + it.next()?.to_digit(8)?;
                }
                out.push(char::from_u32(v)?);
            }
            _ => return None,
        }
    }
    Some(out)
}
