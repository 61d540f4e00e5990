//! Go's `encoding/json` `Unmarshal` into `interface{}` (what Sprig's `fromJson` and
//! `fromJsonArray` call), written from its documented behaviour: the whole text is first
//! checked by Go's scanner, and a syntax error — with Go's wording, `invalid character 'x' after
//! top-level value`, `unexpected end of JSON input` — decodes nothing. A valid text then
//! decodes with numbers as float64; a number that does not fit one becomes nil and Go keeps
//! going, keeping its first error (`json: cannot unmarshal number 1e400 into Go value of type
//! float64`), so the caller gets a partial result and the error.

use crate::model::value::{MAX_VALUE_DEPTH, Map, Value};

/// What the text holds at its top level.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Kind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

impl Kind {
    /// The word Go's `UnmarshalTypeError` uses for it.
    pub fn go_word(self) -> &'static str {
        match self {
            Kind::Object => "object",
            Kind::Array => "array",
            Kind::String => "string",
            Kind::Number => "number",
            Kind::Bool => "bool",
            Kind::Null => "null",
        }
    }
}

/// A decoded text: the value, its top-level kind, and Go's first decoding error if any.
pub struct Decoded {
    pub value: Value,
    pub kind: Kind,
    pub error: Option<String>,
}

/// Decodes `s` as Go does; `Err` is a syntax error (nothing decoded) with Go's message.
pub fn unmarshal(s: &str) -> Result<Decoded, String> {
    let b = s.as_bytes();
    let mut p = Parser {
        b,
        i: 0,
        error: None,
    };
    p.ws();
    let kind = match b.get(p.i) {
        Some(b'{') => Kind::Object,
        Some(b'[') => Kind::Array,
        Some(b'"') => Kind::String,
        Some(b't' | b'f') => Kind::Bool,
        Some(b'n') => Kind::Null,
        _ => Kind::Number,
    };
    let value = p.value(0)?;
    p.ws();
    if let Some(&c) = b.get(p.i) {
        return Err(format!(
            "invalid character {} after top-level value",
            quote_char(c)
        ));
    }
    Ok(Decoded {
        value,
        kind,
        error: p.error,
    })
}

/// Go's `quoteChar`: the offending byte as a quoted character.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".into(),
        b'"' => "'\"'".into(),
        _ => {
            let q = crate::gocompat::quote::quote_with(&char::from(c).to_string(), false);
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

const EOF: &str = "unexpected end of JSON input";

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    error: Option<String>,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Result<u8, String> {
        self.b.get(self.i).copied().ok_or_else(|| EOF.to_string())
    }

    /// The next byte where Go's scanner is inside a literal or a number: at the end of the
    /// text it steps a space through the state (`scanner.eof`), so `tru` fails as
    /// `invalid character ' ' in literal true (expecting 'e')`.
    fn peek_or_space(&self) -> u8 {
        self.b.get(self.i).copied().unwrap_or(b' ')
    }

    fn invalid_at(&self, c: u8, context: &str) -> String {
        format!("invalid character {} {context}", quote_char(c))
    }

    fn invalid(&self, context: &str) -> String {
        match self.b.get(self.i) {
            Some(&c) => format!("invalid character {} {context}", quote_char(c)),
            None => EOF.into(),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        self.ws();
        if depth > MAX_VALUE_DEPTH {
            return Err("exceeded max depth".into());
        }
        match self.peek()? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => Ok(Value::str(self.string()?)),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal("true", Value::bool(true)),
            b'f' => self.literal("false", Value::bool(false)),
            b'n' => self.literal("null", Value::Nil),
            _ => Err(self.invalid("looking for beginning of value")),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, String> {
        self.i += 1;
        let mut m = Map::new();
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Ok(Value::map(m));
        }
        loop {
            self.ws();
            if self.peek()? != b'"' {
                return Err(self.invalid("looking for beginning of object key string"));
            }
            let k = self.string()?;
            self.ws();
            if self.peek()? != b':' {
                return Err(self.invalid("after object key"));
            }
            self.i += 1;
            let v = self.value(depth + 1)?;
            m.insert(k, v);
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Ok(Value::map(m));
                }
                _ => return Err(self.invalid("after object key:value pair")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, String> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek()? == b']' {
            self.i += 1;
            return Ok(Value::list(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Ok(Value::list(items));
                }
                _ => return Err(self.invalid("after array element")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut v = 0;
        for _ in 0..4 {
            let c = self.peek()?;
            let d = (c as char)
                .to_digit(16)
                .ok_or_else(|| self.invalid("in \\u hexadecimal character escape"))?;
            v = v * 16 + d;
            self.i += 1;
        }
        Ok(v)
    }

    /// A string literal; a lone or broken surrogate escape decodes to U+FFFD as in Go.
    fn string(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out = String::new();
        let mut run = self.i;
        loop {
            let c = self.peek()?;
            match c {
                b'"' => {
                    out.push_str(&String::from_utf8_lossy(&self.b[run..self.i]));
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(&String::from_utf8_lossy(&self.b[run..self.i]));
                    self.i += 1;
                    let e = self.peek()?;
                    self.i += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e as char),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let u = self.hex4()?;
                            let high = (0xD800..0xDC00).contains(&u);
                            let pair = high
                                && self.b.get(self.i) == Some(&b'\\')
                                && self.b.get(self.i + 1) == Some(&b'u');
                            let mut c = char::from_u32(u);
                            if pair {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    c = char::from_u32(
                                        0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00),
                                    );
                                } else {
                                    self.i = save;
                                }
                            }
                            out.push(c.unwrap_or('\u{fffd}'));
                        }
                        _ => {
                            self.i -= 1;
                            return Err(self.invalid("in string escape code"));
                        }
                    }
                    run = self.i;
                }
                c if c < 0x20 => return Err(self.invalid("in string literal")),
                _ => self.i += 1,
            }
        }
    }

    fn digits(&mut self) {
        while matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
            self.i += 1;
        }
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        if self.peek()? == b'-' {
            self.i += 1;
        }
        match self.peek_or_space() {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits(),
            c => return Err(self.invalid_at(c, "in numeric literal")),
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            let c = self.peek_or_space();
            if !c.is_ascii_digit() {
                return Err(self.invalid_at(c, "after decimal point in numeric literal"));
            }
            self.digits();
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek_or_space(), b'+' | b'-') {
                self.i += 1;
            }
            let c = self.peek_or_space();
            if !c.is_ascii_digit() {
                return Err(self.invalid_at(c, "in exponent of numeric literal"));
            }
            self.digits();
        }
        let text = std::str::from_utf8(&self.b[start..self.i]).unwrap_or("0");
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::float(f)),
            _ => {
                self.error.get_or_insert_with(|| {
                    format!("json: cannot unmarshal number {text} into Go value of type float64")
                });
                Ok(Value::Nil)
            }
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, String> {
        for &want in word.as_bytes() {
            let c = self.peek_or_space();
            if c != want {
                return Err(self.invalid_at(
                    c,
                    &format!("in literal {word} (expecting '{}')", want as char),
                ));
            }
            self.i += 1;
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> String {
        unmarshal(s).err().unwrap_or_default()
    }

    /// Messages as Go's scanner words them (encoding/json scanner.go's states).
    #[test]
    fn syntax_errors_in_go_words() {
        assert_eq!(err(""), "unexpected end of JSON input");
        assert_eq!(err("{\"a\":1,\"b\":"), "unexpected end of JSON input");
        assert_eq!(
            err("{\"a\":1} x"),
            "invalid character 'x' after top-level value"
        );
        assert_eq!(err("{\"a\" 1}"), "invalid character '1' after object key");
        assert_eq!(
            err("{\"a\":1,}"),
            "invalid character '}' looking for beginning of object key string"
        );
        assert_eq!(err("[1 2]"), "invalid character '2' after array element");
        assert_eq!(
            err("[1,]"),
            "invalid character ']' looking for beginning of value"
        );
        assert_eq!(
            err("tru"),
            "invalid character ' ' in literal true (expecting 'e')"
        );
        assert_eq!(err("[-"), "invalid character ' ' in numeric literal");
        assert_eq!(
            err("trux"),
            "invalid character 'x' in literal true (expecting 'e')"
        );
        assert_eq!(err("-x"), "invalid character 'x' in numeric literal");
        assert_eq!(
            err("1.x"),
            "invalid character 'x' after decimal point in numeric literal"
        );
        assert_eq!(
            err("1ex"),
            "invalid character 'x' in exponent of numeric literal"
        );
        assert_eq!(
            err("\"\\q\""),
            "invalid character 'q' in string escape code"
        );
        assert_eq!(
            err("\"\\u12x4\""),
            "invalid character 'x' in \\u hexadecimal character escape"
        );
        assert_eq!(err("\"a\nb\""), "invalid character '\\n' in string literal");
        assert_eq!(
            err("'a'"),
            "invalid character '\\'' looking for beginning of value"
        );
        assert_eq!(err("01"), "invalid character '1' after top-level value");
    }

    #[test]
    fn out_of_range_numbers_become_nil() {
        let d = unmarshal("{\"a\":1e400,\"b\":[2,-1e999]}").unwrap();
        assert_eq!(
            d.error.as_deref(),
            Some("json: cannot unmarshal number 1e400 into Go value of type float64")
        );
        assert_eq!(d.kind, Kind::Object);
        // `map[a:<nil> b:[2 <nil>]]` as Go prints it.
        assert!(d.value.get("a").is_some_and(|a| a.is_nil()));
        let b = d.value.get("b");
        let Some(Value::List(b)) = &b else {
            panic!("b is not a list");
        };
        assert!(matches!(b[0], Value::Float(f, _) if f == 2.0));
        assert!(b[1].is_nil());
        assert_eq!(b.len(), 2);
    }
}
