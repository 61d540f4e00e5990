//! Discovery: charts, environments, values files, policies, manifests (walkdir + globset).
pub mod argocd;
pub mod changed;
pub mod charts;
pub mod classify;
pub mod manifests;
