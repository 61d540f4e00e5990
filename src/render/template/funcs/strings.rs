//! Sprig's string functions.
use super::{TextBuilder, arg_int, arg_str, arity, arity_min, strslice, strval, text_slice};
use crate::model::value::{Map, Text, Value};
use rand::seq::SliceRandom;

/// Go's `strconv.Quote` body (without the surrounding quotes), [`crate::gocompat::quote`].
fn go_quote_body(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    crate::gocompat::quote::push_escaped(&mut out, s, '"', false);
    out
}

fn wrap_each(name: &str, args: &[Value], q: char, go_escape: bool) -> Result<Value, String> {
    let mut b = TextBuilder::default();
    let mut first = true;
    let mut steps = super::Steps::new();
    for a in args.iter().filter(|a| !a.is_nil()) {
        steps.step()?;
        if !first {
            b.plain(" ");
        }
        first = false;
        let t = strval(a);
        // The exact size, counted before quoting.
        let len = if go_escape {
            crate::gocompat::quote::escaped_len_double(t.as_str())
        } else {
            t.s.len()
        };
        super::check_size(name, b.len() as u128 + len as u128 + 3)?;
        let body = if go_escape {
            go_quote_body(t.as_str())
        } else {
            t.s.to_string()
        };
        b.plain(&q.to_string());
        if body == t.as_str() {
            b.text(&t);
        } else {
            b.plain(&body);
        }
        b.plain(&q.to_string());
    }
    Ok(b.value())
}

pub(super) fn quote(args: &[Value]) -> Result<Value, String> {
    wrap_each("quote", args, '"', true)
}

pub(super) fn squote(args: &[Value]) -> Result<Value, String> {
    wrap_each("squote", args, '\'', false)
}

fn str_text(v: &Value) -> Result<&Text, String> {
    arg_str(v)?;
    match v {
        Value::Str(t) => Ok(t),
        _ => Err("wrong type for value; expected string".into()),
    }
}

pub(super) fn trim(args: &[Value]) -> Result<Value, String> {
    arity("trim", args, 1)?;
    let t = str_text(&args[0])?;
    let s = t.as_str();
    let start = s.len() - s.trim_start().len();
    let end = start + s[start..].trim_end().len();
    Ok(text_slice(t, start, end))
}

pub(super) fn trim_all(args: &[Value]) -> Result<Value, String> {
    arity("trimAll", args, 2)?;
    let cut: Vec<char> = arg_str(&args[0])?.chars().collect();
    let t = str_text(&args[1])?;
    let s = t.as_str();
    let start = s.len() - s.trim_start_matches(cut.as_slice()).len();
    let end = start + s[start..].trim_end_matches(cut.as_slice()).len();
    Ok(text_slice(t, start, end))
}

pub(super) fn trim_suffix(args: &[Value]) -> Result<Value, String> {
    arity("trimSuffix", args, 2)?;
    let suf = arg_str(&args[0])?;
    let t = str_text(&args[1])?;
    let end = t.as_str().strip_suffix(suf).map_or(t.s.len(), |r| r.len());
    Ok(text_slice(t, 0, end))
}

pub(super) fn trim_prefix(args: &[Value]) -> Result<Value, String> {
    arity("trimPrefix", args, 2)?;
    let pre = arg_str(&args[0])?;
    let t = str_text(&args[1])?;
    let start = if t.as_str().starts_with(pre) {
        pre.len()
    } else {
        0
    };
    Ok(text_slice(t, start, t.s.len()))
}

pub(super) fn upper(args: &[Value]) -> Result<Value, String> {
    arity("upper", args, 1)?;
    let t = str_text(&args[0])?;
    Ok(super::derived(
        t,
        crate::gocompat::unicase::upper(t.as_str()),
    ))
}

pub(super) fn lower(args: &[Value]) -> Result<Value, String> {
    arity("lower", args, 1)?;
    let t = str_text(&args[0])?;
    Ok(super::derived(
        t,
        crate::gocompat::unicase::lower(t.as_str()),
    ))
}

/// Go's deprecated `strings.Title`: upper-cases letters that follow a separator.
pub(super) fn title(args: &[Value]) -> Result<Value, String> {
    arity("title", args, 1)?;
    let mut prev_sep = true;
    let mut out = String::new();
    for c in arg_str(&args[0])?.chars() {
        if prev_sep {
            out.push(crate::gocompat::unicase::title_char(c));
        } else {
            out.push(c);
        }
        prev_sep = !(c.is_alphanumeric() || c == '_');
    }
    Ok(Value::str(out))
}

/// Sprig's `untitle`: lower-cases the first letter of each space-separated word.
pub(super) fn untitle(args: &[Value]) -> Result<Value, String> {
    arity("untitle", args, 1)?;
    let mut prev_space = true;
    let mut out = String::new();
    for c in arg_str(&args[0])?.chars() {
        if prev_space && c.is_alphabetic() {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
        prev_space = c.is_whitespace();
    }
    Ok(Value::str(out))
}

pub(super) fn repeat(args: &[Value]) -> Result<Value, String> {
    arity("repeat", args, 2)?;
    let n = arg_int(&args[0])?;
    let s = arg_str(&args[1])?;
    if n < 0 {
        return Err("strings: negative Repeat count".into());
    }
    super::check_size("repeat", (n as u128) * (s.len() as u128))?;
    Ok(Value::str(s.repeat(n as usize)))
}

/// Byte-index slicing as Go does it; cuts inside a UTF-8 sequence are moved to a boundary.
/// Go's `s[a:b]` on a string: bytes, so a cut inside a multi-byte character keeps the bytes it
/// gets, carried as [`crate::gocompat::gobytes`] stand-ins (printed by `toJson` as U+FFFD).
fn byte_slice(t: &Text, a: usize, b: usize) -> Value {
    if t.s.is_char_boundary(a) && t.s.is_char_boundary(b) {
        return text_slice(t, a, b);
    }
    Value::str(crate::gocompat::gobytes::decode(&t.s.as_bytes()[a..b]))
}

pub(super) fn substr(args: &[Value]) -> Result<Value, String> {
    arity("substr", args, 3)?;
    let (start, end) = (arg_int(&args[0])?, arg_int(&args[1])?);
    let t = str_text(&args[2])?;
    let len = t.s.len() as i64;
    // Sprig: start < 0 → s[:end]; end < 0 or end > len → s[start:]; else s[start:end]; a
    // slice Go cannot take panics, and the template reports the runtime error.
    let out_of_range = |r: String| Err(format!("runtime error: slice bounds out of range {r}"));
    let (a, b) = if start < 0 {
        if end < 0 {
            return out_of_range(format!("[:{end}]"));
        }
        if end > len {
            return out_of_range(format!("[:{end}] with length {len}"));
        }
        (0, end)
    } else if end < 0 || end > len {
        if start > len {
            return out_of_range(format!("[{start}:{len}]"));
        }
        (start, len)
    } else {
        if start > end {
            return out_of_range(format!("[{start}:{end}]"));
        }
        (start, end)
    };
    Ok(byte_slice(t, a as usize, (b as usize).max(a as usize)))
}

pub(super) fn nospace(args: &[Value]) -> Result<Value, String> {
    arity("nospace", args, 1)?;
    Ok(Value::str(
        arg_str(&args[0])?
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>(),
    ))
}

pub(super) fn trunc(args: &[Value]) -> Result<Value, String> {
    arity("trunc", args, 2)?;
    let c = arg_int(&args[0])?;
    let t = str_text(&args[1])?;
    let len = t.s.len() as i64;
    if c < 0 && len + c > 0 {
        return Ok(byte_slice(t, (len + c) as usize, t.s.len()));
    }
    if c >= 0 && len > c {
        return Ok(byte_slice(t, 0, c as usize));
    }
    Ok(args[1].clone())
}

/// goutils' `Abbreviate` on Go's bytes: `None` when the text stays as it is.
fn abbrev_bytes(b: &[u8], w: i64) -> Option<Vec<u8>> {
    if w < 4 || b.len() as i64 <= w {
        return None;
    }
    let mut out = b[..(w - 3) as usize].to_vec();
    out.extend_from_slice(b"...");
    Some(out)
}

/// Sprig's `abbrev` (goutils' `Abbreviate`): counts and cuts bytes, as Go does.
pub(super) fn abbrev(args: &[Value]) -> Result<Value, String> {
    arity("abbrev", args, 2)?;
    let w = arg_int(&args[0])?;
    let b = crate::gocompat::gobytes::encode(arg_str(&args[1])?);
    Ok(match abbrev_bytes(&b, w) {
        Some(out) => Value::str(crate::gocompat::gobytes::decode(&out)),
        None => args[1].clone(),
    })
}

/// Sprig's `abbrevboth` (goutils' `AbbreviateFull`), on Go's bytes.
pub(super) fn abbrevboth(args: &[Value]) -> Result<Value, String> {
    arity("abbrevboth", args, 3)?;
    let (off, w) = (arg_int(&args[0])?, arg_int(&args[1])?);
    let b = crate::gocompat::gobytes::encode(arg_str(&args[2])?);
    let n = b.len() as i64;
    if w < 4 || n <= w {
        return Ok(args[2].clone());
    }
    let mut off = off.clamp(0, n);
    if n - off < w - 3 {
        off = n - (w - 3);
    }
    let out = if off <= 4 {
        abbrev_bytes(&b, w)
    } else if w < 7 {
        None
    } else if off + w - 3 < n {
        let rest = &b[off as usize..];
        let mut out = b"...".to_vec();
        out.extend(abbrev_bytes(rest, w - 3).unwrap_or_else(|| rest.to_vec()));
        Some(out)
    } else {
        let mut out = b"...".to_vec();
        out.extend_from_slice(&b[(n - (w - 3)) as usize..]);
        Some(out)
    };
    Ok(match out {
        Some(out) => Value::str(crate::gocompat::gobytes::decode(&out)),
        None => args[2].clone(),
    })
}

pub(super) fn initials(args: &[Value]) -> Result<Value, String> {
    arity("initials", args, 1)?;
    let out: String = arg_str(&args[0])?
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .collect();
    Ok(Value::str(out))
}

/// goutils `WrapCustom(s, width, newline, wrapLongWords=true)`.
fn word_wrap(s: &str, width: usize, nl: &str) -> String {
    let width = width.max(1);
    let mut out = String::new();
    for (li, line) in s.split('\n').enumerate() {
        if li > 0 {
            out.push_str(nl);
        }
        let mut cur = String::new();
        for word in line.split(' ').filter(|w| !w.is_empty()) {
            let mut word: Vec<char> = word.chars().collect();
            if !cur.is_empty() && cur.chars().count() + 1 + word.len() > width {
                out.push_str(&cur);
                out.push_str(nl);
                cur.clear();
            }
            while word.len() > width {
                if !cur.is_empty() {
                    out.push_str(&cur);
                    out.push_str(nl);
                    cur.clear();
                }
                out.extend(word[..width].iter());
                out.push_str(nl);
                word = word[width..].to_vec();
            }
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.extend(word.iter());
        }
        out.push_str(&cur);
    }
    out
}

pub(super) fn wrap(args: &[Value]) -> Result<Value, String> {
    arity("wrap", args, 2)?;
    let w = arg_int(&args[0])?;
    Ok(Value::str(word_wrap(
        arg_str(&args[1])?,
        w.max(1) as usize,
        "\n",
    )))
}

pub(super) fn wrap_with(args: &[Value]) -> Result<Value, String> {
    arity("wrapWith", args, 3)?;
    let w = arg_int(&args[0])?;
    let (text, sep) = (arg_str(&args[2])?, arg_str(&args[1])?);
    super::check_size("wrapWith", text.len() as u128 * (1 + sep.len() as u128))?;
    Ok(Value::str(word_wrap(text, w.max(1) as usize, sep)))
}

pub(super) fn contains(args: &[Value]) -> Result<Value, String> {
    arity("contains", args, 2)?;
    Ok(Value::bool(arg_str(&args[1])?.contains(arg_str(&args[0])?)))
}

pub(super) fn has_prefix(args: &[Value]) -> Result<Value, String> {
    arity("hasPrefix", args, 2)?;
    Ok(Value::bool(
        arg_str(&args[1])?.starts_with(arg_str(&args[0])?),
    ))
}

pub(super) fn has_suffix(args: &[Value]) -> Result<Value, String> {
    arity("hasSuffix", args, 2)?;
    Ok(Value::bool(
        arg_str(&args[1])?.ends_with(arg_str(&args[0])?),
    ))
}

pub(super) fn cat(args: &[Value]) -> Result<Value, String> {
    let mut b = TextBuilder::default();
    let mut steps = super::Steps::new();
    for (i, a) in args.iter().filter(|a| !a.is_nil()).enumerate() {
        steps.step()?;
        if i > 0 {
            b.plain(" ");
        }
        let t = strval(a);
        super::check_size("cat", b.len() as u128 + t.s.len() as u128 + 1)?;
        b.text(&t);
    }
    Ok(b.value())
}

pub(super) fn replace(args: &[Value]) -> Result<Value, String> {
    arity("replace", args, 3)?;
    let (old, new) = (arg_str(&args[0])?, arg_str(&args[1])?);
    let t = str_text(&args[2])?;
    let s = t.as_str();
    let hits = if old.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(old).count()
    };
    super::check_size(
        "replace",
        s.len() as u128 + hits as u128 * new.len() as u128,
    )?;
    let mut b = TextBuilder::default();
    if old.is_empty() {
        // Go inserts `new` before every rune and at the end.
        for (i, c) in s.char_indices() {
            b.plain(new);
            b.slice(t, i, i + c.len_utf8());
        }
        b.plain(new);
        return Ok(b.value());
    }
    let mut last = 0;
    for (i, _) in s.match_indices(old) {
        b.slice(t, last, i);
        b.plain(new);
        last = i + old.len();
    }
    b.slice(t, last, s.len());
    Ok(b.value())
}

pub(super) fn plural(args: &[Value]) -> Result<Value, String> {
    arity("plural", args, 3)?;
    let n = arg_int(&args[2])?;
    Ok(if n == 1 {
        args[0].clone()
    } else {
        args[1].clone()
    })
}

/// xstrings' word kinds (`nextWord`).
#[derive(Clone, Copy, PartialEq)]
enum Word {
    Number,
    Upper,
    Alphabet,
    Connector,
    Punct,
    Other,
}

fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || c.is_whitespace()
}

/// xstrings' `isAlphabet`: a letter that is not CJK.
fn is_alphabet(c: char) -> bool {
    c.is_alphabetic() && !matches!(c as u32, 0x3400..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Go's `unicode.IsPunct` (category P) for ASCII, and the common punctuation blocks beyond.
fn is_punct(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_punctuation()
            && !matches!(c, '$' | '+' | '<' | '=' | '>' | '^' | '`' | '|' | '~');
    }
    matches!(c as u32, 0x00A1 | 0x00A7 | 0x00AB | 0x00B6 | 0x00B7 | 0x00BB | 0x00BF | 0x2010..=0x2027 | 0x2030..=0x205E | 0x3001..=0x3003 | 0x3008..=0x3011)
}

/// xstrings' `nextWord`: the kind and text of the word `s` starts with, and the rest.
fn next_word(s: &str) -> (Word, &str, &str) {
    let mut chars = s.char_indices().peekable();
    let Some((_, r)) = chars.next() else {
        return (Word::Other, "", "");
    };
    let mut offset = r.len_utf8();
    let take_while = |chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
                      offset: &mut usize,
                      keep: &dyn Fn(char) -> bool| {
        while let Some(&(_, c)) = chars.peek() {
            if !keep(c) {
                break;
            }
            *offset += c.len_utf8();
            chars.next();
        }
    };
    let kind = if is_connector(r) {
        take_while(&mut chars, &mut offset, &is_connector);
        Word::Connector
    } else if is_punct(r) {
        take_while(&mut chars, &mut offset, &is_punct);
        Word::Punct
    } else if r.is_uppercase() {
        if let Some(&(_, r2)) = chars.peek() {
            if r2.is_uppercase() {
                let mut prev = r2.len_utf8();
                offset += prev;
                chars.next();
                while let Some(&(_, c)) = chars.peek() {
                    if !c.is_uppercase() {
                        break;
                    }
                    prev = c.len_utf8();
                    offset += prev;
                    chars.next();
                }
                // "HTTPStatus" is "HTTP" and "Status".
                if chars.peek().is_some_and(|&(_, c)| is_alphabet(c)) {
                    offset -= prev;
                }
            } else if is_alphabet(r2) {
                offset += r2.len_utf8();
                chars.next();
                take_while(&mut chars, &mut offset, &|c| {
                    is_alphabet(c) && !c.is_uppercase()
                });
            }
        }
        Word::Upper
    } else if is_alphabet(r) {
        take_while(&mut chars, &mut offset, &|c| {
            is_alphabet(c) && !c.is_uppercase()
        });
        Word::Alphabet
    } else if r.is_numeric() {
        take_while(&mut chars, &mut offset, &char::is_numeric);
        Word::Number
    } else {
        take_while(&mut chars, &mut offset, &|c| {
            !(is_connector(c) || is_alphabet(c) || c.is_numeric() || is_punct(c))
        });
        Word::Other
    };
    (kind, &s[..offset], &s[offset..])
}

/// xstrings' `toLower`: an upper-case or connector word lower-cased, its connectors replaced.
fn to_lower_word(out: &mut String, kind: Word, word: &str, connector: char) {
    if kind != Word::Upper && kind != Word::Connector {
        out.push_str(word);
        return;
    }
    for c in word.chars() {
        if is_connector(c) {
            out.push(connector);
        } else if c.is_uppercase() {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
}

/// xstrings' `camelCaseToLowerCase` (`snakecase`, `kebabcase`): words lower-cased and joined
/// by `connector`; every connector kept (each becomes `connector`), punctuation kept, a number
/// joined to the word before it unless lower-case letters follow it (`http2xx` → `http_2xx`,
/// `Bld4Floor` → `bld4_floor`).
fn camel_to_lower(s: &str, connector: char) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    if s.is_empty() {
        return out;
    }
    let (mut wt, mut word, mut remaining) = next_word(s);
    while !remaining.is_empty() {
        if wt != Word::Connector {
            to_lower_word(&mut out, wt, word, connector);
        }
        let (prev, last) = (wt, word);
        (wt, word, remaining) = next_word(remaining);
        match prev {
            Word::Number => {
                while wt == Word::Alphabet || wt == Word::Number {
                    to_lower_word(&mut out, wt, word, connector);
                    (wt, word, remaining) = next_word(remaining);
                }
                if wt != Word::Punct && wt != Word::Connector && !word.is_empty() {
                    out.push(connector);
                }
            }
            Word::Connector => to_lower_word(&mut out, prev, last, connector),
            Word::Punct => {}
            _ => {
                if wt != Word::Number {
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(connector);
                    }
                    continue;
                }
                if remaining.is_empty() {
                    continue;
                }
                let last = word;
                (wt, word, remaining) = next_word(remaining);
                // A number is part of the word before it ("Bld4Floor" → "bld4_floor").
                if wt != Word::Alphabet {
                    to_lower_word(&mut out, Word::Number, last, connector);
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(connector);
                    }
                    continue;
                }
                // Lower-case letters after a number: a connector before it ("HTTP2xx").
                out.push(connector);
                to_lower_word(&mut out, Word::Number, last, connector);
                while wt == Word::Alphabet || wt == Word::Number {
                    to_lower_word(&mut out, wt, word, connector);
                    (wt, word, remaining) = next_word(remaining);
                }
                if wt != Word::Connector && wt != Word::Punct && !word.is_empty() {
                    out.push(connector);
                }
            }
        }
    }
    to_lower_word(&mut out, wt, word, connector);
    out
}

pub(super) fn snakecase(args: &[Value]) -> Result<Value, String> {
    arity("snakecase", args, 1)?;
    Ok(Value::str(camel_to_lower(arg_str(&args[0])?, '_')))
}

pub(super) fn kebabcase(args: &[Value]) -> Result<Value, String> {
    arity("kebabcase", args, 1)?;
    Ok(Value::str(camel_to_lower(arg_str(&args[0])?, '-')))
}

/// xstrings (v1.5) `ToPascalCase` (Sprig's `camelcase`): words separated by `_`, `-` or white
/// space are joined, each capitalised (the first too); a word that starts upper-case has the
/// rest of that upper-case run lower-cased (`HTTPServer` → `Httpserver`, `LOG_LEVEL` →
/// `LogLevel`), other capitals stay (`apiURL` → `ApiURL`); leading connectors stay, a connector
/// repeated keeps all but the last of the run (`_complex__case_` → `_Complex_Case_`), trailing
/// ones stay, and a string of connectors only gets its last one twice (`__` → `___`).
pub(super) fn camelcase(args: &[Value]) -> Result<Value, String> {
    arity("camelcase", args, 1)?;
    let s = arg_str(&args[0])?;
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 1);
    let Some(first) = chars.iter().position(|c| !is_connector(*c)) else {
        out.push_str(s);
        out.extend(chars.last());
        return Ok(Value::str(out));
    };
    out.extend(chars[..first].iter());
    out.extend(chars[first].to_uppercase());
    let mut caps_run = chars[first].is_uppercase();
    for i in first + 1..chars.len() {
        let (p, c) = (chars[i - 1], chars[i]);
        if is_connector(c) {
            // A connector is dropped when a word follows it; kept in a run or at the end.
            if chars.get(i + 1).is_none_or(|n| is_connector(*n)) {
                out.push(c);
            }
        } else if is_connector(p) {
            caps_run = c.is_uppercase();
            out.extend(c.to_uppercase());
        } else if caps_run && c.is_uppercase() {
            out.extend(c.to_lowercase());
        } else {
            caps_run = false;
            out.push(c);
        }
    }
    Ok(Value::str(out))
}

pub(super) fn swapcase(args: &[Value]) -> Result<Value, String> {
    arity("swapcase", args, 1)?;
    let mut out = String::new();
    for c in arg_str(&args[0])?.chars() {
        if c.is_uppercase() {
            out.extend(c.to_lowercase());
        } else if c.is_lowercase() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
    }
    Ok(Value::str(out))
}

pub(super) fn shuffle(args: &[Value]) -> Result<Value, String> {
    arity("shuffle", args, 1)?;
    let mut cs: Vec<char> = arg_str(&args[0])?.chars().collect();
    cs.shuffle(&mut rand::rng());
    Ok(Value::str(cs.into_iter().collect::<String>()))
}

fn indent_text(pad: usize, t: &Text, lead_nl: bool) -> Result<Value, String> {
    let lines = t.as_str().matches('\n').count() as u128 + 1;
    super::check_size(
        "indent",
        t.s.len() as u128 + u128::from(lead_nl) + lines * pad as u128,
    )?;
    let p = " ".repeat(pad);
    let mut b = TextBuilder::default();
    if lead_nl {
        b.plain("\n");
    }
    b.plain(&p);
    let s = t.as_str();
    let mut last = 0;
    for (i, _) in s.match_indices('\n') {
        b.slice(t, last, i + 1);
        b.plain(&p);
        last = i + 1;
    }
    b.slice(t, last, s.len());
    Ok(b.value())
}

pub(super) fn indent(args: &[Value]) -> Result<Value, String> {
    arity("indent", args, 2)?;
    // Sprig's `strings.Repeat(" ", spaces)` panics on a negative count (a template error).
    let n = usize::try_from(arg_int(&args[0])?)
        .map_err(|_| "strings: negative Repeat count".to_string())?;
    indent_text(n, str_text(&args[1])?, false)
}

pub(super) fn nindent(args: &[Value]) -> Result<Value, String> {
    arity("nindent", args, 2)?;
    // Sprig's `strings.Repeat(" ", spaces)` panics on a negative count (a template error).
    let n = usize::try_from(arg_int(&args[0])?)
        .map_err(|_| "strings: negative Repeat count".to_string())?;
    indent_text(n, str_text(&args[1])?, true)
}

/// Go's `strings.Split` (empty separator splits into runes).
fn go_split<'a>(s: &'a str, sep: &str, n: i64) -> Vec<(usize, usize)> {
    let _ = s as &'a str;
    let mut out = Vec::new();
    if n == 0 {
        return out;
    }
    if sep.is_empty() {
        let idx: Vec<(usize, char)> = s.char_indices().collect();
        for (k, (i, c)) in idx.iter().enumerate() {
            if n > 0 && out.len() as i64 == n - 1 {
                out.push((*i, s.len()));
                return out;
            }
            let _ = k;
            out.push((*i, i + c.len_utf8()));
        }
        return out;
    }
    let mut last = 0;
    for (i, _) in s.match_indices(sep) {
        if n > 0 && out.len() as i64 == n - 1 {
            break;
        }
        out.push((last, i));
        last = i + sep.len();
    }
    out.push((last, s.len()));
    out
}

/// How many pieces Go's `strings.SplitN(s, sep, n)` gives, counted before splitting.
fn split_count(s: &str, sep: &str, n: i64) -> u128 {
    let all = if sep.is_empty() {
        s.chars().count() as u128
    } else {
        s.matches(sep).count() as u128 + 1
    };
    if n < 0 { all } else { all.min(n as u128) }
}

/// Go's split as `{_0: .., _1: ..}` (Sprig's `split`/`splitn`), the size checked first.
fn split_map(name: &str, t: &Text, sep: &str, n: i64) -> Result<Value, String> {
    super::check_items(name, split_count(&t.s, sep, n))?;
    let mut m = Map::new();
    let mut steps = super::Steps::new();
    for (i, (a, b)) in go_split(&t.s, sep, n).into_iter().enumerate() {
        steps.step()?;
        m.insert(format!("_{i}"), text_slice(t, a, b));
    }
    Ok(Value::map(m))
}

pub(super) fn split(args: &[Value]) -> Result<Value, String> {
    arity("split", args, 2)?;
    let sep = arg_str(&args[0])?;
    split_map("split", str_text(&args[1])?, sep, -1)
}

pub(super) fn splitn(args: &[Value]) -> Result<Value, String> {
    arity("splitn", args, 3)?;
    let sep = arg_str(&args[0])?;
    let n = arg_int(&args[1])?;
    split_map("splitn", str_text(&args[2])?, sep, n)
}

pub(super) fn split_list(args: &[Value]) -> Result<Value, String> {
    arity("splitList", args, 2)?;
    let sep = arg_str(&args[0])?;
    let t = str_text(&args[1])?;
    super::check_items("splitList", split_count(&t.s, sep, -1))?;
    let mut out = Vec::new();
    let mut steps = super::Steps::new();
    for (a, b) in go_split(&t.s, sep, -1) {
        steps.step()?;
        out.push(text_slice(t, a, b));
    }
    Ok(Value::list(out))
}

pub(super) fn join(args: &[Value]) -> Result<Value, String> {
    arity("join", args, 2)?;
    let sep = arg_str(&args[0])?;
    let items = strslice(&args[1]);
    let total: u128 = items.iter().map(|t| t.s.len() as u128).sum();
    super::check_size("join", total + items.len() as u128 * sep.len() as u128)?;
    let mut b = TextBuilder::default();
    for (i, t) in items.iter().enumerate() {
        if i > 0 {
            b.plain(sep);
        }
        b.text(t);
    }
    Ok(b.value())
}

pub(super) fn sort_alpha(args: &[Value]) -> Result<Value, String> {
    arity("sortAlpha", args, 1)?;
    let mut items = match &args[0] {
        Value::List(_) => strslice(&args[0]),
        other => vec![strval(other)],
    };
    items.sort_by(|a, b| a.s.cmp(&b.s));
    Ok(Value::list(items.into_iter().map(Value::Str).collect()))
}

/// Go's `path.Clean`.
fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

pub(super) fn path_clean(args: &[Value]) -> Result<Value, String> {
    arity("clean", args, 1)?;
    Ok(Value::str(clean(arg_str(&args[0])?)))
}

pub(super) fn path_base(args: &[Value]) -> Result<Value, String> {
    arity("base", args, 1)?;
    let p = arg_str(&args[0])?;
    if p.is_empty() {
        return Ok(Value::str("."));
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return Ok(Value::str("/"));
    }
    Ok(Value::str(t.rsplit('/').next().unwrap_or(t)))
}

pub(super) fn path_dir(args: &[Value]) -> Result<Value, String> {
    arity("dir", args, 1)?;
    let p = arg_str(&args[0])?;
    let d = match p.rfind('/') {
        Some(i) => &p[..=i],
        None => "",
    };
    Ok(Value::str(clean(d)))
}

pub(super) fn path_ext(args: &[Value]) -> Result<Value, String> {
    arity("ext", args, 1)?;
    let p = arg_str(&args[0])?;
    for (i, c) in p.char_indices().rev() {
        if c == '/' {
            break;
        }
        if c == '.' {
            return Ok(Value::str(&p[i..]));
        }
    }
    Ok(Value::str(""))
}

pub(super) fn path_is_abs(args: &[Value]) -> Result<Value, String> {
    arity("isAbs", args, 1)?;
    Ok(Value::bool(arg_str(&args[0])?.starts_with('/')))
}

pub(super) fn fail(args: &[Value]) -> Result<Value, String> {
    arity_min("fail", args, 1)?;
    Err(arg_str(&args[0])?.to_string())
}
