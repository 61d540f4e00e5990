//! Helm's `--set` syntax (`strvals`): `a.b=c,d[0]=e,f={x,y}`, `\` escapes, typed scalars.
//!
//! Semantics follow Helm's `pkg/strvals` parser (read for behaviour, not copied):
//! - keys end at `=`, `.`, `[` or `,`; `\` escapes the next character in keys and values;
//! - `--set` values are typed: `true`/`false` (any case) are booleans, `null` deletes (nil),
//!   `0` and integers without a leading zero are Go `int64`, everything else a string;
//! - `--set-string` keeps every value a string; `--set-file` reads the value as a path (the
//!   caller supplies the reader); `--set-json` parses the value as JSON;
//! - `{a,b}` is a list; `a[2]=x` grows a list with nulls (index at most [`MAX_INDEX`]);
//! - values are parsed *into* an existing map, so `--set a.b=1` keeps `a`'s other keys.

use std::sync::Arc;

use crate::model::value::{Map, Value};

/// Largest list index accepted (Helm's limit, so `a[99999999]=x` cannot allocate gigabytes).
pub const MAX_INDEX: usize = 65536;
/// Deepest nesting of dotted names accepted (Helm's limit).
pub const MAX_NESTED_NAME_LEVEL: usize = 30;

/// How the value part of `key=value` is turned into a [`Value`].
pub enum ValueKind<'a> {
    /// `--set`: typed scalars.
    Typed,
    /// `--set-string`: always strings.
    String,
    /// `--set-json`: JSON.
    Json,
    /// `--set-file`: the value is a path; the function returns the file's text.
    File(&'a dyn Fn(&str) -> Result<String, String>),
}

/// Parses one `--set`-style argument into `into` (merging with what is there).
pub fn parse_into(arg: &str, into: &mut Map, kind: &ValueKind) -> Result<(), String> {
    let mut p = Parser {
        chars: arg.chars().collect(),
        pos: 0,
        kind,
    };
    loop {
        match p.key(into, 0) {
            Ok(true) => continue,
            Ok(false) => return Ok(()),
            Err(e) => return Err(format!("failed parsing --set data: {e}")),
        }
    }
}

/// Parses one `--set`-style argument into a new map.
pub fn parse(arg: &str, kind: &ValueKind) -> Result<Map, String> {
    let mut m = Map::new();
    parse_into(arg, &mut m, kind)?;
    Ok(m)
}

/// Go's `int64` parsing as Helm's `typedVal` does it.
fn typed_val(s: &str) -> Value {
    if s.eq_ignore_ascii_case("true") {
        return Value::bool(true);
    }
    if s.eq_ignore_ascii_case("false") {
        return Value::bool(false);
    }
    if s.eq_ignore_ascii_case("null") {
        return Value::Nil;
    }
    if s == "0" {
        return Value::int(0);
    }
    // A leading zero keeps the value a string (`0123` is not a number).
    if s.len() > 1 && s.starts_with('0') {
        return Value::str(s);
    }
    if let Ok(i) = s.parse::<i64>() {
        // Go's ParseInt accepts a leading '+' or '-', as does Rust's.
        return Value::int(i);
    }
    Value::str(s)
}

struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    kind: &'a ValueKind<'a>,
}

/// Result of reading up to a stop character.
struct Until {
    text: String,
    /// The stop character found, `None` at end of input.
    stop: Option<char>,
}

impl<'a> Parser<'a> {
    fn until(&mut self, stops: &[char]) -> Until {
        let mut text = String::new();
        while let Some(&c) = self.chars.get(self.pos) {
            self.pos += 1;
            if stops.contains(&c) {
                return Until {
                    text,
                    stop: Some(c),
                };
            }
            if c == '\\' {
                if let Some(&n) = self.chars.get(self.pos) {
                    self.pos += 1;
                    text.push(n);
                }
                continue;
            }
            text.push(c);
        }
        Until { text, stop: None }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    /// Reads one `key...=value` item into `data`. Returns whether another item follows (`,`).
    fn key(&mut self, data: &mut Map, level: usize) -> Result<bool, String> {
        let u = self.until(&['=', '[', ',', '.']);
        let k = u.text;
        match u.stop {
            None => {
                if k.is_empty() {
                    return Ok(false);
                }
                Err(format!("key \"{k}\" has no value"))
            }
            Some(',') => {
                data.insert(k.clone(), Value::str(""));
                Err(format!("key \"{k}\" has no value (cannot end with ,)"))
            }
            Some('[') => {
                if k.is_empty() {
                    return Err("key \"\" has no value".into());
                }
                let i = self.key_index()?;
                let mut list = match data.get(&k) {
                    Some(Value::List(l)) => l.as_ref().clone(),
                    _ => Vec::new(),
                };
                let more = self.list_item(&mut list, i, level)?;
                data.insert(k, Value::list(list));
                Ok(more)
            }
            Some('=') => {
                let (v, more) = self.value()?;
                set(data, k, v);
                Ok(more)
            }
            Some(_) => {
                // '.': a nested map
                if level + 1 > MAX_NESTED_NAME_LEVEL {
                    return Err(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    ));
                }
                let mut inner = match data.get(&k) {
                    Some(Value::Map(m)) => m.read().as_ref().clone(),
                    _ => Map::new(),
                };
                let more = self.key(&mut inner, level + 1)?;
                data.insert(k, Value::map(inner));
                Ok(more)
            }
        }
    }

    /// Reads `N]` after `[`.
    fn key_index(&mut self) -> Result<usize, String> {
        let u = self.until(&[']']);
        if u.stop.is_none() {
            return Err("error parsing index: missing ']'".into());
        }
        let t = u.text.trim();
        let i: i64 = t.parse().map_err(|_| {
            format!("error parsing index: strconv.Atoi: parsing \"{t}\": invalid syntax")
        })?;
        if i < 0 {
            return Err(format!("negative {i} index not allowed"));
        }
        let i = i as usize;
        if i > MAX_INDEX {
            return Err(format!(
                "index of {i} is greater than maximum supported index value of {MAX_INDEX}"
            ));
        }
        Ok(i)
    }

    /// After `name[i]`: `=value`, `.key...`, or `[j]...`.
    fn list_item(&mut self, list: &mut Vec<Value>, i: usize, level: usize) -> Result<bool, String> {
        let u = self.until(&['[', '.', '=']);
        if !u.text.is_empty() {
            return Err(format!(
                "unexpected data at end of array index: {:?}",
                u.text
            ));
        }
        if list.len() <= i {
            list.resize(i + 1, Value::Nil);
        }
        match u.stop {
            None => Err("unexpected end of input after array index".into()),
            Some('=') => {
                let (v, more) = self.value()?;
                list[i] = v;
                Ok(more)
            }
            Some('.') => {
                let mut inner = match &list[i] {
                    Value::Map(m) => m.read().as_ref().clone(),
                    _ => Map::new(),
                };
                let more = self.key(&mut inner, level)?;
                list[i] = Value::map(inner);
                Ok(more)
            }
            Some(_) => {
                let j = self.key_index()?;
                let mut inner = match &list[i] {
                    Value::List(l) => l.as_ref().clone(),
                    _ => Vec::new(),
                };
                let more = self.list_item(&mut inner, j, level)?;
                list[i] = Value::list(inner);
                Ok(more)
            }
        }
    }

    /// The value after `=`, and whether another item follows.
    fn value(&mut self) -> Result<(Value, bool), String> {
        if let ValueKind::Json = self.kind {
            return self.json_value();
        }
        if self.peek() == Some('{') && matches!(self.kind, ValueKind::Typed | ValueKind::String) {
            self.pos += 1;
            let mut items = Vec::new();
            loop {
                let u = self.until(&[',', '}']);
                match u.stop {
                    None => return Err("list must terminate with '}'".into()),
                    Some(',') => items.push(self.scalar(&u.text)?),
                    Some(_) => {
                        if !(u.text.is_empty() && items.is_empty()) {
                            items.push(self.scalar(&u.text)?);
                        }
                        break;
                    }
                }
            }
            return match self.peek() {
                None => Ok((Value::list(items), false)),
                Some(',') => {
                    self.pos += 1;
                    Ok((Value::list(items), true))
                }
                Some(c) => Err(format!(
                    "list must terminate with '}}' then ',' or end, found {c:?}"
                )),
            };
        }
        let u = self.until(&[',']);
        let v = self.scalar(&u.text)?;
        Ok((v, u.stop.is_some()))
    }

    fn scalar(&self, s: &str) -> Result<Value, String> {
        match self.kind {
            ValueKind::Typed => Ok(typed_val(s)),
            ValueKind::String | ValueKind::Json => Ok(Value::str(s)),
            ValueKind::File(read) => read(s).map(Value::str),
        }
    }

    /// `--set-json`: the value runs to the end of a complete JSON value.
    fn json_value(&mut self) -> Result<(Value, bool), String> {
        let rest: String = self.chars[self.pos..].iter().collect();
        let mut de = serde_json::Deserializer::from_str(&rest).into_iter::<serde_json::Value>();
        let v = match de.next() {
            Some(Ok(v)) => v,
            Some(Err(e)) => return Err(format!("invalid JSON value: {e}")),
            None => return Err("missing JSON value".into()),
        };
        let used = rest[..de.byte_offset()].chars().count();
        self.pos += used;
        match self.peek() {
            None => Ok((from_json(&v), false)),
            Some(',') => {
                self.pos += 1;
                Ok((from_json(&v), true))
            }
            Some(c) => Err(format!("unexpected {c:?} after JSON value")),
        }
    }
}

fn set(data: &mut Map, k: String, v: Value) {
    data.insert(k, v);
}

/// JSON → [`Value`] as Go's `encoding/json` decodes into `interface{}` (numbers are float64).
pub fn from_json(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::bool(*b),
        serde_json::Value::Number(n) => Value::float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::str(s.as_str()),
        serde_json::Value::Array(a) => Value::List(Arc::new(a.iter().map(from_json).collect())),
        serde_json::Value::Object(o) => {
            Value::map(o.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A compact, exact rendering of a value for assertions.
    fn show(v: &Value) -> String {
        match v {
            Value::Nil => "nil".into(),
            Value::Bool(b, _) => format!("{b}"),
            Value::Int(i, _, _) => format!("int:{i}"),
            Value::Float(f, _) => format!("float:{f}"),
            Value::Str(t) => format!("{:?}", t.as_str()),
            Value::List(l) => format!("[{}]", l.iter().map(show).collect::<Vec<_>>().join(" ")),
            Value::Map(m) => format!(
                "{{{}}}",
                m.read()
                    .iter()
                    .map(|(k, v)| format!("{k}:{}", show(v)))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            Value::Object(o) => o.type_name().into(),
        }
    }

    fn typed(s: &str) -> String {
        match parse(s, &ValueKind::Typed) {
            Ok(m) => show(&Value::map(m)),
            Err(e) => format!("ERR {e}"),
        }
    }

    #[test]
    fn scalars_are_typed_like_helm() {
        assert_eq!(
            typed("a=1,b=true,c=FALSE,d=0,e=012,f=x,g=null,h=1.5"),
            "{a:int:1 b:true c:false d:int:0 e:\"012\" f:\"x\" g:nil h:\"1.5\"}"
        );
        assert_eq!(typed("a="), "{a:\"\"}");
    }

    #[test]
    fn nesting_lists_and_escapes() {
        assert_eq!(typed("a.b.c=x,a.b.d=y"), "{a:{b:{c:\"x\" d:\"y\"}}}");
        assert_eq!(typed("l[2]=x"), "{l:[nil nil \"x\"]}");
        assert_eq!(typed("l[0].name=n,l[0].v=1"), "{l:[{name:\"n\" v:int:1}]}");
        assert_eq!(typed("l[0][1]=z"), "{l:[[nil \"z\"]]}");
        assert_eq!(typed("a={x,y,3},b=c"), "{a:[\"x\" \"y\" int:3] b:\"c\"}");
        assert_eq!(typed("a=b\\,c,k\\.d=v"), "{a:\"b,c\" k.d:\"v\"}");
        assert_eq!(typed("a.b=1,a=2"), "{a:int:2}");
    }

    #[test]
    fn errors() {
        assert_eq!(
            typed("a"),
            "ERR failed parsing --set data: key \"a\" has no value"
        );
        assert_eq!(
            typed("a,b=c"),
            "ERR failed parsing --set data: key \"a\" has no value (cannot end with ,)"
        );
        assert_eq!(
            typed("l[-1]=x"),
            "ERR failed parsing --set data: negative -1 index not allowed"
        );
        assert_eq!(
            typed("l[99999999]=x"),
            "ERR failed parsing --set data: index of 99999999 is greater than maximum supported index value of 65536"
        );
    }

    #[test]
    fn merges_into_existing() {
        let mut m = parse("a.b=1,l[0]=x", &ValueKind::Typed).unwrap_or_default();
        parse_into("a.c=2,l[1]=y", &mut m, &ValueKind::Typed).unwrap_or_default();
        assert_eq!(
            show(&Value::map(m)),
            "{a:{b:int:1 c:int:2} l:[\"x\" \"y\"]}"
        );
    }

    #[test]
    fn string_json_and_file() {
        let s = parse("a=1,b=true", &ValueKind::String).map(|m| show(&Value::map(m)));
        assert_eq!(s.as_deref(), Ok("{a:\"1\" b:\"true\"}"));
        let j = parse("a={\"x\":[1,null]},b=\"s\"", &ValueKind::Json).map(|m| show(&Value::map(m)));
        assert_eq!(j.as_deref(), Ok("{a:{x:[float:1 nil]} b:\"s\"}"));
        let read = |p: &str| {
            if p == "f.txt" {
                Ok("body".to_string())
            } else {
                Err(format!("no {p}"))
            }
        };
        let f = parse("a=f.txt", &ValueKind::File(&read)).map(|m| show(&Value::map(m)));
        assert_eq!(f.as_deref(), Ok("{a:\"body\"}"));
    }
}
