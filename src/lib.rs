//! chartgate: a policy and static-analysis linter for Helm charts and their per-environment values.
//!
//! The pipeline is the folder tree:
//! `discover` → `render` (chart + values per environment) → `yaml` (every node keeps
//! file:line:col) → `analyze` (built-in rules + Rego, in parallel) → `report`.
pub mod analyze;
pub mod cli;
pub mod config;
pub mod discover;
pub mod pipeline;
pub mod render;
pub mod report;
pub mod yaml;
