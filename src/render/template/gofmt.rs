//! Go's `fmt` semantics over template values: `%v` printing (`Sprint`, `Sprintln`) and
//! `Sprintf` with Go's verbs, flags, widths, precisions and error forms (`%!d(string=x)`,
//! `%!v(MISSING)`, `%!(EXTRA ...)`). Behaviour follows Go's `fmt` and `strconv` packages
//! (written from their documentation and observed output, not ported).

use crate::model::value::{MAX_VALUE_DEPTH, Value};

/// Go's `%v` of a value: floats in `strconv` 'g' shortest form (`1e+06`, `3.14`), maps as
/// `map[a:1 b:[x y]]` in sorted key order, lists as `[a b]`, nil as `<nil>`.
pub fn sprint_value(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v);
    out
}

fn write_value(out: &mut String, v: &Value) {
    let max = super::funcs::call_limits().output_bytes;
    write_value_at(out, v, 0, max)
}

/// [`sprint_value`] for a result a function keeps (a `dict` key): over the output limit
/// (`limits.output-bytes`) it is an error, found before the whole text is built.
pub fn sprint_value_checked(name: &str, v: &Value) -> Result<String, String> {
    let s = sprint_value(v);
    let max = super::funcs::call_limits().output_bytes;
    if s.len() > max {
        return Err(format!(
            "{name}: printing a value would take over {max} bytes (limits.output-bytes)"
        ));
    }
    Ok(s)
}

/// A map may contain itself (`set $d "k" $d`); Go would recurse until it crashes, we stop
/// printing at [`MAX_VALUE_DEPTH`]. Printing stops once `out` is past `max` bytes: a value that
/// shares its parts (a map holding the previous map twice, 50,000 times) prints exponentially
/// large; the caller's size check then refuses the result, which was never built whole.
fn write_value_at(out: &mut String, v: &Value, depth: usize, max: usize) {
    if depth > MAX_VALUE_DEPTH {
        out.push_str("...");
        return;
    }
    if out.len() > max {
        return;
    }
    let write_value = |out: &mut String, e: &Value| write_value_at(out, e, depth + 1, max);
    match v {
        Value::Nil => out.push_str("<nil>"),
        Value::Bool(b, _) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i, _, _) => out.push_str(&i.to_string()),
        Value::Float(f, _) => out.push_str(&format_float_g(*f, None, false)),
        Value::Str(t) => out.push_str(t.as_str()),
        Value::List(l) => {
            out.push('[');
            for (i, e) in l.iter().enumerate() {
                if out.len() > max {
                    return;
                }
                if i > 0 {
                    out.push(' ');
                }
                write_value(out, e);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push_str("map[");
            for (i, (k, e)) in m.read().iter().enumerate() {
                if out.len() > max {
                    return;
                }
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_value(out, e);
            }
            out.push(']');
        }
        Value::Object(o) => write_value(out, &o.as_value()),
    }
}

/// Go's `fmt.Sprint`: operands printed with `%v`, a space added between two operands when
/// neither is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    let mut prev_string = true;
    for (i, a) in args.iter().enumerate() {
        let is_string = matches!(a, Value::Str(_));
        if i > 0 && !is_string && !prev_string {
            out.push(' ');
        }
        write_value(&mut out, a);
        prev_string = is_string;
    }
    out
}

/// Go's `fmt.Sprintln`: operands separated by spaces, newline appended.
pub fn sprintln(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_value(&mut out, a);
    }
    out.push('\n');
    out
}

/// Go's type name of a value as `fmt` prints it in error forms (`%!d(string=x)`).
pub fn go_type_name(v: &Value) -> String {
    match v {
        Value::Nil => "<nil>".to_string(),
        Value::Bool(..) => "bool".to_string(),
        Value::Int(_, _, crate::model::value::GoInt::Int64) => "int64".to_string(),
        Value::Int(..) => "int".to_string(),
        Value::Float(..) => "float64".to_string(),
        Value::Str(_) => "string".to_string(),
        Value::List(_) => "[]interface {}".to_string(),
        Value::Map(_) => "map[string]interface {}".to_string(),
        Value::Object(o) => o.type_name().to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Floats: `strconv.FormatFloat` is in [`crate::gocompat::float`].

pub use crate::gocompat::float::format_g as format_float_g;
use crate::gocompat::float::{
    format_b as format_float_b, format_e as format_float_e, format_f as format_float_f,
    format_x as format_float_x,
};

// ---------------------------------------------------------------------------------------------
// Quoting

// `strconv.Quote`, `QuoteToASCII` (`%+q`) and `QuoteRune` are in [`crate::gocompat::quote`].
use crate::gocompat::quote::{quote_rune, quote_with as go_quote};

// ---------------------------------------------------------------------------------------------
// Sprintf

#[derive(Default, Clone, Copy)]
struct Flags {
    minus: bool,
    plus: bool,
    sharp: bool,
    /// `%#v`: Go-syntax representation (Go moves `#` here for the `v` verb).
    sharp_v: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

fn pad(out: &mut String, s: &str, f: &Flags) {
    let n = s.chars().count();
    let w = f.width.unwrap_or(0);
    if n >= w {
        out.push_str(s);
        return;
    }
    let fill = w - n;
    if f.minus {
        out.push_str(s);
        out.extend(std::iter::repeat_n(' ', fill));
    } else if f.zero {
        // Zeros go after a sign, as Go's fmt does for numbers.
        let (sign, rest) = match s.as_bytes().first() {
            Some(b'-' | b'+' | b' ') if s.len() > 1 => s.split_at(1),
            _ => ("", s),
        };
        out.push_str(sign);
        out.extend(std::iter::repeat_n('0', fill));
        out.push_str(rest);
    } else {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(s);
    }
}

fn fmt_integer(out: &mut String, i: i128, base: u32, verb: char, f: &Flags) {
    let neg = i < 0;
    let u = i.unsigned_abs();
    let mut digits = match base {
        2 => format!("{:b}", u),
        8 => format!("{:o}", u),
        16 if verb == 'X' => format!("{:X}", u),
        16 => format!("{:x}", u),
        _ => u.to_string(),
    };
    let mut prec = f.prec;
    let mut zero_pad = false;
    if prec.is_none()
        && f.zero
        && !f.minus
        && let Some(w) = f.width
    {
        let mut p = w;
        if neg || f.plus || f.space {
            p = p.saturating_sub(1);
        }
        prec = Some(p);
        zero_pad = true;
    }
    if let Some(p) = f.prec
        && p == 0
        && u == 0
    {
        let ff = Flags { zero: false, ..*f };
        pad(out, "", &ff);
        return;
    }
    if let Some(p) = prec
        && digits.len() < p
    {
        digits = "0".repeat(p - digits.len()) + &digits;
    }
    let mut s = String::new();
    if neg {
        s.push('-');
    } else if f.plus {
        s.push('+');
    } else if f.space {
        s.push(' ');
    }
    if f.sharp {
        match base {
            2 => s.push_str("0b"),
            8 if !digits.starts_with('0') => s.push('0'),
            16 => s.push_str(if verb == 'X' { "0X" } else { "0x" }),
            _ => {}
        }
    }
    s.push_str(&digits);
    let ff = Flags { zero: false, ..*f };
    let _ = zero_pad;
    pad(out, &s, &ff);
}

fn fmt_float(out: &mut String, v: f64, verb: char, f: &Flags) {
    let mut s = match verb {
        'e' | 'E' => format_float_e(v, f.prec.unwrap_or(6), verb == 'E'),
        'f' | 'F' => format_float_f(v, f.prec.unwrap_or(6)),
        'x' | 'X' => format_float_x(v, f.prec, verb == 'X'),
        'b' => format_float_b(v),
        'G' => format_float_g(v, f.prec, true),
        _ => format_float_g(v, f.prec, false),
    };
    if f.sharp && verb != 'b' && v.is_finite() {
        s = sharp_float(s, verb, f.prec);
    }
    if f.plus && !s.starts_with('-') && !s.starts_with('+') {
        s.insert(0, '+');
    } else if f.space && !s.starts_with('-') && !s.starts_with('+') {
        s.insert(0, ' ');
    } else if !f.plus && s == "+Inf" && !f.space {
        s = "+Inf".to_string();
    }
    let ff = if v.is_finite() {
        *f
    } else {
        Flags { zero: false, ..*f }
    };
    pad(out, &s, &ff);
}

/// Go's `#` flag on a float: a decimal point always, and for `%#g`/`%#x` (not `%#X`) trailing
/// zeros up to the precision (6 when none is given) counted in significant digits, as Go's
/// `fmtFloat` counts them (every character after the sign but leading zeros, so the `x` of `0x`
/// counts too).
fn sharp_float(s: String, verb: char, prec: Option<usize>) -> String {
    let mut digits: i64 = match verb {
        'v' | 'g' | 'G' | 'x' => prec.map_or(6, |p| p as i64),
        _ => 0,
    };
    let (sign, body) = match s.strip_prefix('-') {
        Some(b) => ("-", b),
        None => ("", s.as_str()),
    };
    let hex = matches!(verb, 'x' | 'X');
    let split = body
        .find(|c| matches!(c, 'p' | 'P') || (!hex && matches!(c, 'e' | 'E')))
        .unwrap_or(body.len());
    let (num, tail) = body.split_at(split);
    let mut saw_nonzero = false;
    for c in num.chars() {
        if c == '.' {
            continue;
        }
        saw_nonzero |= c != '0';
        if saw_nonzero {
            digits -= 1;
        }
    }
    let mut num = num.to_string();
    if !num.contains('.') {
        if num == "0" {
            digits -= 1;
        }
        num.push('.');
    }
    while digits > 0 {
        num.push('0');
        digits -= 1;
    }
    format!("{sign}{num}{tail}")
}

fn bad_verb(out: &mut String, verb: char, v: &Value) {
    out.push_str("%!");
    out.push(verb);
    out.push('(');
    match v {
        Value::Nil => out.push_str("<nil>"),
        _ => {
            out.push_str(&go_type_name(v));
            out.push('=');
            write_value(out, v);
        }
    }
    out.push(')');
}

fn fmt_string(out: &mut String, s: &str, verb: char, f: &Flags) {
    match verb {
        'v' | 's' => {
            let s: String = match f.prec {
                Some(p) => s.chars().take(p).collect(),
                None => s.to_string(),
            };
            pad(out, &s, f);
        }
        'q' => {
            let q =
                if f.sharp && !s.contains('`') && !s.chars().any(|c| c.is_control() && c != '\t') {
                    format!("`{s}`")
                } else {
                    go_quote(s, f.plus)
                };
            pad(out, &q, f);
        }
        'x' | 'X' => {
            let bytes: Vec<u8> = match f.prec {
                Some(p) => s.as_bytes().iter().take(p).copied().collect(),
                None => s.as_bytes().to_vec(),
            };
            let mut h = String::new();
            for (i, b) in bytes.iter().enumerate() {
                if f.space && i > 0 {
                    h.push(' ');
                }
                if f.sharp && (f.space || i == 0) {
                    h.push_str(if verb == 'X' { "0X" } else { "0x" });
                }
                if verb == 'X' {
                    h.push_str(&format!("{:02X}", b));
                } else {
                    h.push_str(&format!("{:02x}", b));
                }
            }
            pad(out, &h, f);
        }
        _ => bad_verb(out, verb, &Value::str(s)),
    }
}

fn fmt_arg(out: &mut String, v: &Value, verb: char, f: &Flags) {
    fmt_arg_at(out, v, verb, f, 0)
}

fn fmt_arg_at(out: &mut String, v: &Value, verb: char, f: &Flags, depth: usize) {
    if depth > MAX_VALUE_DEPTH {
        out.push_str("...");
        return;
    }
    let fmt_arg =
        |out: &mut String, e: &Value, verb: char, f: &Flags| fmt_arg_at(out, e, verb, f, depth + 1);
    if verb == 'T' {
        pad(out, &go_type_name(v), f);
        return;
    }
    if f.sharp_v {
        go_syntax(out, v, f, depth, true);
        return;
    }
    match v {
        Value::Nil => match verb {
            'v' => pad(out, "<nil>", f),
            _ => bad_verb(out, verb, v),
        },
        Value::Bool(b, _) => match verb {
            'v' | 't' => pad(out, if *b { "true" } else { "false" }, f),
            _ => bad_verb(out, verb, v),
        },
        Value::Int(i, _, _) => {
            let i = *i as i128;
            match verb {
                'v' | 'd' => fmt_integer(out, i, 10, verb, f),
                'b' => fmt_integer(out, i, 2, verb, f),
                'o' => fmt_integer(out, i, 8, verb, f),
                'O' => {
                    let mut s = String::new();
                    fmt_integer(&mut s, i, 8, verb, &Flags { width: None, ..*f });
                    let s = match s.strip_prefix('-') {
                        Some(r) => format!("-0o{r}"),
                        None => format!("0o{s}"),
                    };
                    pad(out, &s, f);
                }
                'x' | 'X' => fmt_integer(out, i, 16, verb, f),
                'c' => pad(
                    out,
                    &char::from_u32(i as u32).unwrap_or('\u{fffd}').to_string(),
                    f,
                ),
                'q' => pad(
                    out,
                    &quote_rune(char::from_u32(i as u32).unwrap_or('\u{fffd}'), f.plus),
                    f,
                ),
                'U' => {
                    let mut s = format!("U+{:04X}", i);
                    if f.sharp
                        && let Some(c) = char::from_u32(i as u32)
                        && !c.is_control()
                    {
                        s.push_str(&format!(" '{c}'"));
                    }
                    pad(out, &s, f);
                }
                'e' | 'E' | 'f' | 'F' | 'g' | 'G' => bad_verb(out, verb, v),
                _ => bad_verb(out, verb, v),
            }
        }
        Value::Float(x, _) => match verb {
            'v' | 'g' | 'G' | 'e' | 'E' | 'f' | 'F' | 'x' | 'X' | 'b' => {
                fmt_float(out, *x, verb, f)
            }
            _ => bad_verb(out, verb, v),
        },
        Value::Str(t) => fmt_string(out, t.as_str(), verb, f),
        Value::List(l) => {
            // Go formats each element with the same verb and flags.
            out.push('[');
            for (i, e) in l.iter().enumerate() {
                // Past the output limit the result is refused: stop building it.
                if out.len() > super::funcs::call_limits().output_bytes {
                    return;
                }
                if i > 0 {
                    out.push(' ');
                }
                fmt_arg(out, e, verb, f);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push_str("map[");
            for (i, (k, e)) in m.read().iter().enumerate() {
                if out.len() > super::funcs::call_limits().output_bytes {
                    return;
                }
                if i > 0 {
                    out.push(' ');
                }
                fmt_string(out, k, verb, f);
                out.push(':');
                fmt_arg(out, e, verb, f);
            }
            out.push(']');
        }
        Value::Object(o) => fmt_arg(out, &o.as_value(), verb, f),
    }
}

/// Go's `%#v`: a value as Go source, `map[string]interface {}{"a":1, "b":[]interface {}{"x",
/// interface {}(nil)}}`; strings quoted, keys sorted, a nil element typed. A nil operand prints
/// `<nil>` as with `%v`.
fn go_syntax(out: &mut String, v: &Value, f: &Flags, depth: usize, top: bool) {
    if depth > MAX_VALUE_DEPTH {
        out.push_str("...");
        return;
    }
    match v {
        Value::Nil if top => pad(out, "<nil>", f),
        Value::Nil => out.push_str("interface {}(nil)"),
        Value::Str(t) => pad(out, &go_quote(t.as_str(), false), f),
        Value::List(l) => {
            out.push_str("[]interface {}{");
            for (i, e) in l.iter().enumerate() {
                if out.len() > super::funcs::call_limits().output_bytes {
                    return;
                }
                if i > 0 {
                    out.push_str(", ");
                }
                go_syntax(out, e, f, depth + 1, false);
            }
            out.push('}');
        }
        Value::Map(m) => {
            out.push_str("map[string]interface {}{");
            for (i, (k, e)) in m.read().iter().enumerate() {
                if out.len() > super::funcs::call_limits().output_bytes {
                    return;
                }
                if i > 0 {
                    out.push_str(", ");
                }
                pad(out, &go_quote(k, false), f);
                out.push(':');
                go_syntax(out, e, f, depth + 1, false);
            }
            out.push('}');
        }
        Value::Object(o) => go_syntax(out, &o.as_value(), f, depth + 1, top),
        other => {
            let plain = Flags {
                sharp_v: false,
                ..*f
            };
            fmt_arg_at(out, other, 'v', &plain, depth + 1)
        }
    }
}

/// Go's `fmt` bound on widths and precisions.
const TOO_LARGE: u64 = 1_000_000;

/// Go's `parsenum`: the number starting at `i` and the index after it. A number that grows past
/// [`TOO_LARGE`] while more digits follow is dropped and the rest of the format is consumed, as
/// in Go (so a width can never allocate more than ~100 MB).
fn parsenum(chars: &[char], mut i: usize) -> (Option<usize>, usize) {
    let mut num: u64 = 0;
    let mut any = false;
    while i < chars.len() && chars[i].is_ascii_digit() {
        if num > TOO_LARGE {
            return (None, chars.len());
        }
        num = num * 10 + u64::from(chars[i] as u8 - b'0');
        any = true;
        i += 1;
    }
    (any.then_some(num as usize), i)
}

/// Go's `fmt.Sprintf` over template values. Never fails today (Go reports problems inline, as
/// `%!verb(...)`); the `Result` leaves room for limits.
pub fn sprintf(format: &str, args: &[Value]) -> Result<String, String> {
    sprintf_spans(format, args).map(|(s, _)| s)
}

/// The bytes `start..end` of a `printf` output that argument `index` printed: `(start, end, index)`.
pub type ArgSpan = (usize, usize, usize);

/// [`sprintf`], also returning which byte range of the output each argument printed
/// ([`ArgSpan`]s), so provenance can follow values through `printf`.
pub fn sprintf_spans(format: &str, args: &[Value]) -> Result<(String, Vec<ArgSpan>), String> {
    let mut spans = Vec::new();
    let mut out = String::with_capacity(format.len() + 16);
    let mut argi = 0usize;
    let mut reordered = false;
    let chars: Vec<char> = format.chars().collect();
    let mut i = 0usize;
    let n = chars.len();
    while i < n {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        let mut f = Flags::default();
        // flags
        while i < n {
            match chars[i] {
                '-' => {
                    f.minus = true;
                    f.zero = false;
                }
                '+' => f.plus = true,
                '#' => f.sharp = true,
                ' ' => f.space = true,
                '0' => f.zero = !f.minus,
                _ => break,
            }
            i += 1;
        }
        // argument index [n]
        let parse_index = |i: &mut usize, argi: &mut usize, reordered: &mut bool| -> bool {
            if *i < n && chars[*i] == '[' {
                *reordered = true;
                let start = *i + 1;
                let mut j = start;
                while j < n && chars[j] != ']' {
                    j += 1;
                }
                let num: String = chars[start..j.min(n)].iter().collect();
                *i = (j + 1).min(n);
                match num.parse::<usize>() {
                    Ok(k) if k >= 1 && j < n => {
                        *argi = k - 1;
                        true
                    }
                    _ => false,
                }
            } else {
                true
            }
        };
        let mut good = parse_index(&mut i, &mut argi, &mut reordered);
        // width
        if i < n && chars[i] == '*' {
            i += 1;
            match args.get(argi) {
                // Go's intFromArg: a width beyond ±1e6 is BADWIDTH.
                Some(Value::Int(w, _, _)) if w.unsigned_abs() <= TOO_LARGE => {
                    if *w < 0 {
                        f.minus = true;
                        f.zero = false;
                    }
                    f.width = Some(w.unsigned_abs() as usize);
                }
                _ => out.push_str("%!(BADWIDTH)"),
            }
            argi += 1;
        } else {
            let (w, next) = parsenum(&chars, i);
            f.width = w;
            i = next;
        }
        // precision
        if i < n && chars[i] == '.' {
            i += 1;
            if good {
                good = parse_index(&mut i, &mut argi, &mut reordered);
            }
            if i < n && chars[i] == '*' {
                i += 1;
                match args.get(argi) {
                    Some(Value::Int(p, _, _)) if *p >= 0 && p.unsigned_abs() <= TOO_LARGE => {
                        f.prec = Some(*p as usize)
                    }
                    _ => out.push_str("%!(BADPREC)"),
                }
                argi += 1;
            } else {
                let (p, next) = parsenum(&chars, i);
                f.prec = Some(p.unwrap_or(0));
                i = next;
            }
        }
        if good {
            good = parse_index(&mut i, &mut argi, &mut reordered);
        }
        if i >= n {
            out.push_str("%!(NOVERB)");
            break;
        }
        let verb = chars[i];
        i += 1;
        if verb == '%' {
            out.push('%');
            continue;
        }
        if !good {
            out.push_str("%!");
            out.push(verb);
            out.push_str("(BADINDEX)");
            continue;
        }
        let Some(arg) = args.get(argi) else {
            out.push_str("%!");
            out.push(verb);
            out.push_str("(MISSING)");
            continue;
        };
        argi += 1;
        if verb == 'v' {
            // Go: `%#v` is the Go-syntax form, `%+v` only names struct fields (numbers get no
            // sign from it).
            f.sharp_v = f.sharp;
            f.sharp = false;
            f.plus = false;
        }
        let start = out.len();
        fmt_arg(&mut out, arg, verb, &f);
        spans.push((start, out.len(), argi - 1));
    }
    if !reordered && argi < args.len() {
        out.push_str("%!(EXTRA ");
        for (k, a) in args[argi..].iter().enumerate() {
            if k > 0 {
                out.push_str(", ");
            }
            match a {
                Value::Nil => out.push_str("<nil>"),
                _ => {
                    out.push_str(&go_type_name(a));
                    out.push('=');
                    write_value(&mut out, a);
                }
            }
        }
        out.push(')');
    }
    Ok((out, spans))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::value::Map;

    fn s(x: &str) -> Value {
        Value::str(x)
    }
    fn fl(x: f64) -> Value {
        Value::float(x)
    }

    #[test]
    fn floats_print_like_strconv_g() {
        assert_eq!(sprint_value(&fl(1e6)), "1e+06");
        assert_eq!(sprint_value(&fl(100000.0)), "100000");
        assert_eq!(sprint_value(&fl(1.25)), "1.25");
        assert_eq!(sprint_value(&fl(1e21)), "1e+21");
        assert_eq!(sprint_value(&fl(0.0001)), "0.0001");
        assert_eq!(sprint_value(&fl(0.00001)), "1e-05");
        assert_eq!(sprint_value(&fl(-2.5)), "-2.5");
        assert_eq!(sprint_value(&fl(0.0)), "0");
        assert_eq!(sprint_value(&fl(123456789.0)), "1.23456789e+08");
        assert_eq!(sprint_value(&fl(f64::INFINITY)), "+Inf");
    }

    #[test]
    fn composites() {
        let mut m = Map::new();
        m.insert("b".into(), Value::list(vec![s("x"), s("y")]));
        m.insert("a".into(), fl(1.0));
        m.insert("c".into(), Value::Nil);
        assert_eq!(sprint_value(&Value::map(m)), "map[a:1 b:[x y] c:<nil>]");
    }

    #[test]
    fn sprint_spacing() {
        assert_eq!(sprint(&[s("a"), s("b")]), "ab");
        assert_eq!(sprint(&[Value::int(1), Value::int(2)]), "1 2");
        assert_eq!(
            sprint(&[s("a"), Value::int(1), Value::int(2), s("b")]),
            "a1 2b"
        );
        assert_eq!(sprintln(&[s("a"), s("b")]), "a b\n");
    }

    #[test]
    fn sprintf_verbs() {
        let f = |fmt: &str, a: &[Value]| sprintf(fmt, a).unwrap();
        assert_eq!(f("%s-%d", &[s("a"), Value::int(3)]), "a-3");
        assert_eq!(f("%d", &[fl(1.5)]), "%!d(float64=1.5)");
        assert_eq!(f("%s", &[Value::int(5)]), "%!s(int=5)");
        assert_eq!(f("%d", &[s("x")]), "%!d(string=x)");
        assert_eq!(f("%v %v", &[s("x")]), "x %!v(MISSING)");
        assert_eq!(
            f("%v", &[s("x"), Value::int(1), s("y")]),
            "x%!(EXTRA int=1, string=y)"
        );
        assert_eq!(f("%q", &[s("a\"b\n")]), "\"a\\\"b\\n\"");
        assert_eq!(f("%5s|%-5s|", &[s("ab"), s("cd")]), "   ab|cd   |");
        assert_eq!(f("%05d", &[Value::int(-42)]), "-0042");
        assert_eq!(
            f(
                "%x %X %#x %o %b",
                &[
                    Value::int(255),
                    Value::int(255),
                    Value::int(255),
                    Value::int(8),
                    Value::int(5)
                ]
            ),
            "ff FF 0xff 10 101"
        );
        assert_eq!(
            f("%.2f %e %g", &[fl(1.23456), fl(1234.5678), fl(0.000012)]),
            "1.23 1.234568e+03 1.2e-05"
        );
        assert_eq!(f("%t %v", &[Value::bool(true), Value::Nil]), "true <nil>");
        assert_eq!(f("%s", &[Value::Nil]), "%!s(<nil>)");
        assert_eq!(
            f("%c%U", &[Value::int(65), Value::int(0x1F600)]),
            "AU+1F600"
        );
        assert_eq!(f("100%%", &[]), "100%");
        assert_eq!(f("%x", &[s("hi")]), "6869");
        assert_eq!(
            f("%.3g|%8.3f|%+d", &[fl(1.23456), fl(2.5), Value::int(3)]),
            "1.23|   2.500|+3"
        );
        assert_eq!(
            f("%s", &[Value::list(vec![s("a"), fl(1.0)])]),
            "[a %!s(float64=1)]"
        );
        assert_eq!(f("%v", &[fl(1e6)]), "1e+06");
        assert_eq!(f("%.0f", &[fl(2.5)]), "2");
        assert_eq!(f("%6.2f%%", &[fl(99.5)]), " 99.50%");
        assert_eq!(f("%[2]s %[1]s", &[s("a"), s("b")]), "b a");
        assert_eq!(f("%*d", &[Value::int(4), Value::int(7)]), "   7");
    }
}
