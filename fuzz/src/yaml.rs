//! YAML loading with positions: streams, Helm's manifest split and values files.
//! Invariants: no panic; every position lies inside the input (offset on a char boundary,
//! line/column ≥ 1); errors point inside the input too.
use chartgate::yaml::{Limits, Node, NodeKind, Pos, parse_manifests, parse_stream, parse_values};

fn check_pos(src: &str, p: Pos) {
    assert!(
        p.offset <= src.len(),
        "offset {} past {}",
        p.offset,
        src.len()
    );
    assert!(p.line >= 1 && p.col >= 1, "{p:?}");
    // YAML line breaks: `\n`, `\r\n` and a lone `\r`.
    let breaks =
        src.matches('\n').count() + src.matches('\r').count() - src.matches("\r\n").count();
    let lines = breaks as u32 + 1;
    assert!(p.line <= lines, "line {} of {lines}", p.line);
}

fn check_node(src: &str, n: &Node) {
    check_pos(src, n.pos);
    check_pos(src, n.end);
    match &n.kind {
        NodeKind::Seq(items) => items.iter().for_each(|i| check_node(src, i)),
        NodeKind::Map(pairs) => pairs.iter().for_each(|(k, v)| {
            check_node(src, k);
            check_node(src, v);
        }),
        _ => {}
    }
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let limits = Limits {
        max_alias_expansions: 10_000,
        ..Limits::default()
    };
    match parse_stream(src, &limits) {
        Ok(docs) => docs.iter().for_each(|d| {
            check_node(src, &d.root);
            let _ = d.root.to_json();
        }),
        Err(e) => check_pos(src, e.pos),
    }
    match parse_manifests(src, &limits) {
        Ok(docs) => docs.iter().for_each(|d| check_node(src, &d.root)),
        Err(e) => check_pos(src, e.pos),
    }
    if let Err(e) = parse_values(src, 1, &limits) {
        check_pos(src, e.pos);
    }
}
