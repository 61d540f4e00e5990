//! Built-in rules, one per file. Each file declares its metadata with `declare_rule!`.
pub mod ignore_without_reason;
pub mod image_registry;
pub mod image_tag_pinned;
pub mod ingress_host_zone;
pub mod manifest_validity;
pub mod resource_requests;
pub mod singleton_replicas;
pub mod timezone;
