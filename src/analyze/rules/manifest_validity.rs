//! `manifest-validity`: every document is a well-formed, unique Kubernetes object.
crate::declare_rule! {
    /// ## What it does
    /// Checks that every document (and every item of a `kind: List`) has `apiVersion`, `kind` and
    /// `metadata.name`, and that no two resources in one input set share kind, namespace and
    /// name (the second is reported, pointing at the first).
    ///
    /// ## Why
    /// The API server rejects an object without these fields; with duplicates one object silently
    /// overwrites the other when ArgoCD applies the render.
    ///
    /// ## Failing example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata: {}
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: api-config
    /// ```
    pub struct ManifestValidity { id: "manifest-validity", severity: Error, summary: "apiVersion, kind and metadata.name are present and kind/namespace/name is unique." }
}

use std::collections::HashMap;

use crate::analyze::engine::{Rule, RuleContext, Sink, raw};

impl Rule for ManifestValidity {
    fn info(&self) -> &'static crate::analyze::registry::RuleInfo {
        &Self::INFO
    }
    fn check<'a>(&self, ctx: &RuleContext<'a>, out: &mut Sink<'_>) {
        // One render is one unit. Plain manifests: one directory is one unit (what
        // `kubectl apply -f DIR` or an Argo CD directory source deploys together); two
        // directories are independent apps that may each define an object of the same name
        // (for different namespaces or clusters).
        let rendered = ctx.settings.context.chart.is_some();
        let unit = |file: &'a str| -> &'a str {
            if rendered {
                ""
            } else {
                file.rsplit_once('/').map_or("", |(dir, _)| dir)
            }
        };
        type Key<'k> = (&'k str, &'k str, &'k str, &'k str, &'k str);
        let mut seen: HashMap<Key<'a>, &crate::analyze::model::Resource<'a>> = HashMap::new();
        for r in ctx.resources {
            for (field, value) in [("apiVersion", r.api_version), ("kind", r.kind)] {
                if value.is_none_or(|v| v.trim().is_empty()) {
                    let node = r.node.get(field).unwrap_or(r.node);
                    out.push(raw(
                        r,
                        node,
                        Some(field.to_string()),
                        format!("`{field}` is missing or not a string"),
                    ));
                }
            }
            if r.name.is_none_or(|v| v.trim().is_empty())
                && r.node.get_path(&["metadata", "generateName"]).is_none()
            {
                let node = r
                    .node
                    .get_path(&["metadata", "name"])
                    .or_else(|| r.node.get("metadata"))
                    .unwrap_or(r.node);
                out.push(raw(
                    r,
                    node,
                    Some("metadata.name".into()),
                    "`metadata.name` is missing or not a string".into(),
                ));
            }
            let (Some(kind), Some(name)) = (r.kind, r.name) else {
                continue;
            };
            let key = (
                unit(r.file),
                r.group(),
                kind,
                r.namespace.unwrap_or(""),
                name,
            );
            if let Some(first) = seen.get(&key) {
                let node = r.node.get_path(&["metadata", "name"]).unwrap_or(r.node);
                let first_node = first
                    .node
                    .get_path(&["metadata", "name"])
                    .unwrap_or(first.node);
                let mut f = raw(
                    r,
                    node,
                    Some("metadata.name".into()),
                    format!(
                        "duplicate {kind} `{name}`{}",
                        r.namespace
                            .map(|n| format!(" in namespace `{n}`"))
                            .unwrap_or_default(),
                    ),
                );
                // Located like the finding: the repository's template, not Helm's path.
                f.also = Some((*first, first_node));
                out.push(f);
            } else {
                seen.insert(key, r);
            }
        }
    }
}
