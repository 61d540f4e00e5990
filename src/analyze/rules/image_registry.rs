//! `image-registry`: images come from the allowed registries.
crate::declare_rule! {
    /// ## What it does
    /// Normalises every container image reference as Docker does (`nginx` is
    /// `docker.io/library/nginx:latest`; the first path component is a registry only when it
    /// contains `.` or `:` or is `localhost`) and checks the `registry/repository` part against
    /// the globs under `registries:` in `chartgate.yaml` (default: the shared ECR,
    /// `354918371398.dkr.ecr.*.amazonaws.com/*`). A malformed reference is a finding.
    ///
    /// ## Why
    /// Images from the shared ECR are scanned, replicated across regions and reachable from the
    /// clusters without Docker Hub rate limits.
    ///
    /// ## Failing example
    /// ```yaml
    /// containers:
    ///   - name: web
    ///     image: nginx:1.25
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// containers:
    ///   - name: web
    ///     image: 354918371398.dkr.ecr.eu-west-1.amazonaws.com/platform/nginx:1.25
    /// ```
    pub struct ImageRegistry { id: "image-registry", severity: Error, summary: "Every image comes from an allowed registry (default: the shared ECR)." }
}

use globset::{Glob, GlobSetBuilder};

use crate::analyze::engine::{RawFinding, Rule, RuleContext, raw};
use crate::analyze::image::ImageRef;

impl Rule for ImageRegistry {
    fn info(&self) -> &'static crate::analyze::registry::RuleInfo {
        &Self::INFO
    }
    fn check<'a>(&self, ctx: &RuleContext<'a>, out: &mut Vec<RawFinding<'a>>) {
        let mut b = GlobSetBuilder::new();
        for g in &ctx.settings.registries {
            // `*` must not cross `/` in the registry host part; globset's default `*` does, which
            // is what `host/*` patterns expect for nested repositories.
            if let Ok(glob) = Glob::new(g) {
                b.add(glob);
            }
        }
        let Ok(set) = b.build() else { return };
        for r in ctx.resources {
            for c in &r.containers {
                let Some(node) = c.node.get("image") else {
                    continue;
                };
                let field = Some(format!("{}.image", c.path));
                let Some(image) = node.as_str() else {
                    out.push(raw(
                        r,
                        node,
                        field,
                        format!("{}: `image` is not a string", c.label()),
                    ));
                    continue;
                };
                match ImageRef::parse(image) {
                    Err(e) => out.push(raw(r, node, field, format!("{}: {e}", c.label()))),
                    Ok(img) if !set.is_match(img.name()) => out.push(raw(
                        r,
                        node,
                        field,
                        format!(
                            "{}: image `{}` is not from an allowed registry ({})",
                            c.label(),
                            img.normalised(),
                            ctx.settings.registries.join(", ")
                        ),
                    )),
                    Ok(_) => {}
                }
            }
        }
    }
}
