//! Helm's `toYaml`: sigs.k8s.io/yaml `Marshal` = `json.Marshal`, then the JSON is read back by
//! go-yaml v2 (numbers become int or float) and emitted by go-yaml v2's emitter (libyaml port):
//! keys sorted with go-yaml's "natural" order, 2-space indent, sequences not indented under
//! mapping keys, strings that would resolve to another type double-quoted, strings plain YAML
//! cannot carry single-quoted, multi-line strings as literal block scalars, and long plain /
//! quoted scalars folded at column 80. Each printed scalar keeps its value's origin.
use super::json::json_float;
use super::{TextBuilder, arity, go_float};
use crate::model::value::{Origin, Value};
use std::cmp::Ordering;
use std::sync::Arc;

const BEST_WIDTH: usize = 80;
const MAX_DEPTH: usize = crate::model::value::MAX_VALUE_DEPTH;

/// A node after the JSON round trip.
enum Node {
    Null,
    Bool(bool, Origin),
    /// An integer literal as JSON printed it (int64, uint64 range).
    Int(String, Origin),
    Float(f64, Origin),
    Str(Arc<str>, Origin),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

fn to_node(v: &Value, depth: usize) -> Result<Node, String> {
    if depth > MAX_DEPTH {
        return Err("toYaml: value nested too deeply".into());
    }
    Ok(match v {
        Value::Nil => Node::Null,
        Value::Bool(b, o) => Node::Bool(*b, *o),
        Value::Int(i, o, _) => Node::Int(i.to_string(), *o),
        Value::Float(f, o) => {
            let text = json_float(*f)
                .ok_or_else(|| format!("json: unsupported value: {}", go_float(*f)))?;
            // go-yaml reads the JSON number back: integer text → int (if it fits int64/uint64).
            let digits = text.strip_prefix('-').unwrap_or(&text);
            if digits.bytes().all(|b| b.is_ascii_digit()) {
                let fits = text.parse::<i64>().is_ok() || text.parse::<u64>().is_ok();
                if fits {
                    let t = if text == "-0" { "0".to_string() } else { text };
                    Node::Int(t, *o)
                } else {
                    Node::Float(*f, *o)
                }
            } else {
                Node::Float(*f, *o)
            }
        }
        Value::Str(t) => Node::Str(t.s.clone(), v.origin()),
        Value::List(l) => Node::Seq(
            l.iter()
                .map(|x| to_node(x, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(m) => {
            let entries: Vec<(String, Node)> = m
                .read()
                .iter()
                .map(|(k, x)| Ok((k.clone(), to_node(x, depth + 1)?)))
                .collect::<Result<_, String>>()?;
            Node::Map(merge_sort(entries, &|a, b| key_order(&a.0, &b.0)))
        }
        // A semver version marshals (through its MarshalJSON) as its string.
        Value::Object(o) if o.type_name().ends_with("semver.Version") => {
            return to_node(&o.as_value(), depth);
        }
        // Go's nil slice or map: JSON `null`.
        Value::Object(_) if crate::gocompat::go_nil::is_go_nil(v) => Node::Null,
        Value::Object(_) => {
            return Err("toYaml: built-in objects cannot be serialised".into());
        }
    })
}

/// A stable merge sort that accepts a comparison which is not a total order. go-yaml's key
/// order is not one for some keys (long digit runs, `0` prefixes: fuzz find) and `slice::sort_by`
/// panics on such a comparison; for a consistent comparison the result is the same.
fn merge_sort<T>(mut v: Vec<T>, less: &dyn Fn(&T, &T) -> Ordering) -> Vec<T> {
    if v.len() <= 1 {
        return v;
    }
    let right = v.split_off(v.len() / 2);
    let (left, right) = (merge_sort(v, less), merge_sort(right, less));
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut l, mut r) = (left.into_iter().peekable(), right.into_iter().peekable());
    while let (Some(a), Some(b)) = (l.peek(), r.peek()) {
        if less(b, a) == Ordering::Less {
            out.extend(r.next());
        } else {
            out.extend(l.next());
        }
    }
    out.extend(l);
    out.extend(r);
    out
}

/// go-yaml v2's `keyList.Less` for string keys: letters compare as runes, non-letters sort
/// before letters, and digit runs compare numerically.
fn key_order(a: &str, b: &str) -> Ordering {
    let (ar, br): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            i += 1;
            continue;
        }
        let (al, bl) = (ar[i].is_alphabetic(), br[i].is_alphabetic());
        if al && bl {
            return ar[i].cmp(&br[i]);
        }
        if al || bl {
            return if bl {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an.wrapping_mul(10).wrapping_add(ar[ai] as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn.wrapping_mul(10).wrapping_add(br[bi] as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an.cmp(&bn);
        }
        if ai != bi {
            return ai.cmp(&bi);
        }
        return ar[i].cmp(&br[i]);
    }
    ar.len().cmp(&br.len())
}

/// Whether go-yaml v2 would read `s` as a plain scalar of a type other than string (or a
/// timestamp), [`crate::gocompat::yaml_resolve`].
fn resolves_non_string(s: &str) -> bool {
    !matches!(
        crate::gocompat::yaml_resolve::resolve_plain(s),
        crate::gocompat::yaml_resolve::Plain::Str
    )
}

/// go-yaml's `is_printable` (yamlprivateh.go), which tests UTF-8 lead bytes: unlike libyaml's,
/// it leaves out U+0085 and every character past U+FFFF (a 4-byte sequence), so a string with
/// an emoji is double-quoted with `\U0001F680` escapes, as Helm prints it.
fn printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blankz(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => c == ' ' || c == '\t' || is_break(c),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// libyaml's `analyze_scalar` + `select_scalar_style` for block context. go-yaml v3 (`pretty`)
/// sets a tab apart from the other unprintable characters: it still rules out the plain and
/// single-quoted styles but allows a literal block (v3's "Allow literal formatting in presence
/// of tabs"); v2 quotes such a string.
fn choose_style(s: &str, simple_key: bool, pretty: bool) -> Style {
    let requested = if resolves_non_string(s) || crate::gocompat::yaml_resolve::is_base60_float(s) {
        Style::Double
    } else if s.contains('\n') {
        Style::Literal
    } else {
        Style::Plain
    };
    let chars: Vec<char> = s.chars().collect();
    let (mut block_indicators, mut special, mut tabs) = (false, false, false);
    let (mut line_breaks, mut leading_space, mut leading_break) = (false, false, false);
    let (mut trailing_space, mut trailing_break, mut break_space, mut space_break) =
        (false, false, false, false);
    if s.starts_with("---") || s.starts_with("...") {
        block_indicators = true;
    }
    let (mut prev_space, mut prev_break) = (false, false);
    let mut preceded_by_ws = true;
    let n = chars.len();
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        let followed_by_ws = is_blankz(next);
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' if followed_by_ws => block_indicators = true,
                '-' if followed_by_ws => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_ws => block_indicators = true,
                '#' if preceded_by_ws => block_indicators = true,
                _ => {}
            }
        }
        if c == '\t' && pretty {
            tabs = true;
        } else if !printable(c) || c == '\u{feff}' {
            special = true;
        }
        if is_break(c) {
            line_breaks = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i + 1 == n {
                trailing_space = true;
            }
            if prev_break {
                break_space = true;
            }
            prev_space = true;
            prev_break = false;
        } else if is_break(c) {
            if i == 0 {
                leading_break = true;
            }
            if i + 1 == n {
                trailing_break = true;
            }
            if prev_space {
                space_break = true;
            }
            prev_break = true;
            prev_space = false;
        } else {
            prev_space = false;
            prev_break = false;
        }
        preceded_by_ws = is_blankz(Some(c));
    }
    let mut plain_ok = !(leading_space || leading_break || trailing_space || trailing_break);
    let mut single_ok = true;
    let mut block_ok = !trailing_space;
    if break_space {
        plain_ok = false;
        single_ok = false;
    }
    if space_break || tabs || special {
        plain_ok = false;
        single_ok = false;
    }
    if space_break || special {
        block_ok = false;
    }
    if line_breaks || block_indicators {
        plain_ok = false;
    }
    let mut style = requested;
    if style == Style::Plain && (!plain_ok || (s.is_empty() && simple_key)) {
        style = Style::Single;
    }
    if style == Style::Single && !single_ok {
        style = Style::Double;
    }
    if style == Style::Literal && (!block_ok || simple_key) {
        style = Style::Double;
    }
    style
}

/// The emitter: output text plus the current column (in characters).
struct Out {
    b: TextBuilder,
    col: usize,
    whitespace: bool,
    /// go-yaml v3 as `toYamlPretty` sets it up: no folding of long scalars, block sequences
    /// indented under mapping keys.
    pretty: bool,
}

impl Out {
    fn put(&mut self, s: &str) {
        self.b.plain(s);
        for c in s.chars() {
            // libyaml's `write_break`: a line separator written raw starts a new line too.
            if is_break(c) {
                self.col = 0;
            } else {
                self.col += 1;
            }
        }
        self.whitespace = s.ends_with([' ', '\n']);
    }
    /// libyaml's `write_indent`: a line break unless we are already at the start of a line.
    fn indent(&mut self, indent: usize) {
        if self.col != 0 {
            self.put("\n");
        }
        self.put(&" ".repeat(indent));
        self.whitespace = true;
    }
}

fn scalar(out: &mut Out, s: &str, origin: Origin, indent: usize, simple_key: bool) {
    let style = choose_style(s, simple_key, out.pretty);
    if !out.whitespace && style != Style::Literal {
        out.put(" ");
    }
    let mut buf = Out {
        b: TextBuilder::default(),
        col: out.col,
        whitespace: true,
        pretty: out.pretty,
    };
    let allow_breaks = !simple_key && !out.pretty;
    let chars: Vec<char> = s.chars().collect();
    match style {
        Style::Plain => {
            let mut spaces = false;
            for (i, &c) in chars.iter().enumerate() {
                if c == ' ' {
                    if allow_breaks
                        && !spaces
                        && buf.col > BEST_WIDTH
                        && chars.get(i + 1) != Some(&' ')
                    {
                        buf.indent(indent);
                    } else {
                        buf.put(" ");
                    }
                    spaces = true;
                } else {
                    buf.put(c.encode_utf8(&mut [0; 4]));
                    spaces = false;
                }
            }
        }
        Style::Single => {
            buf.put("'");
            let (mut spaces, mut breaks) = (false, false);
            for (i, &c) in chars.iter().enumerate() {
                if is_break(c) {
                    // Only U+2028/U+2029 reach here (a newline asks for a literal block): written
                    // raw, the next character goes to the scalar's indentation.
                    buf.put(c.encode_utf8(&mut [0; 4]));
                    breaks = true;
                    continue;
                }
                if breaks {
                    buf.indent(indent);
                    breaks = false;
                }
                if c == ' ' {
                    if allow_breaks
                        && !spaces
                        && buf.col > BEST_WIDTH
                        && i != 0
                        && i + 1 != chars.len()
                        && chars.get(i + 1) != Some(&' ')
                    {
                        buf.indent(indent);
                    } else {
                        buf.put(" ");
                    }
                    spaces = true;
                } else {
                    if c == '\'' {
                        buf.put("'");
                    }
                    buf.put(c.encode_utf8(&mut [0; 4]));
                    spaces = false;
                }
            }
            buf.put("'");
        }
        Style::Double => {
            buf.put("\"");
            let mut spaces = false;
            for (i, &c) in chars.iter().enumerate() {
                if !printable(c) || c == '\u{feff}' || is_break(c) || c == '"' || c == '\\' {
                    let esc = match c {
                        '\0' => "\\0".to_string(),
                        '\x07' => "\\a".into(),
                        '\x08' => "\\b".into(),
                        '\t' => "\\t".into(),
                        '\n' => "\\n".into(),
                        '\x0b' => "\\v".into(),
                        '\x0c' => "\\f".into(),
                        '\r' => "\\r".into(),
                        '\x1b' => "\\e".into(),
                        '"' => "\\\"".into(),
                        '\\' => "\\\\".into(),
                        '\u{85}' => "\\N".into(),
                        '\u{a0}' => "\\_".into(),
                        '\u{2028}' => "\\L".into(),
                        '\u{2029}' => "\\P".into(),
                        c if (c as u32) <= 0xFF => format!("\\x{:02X}", c as u32),
                        c if (c as u32) <= 0xFFFF => format!("\\u{:04X}", c as u32),
                        c => format!("\\U{:08X}", c as u32),
                    };
                    buf.put(&esc);
                    spaces = false;
                } else if c == ' ' {
                    if allow_breaks
                        && !spaces
                        && buf.col > BEST_WIDTH
                        && i != 0
                        && i + 1 != chars.len()
                    {
                        buf.indent(indent);
                        if chars.get(i + 1) == Some(&' ') {
                            buf.put("\\");
                        }
                    } else {
                        buf.put(" ");
                    }
                    spaces = true;
                } else {
                    buf.put(c.encode_utf8(&mut [0; 4]));
                    spaces = false;
                }
            }
            buf.put("\"");
        }
        Style::Literal => {
            if !out.whitespace {
                out.put(" ");
            }
            buf.col = out.col;
            buf.put("|");
            if chars.first().is_some_and(|&c| c == ' ' || is_break(c)) {
                buf.put("2");
            }
            let chomp = match (
                chars.last(),
                chars.len().checked_sub(2).and_then(|i| chars.get(i)),
            ) {
                (Some(&l), _) if !is_break(l) => "-",
                (Some(_), None) => "+",
                (Some(_), Some(&p)) if is_break(p) => "+",
                _ => "",
            };
            buf.put(chomp);
            buf.put("\n");
            let mut breaks = true;
            for &c in &chars {
                if is_break(c) {
                    buf.put(c.encode_utf8(&mut [0; 4]));
                    breaks = true;
                } else {
                    if breaks {
                        buf.put(&" ".repeat(indent));
                    }
                    buf.put(c.encode_utf8(&mut [0; 4]));
                    breaks = false;
                }
            }
        }
    }
    let t = buf.b.finish();
    out.b.origin(t.as_str(), origin);
    out.col = buf.col;
    out.whitespace = false;
}

fn emit(out: &mut Out, n: &Node, indent: usize) {
    match n {
        Node::Null => scalar_raw(out, "null", Origin::NONE),
        Node::Bool(b, o) => scalar_raw(out, if *b { "true" } else { "false" }, *o),
        Node::Int(t, o) => scalar_raw(out, t, *o),
        Node::Float(f, o) => {
            let t = go_float(*f);
            let t = match t.as_str() {
                "+Inf" => ".inf".to_string(),
                "-Inf" => "-.inf".to_string(),
                "NaN" => ".nan".to_string(),
                _ => t,
            };
            scalar_raw(out, &t, *o)
        }
        Node::Str(s, o) => scalar(out, s, *o, indent, false),
        Node::Seq(items) if items.is_empty() => scalar_raw(out, "[]", Origin::NONE),
        Node::Map(items) if items.is_empty() => scalar_raw(out, "{}", Origin::NONE),
        Node::Seq(_) | Node::Map(_) => {}
    }
}

fn scalar_raw(out: &mut Out, t: &str, origin: Origin) {
    if !out.whitespace {
        out.put(" ");
    }
    out.b.origin(t, origin);
    out.col += t.chars().count();
    out.whitespace = false;
}

fn is_block(n: &Node) -> bool {
    matches!(n, Node::Seq(v) if !v.is_empty()) || matches!(n, Node::Map(v) if !v.is_empty())
}

/// Emits a block collection whose first line starts at the current position (`inline`) or on a
/// new line at `indent`.
fn block(out: &mut Out, n: &Node, indent: usize, inline: bool) {
    match n {
        Node::Map(entries) => {
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 || !inline {
                    out.indent(indent);
                }
                if !simple_key(k) {
                    complex_entry(out, k, v, indent);
                    continue;
                }
                scalar(out, k, Origin::NONE, indent + 2, true);
                out.put(":");
                out.whitespace = false;
                match v {
                    Node::Map(m) if !m.is_empty() => block(out, v, indent + 2, false),
                    Node::Seq(s) if !s.is_empty() => {
                        let seq_indent = if out.pretty { indent + 2 } else { indent };
                        block(out, v, seq_indent, false)
                    }
                    _ => emit(out, v, indent + 2),
                }
            }
        }
        Node::Seq(items) => {
            for (i, v) in items.iter().enumerate() {
                if i > 0 || !inline {
                    out.indent(indent);
                }
                out.put("- ");
                out.whitespace = true;
                if is_block(v) {
                    block(out, v, indent + 2, true);
                } else {
                    emit(out, v, indent + 2);
                }
            }
        }
        other => emit(out, other, indent),
    }
}

/// libyaml's `check_simple_key` for a string key: at most 128 bytes and on one line.
fn simple_key(k: &str) -> bool {
    k.len() <= 128 && !k.chars().any(is_break)
}

/// A mapping entry whose key cannot be a simple key: `? key` then `: value` on the next line,
/// a block value starting on the `:` line at the key's indentation plus two.
fn complex_entry(out: &mut Out, k: &str, v: &Node, indent: usize) {
    out.put("?");
    out.whitespace = false;
    scalar(out, k, Origin::NONE, indent + 2, false);
    out.indent(indent);
    out.put(":");
    out.whitespace = false;
    if is_block(v) {
        out.put(&" ".repeat(indent + 2 - out.col));
        out.whitespace = true;
        block(out, v, indent + 2, true);
    } else {
        emit(out, v, indent + 2);
    }
}

/// Helm's `toYaml` text (without the final newline, as Helm trims it).
pub fn to_yaml(v: &Value) -> Result<crate::model::value::Text, String> {
    let node = to_node(v, 0)?;
    check_json_lines(&node, &mut 0)?;
    encode(json_round_trip(node)?, false)
}

/// The JSON text go-yaml v2 reads back is one line, but a raw NEL (U+0085, which `json.Marshal`
/// does not escape) is a line break to it. Going through the strings in JSON order (keys
/// sorted by bytes) and counting lines as go-yaml does: a key with a NEL is no simple key any
/// more (`did not find expected ',' or '}'`), and `---`/`...` right after a NEL, followed by a
/// blank, is a document marker inside the quoted scalar.
fn check_json_lines(n: &Node, line: &mut usize) -> Result<(), String> {
    const NEL: char = '\u{85}';
    let scalar = |s: &str, line: &mut usize| -> Result<(), String> {
        let chars: Vec<char> = s.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            if c != NEL {
                continue;
            }
            *line += 1;
            let marker: String = chars.iter().skip(i + 1).take(3).collect();
            let blank = matches!(chars.get(i + 4), Some(&' ') | Some(&NEL));
            if (marker == "---" || marker == "...") && blank {
                return Err(format!(
                    "yaml: line {}: found unexpected document indicator",
                    *line + 1
                ));
            }
        }
        Ok(())
    };
    match n {
        Node::Str(s, _) => scalar(s, line),
        Node::Seq(items) => items.iter().try_for_each(|x| check_json_lines(x, line)),
        Node::Map(entries) => {
            let mut sorted: Vec<&(String, Node)> = entries.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            for (k, v) in sorted {
                let nels = k.chars().filter(|&c| c == NEL).count();
                if nels > 0 {
                    return Err(format!(
                        "yaml: line {}: did not find expected ',' or '}}'",
                        *line + nels
                    ));
                }
                check_json_lines(v, line)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// go-yaml v2 reading a JSON string back: a raw NEL is a line break in a double-quoted scalar,
/// so spaces before it are dropped, spaces after it skipped, and the breaks folded: one break
/// becomes a space, `n` breaks become `n - 1` newlines.
fn fold_nel(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    let mut pending = String::new();
    while let Some(c) = chars.next() {
        if c == ' ' {
            pending.push(c);
            continue;
        }
        if c != '\u{85}' {
            out.push_str(&pending);
            pending.clear();
            out.push(c);
            continue;
        }
        pending.clear();
        let mut breaks = 0;
        while let Some(&n) = chars.peek() {
            match n {
                '\u{85}' => breaks += 1,
                ' ' => {}
                _ => break,
            }
            chars.next();
        }
        if breaks == 0 {
            out.push(' ');
        } else {
            out.extend(std::iter::repeat_n('\n', breaks));
        }
    }
    out.push_str(&pending);
    out
}

/// What sigs.k8s.io/yaml's JSON round trip does to strings and keys: `json.Marshal` turns each
/// byte that is not UTF-8 (a `.Files.Get` of a binary file) into U+FFFD, and go-yaml v2's
/// reader then refuses the characters JSON leaves raw that YAML does not allow (DEL, the C1
/// controls but NEL, U+FFFE, U+FFFF): `toYaml` prints nothing then, `mustToYaml` fails.
fn json_round_trip(node: Node) -> Result<Node, String> {
    fn text(s: &str) -> Result<Option<String>, String> {
        let mut changed = None::<String>;
        for (i, c) in s.char_indices() {
            let u = c as u32;
            if u == 0x7F || ((0x80..=0x9F).contains(&u) && u != 0x85) || u == 0xFFFE || u == 0xFFFF
            {
                return Err("yaml: control characters are not allowed".into());
            }
            if (0x10FF00..=0x10FFFF).contains(&u) {
                changed
                    .get_or_insert_with(|| s[..i].to_string())
                    .push('\u{fffd}');
            } else if let Some(out) = changed.as_mut() {
                out.push(c);
            }
        }
        Ok(changed)
    }
    Ok(match node {
        Node::Str(s, o) => match text(&s)? {
            Some(t) if t.contains('\u{85}') => Node::Str(fold_nel(&t).into(), o),
            Some(t) => Node::Str(t.into(), o),
            None if s.contains('\u{85}') => Node::Str(fold_nel(&s).into(), o),
            None => Node::Str(s, o),
        },
        Node::Seq(items) => Node::Seq(
            items
                .into_iter()
                .map(json_round_trip)
                .collect::<Result<_, _>>()?,
        ),
        Node::Map(entries) => Node::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let k = text(&k)?.unwrap_or(k);
                    Ok((k, json_round_trip(v)?))
                })
                .collect::<Result<_, String>>()?,
        ),
        other => other,
    })
}

/// Helm's `toYamlPretty`: go-yaml v3's encoder with indent 2 straight from the values (no JSON
/// round trip, so floats print as Go's `%v`: `1e+06`), sequences indented under mapping keys,
/// long scalars not folded.
pub fn to_yaml_pretty(v: &Value) -> Result<crate::model::value::Text, String> {
    encode(to_node_direct(v, 0)?, true)
}

/// Nodes as go-yaml v3 sees Go values: float64 stays a float, ints stay ints.
fn to_node_direct(v: &Value, depth: usize) -> Result<Node, String> {
    if depth > MAX_DEPTH {
        return Err("toYaml: value nested too deeply".into());
    }
    Ok(match v {
        Value::Float(f, o) => Node::Float(*f, *o),
        Value::List(l) => Node::Seq(
            l.iter()
                .map(|x| to_node_direct(x, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(m) => {
            let entries: Vec<(String, Node)> = m
                .read()
                .iter()
                .map(|(k, x)| Ok((k.clone(), to_node_direct(x, depth + 1)?)))
                .collect::<Result<_, String>>()?;
            // key_order is not a total order for some keys (as go-yaml's): no panicking sort.
            Node::Map(merge_sort(entries, &|a, b| key_order(&a.0, &b.0)))
        }
        // go-yaml v3 writes Go's nil slice and map as empty ones (only a nil pointer is null).
        Value::Object(o) if crate::gocompat::go_nil::is_go_nil(v) => {
            to_node_direct(&o.as_value(), depth + 1)?
        }
        other => to_node(other, depth)?,
    })
}

fn encode(node: Node, pretty: bool) -> Result<crate::model::value::Text, String> {
    let mut out = Out {
        b: TextBuilder::default(),
        col: 0,
        whitespace: true,
        pretty,
    };
    if is_block(&node) {
        block(&mut out, &node, 0, true);
    } else {
        emit(&mut out, &node, 2);
    }
    // The encoder ends the document with a line break (a block scalar's last break counts);
    // Helm trims that one newline.
    out.b.trim_trailing_newline();
    Ok(out.b.finish())
}

pub(super) fn to_yaml_fn(args: &[Value]) -> Result<Value, String> {
    arity("toYaml", args, 1)?;
    Ok(Value::Str(to_yaml(&args[0]).unwrap_or_default()))
}

pub(super) fn must_to_yaml(args: &[Value]) -> Result<Value, String> {
    arity("mustToYaml", args, 1)?;
    Ok(Value::Str(to_yaml(&args[0])?))
}

pub(super) fn to_yaml_pretty_fn(args: &[Value]) -> Result<Value, String> {
    arity("toYamlPretty", args, 1)?;
    Ok(Value::Str(to_yaml_pretty(&args[0]).unwrap_or_default()))
}

fn yaml_error(e: &crate::yaml::YamlError) -> String {
    if e.message.starts_with("error ") {
        // parse_values words type errors for values files (`common.Values`); fromYaml decodes
        // into a plain map.
        return e
            .message
            .replace("common.Values", "map[string]interface {}");
    }
    // go-yaml v2's `fail` prints the problem only, never libyaml's context ("while parsing a
    // node, ").
    let problem = match e.message.split_once(", ") {
        Some((context, problem)) if context.starts_with("while ") => problem,
        _ => e.message.as_str(),
    };
    // A scanner error on the first line names no line (go-yaml counts the problem's line from
    // 0 and prints it only when it is not 0, falling back to the context's, also 0 there).
    if e.pos.line == 1 && problem == "found unknown escape character" {
        return format!("error converting YAML to JSON: yaml: {problem}");
    }
    format!(
        "error converting YAML to JSON: yaml: line {}: {problem}",
        e.pos.line
    )
}

/// Helm's `fromYaml`: a map, or `{"Error": message}` when the text is not a YAML map.
pub(super) fn from_yaml(args: &[Value]) -> Result<Value, String> {
    arity("fromYaml", args, 1)?;
    let s = super::arg_str(&args[0])?;
    match crate::yaml::parse_values(s, 0, &crate::yaml::Limits::default()) {
        Ok(v) => Ok(v),
        Err(e) => {
            // The values loader reports Helm's `common.Values` target type; fromYaml decodes
            // into a plain `map[string]interface {}`, so Helm names that type instead.
            let msg = yaml_error(&e).replace("common.Values", "map[string]interface {}");
            let mut m = crate::model::value::Map::new();
            m.insert("Error".into(), Value::str(msg));
            Ok(Value::map(m))
        }
    }
}

/// Helm's `fromYamlArray`: a list, or `[message]` when the text is not a YAML sequence.
pub(super) fn from_yaml_array(args: &[Value]) -> Result<Value, String> {
    arity("fromYamlArray", args, 1)?;
    let s = super::arg_str(&args[0])?;
    let docs = match crate::yaml::parse_stream(s, &crate::yaml::Limits::default()) {
        Ok(d) => d,
        Err(e) => return Ok(Value::list(vec![Value::str(yaml_error(&e))])),
    };
    let Some(doc) = docs.into_iter().next() else {
        return Ok(Value::list(vec![]));
    };
    match doc.root.to_value(0) {
        v @ Value::List(_) => Ok(v),
        Value::Nil => Ok(Value::list(vec![])),
        other => Ok(Value::list(vec![Value::str(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type []interface {{}}",
            match other {
                Value::Map(_) => "object",
                Value::Str(_) => "string",
                Value::Bool(..) => "bool",
                _ => "number",
            }
        ))])),
    }
}
