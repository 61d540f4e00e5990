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
