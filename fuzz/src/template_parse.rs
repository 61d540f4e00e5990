//! Template parsing (lexer + parser): arbitrary text as a template file.
use chartgate::render::template::{Limits, TemplateSet};

/// Runs one input.
pub fn run(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let mut set = TemplateSet::new(Limits::default());
    let _ = set.add_file("chart/templates/t.yaml", src);
}
