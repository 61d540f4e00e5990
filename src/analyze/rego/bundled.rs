//! The platform policies in `policies/`, embedded in the binary.

use super::PolicySource;

macro_rules! bundled {
    ($($name:literal),* $(,)?) => {
        /// Every file under `policies/` (a test asserts this list matches the directory).
        pub const FILES: &[(&str, &str)] = &[
            $(($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/policies/", $name)))),*
        ];
    };
}

bundled!(
    "required_labels.rego",
    "required_labels_test.rego",
    "no_literal_secrets.rego",
    "no_literal_secrets_test.rego",
    "allowed_namespace.rego",
    "allowed_namespace_test.rego",
    "argocd.rego",
    "argocd_test.rego",
);

/// Bundled sources, named `policies/<file>`; `_test.rego` files only when `with_tests`.
pub fn sources(with_tests: bool) -> Vec<PolicySource> {
    FILES
        .iter()
        .filter(|(name, _)| with_tests || !name.ends_with("_test.rego"))
        .map(|(name, text)| PolicySource {
            path: format!("policies/{name}"),
            text: text.to_string(),
        })
        .collect()
}
