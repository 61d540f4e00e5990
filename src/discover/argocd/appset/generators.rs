//! ApplicationSet generators, as Argo CD's `applicationset/generators/*.go` produce parameter
//! sets: `list`, `git` (directories and files), `clusters`, `matrix`, `merge`, the `selector`
//! post-filter, and the generators that need a live system (unresolved).

use super::clusters::{ClusterInfo, IN_CLUSTER_NAME, IN_CLUSTER_SERVER, Selector};
use super::template::{Renderer, go_sprint, join, merge_override, sanitize_name};
use super::{Context, Params};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// Generator kinds in the order of Argo CD's `ApplicationSetGenerator` struct fields (which is
/// the order `GetRelevantGenerators` visits them when one entry sets several).
const KINDS: &[&str] = &[
    "list",
    "clusters",
    "git",
    "scmProvider",
    "clusterDecisionResource",
    "pullRequest",
    "matrix",
    "merge",
    "plugin",
];

/// Directory entries a git generator may walk in one repository (hostile-input bound).
const MAX_WALK_ENTRIES: usize = 200_000;
/// Largest file a git files generator reads.
const MAX_FILE_BYTES: u64 = 8 << 20;

/// What one generator gives.
#[derive(Debug)]
pub(super) enum Gen {
    Params(Vec<Params>),
    /// Parts that need a live system, each `path: reason`.
    Unresolved(Vec<String>),
}

pub(super) struct Generators<'a> {
    pub ctx: &'a dyn Context,
    pub r: &'a Renderer,
    pub max: usize,
    /// Parameter files the git files generators read (inputs, never manifests).
    pub read: std::cell::RefCell<Vec<std::path::PathBuf>>,
}

impl Generators<'_> {
    /// Argo CD's `Transform`: each generator kind set in `gen` with its own template (for a
    /// top-level entry), after interpolating `gen` with `gen_params` (a matrix's first child).
    pub fn transform(
        &self,
        gen_: &Value,
        at: &str,
        gen_params: &Params,
    ) -> Result<Vec<(Gen, Option<Value>)>, String> {
        let Value::Object(m) = gen_ else {
            return Err(format!("{at}: a generator must be a map"));
        };
        let unknown: Vec<&str> = m
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "selector" && !KINDS.contains(k))
            .collect();
        if !unknown.is_empty() {
            return Err(format!(
                "{at}: unrecognized generators: {} (Argo CD knows {})",
                unknown.join(", "),
                KINDS.join(", ")
            ));
        }
        let selector = Selector::parse(m.get("selector"), &format!("{at}.selector"))?;
        let interpolated;
        let m = if gen_params.is_empty() {
            m
        } else {
            interpolated = match self.interpolate(gen_, gen_params, at)? {
                Value::Object(m) => m,
                _ => return Err(format!("{at}: a generator must be a map")),
            };
            &interpolated
        };
        let mut out = Vec::new();
        for kind in KINDS {
            let Some(spec) = m.get(*kind).filter(|v| !v.is_null()) else {
                continue;
            };
            let kat = format!("{at}.{kind}");
            if !spec.is_object() {
                return Err(format!("{kat}: must be a map"));
            }
            let template = spec.get("template").filter(|t| !t.is_null()).cloned();
            let g = match *kind {
                "list" => self.list(spec, &kat)?,
                "clusters" => self.clusters(spec, &kat)?,
                "git" => self.git(spec, &kat)?,
                "matrix" => self.matrix(spec, &kat)?,
                "merge" => self.merge(spec, &kat)?,
                "scmProvider" => live(
                    &kat,
                    "the scmProvider generator lists repositories through an SCM provider's API, which needs a live system",
                ),
                "pullRequest" => live(
                    &kat,
                    "the pullRequest generator lists open pull requests through an SCM provider's API, which needs a live system",
                ),
                "clusterDecisionResource" => live(
                    &kat,
                    "the clusterDecisionResource generator reads a resource in the cluster, which needs a live system",
                ),
                _ => live(
                    &kat,
                    "the plugin generator asks a plugin service for parameters, which needs a live system",
                ),
            };
            let g = match g {
                Gen::Params(ps) if !selector.is_empty() => Gen::Params(
                    ps.into_iter()
                        .filter(|p| {
                            let flat = flatten_params(p);
                            selector.matches(&|k| flat.get(k).map(go_sprint))
                        })
                        .collect(),
                ),
                g => g,
            };
            out.push((g, template));
        }
        Ok(out)
    }

    /// A nested generator (child of matrix or merge): exactly one kind.
    fn child(&self, gen_: &Value, at: &str, gen_params: &Params) -> Result<Gen, String> {
        let mut t = self.transform(gen_, at, gen_params)?;
        match t.len() {
            0 => Err(format!("{at}: child generator generated no parameters")),
            1 => Ok(t.remove(0).0),
            _ => Err(format!(
                "{at}: found more than one generator in matrix.Generators"
            )),
        }
    }

    /// Argo CD's `InterpolateGenerator`: every string of the generator is rendered with the
    /// first child's parameters; a `values` map is pre-resolved with `missingkey=error`, keeping
    /// an entry as written when a key is missing.
    fn interpolate(&self, gen_: &Value, params: &Params, at: &str) -> Result<Value, String> {
        let strict = self.r.strict();
        let special = |path: &str, v: &Value| -> Option<Result<Value, String>> {
            let is_values = path.ends_with(".values")
                && [
                    "clusters",
                    "git",
                    "scmProvider",
                    "pullRequest",
                    "clusterDecisionResource",
                    "plugin",
                ]
                .iter()
                .any(|k| path.ends_with(&format!(".{k}.values")));
            if !is_values {
                return None;
            }
            let Value::Object(m) = v else {
                return None;
            };
            let mut out = Map::new();
            for (k, x) in m {
                let Value::String(s) = x else {
                    return None;
                };
                let r = if self.r.go {
                    match strict.replace(s, params) {
                        Ok(s) => s,
                        Err(e)
                            if e.contains("map has no entry for key")
                                || e.contains("can't evaluate field") =>
                        {
                            s.clone()
                        }
                        Err(e) => {
                            return Some(Err(format!(
                                "{path}: failed to pre-resolve Values key {k:?}: {e}"
                            )));
                        }
                    }
                } else {
                    match self.r.replace(s, params) {
                        Ok(s) => s,
                        Err(e) => return Some(Err(format!("{path}.{k}: {e}"))),
                    }
                };
                out.insert(k.clone(), Value::String(r));
            }
            Some(Ok(Value::Object(out)))
        };
        self.r
            .replace_deep_with(gen_, params, at, &special)
            .map_err(|e| format!("failed to replace parameters in generator: {e}"))
    }

    fn list(&self, spec: &Value, at: &str) -> Result<Gen, String> {
        let mut res = Vec::new();
        match spec.get("elements") {
            None | Some(Value::Null) => {}
            Some(Value::Array(els)) => {
                for (i, el) in els.iter().enumerate() {
                    let eat = format!("{at}.elements[{i}]");
                    let Value::Object(el) = el else {
                        return Err(format!(
                            "{eat}: error unmarshling list element: a list element must be a map"
                        ));
                    };
                    if self.r.go {
                        res.push(el.clone());
                        continue;
                    }
                    let mut p = Params::new();
                    for (k, v) in el {
                        if k == "values" {
                            let Value::Object(vs) = v else {
                                return Err(format!("{eat}.values: error parsing values map"));
                            };
                            for (vk, vv) in vs {
                                let Value::String(s) = vv else {
                                    return Err(format!(
                                        "{eat}.values.{vk}: error parsing value as string (without goTemplate, list element values must be strings)"
                                    ));
                                };
                                p.insert(format!("values.{vk}"), Value::String(s.clone()));
                            }
                        } else {
                            let Value::String(s) = v else {
                                return Err(format!(
                                    "{}: error parsing value as string (without goTemplate, list element values must be strings)",
                                    join(&eat, k)
                                ));
                            };
                            p.insert(k.clone(), Value::String(s.clone()));
                        }
                    }
                    res.push(p);
                }
            }
            Some(_) => return Err(format!("{at}.elements: must be a list")),
        }
        match spec.get("elementsYaml") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.is_empty() => {}
            Some(Value::String(s)) => {
                let v = parse_yaml(s).map_err(|e| {
                    format!("{at}.elementsYaml: error unmarshling decoded ElementsYaml {e}")
                })?;
                match v {
                    Value::Null => {}
                    Value::Array(items) => {
                        for (i, it) in items.into_iter().enumerate() {
                            match it {
                                Value::Object(m) => res.push(m),
                                _ => {
                                    return Err(format!(
                                        "{at}.elementsYaml: error unmarshling decoded ElementsYaml: item {i} is not a map"
                                    ));
                                }
                            }
                        }
                    }
                    _ => {
                        return Err(format!(
                            "{at}.elementsYaml: error unmarshling decoded ElementsYaml: must be a list of maps"
                        ));
                    }
                }
            }
            Some(_) => return Err(format!("{at}.elementsYaml: must be a string")),
        }
        self.bound(res.len(), at)?;
        Ok(Gen::Params(res))
    }

    fn values(spec: &Value, at: &str) -> Result<Vec<(String, String)>, String> {
        match spec.get("values") {
            None | Some(Value::Null) => Ok(vec![]),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k.clone(), s.clone())),
                    _ => Err(format!("{at}.values.{k}: must be a string")),
                })
                .collect(),
            Some(_) => Err(format!("{at}.values: must be a map of strings")),
        }
    }

    /// Argo CD's `appendTemplatedValues`: each value rendered with the parameters so far, then
    /// added as `values.KEY` (flat) or under `values` (goTemplate).
    fn append_values(
        &self,
        values: &[(String, String)],
        p: &mut Params,
        at: &str,
    ) -> Result<(), String> {
        if values.is_empty() {
            return Ok(());
        }
        let mut tmp = Map::new();
        for (k, v) in values {
            let r = self
                .r
                .replace(v, p)
                .map_err(|e| format!("{at}.values.{k}: failed to append templated values: {e}"))?;
            tmp.insert(k.clone(), Value::String(r));
        }
        if self.r.go {
            p.insert("values".into(), Value::Object(tmp));
        } else {
            for (k, v) in tmp {
                p.insert(format!("values.{k}"), v);
            }
        }
        Ok(())
    }

    fn clusters(&self, spec: &Value, at: &str) -> Result<Gen, String> {
        let selector = Selector::parse(spec.get("selector"), &format!("{at}.selector"))?;
        let values = Self::values(spec, at)?;
        let flat = spec
            .get("flatList")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let known = self.ctx.clusters();
        let mut matched: Vec<&ClusterInfo> = known
            .iter()
            .filter(|c| selector.matches(&|k| c.labels.get(k).cloned()))
            .collect();
        if matched.is_empty() {
            let why = if known.is_empty() {
                "no cluster Secret is among the checked files and the `clusters:` inventory is empty"
            } else {
                "no known cluster (cluster Secrets among the checked files, `clusters:` inventory) matches its selector"
            };
            return Ok(live(
                at,
                &format!("the cluster list lives in the cluster: {why}"),
            ));
        }
        // Argo CD lists Secrets from a map; we give a stable order.
        matched.sort_by(|a, b| a.name.cmp(&b.name).then(a.server.cmp(&b.server)));
        matched.dedup_by(|a, b| a.name == b.name);
        let mut res = Vec::new();
        for c in &matched {
            let mut p = Params::new();
            p.insert("name".into(), c.name.clone().into());
            p.insert("nameNormalized".into(), sanitize_name(&c.name).into());
            p.insert("server".into(), c.server.clone().into());
            p.insert("project".into(), "".into());
            if self.r.go {
                let mut meta = Map::new();
                let obj = |m: &std::collections::BTreeMap<String, String>| {
                    Value::Object(
                        m.iter()
                            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                            .collect(),
                    )
                };
                if !c.annotations.is_empty() {
                    meta.insert("annotations".into(), obj(&c.annotations));
                }
                if !c.labels.is_empty() {
                    meta.insert("labels".into(), obj(&c.labels));
                }
                p.insert("metadata".into(), Value::Object(meta));
            } else {
                for (k, v) in &c.annotations {
                    p.insert(format!("metadata.annotations.{k}"), v.clone().into());
                }
                for (k, v) in &c.labels {
                    p.insert(format!("metadata.labels.{k}"), v.clone().into());
                }
            }
            self.append_values(&values, &mut p, at)?;
            res.push(p);
        }
        // The local cluster is added when no selector is set and no Secret names it.
        if selector.is_empty()
            && !known
                .iter()
                .any(|c| c.server.trim_end_matches('/') == IN_CLUSTER_SERVER)
        {
            let mut p = Params::new();
            p.insert("name".into(), IN_CLUSTER_NAME.into());
            p.insert("nameNormalized".into(), IN_CLUSTER_NAME.into());
            p.insert("server".into(), IN_CLUSTER_SERVER.into());
            p.insert("project".into(), "".into());
            self.append_values(&values, &mut p, at)?;
            res.push(p);
        }
        if flat {
            let mut p = Params::new();
            p.insert(
                "clusters".into(),
                Value::Array(res.into_iter().map(Value::Object).collect()),
            );
            return Ok(Gen::Params(vec![p]));
        }
        Ok(Gen::Params(res))
    }

    fn git(&self, spec: &Value, at: &str) -> Result<Gen, String> {
        let repo = spec
            .get("repoURL")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| format!("{at}.repoURL: required (a string)"))?;
        let values = Self::values(spec, at)?;
        let prefix = match spec.get("pathParamPrefix") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(format!("{at}.pathParamPrefix: must be a string")),
        };
        let items = |key: &str| -> Result<Vec<(String, bool)>, String> {
            match spec.get(key) {
                None | Some(Value::Null) => Ok(vec![]),
                Some(Value::Array(a)) => a
                    .iter()
                    .enumerate()
                    .map(|(i, it)| {
                        let iat = format!("{at}.{key}[{i}]");
                        let p = it
                            .get("path")
                            .and_then(Value::as_str)
                            .ok_or_else(|| format!("{iat}.path: required (a string)"))?;
                        let ex = match it.get("exclude") {
                            None | Some(Value::Null) => false,
                            Some(Value::Bool(b)) => *b,
                            Some(_) => return Err(format!("{iat}.exclude: must be a boolean")),
                        };
                        Ok((p.to_string(), ex))
                    })
                    .collect(),
                Some(_) => Err(format!("{at}.{key}: must be a list")),
            }
        };
        let dirs = items("directories")?;
        let files = items("files")?;
        if dirs.is_empty() && files.is_empty() {
            return Err(format!(
                "{at}: ApplicationSet is empty (a git generator needs directories or files)"
            ));
        }
        let Some(root) = self.ctx.local_root(repo) else {
            return Ok(live(
                at,
                &format!(
                    "git generator repository {repo} has no local checkout (map it with --repo URL=PATH or repos: in chartgate.yaml)"
                ),
            ));
        };
        if !root.is_dir() {
            return Ok(live(
                at,
                &format!(
                    "git generator repository {repo} maps to {}, which is not a directory",
                    root.display()
                ),
            ));
        }
        let mut res = Vec::new();
        if !dirs.is_empty() {
            let all = walk_dirs(&root, at)?;
            let pats: Vec<(Option<globset::GlobSet>, bool)> =
                dirs.iter().map(|(p, ex)| (go_path_glob(p), *ex)).collect();
            for d in all {
                let mut inc = false;
                let mut exc = false;
                for (m, ex) in &pats {
                    if m.as_ref().is_some_and(|m| m.is_match(&d)) {
                        if *ex {
                            exc = true;
                        } else {
                            inc = true;
                        }
                    }
                }
                if inc && !exc {
                    let mut p = Params::new();
                    path_params(&mut p, &d, None, &prefix, self.r.go);
                    self.append_values(&values, &mut p, at)?;
                    res.push(p);
                    self.bound(res.len(), at)?;
                }
            }
        } else {
            let all = walk_files(&root, at)?;
            let mut chosen = std::collections::BTreeSet::new();
            for (p, ex) in &files {
                if *ex {
                    continue;
                }
                let m = git_pathspec(p);
                chosen.extend(all.iter().filter(|f| m(f)).cloned());
            }
            for (p, ex) in &files {
                if !*ex {
                    continue;
                }
                let m = git_pathspec(p);
                chosen.retain(|f| !m(f));
            }
            for f in chosen {
                self.read.borrow_mut().push(root.join(&f));
                let objs = read_param_file(&root.join(&f)).map_err(|e| {
                    format!("{at}: unable to process file '{f}' from repository '{repo}': {e}")
                })?;
                for obj in objs {
                    let mut p = if self.r.go {
                        obj
                    } else {
                        flatten_params(&obj)
                            .into_iter()
                            .map(|(k, v)| {
                                let s = go_sprint(&v);
                                (k, Value::String(s))
                            })
                            .collect()
                    };
                    path_params(&mut p, &parent(&f), Some(&f), &prefix, self.r.go);
                    self.append_values(&values, &mut p, at)?;
                    res.push(p);
                    self.bound(res.len(), at)?;
                }
            }
        }
        Ok(Gen::Params(res))
    }

    fn children<'v>(spec: &'v Value, at: &str) -> Result<&'v Vec<Value>, String> {
        match spec.get("generators") {
            Some(Value::Array(a)) => Ok(a),
            None | Some(Value::Null) => Ok(empty_vec()),
            Some(_) => Err(format!("{at}.generators: must be a list")),
        }
    }

    fn matrix(&self, spec: &Value, at: &str) -> Result<Gen, String> {
        let gens = Self::children(spec, at)?;
        if gens.len() < 2 {
            return Err(format!(
                "{at}: found less than two generators, Matrix support only two"
            ));
        }
        if gens.len() > 2 {
            return Err(format!(
                "{at}: found more than two generators, Matrix support only two"
            ));
        }
        let a_at = format!("{at}.generators[0]");
        let b_at = format!("{at}.generators[1]");
        let g0 = match self.child(&gens[0], &a_at, &Params::new())? {
            Gen::Params(p) => p,
            Gen::Unresolved(mut why) => {
                // The second child may need a live system too; say so as well.
                if let Ok(Gen::Unresolved(w)) = self.child(&gens[1], &b_at, &Params::new()) {
                    why.extend(w);
                }
                return Ok(Gen::Unresolved(why));
            }
        };
        let mut res = Vec::new();
        for a in &g0 {
            let g1 = match self.child(&gens[1], &b_at, a)? {
                Gen::Params(p) => p,
                Gen::Unresolved(why) => return Ok(Gen::Unresolved(why)),
            };
            for b in g1 {
                if self.r.go {
                    let mut tmp = Params::new();
                    merge_override(&mut tmp, &b);
                    merge_override(&mut tmp, a);
                    res.push(tmp);
                } else {
                    let mut tmp: Params = a
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::String(go_sprint(v))))
                        .collect();
                    for (k, v) in &b {
                        let v = go_sprint(v);
                        if let Some(cur) = tmp.get(k)
                            && cur.as_str() != Some(v.as_str())
                        {
                            return Err(format!(
                                "{at}: failed to combine string maps with merging params for the matrix generator: found duplicate key {k} with different value, a: {} ,b: {v}",
                                cur.as_str().unwrap_or_default()
                            ));
                        }
                        tmp.insert(k.clone(), Value::String(v));
                    }
                    res.push(tmp);
                }
                self.bound(res.len(), at)?;
            }
        }
        Ok(Gen::Params(res))
    }

    fn merge(&self, spec: &Value, at: &str) -> Result<Gen, String> {
        let gens = Self::children(spec, at)?;
        if gens.len() < 2 {
            return Err(format!(
                "{at}: found less than two generators, Merge requires two or more"
            ));
        }
        let keys: Vec<String> = match spec.get("mergeKeys") {
            None | Some(Value::Null) => vec![],
            Some(Value::Array(a)) => a
                .iter()
                .map(|k| {
                    k.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| format!("{at}.mergeKeys: must be strings"))
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(format!("{at}.mergeKeys: must be a list")),
        };
        let mut sets = Vec::new();
        let mut why = Vec::new();
        for (i, g) in gens.iter().enumerate() {
            match self.child(g, &format!("{at}.generators[{i}]"), &Params::new())? {
                Gen::Params(p) => sets.push(p),
                Gen::Unresolved(w) => why.extend(w),
            }
        }
        if !why.is_empty() {
            return Ok(Gen::Unresolved(why));
        }
        if keys.is_empty() {
            return Err(format!(
                "{at}: no merge keys were specified, Merge requires at least one"
            ));
        }
        let mut dedup = keys.clone();
        dedup.sort();
        dedup.dedup();
        let key_of = |p: &Params| -> String {
            // Go marshals the key map with sorted keys; a missing key is null.
            let m: Map<String, Value> = dedup
                .iter()
                .map(|k| (k.clone(), p.get(k).cloned().unwrap_or(Value::Null)))
                .collect();
            Value::Object(m).to_string()
        };
        let by_key = |ps: Vec<Params>, i: usize| -> Result<Vec<(String, Params)>, String> {
            let mut out: Vec<(String, Params)> = Vec::with_capacity(ps.len());
            let mut seen = std::collections::HashSet::new();
            for p in ps {
                let k = key_of(&p);
                if !seen.insert(k.clone()) {
                    return Err(format!(
                        "{at}.generators[{i}]: the parameters from a generator were not unique by the given mergeKeys, Merge requires all param sets to be unique. Duplicate key was {k}"
                    ));
                }
                out.push((k, p));
            }
            Ok(out)
        };
        let mut sets = sets.into_iter();
        let mut base = by_key(sets.next().unwrap_or_default(), 0)?;
        for (i, ps) in sets.enumerate() {
            let over = by_key(ps, i + 1)?;
            let idx: std::collections::HashMap<&str, &Params> =
                over.iter().map(|(k, p)| (k.as_str(), p)).collect();
            for (k, bp) in base.iter_mut() {
                if let Some(op) = idx.get(k.as_str()) {
                    if self.r.go {
                        merge_override(bp, op);
                    } else {
                        for (ok, ov) in op.iter() {
                            bp.insert(ok.clone(), ov.clone());
                        }
                    }
                }
            }
        }
        Ok(Gen::Params(base.into_iter().map(|(_, p)| p).collect()))
    }

    fn bound(&self, n: usize, at: &str) -> Result<(), String> {
        if n > self.max {
            return Err(format!(
                "{at}: generators produce more than {} parameter sets (the bound on Applications per ApplicationSet)",
                self.max
            ));
        }
        Ok(())
    }
}

fn empty_vec() -> &'static Vec<Value> {
    static EMPTY: Vec<Value> = Vec::new();
    &EMPTY
}

fn live(at: &str, why: &str) -> Gen {
    Gen::Unresolved(vec![format!("{at}: {why}")])
}

/// `jeremywohl/flatten` with `DotStyle` (what Argo CD uses for flat parameters and for
/// selector matching): nested maps and lists become `a.b` / `a.0` keys; empty ones vanish.
pub(super) fn flatten_params(p: &Params) -> Map<String, Value> {
    fn go(out: &mut Map<String, Value>, prefix: &str, v: &Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    go(out, &key, x);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    let key = if prefix.is_empty() {
                        i.to_string()
                    } else {
                        format!("{prefix}.{i}")
                    };
                    go(out, &key, x);
                }
            }
            other => {
                out.insert(prefix.to_string(), other.clone());
            }
        }
    }
    let mut out = Map::new();
    for (k, v) in p {
        go(&mut out, k, v);
    }
    out
}

/// Go's `path.Dir`.
fn parent(p: &str) -> String {
    match p.rfind('/') {
        Some(0) => "/".into(),
        Some(i) => p[..i].to_string(),
        None => ".".into(),
    }
}

/// Go's `path.Base`.
fn base(p: &str) -> String {
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return if p.is_empty() { ".".into() } else { "/".into() };
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

/// The `path` parameters of a git generator (directory `dir`, and `file` for files).
fn path_params(p: &mut Params, dir: &str, file: Option<&str>, prefix: &str, go: bool) {
    let basename = base(dir);
    if go {
        let mut pp = Map::new();
        pp.insert("path".into(), dir.into());
        pp.insert("basename".into(), basename.clone().into());
        if let Some(f) = file {
            pp.insert("filename".into(), base(f).into());
        }
        pp.insert("basenameNormalized".into(), sanitize_name(&basename).into());
        if let Some(f) = file {
            pp.insert("filenameNormalized".into(), sanitize_name(&base(f)).into());
        }
        pp.insert(
            "segments".into(),
            Value::Array(dir.split('/').map(|s| Value::String(s.into())).collect()),
        );
        if prefix.is_empty() {
            p.insert("path".into(), Value::Object(pp));
        } else {
            let mut m = Map::new();
            m.insert("path".into(), Value::Object(pp));
            p.insert(prefix.into(), Value::Object(m));
        }
    } else {
        let name = if prefix.is_empty() {
            "path".to_string()
        } else {
            format!("{prefix}.path")
        };
        p.insert(name.clone(), dir.into());
        p.insert(format!("{name}.basename"), basename.clone().into());
        if let Some(f) = file {
            p.insert(format!("{name}.filename"), base(f).into());
        }
        p.insert(
            format!("{name}.basenameNormalized"),
            sanitize_name(&basename).into(),
        );
        if let Some(f) = file {
            p.insert(
                format!("{name}.filenameNormalized"),
                sanitize_name(&base(f)).into(),
            );
        }
        for (i, s) in dir.split('/').enumerate() {
            if !s.is_empty() {
                p.insert(format!("{name}[{i}]"), s.into());
            }
        }
    }
}

/// Go's `path.Match` as a glob (`*` and `?` stop at `/`, `[...]` classes, `\` escapes, no
/// `{a,b}` alternation). A run of `*` is one `*` there (`scanChunk` skips them all), so `**`
/// never crosses `/` as it does in globset: runs are collapsed outside classes and escapes.
/// `None` for a pattern Go rejects (it then matches nothing).
fn go_path_glob(p: &str) -> Option<globset::GlobSet> {
    let mut s = String::with_capacity(p.len());
    let mut chars = p.chars();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                s.push(c);
                if let Some(n) = chars.next() {
                    s.push(n);
                }
            }
            '[' if !in_class => {
                in_class = true;
                s.push(c);
            }
            ']' if in_class => {
                in_class = false;
                s.push(c);
            }
            '*' if !in_class && s.ends_with('*') && !ends_escaped(&s) => {}
            '{' if !in_class => s.push_str("[{]"),
            '}' if !in_class => s.push_str("[}]"),
            c => s.push(c),
        }
    }
    globset::GlobBuilder::new(&s)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .ok()
        .and_then(|g| crate::model::glob::compile(g).ok())
}

/// Whether the last character of a glob is escaped (preceded by an odd run of `\\`).
fn ends_escaped(s: &str) -> bool {
    let mut t = s.chars().rev();
    t.next();
    t.take_while(|c| *c == '\\').count() % 2 == 1
}

/// `git ls-files -- PATTERN` (Argo CD's default file globbing): a glob pathspec where `*`
/// also matches `/`, or a literal path naming a file or a directory prefix.
fn git_pathspec(p: &str) -> Box<dyn Fn(&str) -> bool> {
    let p = p.trim_start_matches("./").to_string();
    if p.contains(['*', '?', '[']) {
        match globset::GlobBuilder::new(&p)
            .literal_separator(false)
            .backslash_escape(true)
            .build()
        {
            Ok(g) => match crate::model::glob::compile(g) {
                Ok(m) => Box::new(move |f| m.is_match(f)),
                Err(_) => Box::new(|_| false),
            },
            Err(_) => Box::new(|_| false),
        }
    } else {
        let dir = format!("{}/", p.trim_end_matches('/'));
        Box::new(move |f| f == p || f.starts_with(&dir))
    }
}

/// Every directory of the checkout, relative, in `filepath.WalkDir` order, without hidden
/// directories (and what is below them) and without `.` itself; links are not followed.
fn walk_dirs(root: &Path, at: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut n = 0usize;
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for e in walker {
        n += 1;
        if n > MAX_WALK_ENTRIES {
            return Err(format!(
                "{at}: the repository checkout has more than {MAX_WALK_ENTRIES} entries"
            ));
        }
        let e = e.map_err(|e| format!("{at}: error walking the file tree: {e}"))?;
        if e.depth() == 0 || !e.file_type().is_dir() {
            continue;
        }
        out.push(rel(root, e.path()));
    }
    Ok(out)
}

/// Every file of the checkout, relative, sorted, without `.git`.
fn walk_files(root: &Path, at: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut n = 0usize;
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || e.file_name() != ".git");
    for e in walker {
        n += 1;
        if n > MAX_WALK_ENTRIES {
            return Err(format!(
                "{at}: the repository checkout has more than {MAX_WALK_ENTRIES} entries"
            ));
        }
        let e = e.map_err(|e| format!("{at}: error walking the file tree: {e}"))?;
        if e.file_type().is_file() {
            out.push(rel(root, e.path()));
        }
    }
    out.sort();
    Ok(out)
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// A git files generator's file: one map (or an empty file) gives one parameter set, a list
/// of maps gives one each (Argo CD's `generateParamsFromGitFile`).
fn read_param_file(path: &PathBuf) -> Result<Vec<Params>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("unable to read file: {e}"))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "unable to parse file: larger than {MAX_FILE_BYTES} bytes"
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("unable to read file: {e}"))?;
    let text = crate::yaml::decode_utf8(bytes).map_err(|e| format!("unable to parse file: {e}"))?;
    let v = parse_yaml(&text).map_err(|e| format!("unable to parse file: {e}"))?;
    match v {
        Value::Null => Ok(vec![Params::new()]),
        Value::Object(m) => Ok(vec![m]),
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, it)| match it {
                Value::Object(m) => Ok(m),
                Value::Null => Ok(Params::new()),
                _ => Err(format!("unable to parse file: item {i} is not a map")),
            })
            .collect(),
        _ => Err("unable to parse file: the top level must be a map or a list of maps".into()),
    }
}

/// The first YAML (or JSON) document as JSON, as sigs.k8s.io/yaml reads it.
pub(super) fn parse_yaml(text: &str) -> Result<Value, String> {
    let docs = crate::yaml::parse_stream(text, &crate::yaml::Limits::default())
        .map_err(|e| e.to_string())?;
    Ok(docs
        .into_iter()
        .next()
        .map(|d| d.root.to_json())
        .unwrap_or(Value::Null))
}

#[cfg(test)]
mod glob_tests {
    use super::go_path_glob;

    /// Whether Go's `path.Match(pattern, name)` is true, as chartgate reads it.
    fn matches(pattern: &str, name: &str) -> bool {
        go_path_glob(pattern).is_some_and(|g| g.is_match(name))
    }

    #[test]
    fn a_run_of_stars_is_one_star_as_in_go_path_match() {
        // path.Match("charts/**", "charts/a/b") is false: `**` is `*`.
        assert!(matches("charts/**", "charts/a"));
        assert!(!matches("charts/**", "charts/a/b"));
        assert!(matches("charts/**/*", "charts/a/b"));
        assert!(!matches("charts/**/*", "charts/a/b/c"));
        assert!(!matches("**", "a/b"));
        assert!(matches("a***b", "axyb"));
        // An escaped star is a literal; the one after it still a wildcard.
        assert!(matches(r"a\**", "a*xy"));
        assert!(!matches(r"a\**", "axy"));
        // An escaped backslash does not escape the star after it.
        assert!(matches(r"a\\**", r"a\xy"));
        // Stars inside a class are members of it.
        assert!(matches("a[**]", "a*"));
        assert!(!matches("a[**]", "ab"));
        // Braces are literals (no alternation in Go).
        assert!(matches("{a,b}", "{a,b}"));
        assert!(!matches("{a,b}", "a"));
    }
}
