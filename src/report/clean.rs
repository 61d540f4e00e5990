//! Output hygiene: text from pull requests (values, file names, environment names, rendered
//! manifests) never reaches a terminal or a CI log as control characters. Escapes are visible
//! (`\x1b`, `\r`), so a reader sees what the input held.

/// `s` with every control character except newline and tab shown as an escape (`\r`, `\x1b`,
/// `\x7f`, C1 controls and bidirectional overrides as `\u{..}`).
pub fn controls(s: &str) -> String {
    if !any_needs_escape(s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut at = 0;
    while let Some((i, c)) = next_escape(s, at) {
        out.push_str(&s[at..i]);
        crate::confine::push_escaped(&mut out, c);
        at = i + c.len_utf8();
    }
    out.push_str(&s[at..]);
    out
}

/// Text for a log line (stderr, the text report): [`controls`], then [`commands`] with the
/// line feed shown as `\n`.
pub fn log(s: &str) -> String {
    commands(controls(s), "\\n")
}

/// `s` with every line feed that would start a line reading as a GitHub Actions workflow
/// command (`::error::`, `::add-mask::`, `::stop-commands::`, the older `##[error]`; leading
/// spaces and tabs allowed) written as `newline` instead: a file, environment or value name
/// holding a line feed then `::…` cannot start a command in a CI log. Not for `--format
/// github`, whose lines are commands by design (it escapes line feeds in its data itself).
pub fn commands(s: String, newline: &str) -> String {
    fn starts_command(rest: &str) -> bool {
        let t = rest.trim_start_matches([' ', '\t']);
        t.starts_with("::") || t.starts_with("##[")
    }
    if !s
        .match_indices('\n')
        .any(|(i, _)| starts_command(&s[i + 1..]))
    {
        return s;
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut at = 0;
    for (i, _) in s.match_indices('\n') {
        if starts_command(&s[i + 1..]) {
            out.push_str(&s[at..i]);
            out.push_str(newline);
            at = i + 1;
        }
    }
    out.push_str(&s[at..]);
    out
}

/// Serialized JSON with the characters serde_json leaves raw inside strings (DEL, C1 controls,
/// bidirectional and zero-width formatting) written as `\uXXXX` escapes: the same JSON value,
/// safe to print. (serde_json already escapes C0 controls.)
pub fn json(s: String) -> String {
    escape_with(s, |c, out| out.push_str(&format!("\\u{:04x}", c as u32)))
}

/// Serialized XML with those characters (and any C0 control the writer let through) as
/// numeric character references (`&#x7f;`), legal in XML text and attribute values.
pub fn xml(s: String) -> String {
    escape_with(s, |c, out| out.push_str(&format!("&#x{:x};", c as u32)))
}

fn escape_with(s: String, esc: impl Fn(char, &mut String)) -> String {
    if !any_needs_escape(&s) {
        return s;
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut at = 0;
    while let Some((i, c)) = next_escape(&s, at) {
        out.push_str(&s[at..i]);
        esc(c, &mut out);
        at = i + c.len_utf8();
    }
    out.push_str(&s[at..]);
    out
}

/// Bytes that can begin the UTF-8 encoding of a character [`needs_escape`] holds for: C0
/// controls (but newline and tab) and DEL, `0xc2` (C1 controls, U+0080–U+009F) and `0xe2`
/// (the formatting characters, all in U+2000–U+207F). Never a continuation byte.
const LEAD: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = 1;
        i += 1;
    }
    t[b'\n' as usize] = 0;
    t[b'\t' as usize] = 0;
    t[0x7f] = 1;
    t[0xc2] = 1;
    t[0xe2] = 1;
    t
};

/// `s.chars().any(needs_escape)`.
fn any_needs_escape(s: &str) -> bool {
    next_escape(s, 0).is_some()
}

/// The first character at or after byte `from` (a character boundary) that [`needs_escape`],
/// with its byte offset, without decoding every character: whole 64-byte blocks holding no
/// [`LEAD`] byte are skipped with a branch-free fold (reports are mostly such text; SARIF
/// carries every rule's documentation), and only a lead byte's character is checked.
fn next_escape(s: &str, from: usize) -> Option<(usize, char)> {
    const BLOCK: usize = 64;
    let b = s.as_bytes();
    let mut i = from;
    while i < b.len() {
        if let Some(block) = b.get(i..i + BLOCK)
            && block.iter().fold(0, |acc, &x| acc | LEAD[x as usize]) == 0
        {
            i += BLOCK;
            continue;
        }
        // A lead byte is never a continuation byte, so `i` is a character boundary.
        if LEAD[b[i] as usize] != 0
            && let Some(c) = s[i..].chars().next().filter(|&c| needs_escape(c))
        {
            return Some((i, c));
        }
        i += 1;
    }
    None
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || ('\u{200b}'..='\u{200f}').contains(&c)
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// A rendered text report: like [`controls`], except that with `colors` the SGR color
/// sequences (`ESC [ digits;... m`) the report itself produced are kept. Any other escape
/// sequence (screen clear, hyperlinks, clipboard writes) is shown escaped.
pub fn report(s: &str, colors: bool) -> String {
    if !any_needs_escape(s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c == '\x1b' && colors {
            let b = rest.as_bytes();
            if b.get(1) == Some(&b'[') {
                let end = b[2..]
                    .iter()
                    .position(|x| !(x.is_ascii_digit() || *x == b';'))
                    .map(|p| p + 2);
                if let Some(e) = end
                    && b[e] == b'm'
                {
                    out.push_str(&rest[..=e]);
                    rest = &rest[e + 1..];
                    continue;
                }
            }
        }
        if needs_escape(c) {
            crate::confine::push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A `serde_json` formatter that writes what [`json`] would make of its output while it
/// serializes: the characters serde_json leaves raw inside strings go out as `\uXXXX` escapes.
/// Lets a report stream to its writer instead of building the whole text first.
pub struct JsonFormatter<F>(pub F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for JsonFormatter<F> {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut rest = fragment;
        while let Some((i, c)) = rest.char_indices().find(|&(_, c)| needs_escape(c)) {
            w.write_all(&rest.as_bytes()[..i])?;
            write!(w, "\\u{:04x}", c as u32)?;
            rest = &rest[i + c.len_utf8()..];
        }
        w.write_all(rest.as_bytes())
    }
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// `value` as pretty JSON (two-space indent) with [`JsonFormatter`]'s escaping, streamed to `w`.
pub fn write_json_pretty<W: std::io::Write, T: serde::Serialize + ?Sized>(
    w: W,
    value: &T,
) -> std::io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(
        w,
        JsonFormatter(serde_json::ser::PrettyFormatter::new()),
    );
    value.serialize(&mut ser).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_that_would_start_a_workflow_command_are_joined() {
        assert_eq!(
            log("invalid YAML: b\n::error::x.yaml:2:1: bad\n  ::add-mask::k\n##[error]y\nok\n"),
            "invalid YAML: b\\n::error::x.yaml:2:1: bad\\n  ::add-mask::k\\n##[error]y\nok\n"
        );
        assert_eq!(commands("a\n::b".into(), "&#10;"), "a&#10;::b");
        assert_eq!(log("a\x1b[2J\nb: c::d"), "a\\x1b[2J\nb: c::d");
    }

    #[test]
    fn fast_check_agrees_with_every_character() {
        // Every character of the first three planes' interesting ranges, alone and at every
        // offset of a block (the fold skips whole blocks).
        let chars = (0u32..0x3000)
            .chain(0xfff0..0x10000)
            .filter_map(char::from_u32);
        for c in chars {
            for pad in [0, 1, 63, 64, 65, 130] {
                let s = format!("{}{c}{}", "a".repeat(pad), "é—".repeat(pad % 7));
                assert_eq!(
                    any_needs_escape(&s),
                    s.chars().any(needs_escape),
                    "{c:?} at {pad}"
                );
            }
        }
        // The escaping itself equals the character-by-character definition.
        let slow = |s: &str| -> String {
            let mut out = String::new();
            for c in s.chars() {
                if needs_escape(c) {
                    crate::confine::push_escaped(&mut out, c);
                } else {
                    out.push(c);
                }
            }
            out
        };
        let mixed: String = (0u32..0x2100)
            .step_by(7)
            .filter_map(char::from_u32)
            .flat_map(|c| [c, 'x', '—'])
            .collect();
        for s in [mixed.as_str(), "\u{1b}", "a\u{85}", "—\u{200b}—", ""] {
            assert_eq!(controls(s), slow(s));
        }
        assert!(!any_needs_escape(&"x\n\t—é→".repeat(100)));
        assert!(any_needs_escape(&format!("{}\u{2066}", "—".repeat(100))));
    }

    #[test]
    fn escapes() {
        assert_eq!(
            controls("a\rb\x1b]52;c;eA==\x07\n"),
            "a\\rb\\x1b]52;c;eA==\\x07\n"
        );
        assert_eq!(
            report("\x1b[31mred\x1b[0m \x1b[2J", true),
            "\x1b[31mred\x1b[0m \\x1b[2J"
        );
        assert_eq!(report("\x1b[31mred", false), "\\x1b[31mred");
        assert_eq!(controls("x\u{202e}y\t"), "x\\u{202e}y\t");
    }

    #[test]
    fn json_and_xml_keep_their_value_and_print_no_control() {
        let v = serde_json::json!({"m": "a\u{7f}b\u{9b}2Jc\u{202e}d\x1be\r"});
        let s = json(serde_json::to_string(&v).unwrap());
        assert_eq!(s, r#"{"m":"a\u007fb\u009b2Jc\u202ed\u001be\r"}"#);
        assert_eq!(serde_json::from_str::<serde_json::Value>(&s).unwrap(), v);
        assert_eq!(
            xml("<m a=\"\u{7f}\">x\u{85}\ry</m>".to_string()),
            "<m a=\"&#x7f;\">x&#x85;&#xd;y</m>"
        );
    }

    #[test]
    fn streamed_json_equals_escaped_json() {
        let v = serde_json::json!({
            "m": "a\u{7f}b\u{85}\u{202e}c\u{200b}\r\u{1b}[2J é 😀",
            "list": [1, null, {"k\u{9b}": "v"}],
        });
        let mut streamed = Vec::new();
        write_json_pretty(&mut streamed, &v).unwrap();
        let whole = json(serde_json::to_string_pretty(&v).unwrap());
        assert_eq!(String::from_utf8(streamed).unwrap(), whole);
        assert!(whole.contains("\\u007f") && whole.contains("\\u202e"));
    }
}
