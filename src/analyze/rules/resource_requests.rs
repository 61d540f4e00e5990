//! `resource-requests`: every container declares CPU and memory requests and a memory limit.
crate::declare_rule! {
    /// ## What it does
    /// For every container, init container and ephemeral container of a pod-bearing resource,
    /// checks that `resources.requests.cpu`, `resources.requests.memory` and
    /// `resources.limits.memory` are set, that each is a valid Kubernetes quantity, and that each
    /// request is at most its limit (`cpu` too when a CPU limit is set). Quantities are compared
    /// exactly (`500m` < `1`, `128Mi` < `1Gi`, `1e3` = `1k`).
    ///
    /// Kubernetes copies a limit into a missing request; chartgate does not count that as a
    /// declared request, because the platform wants the request written down (a copied limit is
    /// usually far too high for scheduling). The message says so.
    ///
    /// ## Why
    /// The scheduler places pods by their requests; without them nodes are overcommitted and pods
    /// are evicted first. Without a memory limit a leaking container can take down its node.
    /// A request above its limit is rejected by the API server at deploy time.
    ///
    /// ## Failing example
    /// ```yaml
    /// containers:
    ///   - name: api
    ///     image: 354918371398.dkr.ecr.eu-west-1.amazonaws.com/team/api:1.4.2
    ///     resources:
    ///       requests:
    ///         memory: 2Gi      # above the limit
    ///       limits:
    ///         memory: 512Mi
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// containers:
    ///   - name: api
    ///     image: 354918371398.dkr.ecr.eu-west-1.amazonaws.com/team/api:1.4.2
    ///     resources:
    ///       requests: { cpu: 250m, memory: 256Mi }
    ///       limits: { memory: 512Mi }
    /// ```
    pub struct ResourceRequests { id: "resource-requests", severity: Error, summary: "Every container has CPU and memory requests and a memory limit, requests within limits." }
}

use crate::analyze::engine::{Rule, RuleContext, Sink, raw};
use crate::analyze::model::scalar_text;
use crate::analyze::quantity::Quantity;

impl Rule for ResourceRequests {
    fn info(&self) -> &'static crate::analyze::registry::RuleInfo {
        &Self::INFO
    }
    fn check<'a>(&self, ctx: &RuleContext<'a>, out: &mut Sink<'_>) {
        for r in ctx.resources {
            for c in &r.containers {
                // Ephemeral containers cannot declare resources (the API forbids it).
                if c.kind == crate::analyze::model::ContainerKind::Ephemeral {
                    continue;
                }
                let resources = c.node.get("resources");
                let at = resources.unwrap_or(c.node);
                let get =
                    |section: &str, res: &str| resources.and_then(|n| n.get_path(&[section, res]));
                let parsed = |section: &str, res: &str, out: &mut Sink<'_>| -> Option<Quantity> {
                    let node = get(section, res)?;
                    let field = Some(format!("{}.resources.{section}.{res}", c.path));
                    let Some(text) = scalar_text(node) else {
                        out.push(raw(
                            r,
                            node,
                            field,
                            format!("{}: resources.{section}.{res} is not a quantity", c.label()),
                        ));
                        return None;
                    };
                    match Quantity::parse(&text) {
                        Ok(q) if q.negative => {
                            out.push(raw(
                                r,
                                node,
                                field,
                                format!(
                                    "{}: resources.{section}.{res} `{text}` is negative",
                                    c.label()
                                ),
                            ));
                            None
                        }
                        Ok(q) => Some(q),
                        Err(e) => {
                            out.push(raw(
                                r,
                                node,
                                field,
                                format!("{}: resources.{section}.{res}: {e}", c.label()),
                            ));
                            None
                        }
                    }
                };
                let req_cpu = parsed("requests", "cpu", out);
                let req_mem = parsed("requests", "memory", out);
                let lim_cpu = parsed("limits", "cpu", out);
                let lim_mem = parsed("limits", "memory", out);
                for (res, present, limit_present) in [
                    (
                        "cpu",
                        get("requests", "cpu").is_some(),
                        get("limits", "cpu").is_some(),
                    ),
                    (
                        "memory",
                        get("requests", "memory").is_some(),
                        get("limits", "memory").is_some(),
                    ),
                ] {
                    if !present {
                        let note = if limit_present {
                            " (Kubernetes would copy the limit, but the platform wants the request written down)"
                        } else {
                            ""
                        };
                        out.push(raw(
                            r,
                            at,
                            Some(format!("{}.resources.requests.{res}", c.path)),
                            format!("{}: no {res} request{note}", c.label()),
                        ));
                    }
                }
                if get("limits", "memory").is_none() {
                    out.push(raw(
                        r,
                        at,
                        Some(format!("{}.resources.limits.memory", c.path)),
                        format!("{}: no memory limit", c.label()),
                    ));
                }
                for (res, req, lim) in [("cpu", req_cpu, lim_cpu), ("memory", req_mem, lim_mem)] {
                    if let (Some(req), Some(lim)) = (req, lim)
                        && req > lim
                    {
                        let node = get("requests", res).unwrap_or(at);
                        let (rt, lt) = (
                            get("requests", res)
                                .and_then(scalar_text)
                                .unwrap_or_default(),
                            get("limits", res).and_then(scalar_text).unwrap_or_default(),
                        );
                        out.push(raw(
                            r,
                            node,
                            Some(format!("{}.resources.requests.{res}", c.path)),
                            format!(
                                "{}: {res} request `{rt}` is above the limit `{lt}`",
                                c.label()
                            ),
                        ));
                    }
                }
            }
        }
    }
}
