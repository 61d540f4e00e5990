//! Template functions: Sprig v3 and Helm's own. Functions that need the executing template
//! (`include`, `tpl`, `template`) and Go's short-circuiting builtins (`and`, `or`) live in the
//! executor; everything else is a plain function over values.
//!
//! Functions are plain functions over values. Maps are shared handles with Go's reference
//! semantics, so Sprig's `set`/`unset`/`merge*` change their first argument in place
//! (see [`crate::model::value::MapRef`]).
use crate::model::value::{Origin, Seg, Text, Value};
use crate::render::template::TplSeg;
use std::sync::Arc;

mod certs;
mod conv;
mod crypto;
mod dates;
mod decimal;
mod dicts;
mod json;
mod lists;
mod math;
mod regex;
pub mod semver;
mod strings;
mod toml;
mod url;
mod yaml;

pub use conv::{go_float, sprint_value, to_float64, to_int64};
pub use json::to_json;
pub use yaml::to_yaml;

/// A template function. Errors are plain messages; the executor adds template name and position.
pub type Func = fn(&[Value]) -> Result<Value, String>;

/// The limits a function call runs under (from the executing template set's
/// [`super::Limits`]); functions are plain `fn`s, so the executor sets them per call.
#[derive(Clone, Copy, Debug)]
pub struct CallLimits {
    /// Compiled size limit of a regular expression.
    pub regex_bytes: usize,
    /// Largest string a function may build (the template output limit).
    pub output_bytes: usize,
    /// Longest list or map a function may build (`limits.range-iterations`).
    pub items: u64,
    /// When the executing render must end (checked inside long function loops).
    pub deadline: Option<std::time::Instant>,
    /// The render's time budget in seconds, for the message.
    pub seconds: u64,
}

thread_local! {
    static CALL_LIMITS: std::cell::Cell<Option<CallLimits>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` (a function call) under `limits`.
pub fn with_limits<T>(limits: CallLimits, f: impl FnOnce() -> T) -> T {
    let prev = CALL_LIMITS.with(|c| c.replace(Some(limits)));
    let r = f();
    CALL_LIMITS.with(|c| c.set(prev));
    r
}

/// The limits of the current call (the defaults outside an execution).
pub fn call_limits() -> CallLimits {
    CALL_LIMITS.with(|c| c.get()).unwrap_or_else(|| {
        let d = super::Limits::default();
        CallLimits {
            regex_bytes: d.max_regex_bytes,
            output_bytes: d.max_output_bytes,
            items: d.max_range_iterations,
            deadline: None,
            seconds: d.time_budget.as_secs(),
        }
    })
}

/// Refuses to build a string of `bytes` (an estimate made before allocating) over the limit.
pub(crate) fn check_size(name: &str, bytes: u128) -> Result<(), String> {
    let max = call_limits().output_bytes;
    if bytes > max as u128 {
        return Err(format!(
            "{name}: result would be {bytes} bytes, over the limit of {max} bytes (limits.output-bytes)"
        ));
    }
    Ok(())
}

/// Refuses to build a list or map of `n` elements (counted before building) over the limit.
pub(crate) fn check_items(name: &str, n: u128) -> Result<(), String> {
    let max = call_limits().items;
    if n > u128::from(max) {
        return Err(format!(
            "{name}: result would have {n} elements, over the limit of {max} (limits.range-iterations)"
        ));
    }
    Ok(())
}

/// The budgets inside a function's loop: [`Steps::step`] checks the render's and the run's
/// memory every 16 steps and the clocks (the executing render's deadline, the run's) every 1024,
/// so no single call (`uniq` of a long list, `deepCopy` of a doubling map) runs unbounded.
pub(crate) struct Steps {
    n: u32,
    deadline: Option<std::time::Instant>,
    seconds: u64,
}

impl Steps {
    pub(crate) fn new() -> Steps {
        let l = call_limits();
        Steps {
            n: 0,
            deadline: l.deadline,
            seconds: l.seconds,
        }
    }

    #[inline]
    pub(crate) fn step(&mut self) -> Result<(), String> {
        self.n = self.n.wrapping_add(1);
        if self.n & 15 != 0 {
            return Ok(());
        }
        if self.n & 1023 != 0 {
            return crate::budget::check().map_err(|e| e.to_string());
        }
        crate::budget::check_run_time().map_err(|e| e.to_string())?;
        if self.deadline.is_some_and(|d| std::time::Instant::now() > d) {
            return Err(format!(
                "template execution exceeded the time budget of {}s (limits.render-seconds)",
                self.seconds
            ));
        }
        Ok(())
    }
}

/// The function called `name` in templates, if there is one.
pub fn lookup(name: &str) -> Option<Func> {
    let f: Func = match name {
        // strings
        "quote" => strings::quote,
        "squote" => strings::squote,
        "trim" => strings::trim,
        "trimAll" | "trimall" => strings::trim_all,
        "trimSuffix" => strings::trim_suffix,
        "trimPrefix" => strings::trim_prefix,
        "upper" => strings::upper,
        "lower" => strings::lower,
        "title" => strings::title,
        "untitle" => strings::untitle,
        "repeat" => strings::repeat,
        "substr" => strings::substr,
        "nospace" => strings::nospace,
        "trunc" => strings::trunc,
        "abbrev" => strings::abbrev,
        "abbrevboth" => strings::abbrevboth,
        "initials" => strings::initials,
        "wrap" => strings::wrap,
        "wrapWith" => strings::wrap_with,
        "contains" => strings::contains,
        "hasPrefix" => strings::has_prefix,
        "hasSuffix" => strings::has_suffix,
        "cat" => strings::cat,
        "replace" => strings::replace,
        "plural" => strings::plural,
        "snakecase" => strings::snakecase,
        "camelcase" => strings::camelcase,
        "kebabcase" => strings::kebabcase,
        "swapcase" => strings::swapcase,
        "shuffle" => strings::shuffle,
        "indent" => strings::indent,
        "nindent" => strings::nindent,
        "split" => strings::split,
        "splitList" => strings::split_list,
        "splitn" => strings::splitn,
        "join" => strings::join,
        "sortAlpha" => strings::sort_alpha,
        "base" => strings::path_base,
        "dir" => strings::path_dir,
        "clean" => strings::path_clean,
        "ext" => strings::path_ext,
        "isAbs" => strings::path_is_abs,
        "osBase" => strings::path_base,
        "osDir" => strings::path_dir,
        "osClean" => strings::path_clean,
        "osExt" => strings::path_ext,
        "osIsAbs" => strings::path_is_abs,
        "hello" => |_| Ok(Value::str("Hello!")),
        "fail" => strings::fail,
        // conversions and predicates
        "toString" => conv::to_string,
        "toStrings" => conv::to_strings,
        "int" => conv::int,
        "int64" => conv::int64,
        "float64" => conv::float64,
        "atoi" => conv::atoi,
        "toDecimal" => conv::to_decimal,
        "default" => conv::default,
        "empty" => conv::empty,
        "coalesce" => conv::coalesce,
        "ternary" => conv::ternary,
        "all" => conv::all,
        "any" => conv::any,
        "kindIs" => conv::kind_is,
        "kindOf" => conv::kind_of,
        "typeOf" => conv::type_of,
        "typeIs" => conv::type_is,
        "typeIsLike" => conv::type_is_like,
        "deepEqual" => conv::deep_equal,
        // lists
        "list" | "tuple" => lists::list,
        "append" | "push" | "mustAppend" | "mustPush" => lists::append,
        "prepend" | "mustPrepend" => lists::prepend,
        "concat" => lists::concat,
        "first" | "mustFirst" => lists::first,
        "last" | "mustLast" => lists::last,
        "rest" | "mustRest" => lists::rest,
        "initial" | "mustInitial" => lists::initial,
        "uniq" | "mustUniq" => lists::uniq,
        "without" | "mustWithout" => lists::without,
        "has" | "mustHas" => lists::has,
        "compact" | "mustCompact" => lists::compact,
        "reverse" | "mustReverse" => lists::reverse,
        "slice" | "mustSlice" => lists::slice,
        "chunk" | "mustChunk" => lists::chunk,
        "until" => lists::until,
        "untilStep" => lists::until_step,
        "seq" => lists::seq,
        // dicts
        "dict" => dicts::dict,
        "get" => dicts::get,
        "set" => dicts::set,
        "unset" => dicts::unset,
        "hasKey" => dicts::has_key,
        "keys" => dicts::keys,
        "values" => dicts::values,
        "pick" => dicts::pick,
        "omit" => dicts::omit,
        "merge" | "mustMerge" => dicts::merge,
        "mergeOverwrite" | "mustMergeOverwrite" => dicts::merge_overwrite,
        "deepCopy" | "mustDeepCopy" => dicts::deep_copy,
        "dig" => dicts::dig,
        "pluck" => dicts::pluck,
        "lookup" => dicts::lookup,
        // math
        "add" => math::add,
        "add1" => math::add1,
        "sub" => math::sub,
        "mul" => math::mul,
        "div" => math::div,
        "mod" => math::modulo,
        "max" | "biggest" => math::max,
        "min" => math::min,
        "addf" => math::addf,
        "add1f" => math::add1f,
        "subf" => math::subf,
        "mulf" => math::mulf,
        "divf" => math::divf,
        "maxf" => math::maxf,
        "minf" => math::minf,
        "floor" => math::floor,
        "ceil" => math::ceil,
        "round" => math::round,
        "randInt" => math::rand_int,
        // crypto / encoding
        "b64enc" => crypto::b64enc,
        "b64dec" => crypto::b64dec,
        "b32enc" => crypto::b32enc,
        "b32dec" => crypto::b32dec,
        "sha1sum" => crypto::sha1sum,
        "sha256sum" => crypto::sha256sum,
        "sha512sum" => crypto::sha512sum,
        "adler32sum" => crypto::adler32sum,
        "uuidv4" => crypto::uuidv4,
        "randAlphaNum" => crypto::rand_alpha_num,
        "randAlpha" => crypto::rand_alpha,
        "randNumeric" => crypto::rand_numeric,
        "randAscii" => crypto::rand_ascii,
        "genCA" => certs::gen_ca,
        "genCAWithKey" => certs::gen_ca_with_key,
        "genSelfSignedCert" => certs::gen_self_signed_cert,
        "genSelfSignedCertWithKey" => certs::gen_self_signed_cert_with_key,
        "genSignedCert" => certs::gen_signed_cert,
        "genSignedCertWithKey" => certs::gen_signed_cert_with_key,
        "genPrivateKey" => certs::gen_private_key,
        "buildCustomCert" => certs::build_custom_cert,
        "bcrypt" => crypto::bcrypt,
        "htpasswd" => crypto::htpasswd,
        "encryptAES" => crypto::encrypt_aes,
        "decryptAES" => crypto::decrypt_aes,
        "derivePassword" => crypto::derive_password,
        // regex
        "regexMatch" => regex::regex_match,
        "mustRegexMatch" => regex::must_regex_match,
        "regexFind" => regex::regex_find,
        "mustRegexFind" => regex::must_regex_find,
        "regexFindAll" => regex::regex_find_all,
        "mustRegexFindAll" => regex::must_regex_find_all,
        "regexReplaceAll" => regex::regex_replace_all,
        "mustRegexReplaceAll" => regex::must_regex_replace_all,
        "regexReplaceAllLiteral" => regex::regex_replace_all_literal,
        "mustRegexReplaceAllLiteral" => regex::must_regex_replace_all_literal,
        "regexSplit" => regex::regex_split,
        "mustRegexSplit" => regex::must_regex_split,
        "regexQuoteMeta" => regex::regex_quote_meta,
        // urls
        "urlParse" => url::url_parse,
        "urlJoin" => url::url_join,
        // semver
        "semverCompare" => semver::semver_compare,
        "semver" => semver::semver,
        // serialisation
        "toYaml" => yaml::to_yaml_fn,
        "mustToYaml" => yaml::must_to_yaml,
        "toYamlPretty" => yaml::to_yaml_pretty_fn,
        "toJson" => json::to_json_fn,
        "mustToJson" => json::must_to_json,
        "toRawJson" => json::to_raw_json,
        "mustToRawJson" => json::must_to_raw_json,
        "toPrettyJson" => json::to_pretty_json,
        "mustToPrettyJson" => json::must_to_pretty_json,
        "fromJson" => json::from_json,
        "mustFromJson" => json::must_from_json,
        "fromJsonArray" => json::from_json_array,
        "toToml" | "mustToToml" => toml::to_toml_fn,
        "fromToml" => toml::from_toml,
        "fromYaml" => yaml::from_yaml,
        "fromYamlArray" => yaml::from_yaml_array,
        // dates
        "now" => dates::now,
        "date" => dates::date,
        "dateInZone" | "date_in_zone" => dates::date_in_zone,
        "htmlDate" => dates::html_date,
        "htmlDateInZone" => dates::html_date_in_zone,
        "unixEpoch" => dates::unix_epoch,
        "duration" => dates::duration,
        "durationRound" => dates::duration_round,
        "ago" => dates::ago,
        "toDate" => dates::to_date,
        "mustToDate" => dates::must_to_date,
        "dateModify" | "date_modify" => dates::date_modify,
        "mustDateModify" | "must_date_modify" => dates::must_date_modify,
        "getHostByName" => |_| Err("getHostByName: network access is disabled in chartgate".into()),
        "randBytes" => crypto::rand_bytes,
        _ => return None,
    };
    Some(f)
}

// ---------------------------------------------------------------------------------------------
// Shared helpers.

/// Go's `wrong number of args` error when `args.len()` is not `n`.
pub(crate) fn arity(name: &str, args: &[Value], n: usize) -> Result<(), String> {
    if args.len() != n {
        return Err(format!(
            "wrong number of args for {name}: want {n} got {}",
            args.len()
        ));
    }
    Ok(())
}

/// Go's error for at least `n` arguments (variadic functions).
pub(crate) fn arity_min(name: &str, args: &[Value], n: usize) -> Result<(), String> {
    if args.len() < n {
        return Err(format!(
            "wrong number of args for {name}: want at least {n} got {}",
            args.len()
        ));
    }
    Ok(())
}

/// Go's type name of a value as `%T` prints it.
pub(crate) fn type_name(v: &Value) -> String {
    match v {
        Value::Nil => "<nil>".into(),
        Value::Bool(..) => "bool".into(),
        Value::Int(_, _, crate::model::value::GoInt::Int64) => "int64".into(),
        Value::Int(..) => "int".into(),
        Value::Float(..) => "float64".into(),
        Value::Str(_) => "string".into(),
        Value::List(_) => "[]interface {}".into(),
        Value::Map(_) => "map[string]interface {}".into(),
        Value::Object(o) => o.type_name().into(),
    }
}

/// A `string` parameter: Go's text/template only accepts strings here.
pub(crate) fn arg_str(v: &Value) -> Result<&str, String> {
    match v {
        Value::Str(t) => Ok(t.as_str()),
        other => Err(format!(
            "wrong type for value; expected string; got {}",
            type_name(other)
        )),
    }
}

/// An `int` parameter: Go's text/template only accepts integers here.
pub(crate) fn arg_int(v: &Value) -> Result<i64, String> {
    match v {
        Value::Int(i, _, crate::model::value::GoInt::Int) => Ok(*i),
        other => Err(format!(
            "wrong type for value; expected int; got {}",
            type_name(other)
        )),
    }
}

/// Sprig's `empty`: nil, false, 0, "", and empty collections are empty.
pub(crate) fn is_empty(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Bool(b, _) => !b,
        Value::Int(i, _, _) => *i == 0,
        Value::Float(f, _) => *f == 0.0,
        Value::Str(t) => t.s.is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Object(o) => is_empty(&o.as_value()),
    }
}

/// Sprig's `strval`: strings as they are, everything else as `fmt.Sprintf("%v")`.
pub(crate) fn strval(v: &Value) -> Text {
    match v {
        Value::Str(t) => t.clone(),
        Value::Object(o) if o.go_bytes().is_some() => Text::from_origin(
            crate::gocompat::gobytes::decode(&o.go_bytes().unwrap_or_default()),
            v.origin(),
        ),
        other => Text::from_origin(sprint_value(other), other.origin()),
    }
}

/// Sprig's `strslice`: a list's non-nil items as strings; nil → empty; a scalar → one item.
pub(crate) fn strslice(v: &Value) -> Vec<Text> {
    match v {
        Value::Nil => Vec::new(),
        Value::List(l) => l.iter().filter(|x| !x.is_nil()).map(strval).collect(),
        other => vec![strval(other)],
    }
}

/// Segments of `t` that fall inside byte range `start..end`, shifted so `start` becomes `at`.
pub(crate) fn sub_segs(t: &Text, start: usize, end: usize, at: usize, out: &mut Vec<Seg>) {
    if let Some(segs) = &t.segs {
        for s in segs.iter() {
            let (a, b) = ((s.start as usize).max(start), (s.end as usize).min(end));
            if a < b {
                out.push(Seg {
                    start: (a - start + at) as u32,
                    end: (b - start + at) as u32,
                    origin: s.origin,
                });
            }
        }
    }
}

/// Template positions of `t` inside byte range `start..end`, shifted so `start` becomes `at`
/// (a literal range cut after its start begins on the line and column of its first byte).
pub(crate) fn sub_tpl(t: &Text, start: usize, end: usize, at: usize, out: &mut Vec<TplSeg>) {
    let Some(tpl) = &t.tpl else { return };
    for s in tpl.iter() {
        let (a, b) = ((s.start as usize).max(start), (s.end as usize).min(end));
        if a >= b {
            continue;
        }
        let mut seg = TplSeg {
            start: (a - start + at) as u32,
            end: (b - start + at) as u32,
            ..s.clone()
        };
        if s.literal && a > s.start as usize {
            let skipped = t.s.get(s.start as usize..a).unwrap_or("");
            match skipped.rfind('\n') {
                Some(nl) => {
                    seg.line += skipped.matches('\n').count() as u32;
                    seg.col = (skipped.len() - nl - 1) as u32;
                }
                None => seg.col += skipped.len() as u32,
            }
        }
        out.push(seg);
    }
}

/// Builds a [`Text`] from pieces, each either plain text or a slice of an existing text.
#[derive(Default)]
pub(crate) struct TextBuilder {
    s: String,
    segs: Vec<Seg>,
    tpl: Vec<TplSeg>,
}

impl TextBuilder {
    /// Bytes built so far.
    pub(crate) fn len(&self) -> usize {
        self.s.len()
    }
    pub(crate) fn plain(&mut self, s: &str) {
        self.s.push_str(s);
    }
    /// Appends `t.s[start..end]` with its provenance.
    pub(crate) fn slice(&mut self, t: &Text, start: usize, end: usize) {
        let at = self.s.len();
        self.s.push_str(&t.s[start..end]);
        sub_segs(t, start, end, at, &mut self.segs);
        sub_tpl(t, start, end, at, &mut self.tpl);
    }
    pub(crate) fn text(&mut self, t: &Text) {
        self.slice(t, 0, t.s.len());
    }
    /// Appends `s` as one segment from `origin`.
    pub(crate) fn origin(&mut self, s: &str, origin: Origin) {
        let at = self.s.len();
        self.s.push_str(s);
        if !origin.is_none() && !s.is_empty() {
            self.segs.push(Seg {
                start: at as u32,
                end: self.s.len() as u32,
                origin,
            });
        }
    }
    /// Removes one trailing `\n`, if any (segments are clamped).
    pub(crate) fn trim_trailing_newline(&mut self) {
        if self.s.ends_with('\n') {
            self.s.pop();
            let end = self.s.len() as u32;
            self.segs.retain_mut(|s| {
                s.end = s.end.min(end);
                s.start < s.end
            });
            self.tpl.retain_mut(|s| {
                s.end = s.end.min(end);
                s.start < s.end
            });
        }
    }
    pub(crate) fn finish(self) -> Text {
        let segs = if self.segs.is_empty() {
            None
        } else {
            Some(Arc::from(self.segs))
        };
        Text {
            s: Arc::from(self.s),
            segs,
            tpl: (!self.tpl.is_empty()).then(|| Arc::from(self.tpl)),
        }
    }
    pub(crate) fn value(self) -> Value {
        Value::Str(self.finish())
    }
}

/// A string computed from `t` as a whole (`upper`, `b64enc`): when every byte of `t` that has a
/// values position has the same one, the whole result has it; same-length results keep `t`'s
/// segments byte for byte.
pub(crate) fn derived(t: &Text, out: String) -> Value {
    let Some(segs) = &t.segs else {
        return Value::str(out);
    };
    if out.len() == t.s.len() {
        return Value::Str(Text {
            s: Arc::from(out),
            segs: Some(segs.clone()),
            tpl: None,
        });
    }
    let first = segs[0].origin;
    if segs.iter().all(|s| s.origin == first) {
        return Value::Str(Text::from_origin(out, first));
    }
    Value::str(out)
}

/// A sub-slice of a text with provenance.
pub(crate) fn text_slice(t: &Text, start: usize, end: usize) -> Value {
    let mut b = TextBuilder::default();
    b.slice(t, start, end);
    b.value()
}

#[cfg(test)]
mod tests;
