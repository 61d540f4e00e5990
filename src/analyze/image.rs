//! Container image references, normalised as Docker / containerd do
//! (`github.com/distribution/reference.ParseNormalizedNamed`): `nginx` is
//! `docker.io/library/nginx:latest`, the first path component is a registry host only when it
//! contains `.` or `:` or is `localhost`.

/// A parsed, normalised image reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host, with port if any (`docker.io`, `localhost:5000`).
    pub registry: String,
    /// Repository path (`library/nginx`, `team/app`).
    pub repository: String,
    /// Tag as written, if any.
    pub tag: Option<String>,
    /// Digest as written (`sha256:…`), if any.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parses and normalises an image reference; `Err` says why it is malformed.
    pub fn parse(image: &str) -> Result<ImageRef, String> {
        let s = image.trim();
        if s.is_empty() {
            return Err("the image reference is empty".into());
        }
        if s.chars().any(|c| c.is_whitespace()) {
            return Err(format!("image reference `{s}` contains whitespace"));
        }
        let (name_tag, digest) = match s.split_once('@') {
            Some((n, d)) => {
                let Some((algo, hex)) = d.split_once(':') else {
                    return Err(format!(
                        "image reference `{s}` has a malformed digest `{d}`"
                    ));
                };
                if algo.is_empty() || hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit())
                {
                    return Err(format!(
                        "image reference `{s}` has a malformed digest `{d}`"
                    ));
                }
                if algo == "sha256" && hex.len() != 64 {
                    return Err(format!(
                        "image reference `{s}`: a sha256 digest has 64 hex digits"
                    ));
                }
                (n, Some(d.to_string()))
            }
            None => (s, None),
        };
        // The tag is after the last ':' that follows the last '/'.
        let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name_tag[last_slash..].rfind(':') {
            Some(i) => {
                let at = last_slash + i;
                (&name_tag[..at], Some(name_tag[at + 1..].to_string()))
            }
            None => (name_tag, None),
        };
        if let Some(t) = &tag {
            let ok = !t.is_empty()
                && t.len() <= 128
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
                && !t.starts_with(['.', '-']);
            if !ok {
                return Err(format!("image reference `{s}` has an invalid tag `{t}`"));
            }
        }
        if name.is_empty() {
            return Err(format!("image reference `{s}` has no repository"));
        }
        let (registry, repository) = match name.split_once('/') {
            Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
                (first.to_string(), rest.to_string())
            }
            _ => ("docker.io".to_string(), name.to_string()),
        };
        let registry = if registry == "index.docker.io" {
            "docker.io".to_string()
        } else {
            registry
        };
        let repository = if registry == "docker.io" && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        if repository.is_empty()
            || repository.split('/').any(|c| c.is_empty())
            || repository.bytes().any(|b| b.is_ascii_uppercase())
        {
            return Err(format!(
                "image reference `{s}` has an invalid repository `{repository}`"
            ));
        }
        Ok(ImageRef {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// `registry/repository` without tag or digest.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The fully normalised form: `docker.io/library/nginx:latest`; a digest-only reference keeps
    /// no implied tag (as `TagNameOnly` does).
    pub fn normalised(&self) -> String {
        let mut out = self.name();
        match (&self.tag, &self.digest) {
            (Some(t), _) => {
                out.push(':');
                out.push_str(t);
            }
            (None, None) => out.push_str(":latest"),
            (None, Some(_)) => {}
        }
        if let Some(d) = &self.digest {
            out.push('@');
            out.push_str(d);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_like_docker() {
        let cases = [
            ("nginx", "docker.io/library/nginx:latest"),
            ("nginx:1.25", "docker.io/library/nginx:1.25"),
            ("bitnami/redis:7", "docker.io/bitnami/redis:7"),
            ("index.docker.io/nginx", "docker.io/library/nginx:latest"),
            ("localhost/app", "localhost/app:latest"),
            ("localhost:5000/app:v1", "localhost:5000/app:v1"),
            ("registry:5000/team/app", "registry:5000/team/app:latest"),
            ("ghcr.io/org/app:1.0", "ghcr.io/org/app:1.0"),
            (
                "354918371398.dkr.ecr.eu-west-1.amazonaws.com/team/api:1.2.3",
                "354918371398.dkr.ecr.eu-west-1.amazonaws.com/team/api:1.2.3",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(
                ImageRef::parse(input).unwrap().normalised(),
                want,
                "{input}"
            );
        }
        let d = format!("sha256:{}", "a".repeat(64));
        let r = ImageRef::parse(&format!("quay.io/x/y@{d}")).unwrap();
        assert_eq!(r.tag, None);
        assert_eq!(r.digest.as_deref(), Some(d.as_str()));
        assert_eq!(r.normalised(), format!("quay.io/x/y@{d}"));
        let r = ImageRef::parse(&format!("quay.io/x/y:1@{d}")).unwrap();
        assert_eq!(r.tag.as_deref(), Some("1"));
    }

    #[test]
    fn rejects_malformed() {
        for s in [
            "",
            "nginx:",
            "Nginx",
            "a//b",
            "x@sha256:zz",
            "x@sha256:abc",
            "x:-bad",
            "a b",
        ] {
            assert!(ImageRef::parse(s).is_err(), "{s}");
        }
    }
}
