//! Go text/template engine (lexer, parser, exec) with Sprig and Helm functions in `funcs/`.
//!
//! Use: build a [`TemplateSet`] with every template file of a chart tree (in Helm's parse
//! order, see [`helm_parse_order`]), then [`TemplateSet::execute`] each file template.
//! Semantics follow Go's `text/template` as Helm v4 configures it (`missingkey=zero`, `<no value>`
//! removed from the output) and Helm's `include`/`tpl`/`required`/`fail`/`lookup`.
pub mod exec;
pub mod funcs;
pub mod gofmt;
pub mod lexer;
pub mod parse;
pub mod reads;

use crate::model::value::{Origin, Seg, Value};
use parse::Tree;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Resource limits for executing untrusted templates.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Maximum nesting of `include`/`template`/`tpl`. Helm stops a self-including template
    /// after 1000 nested calls of the same name; the default is 1000.
    pub max_depth: usize,
    /// Maximum bytes written by one execution (including nested include output). Default 64 MiB.
    pub max_output_bytes: usize,
    /// Maximum total `range` iterations in one execution, and longest list a function may
    /// generate (`until`, `seq`, ...). Default 10 million.
    pub max_range_iterations: u64,
    /// Compiled size limit of one regular expression (`regexMatch` & co). Default 4 MiB.
    pub max_regex_bytes: usize,
    /// Wall-clock budget of one execution. Default 10 s.
    pub time_budget: Duration,
}

impl Default for Limits {
    /// The defaults of [`crate::model::Limits`] (the one place limits are defined).
    fn default() -> Self {
        crate::model::Limits::default().template()
    }
}

impl crate::model::Limits {
    /// The template engine's view of the limits.
    pub fn template(&self) -> Limits {
        Limits {
            max_depth: self.template_depth,
            max_output_bytes: self.output_bytes,
            max_range_iterations: self.range_iterations,
            max_regex_bytes: self.regex_bytes,
            time_budget: Duration::from_secs(self.render_seconds),
        }
    }
}

/// The class of a template error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateErrorKind {
    /// The template text does not parse (a file, or the string given to `tpl`).
    Parse,
    /// Go's execution error: a wrong type, a nil pointer, an error a function returned, ...
    Exec,
    /// Helm's `fail`.
    Fail,
    /// Helm's `required` of a missing or empty value.
    Required,
    /// A limit or budget of `limits:` was exceeded (output bytes, range iterations, nesting
    /// depth, time, memory).
    Limit,
    /// No template of the name asked for (`include`, `template`, executing a file).
    NoTemplate,
}

/// A position in a template: the name of the file it was parsed from (`chart/templates/x.yaml`,
/// `chart/charts/sub/templates/_helpers.tpl`; `gotpl` for the text given to `tpl`), the 1-based
/// line and the 0-based byte column as Go prints it (0 when unknown, as in parse errors).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplatePos {
    pub template: String,
    pub line: u32,
    pub col: u32,
}

/// A template error: Helm's message text, its class, and where it happened.
///
/// `Display` prints the message exactly as Helm does (`parse error at (...)`,
/// `template: ...: executing ...`, `execution error at (...)`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TemplateError {
    /// What kind of error it is.
    pub kind: TemplateErrorKind,
    /// The message as Helm prints it.
    pub message: String,
    /// The template position the message names first: the action of the template being
    /// executed (for an error inside an `include`d helper, the `include` action; the helper's
    /// own position follows in the message's trace).
    pub at: TemplatePos,
    /// When the failing text came from a value (`tpl` of a values string): where the value
    /// was set (a values file position; [`Origin::NONE`] never appears here).
    pub value: Option<Origin>,
}

impl TemplateError {
    /// A template error of `kind` at `at`, not caused by a value.
    pub fn new(kind: TemplateErrorKind, message: impl Into<String>, at: TemplatePos) -> Self {
        TemplateError {
            kind,
            message: message.into(),
            at,
            value: None,
        }
    }
}

/// Rendered output: text (with `<no value>` removed as Helm does) and provenance segments.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub text: String,
    pub segs: Vec<Seg>,
    /// Which template position wrote each byte range of `text` (sorted, non-overlapping).
    pub tpl: Vec<TplSeg>,
}

pub use crate::model::value::TplSeg;

/// All parsed templates of a chart tree, shared by name (Helm parses every template file of the
/// chart and its subcharts into one set). `Send + Sync`; each execution has its own state.
#[derive(Debug)]
pub struct TemplateSet {
    pub(crate) limits: Limits,
    pub(crate) templates: HashMap<String, Arc<Tree>>,
    pub(crate) dialect: Dialect,
    /// When every execution of this set must end ([`TemplateSet::start_deadline`]); without
    /// it each execution gets its own `time_budget`.
    pub(crate) deadline: Option<std::time::Instant>,
}

/// How a caller other than Helm configures Go's text/template (Argo CD's ApplicationSet
/// templates): the default is Helm's configuration.
#[derive(Clone, Copy, Debug, Default)]
pub struct Dialect {
    /// Go's `missingkey=error`: reading a missing map key is an execution error
    /// (`map has no entry for key "x"`) instead of the zero value.
    pub missing_key_error: bool,
    /// Plain text/template as Go runs it: `<no value>` stays in the output (Helm removes it)
    /// and execution errors keep Go's text (no Helm rewrite).
    pub plain_go: bool,
    /// Functions of the caller, looked up before the built-in ones.
    pub funcs: Option<fn(&str) -> Option<funcs::Func>>,
}

/// Parsed template files, shared by every render of one chart (a chart rendered for several
/// environments or values cases parses each file once). Keyed by template name and a hash of
/// its source, so a stale entry is never used.
#[derive(Clone, Debug, Default)]
pub struct ParseCache(Arc<Mutex<ParsedFiles>>);

/// Template name → (source hash, parsed file).
type ParsedFiles = HashMap<String, (u64, Arc<ParsedFile>)>;

/// One parsed file: its own template and its `define`s, in file order.
#[derive(Debug)]
pub struct ParsedFile {
    main: Arc<Tree>,
    defines: Vec<Arc<Tree>>,
}

impl ParseCache {
    /// The parsed file `name` with source `src` (Helm's parse, with Helm's function names), from
    /// the cache; parsed and cached on a miss. Static analyses of a chart use the renderer's
    /// own trees this way.
    pub fn parsed(&self, name: &str, src: &str) -> Result<Arc<ParsedFile>, TemplateError> {
        let h = source_hash(src);
        let hit = {
            let m = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            m.get(name)
                .filter(|(ch, _)| *ch == h)
                .map(|(_, p)| p.clone())
        };
        match hit {
            Some(p) => Ok(p),
            None => {
                let p = Arc::new(TemplateSet::parse_file(name, src)?);
                self.0
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(name.to_string(), (h, p.clone()));
                Ok(p)
            }
        }
    }
}

impl ParsedFile {
    /// The file's own template.
    pub fn main(&self) -> &Tree {
        &self.main
    }
    /// Its `define`s, in file order.
    pub fn defines(&self) -> impl Iterator<Item = &Tree> {
        self.defines.iter().map(|d| d.as_ref())
    }
}

fn source_hash(src: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    src.hash(&mut h);
    h.finish()
}

/// Whether a function name exists in Helm's function map (checked at parse time, as Go does).
pub fn has_func(name: &str) -> bool {
    exec::EXEC_FUNCS.contains(&name) || HELM_FUNCS.contains(&name) || funcs::lookup(name).is_some()
}

/// Helm's `cleanupParseError`: `template: NAME:LINE: msg` → `parse error at (NAME:LINE): msg`.
pub(crate) fn cleanup_parse_error(filename: &str, msg: &str) -> String {
    let tokens: Vec<&str> = msg.split(": ").collect();
    if tokens.len() == 1 {
        return format!("parse error in ({filename}): {msg}");
    }
    format!(
        "parse error at ({}): {}",
        tokens[1],
        tokens[tokens.len() - 1]
    )
}

/// Orders template names as Helm parses them (fewer path segments first, then by name), so
/// that adding files in this order reproduces which `define` wins.
pub fn helm_parse_order<S: AsRef<str>>(names: &[S]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().map(|s| s.as_ref().to_string()).collect();
    // Helm sorts with sort.Reverse(byPathLen): more slashes first, ties by reverse name.
    v.sort_by(|a, b| {
        let (ca, cb) = (a.matches('/').count(), b.matches('/').count());
        cb.cmp(&ca).then_with(|| b.cmp(a))
    });
    v
}

impl TemplateSet {
    /// An empty set.
    pub fn new(limits: Limits) -> Self {
        TemplateSet {
            limits,
            templates: HashMap::new(),
            dialect: Dialect::default(),
            deadline: None,
        }
    }

    /// An empty set executing with `dialect` instead of Helm's configuration.
    pub fn with_dialect(limits: Limits, dialect: Dialect) -> Self {
        TemplateSet {
            limits,
            templates: HashMap::new(),
            dialect,
            deadline: None,
        }
    }

    /// One time budget from now for every later execution of this set together (a chart's
    /// render: `limits.render-seconds` covers all its templates, not each one).
    pub fn start_deadline(&mut self) {
        self.deadline = Some(std::time::Instant::now() + self.limits.time_budget);
    }

    /// [`TemplateSet::add_file`] with the caller's own function set: `has_func` says which
    /// function names parse (Go checks names at parse time). Errors keep Go's own text
    /// (`template: NAME:LINE: msg`), not Helm's rewrite.
    pub fn add_file_with_funcs(
        &mut self,
        name: &str,
        src: &str,
        has_func: &dyn Fn(&str) -> bool,
    ) -> Result<(), TemplateError> {
        let parsed = parse::parse(name, src, has_func).map_err(|e| {
            TemplateError::new(
                TemplateErrorKind::Parse,
                e.message,
                TemplatePos {
                    template: name.to_string(),
                    line: e.line,
                    col: 0,
                },
            )
        })?;
        self.add_parsed(&ParsedFile {
            main: Arc::new(parsed.main),
            defines: parsed.defines.into_iter().map(Arc::new).collect(),
        });
        Ok(())
    }

    /// Parses a template file; its `define`s join the set. A later definition replaces an
    /// earlier one unless it is empty (Go's `AddParseTree` rule); a file's own template is stored
    /// under `name`. Errors are Helm's `parse error at (NAME:LINE): msg`.
    pub fn add_file(&mut self, name: &str, src: &str) -> Result<(), TemplateError> {
        let parsed = Self::parse_file(name, src)?;
        self.add_parsed(&parsed);
        Ok(())
    }

    /// [`TemplateSet::add_file`], taking the parsed file from `cache` when it was parsed before.
    pub fn add_file_cached(
        &mut self,
        name: &str,
        src: &str,
        cache: &ParseCache,
    ) -> Result<(), TemplateError> {
        let parsed = cache.parsed(name, src)?;
        self.add_parsed(&parsed);
        Ok(())
    }

    fn parse_file(name: &str, src: &str) -> Result<ParsedFile, TemplateError> {
        let parsed = parse::parse(name, src, &has_func).map_err(|e| {
            TemplateError::new(
                TemplateErrorKind::Parse,
                cleanup_parse_error(name, &e.message),
                TemplatePos {
                    template: name.to_string(),
                    line: e.line,
                    col: 0,
                },
            )
        })?;
        Ok(ParsedFile {
            main: Arc::new(parsed.main),
            defines: parsed.defines.into_iter().map(Arc::new).collect(),
        })
    }

    fn add_parsed(&mut self, p: &ParsedFile) {
        for d in &p.defines {
            self.insert(d.clone());
        }
        self.insert(p.main.clone());
    }

    fn insert(&mut self, t: Arc<Tree>) {
        if let Some(old) = self.templates.get(&t.name)
            && t.is_empty()
            && !old.is_empty()
        {
            return;
        }
        self.templates.insert(t.name.clone(), t);
    }

    /// Whether a template (file or define) of that name exists.
    pub fn contains(&self, name: &str) -> bool {
        self.templates.contains_key(name)
    }

    /// Executes the template `name` (normally a file) with `dot`. The caller provides
    /// `.Template.Name`/`.Template.BasePath` inside `dot`, as Helm does.
    pub fn execute(&self, name: &str, dot: &Value) -> Result<Rendered, TemplateError> {
        let Some(tree) = self.templates.get(name).cloned() else {
            return Err(TemplateError::new(
                TemplateErrorKind::NoTemplate,
                format!(
                    "template: no template {:?} associated with template \"gotpl\"",
                    name
                ),
                TemplatePos {
                    template: name.to_string(),
                    line: 0,
                    col: 0,
                },
            ));
        };
        let out = exec::execute_tree(self, tree, dot)?;
        Ok(Rendered {
            text: out.text,
            segs: out.segs,
            tpl: out.tpl,
        })
    }
}

/// Sprig and Helm function names (Helm's function map), so templates using them parse even
/// before an implementation lands in `funcs/`; calling an unimplemented one is an error.
const HELM_FUNCS: &[&str] = &[
    "hello",
    "ago",
    "date",
    "date_in_zone",
    "date_modify",
    "dateInZone",
    "dateModify",
    "duration",
    "durationRound",
    "htmlDate",
    "htmlDateInZone",
    "must_date_modify",
    "mustDateModify",
    "mustToDate",
    "now",
    "toDate",
    "unixEpoch",
    "abbrev",
    "abbrevboth",
    "trunc",
    "trim",
    "upper",
    "lower",
    "title",
    "untitle",
    "substr",
    "repeat",
    "trimall",
    "trimAll",
    "trimSuffix",
    "trimPrefix",
    "nospace",
    "initials",
    "randAlphaNum",
    "randAlpha",
    "randAscii",
    "randNumeric",
    "swapcase",
    "shuffle",
    "snakecase",
    "camelcase",
    "kebabcase",
    "wrap",
    "wrapWith",
    "contains",
    "hasPrefix",
    "hasSuffix",
    "quote",
    "squote",
    "cat",
    "indent",
    "nindent",
    "replace",
    "plural",
    "sha1sum",
    "sha256sum",
    "sha512sum",
    "adler32sum",
    "toString",
    "atoi",
    "int64",
    "int",
    "float64",
    "seq",
    "toDecimal",
    "split",
    "splitList",
    "splitn",
    "toStrings",
    "until",
    "untilStep",
    "add1",
    "add",
    "sub",
    "div",
    "mod",
    "mul",
    "randInt",
    "add1f",
    "addf",
    "subf",
    "divf",
    "mulf",
    "biggest",
    "max",
    "min",
    "maxf",
    "minf",
    "ceil",
    "floor",
    "round",
    "join",
    "sortAlpha",
    "default",
    "empty",
    "coalesce",
    "all",
    "any",
    "compact",
    "mustCompact",
    "fromJson",
    "toJson",
    "toPrettyJson",
    "toRawJson",
    "mustFromJson",
    "mustToJson",
    "mustToPrettyJson",
    "mustToRawJson",
    "ternary",
    "deepCopy",
    "mustDeepCopy",
    "typeOf",
    "typeIs",
    "typeIsLike",
    "kindOf",
    "kindIs",
    "deepEqual",
    "getHostByName",
    "base",
    "dir",
    "clean",
    "ext",
    "isAbs",
    "osBase",
    "osClean",
    "osDir",
    "osExt",
    "osIsAbs",
    "b64enc",
    "b64dec",
    "b32enc",
    "b32dec",
    "tuple",
    "list",
    "dict",
    "get",
    "set",
    "unset",
    "hasKey",
    "pluck",
    "keys",
    "pick",
    "omit",
    "merge",
    "mergeOverwrite",
    "mustMerge",
    "mustMergeOverwrite",
    "values",
    "append",
    "push",
    "mustAppend",
    "mustPush",
    "prepend",
    "mustPrepend",
    "first",
    "mustFirst",
    "rest",
    "mustRest",
    "last",
    "mustLast",
    "initial",
    "mustInitial",
    "reverse",
    "mustReverse",
    "uniq",
    "mustUniq",
    "without",
    "mustWithout",
    "has",
    "mustHas",
    "slice",
    "mustSlice",
    "concat",
    "dig",
    "chunk",
    "mustChunk",
    "bcrypt",
    "htpasswd",
    "genPrivateKey",
    "derivePassword",
    "buildCustomCert",
    "genCA",
    "genCAWithKey",
    "genSelfSignedCert",
    "genSelfSignedCertWithKey",
    "genSignedCert",
    "genSignedCertWithKey",
    "encryptAES",
    "decryptAES",
    "randBytes",
    "uuidv4",
    "semver",
    "semverCompare",
    "regexMatch",
    "mustRegexMatch",
    "regexFindAll",
    "mustRegexFindAll",
    "regexFind",
    "mustRegexFind",
    "regexReplaceAll",
    "mustRegexReplaceAll",
    "regexReplaceAllLiteral",
    "mustRegexReplaceAllLiteral",
    "regexSplit",
    "mustRegexSplit",
    "regexQuoteMeta",
    "urlParse",
    "urlJoin",
    "toToml",
    "fromToml",
    "toYaml",
    "mustToYaml",
    "toYamlPretty",
    "fromYaml",
    "fromYamlArray",
    "fromJsonArray",
];

#[cfg(test)]
mod tests;
