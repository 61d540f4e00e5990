//! A minimal YAML → JSON tree for the action tests (built from saphyr-parser events): plain
//! `true`/`false` become booleans, every other scalar a string; duplicate keys and aliases are
//! errors (GitHub rejects duplicate keys; our files use no anchors).
#![allow(
    dead_code,
    reason = "shared by the action test crates; each uses a part"
)]

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Value};

pub fn parse(text: &str) -> Result<Value, String> {
    let mut events = Vec::new();
    for ev in Parser::new_from_str(text) {
        let (ev, span) = ev.map_err(|e| e.to_string())?;
        events.push((ev, span.start.line()));
    }
    let mut i = 0;
    let mut docs = Vec::new();
    while i < events.len() {
        match &events[i].0 {
            Event::DocumentStart(_) => {
                i += 1;
                docs.push(node(&events, &mut i)?);
            }
            _ => i += 1,
        }
    }
    match docs.len() {
        1 => Ok(docs.remove(0)),
        n => Err(format!("expected one document, found {n}")),
    }
}

fn node(events: &[(Event<'_>, usize)], i: &mut usize) -> Result<Value, String> {
    let (ev, line) = events.get(*i).ok_or("unexpected end")?;
    *i += 1;
    match ev {
        Event::Scalar(s, style, _, _) => Ok(match (style, s.as_ref()) {
            (ScalarStyle::Plain, "true") => Value::Bool(true),
            (ScalarStyle::Plain, "false") => Value::Bool(false),
            _ => Value::String(s.to_string()),
        }),
        Event::SequenceStart(..) => {
            let mut v = Vec::new();
            while !matches!(events.get(*i), Some((Event::SequenceEnd, _))) {
                v.push(node(events, i)?);
            }
            *i += 1;
            Ok(Value::Array(v))
        }
        Event::MappingStart(..) => {
            let mut m = Map::new();
            while !matches!(events.get(*i), Some((Event::MappingEnd, _))) {
                let kline = events.get(*i).map(|e| e.1).unwrap_or(0);
                let k = match node(events, i)? {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                let v = node(events, i)?;
                if m.insert(k.clone(), v).is_some() {
                    return Err(format!("duplicate key {k:?} at line {kline}"));
                }
            }
            *i += 1;
            Ok(Value::Object(m))
        }
        other => Err(format!("unsupported YAML event {other:?} at line {line}")),
    }
}
