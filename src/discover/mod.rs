//! Discovery: charts, environments, values files, policies, manifests (walkdir + globset).
pub mod manifests;
pub mod changed;
pub mod charts;
