//! Sprig's `urlParse` and `urlJoin`, which go through Go's `net/url` (`url.Parse` and
//! `URL.String`): the parsing and escaping rules here are net/url's, not WHATWG's.
use super::{TextBuilder, arg_str, arity, type_name};
use crate::model::value::{Map, Text, Value};

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Path,
    Host,
    UserPassword,
    Fragment,
}

fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if mode == Mode::Host
        && matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
        )
    {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => {
            return match mode {
                Mode::Path => c == b'?',
                Mode::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
                Mode::Fragment => false,
                Mode::Host => true,
            };
        }
        _ => {}
    }
    if mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*') {
        return false;
    }
    true
}

fn escape(s: &str, mode: Mode) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if should_escape(b, mode) {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(b as char);
        }
    }
    out
}

/// net/url's `unescape` (no `+` → space outside queries).
fn unescape(s: &str, mode: Mode) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (
                    b.get(i + 1).and_then(|c| hex(*c)),
                    b.get(i + 2).and_then(|c| hex(*c)),
                ) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                    }
                    _ => {
                        let end = (i + 3).min(b.len());
                        let bad = String::from_utf8_lossy(&b[i..end]);
                        return Err(format!("invalid URL escape {bad:?}"));
                    }
                }
            }
            c => {
                if mode == Mode::Host && c < 0x80 && should_escape(c, mode) {
                    return Err(format!(
                        "invalid character {:?} in host name",
                        (c as char).to_string()
                    ));
                }
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[derive(Default)]
struct Url {
    scheme: String,
    opaque: String,
    /// (username, password if set), both unescaped.
    user: Option<(String, Option<String>)>,
    host: String,
    path: String,
    raw_query: String,
    force_query: bool,
    fragment: String,
    omit_host: bool,
}

impl Url {
    fn userinfo(&self) -> String {
        match &self.user {
            None => String::new(),
            Some((u, p)) => {
                let mut s = escape(u, Mode::UserPassword);
                if let Some(p) = p {
                    s.push(':');
                    s.push_str(&escape(p, Mode::UserPassword));
                }
                s
            }
        }
    }

    fn hostname(&self) -> String {
        let h = self.host.as_str();
        if let Some(rest) = h.strip_prefix('[') {
            return rest.split(']').next().unwrap_or("").to_string();
        }
        match h.rfind(':') {
            Some(i) => h[..i].to_string(),
            None => h.to_string(),
        }
    }

    /// Go's `URL.String`.
    fn string(&self) -> String {
        let mut buf = String::new();
        if !self.scheme.is_empty() {
            buf.push_str(&self.scheme);
            buf.push(':');
        }
        if !self.opaque.is_empty() {
            buf.push_str(&self.opaque);
        } else {
            // Go writes `//authority` when there is a scheme, host or user, unless `OmitHost`
            // asked to leave an empty authority out.
            let authority = !self.scheme.is_empty() || !self.host.is_empty() || self.user.is_some();
            let omitted = self.omit_host && self.host.is_empty() && self.user.is_none();
            if authority && !omitted {
                if !self.host.is_empty() || !self.path.is_empty() || self.user.is_some() {
                    buf.push_str("//");
                }
                if self.user.is_some() {
                    buf.push_str(&self.userinfo());
                    buf.push('@');
                }
                if !self.host.is_empty() {
                    buf.push_str(&escape(&self.host, Mode::Host));
                }
            }
            let path = if self.path == "*" {
                "*".to_string()
            } else {
                escape(&self.path, Mode::Path)
            };
            if !path.is_empty() && !path.starts_with('/') && !self.host.is_empty() {
                buf.push('/');
            }
            if buf.is_empty() && path.split('/').next().unwrap_or("").contains(':') {
                buf.push_str("./");
            }
            buf.push_str(&path);
        }
        if self.force_query || !self.raw_query.is_empty() {
            buf.push('?');
            buf.push_str(&self.raw_query);
        }
        if !self.fragment.is_empty() {
            buf.push('#');
            buf.push_str(&escape(&self.fragment, Mode::Fragment));
        }
        buf
    }
}

fn valid_userinfo(s: &str) -> bool {
    s.bytes().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'-' | b'.'
                    | b'_'
                    | b':'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'%'
                    | b'@'
            )
    })
}

fn parse_host(host: &str) -> Result<String, String> {
    if host.starts_with('[') {
        let Some(i) = host.rfind(']') else {
            return Err("missing ']' in host".into());
        };
        let port = &host[i + 1..];
        if !port.is_empty() && !valid_port(port) {
            return Err(format!("invalid port {port:?} after host"));
        }
        return unescape(host, Mode::Host);
    }
    if let Some(i) = host.rfind(':') {
        let port = &host[i..];
        if !valid_port(port) {
            return Err(format!("invalid port {port:?} after host"));
        }
    }
    unescape(host, Mode::Host)
}

/// `:` followed by digits only (or nothing).
fn valid_port(p: &str) -> bool {
    match p.strip_prefix(':') {
        Some(d) => d.bytes().all(|c| c.is_ascii_digit()),
        None => false,
    }
}

/// Go's `url.Parse`; errors read like Go's without the `parse "…": ` prefix.
fn parse(raw: &str) -> Result<Url, String> {
    let mut u = Url::default();
    let (rest, frag) = match raw.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (raw, None),
    };
    if let Some(f) = frag {
        u.fragment = unescape(f, Mode::Fragment)?;
    }
    if rest.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    if rest.is_empty() {
        return Ok(u);
    }
    if rest == "*" {
        u.path = "*".into();
        return Ok(u);
    }
    let mut rest = rest;
    // Scheme.
    for (i, c) in rest.bytes().enumerate() {
        if c.is_ascii_alphabetic() {
            continue;
        }
        if c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.') {
            if i == 0 {
                break;
            }
            continue;
        }
        if c == b':' {
            if i == 0 {
                return Err("missing protocol scheme".into());
            }
            u.scheme = rest[..i].to_ascii_lowercase();
            rest = &rest[i + 1..];
        }
        break;
    }
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        u.force_query = true;
        rest = &rest[..rest.len() - 1];
    } else if let Some((r, q)) = rest.split_once('?') {
        u.raw_query = q.to_string();
        rest = r;
    }
    if !rest.starts_with('/') {
        if !u.scheme.is_empty() {
            u.opaque = rest.to_string();
            return Ok(u);
        }
        if rest.split('/').next().unwrap_or("").contains(':') {
            return Err("first path segment in URL cannot contain colon".into());
        }
    }
    if (!u.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let after = &rest[2..];
        let (authority, r) = match after.find('/') {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        };
        rest = r;
        let (userinfo, host) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        u.host = parse_host(host)?;
        if let Some(ui) = userinfo {
            if !valid_userinfo(ui) {
                return Err("net/url: invalid userinfo".into());
            }
            u.user = Some(match ui.split_once(':') {
                Some((n, p)) => (
                    unescape(n, Mode::UserPassword)?,
                    Some(unescape(p, Mode::UserPassword)?),
                ),
                None => (unescape(ui, Mode::UserPassword)?, None),
            });
        }
    } else if !u.scheme.is_empty() && rest.starts_with('/') {
        u.omit_host = true;
    }
    u.path = unescape(rest, Mode::Path)?;
    Ok(u)
}

/// `part` with the provenance of the input when it appears there verbatim.
fn part(input: &Text, s: &str) -> Value {
    match input.as_str().find(s) {
        Some(i) if !s.is_empty() => {
            let mut b = TextBuilder::default();
            b.slice(input, i, i + s.len());
            b.value()
        }
        _ => Value::str(s),
    }
}

pub(super) fn url_parse(args: &[Value]) -> Result<Value, String> {
    arity("urlParse", args, 1)?;
    let raw = arg_str(&args[0])?;
    let Value::Str(input) = &args[0] else {
        unreachable!("arg_str accepted a string")
    };
    let u = parse(raw).map_err(|e| format!("unable to parse url: parse {raw:?}: {e}"))?;
    let mut m = Map::new();
    m.insert("scheme".into(), part(input, &u.scheme));
    m.insert("host".into(), part(input, &u.host));
    m.insert("hostname".into(), part(input, &u.hostname()));
    m.insert("path".into(), part(input, &u.path));
    m.insert("query".into(), part(input, &u.raw_query));
    m.insert("opaque".into(), part(input, &u.opaque));
    m.insert("fragment".into(), part(input, &u.fragment));
    m.insert("userinfo".into(), part(input, &u.userinfo()));
    Ok(Value::map(m))
}

/// Sprig's `dictGetOrEmpty`: a missing key is "", a non-string value fails.
fn key(d: &Map, k: &str) -> Result<String, String> {
    match d.get(k) {
        None => Ok(String::new()),
        Some(Value::Str(t)) => Ok(t.as_str().to_string()),
        Some(other) => {
            let kind = match other {
                Value::Nil => "invalid",
                Value::Bool(..) => "bool",
                Value::Int(..) => "int",
                Value::Float(..) => "float64",
                Value::List(_) => "slice",
                Value::Map(_) => "map",
                Value::Str(_) => "string",
                Value::Object(o) => o.kind(),
            };
            Err(format!(
                "unable to parse {k} key, must be of type string, but {kind} found"
            ))
        }
    }
}

pub(super) fn url_join(args: &[Value]) -> Result<Value, String> {
    arity("urlJoin", args, 1)?;
    let d = match &args[0] {
        Value::Map(m) => m.read(),
        other => {
            return Err(format!(
                "wrong type for value; expected map[string]interface {{}}; got {}",
                type_name(other)
            ));
        }
    };
    let mut u = Url {
        scheme: key(&d, "scheme")?,
        host: key(&d, "host")?,
        path: key(&d, "path")?,
        raw_query: key(&d, "query")?,
        opaque: key(&d, "opaque")?,
        fragment: key(&d, "fragment")?,
        ..Url::default()
    };
    let userinfo = key(&d, "userinfo")?;
    if !userinfo.is_empty() {
        let probe = format!("proto://{userinfo}@host");
        let p = parse(&probe)
            .map_err(|e| format!("unable to parse userinfo in dict: parse {probe:?}: {e}"))?;
        u.user = p.user;
    }
    Ok(Value::str(u.string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_read_like_go() {
        let e = url_parse(&[Value::str("http://h:abc/")]).unwrap_err();
        assert_eq!(
            e,
            "unable to parse url: parse \"http://h:abc/\": invalid port \":abc\" after host"
        );
        let e = url_parse(&[Value::str("a:b/%zz")]).map(|_| ());
        assert_eq!(e, Ok(()), "opaque parts are not unescaped");
        let e = url_parse(&[Value::str("/p%zz")]).unwrap_err();
        assert_eq!(
            e,
            "unable to parse url: parse \"/p%zz\": invalid URL escape \"%zz\""
        );
        let e = url_parse(&[Value::str(":x")]).unwrap_err();
        assert_eq!(
            e,
            "unable to parse url: parse \":x\": missing protocol scheme"
        );
    }
}
