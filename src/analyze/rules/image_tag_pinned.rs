//! `image-tag-pinned`: images are pinned to a version, and to a digest where required.
crate::declare_rule! {
    /// ## What it does
    /// Reports an image with no tag (which means `:latest`) or the tag `latest`. In an
    /// environment with `pin-digests: true` (typically prod) every image needs an `@sha256:`
    /// digest.
    ///
    /// ## Why
    /// `latest` moves: two pods of one Deployment can run different code, and a rollback does not
    /// roll back. A digest is the only reference that cannot be re-pushed.
    ///
    /// ## Failing example
    /// ```yaml
    /// image: 354918371398.dkr.ecr.eu-west-1.amazonaws.com/team/api:latest
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// image: 354918371398.dkr.ecr.eu-west-1.amazonaws.com/team/api:1.4.2
    /// ```
    pub struct ImageTagPinned { id: "image-tag-pinned", severity: Error, summary: "No :latest or missing tag; a sha256 digest where the environment requires it." }
}

use crate::analyze::engine::{Rule, RuleContext, Sink, raw};
use crate::analyze::image::ImageRef;

impl Rule for ImageTagPinned {
    fn info(&self) -> &'static crate::analyze::registry::RuleInfo {
        &Self::INFO
    }
    fn check<'a>(&self, ctx: &RuleContext<'a>, out: &mut Sink<'_>) {
        for r in ctx.resources {
            for c in &r.containers {
                let Some(node) = c.node.get("image") else {
                    continue;
                };
                // Malformed references are image-registry's finding.
                let Some(Ok(img)) = node.as_str().map(ImageRef::parse) else {
                    continue;
                };
                let field = Some(format!("{}.image", c.path));
                // The tag is the part a values file usually sets: findings focus on it.
                let tag = node.as_str().and_then(tag_range);
                match (&img.tag, &img.digest) {
                    (Some(t), None) if t == "latest" => out.push(
                        raw(
                            r,
                            node,
                            field.clone(),
                            format!(
                                "{}: image `{}` uses the moving tag `latest`; pin a version",
                                c.label(),
                                img.normalised()
                            ),
                        )
                        .with_focus(tag),
                    ),
                    (None, None) => out.push(raw(
                        r,
                        node,
                        field.clone(),
                        format!(
                            "{}: image `{}` has no tag (it means `latest`); pin a version",
                            c.label(),
                            node.as_str().unwrap_or_default()
                        ),
                    )),
                    _ => {}
                }
                let has_sha = img
                    .digest
                    .as_deref()
                    .is_some_and(|d| d.starts_with("sha256:"));
                if ctx.settings.pin_digests && !has_sha {
                    let env = ctx
                        .settings
                        .environment
                        .as_deref()
                        .unwrap_or("this environment");
                    out.push(
                        raw(
                            r,
                            node,
                            field,
                            format!(
                                "{}: image `{}` needs an `@sha256:` digest in {env} (pin-digests)",
                                c.label(),
                                img.normalised()
                            ),
                        )
                        .with_focus(tag),
                    );
                }
            }
        }
    }
}

/// Byte range of the tag in an image reference (`repo:TAG@digest`), if it has one.
pub fn tag_range(image: &str) -> Option<(usize, usize)> {
    let name_end = image.find('@').unwrap_or(image.len());
    let last_slash = image[..name_end].rfind('/').map_or(0, |i| i + 1);
    let colon = image[last_slash..name_end].rfind(':')? + last_slash;
    Some((colon + 1, name_end))
}
