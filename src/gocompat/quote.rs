//! Go's `strconv.Quote`, `QuoteToASCII`, `QuoteRune` and `IsPrint` (strconv/quote.go), which
//! `%q`, Sprig's `quote` and the Masterminds error messages print with.
//!
//! `appendEscapedRune`: the quote character and `\` are backslashed; a printable rune (ASCII
//! printable only, with `ascii_only`) is kept; `\a \b \f \n \r \t \v` are named; other runes
//! below U+0020 and U+007F are `\xNN`; the rest are `\uNNNN` or `\UNNNNNNNN`. Rust strings are
//! valid UTF-8, so Go's `\xNN` for a stray byte never arises here.

/// Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space
/// (so U+00A0, U+2028 and U+FEFF are not printable and get escaped).
pub fn is_print(c: char) -> bool {
    use std::sync::LazyLock;
    static PRINT: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"^[\p{L}\p{M}\p{N}\p{P}\p{S}]$").expect("unicode classes")
    });
    if (c as u32) < 0x80 {
        return (' '..='~').contains(&c);
    }
    let mut buf = [0u8; 4];
    PRINT.is_match(c.encode_utf8(&mut buf))
}

/// Go's `appendEscapedRune`: `c` as it stands between `quote` characters.
fn escape_rune(out: &mut String, c: char, quote: char, ascii_only: bool) {
    if c == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    let printable = if ascii_only {
        (c as u32) < 0x80 && is_print(c)
    } else {
        is_print(c)
    };
    if printable {
        out.push(c);
        return;
    }
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// The bytes [`escape_rune`] writes for `c`, without writing them.
fn escaped_len(c: char, quote: char, ascii_only: bool) -> usize {
    if c == quote || c == '\\' {
        return 2;
    }
    let printable = if ascii_only {
        (c as u32) < 0x80 && is_print(c)
    } else {
        is_print(c)
    };
    match c {
        c if printable => c.len_utf8(),
        '\x07' | '\x08' | '\x0c' | '\n' | '\r' | '\t' | '\x0b' => 2,
        c if (c as u32) < 0x20 || c as u32 == 0x7f => 4,
        c if (c as u32) < 0x10000 => 6,
        _ => 10,
    }
}

/// Appends `s` escaped as between `quote` characters, without the quotes (the body of
/// `strconv.Quote` for `"`).
pub fn push_escaped(out: &mut String, s: &str, quote: char, ascii_only: bool) {
    for c in s.chars() {
        // A byte of a character cut apart (`trunc` inside it: 0x80..=0xF4) is quoted as Go
        // does, `\xc3`; U+10FFF5.. stay characters (Go's tables quote U+10FFFF).
        match crate::gocompat::gobytes::stand_in_byte(c).filter(|b| (0x80..=0xF4).contains(b)) {
            Some(b) => out.push_str(&format!("\\x{b:02x}")),
            None => escape_rune(out, c, quote, ascii_only),
        }
    }
}

/// The length of what [`push_escaped`] appends for `s` between double quotes, without
/// building it (for size checks before quoting).
pub fn escaped_len_double(s: &str) -> usize {
    s.chars().map(|c| escaped_len(c, '"', false)).sum()
}

/// Go's `strconv.Quote`.
pub fn quote(s: &str) -> String {
    quote_with(s, false)
}

/// Go's `strconv.Quote` (`ascii_only` false) or `strconv.QuoteToASCII` (true, `%+q`).
pub fn quote_with(s: &str, ascii_only: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    push_escaped(&mut out, s, '"', ascii_only);
    out.push('"');
    out
}

/// Go's `strconv.QuoteRune` (`ascii_only` false) or `QuoteRuneToASCII` (true).
pub fn quote_rune(c: char, ascii_only: bool) -> String {
    let mut out = String::from("'");
    escape_rune(&mut out, c, '\'', ascii_only);
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// strconv/quote_test.go `quotetests` (in, Quote, QuoteToASCII); the `"abc\xffdef"` row
    /// is not valid UTF-8 and cannot be a Rust string.
    #[test]
    fn quote_table_of_go() {
        let table: &[(&str, &str, &str)] = &[
            (
                "\x07\x08\x0c\r\n\t\x0b",
                r#""\a\b\f\r\n\t\v""#,
                r#""\a\b\f\r\n\t\v""#,
            ),
            ("\\", r#""\\""#, r#""\\""#),
            ("\u{263a}", "\"\u{263a}\"", r#""\u263a""#),
            ("\u{10ffff}", r#""\U0010ffff""#, r#""\U0010ffff""#),
            ("\x04", r#""\x04""#, r#""\x04""#),
            (
                "!\u{a0}!\u{2000}!\u{3000}!",
                r#""!\u00a0!\u2000!\u3000!""#,
                r#""!\u00a0!\u2000!\u3000!""#,
            ),
            ("\x7f", r#""\x7f""#, r#""\x7f""#),
        ];
        for (input, out, ascii) in table {
            assert_eq!(quote(input), *out, "Quote({input:?})");
            assert_eq!(quote_with(input, true), *ascii, "QuoteToASCII({input:?})");
            let mut body = String::new();
            push_escaped(&mut body, input, '"', false);
            assert_eq!(escaped_len_double(input), body.len(), "{input:?}");
            assert_eq!(format!("\"{body}\""), *out);
        }
    }

    /// strconv/quote_test.go `quoterunetests` (rune, QuoteRune, QuoteRuneToASCII); the
    /// surrogate and out-of-range rows are not Rust chars.
    #[test]
    fn quote_rune_table_of_go() {
        let table: &[(char, &str, &str)] = &[
            ('a', "'a'", "'a'"),
            ('\x07', r"'\a'", r"'\a'"),
            ('\\', r"'\\'", r"'\\'"),
            ('\u{ff}', "'\u{ff}'", r"'\u00ff'"),
            ('\u{263a}', "'\u{263a}'", r"'\u263a'"),
            ('\u{fffd}', "'\u{fffd}'", r"'\ufffd'"),
            ('\u{10ffff}', r"'\U0010ffff'", r"'\U0010ffff'"),
            ('\x04', r"'\x04'", r"'\x04'"),
            ('\u{a0}', r"'\u00a0'", r"'\u00a0'"),
            ('\u{2000}', r"'\u2000'", r"'\u2000'"),
            ('\u{3000}', r"'\u3000'", r"'\u3000'"),
        ];
        for (c, out, ascii) in table {
            assert_eq!(quote_rune(*c, false), *out, "QuoteRune({c:?})");
            assert_eq!(quote_rune(*c, true), *ascii, "QuoteRuneToASCII({c:?})");
        }
        // The other quote character is not escaped.
        assert_eq!(quote_rune('"', false), "'\"'");
        assert_eq!(quote("it's"), "\"it's\"");
    }

    #[test]
    fn printable_like_go() {
        for c in ['a', ' ', '~', '\u{e9}', '\u{1f600}', '\u{263a}'] {
            assert!(is_print(c), "{c:?}");
        }
        for c in [
            '\x7f', '\u{a0}', '\u{ad}', '\u{2028}', '\u{feff}', '\u{3000}',
        ] {
            assert!(!is_print(c), "{c:?}");
        }
    }
}
