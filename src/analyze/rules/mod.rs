//! Built-in rules, one per file. Each file declares its metadata with `declare_rule!`.
pub mod api_validation;
pub mod chart_source;
pub mod deprecated_api;
pub mod expired_exemption;
pub mod findings_limit;
pub mod ignore_without_reason;
pub mod image_registry;
pub mod image_tag_pinned;
pub mod ingress_host_zone;
pub mod ingress_load_balancer;
pub mod manifest_validity;
pub mod min_replicas;
pub mod pod_security;
pub mod rego_error;
pub mod render_error;
pub mod resource_requests;
pub mod run_stopped;
pub mod schema_validity;
pub mod singleton_replicas;
pub mod timezone;
pub mod tls_hosts;
pub mod unresolved_source;
pub mod unused_exemption;
pub mod values_schema;
pub mod values_unknown_key;

use super::engine::Rule;

/// Every built-in rule, in id order: the one place a rule is registered (`registry::all` derives
/// the metadata list from it).
pub fn all() -> &'static [&'static dyn Rule] {
    &[
        &api_validation::ApiValidation,
        &chart_source::ChartSource,
        &deprecated_api::DeprecatedApi,
        &ignore_without_reason::IgnoreWithoutReason,
        &image_registry::ImageRegistry,
        &image_tag_pinned::ImageTagPinned,
        &ingress_host_zone::IngressHostZone,
        &ingress_load_balancer::IngressLoadBalancer,
        &manifest_validity::ManifestValidity,
        &min_replicas::MinReplicas,
        &pod_security::PodSecurity,
        &resource_requests::ResourceRequests,
        &schema_validity::SchemaValidity,
        &singleton_replicas::SingletonReplicas,
        &timezone::Timezone,
        &tls_hosts::TlsHosts,
        &values_schema::ValuesSchema,
        &values_unknown_key::ValuesUnknownKey,
    ]
}
