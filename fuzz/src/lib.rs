//! The fuzz targets' bodies, one module and one `run` function per target. `fuzz_targets/*.rs`
//! call them under libFuzzer; `tests/fuzz_regressions.rs` in the main crate includes this file
//! (`#[path]`) and replays every saved crashing input in `fixtures/fuzz-regressions/<target>/`
//! with them, so a fixed crash stays fixed in the normal test suite. Only `chartgate` and
//! `serde_json` are used here.

/// `chartgate`'s counting allocator, as its binary installs it (`src/main.rs`, over mimalloc
/// there): it counts live bytes, so render memory budgets (`budget::scoped`) hold here as in a
/// real run. Without it a budget never fires.
#[global_allocator]
static ALLOC: chartgate::budget::alloc::Counting<std::alloc::System> =
    chartgate::budget::alloc::Counting(std::alloc::System);

pub mod analyze;
pub mod archive;
pub mod quantity_image;
pub mod rego_input;
pub mod report;
pub mod strvals;
pub mod template_exec;
pub mod template_parse;
pub mod template_values;
pub mod values_coalesce;
pub mod yaml;
