//! ApplicationSet template rendering, as Argo CD's `applicationset/utils/utils.go` does it:
//! every string (and map key) of the Application template is replaced on its own, with
//! fasttemplate (`{{key}}`, flat parameters) or, with `goTemplate: true`, Go's text/template with
//! Sprig (without `env`, `expandenv`, `getHostByName`) plus Argo CD's `normalize`, `slugify`,
//! `toYaml`, `fromYaml`, `fromYamlArray`. Also the template merge of a generator's own
//! `template` (mergo without override) and `templatePatch` (a merge patch over the Application).

use super::Params;
use crate::model::value::{Map as VMap, Value as V};
use crate::render::template::{Dialect, Limits, TemplateSet, funcs::Func, gofmt};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// A hook of [`Renderer::replace_deep_with`]: `special(path, value)` replaces a subtree itself
/// (Some) or leaves it to the ordinary replacement (None).
type Special<'a> = dyn Fn(&str, &Value) -> Option<Result<Value, String>> + 'a;

/// Go's `text/template` options Argo CD accepts in `goTemplateOptions` (`Template.Option`
/// panics on anything else; we report it).
const MISSINGKEY_OPTIONS: &[&str] = &[
    "missingkey=default",
    "missingkey=invalid",
    "missingkey=zero",
    "missingkey=error",
];

/// Functions Go's Helm-configured function map has but Argo CD's does not (Helm's own
/// additions and the three Sprig functions Argo CD deletes).
const NOT_IN_ARGO: &[&str] = &[
    "env",
    "expandenv",
    "getHostByName",
    "include",
    "tpl",
    "required",
    "lookup",
    "toToml",
    "fromToml",
    "toYamlPretty",
];

/// Distinct template strings kept parsed per expansion (a bound on hostile input).
const MAX_CACHED_TEMPLATES: usize = 10_000;

/// Renders strings with one ApplicationSet's template settings.
pub(super) struct Renderer {
    pub go: bool,
    missing_key_error: bool,
    cache: RefCell<HashMap<String, Result<Arc<TemplateSet>, String>>>,
    /// Fasttemplate tags that had no string parameter (Argo CD leaves them as written).
    pub missing: RefCell<Vec<String>>,
}

impl Renderer {
    pub fn new(go: bool, options: &[String]) -> Result<Renderer, String> {
        let mut missing_key_error = false;
        for o in options {
            if !MISSINGKEY_OPTIONS.contains(&o.as_str()) {
                return Err(format!(
                    "spec.goTemplateOptions: unrecognized option {o:?} (Go's text/template accepts {})",
                    MISSINGKEY_OPTIONS.join(", ")
                ));
            }
            // Go applies options in order; the last missingkey wins.
            missing_key_error = o == "missingkey=error";
        }
        Ok(Renderer {
            go,
            missing_key_error,
            cache: RefCell::new(HashMap::new()),
            missing: RefCell::new(Vec::new()),
        })
    }

    /// The same template kind with `missingkey=error` (what Argo CD uses to pre-resolve a
    /// generator's `values` from a matrix's first child).
    pub fn strict(&self) -> Renderer {
        Renderer {
            go: self.go,
            missing_key_error: true,
            cache: RefCell::new(HashMap::new()),
            missing: RefCell::new(Vec::new()),
        }
    }

    /// Argo CD's `Render.Replace`.
    pub fn replace(&self, tmpl: &str, params: &Params) -> Result<String, String> {
        if self.go {
            self.replace_go(tmpl, params)
        } else {
            self.replace_fast(tmpl, params)
        }
    }

    fn replace_fast(&self, tmpl: &str, params: &Params) -> Result<String, String> {
        // Argo CD's `.*{{.*}}.*` (Go's `.` does not match a newline): only a line holding both
        // delimiters makes the string a template.
        if !tmpl
            .lines()
            .any(|l| l.find("{{").is_some_and(|i| l[i + 2..].contains("}}")))
        {
            return Ok(tmpl.to_string());
        }
        let mut out = String::with_capacity(tmpl.len());
        let mut rest = tmpl;
        while let Some(i) = rest.find("{{") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(j) = after.find("}}") else {
                return Err(format!(
                    "invalid template: Cannot find end tag=\"}}}}\" in the template={tmpl:?} starting from {after:?}"
                ));
            };
            let tag = &after[..j];
            let key = tag.trim();
            match params.get(key) {
                Some(Value::String(s)) if !key.is_empty() => out.push_str(s),
                _ => {
                    out.push_str("{{");
                    out.push_str(tag);
                    out.push_str("}}");
                    let mut m = self.missing.borrow_mut();
                    if m.len() < 100 && !m.iter().any(|x| x == key) {
                        m.push(key.to_string());
                    }
                }
            }
            rest = &after[j + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn replace_go(&self, tmpl: &str, params: &Params) -> Result<String, String> {
        let set = {
            let cache = self.cache.borrow();
            cache.get(tmpl).cloned()
        };
        let set = match set {
            Some(s) => s,
            None => {
                let mut set = TemplateSet::with_dialect(
                    Limits::default(),
                    Dialect {
                        missing_key_error: self.missing_key_error,
                        plain_go: true,
                        funcs: Some(argo_funcs),
                    },
                );
                let has = |n: &str| {
                    !NOT_IN_ARGO.contains(&n)
                        && (argo_funcs(n).is_some() || crate::render::template::has_func(n))
                };
                let r = set
                    .add_file_with_funcs("base", tmpl, &has)
                    .map(|()| Arc::new(set))
                    .map_err(|e| format!("failed to parse template {tmpl}: {}", e.message));
                let mut cache = self.cache.borrow_mut();
                if cache.len() < MAX_CACHED_TEMPLATES {
                    cache.insert(tmpl.to_string(), r.clone());
                }
                r
            }
        }?;
        let dot = params_value(params);
        match set.execute("base", &dot) {
            Ok(r) => Ok(r.text),
            Err(e) => Err(format!(
                "failed to execute go template {tmpl}: {}",
                e.message
            )),
        }
    }

    /// Argo CD's `deeplyReplace` over a JSON value: every string and every map key is replaced;
    /// null map entries are dropped. `at` is the value's field path, named in errors.
    pub fn replace_deep(&self, v: &Value, params: &Params, at: &str) -> Result<Value, String> {
        self.replace_deep_with(v, params, at, &|_, _| None)
    }

    /// [`Renderer::replace_deep`] where `special(path, value)` may replace a subtree itself.
    pub fn replace_deep_with(
        &self,
        v: &Value,
        params: &Params,
        at: &str,
        special: &Special<'_>,
    ) -> Result<Value, String> {
        if let Some(r) = special(at, v) {
            return r;
        }
        Ok(match v {
            Value::String(s) => {
                Value::String(self.replace(s, params).map_err(|e| format!("{at}: {e}"))?)
            }
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| self.replace_deep_with(x, params, &format!("{at}[{i}]"), special))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(m) => {
                let mut out = Map::new();
                for (k, x) in m {
                    if x.is_null() {
                        continue;
                    }
                    let sub = join(at, k);
                    let nk = self.replace(k, params).map_err(|e| format!("{sub}: {e}"))?;
                    out.insert(nk, self.replace_deep_with(x, params, &sub, special)?);
                }
                Value::Object(out)
            }
            other => other.clone(),
        })
    }
}

/// `a.b` or `a["b.c"]` as findings print field paths.
pub(super) fn join(at: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (at.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{at}.{key}"),
        (_, false) => format!("{at}[{key:?}]"),
    }
}

/// Argo CD's additions to Sprig.
fn argo_funcs(name: &str) -> Option<Func> {
    match name {
        "normalize" => Some(normalize_fn),
        "slugify" => Some(slugify_fn),
        _ => None,
    }
}

fn normalize_fn(args: &[V]) -> Result<V, String> {
    match args {
        [V::Str(t)] => Ok(V::str(sanitize_name(&t.s))),
        [other] => Err(format!(
            "wrong type for value; expected string; got {}",
            gofmt::go_type_name(other)
        )),
        _ => Err(format!(
            "wrong number of args for normalize: want 1 got {}",
            args.len()
        )),
    }
}

/// `slugify [maxSize] [smartTruncate] name`: gosimple/slug over `normalize`d text (default
/// maximum 50, smart truncation at a dash).
fn slugify_fn(args: &[V]) -> Result<V, String> {
    let mut max = 50usize;
    let mut smart = true;
    let n = args.len();
    let mut name = String::new();
    for (i, a) in args.iter().enumerate() {
        if i + 1 == n {
            name = a
                .as_str()
                .ok_or_else(|| "slugify: the last argument must be a string".to_string())?
                .to_string();
        } else if i == 0 {
            max = match a {
                V::Int(i, _, _) => usize::try_from(*i).unwrap_or(0),
                V::Float(f, _) if *f >= 0.0 => *f as usize,
                _ => return Err("slugify: the first argument must be an int".into()),
            };
        } else if i == 1 {
            smart = match a {
                V::Bool(b, _) => *b,
                _ => return Err("slugify: the second argument must be a bool".into()),
            };
        }
    }
    Ok(V::str(slugify(&sanitize_name(&name), max, smart)))
}

/// gosimple/slug's `Make` for the ASCII text `normalize` leaves: lower case, runs of other
/// characters become one `-`, no leading or trailing `-`, then truncation.
fn slugify(s: &str, max: usize, smart: bool) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    if max == 0 || out.len() <= max {
        return out;
    }
    if !smart {
        return out[..max].to_string();
    }
    // gosimple/slug's smartTruncate: whole dash-separated words while they fit.
    let mut t = String::new();
    for w in out.split('-') {
        let extra = if t.is_empty() { w.len() } else { w.len() + 1 };
        if t.len() + extra > max {
            break;
        }
        if !t.is_empty() {
            t.push('-');
        }
        t.push_str(w);
    }
    if t.is_empty() {
        out[..max].to_string()
    } else {
        t
    }
}

/// Argo CD's `SanitizeName`: lower case, `[^-a-z0-9.]` → `-`, at most 253 bytes, trimmed of
/// `-` and `.`.
pub(super) fn sanitize_name(name: &str) -> String {
    let mut out: String = name
        .to_lowercase()
        .chars()
        .map(|c| {
            if c == '-' || c == '.' || c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '-'
            }
        })
        .collect();
    if out.len() > 253 {
        out.truncate(253);
    }
    out.trim_matches(|c| c == '-' || c == '.').to_string()
}

/// A parameter set as the template engine's dot: numbers are float64, as Go's
/// `json.Unmarshal` into `any` gives them.
pub(super) fn params_value(p: &Params) -> V {
    V::map(p.iter().map(|(k, v)| (k.clone(), json_value(v))).collect())
}

pub(super) fn json_value(v: &Value) -> V {
    match v {
        Value::Null => V::Nil,
        Value::Bool(b) => V::bool(*b),
        Value::Number(n) => V::float(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => V::str(s.as_str()),
        Value::Array(a) => V::list(a.iter().map(json_value).collect()),
        Value::Object(m) => V::map(
            m.iter()
                .map(|(k, v)| (k.clone(), json_value(v)))
                .collect::<VMap>(),
        ),
    }
}

/// Go's `fmt.Sprintf("%v", v)` of a JSON value held as `any`.
pub(super) fn go_sprint(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "<nil>".to_string(),
        other => gofmt::sprint_value(&json_value(other)),
    }
}

/// mergo's `Merge(dst, src)` without override, as Argo CD merges a generator's own `template`
/// (dst) with the ApplicationSet's `template` (src): a field missing or empty in dst takes
/// src's; objects on both sides merge field by field.
pub(super) fn merge_fill(dst: &mut Value, src: &Value) {
    let (Value::Object(d), Value::Object(s)) = (dst, src) else {
        return;
    };
    for (k, sv) in s {
        match d.get_mut(k) {
            Some(dv) if !is_empty(dv) => merge_fill(dv, sv),
            _ => {
                d.insert(k.clone(), sv.clone());
            }
        }
    }
}

/// Go's zero values as mergo sees them.
pub(super) fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
    }
}

/// mergo's `Merge(dst, src, WithOverride)` over `map[string]any` (matrix and merge generators
/// with `goTemplate`): nested maps merge, other non-empty src values replace dst's.
pub(super) fn merge_override(dst: &mut Map<String, Value>, src: &Map<String, Value>) {
    for (k, sv) in src {
        match (dst.get_mut(k), sv) {
            (Some(Value::Object(dm)), Value::Object(sm)) => merge_override(dm, sm),
            (Some(_), sv) if is_empty(sv) => {}
            (_, sv) => {
                dst.insert(k.clone(), sv.clone());
            }
        }
    }
}

/// A merge patch (RFC 7386): objects merge, `null` deletes, anything else replaces. Argo CD
/// applies `templatePatch` as a strategic merge patch for the Application type, whose fields
/// declare no list merge keys, so lists are replaced as here. Also `evanphx/json-patch`'s
/// `MergePatch`, which merges `.argocd-source*.yaml` into a source.
pub(crate) fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(t) = target else {
        return;
    };
    for (k, pv) in p {
        if pv.is_null() {
            t.remove(k);
        } else if pv.is_object() {
            let entry = t.entry(k.clone()).or_insert(Value::Null);
            merge_patch(entry, pv);
        } else {
            t.insert(k.clone(), pv.clone());
        }
    }
}
