//! Lexer for Go's text/template: splits a template into text and action tokens, applying the
//! `{{-` / `-}}` trim markers, skipping comments, and reporting errors with Go's wording.

/// Token kinds inside and around actions.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// Plain text between actions (already trimmed by trim markers).
    Text(String),
    /// `{{` (with or without trim marker).
    LeftDelim,
    /// `}}` (with or without trim marker).
    RightDelim,
    Space,
    /// `:=`
    Declare,
    /// `=`
    Assign,
    Pipe,
    LeftParen,
    RightParen,
    Comma,
    /// `.` alone.
    Dot,
    /// `.name` (the name without the dot).
    Field(String),
    /// `$name` or `$` (with the `$`).
    Variable(String),
    /// An identifier or keyword.
    Ident(String),
    /// A quoted string: raw source text including quotes.
    Str(String),
    /// A raw string: raw source text including backquotes.
    RawStr(String),
    /// A character constant: raw source text including quotes.
    Char(String),
    /// A number: raw source text.
    Number(String),
    Bool(bool),
    Nil,
    Eof,
}

/// A token and its byte offset in the template text.
#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    pub pos: usize,
}

/// A lexing error: message and byte offset.
#[derive(Debug)]
pub struct LexError {
    pub msg: String,
    pub pos: usize,
    /// For "unclosed action": where the action started (Go adds "started at NAME:LINE" when
    /// that is on another line).
    pub started: Option<usize>,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Tokenises a whole template: the tokens, and the lexing error that stopped it, if any, with
/// the tokens before it (Go's lexer hands the parser its items one by one, so an error the
/// parser finds in them comes before the lexing error).
pub fn lex(src: &str) -> (Vec<Token>, Option<LexError>) {
    let mut toks = Vec::new();
    let err = lex_into(src, &mut toks).err();
    (toks, err)
}

fn lex_into(src: &str, toks: &mut Vec<Token>) -> Result<(), LexError> {
    let b = src.as_bytes();
    let mut pos = 0usize;
    let mut trim_next_text = false;
    loop {
        // Text up to the next "{{".
        let start = pos;
        let next = src[pos..].find("{{").map(|i| i + pos);
        let text_end = next.unwrap_or(b.len());
        let left_trim = match next {
            Some(n) => b.get(n + 2) == Some(&b'-') && b.get(n + 3).is_some_and(|c| is_space(*c)),
            None => false,
        };
        let mut t = &src[start..text_end];
        if trim_next_text {
            t = t.trim_start_matches([' ', '\t', '\r', '\n']);
        }
        // The text token's position is where its (trimmed) text starts in the source, so the
        // executor can tell which template line produced each output byte.
        let text_pos = text_end - t.len();
        if left_trim {
            t = t.trim_end_matches([' ', '\t', '\r', '\n']);
        }
        if !t.is_empty() {
            toks.push(Token {
                tok: Tok::Text(t.to_string()),
                pos: text_pos,
            });
        }
        let Some(n) = next else {
            toks.push(Token {
                tok: Tok::Eof,
                pos: b.len(),
            });
            return Ok(());
        };
        // Inside the action.
        let delim_pos = n;
        pos = n + 2;
        if left_trim {
            pos += 2;
        }
        // Comment?
        let after_space = pos;
        if src[after_space..].starts_with("/*") {
            let Some(end) = src[after_space + 2..].find("*/") else {
                return Err(LexError {
                    started: None,
                    msg: "unclosed comment".into(),
                    pos: delim_pos,
                });
            };
            let mut p = after_space + 2 + end + 2;
            let mut rtrim = false;
            // Optional " -" trim marker, then "}}".
            if src[p..].starts_with(" -}}")
                || src[p..].starts_with("\t-}}")
                || src[p..].starts_with("\n-}}")
            {
                rtrim = true;
                p += 2;
            }
            if !src[p..].starts_with("}}") {
                return Err(LexError {
                    started: None,
                    msg: "comment ends before closing delimiter".into(),
                    pos: delim_pos,
                });
            }
            pos = p + 2;
            trim_next_text = rtrim;
            continue;
        }
        toks.push(Token {
            tok: Tok::LeftDelim,
            pos: delim_pos,
        });
        let mut paren_depth = 0i32;
        loop {
            // Right delimiter, with or without trim marker.
            if b.get(pos).is_some_and(|c| is_space(*c)) {
                let mut p = pos;
                while p < b.len() && is_space(b[p]) {
                    p += 1;
                }
                if b.get(p) == Some(&b'-') && src[p + 1..].starts_with("}}") {
                    if paren_depth > 0 {
                        return Err(LexError {
                            started: None,
                            msg: "unclosed left paren".into(),
                            pos,
                        });
                    }
                    toks.push(Token {
                        tok: Tok::RightDelim,
                        pos: p,
                    });
                    pos = p + 3;
                    trim_next_text = true;
                    break;
                }
                toks.push(Token {
                    tok: Tok::Space,
                    pos,
                });
                pos = p;
                continue;
            }
            if src[pos..].starts_with("}}") {
                if paren_depth > 0 {
                    return Err(LexError {
                        started: None,
                        msg: "unclosed left paren".into(),
                        pos,
                    });
                }
                toks.push(Token {
                    tok: Tok::RightDelim,
                    pos,
                });
                pos += 2;
                trim_next_text = false;
                break;
            }
            let Some(c) = src[pos..].chars().next() else {
                return Err(LexError {
                    msg: "unclosed action".into(),
                    pos: b.len(),
                    started: Some(delim_pos),
                });
            };
            let tpos = pos;
            match c {
                '=' => {
                    toks.push(Token {
                        tok: Tok::Assign,
                        pos,
                    });
                    pos += 1;
                }
                ':' => {
                    if b.get(pos + 1) != Some(&b'=') {
                        return Err(LexError {
                            started: None,
                            msg: "expected :=".into(),
                            pos,
                        });
                    }
                    toks.push(Token {
                        tok: Tok::Declare,
                        pos,
                    });
                    pos += 2;
                }
                '|' => {
                    toks.push(Token {
                        tok: Tok::Pipe,
                        pos,
                    });
                    pos += 1;
                }
                ',' => {
                    toks.push(Token {
                        tok: Tok::Comma,
                        pos,
                    });
                    pos += 1;
                }
                '(' => {
                    paren_depth += 1;
                    toks.push(Token {
                        tok: Tok::LeftParen,
                        pos,
                    });
                    pos += 1;
                }
                ')' => {
                    paren_depth -= 1;
                    if paren_depth < 0 {
                        return Err(LexError {
                            started: None,
                            msg: "unexpected right paren".into(),
                            pos,
                        });
                    }
                    toks.push(Token {
                        tok: Tok::RightParen,
                        pos,
                    });
                    pos += 1;
                }
                '"' => {
                    let mut p = pos + 1;
                    loop {
                        match b.get(p) {
                            None | Some(b'\n') => {
                                return Err(LexError {
                                    started: None,
                                    msg: "unterminated quoted string".into(),
                                    pos: tpos,
                                });
                            }
                            Some(b'\\') => {
                                if matches!(b.get(p + 1), None | Some(b'\n')) {
                                    return Err(LexError {
                                        started: None,
                                        msg: "unterminated quoted string".into(),
                                        pos: tpos,
                                    });
                                }
                                p += 2;
                            }
                            Some(b'"') => break,
                            _ => p += 1,
                        }
                    }
                    toks.push(Token {
                        tok: Tok::Str(src[pos..p + 1].to_string()),
                        pos,
                    });
                    pos = p + 1;
                }
                '`' => {
                    let Some(end) = src[pos + 1..].find('`') else {
                        return Err(LexError {
                            started: None,
                            msg: "unterminated raw quoted string".into(),
                            pos: tpos,
                        });
                    };
                    let p = pos + 1 + end;
                    toks.push(Token {
                        tok: Tok::RawStr(src[pos..p + 1].to_string()),
                        pos,
                    });
                    pos = p + 1;
                }
                '\'' => {
                    let mut p = pos + 1;
                    loop {
                        match b.get(p) {
                            None | Some(b'\n') => {
                                return Err(LexError {
                                    started: None,
                                    msg: "unterminated character constant".into(),
                                    pos: tpos,
                                });
                            }
                            Some(b'\\') => p += 2,
                            Some(b'\'') => break,
                            _ => p += 1,
                        }
                    }
                    let p = p.min(b.len() - 1);
                    toks.push(Token {
                        tok: Tok::Char(src[pos..p + 1].to_string()),
                        pos,
                    });
                    pos = p + 1;
                }
                '$' => {
                    let mut p = pos + 1;
                    while let Some(ch) = src[p..].chars().next() {
                        if !is_alnum(ch) {
                            break;
                        }
                        p += ch.len_utf8();
                    }
                    bad_terminator(src, p)?;
                    toks.push(Token {
                        tok: Tok::Variable(src[pos..p].to_string()),
                        pos,
                    });
                    pos = p;
                }
                '.' => {
                    // A number like .5, a field, or dot.
                    if b.get(pos + 1).is_some_and(|c| c.is_ascii_digit()) {
                        let p = scan_number(src, pos);
                        toks.push(Token {
                            tok: Tok::Number(src[pos..p].to_string()),
                            pos,
                        });
                        pos = p;
                        continue;
                    }
                    let mut p = pos + 1;
                    while let Some(ch) = src[p..].chars().next() {
                        if !is_alnum(ch) {
                            break;
                        }
                        p += ch.len_utf8();
                    }
                    bad_terminator(src, p)?;
                    if p == pos + 1 {
                        toks.push(Token { tok: Tok::Dot, pos });
                    } else {
                        toks.push(Token {
                            tok: Tok::Field(src[pos + 1..p].to_string()),
                            pos,
                        });
                    }
                    pos = p;
                }
                '+' | '-' | '0'..='9' => {
                    let p = scan_number(src, pos);
                    let text = &src[pos..p];
                    // A number must not run straight into an identifier character.
                    if let Some(ch) = src[p..].chars().next()
                        && is_alnum(ch)
                    {
                        let mut q = p;
                        while let Some(ch) = src[q..].chars().next() {
                            if !is_alnum(ch) && ch != '.' {
                                break;
                            }
                            q += ch.len_utf8();
                        }
                        return Err(LexError {
                            started: None,
                            msg: format!("bad number syntax: {:?}", &src[pos..q]),
                            pos,
                        });
                    }
                    if text == "+" || text == "-" {
                        return Err(LexError {
                            started: None,
                            msg: format!("bad character U+{:04X} '{}'", c as u32, c),
                            pos,
                        });
                    }
                    toks.push(Token {
                        tok: Tok::Number(text.to_string()),
                        pos,
                    });
                    pos = p;
                }
                c if is_alnum(c) => {
                    let mut p = pos;
                    while let Some(ch) = src[p..].chars().next() {
                        if !is_alnum(ch) {
                            break;
                        }
                        p += ch.len_utf8();
                    }
                    bad_terminator(src, p)?;
                    let word = &src[pos..p];
                    let tok = match word {
                        "true" => Tok::Bool(true),
                        "false" => Tok::Bool(false),
                        "nil" => Tok::Nil,
                        _ => Tok::Ident(word.to_string()),
                    };
                    toks.push(Token { tok, pos });
                    pos = p;
                }
                c => {
                    return Err(LexError {
                        started: None,
                        msg: format!("bad character U+{:04X} '{}'", c as u32, c),
                        pos,
                    });
                }
            }
        }
    }
}

/// Go's `atTerminator`: whether what follows a word (an identifier, field or variable) may end
/// it: a space, the end, `.`, `,`, `|`, `:`, `(`, `)` or the right delimiter.
fn at_terminator(src: &str, p: usize) -> bool {
    match src[p..].chars().next() {
        None | Some(' ' | '\t' | '\r' | '\n' | '.' | ',' | '|' | ':' | ')' | '(') => true,
        Some(_) => src[p..].starts_with("}}"),
    }
}

/// Go's lexer error for a word run into another character (`.Values.a-b`: "bad character
/// U+002D '-'"), at that character.
fn bad_terminator(src: &str, p: usize) -> Result<(), LexError> {
    if at_terminator(src, p) {
        return Ok(());
    }
    let c = src[p..].chars().next().unwrap_or_default();
    Err(LexError {
        started: None,
        msg: format!("bad character U+{:04X} '{}'", c as u32, c),
        pos: p,
    })
}

fn scan_number(src: &str, start: usize) -> usize {
    let b = src.as_bytes();
    let mut p = start;
    if matches!(b.get(p), Some(b'+' | b'-')) {
        p += 1;
    }
    let mut digits: &[u8] = b"0123456789_";
    let mut exp: &[u8] = b"eE";
    if b.get(p) == Some(&b'0') {
        match b.get(p + 1) {
            Some(b'x' | b'X') => {
                p += 2;
                digits = b"0123456789abcdefABCDEF_";
                exp = b"pP";
            }
            Some(b'o' | b'O') => {
                p += 2;
                digits = b"01234567_";
                exp = b"";
            }
            Some(b'b' | b'B') => {
                p += 2;
                digits = b"01_";
                exp = b"";
            }
            _ => {}
        }
    }
    while b.get(p).is_some_and(|c| digits.contains(c)) {
        p += 1;
    }
    if b.get(p) == Some(&b'.') {
        p += 1;
        while b.get(p).is_some_and(|c| digits.contains(c)) {
            p += 1;
        }
    }
    if !exp.is_empty() && b.get(p).is_some_and(|c| exp.contains(c)) {
        p += 1;
        if matches!(b.get(p), Some(b'+' | b'-')) {
            p += 1;
        }
        while b.get(p).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            p += 1;
        }
    }
    if b.get(p) == Some(&b'i') {
        p += 1;
    }
    p
}
