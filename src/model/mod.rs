//! The bottom layer: the types every other layer shares and that import nothing above them.
//!
//! * [`finding`]: [`Finding`], [`Severity`], [`Location`], [`ResourceRef`] — the one diagnostic
//!   model every rule produces and every reporter prints (old path `report::finding`).
//! * [`limits`]: [`Limits`], the one set of resource limits and defaults (old path
//!   `config::limits`); the YAML loader and template engine take views of it.
//! * [`error`]: [`InputError`], a bad-input message at file:line:col.
//! * [`rule`]: [`RuleInfo`], what a rule declares about itself (old path `analyze::registry`).

pub mod error;
pub mod finding;
pub mod glob;
pub mod kube_version;
pub mod limits;
pub mod rule;
pub mod value;

pub use error::InputError;
pub use finding::{Finding, Location, ResourceRef, Severity};
pub use limits::Limits;
pub use rule::RuleInfo;
