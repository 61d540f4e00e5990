//! YAML with positions.
//!
//! Why not serde_yaml: it is deprecated and unmaintained, and no serde YAML crate gives a span per
//! node or reproduces go-yaml v2's resolution rules (what Helm and Kubernetes use: `yes`/`on` are
//! booleans, `0644` is octal, `<<` merges, duplicate keys last-wins). We build our own node tree
//! from `saphyr-parser` events, which are fast, maintained and carry a marker for every event.
//!
//! - [`parse_stream`] reads a multi-document stream (rendered manifests) into [`Document`]s whose
//!   nodes carry their start and end [`Pos`].
//! - [`parse_values`] reads a Helm values file into the renderer's [`Value`] with Helm's
//!   semantics (first document only, top level must be a map, all numbers are floats, every
//!   scalar remembers its origin).
//!
//! Semantics (see `resolve.rs` for the scalar table): aliases are expanded into copies that keep
//! the anchored node's positions, and every node such a copy produces counts against
//! [`Limits::max_alias_expansions`]; merge keys (`<<`) are expanded in place, in document order as
//! go-yaml v2 does (keys after the `<<` override merged ones, keys before it are overridden; in a
//! list of maps, earlier maps win); duplicate keys are kept in the tree and lookups take the last.

mod build;
mod resolve;
#[cfg(test)]
mod tests;

use crate::model::value::{Map as ValueMap, Origin, Text, Value};

/// A position in the source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// Byte offset into the text given to the parser (a leading BOM counts).
    pub offset: usize,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters (a leading BOM does not count).
    pub col: u32,
}

/// A YAML node with its resolved value and position.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    /// Start of the node (the first character of a scalar, including its quote; the first key or
    /// `-` of a block collection; the bracket of a flow collection).
    pub pos: Pos,
    /// End of the node (exclusive; for block collections where the parser saw the end).
    pub end: Pos,
}

/// A resolved node value.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    /// Integers that fit `i64` (larger unsigned integers become `Float`).
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in document order, merge keys expanded; duplicates kept (lookups take the last).
    Map(Vec<(Node, Node)>),
}

/// One document of a stream.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The root node; `Null` for an empty document (`---` followed by nothing or comments only).
    /// A stream that holds only comments has no document at all.
    pub root: Node,
    /// Where the document starts (its `---`, or its first content).
    pub start: Pos,
    /// The value of the last `# Source: PATH` comment line between the end of the previous
    /// document and this document's content (Helm writes one after each `---`).
    pub source: Option<String>,
}

/// Bounds for untrusted input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Nodes that alias expansion may produce in one stream (billion-laughs guard).
    /// Default 100 000: far above what real charts use, and a few megabytes of nodes at most.
    pub max_alias_expansions: usize,
    /// Maximum nesting of collections. Default 256 (Kubernetes objects nest < 30 deep).
    pub max_depth: usize,
    /// Maximum input size in bytes. Default 16 MiB (Helm refuses chart files above 5 MiB by
    /// default).
    pub max_bytes: usize,
}

impl Default for Limits {
    /// The defaults of [`crate::model::Limits`] (the one place limits are defined).
    fn default() -> Self {
        crate::model::Limits::default().yaml()
    }
}

impl crate::model::Limits {
    /// The YAML loader's view of the limits.
    pub fn yaml(&self) -> Limits {
        Limits {
            max_alias_expansions: self.alias_nodes,
            max_depth: self.yaml_depth,
            max_bytes: self.file_bytes,
        }
    }
}

/// A YAML syntax or semantic error with its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    pub message: String,
    pub pos: Pos,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {} column {}: {}",
            self.pos.line, self.pos.col, self.message
        )
    }
}

impl std::error::Error for YamlError {}

/// Decodes a file's bytes as UTF-8 text; the error names the first invalid byte and its line and
/// column (`3:7: invalid UTF-8 byte 0xff`), for a message of the form `FILE:LINE:COL: ...`.
pub fn decode_utf8(bytes: Vec<u8>) -> Result<String, YamlError> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let before = &bytes[..at];
        let line_start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        // `before` is valid UTF-8 up to `at`.
        let col = std::str::from_utf8(&before[line_start..]).map_or(0, |t| t.chars().count()) + 1;
        YamlError {
            message: format!("invalid UTF-8 byte 0x{:02x}", bytes[at]),
            pos: Pos {
                offset: at,
                line: u32::try_from(line).unwrap_or(u32::MAX),
                col: u32::try_from(col).unwrap_or(u32::MAX),
            },
        }
    })
}

/// Parses a multi-document stream. Empty documents yield a `Null` root (their `source` is kept);
/// a stream of only comments or whitespace yields no documents.
pub fn parse_stream(src: &str, limits: &Limits) -> Result<Vec<Document>, YamlError> {
    build::parse(src, limits, false)
}

/// Parses rendered manifests the way Helm splits them before reading each (releaseutil's
/// `SplitManifests`): the text is cut at every `---` that starts the text or a line (regular
/// expression `(?:^|\s*\n)---\s*`, so `---# comment` also separates), each piece is trimmed and
/// read as one YAML document (go-yaml reads only the first document of a piece). Pieces holding
/// only comments or whitespace are skipped. Positions are those in `src`. Use this, not
/// [`parse_stream`], for `helm template` output and rendered template text.
pub fn parse_manifests(src: &str, limits: &Limits) -> Result<Vec<Document>, YamlError> {
    if src.len() > limits.max_bytes {
        return build::parse(src, limits, false);
    }
    let mut out = Vec::new();
    // Pieces come in order: lines are counted from the previous piece, not from the start
    // (150 000 small documents in one manifest were quadratic).
    let mut at = LineCursor::default();
    for (start, piece) in split_manifests(src) {
        crate::budget::check().map_err(|e| YamlError {
            message: e.to_string(),
            pos: Pos::default(),
        })?;
        let shift = at.shift(src, start);
        match build::parse(piece, limits, true) {
            Ok(docs) => {
                for mut d in docs {
                    shift.node(&mut d.root);
                    d.start = shift.pos(d.start);
                    out.push(d);
                }
            }
            Err(mut e) => {
                e.pos = shift.pos(e.pos);
                return Err(e);
            }
        }
    }
    Ok(out)
}

/// Helm's manifest split ([`crate::gocompat::manifests`]): (byte offset, trimmed piece), pieces
/// that trim to nothing dropped (they hold no document).
fn split_manifests(src: &str) -> Vec<(usize, &str)> {
    let mut pieces = crate::gocompat::manifests::split_manifests(src);
    pieces.retain(|(_, d)| !d.is_empty());
    pieces
}

/// Moves positions of a piece parsed on its own to where the piece starts in the whole text.
struct Shift {
    offset: usize,
    line: u32,
    col: u32,
}

/// Line counting that moves forward through a text: [`LineCursor::shift`] for increasing
/// offsets costs the bytes between them, not the bytes before.
#[derive(Default)]
struct LineCursor {
    offset: usize,
    /// Newlines before `offset`.
    line: u32,
    /// Where the line holding `offset` starts.
    line_start: usize,
}

impl LineCursor {
    fn shift(&mut self, src: &str, start: usize) -> Shift {
        if start < self.offset {
            *self = LineCursor::default();
        }
        let between = src.get(self.offset..start).unwrap_or("");
        self.line += between.matches('\n').count() as u32;
        if let Some(i) = between.rfind('\n') {
            self.line_start = self.offset + i + 1;
        }
        self.offset = start;
        let col = src
            .get(self.line_start..start)
            .map_or(0, |s| s.chars().count()) as u32;
        Shift {
            offset: start,
            line: self.line,
            col,
        }
    }
}

impl Shift {
    fn pos(&self, p: Pos) -> Pos {
        Pos {
            offset: p.offset + self.offset,
            line: p.line + self.line,
            col: if p.line == 1 { p.col + self.col } else { p.col },
        }
    }
    fn node(&self, n: &mut Node) {
        n.pos = self.pos(n.pos);
        n.end = self.pos(n.end);
        match &mut n.kind {
            NodeKind::Seq(items) => items.iter_mut().for_each(|i| self.node(i)),
            NodeKind::Map(pairs) => pairs.iter_mut().for_each(|(k, v)| {
                self.node(k);
                self.node(v);
            }),
            _ => {}
        }
    }
}

/// A values file's text as Helm's `loader.LoadValues` hands it to the YAML parser (for a chart's
/// `values.yaml` and `-f` files): its document reader (Kubernetes' `LineReader`) ends every line
/// with a line break, the last one too, so a block scalar that ends a file without one keeps
/// its final line break. (`fromYaml` reads its text as it is.)
pub fn load_values_text(src: &str) -> std::borrow::Cow<'_, str> {
    if src.is_empty() || src.ends_with('\n') {
        src.into()
    } else {
        format!("{src}\n").into()
    }
}

/// [`parse_values`] of a values file's text as [`load_values_text`] gives it.
pub fn parse_values_file(src: &str, file: u32, limits: &Limits) -> Result<Value, YamlError> {
    parse_values(&load_values_text(src), file, limits)
}

/// Parses a Helm values file as Helm does (`sigs.k8s.io/yaml` over go-yaml v2, then JSON):
/// every document is read and merged in order; an empty or null document is an empty map; the top level
/// must be a map; numbers become `Float`; `.inf`/`.nan` are errors (JSON cannot hold them); map
/// keys are stringified (`1`, `true`, `1.5`) and a null or collection key is an error. Every
/// scalar carries `Origin { file, line, col }`.
pub fn parse_values(src: &str, file: u32, limits: &Limits) -> Result<Value, YamlError> {
    // Every document, merged in order (Helm's `loader.LoadValues`: "one or more YAML documents,
    // the values of which are merged", for a chart's values.yaml and for `-f` files alike).
    let mut merged: Option<Value> = None;
    for doc in build::parse(src, limits, false)? {
        let v = document_values(doc.root, file)?;
        merged = Some(match merged {
            None => v,
            Some(base) => {
                let mut m = base.into_map().unwrap_or_default();
                crate::model::value::merge_maps(&mut m, &v.into_map().unwrap_or_default());
                Value::map(m)
            }
        });
    }
    Ok(merged.unwrap_or_else(Value::empty_map))
}

/// One document of a values file: a map, or nothing (an empty map).
fn document_values(root: Node, file: u32) -> Result<Value, YamlError> {
    let ty = match &root.kind {
        NodeKind::Null => return Ok(Value::empty_map()),
        NodeKind::Map(_) => None,
        NodeKind::Bool(_) => Some("bool"),
        NodeKind::Int(_) | NodeKind::Float(_) => Some("number"),
        NodeKind::Str(_) => Some("string"),
        NodeKind::Seq(_) => Some("array"),
    };
    if let Some(ty) = ty {
        return Err(YamlError {
            message: format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {ty} into Go value of type common.Values"
            ),
            pos: root.pos,
        });
    }
    check_json(&root)?;
    Ok(root.to_value(file))
}

/// Rejects what sigs.k8s.io/yaml cannot turn into JSON.
fn check_json(node: &Node) -> Result<(), YamlError> {
    match &node.kind {
        NodeKind::Float(f) if !f.is_finite() => Err(YamlError {
            message: format!(
                "error converting YAML to JSON: json: unsupported value: {}",
                if f.is_nan() {
                    "NaN"
                } else if *f > 0.0 {
                    "+Inf"
                } else {
                    "-Inf"
                }
            ),
            pos: node.pos,
        }),
        NodeKind::Seq(items) => items.iter().try_for_each(check_json),
        NodeKind::Map(pairs) => pairs.iter().try_for_each(|(k, v)| {
            match &k.kind {
                NodeKind::Null | NodeKind::Seq(_) | NodeKind::Map(_) => {
                    return Err(YamlError {
                        message: format!(
                            "error converting YAML to JSON: unsupported map key of type: {}",
                            match k.kind {
                                NodeKind::Null => "%!s(<nil>)",
                                NodeKind::Seq(_) => "[]interface {}",
                                _ => "map[interface {}]interface {}",
                            }
                        ),
                        pos: k.pos,
                    });
                }
                NodeKind::Float(f) if !f.is_finite() => {}
                _ => check_json(k)?,
            }
            check_json(v)
        }),
        _ => Ok(()),
    }
}

impl Node {
    /// The node at a JSON instance path, and the key node of its last map entry if any.
    pub fn locate(&self, segs: &[String]) -> (&Node, Option<&Node>) {
        let mut node = self;
        let mut key = None;
        for s in segs {
            let next = match &node.kind {
                NodeKind::Map(pairs) => pairs
                    .iter()
                    .rev()
                    .find(|(k, _)| k.key_string() == *s)
                    .map(|(k, v)| (v, Some(k))),
                NodeKind::Seq(items) => s
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.get(i))
                    .map(|n| (n, None)),
                _ => None,
            };
            match next {
                Some((n, k)) => {
                    node = n;
                    key = k;
                }
                None => break,
            }
        }
        (node, key)
    }

    /// Map lookup by key as JSON sees it (`on:` is the key `"true"`); the last duplicate wins.
    pub fn get(&self, key: &str) -> Option<&Node> {
        let pairs = self.as_map()?;
        pairs
            .iter()
            .rev()
            .find(|(k, _)| key_matches(k, key))
            .map(|(_, v)| v)
    }

    /// Nested map lookup.
    pub fn get_path(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |n, k| n.get(k))
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.kind {
            NodeKind::Int(i) => Some(i),
            NodeKind::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Some(f as i64),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self.kind {
            NodeKind::Int(i) => Some(i as f64),
            NodeKind::Float(f) => Some(f),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            NodeKind::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, NodeKind::Null)
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            NodeKind::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The map key as JSON sees it: strings as is, ints in decimal, bools `true`/`false`, floats
    /// as Go's `FormatFloat(f, 'g', -1, 32)` (what sigs.k8s.io/yaml does), null as `null`,
    /// collections as their JSON text.
    pub fn key_string(&self) -> String {
        match &self.kind {
            NodeKind::Str(s) => s.clone(),
            NodeKind::Int(i) => i.to_string(),
            NodeKind::Bool(b) => b.to_string(),
            NodeKind::Float(f) => resolve::go_float_key(*f),
            NodeKind::Null => "null".to_string(),
            NodeKind::Seq(_) | NodeKind::Map(_) => self.to_json().to_string(),
        }
    }

    /// JSON value: ints stay ints, non-finite floats become null, keys via [`Node::key_string`]
    /// (duplicates: last wins, first position kept).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.kind {
            NodeKind::Null => J::Null,
            NodeKind::Bool(b) => J::Bool(*b),
            NodeKind::Int(i) => J::from(*i),
            NodeKind::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            NodeKind::Str(s) => J::String(s.clone()),
            NodeKind::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Map(pairs) => {
                let mut m = serde_json::Map::new();
                for (k, v) in pairs {
                    m.insert(k.key_string(), v.to_json());
                }
                J::Object(m)
            }
        }
    }

    /// The renderer's value with Helm semantics: all numbers `Float`, scalars carry
    /// `Origin { file, line, col }`, keys via [`Node::key_string`], duplicates last wins.
    pub fn to_value(&self, file: u32) -> Value {
        let origin = Origin {
            file,
            line: self.pos.line,
            col: self.pos.col,
        };
        match &self.kind {
            NodeKind::Null => Value::Nil,
            NodeKind::Bool(b) => Value::Bool(*b, origin),
            NodeKind::Int(i) => Value::Float(*i as f64, origin),
            NodeKind::Float(f) => Value::Float(*f, origin),
            NodeKind::Str(s) => Value::Str(Text::from_origin(s.as_str(), origin)),
            NodeKind::Seq(items) => Value::list(items.iter().map(|n| n.to_value(file)).collect()),
            NodeKind::Map(pairs) => {
                let mut m = ValueMap::new();
                for (k, v) in pairs {
                    m.insert(k.key_string(), v.to_value(file));
                }
                Value::map(m)
            }
        }
    }

    /// [`Node::locate`] by a field path as findings print it (`spec.generators[0].git`): the
    /// deepest node of the path present, and the key of its map entry if any. A malformed path
    /// locates the node itself.
    pub fn locate_path(&self, path: &str) -> (&Node, Option<&Node>) {
        let segs: Vec<String> = (parse_field_path(path).unwrap_or_default().into_iter())
            .map(|s| match s {
                PathSeg::Key(k) => k,
                PathSeg::Index(i) => i.to_string(),
            })
            .collect();
        self.locate(&segs)
    }

    /// Finds a node by a field path as findings print it:
    /// `spec.template.spec.containers[0].image`, `metadata.annotations["a.b/c"]`.
    pub fn find_path(&self, path: &str) -> Option<&Node> {
        let segs = parse_field_path(path)?;
        segs.iter().try_fold(self, |n, seg| match seg {
            PathSeg::Key(k) => n.get(k),
            PathSeg::Index(i) => n.as_seq()?.get(*i),
        })
    }
}

fn key_matches(k: &Node, key: &str) -> bool {
    match &k.kind {
        NodeKind::Str(s) => s == key,
        NodeKind::Seq(_) | NodeKind::Map(_) => false,
        _ => k.key_string() == key,
    }
}

enum PathSeg {
    Key(String),
    Index(usize),
}

/// Splits `a.b[0]["c.d"]` into segments; `None` for a malformed path.
fn parse_field_path(path: &str) -> Option<Vec<PathSeg>> {
    let mut segs = Vec::new();
    let mut chars = path.chars().peekable();
    let mut cur = String::new();
    let mut have_cur = false;
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                if have_cur {
                    segs.push(PathSeg::Key(std::mem::take(&mut cur)));
                    have_cur = false;
                }
            }
            '[' => {
                if have_cur {
                    segs.push(PathSeg::Key(std::mem::take(&mut cur)));
                    have_cur = false;
                }
                match chars.peek() {
                    Some(&q @ ('"' | '\'')) => {
                        chars.next();
                        let mut k = String::new();
                        loop {
                            match chars.next()? {
                                '\\' if q == '"' => k.push(chars.next()?),
                                c if c == q => break,
                                c => k.push(c),
                            }
                        }
                        if chars.next()? != ']' {
                            return None;
                        }
                        segs.push(PathSeg::Key(k));
                    }
                    _ => {
                        let mut n = String::new();
                        loop {
                            match chars.next()? {
                                ']' => break,
                                c => n.push(c),
                            }
                        }
                        segs.push(PathSeg::Index(n.trim().parse().ok()?));
                    }
                }
            }
            c => {
                cur.push(c);
                have_cur = true;
            }
        }
    }
    if have_cur {
        segs.push(PathSeg::Key(cur));
    }
    Some(segs)
}
