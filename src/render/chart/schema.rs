//! Compiling a JSON schema offline: a chart's `values.schema.json`, or a contract schema the
//! config names under `values-schema:`.
//!
//! chartgate never touches the network for a schema. A `$ref` to another file is served from
//! the chart's loaded files (or, for a contract, from the repository, confined to it); the files
//! reached that way are walked too. In every one of them, a `$ref` that resolves to an
//! `http(s)` URL is taken out before compiling (the part it names is not checked) and reported on
//! its own, at the line of that `$ref` in the file that holds it; so is a `$ref` leaving the
//! chart or repository (`../x.json`, `file:///etc/…`, a link pointing out: never read) and a
//! `$ref` to a file that does not exist.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value as Json;
use url::Url;

use super::model::ChartFile;

/// Every schema file is compiled under `file:///chart/NAME` (NAME relative to the chart or
/// repository root): anything resolving elsewhere has left it.
const ROOT: &str = "/chart/";
/// At most this many files are walked for one schema.
const MAX_FILES: usize = 256;

/// A `$ref` chartgate does not follow: to a URL, to a file outside the chart, or to no file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternalRef {
    /// What is wrong (`schema refers to https://…, which chartgate does not fetch`).
    pub message: String,
    /// The schema file holding the `$ref` (relative to the chart or repository root).
    pub file: String,
    /// 1-based line and column of the `$ref` key in `file` (1:1 when unknown).
    pub line: u32,
    pub col: u32,
}

/// A compiled schema and the references left out of it (the root file's first, then the other
/// files' by name; each file's in line order).
pub struct CompiledSchema {
    pub validator: jsonschema::Validator,
    pub external: Vec<ExternalRef>,
    /// The other files its `$ref`s brought in (relative to the root), in the order read.
    pub files: Vec<String>,
}

/// What a `$ref`d file name gives.
pub enum Lookup {
    /// The file's text.
    Found(String),
    /// No such file.
    Missing,
    /// Not read, for this reason (`resolves through a symbolic link to outside the repository`).
    Refused(String),
}

/// Compiles `text` (a chart's `values.schema.json`) with `files` (the chart's other files) as
/// the only resources `$ref`s may name.
pub fn compile(text: &str, files: &[ChartFile]) -> Result<CompiledSchema, String> {
    let read = |name: &str| -> Result<Lookup, String> {
        match files.iter().find(|f| f.name == name) {
            Some(f) => std::str::from_utf8(&f.data)
                .map(|t| Lookup::Found(t.to_string()))
                .map_err(|_| format!("{name}: the file is not UTF-8 text")),
            None => Ok(Lookup::Missing),
        }
    };
    compile_with(text, "values.schema.json", "chart", &read)
}

/// Compiles the schema file `path` (inside the repository `root`), resolving `$ref`s to other
/// files of the repository offline: no absolute path, no `..` out, no symbolic link out (refused
/// without reading), files of at most `max` bytes.
pub fn compile_file(path: &Path, root: &Path, max: usize) -> Result<CompiledSchema, String> {
    let text = crate::confine::read_bounded_text(path, max)?;
    let (root, name) = match path.strip_prefix(root) {
        Ok(rel) => (root.to_path_buf(), rel),
        // Not below the root (library use): its own directory is the root.
        Err(_) => (
            path.parent().map(Path::to_path_buf).unwrap_or_default(),
            Path::new(path.file_name().unwrap_or_default()),
        ),
    };
    let name: Vec<String> = name
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let read = |name: &str| -> Result<Lookup, String> {
        // The name comes from a URL path: a decoded `%2F..` must not climb out.
        if name
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == ".." || c.contains(['\\', '\0']))
        {
            return Ok(Lookup::Refused("is outside the repository".into()));
        }
        let p = root.join(name);
        if std::fs::symlink_metadata(&p).is_err() {
            return Ok(Lookup::Missing);
        }
        if let Err(why) = crate::confine::check_existing(&root, &p, crate::confine::Kind::File) {
            return Ok(Lookup::Refused(why));
        }
        crate::confine::read_bounded_text(&p, max)
            .map(Lookup::Found)
            .map_err(|e| format!("{name}: {e}"))
    };
    compile_with(&text, &name.join("/"), "repository", &read)
}

/// One schema file of a compile.
struct Doc {
    name: String,
    text: String,
    json: Json,
}

/// The URL a file of the root is compiled under.
fn doc_url(name: &str) -> Url {
    let mut u = Url::parse("file:///chart/").expect("valid base");
    if let Ok(mut segs) = u.path_segments_mut() {
        segs.pop_if_empty().extend(name.split('/'));
    }
    u
}

/// Compiles `text` (the file `root_name`), reading the files its `$ref`s name with `read`;
/// `scope` names the whole (`chart`, `repository`) in messages.
pub fn compile_with(
    text: &str,
    root_name: &str,
    scope: &str,
    read: &dyn Fn(&str) -> Result<Lookup, String>,
) -> Result<CompiledSchema, String> {
    let json: Json = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let mut docs = vec![Doc {
        name: root_name.to_string(),
        text: text.to_string(),
        json,
    }];
    // (file index, pointer of the object holding the `$ref`, message)
    let mut found: Vec<(usize, String, String)> = Vec::new();
    // Names already looked up and found wanting, with the reason.
    let mut wanting: HashMap<String, String> = HashMap::new();
    let mut i = 0;
    while i < docs.len() {
        let mut refs = Vec::new();
        collect_file_refs(
            &docs[i].json,
            &doc_url(&docs[i].name),
            String::new(),
            &mut |pointer, r, name| refs.push((pointer, r.to_string(), name)),
        );
        for (pointer, r, name) in refs {
            if docs.iter().any(|d| d.name == name) {
                continue;
            }
            let why = match wanting.get(&name) {
                Some(why) => why.clone(),
                None => match read(&name)? {
                    Lookup::Found(t) => {
                        if docs.len() >= MAX_FILES {
                            return Err(format!(
                                "the schema refers to more than {MAX_FILES} files"
                            ));
                        }
                        let json = serde_json::from_str(&t).map_err(|e| format!("{name}: {e}"))?;
                        docs.push(Doc {
                            name,
                            text: t,
                            json,
                        });
                        continue;
                    }
                    Lookup::Missing => format!("is not a file of the {scope}"),
                    Lookup::Refused(why) => why,
                },
            };
            wanting.insert(name, why.clone());
            found.push((i, pointer, format!("schema refers to {r}, which {why}")));
        }
        i += 1;
    }
    // Resources the files define themselves: a `$ref` into one of them is internal.
    let mut ids = Vec::new();
    for d in &docs {
        let base = doc_url(&d.name);
        ids.push(without_fragment(&base));
        collect_ids(&d.json, &base, &mut ids);
    }
    for (i, d) in docs.iter().enumerate() {
        let mut out = Vec::new();
        collect_url_refs(
            &d.json,
            &doc_url(&d.name),
            &ids,
            scope,
            String::new(),
            &mut out,
        );
        found.extend(out.into_iter().map(|(p, m)| (i, p, m)));
    }
    // A kept `$ref` under `not`, `oneOf` or `if` naming a part that is taken out would turn
    // "accepts anything" into rejections: that keyword goes too.
    for (i, pointer) in lenient_closure(&docs, &found) {
        let (target, keys) = strip_target(&pointer);
        if let Some(obj) = docs[i]
            .json
            .pointer_mut(&target)
            .and_then(Json::as_object_mut)
        {
            for k in keys {
                obj.shift_remove(*k);
            }
        }
    }
    let mut external = Vec::new();
    let mut positions: HashMap<usize, HashMap<String, (u32, u32)>> = HashMap::new();
    for (i, pointer, message) in found {
        let (target, keys) = strip_target(&pointer);
        if let Some(obj) = docs[i]
            .json
            .pointer_mut(&target)
            .and_then(Json::as_object_mut)
        {
            for k in keys {
                obj.shift_remove(*k);
            }
        }
        let (line, col) = positions
            .entry(i)
            .or_insert_with(|| ref_positions(&docs[i].text))
            .get(&pointer)
            .copied()
            .unwrap_or((1, 1));
        external.push((
            i,
            ExternalRef {
                message,
                file: docs[i].name.clone(),
                line,
                col,
            },
        ));
    }
    // The root file first, then the others by name; in each, by position.
    external.sort_by(|(a, x), (b, y)| {
        (*a != 0, &x.file, x.line, x.col, &x.message).cmp(&(
            *b != 0,
            &y.file,
            y.line,
            y.col,
            &y.message,
        ))
    });
    let files = docs.iter().skip(1).map(|d| d.name.clone()).collect();
    let mut docs = docs.into_iter();
    let root = docs.next().expect("the root file").json;
    let cost = expansion(&root, &root, &mut HashMap::new(), &mut Vec::new());
    if cost > MAX_EXPANSION {
        return Err(format!(
            "the schema expands to more than {MAX_EXPANSION} subschema evaluations through its `$ref`s (a chain of `anyOf`/`oneOf`/`allOf` branches naming the same definitions doubles at every level); validating values against it would take time and memory without bound"
        ));
    }
    let retriever = DocRetriever {
        docs: docs.map(|d| (d.name, d.json)).collect(),
    };
    let validator = jsonschema::options()
        .with_base_uri(doc_url(root_name).to_string())
        .with_retriever(retriever)
        .build(&root)
        .map_err(|e| e.to_string())?;
    Ok(CompiledSchema {
        validator,
        external: external.into_iter().map(|(_, e)| e).collect(),
        files,
    })
}

/// What to take out of a schema for an unfollowed `$ref` in the object at `pointer`: the
/// object's `$ref`, so that part accepts anything — unless the object sits under `not`, `oneOf`
/// or `if` (where accepting anything would reject, or choose, values), then that whole keyword
/// of the schema holding it (`if` with its `then` and `else`). Either way the schema only
/// accepts more: an unchecked part never makes a finding. (A `$ref` elsewhere that names the
/// emptied part from under a `not` is not traced.)
fn strip_target(pointer: &str) -> (String, &'static [&'static str]) {
    let segs: Vec<&str> = pointer.split('/').skip(1).collect();
    let mut cur = String::new();
    let mut i = 0;
    while i < segs.len() {
        match segs[i] {
            "not" => return (cur, &["not"]),
            "oneOf" => return (cur, &["oneOf"]),
            "if" => return (cur, &["if", "then", "else"]),
            _ => {}
        }
        // Keywords holding named or listed schemas: the name or index comes next.
        let step = match segs[i] {
            "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas"
            | "dependencies" | "allOf" | "anyOf" | "prefixItems" => 2,
            "items" if segs.get(i + 1).is_some_and(|s| s.parse::<usize>().is_ok()) => 2,
            _ => 1,
        };
        for s in &segs[i..(i + step).min(segs.len())] {
            cur.push('/');
            cur.push_str(s);
        }
        i += step;
    }
    (pointer.to_string(), &["$ref"])
}

/// The kept `$ref`s (file index, pointer of the object holding it) under `not`, `oneOf` or `if`
/// whose target, directly or through other `$ref`s, holds a part taken out for `found`.
fn lenient_closure(docs: &[Doc], found: &[(usize, String, String)]) -> Vec<(usize, String)> {
    // Every `$ref` into one of the files: (file, pointer, target file, target pointer).
    let mut refs: Vec<(usize, String, usize, String)> = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        let taken: Vec<&String> = found.iter().filter(|f| f.0 == i).map(|f| &f.1).collect();
        collect_refs(
            &d.json,
            &doc_url(&d.name),
            String::new(),
            &mut |pointer, _, u| {
                if taken.contains(&&pointer) || u.scheme() != "file" {
                    return;
                }
                let Some(name) = u.path().strip_prefix(ROOT).map(percent_decode) else {
                    return;
                };
                let Some(t) = docs.iter().position(|d| d.name == name) else {
                    return;
                };
                // A JSON-pointer fragment; an anchor (or none) stands for the whole file.
                let frag = u.fragment().map(percent_decode).unwrap_or_default();
                let frag = if frag.starts_with('/') {
                    frag
                } else {
                    String::new()
                };
                refs.push((i, pointer, t, frag));
            },
        );
    }
    // Parts made to accept more: (file, pointer).
    let mut changed: Vec<(usize, String)> = found
        .iter()
        .map(|(i, p, _)| (*i, strip_target(p).0))
        .collect();
    let mut done = vec![false; refs.len()];
    let mut out = Vec::new();
    loop {
        let mut more = false;
        for (n, (i, p, t, frag)) in refs.iter().enumerate() {
            if done[n]
                || !changed.iter().any(|(d, m)| {
                    d == t
                        && (frag.is_empty()
                            || m == frag
                            || m.strip_prefix(frag.as_str())
                                .is_some_and(|r| r.starts_with('/')))
                })
            {
                continue;
            }
            done[n] = true;
            more = true;
            let (target, keys) = strip_target(p);
            if keys == ["$ref"] {
                changed.push((*i, p.clone()));
            } else {
                changed.push((*i, target));
                out.push((*i, p.clone()));
            }
        }
        if !more {
            return out;
        }
    }
}

/// Calls `f(pointer of the object, $ref as written, resolved URL)` for every `$ref` of a schema.
fn collect_refs(v: &Json, base: &Url, pointer: String, f: &mut dyn FnMut(String, &str, Url)) {
    match v {
        Json::Object(m) => {
            let mut base = base.clone();
            if let Some(Json::String(id)) = m.get("$id")
                && let Ok(u) = base.join(id)
            {
                base = u;
            }
            if let Some(Json::String(r)) = m.get("$ref")
                && let Ok(u) = base.join(r)
            {
                f(pointer.clone(), r, u);
            }
            for (k, child) in m {
                let key = k.replace('~', "~0").replace('/', "~1");
                collect_refs(child, &base, format!("{pointer}/{key}"), f);
            }
        }
        Json::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                collect_refs(child, base, format!("{pointer}/{i}"), f);
            }
        }
        _ => {}
    }
}

/// Whether `u` is a URL chartgate would have to fetch.
fn is_remote(u: &Url) -> bool {
    !matches!(u.scheme(), "file" | "urn" | "tag" | "json-schema")
}

fn without_fragment(u: &Url) -> String {
    let mut u = u.clone();
    u.set_fragment(None);
    u.to_string()
}

/// The resources the document defines itself (every `$id`, resolved, without fragment): a `$ref`
/// into one of them is internal, whatever its scheme.
fn collect_ids(v: &Json, base: &Url, out: &mut Vec<String>) {
    match v {
        Json::Object(m) => {
            let mut base = base.clone();
            if let Some(Json::String(id)) = m.get("$id")
                && let Ok(u) = base.join(id)
            {
                out.push(without_fragment(&u));
                base = u;
            }
            for child in m.values() {
                collect_ids(child, &base, out);
            }
        }
        Json::Array(a) => {
            for child in a {
                collect_ids(child, base, out);
            }
        }
        _ => {}
    }
}

/// Walks a schema, tracking `$id` bases, and collects `(pointer of the object, message)` for
/// every `$ref` that resolves to a remote URL or to a file outside the root.
fn collect_url_refs(
    v: &Json,
    base: &Url,
    ids: &[String],
    scope: &str,
    pointer: String,
    out: &mut Vec<(String, String)>,
) {
    match v {
        Json::Object(m) => {
            let mut base = base.clone();
            if let Some(Json::String(id)) = m.get("$id")
                && let Ok(u) = base.join(id)
            {
                base = u;
            }
            if let Some(Json::String(r)) = m.get("$ref")
                && let Ok(u) = base.join(r)
                && !ids.contains(&without_fragment(&u))
            {
                // An absolute URL is reported as written; a relative one as resolved.
                let shown = if Url::parse(r).is_ok() {
                    r.clone()
                } else {
                    u.to_string()
                };
                if is_remote(&u) {
                    out.push((
                        pointer.clone(),
                        format!("schema refers to {shown}, which chartgate does not fetch"),
                    ));
                } else if u.scheme() == "file" && !u.path().starts_with(ROOT) {
                    out.push((
                        pointer.clone(),
                        format!("schema refers to {r}, which is outside the {scope}"),
                    ));
                }
            }
            for (k, child) in m {
                let key = k.replace('~', "~0").replace('/', "~1");
                collect_url_refs(child, &base, ids, scope, format!("{pointer}/{key}"), out);
            }
        }
        Json::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                collect_url_refs(child, base, ids, scope, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Calls `f(pointer, $ref as written, file name below the root)` for every `$ref` to a file
/// below the root.
fn collect_file_refs(
    v: &Json,
    base: &Url,
    pointer: String,
    f: &mut dyn FnMut(String, &str, String),
) {
    collect_refs(v, base, pointer, &mut |pointer, r, u| {
        if u.scheme() == "file"
            && let Some(name) = u.path().strip_prefix(ROOT)
        {
            f(pointer, r, percent_decode(name));
        }
    });
}

/// The 1-based line and column of each `"$ref"` key in JSON `text`, by the JSON pointer of the
/// object holding it (the last one wins for duplicate keys, as serde_json keeps the last).
fn ref_positions(text: &str) -> HashMap<String, (u32, u32)> {
    let mut out = HashMap::new();
    let b = text.as_bytes();
    // Stack of containers: for objects the pending key, for arrays the next index.
    enum Frame {
        Obj(Option<String>),
        Arr(usize),
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let (mut i, mut line, mut col) = (0usize, 1u32, 1u32);
    let mut expect_key = false;
    // Pushes the path segment of the value about to start in the current container.
    fn enter(stack: &mut [Frame], path: &mut Vec<String>) {
        match stack.last_mut() {
            Some(Frame::Obj(k)) => path.push(k.take().unwrap_or_default()),
            Some(Frame::Arr(n)) => {
                path.push(n.to_string());
                *n += 1;
            }
            None => {}
        }
    }
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                line += 1;
                col = 1;
                i += 1;
                continue;
            }
            b'"' => {
                let (start_line, start_col) = (line, col);
                let mut s = Vec::new();
                i += 1;
                col += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        s.push(b[i]);
                        i += 1;
                        col += 1;
                    }
                    if b[i] == b'\n' {
                        line += 1;
                        col = 0;
                    }
                    s.push(b[i]);
                    i += 1;
                    col += 1;
                }
                i += 1;
                col += 1;
                let raw = String::from_utf8_lossy(&s).into_owned();
                let decoded: String = serde_json::from_str(&format!("\"{raw}\"")).unwrap_or(raw);
                if expect_key {
                    if decoded == "$ref" {
                        let p: String = path
                            .iter()
                            .map(|k| format!("/{}", k.replace('~', "~0").replace('/', "~1")))
                            .collect();
                        out.insert(p, (start_line, start_col));
                    }
                    if let Some(Frame::Obj(k)) = stack.last_mut() {
                        *k = Some(decoded);
                    }
                    expect_key = false;
                } else {
                    // A string value: enter and leave at once.
                    enter(&mut stack, &mut path);
                    path.pop();
                }
                continue;
            }
            b'{' | b'[' => {
                enter(&mut stack, &mut path);
                stack.push(if c == b'{' {
                    Frame::Obj(None)
                } else {
                    Frame::Arr(0)
                });
                expect_key = c == b'{';
            }
            b'}' | b']' => {
                stack.pop();
                if !stack.is_empty() {
                    path.pop();
                }
                expect_key = false;
            }
            b',' => expect_key = matches!(stack.last(), Some(Frame::Obj(_))),
            b':' => {}
            b' ' | b'\t' | b'\r' => {}
            _ => {
                // A literal (number, true, false, null): consume it as one value.
                if !expect_key {
                    enter(&mut stack, &mut path);
                    path.pop();
                }
                while i < b.len() && !b",}]\n \t\r".contains(&b[i]) {
                    i += 1;
                    col += 1;
                }
                continue;
            }
        }
        i += 1;
        col += 1;
    }
    out
}

/// Serves `$ref`s to the files walked (with their unfollowed `$ref`s taken out); refuses
/// everything else.
struct DocRetriever {
    docs: HashMap<String, Json>,
}

impl jsonschema::Retrieve for DocRetriever {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Json, Box<dyn std::error::Error + Send + Sync>> {
        let s = uri.as_str();
        let u = Url::parse(s).map_err(|e| format!("{s}: {e}"))?;
        if is_remote(&u) {
            return Err(format!("schema refers to {s}, which chartgate does not fetch").into());
        }
        let name = (u.scheme() == "file")
            .then(|| u.path().strip_prefix(ROOT))
            .flatten()
            .map(percent_decode);
        match name.and_then(|n| self.docs.get(&n)) {
            Some(doc) => Ok(doc.clone()),
            None => Err(format!("schema refers to {s}, which chartgate does not read").into()),
        }
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(hex) = b.get(i + 1..i + 3)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The most subschema evaluations a values schema may expand to ([`expansion`]).
pub const MAX_EXPANSION: u64 = 200_000;

/// How many subschemas validating one value against `v` may evaluate, following `$ref`s inside
/// `root` (each definition counted once per use, a cycle cut): a chain of definitions each
/// `anyOf: [{$ref: next}, {$ref: next}]` is 2^n, and the validator, collecting every branch's
/// failures, took 24 GB at n = 24 from a 2 KB file. Saturates just above the bound.
fn expansion(
    v: &Json,
    root: &Json,
    memo: &mut HashMap<String, u64>,
    stack: &mut Vec<String>,
) -> u64 {
    const STOP: u64 = MAX_EXPANSION + 1;
    match v {
        Json::Object(m) => {
            let mut cost: u64 = 1;
            for (k, child) in m {
                if cost > MAX_EXPANSION {
                    return STOP;
                }
                match k.as_str() {
                    // Definitions count where they are used; literal values never.
                    "definitions" | "$defs" | "enum" | "const" | "examples" | "default" => {}
                    "$ref" => {
                        let Some(ptr) = child.as_str().and_then(|r| r.strip_prefix('#')) else {
                            continue;
                        };
                        if stack.iter().any(|s| s == ptr) {
                            continue;
                        }
                        let sub = match memo.get(ptr) {
                            Some(c) => *c,
                            None => {
                                let Some(target) = root.pointer(ptr) else {
                                    continue;
                                };
                                stack.push(ptr.to_string());
                                let c = expansion(target, root, memo, stack);
                                stack.pop();
                                memo.insert(ptr.to_string(), c);
                                c
                            }
                        };
                        cost = cost.saturating_add(sub);
                    }
                    _ => cost = cost.saturating_add(expansion(child, root, memo, stack)),
                }
            }
            cost.min(STOP)
        }
        Json::Array(items) => {
            let mut cost: u64 = 0;
            for item in items {
                cost = cost.saturating_add(expansion(item, root, memo, stack));
                if cost > MAX_EXPANSION {
                    return STOP;
                }
            }
            cost
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_targets_keep_the_schema_lenient() {
        assert_eq!(
            strip_target("/properties/a"),
            ("/properties/a".into(), &["$ref"][..])
        );
        assert_eq!(
            strip_target("/properties/not"),
            ("/properties/not".into(), &["$ref"][..])
        );
        assert_eq!(
            strip_target("/properties/a/not/allOf/0"),
            ("/properties/a".into(), &["not"][..])
        );
        assert_eq!(
            strip_target("/$defs/x/oneOf/1"),
            ("/$defs/x".into(), &["oneOf"][..])
        );
        assert_eq!(
            strip_target("/if"),
            (String::new(), &["if", "then", "else"][..])
        );
        assert_eq!(
            strip_target("/then/anyOf/0"),
            ("/then/anyOf/0".into(), &["$ref"][..])
        );
    }

    #[test]
    fn ref_positions_by_pointer() {
        let t = "{\n  \"properties\": {\n    \"a\": {\"$ref\": \"https://x/y.json\"},\n    \"b\": [1, {\"$ref\": \"#/x\"}]\n  }\n}";
        let p = ref_positions(t);
        assert_eq!(p.get("/properties/a"), Some(&(3, 11)));
        assert_eq!(p.get("/properties/b/1"), Some(&(4, 15)));
        assert_eq!(p.len(), 2);
    }
}
