//! Template parsing (lexer + parser): arbitrary text as a template file.
#![no_main]
use chartgate::render::template::{Limits, TemplateSet};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let mut set = TemplateSet::new(Limits::default());
    let _ = set.add_file("chart/templates/t.yaml", src);
});
