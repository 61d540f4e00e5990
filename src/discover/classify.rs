//! Which YAML/JSON files are Kubernetes manifests.
//!
//! A document is a Kubernetes object only when it is a mapping with a string `apiVersion` and a
//! string `kind`, and is not the configuration of a tool that borrows that shape ([`tool_of`]:
//! kustomize, kind, k3d, Talos, a kubeconfig...: the tool reads it, the API server never sees
//! it). A file none of whose documents is an object (kustomization.yaml, helmfile.yaml,
//! renovate.json, CI workflows, a baseline file) is skipped unless a `manifests:` glob of the
//! config claims it.

use crate::yaml::{Node, NodeKind};

/// What a file found while walking holds.
#[derive(Debug, PartialEq, Eq)]
pub enum FileKind {
    /// At least one document is a Kubernetes object.
    Objects,
    /// No document is one (the reason says what the file looks like).
    NoObjects(String),
    /// The text is not YAML: kept as a manifest so the error is reported.
    Unparsable,
}

/// The tool whose configuration a document of this `apiVersion` and `kind` is, when it is one:
/// files with Kubernetes' shape that no API server serves. The Kubernetes components' own
/// configuration groups (`*.config.k8s.io`: kustomize, kubelet, kube-proxy, the scheduler, the
/// API server's encryption and admission files; `kubeadm.k8s.io`; `audit.k8s.io` policies;
/// `client.authentication.k8s.io` credentials), local cluster tools (kind, k3d, ctlptl),
/// skaffold, Talos machine-configuration documents (`apiVersion: v1alpha1`, no group: the
/// core group serves only `v1`) and kubeconfig files (`v1` `Config`).
pub fn tool_of(api_version: &str, kind: &str) -> Option<&'static str> {
    let group = api_version.split_once('/').map(|(g, _)| g);
    Some(match group {
        Some("kustomize.config.k8s.io") => "kustomize",
        Some(g) if g.ends_with(".config.k8s.io") => "a Kubernetes component",
        Some("kubeadm.k8s.io") => "kubeadm",
        Some("audit.k8s.io") => "the API server (audit policy file)",
        Some("client.authentication.k8s.io") => "a kubectl credential plugin",
        Some("kind.x-k8s.io") => "kind",
        Some("k3d.io") => "k3d",
        Some("ctlptl.dev") => "ctlptl",
        Some("skaffold") => "skaffold",
        None if api_version == "v1alpha1" => "Talos",
        None if api_version == "v1" && kind == "Config" => "kubectl (kubeconfig)",
        _ => return None,
    })
}

/// Whether a document root is a Kubernetes object: a map with string `apiVersion` and `kind`
/// (not a tool's configuration, [`tool_of`]).
pub fn is_object(root: &Node) -> bool {
    let string = |k: &str| match root.get(k).map(|n| &n.kind) {
        Some(NodeKind::Str(s)) if !s.trim().is_empty() => Some(s.as_str()),
        _ => None,
    };
    matches!(root.kind, NodeKind::Map(_))
        && match (string("apiVersion"), string("kind")) {
            (Some(api), Some(kind)) => tool_of(api.trim(), kind.trim()).is_none(),
            _ => false,
        }
}

/// Classifies a manifest candidate's text.
pub fn classify(text: &str) -> FileKind {
    let Ok(docs) = crate::yaml::parse_stream(text, &crate::yaml::Limits::default()) else {
        return FileKind::Unparsable;
    };
    if docs.iter().any(|d| is_object(&d.root)) {
        return FileKind::Objects;
    }
    let tool = docs.iter().find_map(|d| {
        let api = d.root.get("apiVersion").and_then(Node::as_str)?.trim();
        let kind = d
            .root
            .get("kind")
            .and_then(Node::as_str)
            .unwrap_or("")
            .trim();
        let tool = tool_of(api, kind)?;
        let shown = match kind {
            "" if tool == "kustomize" => "Kustomization",
            "" => api,
            k => k,
        };
        Some((tool, shown))
    });
    let reason = if docs.iter().all(|d| matches!(d.root.kind, NodeKind::Null)) {
        "no Kubernetes object: the file holds no document".to_string()
    } else if let Some((tool, kind)) = tool {
        let reader = tool.split(" (").next().unwrap_or(tool);
        format!(
            "{tool} configuration (`{}`): {reader} reads it, the API server never sees it",
            crate::confine::excerpt(kind, 60)
        )
    } else {
        "no Kubernetes object: no document has a string `apiVersion` and `kind`".to_string()
    };
    FileKind::NoObjects(reason)
}

/// File names kustomize reads as a kustomization.
pub const KUSTOMIZATION_NAMES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// What a kustomization includes as resources (relative to its directory): the entries of
/// `resources`, `bases`, `components` and `crds`. None when the text is not a YAML mapping
/// (nothing is concluded from it then).
pub fn kustomize_resources(text: &str) -> Option<Vec<String>> {
    let docs = crate::yaml::parse_stream(text, &crate::yaml::Limits::default()).ok()?;
    let root = docs.into_iter().next()?.root;
    if !matches!(root.kind, NodeKind::Map(_)) {
        return None;
    }
    let mut out = Vec::new();
    for key in ["resources", "bases", "components", "crds"] {
        if let Some(NodeKind::Seq(items)) = root.get(key).map(|n| &n.kind) {
            out.extend(
                items
                    .iter()
                    .filter_map(|i| i.as_str())
                    .map(|p| p.trim().to_string()),
            );
        }
    }
    Some(out)
}

/// The files a kustomization reads that are never applied themselves (relative to its
/// directory), with the field naming each: patches (`patchesStrategicMerge` entries that are
/// paths, not inline patches; `path` of the `patches` and `patchesJson6902` items), which
/// kustomize merges into the objects they target; the inputs of `configMapGenerator` and
/// `secretGenerator` (`files`, `envs`, `env`), which become the generated object's data; and
/// `helmCharts` values files. None of them is a manifest.
pub fn kustomize_patches(text: &str) -> Vec<(String, &'static str)> {
    let Ok(docs) = crate::yaml::parse_stream(text, &crate::yaml::Limits::default()) else {
        return Vec::new();
    };
    let Some(root) = docs.into_iter().next().map(|d| d.root) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let items = |key: &str| match root.get(key).map(|n| &n.kind) {
        Some(NodeKind::Seq(items)) => items.clone(),
        _ => Vec::new(),
    };
    for item in items("patchesStrategicMerge") {
        if let Some(p) = item.as_str().filter(|p| !p.contains('\n')) {
            out.push((p.trim().to_string(), "patchesStrategicMerge"));
        }
    }
    for key in ["patches", "patchesJson6902"] {
        for item in items(key) {
            if let Some(p) = item.get("path").and_then(|p| p.as_str()) {
                out.push((
                    p.trim().to_string(),
                    if key == "patches" {
                        "patches"
                    } else {
                        "patchesJson6902"
                    },
                ));
            }
        }
    }
    // Generator inputs: `files` (`PATH` or `KEY=PATH`), `envs` and the older `env`. Their
    // content becomes the generated object's data.
    for key in ["configMapGenerator", "secretGenerator"] {
        for item in items(key) {
            let list = |k: &str| match item.get(k).map(|n| &n.kind) {
                Some(NodeKind::Seq(v)) => v.iter().filter_map(|i| i.as_str()).collect(),
                Some(NodeKind::Str(s)) => vec![s.as_str()],
                _ => Vec::new(),
            };
            for f in list("files") {
                let path = f.split_once('=').map_or(f, |(_, p)| p);
                out.push((path.trim().to_string(), key));
            }
            for f in list("envs").into_iter().chain(list("env")) {
                out.push((f.trim().to_string(), key));
            }
        }
    }
    // `helmCharts` values files are Helm values, never objects.
    for item in items("helmCharts") {
        if let Some(p) = item.get("valuesFile").and_then(|p| p.as_str()) {
            out.push((p.trim().to_string(), "helmCharts"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_need_string_api_version_and_kind() {
        assert_eq!(
            classify("apiVersion: v1\nkind: ConfigMap\n"),
            FileKind::Objects
        );
        assert_eq!(
            classify("releases: []\n---\napiVersion: v1\nkind: Service\n"),
            FileKind::Objects
        );
        for text in [
            "resources: [a.yaml]\n",
            "{\"extends\": [\"config:base\"]}",
            "on: push\njobs: {}\n",
            "apiVersion: 1\nkind: X\n",
            "kind: Pod\n",
            "- apiVersion: v1\n  kind: Pod\n",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n",
        ] {
            assert!(matches!(classify(text), FileKind::NoObjects(_)), "{text}");
        }
        assert_eq!(
            classify("# only a comment\n"),
            FileKind::NoObjects("no Kubernetes object: the file holds no document".into())
        );
        assert_eq!(classify("a: [\n"), FileKind::Unparsable);
        assert_eq!(
            classify("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"),
            FileKind::NoObjects(
                "kustomize configuration (`Kustomization`): kustomize reads it, the API server never sees it"
                    .into()
            )
        );
    }

    #[test]
    fn tool_configurations_are_not_objects() {
        let reason = |text: &str| match classify(text) {
            FileKind::NoObjects(r) => r,
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(
            reason(
                "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes: [{role: control-plane}]\n"
            ),
            "kind configuration (`Cluster`): kind reads it, the API server never sees it"
        );
        assert_eq!(
            reason("apiVersion: v1alpha1\nkind: WatchdogTimerConfig\ndevice: /dev/watchdog0\n"),
            "Talos configuration (`WatchdogTimerConfig`): Talos reads it, the API server never sees it"
        );
        assert_eq!(
            reason("apiVersion: v1\nkind: Config\nclusters: []\n"),
            "kubectl (kubeconfig) configuration (`Config`): kubectl reads it, the API server never sees it"
        );
        assert_eq!(
            reason("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"),
            "a Kubernetes component configuration (`KubeletConfiguration`): a Kubernetes component reads it, the API server never sees it"
        );
        for text in [
            "apiVersion: k3d.io/v1alpha5\nkind: Simple\n",
            "apiVersion: ctlptl.dev/v1alpha1\nkind: Registry\n",
            "apiVersion: skaffold/v4beta6\nkind: Config\n",
            "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\n",
            "apiVersion: audit.k8s.io/v1\nkind: Policy\n",
        ] {
            assert!(matches!(classify(text), FileKind::NoObjects(_)), "{text}");
        }
        // Look-alikes that are API objects: Cluster API's Cluster, a core ConfigMap, a v1
        // object that is not a kubeconfig.
        for text in [
            "apiVersion: cluster.x-k8s.io/v1beta1\nkind: Cluster\nmetadata: {name: c}\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
            "apiVersion: v1\nkind: List\nitems: []\n",
        ] {
            assert_eq!(classify(text), FileKind::Objects, "{text}");
        }
    }

    #[test]
    fn kustomize_patches_are_named_by_path() {
        let k = "patchesStrategicMerge:\n- svc.yaml\n- |-\n  apiVersion: v1\n  kind: Service\npatches:\n- path: p/dep.yaml\n  target: {kind: Deployment}\n- patch: '[]'\npatchesJson6902:\n- path: j.yaml\n";
        assert_eq!(
            kustomize_patches(k),
            vec![
                ("svc.yaml".to_string(), "patchesStrategicMerge"),
                ("p/dep.yaml".to_string(), "patches"),
                ("j.yaml".to_string(), "patchesJson6902"),
            ]
        );
        assert!(kustomize_patches("resources: [a.yaml]\n").is_empty());
    }
}
