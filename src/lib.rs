//! chartgate: a policy and static-analysis linter for Helm charts and their per-environment values.
//!
//! The layers, bottom up: `model` (findings, limits, errors, rule metadata) and `gocompat` (the
//! one copy of each Go/Helm behaviour chartgate reproduces) → `yaml` (every
//! node keeps file:line:col) → `render` (chart + values per environment) → `discover` →
//! `pipeline` (one run: config, discovery, renders, analysis) → `analyze` (built-in rules +
//! Rego, in parallel) → `report`; `cli` maps arguments onto the pipeline and prints.
pub mod analyze;
pub mod budget;
pub mod cli;
pub mod config;
pub mod confine;
pub mod discover;
pub mod gocompat;
pub mod model;
pub mod pipeline;
pub mod render;
pub mod report;
pub mod yaml;

/// Unit tests run under the binary's counting allocator, so memory budgets are exercised.
#[cfg(test)]
#[global_allocator]
static ALLOC: budget::alloc::Counting<mimalloc::MiMalloc> =
    budget::alloc::Counting(mimalloc::MiMalloc);
