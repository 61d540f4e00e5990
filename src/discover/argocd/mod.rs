//! Argo CD: Applications and ApplicationSets, resolved offline from checkouts.
pub mod appset;
