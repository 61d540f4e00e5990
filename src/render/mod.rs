//! The Helm renderer: `template/` is Go's text/template with Sprig and Helm's functions,
//! `chart/` loads charts, coalesces values and renders a chart like `helm template`; `helm.rs`
//! renders with a `helm` binary instead (`--renderer helm`).
pub mod chart;
pub mod helm;
pub mod template;
pub mod value;
