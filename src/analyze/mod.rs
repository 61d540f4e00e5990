//! Analysis: the resource model, built-in rules (one file each in `rules/`), the registry, Rego policies, values schemas.
pub mod cron;
pub mod engine;
pub mod exemptions;
pub mod globs;
pub mod hosts;
pub mod image;
pub mod kube;
pub mod model;
pub mod quantity;
pub mod registry;
pub mod rego;
pub mod rules;
pub mod scaling;
pub mod settings;
pub mod values_ignore;
pub mod values_keys;
