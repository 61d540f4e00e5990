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
    /// Spaces inserted at line starts of the parsed text (see [`parse`]), in insertion order.
    pads: Vec<Pad>,
}

/// `n` spaces inserted at character `at_char` (byte `at_byte`), on line `line` (at its start,
/// or before a comment), of the text as it was before the insertion.
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
        }
    }

    /// A marker of the padded text as (character index, 0-based column) of the source text.
    fn unpad(&self, m: &Marker) -> (usize, usize) {
        let (mut idx, mut col) = (m.index(), m.col());
        for p in self.pads.iter().rev() {
            if idx >= p.at_char + p.n {
                idx -= p.n;
                if m.line() == p.line {
                    col = col.saturating_sub(p.n);
                }
            } else if idx >= p.at_char {
                // Inside the inserted spaces: where they were inserted.
                col = col.saturating_sub(idx - p.at_char);
                idx = p.at_char;
            }
        }
        (idx, col)
    }

    /// A byte offset of the source text in the padded text.
    fn pad_offset(&self, mut b: usize) -> usize {
        for p in &self.pads {
            if b >= p.at_byte {
                b += p.n;
            }
        }
        b
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
    // key's column, a flow item left of its key); saphyr requires flow lines to be indented
    // past the enclosing block. Where saphyr stops on that, the offending token starts its
    // line inside a flow collection, where leading spaces are never content: the line is
    // padded with spaces and parsing restarts. Positions are moved back to the source text.
    let mut fixed: Option<String> = None;
    let mut last_pad: Option<(usize, usize)> = None;
    // Each repair parses the text again: bounded by count and by the bytes parsed in all (twice
    // the file size limit), so a large file with repairs near its end cannot multiply the parse
    // time (4.5 MB with 60 comments to repair at its end took 15 s).
    let mut parsed = 0usize;
    for _ in 0..=MAX_TAB_SEPARATOR_FIXES {
        let t = fixed.as_deref().unwrap_or(text);
        let result = run_guarded(t, src, &pm, limits, first_only);
        // A parse that stops at an error read the text up to it.
        parsed += match &result {
            Ok(_) => t.len(),
            Err(e) => e.pos.offset.min(t.len()),
        };
        if parsed > limits.max_bytes.saturating_mul(2) {
            return result;
        }
        if let Err(e) = &result {
            let at = pm.pad_offset(e.pos.offset.saturating_sub(base));
            let b = t.as_bytes();
            if e.message == "':' must be followed by a valid YAML whitespace"
                && at >= 2
                && b.get(at - 1) == Some(&b'\t')
                && b.get(at - 2) == Some(&b':')
            {
                let mut owned = t.to_string();
                owned.replace_range(at - 1..at, " ");
                fixed = Some(owned);
                continue;
            }
            // libyaml skips a `#` comment wherever it looks for the next token, with or without
            // whitespace before it (`enabled: 'false'# note`); saphyr requires the whitespace.
            // Where saphyr stops on exactly that, a space is inserted before the `#`.
            if e.message == "comments must be separated from other tokens by whitespace"
                && b.get(at) == Some(&b'#')
                && t.is_char_boundary(at)
            {
                pm.pads.push(Pad {
                    at_char: t[..at].chars().count(),
                    at_byte: at,
                    line: e.pos.line as usize,
                    n: 1,
                });
                let mut owned = t.to_string();
                owned.insert(at, ' ');
                fixed = Some(owned);
                continue;
            }
            if matches!(
                e.message.as_str(),
                "invalid indentation" | "invalid indentation in flow construct"
            ) && at <= t.len()
                && t.is_char_boundary(at)
            {
                let line_start = t[..at].rfind('\n').map_or(0, |i| i + 1);
                if t[line_start..at].bytes().all(|c| c == b' ') {
                    // More spaces each time the same line stops again, up to MAX_PAD: an
                    // enclosing block is never indented further (the doubling went on to
                    // 2^64 spaces, found by fuzzing).
                    let n = match last_pad {
                        Some((l, n)) if l == line_start && n >= MAX_PAD => return result,
                        Some((l, n)) if l == line_start => (n * 2).min(MAX_PAD),
                        _ => 1,
                    };
                    last_pad = Some((line_start, n));
                    let at_char = t[..line_start].chars().count();
                    pm.pads.push(Pad {
                        at_char,
                        at_byte: line_start,
                        line: e.pos.line as usize,
                        n,
                    });
                    let mut owned = t.to_string();
                    owned.insert_str(line_start, &" ".repeat(n));
                    fixed = Some(owned);
                    continue;
                }
            }
        }
        return result;
    }
    run_guarded(
        fixed.as_deref().unwrap_or(text),
        src,
        &pm,
        limits,
        first_only,
    )
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
