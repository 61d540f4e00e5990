//! Bounded builtins: the Rego builtins whose result can be far larger than their arguments
//! (`numbers.range(0, 1e12)`, `net.cidr_expand("::/0")`, `sprintf("%999999999d", ...)`, a
//! `walk` or `json.marshal` of a list doubled into itself, ...) build that whole result before
//! regorus looks at any limit — and a failed allocation aborts the process.
//!
//! regorus looks a called name up among its extensions *before* its builtins
//! (`Interpreter::eval_call_impl`: user functions, then extensions, then `BUILTINS`), so an
//! extension registered under a builtin's name shadows it. Each one here:
//!
//! 1. checks the memory and time budgets of the evaluation ([`crate::budget`]);
//! 2. estimates, from the arguments only, how many bytes the result takes (an upper bound:
//!    element counts × regorus's value size, printed sizes with worst-case escaping and
//!    indentation; values shared inside a value — `array.concat(a, a)` — are counted as often
//!    as they are printed, but walked once);
//! 3. fails with `NAME would allocate about N MiB, more than the M MiB left of the memory budget
//!    (limits.render-memory)` when that exceeds what is left, *before* allocating;
//! 4. otherwise calls regorus's own implementation of the builtin (`regorus::unstable::BUILTINS`),
//!    so results and errors are exactly what they were: well-behaved policies see no change.

use regorus::Value;
use regorus::unstable::{BUILTINS, Expr, Ref, Source, Span};
use std::collections::HashMap;

/// The shadowed builtins and their argument counts.
pub(crate) const BOUNDED: &[(&str, u8)] = &[
    ("numbers.range", 2),
    ("numbers.range_step", 3),
    ("net.cidr_expand", 1),
    ("concat", 2),
    ("sprintf", 2),
    ("replace", 3),
    ("strings.replace_n", 2),
    ("json.marshal", 1),
    ("json.marshal_with_options", 2),
    ("yaml.marshal", 1),
    ("array.concat", 2),
    ("bits.lsh", 2),
    ("walk", 1),
    ("regex.replace", 3),
];

/// Registers the bounded builtins on `engine` (before its policies are prepared).
pub(crate) fn install(engine: &mut regorus::Engine) -> anyhow::Result<()> {
    for &(name, nargs) in BOUNDED {
        // Every builtin shadowed here must exist with that arity, or the extension would
        // change which calls are valid.
        match BUILTINS.get(name) {
            Some(b) if b.1 == nargs => {}
            _ => anyhow::bail!("internal error: no builtin {name}/{nargs} to bound"),
        }
        engine.add_extension(
            name.to_string(),
            nargs,
            Box::new(move |args: Vec<Value>| call(name, &args)),
        )?;
    }
    Ok(())
}

/// Size of one regorus value slot (an array element, a map key or value).
const SLOT: u64 = std::mem::size_of::<Value>() as u64;
/// Header of a reference-counted allocation (string, array, object, big number).
const HEADER: u64 = 32;

fn mib(bytes: u64) -> u64 {
    bytes.div_ceil(1 << 20)
}

/// One bounded call: budgets, estimate, then regorus's own builtin.
fn call(name: &'static str, args: &[Value]) -> anyhow::Result<Value> {
    crate::budget::check_time().map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let (left, limit) = crate::budget::remaining_memory().unwrap_or((
        crate::model::Limits::default().render_memory,
        "limits.render-memory",
    ));
    let need = estimate(name, args, left)?;
    if need > left {
        anyhow::bail!(
            "{name} would allocate about {} MiB, more than the {} MiB left of the memory budget ({limit})",
            mib(need),
            mib(left)
        );
    }
    let result = delegate(name, args)?;
    // The estimate is an upper bound; the counters have the last word.
    crate::budget::check().map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    Ok(result)
}

thread_local! {
    /// A span and placeholder argument expressions for calling builtins directly: they only
    /// locate errors, which [`delegate`] strips (regorus places the extension's error at the call).
    static CALL_SITE: (Span, Vec<Ref<Expr>>) = {
        let text = "builtin(a, b, c)".to_string();
        let source = Source::from_contents("<builtin>".to_string(), text)
            .unwrap_or_else(|e| panic!("internal error: {e}"));
        let span = Span { source, line: 1, col: 1, start: 0, end: 7 };
        let params = (0..3)
            .map(|i| {
                Ref::new(Expr::Var {
                    span: span.clone(),
                    value: Value::String(["a", "b", "c"][i].into()),
                    eidx: 0,
                })
            })
            .collect();
        (span, params)
    };
}

/// regorus's own builtin `name` on `args` (strict errors, as the engine calls it); an error
/// keeps its message without the placeholder location.
fn delegate(name: &str, args: &[Value]) -> anyhow::Result<Value> {
    let Some(builtin) = BUILTINS.get(name) else {
        anyhow::bail!("could not find function {name}");
    };
    CALL_SITE.with(|(span, params)| {
        let params = &params[..args.len().min(params.len())];
        (builtin.0)(span, params, args, true).map_err(|e| {
            let text = e.to_string();
            match text.rfind("error: ") {
                Some(at) if text.contains("--> <builtin>:") => {
                    anyhow::anyhow!("{}", text[at + 7..].trim())
                }
                _ => e,
            }
        })
    })
}

fn text(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s.as_ref()),
        _ => None,
    }
}

/// An integral number as f64 (None for anything else).
fn integral(v: &Value) -> Option<f64> {
    match v {
        Value::Number(_) => {
            // A number too big for f64 is integral (and infinite here).
            let f = v.as_f64().unwrap_or(f64::INFINITY);
            (f.is_infinite() || f.fract() == 0.0).then_some(f)
        }
        _ => None,
    }
}

/// Bytes of `count` elements of `each` bytes, saturating.
fn times(count: f64, each: u64) -> u64 {
    let b = count * each as f64;
    if b.is_finite() && b < u64::MAX as f64 {
        b as u64
    } else {
        u64::MAX
    }
}

/// An upper bound of the bytes `name`'s result takes. `left` lets the cheap bound of some
/// builtins be refined only when it would fail. 0 when the arguments are not what the builtin
/// takes: it then reports its own error.
fn estimate(name: &str, args: &[Value], left: u64) -> anyhow::Result<u64> {
    let arg = |i: usize| args.get(i).unwrap_or(&Value::Undefined);
    Ok(match name {
        // Inclusive both ends, counting down when a > b (OPA's `numbers.range`).
        "numbers.range" => match (integral(arg(0)), integral(arg(1))) {
            (Some(a), Some(b)) => times((b - a).abs() + 1.0, SLOT).saturating_add(HEADER),
            _ => 0,
        },
        "numbers.range_step" => match (integral(arg(0)), integral(arg(1)), integral(arg(2))) {
            (Some(a), Some(b), Some(step)) if step > 0.0 => {
                times(((b - a).abs() / step).floor() + 1.0, SLOT).saturating_add(HEADER)
            }
            _ => 0,
        },
        "net.cidr_expand" => text(arg(0)).map_or(0, cidr_hosts_bytes),
        "concat" => {
            let sep = text(arg(0)).map_or(0, str::len) as u64;
            let (mut n, mut bytes) = (0u64, HEADER);
            let mut add = |v: &Value| {
                n += 1;
                bytes = bytes.saturating_add(text(v).map_or(0, str::len) as u64);
            };
            match arg(1) {
                Value::Array(a) => a.iter().for_each(&mut add),
                Value::Set(s) => s.iter().for_each(&mut add),
                _ => {}
            }
            bytes.saturating_add(sep.saturating_mul(n.saturating_sub(1)))
        }
        "sprintf" => {
            let Some(format) = text(arg(0)) else {
                return Ok(0);
            };
            let widths = format_widths(format)?;
            let mut bytes = (format.len() as u64)
                .saturating_add(widths)
                .saturating_add(HEADER);
            if let Value::Array(a) = arg(1) {
                let mut sizes = Sizes::default();
                for v in a.iter() {
                    // %x of a string doubles it; %v and %s print it at most escaped.
                    let info = sizes.of(v)?;
                    bytes = bytes
                        .saturating_add(info.printed.saturating_mul(2))
                        .saturating_add(32);
                }
            }
            bytes
        }
        "replace" => match (text(arg(0)), text(arg(1)), text(arg(2))) {
            (Some(s), Some(old), Some(new)) => {
                let n = occurrences(s, old);
                (s.len() as u64)
                    .saturating_add(n.saturating_mul(new.len() as u64))
                    .saturating_add(HEADER)
            }
            _ => 0,
        },
        // regorus applies the pairs one after the other, in key order: the first exactly, the
        // later ones bounded by what the string can grow to.
        "strings.replace_n" => match (arg(0), text(arg(1))) {
            (Value::Object(pairs), Some(s)) => {
                let mut len = s.len() as u64;
                for (i, (k, v)) in pairs.iter().enumerate() {
                    let (Some(old), Some(new)) = (text(k), text(v)) else {
                        return Ok(0);
                    };
                    let n = if i == 0 {
                        occurrences(s, old)
                    } else if old.is_empty() {
                        len.saturating_add(1)
                    } else {
                        len / old.len() as u64
                    };
                    len = len.saturating_add(n.saturating_mul(new.len() as u64));
                }
                len.saturating_add(HEADER)
            }
            _ => 0,
        },
        "json.marshal" => Sizes::default().of(arg(0))?.printed.saturating_add(HEADER),
        "json.marshal_with_options" => {
            let info = Sizes::default().of(arg(0))?;
            let mut per_line = 2u64;
            if let Value::Object(o) = arg(1) {
                for (k, v) in o.iter() {
                    let len = text(v).map_or(0, str::len) as u64;
                    match text(k) {
                        Some("indent") => {
                            per_line = per_line.saturating_add(len.saturating_mul(info.depth))
                        }
                        Some("prefix") => per_line = per_line.saturating_add(len),
                        _ => {}
                    }
                }
            }
            // Indentation is for tabs by default.
            per_line = per_line.saturating_add(info.depth);
            info.printed
                .saturating_add(info.nodes.saturating_mul(per_line))
                .saturating_add(HEADER)
        }
        "yaml.marshal" => {
            let info = Sizes::default().of(arg(0))?;
            // Each line is indented two spaces per level; a multi-line string is a block
            // with every line indented.
            let indent = info.depth.saturating_mul(2).saturating_add(4);
            info.printed
                .saturating_add(info.nodes.saturating_mul(indent))
                .saturating_add(info.newlines.saturating_mul(indent))
                .saturating_add(HEADER)
        }
        "array.concat" => match (arg(0), arg(1)) {
            (Value::Array(a), Value::Array(b)) => {
                times((a.len() + b.len()) as f64, SLOT).saturating_add(HEADER)
            }
            _ => 0,
        },
        "bits.lsh" => match (integral(arg(0)), integral(arg(1))) {
            (Some(x), Some(n)) if x != 0.0 && n > 0.0 => {
                let x_bits = if x.is_finite() {
                    x.abs().log2().ceil().max(1.0)
                } else {
                    // A big number: about 3.33 bits per printed digit.
                    arg(0).to_string().len() as f64 * 3.33
                };
                times((x_bits + n) / 8.0, 1).saturating_add(HEADER)
            }
            _ => 0,
        },
        // One [path, value] pair per node, each path as long as its node is deep (the values
        // themselves are shared, not copied).
        "walk" => {
            let info = Sizes::default().of(arg(0))?;
            info.nodes
                .saturating_mul(3 * SLOT + 3 * HEADER)
                .saturating_add(info.depth_sum.saturating_mul(SLOT))
        }
        "regex.replace" => match (text(arg(0)), text(arg(1)), text(arg(2))) {
            (Some(s), Some(pattern), Some(with)) => {
                let refs = with.matches('$').count() as u64;
                let len = s.len() as u64;
                // At most one match per position; a `$group` expands to at most the match, and
                // matches do not overlap.
                let bound = |matches: u64| {
                    len.saturating_add(matches.saturating_mul(with.len() as u64))
                        .saturating_add(refs.saturating_mul(len))
                        .saturating_add(HEADER)
                };
                let cheap = bound(len.saturating_add(1));
                if cheap <= left {
                    cheap
                } else {
                    match regex::Regex::new(pattern) {
                        Ok(re) => {
                            let mut tick = crate::budget::Ticker::default();
                            let mut n = 0u64;
                            for _ in re.find_iter(s) {
                                n += 1;
                                tick.tick()
                                    .map_err(|e| anyhow::anyhow!("regex.replace: {e}"))?;
                            }
                            bound(n)
                        }
                        Err(_) => cheap,
                    }
                }
            }
            _ => 0,
        },
        _ => 0,
    })
}

/// Non-overlapping occurrences of `pat` in `s` (Rust's and Go's `replace` count; an empty
/// pattern matches before every character and at the end).
fn occurrences(s: &str, pat: &str) -> u64 {
    if pat.is_empty() {
        s.chars().count() as u64 + 1
    } else {
        s.matches(pat).count() as u64
    }
}

/// Bytes of `net.cidr_expand(cidr)`: 2^(bits − prefix) address strings.
fn cidr_hosts_bytes(cidr: &str) -> u64 {
    let Some((ip, prefix)) = cidr.split_once('/') else {
        return 0;
    };
    let (bits, each) = if ip.contains(':') {
        (128u32, SLOT + HEADER + 39)
    } else {
        (32u32, SLOT + HEADER + 15)
    };
    let Ok(prefix) = prefix.parse::<u32>() else {
        return 0;
    };
    if prefix > bits {
        return 0;
    }
    let host_bits = bits - prefix;
    if host_bits >= 63 {
        return u64::MAX;
    }
    (1u64 << host_bits)
        .saturating_mul(each)
        .saturating_add(HEADER)
}

/// The sum of the widths and precisions of `format`'s verbs, read as regorus's `sprintf`
/// reads them (`%05d`, `%.3f`, `%8s`). A width that does not fit in 32 bits, or one written
/// with non-ASCII digits (regorus would panic on both), is an error.
fn format_widths(format: &str) -> anyhow::Result<u64> {
    let mut total = 0u64;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            continue;
        }
        match chars.next() {
            Some('%') | None => continue,
            Some(c) if c == '.' || c.is_numeric() => {
                let mut w: u64 = 0;
                let mut digits = if c == '.' {
                    String::new()
                } else {
                    c.to_string()
                };
                while let Some(&d) = chars.peek() {
                    if !d.is_numeric() {
                        break;
                    }
                    digits.push(d);
                    chars.next();
                }
                for d in digits.chars() {
                    let Some(v) = d.to_digit(10) else {
                        anyhow::bail!("sprintf: invalid width `{digits}` in the format string");
                    };
                    w = w.saturating_mul(10).saturating_add(u64::from(v));
                }
                if w > u64::from(u32::MAX) {
                    anyhow::bail!("sprintf: width {digits} in the format string is too large");
                }
                total = total.saturating_add(w);
            }
            Some(_) => {}
        }
    }
    Ok(total)
}

/// What a value takes once printed or walked, counted as if every shared part were a copy.
#[derive(Clone, Copy, Default)]
struct Info {
    /// Bytes of its JSON text, strings escaped at worst.
    printed: u64,
    /// Nodes (itself, every element, key and value).
    nodes: u64,
    /// The sum of the nodes' depths below it.
    depth_sum: u64,
    /// Its deepest node's depth below it.
    depth: u64,
    /// Line breaks inside its strings.
    newlines: u64,
}

/// [`Info`] of values, each distinct array, set or object walked once (a value doubled 40
/// times into itself is 40 nodes to walk, 2^40 to print) and without recursion (deep values).
#[derive(Default)]
struct Sizes {
    memo: HashMap<usize, Info>,
    tick: crate::budget::Ticker,
}

/// The address of a container's shared allocation (None for scalars).
fn container_id(v: &Value) -> Option<usize> {
    match v {
        Value::Array(a) => Some(std::sync::Arc::as_ptr(a) as *const () as usize),
        Value::Set(s) => Some(std::sync::Arc::as_ptr(s) as *const () as usize),
        Value::Object(o) => Some(std::sync::Arc::as_ptr(o) as *const () as usize),
        _ => None,
    }
}

fn scalar_info(v: &Value) -> Info {
    let printed = match v {
        Value::Null => 4,
        Value::Bool(_) => 5,
        Value::Undefined => 9,
        Value::Number(_) => match v.as_f64() {
            Ok(f) if f.is_finite() && f.abs() < 1e21 => 32,
            _ => v.to_string().len() as u64,
        },
        // Worst-case escaping: a control byte as \u00XX, a byte of a multi-byte character
        // as up to three (\uXXXX, \U00XXXXXX), `"` and `\` doubled.
        Value::String(s) => s
            .bytes()
            .map(|b| match b {
                0..=0x1f | 0x7f => 6u64,
                b'"' | b'\\' => 2,
                0x80.. => 3,
                _ => 1,
            })
            .sum::<u64>()
            .saturating_add(2),
        _ => 0,
    };
    let newlines = match v {
        Value::String(s) => s.bytes().filter(|&b| b == b'\n').count() as u64,
        _ => 0,
    };
    Info {
        printed,
        nodes: 1,
        newlines,
        ..Info::default()
    }
}

impl Sizes {
    fn of(&mut self, root: &Value) -> anyhow::Result<Info> {
        // Post-order without recursion: a container is summed once all its children are.
        let mut stack: Vec<(&Value, bool)> = vec![(root, false)];
        while let Some((v, children_done)) = stack.pop() {
            self.tick
                .tick()
                .map_err(|e| anyhow::anyhow!("measuring a value: {e}"))?;
            let Some(id) = container_id(v) else {
                continue;
            };
            if self.memo.contains_key(&id) {
                continue;
            }
            if !children_done {
                stack.push((v, true));
                for_children(v, |c| {
                    if container_id(c).is_some() {
                        stack.push((c, false));
                    }
                });
                continue;
            }
            let mut info = Info {
                printed: 2,
                nodes: 1,
                ..Info::default()
            };
            let memo = &self.memo;
            for_children(v, |c| {
                let ci = match container_id(c) {
                    Some(cid) => memo.get(&cid).copied().unwrap_or_default(),
                    None => scalar_info(c),
                };
                info.printed = info.printed.saturating_add(ci.printed).saturating_add(1);
                info.nodes = info.nodes.saturating_add(ci.nodes);
                // Every node of the child is one level deeper here.
                info.depth_sum = info
                    .depth_sum
                    .saturating_add(ci.depth_sum)
                    .saturating_add(ci.nodes);
                info.depth = info.depth.max(ci.depth.saturating_add(1));
                info.newlines = info.newlines.saturating_add(ci.newlines);
            });
            self.memo.insert(id, info);
        }
        Ok(match container_id(root) {
            Some(id) => self.memo.get(&id).copied().unwrap_or_default(),
            None => scalar_info(root),
        })
    }
}

/// Calls `f` on every element of an array or set, and on every key and value of an object.
fn for_children<'a>(v: &'a Value, mut f: impl FnMut(&'a Value)) {
    match v {
        Value::Array(a) => a.iter().for_each(f),
        Value::Set(s) => s.iter().for_each(f),
        Value::Object(o) => {
            for (k, v) in o.iter() {
                f(k);
                f(v);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(n: i64) -> Value {
        Value::from(n)
    }

    #[test]
    fn ranges_are_inclusive_and_count_down() {
        let up = call("numbers.range", &[num(1), num(3)]).unwrap();
        assert_eq!(up.to_string(), "[1,2,3]");
        let down = call("numbers.range", &[num(3), num(1)]).unwrap();
        assert_eq!(down.to_string(), "[3,2,1]");
        let e = call("numbers.range", &[num(0), Value::from(1e12)]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("numbers.range would allocate about "),
            "{e}"
        );
    }

    #[test]
    fn shared_values_are_walked_once_and_counted_as_printed() {
        let mut v = Value::from(vec![Value::from("ab")]);
        for _ in 0..40 {
            v = Value::from(vec![v.clone(), v.clone()]);
        }
        let info = Sizes::default().of(&v).unwrap();
        assert!(info.printed > 1 << 40, "{}", info.printed);
        assert!(info.nodes > 1 << 40);
        assert_eq!(info.depth, 41);
    }

    #[test]
    fn errors_keep_regorus_messages_without_the_placeholder() {
        let e = call("numbers.range", &[Value::from("a"), num(1)]).unwrap_err();
        assert!(!e.to_string().contains("<builtin>"), "{e}");
        assert!(e.to_string().contains("numbers.range"), "{e}");
    }

    #[test]
    fn format_widths_are_summed_and_checked() {
        assert_eq!(format_widths("%s %05d %.3f %%").unwrap(), 8);
        assert!(format_widths("%99999999999d").is_err());
        assert!(format_widths("%\u{0663}d").is_err());
    }
}
