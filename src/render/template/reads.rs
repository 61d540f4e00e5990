//! Which `.Values` paths a template reads, found statically on the parsed template tree (the
//! renderer's own AST, never the template text).
//!
//! The walk follows `.Values.a.b`, `$.Values.a`, `index .Values "a" "b"`, `get`/`hasKey`/`dig`
//! with literal keys, `with` scopes (dot becomes the value), `$var := .Values.x` bindings and
//! `default`/`required` pass-through. It is conservative: a values path handed whole to any
//! function that may read its keys (`toYaml`, `tpl`, `include`, `dict`, ...) is *open* — every
//! key beneath it may be read. `.Values` itself handed to such a function opens the whole tree.
//!
//! A path that is `range`d over is *ranged*: as a map, every key beneath it may be read; as a
//! list, its elements are what the range body reads on its dot or value variable, recorded
//! under the path followed by [`ITEM`] (`range .Values.hosts` then `.host` reads
//! `hosts.[].host`; an element handed to `toYaml` opens `hosts.[]`). A literal number given to
//! `index` reads an element too.

use std::collections::{BTreeSet, HashMap};

use super::parse::{Arg, Cmd, Node, Pipe};

/// The path segment that stands for "an element of the list here" (no YAML key is a NUL).
pub const ITEM: &str = "\u{0}[]";

/// The values paths one or more templates read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reads {
    /// Paths read (each prefix of a path is read too).
    pub read: BTreeSet<Vec<String>>,
    /// Paths whose every key (and every list element's key) may be read (passed whole to a
    /// function).
    pub open: BTreeSet<Vec<String>>,
    /// Paths ranged over: every map key beneath may be read; list elements are read as the
    /// paths under `path + [ITEM]` say.
    pub ranged: BTreeSet<Vec<String>>,
}

/// What an expression stands for, as far as the walk can tell.
#[derive(Clone, Debug, PartialEq)]
enum Av {
    /// The top-level context (`$`, the dot of a template file or `define`).
    Ctx,
    /// `.Values` at this path.
    Vals(Vec<String>),
    Unknown,
}

/// Functions whose arguments are read as scalars (or only compared / counted): a values map
/// passed to them does not have its keys read.
const SCALAR_FUNCS: &[&str] = &[
    "quote",
    "squote",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "and",
    "or",
    "not",
    "empty",
    "int",
    "int64",
    "float64",
    "atoi",
    "toString",
    "upper",
    "lower",
    "title",
    "trim",
    "trimSuffix",
    "trimPrefix",
    "trunc",
    "b64enc",
    "b64dec",
    "sha256sum",
    "contains",
    "hasPrefix",
    "hasSuffix",
    "replace",
    "printf",
    "print",
    "println",
    "len",
    "nindent",
    "indent",
    "kindIs",
    "typeIs",
    "kindOf",
    "typeOf",
    "semverCompare",
    "fail",
    "add",
    "sub",
    "mul",
    "div",
    "max",
    "min",
    "ceil",
    "floor",
    "round",
    "regexMatch",
];

struct Walker<'r> {
    reads: &'r mut Reads,
}

type Vars = HashMap<String, Av>;

impl Walker<'_> {
    fn touch(&mut self, v: &Av) {
        if let Av::Vals(p) = v {
            self.reads.read.insert(p.clone());
        }
    }
    fn open(&mut self, v: &Av) {
        if let Av::Vals(p) = v {
            self.reads.open.insert(p.clone());
        }
    }

    fn field(&mut self, base: Av, ids: &[String]) -> Av {
        let v = match base {
            Av::Ctx => match ids.split_first() {
                Some((first, rest)) if first == "Values" => Av::Vals(rest.to_vec()),
                None => Av::Ctx,
                _ => Av::Unknown,
            },
            Av::Vals(mut p) => {
                p.extend(ids.iter().cloned());
                Av::Vals(p)
            }
            Av::Unknown => Av::Unknown,
        };
        self.touch(&v);
        v
    }

    fn arg(&mut self, a: &Arg, dot: &Av, vars: &Vars) -> Av {
        match a {
            Arg::Field(_, ids) => self.field(dot.clone(), ids),
            Arg::Var(_, name, ids) => {
                let base = if name == "$" {
                    Av::Ctx
                } else {
                    vars.get(name).cloned().unwrap_or(Av::Unknown)
                };
                self.field(base, ids)
            }
            Arg::Chain(_, pipe, ids) => {
                let mut inner = vars.clone();
                let base = self.pipe(pipe, dot, &mut inner);
                self.field(base, ids)
            }
            Arg::Dot(_) => dot.clone(),
            _ => Av::Unknown,
        }
    }

    fn literal(a: &Arg) -> Option<String> {
        match a {
            Arg::Str(_, s, _) => Some(s.to_string()),
            Arg::Number(_, _, t) => Some(t.clone()),
            _ => None,
        }
    }

    /// `base` followed by literal keys; a non-literal key opens the path reached so far.
    fn keyed(&mut self, base: Av, keys: &[&Arg]) -> Av {
        let mut cur = base;
        for k in keys {
            match (Self::literal(k), &cur) {
                // `index .Values.list 0`: an element.
                (Some(_), _) if matches!(k, Arg::Number(..)) => {
                    cur = self.field(cur, &[ITEM.to_string()])
                }
                (Some(k), _) => cur = self.field(cur, &[k]),
                (None, _) => {
                    self.open(&cur);
                    return Av::Unknown;
                }
            }
        }
        cur
    }

    fn cmd(&mut self, c: &Cmd, piped: Option<Av>, dot: &Av, vars: &Vars) -> Av {
        let Some(first) = c.args.first() else {
            return Av::Unknown;
        };
        let Arg::Ident(_, f) = first else {
            // A value, or a method call with arguments.
            let v = self.arg(first, dot, vars);
            if c.args.len() > 1 {
                for a in &c.args[1..] {
                    let v = self.arg(a, dot, vars);
                    self.open(&v);
                }
                return Av::Unknown;
            }
            return v;
        };
        let rest: Vec<&Arg> = c.args[1..].iter().collect();
        let mut vals: Vec<Av> = rest.iter().map(|a| self.arg(a, dot, vars)).collect();
        if let Some(p) = piped {
            vals.push(p);
        }
        // The argument list with the piped value last, as Go passes it.
        let last = vals.last().cloned().unwrap_or(Av::Unknown);
        match f.as_str() {
            "index" if piped_free(&rest, vals.len()) => {
                let base = vals.first().cloned().unwrap_or(Av::Unknown);
                self.keyed(base, &rest[1..])
            }
            "get" if rest.len() == 2 => {
                let base = vals[0].clone();
                self.keyed(base, &rest[1..])
            }
            "hasKey" if rest.len() == 2 => {
                let base = vals[0].clone();
                self.keyed(base, &rest[1..]);
                Av::Unknown
            }
            "dig" if vals.len() >= 3 => {
                // dig "a" "b" DEFAULT MAP
                let keys: Vec<&Arg> = rest.iter().take(vals.len() - 2).copied().collect();
                self.keyed(last, &keys)
            }
            "default" | "required" => {
                for v in &vals[..vals.len().saturating_sub(1)] {
                    self.open(v);
                }
                last
            }
            f if SCALAR_FUNCS.contains(&f) => Av::Unknown,
            _ => {
                for v in &vals {
                    self.open(v);
                }
                Av::Unknown
            }
        }
    }

    fn pipe(&mut self, p: &Pipe, dot: &Av, vars: &mut Vars) -> Av {
        let mut piped = None;
        for c in &p.cmds {
            piped = Some(self.cmd(c, piped, dot, vars));
        }
        let v = piped.unwrap_or(Av::Unknown);
        for name in &p.decl {
            vars.insert(name.clone(), v.clone());
        }
        v
    }

    fn nodes(&mut self, nodes: &[Node], dot: &Av, vars: &mut Vars) {
        for n in nodes {
            match n {
                Node::Text(..) | Node::Break(_) | Node::Continue(_) => {}
                Node::Action(_, p) => {
                    self.pipe(p, dot, vars);
                }
                Node::If(_, p, body, els) => {
                    let mut inner = vars.clone();
                    self.pipe(p, dot, &mut inner);
                    self.nodes(body, dot, &mut inner.clone());
                    if let Some(e) = els {
                        self.nodes(e, dot, &mut inner);
                    }
                }
                Node::With(_, p, body, els) => {
                    let mut inner = vars.clone();
                    let v = self.pipe(p, dot, &mut inner);
                    self.nodes(body, &v, &mut inner.clone());
                    if let Some(e) = els {
                        self.nodes(e, dot, &mut inner);
                    }
                }
                Node::Range(_, p, body, els) => {
                    let mut inner = vars.clone();
                    let v = self.pipe(p, dot, &mut inner);
                    // Ranging over a map reads every key; over a list, what the body reads on
                    // each element (dot, or the last declared variable).
                    let elem = match &v {
                        Av::Vals(path) => {
                            self.reads.ranged.insert(path.clone());
                            let mut e = path.clone();
                            e.push(ITEM.to_string());
                            Av::Vals(e)
                        }
                        _ => Av::Unknown,
                    };
                    for (i, name) in p.decl.iter().enumerate() {
                        let bound = if i + 1 == p.decl.len() {
                            elem.clone()
                        } else {
                            Av::Unknown
                        };
                        inner.insert(name.clone(), bound);
                    }
                    self.nodes(body, &elem, &mut inner.clone());
                    if let Some(e) = els {
                        self.nodes(e, dot, &mut inner);
                    }
                }
                Node::Template(_, _, p) => {
                    if let Some(p) = p {
                        let mut inner = vars.clone();
                        let v = self.pipe(p, dot, &mut inner);
                        self.open(&v);
                    }
                }
            }
        }
    }
}

/// `index` with every argument given explicitly or piped: the base is the first value.
fn piped_free(rest: &[&Arg], n: usize) -> bool {
    !rest.is_empty() && n == rest.len()
}

/// Adds the values paths `nodes` read, with dot (and `$`) the top-level context, to `reads`.
/// Templates defined with `define` are walked the same way: Helm charts include them with the
/// top-level context.
pub fn collect(nodes: &[Node], reads: &mut Reads) {
    let mut w = Walker { reads };
    let mut vars = Vars::new();
    w.nodes(nodes, &Av::Ctx, &mut vars);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(src: &str) -> (Vec<String>, Vec<String>) {
        let (read, open, _) = reads3(src);
        (read, open)
    }

    /// Read, open and ranged paths, `[]` for an element.
    fn reads3(src: &str) -> (Vec<String>, Vec<String>, Vec<String>) {
        let parsed = super::super::parse::parse("t", src, &|_| true).unwrap();
        let mut r = Reads::default();
        collect(&parsed.main.root, &mut r);
        for d in &parsed.defines {
            collect(&d.root, &mut r);
        }
        let show = |set: &BTreeSet<Vec<String>>| -> Vec<String> {
            set.iter()
                .map(|p| p.join(".").replace(ITEM, "[]"))
                .collect()
        };
        (show(&r.read), show(&r.open), show(&r.ranged))
    }

    #[test]
    fn fields_index_with_and_vars() {
        let (read, open) = reads(
            r#"{{ .Values.a.b }}{{ index .Values "c" "d" }}{{ with .Values.e }}{{ .f }}{{ end }}
{{- $x := .Values.g }}{{ $x.h }}{{ $.Values.i | default "z" }}{{ (.Values.j).k }}
{{- if hasKey .Values.m "n" }}{{ end }}{{ dig "o" "p" "" .Values }}{{ get .Values.q "r" }}"#,
        );
        assert_eq!(
            read,
            [
                "", "a.b", "c", "c.d", "e", "e.f", "g", "g.h", "i", "j", "j.k", "m", "m.n", "o",
                "o.p", "q", "q.r"
            ]
        );
        assert!(open.is_empty(), "{open:?}");
    }

    #[test]
    fn range_and_whole_maps_are_open() {
        let (_, open) = reads(
            r#"{{ range $k, $v := .Values.env }}{{ $k }}{{ end }}{{ toYaml .Values.res | nindent 4 }}
{{ define "x" }}{{ include "y" (dict "v" .Values.sub) }}{{ end }}{{ with .Values.w }}{{ toYaml . }}{{ end }}
{{ $key := "a" }}{{ index .Values.dyn $key }}{{ template "z" .Values.t }}"#,
        );
        assert_eq!(open, ["dyn", "res", "sub", "t", "w"]);
        let (_, _, ranged) = reads3(r#"{{ range $k, $v := .Values.env }}{{ $k }}{{ end }}"#);
        assert_eq!(ranged, ["env"]);
        let (_, open) = reads(r#"{{ tpl (toYaml .Values) . }}"#);
        assert_eq!(open, [""]);
    }

    #[test]
    fn list_elements_read_in_range_bodies() {
        let (read, open, ranged) = reads3(
            r#"{{ range .Values.ingress.hosts }}{{ .host | quote }}{{ range .paths }}{{ .path }}{{ .pathType | default "Prefix" }}{{ $.Values.svc.port }}{{ end }}{{ end }}
{{- range $i, $c := .Values.extra }}{{ $c.name }}{{ with $c.env }}{{ toYaml . }}{{ end }}{{ end }}
{{- range $c := .Values.sidecars }}{{ $c.image }}{{ end }}{{ range .Values.free }}{{ toYaml . }}{{ end }}
{{- (index .Values.ports 0).number }}"#,
        );
        assert_eq!(
            read,
            [
                "extra",
                "extra.[].env",
                "extra.[].name",
                "free",
                "ingress.hosts",
                "ingress.hosts.[].host",
                "ingress.hosts.[].paths",
                "ingress.hosts.[].paths.[].path",
                "ingress.hosts.[].paths.[].pathType",
                "ports",
                "ports.[]",
                "ports.[].number",
                "sidecars",
                "sidecars.[].image",
                "svc.port"
            ]
        );
        assert_eq!(open, ["extra.[].env", "free.[]"]);
        assert_eq!(
            ranged,
            [
                "extra",
                "free",
                "ingress.hosts",
                "ingress.hosts.[].paths",
                "sidecars"
            ]
        );
    }
}
