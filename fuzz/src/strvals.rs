//! `--set` parsing (Helm's strvals) in every flavour, into an empty and a pre-filled map.
use chartgate::model::value::Value;
use chartgate::render::chart::release::to_json;
use chartgate::render::chart::strvals::{ValueKind, parse, parse_into};

/// Runs one input.
pub fn run(data: &[u8]) {
    let Ok(arg) = std::str::from_utf8(data) else {
        return;
    };
    let read = |p: &str| -> Result<String, String> { Ok(format!("content of {p}")) };
    for kind in [
        ValueKind::Typed,
        ValueKind::String,
        ValueKind::Json,
        ValueKind::File(&read),
    ] {
        if let Ok(m) = parse(arg, &kind) {
            let _ = to_json(&Value::map(m.clone()));
            let mut into = m;
            let _ = parse_into(arg, &mut into, &kind);
        }
    }
}
