//! YAML with positions. (API contract; implementation lands with the analyzer core.)
//!
//! Why not serde_yaml: it is deprecated and unmaintained, and no serde YAML crate gives a span per
//! node or reproduces go-yaml v2's resolution rules (what Helm and Kubernetes use: `yes`/`on` are
//! booleans, `0644` is octal, `<<` merges, duplicate keys last-wins). We build our own node tree
//! from `saphyr-parser` events, which are fast, maintained and carry a marker for every event.
