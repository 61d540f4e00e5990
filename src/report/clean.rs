//! Output hygiene: text from pull requests (values, file names, environment names, rendered
//! manifests) never reaches a terminal or a CI log as control characters. Escapes are visible
//! (`\x1b`, `\r`), so a reader sees what the input held.

/// `s` with every control character except newline and tab shown as an escape (`\r`, `\x1b`,
/// `\x7f`, C1 controls and bidirectional overrides as `\u{..}`).
pub fn controls(s: &str) -> String {
    if !s.chars().any(needs_escape) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            crate::config::confine::push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
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
    if !s.chars().any(needs_escape) {
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
            crate::config::confine::push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
