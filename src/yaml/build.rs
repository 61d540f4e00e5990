//! Builds the node tree from saphyr-parser events: positions (character markers → byte
//! offsets), scalar resolution, anchors and aliases with an expansion budget, merge keys, depth
//! and size limits, `# Source:` comments.

use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError};

use super::resolve::{Resolved, resolve_scalar};
use super::{Document, Limits, Node, NodeKind, Pos, YamlError};

/// Converts saphyr markers (character index, 1-based line, 0-based character column) to [`Pos`].
struct PosMap {
    /// Bytes before the parsed text (a stripped BOM).
    base: usize,
    /// Byte offset of each character when the text is not ASCII (plus one past the end).
    offsets: Option<Vec<usize>>,
    len: usize,
    /// Line and column just past the last character (saphyr reports an error at the end of
    /// input without a final line break on the line after it).
    eof: (u32, u32),
    /// Spaces inserted into the source text (see [`parse`]), sorted by position, one per
    /// position.
    pads: Vec<Pad>,
    /// `before[i]`: the spaces of `pads[..i]`.
    before: Vec<usize>,
}

/// `n` spaces inserted before character `at_char` (byte `at_byte`) of the source text, on
/// line `line` (at its start, or before a comment).
#[derive(Clone, Copy)]
struct Pad {
    at_char: usize,
    at_byte: usize,
    line: usize,
    n: usize,
}

impl PosMap {
    fn new(text: &str, base: usize) -> PosMap {
        let offsets = if text.is_ascii() {
            None
        } else {
            let mut v: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            v.push(text.len());
            Some(v)
        };
        // YAML line breaks: `\n`, `\r\n` and a lone `\r`.
        let last_line = text.rsplit(['\n', '\r']).next().unwrap_or("");
        let line = text.matches('\n').count() + text.matches('\r').count()
            - text.matches("\r\n").count()
            + 1;
        let col = last_line.chars().count() + 1;
        PosMap {
            base,
            offsets,
            len: text.len(),
            eof: (
                u32::try_from(line).unwrap_or(u32::MAX),
                u32::try_from(col).unwrap_or(u32::MAX),
            ),
            pads: Vec::new(),
            before: Vec::new(),
        }
    }

    /// Adds `(at_byte, line, n)`: `n` spaces before source byte `at_byte` (on 1-based line
    /// `line`) of `text`.
    fn add_pads(&mut self, text: &str, new: &[(usize, usize, usize)]) {
        for &(at_byte, line, n) in new {
            let at_char = match &self.offsets {
                None => at_byte,
                Some(v) => v.partition_point(|&b| b < at_byte),
            };
            debug_assert!(text.is_char_boundary(at_byte));
            self.pads.push(Pad {
                at_char,
                at_byte,
                line,
                n,
            });
        }
        self.pads.sort_by_key(|p| p.at_byte);
        self.pads.dedup_by(|later, first| {
            let same = later.at_byte == first.at_byte;
            if same {
                first.n += later.n;
            }
            same
        });
        self.before.clear();
        let mut sum = 0;
        for p in &self.pads {
            self.before.push(sum);
            sum += p.n;
        }
    }

    /// Spaces inserted before source byte `at_byte` itself (0 if none).
    fn pad_at(&self, at_byte: usize) -> usize {
        self.pads
            .binary_search_by_key(&at_byte, |p| p.at_byte)
            .map_or(0, |i| self.pads[i].n)
    }

    /// The text saphyr parses: `text` with the pads inserted.
    fn padded(&self, text: &str) -> String {
        let total: usize = self.pads.iter().map(|p| p.n).sum();
        let mut out = String::with_capacity(text.len() + total);
        let mut from = 0;
        for p in &self.pads {
            out.push_str(&text[from..p.at_byte]);
            out.extend(std::iter::repeat_n(' ', p.n));
            from = p.at_byte;
        }
        out.push_str(&text[from..]);
        out
    }

    /// A marker of the padded text as (character index, 0-based column) of the source text.
    fn unpad(&self, m: &Marker) -> (usize, usize) {
        let (idx, col) = (m.index(), m.col());
        // Past the last pad whose spaces start at or before `idx` in the padded text.
        let k = {
            let (mut lo, mut hi) = (0, self.pads.len());
            while lo < hi {
                let mid = (lo + hi) / 2;
                if self.pads[mid].at_char + self.before[mid] <= idx {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            lo
        };
        let Some(i) = k.checked_sub(1) else {
            return (idx, col);
        };
        let p = &self.pads[i];
        let start = p.at_char + self.before[i];
        // Pads on the marker's line before pad i (a line holds a few at most).
        let same_line: usize = self.pads[..i]
            .iter()
            .rev()
            .take_while(|q| q.line == p.line)
            .map(|q| q.n)
            .sum();
        let line_shift = |n: usize| if m.line() == p.line { same_line + n } else { 0 };
        if idx < start + p.n {
            // Inside the inserted spaces: where they were inserted.
            (p.at_char, col.saturating_sub(line_shift(idx - start)))
        } else {
            (
                idx - self.before[i] - p.n,
                col.saturating_sub(line_shift(p.n)),
            )
        }
    }

    /// A byte offset of the source text in the padded text.
    fn pad_offset(&self, b: usize) -> usize {
        let k = self.pads.partition_point(|p| p.at_byte <= b);
        match k.checked_sub(1) {
            None => b,
            Some(i) => b + self.before[i] + self.pads[i].n,
        }
    }

    fn pos(&self, m: &Marker) -> Pos {
        let (idx, mcol) = self.unpad(m);
        let byte = match &self.offsets {
            None => idx.min(self.len),
            Some(v) => v.get(idx).copied().unwrap_or(self.len),
        };
        let line = u32::try_from(m.line()).unwrap_or(u32::MAX).max(1);
        if byte >= self.len && line > self.eof.0 {
            return Pos {
                offset: self.base + self.len,
                line: self.eof.0,
                col: self.eof.1,
            };
        }
        Pos {
            offset: self.base + byte,
            line,
            col: u32::try_from(mcol + 1).unwrap_or(u32::MAX),
        }
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Pos,
        anchor: usize,
    },
    Map {
        pairs: Vec<(Node, Node)>,
        key: Option<(Node, bool)>,
        pos: Pos,
        anchor: usize,
    },
}

struct Builder<'a> {
    limits: &'a Limits,
    /// Anchored nodes with their node count and nesting depth.
    anchors: HashMap<usize, (Node, usize, usize)>,
    expanded: usize,
}

fn scan_error(e: &ScanError, pm: &PosMap) -> YamlError {
    YamlError {
        message: e.info().to_string(),
        pos: pm.pos(e.marker()),
    }
}

/// Number of nodes in a tree and its collection nesting depth (recursion bounded by the depth
/// limit, which alias insertion also enforces).
fn measure(n: &Node) -> (usize, usize) {
    let fold = |acc: (usize, usize), m: (usize, usize)| (acc.0 + m.0, acc.1.max(m.1));
    match &n.kind {
        NodeKind::Seq(items) => {
            let (c, d) = items.iter().map(measure).fold((0, 0), fold);
            (c + 1, d + 1)
        }
        NodeKind::Map(pairs) => {
            let (c, d) = pairs
                .iter()
                .flat_map(|(k, v)| [measure(k), measure(v)])
                .fold((0, 0), fold);
            (c + 1, d + 1)
        }
        _ => (1, 0),
    }
}

pub(super) fn parse(
    src: &str,
    limits: &Limits,
    first_only: bool,
) -> Result<Vec<Document>, YamlError> {
    if src.len() > limits.max_bytes {
        return Err(YamlError {
            message: format!(
                "YAML input is {} bytes, over the limit of {} bytes (limits.file-bytes)",
                src.len(),
                limits.max_bytes
            ),
            pos: Pos {
                offset: 0,
                line: 1,
                col: 1,
            },
        });
    }
    let (text, base) = match src.strip_prefix('\u{FEFF}') {
        Some(t) => (t, src.len() - t.len()),
        None => (src, 0),
    };
    let mut pm = PosMap::new(text, base);
    // go-yaml (libyaml) accepts a tab after a mapping `:` (`key:<TAB>value`), saphyr does not:
    // where saphyr stops on exactly that, the tab is a separator, never content, so it is read
    // as a space and parsing restarts (bounded; positions are unchanged, a tab is one byte).
    //
    // libyaml checks no indentation inside a flow collection (`args: [` … `]` closing at the
    // key's column, a flow item left of its key) nor on the continuation lines of a quoted
    // scalar (scannerc.go yaml_parser_scan_flow_scalar); saphyr requires both indented past the
    // enclosing block. Where saphyr stops on that, spaces are inserted where they are never
    // content (line starts inside a flow collection or a quoted scalar, whose leading blanks
    // are folded away) and parsing restarts; positions are moved back to the source text.
    // One repair pads every line of the construct, so its length does not count.
    let mut tabs_fixed: Option<String> = None;
    let mut padded: Option<String> = None;
    // Each repair parses the text again: bounded by count and by the bytes parsed in all (twice
    // the file size limit), so a large file with repairs near its end cannot multiply the parse
    // time (4.5 MB with 60 comments to repair at its end took 15 s).
    let mut parsed = 0usize;
    let mut last_quoted: Option<usize> = None;
    for _ in 0..=MAX_TAB_SEPARATOR_FIXES {
        let sx = tabs_fixed.as_deref().unwrap_or(text);
        let t = padded.as_deref().unwrap_or(sx);
        let result = run_guarded(t, src, &pm, limits, first_only);
        // A parse that stops at an error read the text up to it.
        parsed += match &result {
            Ok(_) => t.len(),
            Err(e) => pm
                .pad_offset(e.pos.offset.saturating_sub(base))
                .min(t.len()),
        };
        if parsed > limits.max_bytes.saturating_mul(2) {
            return result;
        }
        let Err(e) = &result else {
            return result;
        };
        // The error's byte offset in the source text (tabs read as spaces: same offsets).
        let at = e.pos.offset.saturating_sub(base);
        if at > sx.len() || !sx.is_char_boundary(at) {
            return result;
        }
        let b = sx.as_bytes();
        let line = e.pos.line as usize;
        let mut pads: Vec<(usize, usize, usize)> = Vec::new();
        let mut new_tabs: Option<String> = None;
        if e.message == "':' must be followed by a valid YAML whitespace"
            && at >= 2
            && b.get(at - 1) == Some(&b'\t')
            && b.get(at - 2) == Some(&b':')
        {
            let mut owned = sx.to_string();
            owned.replace_range(at - 1..at, " ");
            new_tabs = Some(owned);
        } else if e.message == "comments must be separated from other tokens by whitespace"
            && b.get(at) == Some(&b'#')
        {
            // libyaml skips a `#` comment wherever it looks for the next token, with or without
            // whitespace before it (`enabled: 'false'# note`); saphyr requires the whitespace.
            // Where saphyr stops on exactly that, a space is inserted before the `#`.
            pads.push((at, line, 1));
        } else if matches!(
            e.message.as_str(),
            "invalid indentation" | "invalid indentation in flow construct"
        ) {
            let line_start = sx[..at].rfind('\n').map_or(0, |i| i + 1);
            if !sx[line_start..at].bytes().all(|c| c == b' ') {
                return result;
            }
            // More spaces each time the same line stops again, up to MAX_PAD: an enclosing
            // block is never indented further (the doubling went on to 2^64 spaces, found by
            // fuzzing).
            let had = pm.pad_at(line_start);
            if had >= MAX_PAD {
                return result;
            }
            let n = had.max(1).min(MAX_PAD - had);
            pads.push((line_start, line, n));
            // Inside a flow collection for certain: the following lines up to its end are
            // padded to the same column.
            if e.message == "invalid indentation in flow construct"
                || matches!(b.get(at), Some(b']' | b'}' | b','))
                || after_flow_indicator(sx, line_start)
            {
                let target = at - line_start + had + n;
                if let Some(rest) = flow_lines(sx, at) {
                    pad_lines(sx, &pm, &rest, line, target, &mut pads);
                }
            }
        } else if e.message == "while parsing a quoted scalar, found unknown escape character"
            && b.get(at) == Some(&b'"')
        {
            // libyaml 0.1 (go-yaml v2) reads `\'` in a double-quoted scalar as `'`; YAML 1.2
            // and saphyr refuse it. Each `\'` of the scalar becomes `\a` (same length); the
            // BELs it gives are turned back into `'` from the source text (`escaped_quotes`).
            match escaped_quote_text(sx, at) {
                Some(owned) => new_tabs = Some(owned),
                None => return result,
            }
        } else if e.message == "invalid indentation in quoted scalar"
            && matches!(b.get(at), Some(b'\'' | b'"'))
            && last_quoted != Some(at)
        {
            last_quoted = Some(at);
            let line_start = sx[..at].rfind('\n').map_or(0, |i| i + 1);
            let target = sx[line_start..at].chars().count() + pm.pad_at(line_start);
            let rest = quoted_lines(sx, at);
            pad_lines(sx, &pm, &rest, line, target, &mut pads);
        } else {
            return result;
        }
        if new_tabs.is_some() {
            tabs_fixed = new_tabs;
        }
        let sx = tabs_fixed.as_deref().unwrap_or(text);
        pm.add_pads(sx, &pads);
        padded = (!pm.pads.is_empty()).then(|| pm.padded(sx));
    }
    run_guarded(
        padded
            .as_deref()
            .unwrap_or(tabs_fixed.as_deref().unwrap_or(text)),
        src,
        &pm,
        limits,
        first_only,
    )
}

/// Pads each line starting at a byte of `starts` (the lines right after line `line`) whose
/// first non-blank character is left of column `target` (counting spaces already inserted) to
/// that column. Blank lines are left alone.
fn pad_lines(
    text: &str,
    pm: &PosMap,
    starts: &[usize],
    line: usize,
    target: usize,
    pads: &mut Vec<(usize, usize, usize)>,
) {
    let b = text.as_bytes();
    for (k, &ls) in starts.iter().enumerate() {
        let blanks = b[ls..]
            .iter()
            .take_while(|c| matches!(c, b' ' | b'\t'))
            .count();
        if matches!(b.get(ls + blanks), None | Some(b'\n' | b'\r')) {
            continue;
        }
        let col = blanks + pm.pad_at(ls);
        if col < target {
            pads.push((ls, line + k + 1, target - col));
        }
    }
}

/// Whether the last line with content before byte `line_start` ends (comment aside) with `[`,
/// `{` or `,`: the line at `line_start` goes on a flow collection.
fn after_flow_indicator(text: &str, line_start: usize) -> bool {
    for l in text[..line_start].lines().rev() {
        let code = match l.find(" #").or_else(|| l.find("\t#")) {
            Some(i) => &l[..i],
            None => l,
        };
        let code = code.trim_end();
        if code.trim_start().is_empty() || code.trim_start().starts_with('#') {
            continue;
        }
        return matches!(code.as_bytes().last(), Some(b'[' | b'{' | b','));
    }
    false
}

/// A document marker (`---` or `...` alone or before a blank) at byte `i`, a line start.
fn doc_indicator(b: &[u8], i: usize) -> bool {
    matches!(b.get(i..i + 3), Some(b"---" | b"..."))
        && matches!(b.get(i + 3), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
}

/// The starts of the lines after byte `from` (a token start inside a flow collection) up to
/// the line that closes that collection; `None` when it does not close (or a document marker
/// comes first). Inside a flow collection a plain scalar holds no `[]{},`; quoted scalars and
/// comments are skipped.
fn flow_lines(text: &str, from: usize) -> Option<Vec<usize>> {
    let b = text.as_bytes();
    let mut depth = 1usize;
    let mut prev = b',';
    let mut lines = Vec::new();
    let mut i = from;
    while let Some(&c) = b.get(i) {
        match c {
            b'\n' => {
                if doc_indicator(b, i + 1) {
                    return None;
                }
                lines.push(i + 1);
            }
            b'#' if i == 0 || matches!(b[i - 1], b' ' | b'\t' | b'\n' | b'\r') => {
                i += b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .unwrap_or(b.len() - i);
                continue;
            }
            b'\'' | b'"' if matches!(prev, b'[' | b'{' | b',' | b':' | b'?') => {
                let (end, inner) = quoted_end(b, i);
                if inner.iter().any(|&ls| doc_indicator(b, ls)) {
                    return None;
                }
                lines.extend(inner);
                i = end?;
            }
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(lines);
                }
            }
            _ => {}
        }
        if !matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
            prev = c;
        }
        i += 1;
    }
    None
}

/// The closing quote of the quoted scalar opening at byte `from` (`None` at the end of the
/// text) and the starts of the lines it continues on.
fn quoted_end(b: &[u8], from: usize) -> (Option<usize>, Vec<usize>) {
    let q = b[from];
    let mut lines = Vec::new();
    let mut i = from + 1;
    while let Some(&c) = b.get(i) {
        match c {
            b'\n' => lines.push(i + 1),
            b'\\' if q == b'"' => i += 1,
            b'\'' if q == b'\'' && b.get(i + 1) == Some(&b'\'') => i += 1,
            c if c == q => return (Some(i), lines),
            _ => {}
        }
        i += 1;
    }
    (None, lines)
}

/// The starts of the lines a quoted scalar opening at byte `from` continues on, up to a
/// document marker (where libyaml stops too).
fn quoted_lines(text: &str, from: usize) -> Vec<usize> {
    let b = text.as_bytes();
    let (_, mut lines) = quoted_end(b, from);
    if let Some(k) = lines.iter().position(|&ls| doc_indicator(b, ls)) {
        lines.truncate(k);
    }
    lines
}

/// How many `key:<TAB>value` separators, flow lines left of their block and comments without
/// whitespace before them are repaired before giving up.
const MAX_TAB_SEPARATOR_FIXES: usize = 64;

/// Most spaces inserted at one line start (an enclosing block indented further than this is
/// not repaired).
const MAX_PAD: usize = 1024;

fn run_guarded(
    text: &str,
    src: &str,
    pm: &PosMap,
    limits: &Limits,
    first_only: bool,
) -> Result<Vec<Document>, YamlError> {
    // saphyr-parser should never panic, but charts are untrusted: turn a panic into an error.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run(text, src, pm, limits, first_only)
    })) {
        Ok(r) => r,
        Err(_) => Err(YamlError {
            message: "internal error: YAML parser panicked".to_string(),
            pos: Pos {
                offset: 0,
                line: 1,
                col: 1,
            },
        }),
    }
}

fn run(
    text: &str,
    src: &str,
    pm: &PosMap,
    limits: &Limits,
    first_only: bool,
) -> Result<Vec<Document>, YamlError> {
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder {
        limits,
        anchors: HashMap::new(),
        expanded: 0,
    };
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut doc_start = Pos::default();
    let mut prev_end = base_pos(pm);
    let mut events: u32 = 0;
    while let Some(ev) = parser.next_event() {
        let (event, span) = ev.map_err(|e| scan_error(&e, pm))?;
        let start = pm.pos(&span.start);
        let end = pm.pos(&span.end);
        // A huge stream of small objects is bounded by the render's (and run's) memory budget,
        // checked every 64 events.
        events = events.wrapping_add(1);
        if events & 63 == 0
            && let Err(e) = crate::budget::check()
        {
            return Err(YamlError {
                message: e.to_string(),
                pos: start,
            });
        }
        let done: Option<(Node, usize)> = match event {
            Event::StreamStart | Event::Nothing => None,
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                doc_start = start;
                root = None;
                stack.clear();
                b.anchors.clear();
                None
            }
            Event::DocumentEnd => {
                let root_node = root.take().unwrap_or(Node {
                    kind: NodeKind::Null,
                    pos: start,
                    end: start,
                });
                let source = source_comment(
                    src,
                    prev_end.offset,
                    root_node.pos.offset.max(doc_start.offset),
                );
                docs.push(Document {
                    root: root_node,
                    start: doc_start,
                    source,
                });
                prev_end = end.max(start);
                if first_only {
                    break;
                }
                None
            }
            Event::Alias(id) => {
                let Some((node, count, depth)) = b.anchors.get(&id) else {
                    return Err(YamlError {
                        message: "unknown anchor referenced by alias".into(),
                        pos: start,
                    });
                };
                b.expanded = b.expanded.saturating_add(*count);
                if b.expanded > b.limits.max_alias_expansions {
                    return Err(YamlError {
                        message: format!(
                            "alias expansion exceeds the limit of {} nodes (possible billion-laughs attack; limits.alias-nodes)",
                            b.limits.max_alias_expansions
                        ),
                        pos: start,
                    });
                }
                // A copy must not nest deeper than the limit where it lands.
                if stack.len() + depth > limits.max_depth {
                    return Err(YamlError {
                        message: format!(
                            "YAML nesting exceeds the limit of {} levels (limits.yaml-depth)",
                            limits.max_depth
                        ),
                        pos: start,
                    });
                }
                Some((node.clone(), 0))
            }
            Event::Scalar(mut value, style, anchor, tag) => {
                // libyaml keeps no final line break for a block scalar that ends the input
                // without one (`a: |\n  x` is "x"); saphyr adds it.
                if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
                    && !text.ends_with('\n')
                    && end.offset >= pm.base + pm.len
                    && value.ends_with('\n')
                {
                    value.to_mut().pop();
                }
                if style == ScalarStyle::DoubleQuoted
                    && let Some(raw) = src.get(start.offset..end.offset)
                    && raw.contains("\\'")
                {
                    escaped_quotes(raw, value.to_mut());
                }
                if style == ScalarStyle::DoubleQuoted
                    && let Some(pos) = src
                        .get(start.offset..end.offset)
                        .and_then(|raw| yaml12_escape(raw, start))
                {
                    return Err(YamlError {
                        message: "found unknown escape character".into(),
                        pos,
                    });
                }
                let resolved =
                    resolve_scalar(&value, style, tag.as_deref()).map_err(|m| YamlError {
                        message: m,
                        pos: start,
                    })?;
                let kind = match resolved {
                    Resolved::Null => NodeKind::Null,
                    Resolved::Bool(v) => NodeKind::Bool(v),
                    Resolved::Int(i) => NodeKind::Int(i),
                    Resolved::Uint(u) => NodeKind::Float(u as f64),
                    Resolved::Float(f) => NodeKind::Float(f),
                    Resolved::Str(s) => NodeKind::Str(s),
                    Resolved::Merge => {
                        // A merge key only as a mapping key; elsewhere the string "<<".
                        if let Some(Frame::Map { key: None, .. }) = stack.last() {
                            let node = Node {
                                kind: NodeKind::Str("<<".into()),
                                pos: start,
                                end,
                            };
                            if let Some(Frame::Map { key, .. }) = stack.last_mut() {
                                *key = Some((node, true));
                            }
                            continue;
                        }
                        NodeKind::Str("<<".into())
                    }
                };
                Some((
                    Node {
                        kind,
                        pos: start,
                        end,
                    },
                    anchor,
                ))
            }
            Event::SequenceStart(anchor, _) => {
                check_depth(&stack, limits, start)?;
                stack.push(Frame::Seq {
                    items: Vec::new(),
                    pos: start,
                    anchor,
                });
                None
            }
            Event::MappingStart(anchor, _) => {
                check_depth(&stack, limits, start)?;
                stack.push(Frame::Map {
                    pairs: Vec::new(),
                    key: None,
                    pos: start,
                    anchor,
                });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq { items, pos, anchor }) => Some((
                    Node {
                        kind: NodeKind::Seq(items),
                        pos,
                        end,
                    },
                    anchor,
                )),
                _ => {
                    return Err(YamlError {
                        message: "unbalanced sequence end".into(),
                        pos: start,
                    });
                }
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    pairs, pos, anchor, ..
                }) => Some((
                    Node {
                        kind: NodeKind::Map(pairs),
                        pos,
                        end,
                    },
                    anchor,
                )),
                _ => {
                    return Err(YamlError {
                        message: "unbalanced mapping end".into(),
                        pos: start,
                    });
                }
            },
        };
        if let Some((node, anchor)) = done {
            if anchor != 0 {
                let (count, depth) = measure(&node);
                b.anchors.insert(anchor, (node.clone(), count, depth));
            }
            match stack.last_mut() {
                None => root = Some(node),
                Some(Frame::Seq { items, .. }) => items.push(node),
                Some(Frame::Map { pairs, key, .. }) => match key.take() {
                    None => *key = Some((node, false)),
                    Some((k, false)) => pairs.push((k, node)),
                    Some((_, true)) => merge_into(pairs, node)?,
                },
            }
        }
    }
    Ok(docs)
}

/// `text` with every `\'` of the double-quoted scalar opening at byte `from` written `\a`
/// (`None` if it has none): the escape go-yaml v2 reads as `'` and saphyr refuses.
fn escaped_quote_text(text: &str, from: usize) -> Option<String> {
    let b = text.as_bytes();
    let mut at = Vec::new();
    let mut i = from + 1;
    while let Some(&c) = b.get(i) {
        match c {
            b'\\' => {
                if b.get(i + 1) == Some(&b'\'') {
                    at.push(i + 1);
                }
                i += 2;
            }
            b'"' => break,
            _ => i += 1,
        }
    }
    if at.is_empty() {
        return None;
    }
    let mut owned = text.as_bytes().to_vec();
    for i in at {
        owned[i] = b'a';
    }
    String::from_utf8(owned).ok()
}

/// Turns back into `'` the BELs of a double-quoted scalar's `value` that its source text `raw`
/// wrote `\'` (parsed as `\a`, see [`escaped_quote_text`]); BELs written `\a`, `\x07`,
/// `\u0007` or `\U00000007` stay.
fn escaped_quotes(raw: &str, value: &mut String) {
    let b = raw.as_bytes();
    let mut quote = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        let n = match b.get(i + 1) {
            Some(b'x') => 2,
            Some(b'u') => 4,
            Some(b'U') => 8,
            Some(b'a') => {
                quote.push(false);
                0
            }
            Some(b'\'') => {
                quote.push(true);
                0
            }
            _ => 0,
        };
        if n > 0
            && raw
                .get(i + 2..i + 2 + n)
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                == Some(7)
        {
            quote.push(false);
        }
        i += 2 + n;
    }
    if !quote.contains(&true) {
        return;
    }
    let mut k = 0;
    *value = value
        .chars()
        .map(|c| {
            if c != '\x07' {
                return c;
            }
            k += 1;
            if quote.get(k - 1) == Some(&true) {
                '\''
            } else {
                c
            }
        })
        .collect();
}

/// Where a double-quoted scalar (its source text `raw`, starting at `start`) uses `\\/`, the
/// one escape YAML 1.2 added that go-yaml v2 (libyaml 0.1) refuses.
fn yaml12_escape(raw: &str, start: Pos) -> Option<Pos> {
    let mut pos = start;
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        let here = pos;
        let step = |c: char, pos: &mut Pos| {
            pos.offset += c.len_utf8();
            if c == '\n' {
                pos.line += 1;
                pos.col = 1;
            } else {
                pos.col += 1;
            }
        };
        step(c, &mut pos);
        if c == '\\' {
            match chars.next() {
                Some('/') => return Some(here),
                Some(e) => step(e, &mut pos),
                None => {}
            }
        }
    }
    None
}

fn base_pos(pm: &PosMap) -> Pos {
    Pos {
        offset: pm.base,
        line: 1,
        col: 1,
    }
}

fn check_depth(stack: &[Frame], limits: &Limits, pos: Pos) -> Result<(), YamlError> {
    if stack.len() >= limits.max_depth {
        return Err(YamlError {
            message: format!(
                "YAML nesting exceeds the limit of {} levels (limits.yaml-depth)",
                limits.max_depth
            ),
            pos,
        });
    }
    Ok(())
}

/// Expands a merge key's value into `pairs` as go-yaml v2 does: a map's entries in place; a list
/// of maps from last to first so that earlier maps win; anything else is an error.
fn merge_into(pairs: &mut Vec<(Node, Node)>, value: Node) -> Result<(), YamlError> {
    const MSG: &str = "map merge requires map or sequence of maps as the value";
    match value.kind {
        NodeKind::Map(m) => {
            pairs.extend(m);
            Ok(())
        }
        NodeKind::Seq(items) => {
            if let Some(bad) = items.iter().find(|n| !matches!(n.kind, NodeKind::Map(_))) {
                return Err(YamlError {
                    message: MSG.into(),
                    pos: bad.pos,
                });
            }
            for item in items.into_iter().rev() {
                if let NodeKind::Map(m) = item.kind {
                    pairs.extend(m);
                }
            }
            Ok(())
        }
        _ => Err(YamlError {
            message: MSG.into(),
            pos: value.pos,
        }),
    }
}

/// The last `# Source: X` comment line in `src[from..to]`.
fn source_comment(src: &str, from: usize, to: usize) -> Option<String> {
    let region = src.get(from.min(to)..to)?;
    region
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("# Source:")
                .map(|s| s.trim().to_string())
        })
        .rfind(|s| !s.is_empty())
}
