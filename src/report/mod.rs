//! Reports: `finding.rs` is the one diagnostic model; every output format is one file.
pub mod baseline;
pub mod finding;
pub mod github;
pub mod junit;
pub mod markdown;
pub mod rules_info;
pub mod sarif;
