//! Go strings are byte strings: `.Files.Get` of a binary file keeps every byte, and `b64enc`,
//! `sha256sum` or `len` see the bytes. chartgate's strings are UTF-8, so a byte that is not part
//! of valid UTF-8 is carried as one private-use character (U+10FF00 + byte) and turned back into
//! that byte wherever bytes matter (encodings, hashes, `len`).
use std::borrow::Cow;

const BASE: u32 = 0x10FF00;

/// Bytes as text: valid UTF-8 as it is, every other byte as its stand-in character.
pub fn decode(mut bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    loop {
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let (good, rest) = bytes.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                let bad = e.error_len().unwrap_or(rest.len()).max(1);
                for &b in &rest[..bad] {
                    out.push(char::from_u32(BASE + b as u32).unwrap_or('\u{fffd}'));
                }
                bytes = &rest[bad..];
            }
        }
    }
}

fn is_stand_in(c: char) -> bool {
    (BASE..=BASE + 0xff).contains(&(c as u32))
}

/// The byte `c` stands in for, if it is a stand-in.
pub fn stand_in_byte(c: char) -> Option<u8> {
    is_stand_in(c).then(|| (c as u32 - BASE) as u8)
}

/// The bytes Go would hold for `s`.
pub fn encode(s: &str) -> Cow<'_, [u8]> {
    if !s.chars().any(is_stand_in) {
        return Cow::Borrowed(s.as_bytes());
    }
    let mut out = Vec::with_capacity(s.len());
    let mut buf = [0u8; 4];
    for c in s.chars() {
        if is_stand_in(c) {
            out.push((c as u32 - BASE) as u8);
        } else {
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    Cow::Owned(out)
}

/// Go's `len` of the string.
pub fn len(s: &str) -> usize {
    s.len() - 3 * s.chars().filter(|c| is_stand_in(*c)).count()
}

#[cfg(test)]
mod tests {
    #[test]
    fn binary_round_trips() {
        let data = [b'B', b'Z', 0xff, 0xfe, 0x80, 0x00, 0xc3, b'o', 0xc3, 0xa9];
        let s = super::decode(&data);
        assert_eq!(s.chars().last(), Some('é'));
        assert_eq!(&*super::encode(&s), &data[..]);
        assert_eq!(super::len(&s), data.len());
        assert_eq!(super::decode("plain".as_bytes()), "plain");
    }
}
