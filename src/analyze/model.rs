//! The resource model: a Kubernetes object over a parsed YAML document, with its pod spec and
//! containers when it has them. Everything borrows the document's nodes, so a rule can report
//! the exact line of any field.

use std::collections::BTreeMap;

use crate::model::ResourceRef;
use crate::yaml::{Document, Node, NodeKind};

/// A parsed input: one file (or one rendered template) and its documents.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path findings print (relative to the current directory; for a rendered chart the
    /// manifest's virtual path).
    pub file: String,
    /// The documents of the file.
    pub documents: Vec<Document>,
}

/// Which container list a container comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerKind {
    /// `containers`.
    Container,
    /// `initContainers`.
    Init,
    /// `ephemeralContainers`.
    Ephemeral,
}

impl ContainerKind {
    /// The pod spec field name.
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Container => "containers",
            ContainerKind::Init => "initContainers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }
}

/// A container of a pod spec.
#[derive(Clone, Debug)]
pub struct Container<'a> {
    /// Which list it is in.
    pub kind: ContainerKind,
    /// Its `name`, if a string.
    pub name: Option<&'a str>,
    /// The container's map node.
    pub node: &'a Node,
    /// Field path from the resource root (`spec.template.spec.containers[0]`).
    pub path: String,
}

impl<'a> Container<'a> {
    /// Name for messages: the container name or `containers[2]`.
    pub fn label(&self) -> String {
        match self.name {
            Some(n) => format!("container `{n}`"),
            None => format!(
                "container `{}`",
                self.path.rsplit('.').next().unwrap_or_default()
            ),
        }
    }
}

/// A Kubernetes object from an input.
#[derive(Clone, Debug)]
pub struct Resource<'a> {
    /// The file the document came from (as printed).
    pub file: &'a str,
    /// The document's `# Source:` comment (a chart template path), if any.
    pub source: Option<&'a str>,
    /// Index of the document in its file (items of a List share their document's index).
    pub document: usize,
    /// The object's root map node.
    pub node: &'a Node,
    /// `apiVersion`, if a string.
    pub api_version: Option<&'a str>,
    /// `kind`, if a string.
    pub kind: Option<&'a str>,
    /// `metadata.name`, if a string.
    pub name: Option<&'a str>,
    /// `metadata.namespace`, if a string.
    pub namespace: Option<&'a str>,
    /// `metadata.labels` with string values.
    pub labels: BTreeMap<&'a str, &'a str>,
    /// `metadata.annotations` (value nodes, so a rule can point at them).
    pub annotations: BTreeMap<&'a str, &'a Node>,
    /// The pod spec for pod-bearing kinds, and its field path.
    pub pod_spec: Option<(&'a Node, &'static str)>,
    /// All containers, init containers and ephemeral containers of the pod spec.
    pub containers: Vec<Container<'a>>,
}

/// Field path of the pod spec per kind (None: the kind carries no pod).
pub fn pod_spec_path(api_version: Option<&str>, kind: &str) -> Option<&'static str> {
    let group = api_version
        .and_then(|v| v.split_once('/').map(|(g, _)| g))
        .unwrap_or("");
    match kind {
        "Pod" => Some("spec"),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => Some("spec.template.spec"),
        "CronJob" => Some("spec.jobTemplate.spec.template.spec"),
        "Rollout" if group == "argoproj.io" => Some("spec.template.spec"),
        _ => None,
    }
}

impl<'a> Resource<'a> {
    /// Builds the model over an object node.
    pub fn new(
        file: &'a str,
        source: Option<&'a str>,
        document: usize,
        node: &'a Node,
    ) -> Resource<'a> {
        let s = |path: &[&str]| node.get_path(path).and_then(Node::as_str);
        let api_version = s(&["apiVersion"]);
        let kind = s(&["kind"]);
        let mut labels = BTreeMap::new();
        if let Some(m) = node
            .get_path(&["metadata", "labels"])
            .and_then(Node::as_map)
        {
            for (k, v) in m {
                if let (Some(k), Some(v)) = (k.as_str(), v.as_str()) {
                    labels.insert(k, v);
                }
            }
        }
        let mut annotations = BTreeMap::new();
        if let Some(m) = node
            .get_path(&["metadata", "annotations"])
            .and_then(Node::as_map)
        {
            for (k, v) in m {
                if let Some(k) = k.as_str() {
                    annotations.insert(k, v);
                }
            }
        }
        let pod_spec = kind
            .and_then(|k| pod_spec_path(api_version, k))
            .and_then(|p| {
                node.find_path(p)
                    .filter(|n| n.as_map().is_some())
                    .map(|n| (n, p))
            });
        let mut containers = Vec::new();
        if let Some((spec, path)) = pod_spec {
            for kind in [
                ContainerKind::Init,
                ContainerKind::Container,
                ContainerKind::Ephemeral,
            ] {
                for (i, c) in spec
                    .get(kind.field())
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    if c.as_map().is_none() {
                        continue;
                    }
                    containers.push(Container {
                        kind,
                        name: c.get("name").and_then(Node::as_str),
                        node: c,
                        path: format!("{path}.{}[{i}]", kind.field()),
                    });
                }
            }
        }
        Resource {
            file,
            source,
            document,
            node,
            api_version,
            kind,
            name: s(&["metadata", "name"]),
            namespace: s(&["metadata", "namespace"]),
            labels,
            annotations,
            pod_spec,
            containers,
        }
    }

    /// The resource as findings print it.
    pub fn reference(&self) -> ResourceRef {
        ResourceRef {
            api_version: self.api_version.unwrap_or_default().to_string(),
            kind: self.kind.unwrap_or_default().to_string(),
            // An object the API server names (`generateName`, e.g. a Helm hook Job) is shown
            // by its prefix.
            name: (self.name)
                .or_else(|| {
                    (self.node.get_path(&["metadata", "generateName"])).and_then(Node::as_str)
                })
                .unwrap_or_default()
                .to_string(),
            namespace: self.namespace.map(str::to_string),
        }
    }

    /// True for `kind` with this API group (`""` for the core group).
    pub fn is(&self, group: &str, kind: &str) -> bool {
        self.kind == Some(kind) && self.group() == group
    }

    /// The API group of `apiVersion` (`""` for `v1`).
    pub fn group(&self) -> &'a str {
        self.api_version
            .and_then(|v| v.split_once('/').map(|(g, _)| g))
            .unwrap_or("")
    }

    /// The string value of an annotation.
    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        self.annotations.get(key).and_then(|n| n.as_str())
    }
}

/// The objects of a document: the document itself, or the `items` of a `kind: List` (and of any
/// `*List` kind with `items`). Empty and non-map documents yield nothing.
pub fn resources_of<'a>(file: &'a str, index: usize, doc: &'a Document) -> Vec<Resource<'a>> {
    let source = doc.source.as_deref();
    let root = &doc.root;
    if root.as_map().is_none() {
        return Vec::new();
    }
    let kind = root.get("kind").and_then(Node::as_str).unwrap_or_default();
    if kind.ends_with("List")
        && let Some(items) = root.get("items").and_then(Node::as_seq)
    {
        return items
            .iter()
            .filter(|n| n.as_map().is_some())
            .map(|n| Resource::new(file, source, index, n))
            .collect();
    }
    vec![Resource::new(file, source, index, root)]
}

/// The text of a scalar node as Kubernetes would read it in a string field (`1` → `"1"`,
/// `0.5` → `"0.5"`); None for null and collections.
pub fn scalar_text(node: &Node) -> Option<String> {
    match &node.kind {
        NodeKind::Str(s) => Some(s.clone()),
        NodeKind::Int(i) => Some(i.to_string()),
        NodeKind::Float(f) => Some(if f.fract() == 0.0 && f.abs() < 1e15 {
            format!("{}", *f as i64)
        } else {
            f.to_string()
        }),
        NodeKind::Bool(b) => Some(b.to_string()),
        NodeKind::Null | NodeKind::Seq(_) | NodeKind::Map(_) => None,
    }
}
