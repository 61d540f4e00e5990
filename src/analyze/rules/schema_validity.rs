//! `schema-validity`: every object against the OpenAPI schema of the environment's Kubernetes
//! version (or its CRD), strictly.
crate::declare_rule! {
    /// ## What it does
    /// Validates every object against the schema of its `apiVersion` and `kind` **for the
    /// environment's `kube-version`**, strictly like `kubeconform -strict`: unknown fields (a typo
    /// such as `resourcs:`, or a field that does not exist yet in that version), wrong types
    /// (`replicas: "2"`; int-or-string fields such as `maxSurge` take either), missing required
    /// fields and enum values. Each finding names the field path and points at the line that
    /// produced the field (the values line for charts).
    ///
    /// Schemas: the Kubernetes OpenAPI schemas of 1.29 through the newest bundled release (from
    /// the `kubernetes-validate` package), CustomResourceDefinitions found among the checked
    /// manifests and in charts' `crds/` folders (their `openAPIV3Schema`, every served version),
    /// the files listed under `crds:` in chartgate.yaml, and the bundled CRDs of the platform's
    /// operators. A CRD among the checked objects whose schema cannot be used is an error at the
    /// CRD; a malformed `crds:` file is a config error at its line. An object whose kind has no schema gets an `info` finding
    /// ("no schema for example.com/v1 Widget"), never an error.
    ///
    /// ## Why
    /// A typo in a field is silently dropped by `kubectl apply` at best and rejected by the API
    /// server at sync time at worst; either way the chart does not do what it says.
    ///
    /// ## Failing example
    /// ```yaml
    /// spec:
    ///   replicas: "2"            # expected integer
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: api
    ///           resourcs: {}     # unknown field
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// spec:
    ///   replicas: 2
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: api
    ///           resources: {}
    /// ```
    pub struct SchemaValidity { id: "schema-validity", severity: Error, summary: "Every object matches the schema of its kind for the environment's Kubernetes version (strict: no unknown fields)." }
}

use crate::analyze::engine::{Rule, RuleContext, Sink, raw};
use crate::analyze::kube::{crds, schemas};
use crate::model::Severity;
use jsonschema::error::ValidationErrorKind as K;
use rayon::prelude::*;
use std::collections::BTreeSet;

/// At most this many schema errors are reported per object.
const MAX_PER_OBJECT: usize = 20;

impl Rule for SchemaValidity {
    fn info(&self) -> &'static crate::analyze::registry::RuleInfo {
        &Self::INFO
    }
    fn check<'a>(&self, ctx: &RuleContext<'a>, out: &mut Sink<'_>) {
        let version = &ctx.settings.kube.version;
        let mut custom = crds::CrdSchemas::new(
            ctx.resources,
            &ctx.settings.kube.crds,
            &ctx.settings.kube.trusted_crds,
        );
        // The Kubernetes schemas of the kinds here, compiled side by side: each is compiled once
        // per run, and on a one-chart check (the pre-commit hook) a Deployment's alone is a third
        // of the run.
        let kinds: BTreeSet<(&str, &str)> = (ctx.resources.iter())
            .filter_map(|r| Some((r.api_version?, r.kind?)))
            .collect();
        if kinds.len() > 1 {
            kinds.par_iter().for_each(|(api, kind)| {
                schemas::validator(version, api, kind);
            });
        }
        for r in ctx.resources {
            let (Some(api), Some(kind)) = (r.api_version, r.kind) else {
                // manifest-validity reports objects without apiVersion/kind.
                continue;
            };
            // A CRD whose schemas cannot be used validates nothing: say so at the CRD.
            if api == "apiextensions.k8s.io/v1"
                && kind == "CustomResourceDefinition"
                && let Err(e) = crds::check_crd(&r.node.to_json())
            {
                out.push(raw(
                    r,
                    r.node.get("spec").unwrap_or(r.node),
                    Some("spec".to_string()),
                    format!("CustomResourceDefinition gives no usable schema: {e}"),
                ));
            }
            // An API the version no longer serves is deprecated-api's error, not a missing schema.
            if crate::analyze::kube::deprecations::find(api, kind)
                .and_then(|d| d.removed_in)
                .is_some_and(|v| v <= crate::analyze::kube::minor_of(version))
            {
                continue;
            }
            let found = match schemas::validator(version, api, kind) {
                Some(v) => Some((v, format!("schema of Kubernetes {version}"))),
                None => match custom.lookup(api, kind, version) {
                    crds::CrdLookup::Schema(v, source) => Some((v, source.to_string())),
                    crds::CrdLookup::NotServed(whose, versions) => {
                        out.push(raw(
                            r,
                            r.node.get("apiVersion").unwrap_or(r.node),
                            Some("apiVersion".to_string()),
                            format!(
                                "{api} {kind}: {whose} serves {} only; a CustomResourceDefinition of the repository does not replace the cluster's",
                                versions.join(", ")
                            ),
                        ));
                        continue;
                    }
                    crds::CrdLookup::None => None,
                },
            };
            let Some((validator, source)) = found else {
                // A deprecated API without a schema at this version: deprecated-api says it.
                if crate::analyze::kube::deprecations::find(api, kind)
                    .and_then(|d| d.deprecated_in)
                    .is_some_and(|v| v <= crate::analyze::kube::minor_of(version))
                {
                    continue;
                }
                let mut f = raw(
                    r,
                    r.node.get("kind").unwrap_or(r.node),
                    Some("kind".to_string()),
                    format!("no schema for {api} {kind}"),
                );
                f.severity = Some(Severity::Info);
                out.push(f);
                continue;
            };
            let mut instance = r.node.to_json();
            // A SOPS-encrypted file (Flux, KSOPS, helm-secrets) carries its `sops:` metadata
            // beside the object; the decryption removes it before the API server sees the object.
            if let Some(o) = instance.as_object_mut()
                && o.get("sops").is_some_and(is_sops_metadata)
            {
                o.remove("sops");
            }
            let is_custom = !source.starts_with("schema of Kubernetes");
            for e in validator.iter_errors(&instance).take(MAX_PER_OBJECT) {
                // A custom resource's `null` on an object field that is not nullable is pruned
                // (or defaulted) by the API server before it validates
                // (PruneNonNullableNullsWithoutDefaults, Kubernetes ≥ 1.20): not an error.
                if is_custom
                    && e.instance().is_null()
                    && matches!(
                        e.instance_path().iter().last(),
                        Some(jsonschema::paths::LocationSegment::Property(_))
                    )
                {
                    continue;
                }
                let segs: Vec<String> = e.instance_path().iter().map(|s| s.to_string()).collect();
                let (node, _key) = r.node.locate(&segs);
                let path = field_path(&segs);
                let at = |name: &str| {
                    if path.is_empty() {
                        name.to_string()
                    } else {
                        format!("{path}.{name}")
                    }
                };
                let (node, field, message) = match e.kind() {
                    K::AdditionalProperties { unexpected } => {
                        let name = unexpected.first().cloned().unwrap_or_default();
                        let key = node.as_map().and_then(|m| {
                            m.iter()
                                .rev()
                                .find(|(k, _)| k.key_string() == name)
                                .map(|(k, _)| k)
                        });
                        let f = at(&name);
                        let msg = format!(
                            "{f}: unknown field `{name}` (not in the {api} {kind} {source})"
                        );
                        (key.unwrap_or(node), f, msg)
                    }
                    K::Required { property } => {
                        let name = property.as_str().unwrap_or_default().to_string();
                        let f = at(&name);
                        (
                            node,
                            f.clone(),
                            format!("{f}: missing required field `{name}`"),
                        )
                    }
                    K::Type { kind: t } => (
                        node,
                        path.clone(),
                        format!(
                            "{}: expected {}, got {}",
                            show_path(&path),
                            type_name(t),
                            describe(e.instance())
                        ),
                    ),
                    // A map or a list is never what an int-or-string's branches want: a CRD's
                    // own `oneOf`/`anyOf` (value checks) rejected it.
                    K::OneOfNotValid { .. } | K::AnyOf { .. }
                        if e.instance().is_object() || e.instance().is_array() =>
                    {
                        (
                            node,
                            path.clone(),
                            format!(
                                "{}: {} matches none of the schema's `{}` alternatives",
                                show_path(&path),
                                describe(e.instance()),
                                if matches!(e.kind(), K::AnyOf { .. }) {
                                    "anyOf"
                                } else {
                                    "oneOf"
                                },
                            ),
                        )
                    }
                    K::OneOfNotValid { .. } | K::AnyOf { .. } => (
                        node,
                        path.clone(),
                        format!(
                            "{}: expected {}, got {}",
                            show_path(&path),
                            "an integer or a string",
                            describe(e.instance())
                        ),
                    ),
                    // `null` matches both branches of an int-or-string; the API server takes it.
                    K::OneOfMultipleValid { .. } if e.instance().is_null() => continue,
                    K::Enum { options } => {
                        let opts: Vec<String> = options
                            .as_array()
                            .map(|a| {
                                a.iter()
                                    .map(|o| {
                                        o.as_str().map_or_else(|| o.to_string(), str::to_string)
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        (
                            node,
                            path.clone(),
                            format!(
                                "{}: {} is not one of {}",
                                show_path(&path),
                                describe(e.instance()),
                                opts.join(", ")
                            ),
                        )
                    }
                    _ => (node, path.clone(), format!("{}: {e}", show_path(&path))),
                };
                out.push(raw(r, node, Some(field), message));
            }
        }
    }
}

fn show_path(p: &str) -> &str {
    if p.is_empty() { "(object)" } else { p }
}

fn type_name(t: &jsonschema::error::TypeKind) -> String {
    use jsonschema::error::TypeKind;
    let one = |j: &dyn std::fmt::Display| match j.to_string().as_str() {
        "integer" => "an integer".to_string(),
        "object" => "a map".to_string(),
        "array" => "a list".to_string(),
        "string" => "a string".to_string(),
        "number" => "a number".to_string(),
        "boolean" => "a boolean".to_string(),
        other => other.to_string(),
    };
    match t {
        TypeKind::Single(j) => one(j),
        TypeKind::Multiple(set) => {
            let names: Vec<String> = set
                .iter()
                .filter(|j| j.to_string() != "null")
                .map(|j| one(&j))
                .collect();
            names.join(" or ")
        }
    }
}

/// A JSON value as messages show it (`string "2"`, `integer 3`).
fn describe(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => format!("string \"{s}\""),
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => format!("integer {n}"),
        serde_json::Value::Number(n) => format!("number {n}"),
        serde_json::Value::Bool(b) => format!("boolean {b}"),
        serde_json::Value::Null => "null".into(),
        serde_json::Value::Array(_) => "a list".into(),
        serde_json::Value::Object(_) => "a map".into(),
    }
}

/// `spec.template.spec.containers[0].image` from JSON-pointer segments.
pub fn field_path(segs: &[String]) -> String {
    let mut out = String::new();
    for s in segs {
        if s.parse::<usize>().is_ok() {
            out.push_str(&format!("[{s}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(s);
        }
    }
    out
}

/// Whether `v` is the metadata block SOPS writes at the top of an encrypted document (it always
/// holds `mac` and `lastmodified`).
fn is_sops_metadata(v: &serde_json::Value) -> bool {
    v.get("mac").is_some_and(serde_json::Value::is_string)
        && v.get("lastmodified")
            .is_some_and(serde_json::Value::is_string)
}
