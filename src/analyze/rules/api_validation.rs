//! `api-validation`: what the API server's validation rejects beyond the OpenAPI schema.
crate::declare_rule! {
    /// ## What it does
    /// Checks what the Kubernetes API server validates in code rather than in its OpenAPI schema
    /// (so `schema-validity` cannot see it), as `k8s.io/apimachinery` and
    /// `pkg/apis/*/validation` do:
    /// - object names: a lowercase RFC 1123 subdomain for the built-in kinds (a label for
    ///   Namespaces and Services, at most 52 characters for CronJobs, a URL path segment for
    ///   RBAC objects and every other kind); `metadata.namespace` a lowercase RFC 1123 label;
    /// - labels and annotations of objects and pod templates: keys are qualified names
    ///   (`example.com/name`), label values at most 63 characters of `[A-Za-z0-9._-]`, all
    ///   annotations of an object at most 256 KiB;
    /// - `apps/v1` workloads: the selector is not empty, its keys and values are valid, and it
    ///   selects the pod template's labels; no `rollingUpdate` beside a `Recreate` (or
    ///   `OnDelete`) strategy, and a Deployment's `maxSurge` and `maxUnavailable` not both 0;
    /// - `restartPolicy`: `OnFailure` or `Never` in Jobs and CronJobs (unset means `Always`,
    ///   which they refuse), `Always` in Deployments, StatefulSets, DaemonSets and ReplicaSets;
    /// - HorizontalPodAutoscalers: `minReplicas` at least 1 and `maxReplicas` at least
    ///   `minReplicas`; PodDisruptionBudgets: not both `minAvailable` and `maxUnavailable`;
    /// - Ingresses: hosts are DNS names (a leading `*.` allowed, no IP address), paths are
    ///   absolute (`Exact` and `Prefix` paths without `//`, `/./`, `/../`, `%2f`, and not
    ///   ending in `/.` or `/..`), backend port names and numbers valid;
    /// - pod specs: container names are RFC 1123 labels and unique across containers, init
    ///   and ephemeral containers; ports are 1–65535 with IANA service names (at most 15
    ///   characters) unique in their container, probe and lifecycle handler ports too; resource
    ///   names in `requests`/`limits` standard (`cpu`, `memory`, `ephemeral-storage`,
    ///   `hugepages-<size>`) or domain-qualified (a typo such as `memroy` is refused); volume
    ///   names are unique labels, every volume mount names a volume (a StatefulSet's claim
    ///   templates count) and mount paths are unique per container;
    /// - Services: several ports each need a unique name, ports are 1–65535 and unique per
    ///   protocol, named target ports are IANA service names;
    /// - ConfigMaps and Secrets: keys are `[-._a-zA-Z0-9]+` (not `.`, `..` or starting with
    ///   `..`), a ConfigMap key is not in both `data` and `binaryData`, and the data is at most
    ///   1 MiB.
    ///
    /// Each finding points at the offending field (the values line when a value produced it).
    ///
    /// ## Why
    /// The API server rejects such an object when Argo CD syncs it: the pull request passes,
    /// the deployment fails. A label value built from a long release name (more than 63
    /// characters), a port named `http-metrics-port` (16 characters) or a selector that no
    /// longer matches the template after a label change are the usual ways to get there.
    ///
    /// ## Failing example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: Web_API
    /// spec:
    ///   selector:
    ///     matchLabels: { app: web }
    ///   template:
    ///     metadata:
    ///       labels: { app: api }
    ///     spec:
    ///       containers:
    ///         - name: api
    ///           ports:
    ///             - { name: http-metrics-port, containerPort: 9090 }
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web-api
    /// spec:
    ///   selector:
    ///     matchLabels: { app: web }
    ///   template:
    ///     metadata:
    ///       labels: { app: web }
    ///     spec:
    ///       containers:
    ///         - name: api
    ///           ports:
    ///             - { name: metrics, containerPort: 9090 }
    /// ```
    pub struct ApiValidation { id: "api-validation", severity: Error, summary: "Objects pass the API server's validation beyond the schema: names, labels, selectors, strategies, restart policies, ports, volumes, Ingress paths, ConfigMap keys." }
}

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::analyze::engine::{Rule, RuleContext, Sink, raw};
use crate::analyze::kube::names;
use crate::analyze::model::{Resource, scalar_text};
use crate::yaml::Node;

impl Rule for ApiValidation {
    fn info(&self) -> &'static crate::analyze::registry::RuleInfo {
        &Self::INFO
    }
    fn check<'a>(&self, ctx: &RuleContext<'a>, out: &mut Sink<'_>) {
        for r in ctx.resources {
            let mut c = Checker { r, out };
            c.object_meta();
            for (meta, path) in templates(r) {
                c.labels_and_annotations(meta, path);
            }
            c.selector();
            c.strategy();
            c.autoscaling_and_disruption();
            c.ingress();
            if let Some((pod, path)) = r.pod_spec {
                c.pod(pod, path);
                c.restart_policy(pod, path);
            }
            match (r.group(), r.kind) {
                ("", Some("Service")) => c.service(),
                ("", Some("ConfigMap")) => c.config_data(false),
                ("", Some("Secret")) => c.config_data(true),
                _ => {}
            }
        }
    }
}

/// A format check of `k8s.io/apimachinery` ([`names`]): why a value is rejected, or None.
type Format = fn(&str) -> Option<String>;

/// The format a kind's `metadata.name` must have, and its length limit beyond the format's.
fn name_format(group: &str, kind: &str) -> (Format, Option<usize>) {
    match (group, kind) {
        // Services are DNS-1035 labels up to 1.3x (must start with a letter), DNS-1123 labels
        // with `RelaxedServiceNameValidation`; the label is what every version demands.
        ("", "Namespace" | "Service") => (names::dns1123_label, None),
        // A CronJob's Jobs append 11 characters to its name.
        ("batch", "CronJob") => (names::dns1123_subdomain, Some(52)),
        (
            "",
            "Pod"
            | "ConfigMap"
            | "Secret"
            | "ServiceAccount"
            | "PersistentVolumeClaim"
            | "PersistentVolume"
            | "ReplicationController"
            | "PodTemplate"
            | "LimitRange"
            | "ResourceQuota"
            | "Endpoints",
        )
        | (
            "apps",
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "ControllerRevision",
        )
        | ("batch", "Job")
        | ("networking.k8s.io", "Ingress" | "IngressClass" | "NetworkPolicy")
        | ("autoscaling", "HorizontalPodAutoscaler")
        | ("policy", "PodDisruptionBudget")
        | ("scheduling.k8s.io", "PriorityClass")
        | ("storage.k8s.io", "StorageClass") => (names::dns1123_subdomain, None),
        _ => (names::path_segment, None),
    }
}

/// The metadata of the pod templates an object carries, with their field paths.
fn templates<'a>(r: &Resource<'a>) -> Vec<(&'a Node, &'static str)> {
    let at = |path: &[&str], text: &'static str| r.node.get_path(path).map(|n| (n, text));
    match r.kind {
        Some("CronJob") => [
            at(
                &["spec", "jobTemplate", "metadata"],
                "spec.jobTemplate.metadata",
            ),
            at(
                &["spec", "jobTemplate", "spec", "template", "metadata"],
                "spec.jobTemplate.spec.template.metadata",
            ),
        ]
        .into_iter()
        .flatten()
        .collect(),
        _ if r.pod_spec.is_some_and(|(_, p)| p == "spec.template.spec") => {
            at(&["spec", "template", "metadata"], "spec.template.metadata")
                .into_iter()
                .collect()
        }
        _ => Vec::new(),
    }
}

/// A short, quoted rendering of an offending value for a message.
fn quoted(s: &str) -> String {
    format!("`{}`", crate::confine::excerpt(s, 80))
}

struct Checker<'a, 'o, 's> {
    r: &'a Resource<'a>,
    out: &'o mut Sink<'s>,
}

impl<'a> Checker<'a, '_, '_> {
    fn push(&mut self, node: &'a Node, field: String, message: String) {
        self.out.push(raw(self.r, node, Some(field), message));
    }

    /// `check(value)` of a string node; a finding `field: "value": reason` when it fails.
    fn string(&mut self, node: &'a Node, field: String, check: Format) -> Option<&'a str> {
        let s = node.as_str()?;
        if let Some(why) = check(s) {
            self.push(
                node,
                field.clone(),
                format!("{field}: {}: {why}", quoted(s)),
            );
        }
        Some(s)
    }

    /// [`Self::string`], then a finding `duplicate(name)` when `seen` already holds the name.
    fn unique(
        &mut self,
        node: &'a Node,
        field: String,
        check: Format,
        seen: &mut HashSet<&'a str>,
        duplicate: impl FnOnce(&str) -> String,
    ) {
        if let Some(name) = self.string(node, field.clone(), check)
            && !seen.insert(name)
        {
            self.push(node, field, duplicate(&quoted(name)));
        }
    }

    fn object_meta(&mut self) {
        let r = self.r;
        let (Some(kind), Some(meta)) = (r.kind, r.node.get("metadata")) else {
            return;
        };
        if let Some(node) = meta.get("name")
            && let Some(name) = node.as_str()
        {
            let (format, max) = name_format(r.group(), kind);
            match max {
                Some(max) if name.len() > max => self.push(
                    node,
                    "metadata.name".into(),
                    format!(
                        "metadata.name: {}: a {kind} name must be no more than {max} characters",
                        quoted(name)
                    ),
                ),
                _ => {
                    self.string(node, "metadata.name".into(), format);
                }
            }
        }
        if let Some(node) = meta.get("namespace") {
            self.string(node, "metadata.namespace".into(), names::dns1123_label);
        }
        self.labels_and_annotations(meta, "metadata");
    }

    fn labels_and_annotations(&mut self, meta: &'a Node, path: &str) {
        if let Some(labels) = meta.get("labels").and_then(Node::as_map) {
            for (k, v) in labels {
                let key = k.key_string();
                self.string(k, format!("{path}.labels"), names::qualified_name);
                self.string(v, format!("{path}.labels.{key}"), names::label_value);
            }
        }
        if let Some(map) = meta.get("annotations")
            && let Some(annotations) = map.as_map()
        {
            let mut size = 0usize;
            for (k, v) in annotations {
                // Annotation keys are checked in lower case.
                if let Some(key) = k.as_str()
                    && let Some(why) = names::qualified_name(&key.to_ascii_lowercase())
                {
                    self.push(
                        k,
                        format!("{path}.annotations"),
                        format!("{path}.annotations: {}: {why}", quoted(key)),
                    );
                }
                size += k.key_string().len() + v.as_str().map_or(0, str::len);
            }
            if size > names::ANNOTATIONS_MAX {
                self.push(
                    map,
                    format!("{path}.annotations"),
                    format!(
                        "{path}.annotations: {size} bytes; the annotations of an object may hold at most {} bytes",
                        names::ANNOTATIONS_MAX
                    ),
                );
            }
        }
    }

    /// The selector of an `apps/v1` workload: valid, not empty, selecting its template.
    fn selector(&mut self) {
        let r = self.r;
        if r.group() != "apps"
            || !matches!(
                r.kind,
                Some("Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet")
            )
        {
            return;
        }
        let Some(sel) = r.node.get_path(&["spec", "selector"]) else {
            return;
        };
        if sel.as_map().is_none() {
            return;
        }
        let match_labels = sel.get("matchLabels").and_then(Node::as_map).unwrap_or(&[]);
        let exprs = sel
            .get("matchExpressions")
            .and_then(Node::as_seq)
            .unwrap_or(&[]);
        if match_labels.is_empty() && exprs.is_empty() {
            let kind = r.kind.unwrap_or_default();
            self.push(
                sel,
                "spec.selector".into(),
                format!("spec.selector: an empty selector is invalid for a {kind}"),
            );
            return;
        }
        let mut wanted: Vec<Requirement<'a>> = Vec::new();
        for (k, v) in match_labels {
            let key = k.key_string();
            self.string(k, "spec.selector.matchLabels".into(), names::qualified_name);
            let value = self.string(
                v,
                format!("spec.selector.matchLabels.{key}"),
                names::label_value,
            );
            let (Some(key), Some(value)) = (k.as_str(), value) else {
                return;
            };
            wanted.push(Requirement::In(key, vec![value]));
        }
        for (i, e) in exprs.iter().enumerate() {
            let path = format!("spec.selector.matchExpressions[{i}]");
            let Some(key) = e
                .get("key")
                .and_then(|k| self.string(k, format!("{path}.key"), names::qualified_name))
            else {
                return;
            };
            let values: Vec<&'a str> = e
                .get("values")
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .filter_map(Node::as_str)
                .collect();
            let op_node = e.get("operator").unwrap_or(e);
            let op = op_node.as_str().unwrap_or_default();
            let requirement = match op {
                "In" | "NotIn" if values.is_empty() => Err(format!(
                    "{path}.values: must be specified when `operator` is 'In' or 'NotIn'"
                )),
                "In" => Ok(Requirement::In(key, values)),
                "NotIn" => Ok(Requirement::NotIn(key, values)),
                "Exists" | "DoesNotExist" if !values.is_empty() => Err(format!(
                    "{path}.values: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
                )),
                "Exists" => Ok(Requirement::Exists(key)),
                "DoesNotExist" => Ok(Requirement::DoesNotExist(key)),
                other => Err(format!(
                    "{path}.operator: {}: not a valid selector operator (In, NotIn, Exists, DoesNotExist)",
                    quoted(other)
                )),
            };
            match requirement {
                Ok(req) => wanted.push(req),
                Err(message) => {
                    self.push(op_node, path, message);
                    return;
                }
            }
        }
        let labels_node = r.node.get_path(&["spec", "template", "metadata", "labels"]);
        let labels: BTreeMap<&str, &str> = labels_node
            .and_then(Node::as_map)
            .unwrap_or(&[])
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?, v.as_str()?)))
            .collect();
        if !wanted.iter().all(|req| req.matches(&labels)) {
            let at = labels_node
                .or_else(|| r.node.get_path(&["spec", "template", "metadata"]))
                .or_else(|| r.node.get_path(&["spec", "template"]))
                .unwrap_or(sel);
            self.push(
                at,
                "spec.template.metadata.labels".into(),
                "spec.template.metadata.labels: `selector` does not match template `labels`".into(),
            );
        }
    }

    fn pod(&mut self, pod: &'a Node, path: &'static str) {
        let mut volumes: HashSet<&str> = HashSet::new();
        if let Some(list) = pod.get("volumes").and_then(Node::as_seq) {
            for (i, v) in list.iter().enumerate() {
                let Some(node) = v.get("name") else { continue };
                let field = format!("{path}.volumes[{i}].name");
                self.unique(node, field, names::dns1123_label, &mut volumes, |n| {
                    format!("{path}.volumes: duplicate volume {n}")
                });
            }
        }
        // A StatefulSet's claim templates are volumes of its pods too.
        if self.r.kind == Some("StatefulSet") {
            let claims = self.r.node.get_path(&["spec", "volumeClaimTemplates"]);
            for c in claims.and_then(Node::as_seq).unwrap_or(&[]) {
                if let Some(name) = c.get_path(&["metadata", "name"]).and_then(Node::as_str) {
                    volumes.insert(name);
                }
            }
        }
        let volumes_known = pod.get("volumes").is_none_or(|v| v.as_seq().is_some());
        let mut containers: HashSet<&str> = HashSet::new();
        let r = self.r;
        for c in &r.containers {
            if let Some(node) = c.node.get("name") {
                let field = format!("{}.name", c.path);
                self.unique(node, field, names::dns1123_label, &mut containers, |n| {
                    format!("{}: duplicate container name {n}", c.path)
                });
            }
            let mut port_names: HashSet<&str> = HashSet::new();
            for (i, p) in c
                .node
                .get("ports")
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                let at = format!("{}.ports[{i}]", c.path);
                if let Some(node) = p.get("name") {
                    let field = format!("{at}.name");
                    self.unique(node, field, names::port_name, &mut port_names, |n| {
                        format!("{at}.name: duplicate port name {n}")
                    });
                }
                self.port_number(p.get("containerPort"), format!("{at}.containerPort"), 1);
                self.port_number(p.get("hostPort"), format!("{at}.hostPort"), 0);
            }
            // `validateContainerResourceName`: a name without a domain is a standard one.
            for section in ["requests", "limits"] {
                let list = c
                    .node
                    .get_path(&["resources", section])
                    .and_then(Node::as_map);
                for (k, _) in list.unwrap_or(&[]) {
                    let Some(name) = k.as_str() else { continue };
                    let standard = matches!(name, "cpu" | "memory" | "ephemeral-storage")
                        || name.starts_with("hugepages-");
                    if !name.contains('/') && !standard {
                        let field = format!("{}.resources.{section}", c.path);
                        self.push(
                            k,
                            field.clone(),
                            format!(
                                "{field}: {}: must be a standard resource for containers (cpu, memory, ephemeral-storage, hugepages-<size>) or a domain-qualified extended resource",
                                quoted(name)
                            ),
                        );
                    }
                }
            }
            for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
                if let Some(h) = c.node.get(probe) {
                    self.handler_port(h, &format!("{}.{probe}", c.path));
                }
            }
            for hook in ["postStart", "preStop"] {
                if let Some(h) = c.node.get_path(&["lifecycle", hook]) {
                    self.handler_port(h, &format!("{}.lifecycle.{hook}", c.path));
                }
            }
            let mut mount_paths: HashSet<&str> = HashSet::new();
            for (i, m) in c
                .node
                .get("volumeMounts")
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                let at = format!("{}.volumeMounts[{i}]", c.path);
                if let Some(node) = m.get("name")
                    && let Some(name) = node.as_str()
                    && volumes_known
                    && !volumes.contains(name)
                {
                    self.push(
                        node,
                        format!("{at}.name"),
                        format!(
                            "{at}.name: volume {} is not among the pod's volumes",
                            quoted(name)
                        ),
                    );
                }
                if let Some(node) = m.get("mountPath")
                    && let Some(p) = node.as_str()
                    && !mount_paths.insert(p)
                {
                    self.push(
                        node,
                        format!("{at}.mountPath"),
                        format!(
                            "{at}.mountPath: {} is mounted twice in {}",
                            quoted(p),
                            c.label()
                        ),
                    );
                }
            }
        }
    }

    /// The rollout strategy of a Deployment or StatefulSet.
    fn strategy(&mut self) {
        let r = self.r;
        let (field, rolling_type) = match (r.group(), r.kind) {
            ("apps", Some("Deployment")) => ("strategy", "RollingUpdate"),
            ("apps", Some("StatefulSet")) => ("updateStrategy", "RollingUpdate"),
            _ => return,
        };
        let Some(strategy) = r.node.get_path(&["spec", field]) else {
            return;
        };
        let kind = strategy
            .get("type")
            .and_then(Node::as_str)
            .unwrap_or(rolling_type);
        let Some(rolling) = strategy.get("rollingUpdate").filter(|n| !n.is_null()) else {
            return;
        };
        if kind != rolling_type {
            self.push(
                rolling,
                format!("spec.{field}.rollingUpdate"),
                format!(
                    "spec.{field}.rollingUpdate: may not be specified when strategy `type` is {}",
                    quoted(kind)
                ),
            );
            return;
        }
        // A Deployment must be able to make progress.
        let zero = |k: &str| {
            rolling.get(k).and_then(scalar_text).is_some_and(|v| {
                let v = v.trim_end_matches('%');
                !v.is_empty() && v.bytes().all(|b| b == b'0')
            })
        };
        if field == "strategy" && zero("maxSurge") && zero("maxUnavailable") {
            let node = rolling.get("maxUnavailable").unwrap_or(rolling);
            self.push(
                node,
                "spec.strategy.rollingUpdate.maxUnavailable".into(),
                "spec.strategy.rollingUpdate.maxUnavailable: may not be 0 when `maxSurge` is 0"
                    .into(),
            );
        }
    }

    /// `restartPolicy` of a pod template: `OnFailure` or `Never` for Jobs (the default,
    /// `Always`, is refused), `Always` for the workloads that keep pods running.
    fn restart_policy(&mut self, pod: &'a Node, path: &str) {
        let r = self.r;
        let allowed: &[&str] = match (r.group(), r.kind) {
            ("batch", Some("Job" | "CronJob")) => &["OnFailure", "Never"],
            ("apps", Some("Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet")) => {
                &["Always"]
            }
            _ => return,
        };
        let node = pod.get("restartPolicy").filter(|n| !n.is_null());
        let value = node.and_then(Node::as_str).unwrap_or("Always");
        if !allowed.contains(&value) {
            let list = allowed
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let what = if node.is_some() {
                quoted(value)
            } else {
                "unset (`Always`)".to_string()
            };
            self.push(
                node.unwrap_or(pod),
                format!("{path}.restartPolicy"),
                format!(
                    "{path}.restartPolicy: {what}: a {} supports {list}",
                    r.kind.unwrap_or_default()
                ),
            );
        }
    }

    /// HorizontalPodAutoscaler bounds and PodDisruptionBudget fields.
    fn autoscaling_and_disruption(&mut self) {
        let r = self.r;
        match (r.group(), r.kind) {
            ("autoscaling", Some("HorizontalPodAutoscaler")) => {
                let min_node = r.node.get_path(&["spec", "minReplicas"]);
                let min = min_node.and_then(Node::as_i64);
                if let (Some(node), Some(n)) = (min_node, min)
                    && n < 1
                {
                    self.push(
                        node,
                        "spec.minReplicas".into(),
                        format!("spec.minReplicas: {n}: must be greater than or equal to 1"),
                    );
                }
                if let Some(node) = r.node.get_path(&["spec", "maxReplicas"])
                    && let Some(max) = node.as_i64()
                    && max < min.unwrap_or(1).max(1)
                {
                    self.push(
                        node,
                        "spec.maxReplicas".into(),
                        format!(
                            "spec.maxReplicas: {max}: must be greater than or equal to `minReplicas` ({})",
                            min.unwrap_or(1).max(1)
                        ),
                    );
                }
            }
            ("policy", Some("PodDisruptionBudget")) => {
                let set = |k: &str| r.node.get_path(&["spec", k]).filter(|n| !n.is_null());
                if let (Some(_), Some(node)) = (set("minAvailable"), set("maxUnavailable")) {
                    self.push(
                        node,
                        "spec.maxUnavailable".into(),
                        "spec: minAvailable and maxUnavailable cannot be both set".into(),
                    );
                }
            }
            _ => {}
        }
    }

    /// `networking.k8s.io/v1` Ingress hosts, paths and backend ports.
    fn ingress(&mut self) {
        let r = self.r;
        if r.group() != "networking.k8s.io" || r.kind != Some("Ingress") {
            return;
        }
        let rules = r
            .node
            .get_path(&["spec", "rules"])
            .and_then(Node::as_seq)
            .unwrap_or(&[]);
        for (i, rule) in rules.iter().enumerate() {
            let at = format!("spec.rules[{i}]");
            if let Some(node) = rule.get("host")
                && let Some(host) = node.as_str()
                && !host.is_empty()
            {
                let why = if host.parse::<std::net::IpAddr>().is_ok() {
                    Some("must be a DNS name, not an IP address".to_string())
                } else {
                    names::dns1123_subdomain(host.strip_prefix("*.").unwrap_or(host))
                };
                if let Some(why) = why {
                    self.push(
                        node,
                        format!("{at}.host"),
                        format!("{at}.host: {}: {why}", quoted(host)),
                    );
                }
            }
            let paths = rule
                .get_path(&["http", "paths"])
                .and_then(Node::as_seq)
                .unwrap_or(&[]);
            for (j, p) in paths.iter().enumerate() {
                let at = format!("{at}.http.paths[{j}]");
                let node = p.get("path");
                let path = node.and_then(Node::as_str).unwrap_or("");
                let exact = matches!(
                    p.get("pathType").and_then(Node::as_str),
                    Some("Exact" | "Prefix")
                );
                let why = if (exact || !path.is_empty()) && !path.starts_with('/') {
                    Some("must be an absolute path".to_string())
                } else if exact {
                    ["//", "/./", "/../", "%2f", "%2F"]
                        .into_iter()
                        .find(|s| path.contains(s))
                        .map(|s| format!("must not contain '{s}'"))
                        .or_else(|| {
                            ["/..", "/."]
                                .into_iter()
                                .find(|s| path.ends_with(s))
                                .map(|s| format!("cannot end with '{s}'"))
                        })
                } else {
                    None
                };
                if let Some(why) = why {
                    self.push(
                        node.unwrap_or(p),
                        format!("{at}.path"),
                        format!("{at}.path: {}: {why}", quoted(path)),
                    );
                }
                self.backend_port(
                    p.get_path(&["backend", "service", "port"]),
                    format!("{at}.backend.service.port"),
                );
            }
        }
        let default = r
            .node
            .get_path(&["spec", "defaultBackend", "service", "port"]);
        self.backend_port(default, "spec.defaultBackend.service.port".into());
    }

    fn backend_port(&mut self, port: Option<&'a Node>, field: String) {
        let Some(port) = port else { return };
        if let Some(node) = port.get("name")
            && node.as_str().is_some_and(|s| !s.is_empty())
        {
            self.string(node, format!("{field}.name"), names::port_name);
        }
        self.port_number(port.get("number"), format!("{field}.number"), 1);
    }

    /// The port of a probe or lifecycle handler: 1–65535 or an IANA service name.
    fn handler_port(&mut self, handler: &'a Node, at: &str) {
        for kind in ["httpGet", "tcpSocket", "grpc"] {
            let Some(node) = handler.get_path(&[kind, "port"]) else {
                continue;
            };
            let field = format!("{at}.{kind}.port");
            if node.as_str().is_some() && kind != "grpc" {
                self.string(node, field, names::port_name);
            } else {
                self.port_number(Some(node), field, 1);
            }
        }
    }

    /// A port number in `min..=65535` when it is an integer (the schema reports other types).
    fn port_number(&mut self, node: Option<&'a Node>, field: String, min: i64) {
        if let Some(node) = node
            && let Some(n) = node.as_i64()
            && !(min..=65535).contains(&n)
        {
            self.push(
                node,
                field.clone(),
                format!("{field}: {n}: must be between {min} and 65535, inclusive"),
            );
        }
    }

    fn service(&mut self) {
        let Some(ports) = self
            .r
            .node
            .get_path(&["spec", "ports"])
            .and_then(Node::as_seq)
        else {
            return;
        };
        let mut names_seen: HashSet<&str> = HashSet::new();
        let mut numbers: HashMap<(i64, String), usize> = HashMap::new();
        for (i, p) in ports.iter().enumerate() {
            let at = format!("spec.ports[{i}]");
            match p.get("name") {
                Some(node) => {
                    let field = format!("{at}.name");
                    self.unique(node, field, names::dns1123_label, &mut names_seen, |n| {
                        format!("{at}.name: duplicate port name {n}")
                    });
                }
                None if ports.len() > 1 => self.push(
                    p,
                    format!("{at}.name"),
                    format!("{at}.name: required when a Service has more than one port"),
                ),
                None => {}
            }
            self.port_number(p.get("port"), format!("{at}.port"), 1);
            if let Some(node) = p.get("targetPort") {
                if node.as_str().is_some() {
                    self.string(node, format!("{at}.targetPort"), names::port_name);
                } else {
                    // 0: unset, defaulted to `port`.
                    self.port_number(Some(node), format!("{at}.targetPort"), 0);
                }
            }
            if let Some(port) = p.get("port").and_then(Node::as_i64) {
                let protocol = p
                    .get("protocol")
                    .and_then(Node::as_str)
                    .unwrap_or("TCP")
                    .to_string();
                if let Some(first) = numbers.insert((port, protocol.clone()), i) {
                    let node = p.get("port").unwrap_or(p);
                    self.push(
                        node,
                        format!("{at}.port"),
                        format!("{at}: port {port}/{protocol} is already spec.ports[{first}]"),
                    );
                }
            }
        }
    }

    /// Keys and size of a ConfigMap's or Secret's data.
    fn config_data(&mut self, secret: bool) {
        let r = self.r;
        let sections: &[&str] = if secret {
            &["data", "stringData"]
        } else {
            &["data", "binaryData"]
        };
        let mut size = 0usize;
        let mut keys: HashMap<&str, &str> = HashMap::new();
        for section in sections {
            let Some(map) = r.node.get(section).and_then(Node::as_map) else {
                continue;
            };
            for (k, v) in map {
                let Some(key) = self.string(k, (*section).to_string(), names::configmap_key) else {
                    continue;
                };
                let text = scalar_text(v).unwrap_or_default();
                // Secret `data` and ConfigMap `binaryData` hold base64: count the decoded bytes.
                size += if *section == "data" && secret || *section == "binaryData" {
                    decoded_len(&text)
                } else {
                    text.len()
                };
                if !secret
                    && let Some(first) = keys.insert(key, section)
                    && first != *section
                {
                    self.push(
                        k,
                        format!("{section}.{key}"),
                        format!(
                            "{section}: {}: duplicate key in both data and binaryData",
                            quoted(key)
                        ),
                    );
                }
            }
        }
        const MAX: usize = 1024 * 1024;
        if size > MAX {
            let node = r.node.get("data").unwrap_or(r.node);
            let kind = if secret { "Secret" } else { "ConfigMap" };
            self.push(
                node,
                "data".into(),
                format!("data: {size} bytes; a {kind} may hold at most {MAX} bytes"),
            );
        }
    }
}

/// The bytes base64 text decodes to (whitespace ignored).
fn decoded_len(text: &str) -> usize {
    let n = text.bytes().filter(|b| !b.is_ascii_whitespace()).count();
    let pad = text
        .trim_end()
        .bytes()
        .rev()
        .take_while(|b| *b == b'=')
        .count();
    (n / 4 * 3 + (n % 4).saturating_sub(1)).saturating_sub(pad.min(2))
}

/// One requirement of a label selector.
enum Requirement<'a> {
    In(&'a str, Vec<&'a str>),
    NotIn(&'a str, Vec<&'a str>),
    Exists(&'a str),
    DoesNotExist(&'a str),
}

impl Requirement<'_> {
    fn matches(&self, labels: &BTreeMap<&str, &str>) -> bool {
        match self {
            Requirement::In(k, vs) => labels.get(k).is_some_and(|v| vs.contains(v)),
            Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|v| !vs.contains(v)),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::DoesNotExist(k) => !labels.contains_key(k),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::decoded_len;

    #[test]
    fn decoded_len_counts_base64_bytes() {
        for (text, n) in [
            ("", 0),
            ("YQ==", 1),
            ("YWI=", 2),
            ("YWJj", 3),
            ("YWJjZA==\n", 4),
        ] {
            assert_eq!(decoded_len(text), n, "{text}");
        }
    }
}
