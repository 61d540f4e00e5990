//! Argo CD cluster Secrets and Kubernetes label selectors.

use base64::Engine as _;
use serde_json::Value;
use std::collections::BTreeMap;

/// The label that makes a Secret an Argo CD cluster.
pub const SECRET_TYPE_LABEL: &str = "argocd.argoproj.io/secret-type";
/// Argo CD's name of the cluster it runs in.
pub const IN_CLUSTER_NAME: &str = "in-cluster";
/// Argo CD's API server address of the cluster it runs in.
pub const IN_CLUSTER_SERVER: &str = "https://kubernetes.default.svc";

/// A cluster Argo CD knows, as the `clusters` generator sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterInfo {
    pub name: String,
    pub server: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

/// Reads an Argo CD cluster Secret (`kind: Secret` labelled
/// `argocd.argoproj.io/secret-type: cluster`). `Ok(None)` for any other object. Fields come from
/// `stringData` (plain) over `data` (base64), as the API server merges them: `name`, `server`
/// (required), `config` (not needed offline). A Secret for the in-cluster address without a
/// name is Argo CD's `in-cluster`.
pub fn cluster_from_secret(obj: &Value) -> Result<Option<ClusterInfo>, String> {
    if obj.get("kind").and_then(Value::as_str) != Some("Secret")
        || obj.get("apiVersion").and_then(Value::as_str) != Some("v1")
    {
        return Ok(None);
    }
    let meta = obj.get("metadata");
    let labels = string_map(meta.and_then(|m| m.get("labels")));
    if labels.get(SECRET_TYPE_LABEL).map(String::as_str) != Some("cluster") {
        return Ok(None);
    }
    let secret = meta
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("(unnamed)");
    let field = |key: &str| -> Result<Option<String>, String> {
        if let Some(v) = obj.get("stringData").and_then(|d| d.get(key)) {
            return match v {
                Value::String(s) => Ok(Some(s.clone())),
                _ => Err(format!(
                    "cluster Secret {secret}: stringData.{key} must be a string"
                )),
            };
        }
        match obj.get("data").and_then(|d| d.get(key)) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(s.trim())
                    .map_err(|e| {
                        format!("cluster Secret {secret}: data.{key} is not valid base64: {e}")
                    })?;
                String::from_utf8(bytes)
                    .map(Some)
                    .map_err(|_| format!("cluster Secret {secret}: data.{key} is not UTF-8 text"))
            }
            Some(_) => Err(format!(
                "cluster Secret {secret}: data.{key} must be a base64 string"
            )),
        }
    };
    let server = field("server")?.ok_or_else(|| {
        format!("cluster Secret {secret}: no server (data.server or stringData.server)")
    })?;
    let name = match field("name")? {
        Some(n) if !n.is_empty() => n,
        _ if server.trim_end_matches('/') == IN_CLUSTER_SERVER => IN_CLUSTER_NAME.to_string(),
        _ => String::new(),
    };
    Ok(Some(ClusterInfo {
        name,
        server,
        labels,
        annotations: string_map(meta.and_then(|m| m.get("annotations"))),
    }))
}

/// Every cluster Secret among parsed manifests, with an error per malformed one.
pub fn clusters_from_manifests<'a>(
    objs: impl IntoIterator<Item = &'a Value>,
) -> (Vec<ClusterInfo>, Vec<String>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for o in objs {
        match cluster_from_secret(o) {
            Ok(Some(c)) => out.push(c),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    (out, errors)
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    if let Some(Value::Object(o)) = v {
        for (k, v) in o {
            if let Value::String(s) = v {
                m.insert(k.clone(), s.clone());
            }
        }
    }
    m
}

/// A parsed `metav1.LabelSelector`.
#[derive(Debug, Default)]
pub(super) struct Selector {
    reqs: Vec<(String, Op, Vec<String>)>,
}

#[derive(Debug, Clone, Copy)]
enum Op {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl Selector {
    /// Parses `{matchLabels, matchExpressions}` (absent or null: matches everything).
    pub fn parse(v: Option<&Value>, at: &str) -> Result<Selector, String> {
        let mut s = Selector::default();
        let Some(v) = v.filter(|v| !v.is_null()) else {
            return Ok(s);
        };
        let Value::Object(m) = v else {
            return Err(format!("{at}: a label selector must be a map"));
        };
        for k in m.keys() {
            if k != "matchLabels" && k != "matchExpressions" {
                return Err(format!(
                    "{at}: unknown field {k:?} (a label selector has matchLabels and matchExpressions)"
                ));
            }
        }
        match m.get("matchLabels") {
            None | Some(Value::Null) => {}
            Some(Value::Object(ls)) => {
                for (k, v) in ls {
                    let Value::String(v) = v else {
                        return Err(format!("{at}.matchLabels.{k}: must be a string"));
                    };
                    s.reqs.push((k.clone(), Op::In, vec![v.clone()]));
                }
            }
            Some(_) => return Err(format!("{at}.matchLabels: must be a map")),
        }
        match m.get("matchExpressions") {
            None | Some(Value::Null) => {}
            Some(Value::Array(es)) => {
                for (i, e) in es.iter().enumerate() {
                    let ea = format!("{at}.matchExpressions[{i}]");
                    let key = e
                        .get("key")
                        .and_then(Value::as_str)
                        .ok_or_else(|| format!("{ea}: key must be a string"))?;
                    let op = match e.get("operator").and_then(Value::as_str) {
                        Some("In") => Op::In,
                        Some("NotIn") => Op::NotIn,
                        Some("Exists") => Op::Exists,
                        Some("DoesNotExist") => Op::DoesNotExist,
                        Some(o) => {
                            return Err(format!(
                                "{ea}: {o:?} is not a valid label selector operator"
                            ));
                        }
                        None => return Err(format!("{ea}: operator must be a string")),
                    };
                    let values: Vec<String> = match e.get("values") {
                        None | Some(Value::Null) => vec![],
                        Some(Value::Array(vs)) => vs
                            .iter()
                            .map(|v| {
                                v.as_str()
                                    .map(str::to_string)
                                    .ok_or_else(|| format!("{ea}.values: must be strings"))
                            })
                            .collect::<Result<_, _>>()?,
                        Some(_) => return Err(format!("{ea}.values: must be a list")),
                    };
                    match op {
                        Op::In | Op::NotIn if values.is_empty() => {
                            return Err(format!(
                                "{ea}: values: Invalid value: []string{{}}: for 'in', 'notin' operators, values set can't be empty"
                            ));
                        }
                        Op::Exists | Op::DoesNotExist if !values.is_empty() => {
                            return Err(format!(
                                "{ea}: values: Invalid value: values set must be empty for exists and does not exist"
                            ));
                        }
                        _ => {}
                    }
                    s.reqs.push((key.to_string(), op, values));
                }
            }
            Some(_) => return Err(format!("{at}.matchExpressions: must be a list")),
        }
        Ok(s)
    }

    pub fn is_empty(&self) -> bool {
        self.reqs.is_empty()
    }

    /// Whether a label set matches every requirement (Kubernetes' semantics: `NotIn` matches
    /// an absent key).
    pub fn matches(&self, get: &dyn Fn(&str) -> Option<String>) -> bool {
        self.reqs.iter().all(|(k, op, vs)| {
            let v = get(k);
            match op {
                Op::In => v.is_some_and(|v| vs.contains(&v)),
                Op::NotIn => v.is_none_or(|v| !vs.contains(&v)),
                Op::Exists => v.is_some(),
                Op::DoesNotExist => v.is_none(),
            }
        })
    }
}
