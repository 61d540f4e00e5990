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

use crate::analyze::engine::{Rule, RuleContext, Sink, raw};
use crate::analyze::image::ImageRef;

impl Rule for ImageRegistry {
    fn info(&self) -> &'static crate::analyze::registry::RuleInfo {
        &Self::INFO
    }
    fn check<'a>(&self, ctx: &RuleContext<'a>, out: &mut Sink<'_>) {
        let registries = crate::analyze::globs::RegistryGlobs::compiled(&ctx.settings.registries);
        let allowed = |img: &ImageRef| registries.allows(&img.registry, &img.repository);
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
                    Ok(img) if !allowed(&img) => out.push(
                        raw(
                            r,
                            node,
                            field,
                            format!(
                                "{}: image `{}` is not from an allowed registry ({})",
                                c.label(),
                                img.normalised(),
                                ctx.settings.registries.join(", ")
                            ),
                        )
                        .with_focus(Some(registry_range(image))),
                    ),
                    Ok(_) => {}
                }
            }
        }
    }
}

/// Byte range of the part of an image reference that names its registry: the host when the
/// first component is one (`a.b/...`, `host:5000/...`, `localhost/...`), else the repository
/// (Docker Hub is implied).
pub fn registry_range(image: &str) -> (usize, usize) {
    let name_end = image.find('@').unwrap_or(image.len());
    if let Some(slash) = image[..name_end].find('/') {
        let first = &image[..slash];
        if first.contains(['.', ':']) || first == "localhost" {
            return (0, slash);
        }
    }
    let last_slash = image[..name_end].rfind('/').map_or(0, |i| i + 1);
    let repo_end = image[last_slash..name_end]
        .rfind(':')
        .map_or(name_end, |c| c + last_slash);
    (0, repo_end)
}

#[cfg(test)]
mod tests {
    use crate::analyze::engine::analyze;
    use crate::analyze::model::SourceFile;
    use crate::analyze::settings::Settings;

    fn images(images: &[&str]) -> Vec<String> {
        let mut text =
            String::from("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n");
        for i in images {
            text.push_str(&format!("    - {{name: c, image: \"{i}\"}}\n"));
        }
        let documents = crate::yaml::parse_stream(&text, &Default::default()).unwrap();
        let files = [SourceFile {
            file: "p.yaml".into(),
            documents,
        }];
        analyze(
            &files,
            &Settings::default(),
            &crate::analyze::engine::ManifestLocator,
        )
        .into_iter()
        .filter(|f| f.rule == "image-registry")
        .map(|f| format!("{}: {}", f.location.line, f.message))
        .collect()
    }

    #[test]
    fn registry_glob_does_not_cross_into_the_path() {
        assert_eq!(
            images(&[
                "354918371398.dkr.ecr.eu-west-1.amazonaws.com/team/deep/api:1",
                "354918371398.dkr.ecr.evil.com/x.amazonaws.com/y:1",
                "111111111111.dkr.ecr.eu-west-1.amazonaws.com/team/api:1",
            ]),
            [
                "7: container `c`: image `354918371398.dkr.ecr.evil.com/x.amazonaws.com/y:1` is not from an allowed registry (354918371398.dkr.ecr.*.amazonaws.com/*)",
                "8: container `c`: image `111111111111.dkr.ecr.eu-west-1.amazonaws.com/team/api:1` is not from an allowed registry (354918371398.dkr.ecr.*.amazonaws.com/*)",
            ]
        );
    }
}
