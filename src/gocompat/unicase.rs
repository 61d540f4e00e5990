//! Go's `unicode.ToUpper`/`ToLower`/`ToTitle` (what `strings.ToUpper`, `ToLower` and `Title`,
//! so Sprig's `upper`, `lower` and `title`, apply to each rune): simple one-to-one case
//! mapping.
//! Rust's full mapping can change the length (`ß` → `SS`, `İ` → `i̇`) and `str::to_lowercase`
//! makes a word-final `Σ` a `ς`; Go keeps one rune for one rune, and a rune with no simple
//! mapping stays as it is (`upper "straße"` is `STRAßE`).

/// The simple uppercase mapping of `c`.
pub fn upper_char(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        // Greek with ypogegrammeni: the simple mapping is the titlecase letter (ᾳ → ᾼ).
        _ => match c as u32 {
            u @ 0x1F80..=0x1FAF if u & 0xF < 8 => char::from_u32(u + 8).unwrap_or(c),
            0x1FB3 => '\u{1FBC}',
            0x1FC3 => '\u{1FCC}',
            0x1FF3 => '\u{1FFC}',
            _ => c,
        },
    }
}

/// The simple lowercase mapping of `c`.
pub fn lower_char(c: char) -> char {
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        // U+0130 (İ) is the one rune whose full lowercase is two; its simple mapping is `i`.
        _ if c == '\u{130}' => 'i',
        _ => c,
    }
}

/// The simple titlecase mapping of `c`: the uppercase one but for the digraphs, whose titlecase
/// letter is their middle form (ǆ → ǅ), and the Greek letters with ypogegrammeni (ᾳ → ᾼ).
pub fn title_char(c: char) -> char {
    match c {
        '\u{1C4}'..='\u{1C6}' => '\u{1C5}',
        '\u{1C7}'..='\u{1C9}' => '\u{1C8}',
        '\u{1CA}'..='\u{1CC}' => '\u{1CB}',
        '\u{1F1}'..='\u{1F3}' => '\u{1F2}',
        _ => upper_char(c),
    }
}

/// Go's `strings.ToUpper`.
pub fn upper(s: &str) -> String {
    s.chars().map(upper_char).collect()
}

/// Go's `strings.ToLower`.
pub fn lower(s: &str) -> String {
    s.chars().map(lower_char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rune_for_one_rune() {
        assert_eq!(upper("straße ŉ ﬀ"), "STRAßE ŉ ﬀ");
        assert_eq!(lower("İSTANBUL ΟΔΟΣ"), "istanbul οδοσ");
        assert_eq!(upper("ᾳ ǆ"), "ᾼ Ǆ");
        assert_eq!(title_char('ǆ'), 'ǅ');
        assert_eq!(title_char('ᾳ'), 'ᾼ');
    }
}
