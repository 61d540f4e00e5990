//! Reports: `finding.rs` is the one diagnostic model; every output format is one file.
pub mod finding;
