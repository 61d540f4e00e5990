//! Compiling a chart's `values.schema.json` offline.
//!
//! chartgate never touches the network or the file system for a schema: a `$ref` that resolves
//! to an `http(s)` URL is taken out of the schema before compiling (the part it names is not
//! checked) and reported on its own, at the schema line of that `$ref`; a `$ref` to another file
//! of the chart is served from the chart's loaded files; a `$ref` leaving the chart (`../x.json`,
//! `file:///etc/…`) is refused with an error naming it.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value as Json;
use url::Url;

use super::model::ChartFile;

/// The URI a chart's `values.schema.json` is compiled under: files of the chart resolve below
/// `/chart/`, so anything resolving elsewhere has left the chart.
const BASE: &str = "file:///chart/values.schema.json";
const ROOT: &str = "/chart/";

/// A `$ref` chartgate does not follow: to a URL, or to a file outside the chart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternalRef {
    /// What is wrong (`schema refers to https://…, which chartgate does not fetch`).
    pub message: String,
    /// 1-based line and column of the `$ref` key in `values.schema.json` (1:1 when unknown).
    pub line: u32,
    pub col: u32,
}

/// A compiled schema and the references left out of it (in document order).
pub struct CompiledSchema {
    pub validator: jsonschema::Validator,
    pub external: Vec<ExternalRef>,
}

/// Compiles `text` (a chart's `values.schema.json`) with `files` (the chart's other files) as
/// the only resources `$ref`s may name.
pub fn compile(text: &str, files: &[ChartFile]) -> Result<CompiledSchema, String> {
    let mut schema: Json = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let base = Url::parse(BASE).expect("valid base");
    let mut found = Vec::new();
    let mut ids = vec![without_fragment(&base)];
    collect_ids(&schema, &base, &mut ids);
    collect_url_refs(&schema, &base, &ids, String::new(), &mut found);
    // A `$ref` to a file the chart does not have is named as written, at its line.
    let mut missing = Vec::new();
    collect_file_refs(&schema, &base, String::new(), &mut |pointer, r, name| {
        if !files.iter().any(|f| f.name == name) {
            missing.push((
                pointer,
                format!("schema refers to {r}, which is not a file of the chart"),
            ));
        }
    });
    found.extend(missing);
    found.sort_by(|a, b| a.0.cmp(&b.0));
    let positions = ref_positions(text);
    let mut external = Vec::new();
    for (pointer, message) in found {
        if let Some(obj) = schema.pointer_mut(&pointer).and_then(Json::as_object_mut) {
            obj.shift_remove("$ref");
        }
        let (line, col) = positions.get(&pointer).copied().unwrap_or((1, 1));
        external.push(ExternalRef { message, line, col });
    }
    let retriever = ChartRetriever {
        files: files
            .iter()
            .map(|f| (f.name.clone(), f.data.clone()))
            .collect(),
    };
    let validator = jsonschema::options()
        .with_base_uri(BASE)
        .with_retriever(retriever)
        .build(&schema)
        .map_err(|e| e.to_string())?;
    Ok(CompiledSchema {
        validator,
        external,
    })
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
/// every `$ref` that resolves to a remote URL or to a file outside the chart.
fn collect_url_refs(
    v: &Json,
    base: &Url,
    ids: &[String],
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
                        format!("schema refers to {r}, which is outside the chart"),
                    ));
                }
            }
            for (k, child) in m {
                let key = k.replace('~', "~0").replace('/', "~1");
                collect_url_refs(child, &base, ids, format!("{pointer}/{key}"), out);
            }
        }
        Json::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                collect_url_refs(child, base, ids, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Calls `f(pointer, $ref as written, file name in the chart)` for every `$ref` to another file
/// of the chart.
fn collect_file_refs(
    v: &Json,
    base: &Url,
    pointer: String,
    f: &mut dyn FnMut(String, &str, String),
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
                && u.scheme() == "file"
                && u.path() != "/chart/values.schema.json"
                && let Some(name) = u.path().strip_prefix(ROOT)
            {
                f(pointer.clone(), r, percent_decode(name));
            }
            for (k, child) in m {
                let key = k.replace('~', "~0").replace('/', "~1");
                collect_file_refs(child, &base, format!("{pointer}/{key}"), f);
            }
        }
        Json::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                collect_file_refs(child, base, format!("{pointer}/{i}"), f);
            }
        }
        _ => {}
    }
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

/// Serves `$ref`s to files of the chart; refuses everything else.
struct ChartRetriever {
    files: HashMap<String, Arc<[u8]>>,
}

impl jsonschema::Retrieve for ChartRetriever {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Json, Box<dyn std::error::Error + Send + Sync>> {
        let s = uri.as_str();
        let u = Url::parse(s).map_err(|e| format!("{s}: {e}"))?;
        if is_remote(&u) {
            return Err(format!("schema refers to {s}, which chartgate does not fetch").into());
        }
        let path = u.path();
        let Some(name) = (u.scheme() == "file")
            .then(|| path.strip_prefix(ROOT))
            .flatten()
        else {
            return Err(format!("schema refers to {s}, which is outside the chart").into());
        };
        let name = percent_decode(name);
        let data = self
            .files
            .get(&name)
            .ok_or_else(|| format!("schema refers to {name}, which is not a file of the chart"))?;
        serde_json::from_slice(data).map_err(|e| format!("{name}: {e}").into())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_positions_by_pointer() {
        let t = "{\n  \"properties\": {\n    \"a\": {\"$ref\": \"https://x/y.json\"},\n    \"b\": [1, {\"$ref\": \"#/x\"}]\n  }\n}";
        let p = ref_positions(t);
        assert_eq!(p.get("/properties/a"), Some(&(3, 11)));
        assert_eq!(p.get("/properties/b/1"), Some(&(4, 15)));
        assert_eq!(p.len(), 2);
    }
}
