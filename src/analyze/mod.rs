//! Analysis: the resource model, built-in rules (one file each in `rules/`), the registry, Rego policies, values schemas.
pub mod cron;
pub mod hosts;
pub mod image;
pub mod quantity;
pub mod registry;
pub mod rules;
