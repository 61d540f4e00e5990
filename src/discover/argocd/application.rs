//! One `argoproj.io/v1alpha1` `Application`, read from its JSON form (a manifest document, a
//! rendered app-of-apps chart or an ApplicationSet expansion).

use serde_json::Value;

/// The `helm:` block of a source, as Argo CD passes it to Helm.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Helm {
    pub value_files: Vec<String>,
    pub ignore_missing_value_files: bool,
    /// `values` (a YAML string) or `valuesObject` (which wins), as JSON.
    pub values: Option<Value>,
    /// `parameters`: (name, value, forceString), in order.
    pub parameters: Vec<(String, String, bool)>,
    /// `fileParameters`: (name, path).
    pub file_parameters: Vec<(String, String)>,
    pub release_name: Option<String>,
    pub namespace: Option<String>,
    pub kube_version: Option<String>,
    pub api_versions: Vec<String>,
    pub skip_crds: bool,
}

/// One source of an Application.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Source {
    pub repo_url: String,
    pub path: Option<String>,
    pub chart: Option<String>,
    pub target_revision: Option<String>,
    /// `ref` of a multi-source entry (`$ref/...` in value files).
    pub reference: Option<String>,
    pub helm: Option<Helm>,
    /// `directory.recurse`.
    pub recurse: bool,
    /// `directory.include` and `directory.exclude`: globs on a file's path relative to the
    /// source's path.
    pub include: Option<String>,
    pub exclude: Option<String>,
    /// `directory.disableExtensionFilter`: every file name is read, not only `*.yaml`,
    /// `*.yml`, `*.json` and `*.jsonnet`.
    pub any_extension: bool,
    /// `kustomize:` or `plugin:` is set.
    pub other_tool: Option<&'static str>,
    /// The source types set explicitly (`kustomize`, `helm`, `directory`, `plugin` present and
    /// not null), in Argo CD's order (`ApplicationSource.ExplicitType`): one decides how the
    /// path is built whatever it holds; more than one is an error.
    pub explicit: Vec<&'static str>,
}

/// An Application's spec as far as chartgate uses it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Application {
    pub name: String,
    /// `spec.project`.
    pub project: String,
    /// `metadata.namespace` (the Argo CD namespace), empty when unset.
    pub app_namespace: String,
    pub sources: Vec<Source>,
    /// `spec.sources` was used (multi-source).
    pub multi: bool,
    pub dest_name: Option<String>,
    pub dest_server: Option<String>,
    pub dest_namespace: Option<String>,
}

/// Whether a document is an `argoproj.io` object of `kind`.
pub fn is_kind(doc: &Value, kind: &str) -> bool {
    doc.get("apiVersion")
        .and_then(Value::as_str)
        .is_some_and(|a| a.starts_with("argoproj.io/"))
        && doc.get("kind").and_then(Value::as_str) == Some(kind)
}

/// A field of an Application that Argo CD would refuse: the field's path
/// (`spec.sources[0].helm.valueFiles`) and what is wrong with it. Prints as
/// `` `FIELD` problem ``.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{field}` {problem}")]
pub struct FieldError {
    pub field: String,
    pub problem: String,
}

impl FieldError {
    fn new(field: impl Into<String>, problem: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

fn opt_str(v: &Value, key: &str, at: &str) -> Result<Option<String>, FieldError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(FieldError::new(
            format!("{at}{key}"),
            format!("must be a string, got {}", type_name(other)),
        )),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

fn opt_bool(v: &Value, key: &str, at: &str) -> Result<bool, FieldError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s == "true" || s == "false" => Ok(s == "true"),
        Some(other) => Err(FieldError::new(
            format!("{at}{key}"),
            format!("must be a boolean, got {}", type_name(other)),
        )),
    }
}

fn str_list(v: &Value, key: &str, at: &str) -> Result<Vec<String>, FieldError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                other => Err(FieldError::new(
                    format!("{at}{key}"),
                    format!("entries must be strings, got {}", type_name(other)),
                )),
            })
            .collect(),
        Some(other) => Err(FieldError::new(
            format!("{at}{key}"),
            format!("must be a list, got {}", type_name(other)),
        )),
    }
}

/// A scalar parameter value as Argo CD's JSON holds it (a string; numbers and booleans kept
/// as written).
fn scalar(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn helm(v: &Value, at: &str) -> Result<Helm, FieldError> {
    if !v.is_object() {
        return Err(FieldError::new(at, "must be a map"));
    }
    let at = format!("{at}.");
    let mut h = Helm {
        value_files: str_list(v, "valueFiles", &at)?,
        ignore_missing_value_files: opt_bool(v, "ignoreMissingValueFiles", &at)?,
        release_name: opt_str(v, "releaseName", &at)?,
        namespace: opt_str(v, "namespace", &at)?,
        kube_version: opt_str(v, "kubeVersion", &at)?,
        api_versions: str_list(v, "apiVersions", &at)?,
        skip_crds: opt_bool(v, "skipCrds", &at)?,
        ..Helm::default()
    };
    // `valuesObject` wins over `values` (ApplicationSourceHelm.ValuesYAML).
    match v.get("valuesObject") {
        Some(Value::Object(o)) if !o.is_empty() => h.values = Some(Value::Object(o.clone())),
        Some(Value::Null) | None | Some(Value::Object(_)) => {}
        Some(other) => {
            return Err(FieldError::new(
                format!("{at}valuesObject"),
                format!("must be a map, got {}", type_name(other)),
            ));
        }
    }
    if h.values.is_none() {
        match v.get("values") {
            Some(Value::String(s)) if !s.trim().is_empty() => {
                let docs =
                    crate::yaml::parse_stream(s, &crate::yaml::Limits::default()).map_err(|e| {
                        FieldError::new(
                            format!("{at}values"),
                            format!("is not valid YAML: {}", e.message),
                        )
                    })?;
                match docs.into_iter().next().map(|d| d.root.to_json()) {
                    Some(Value::Object(o)) => h.values = Some(Value::Object(o)),
                    Some(Value::Null) | None => {}
                    Some(other) => {
                        return Err(FieldError::new(
                            format!("{at}values"),
                            format!("must hold a YAML map, got {}", type_name(&other)),
                        ));
                    }
                }
            }
            Some(Value::Object(o)) if !o.is_empty() => h.values = Some(Value::Object(o.clone())),
            Some(Value::String(_)) | Some(Value::Null) | None | Some(Value::Object(_)) => {}
            Some(other) => {
                return Err(FieldError::new(
                    format!("{at}values"),
                    format!("must be a string, got {}", type_name(other)),
                ));
            }
        }
    }
    if let Some(ps) = v.get("parameters").filter(|p| !p.is_null()) {
        let Some(items) = ps.as_array() else {
            return Err(FieldError::new(format!("{at}parameters"), "must be a list"));
        };
        for p in items {
            let name = opt_str(p, "name", &format!("{at}parameters[]."))?.ok_or_else(|| {
                FieldError::new(format!("{at}parameters[]"), "entries need a `name`")
            })?;
            h.parameters.push((
                name,
                scalar(p.get("value")),
                opt_bool(p, "forceString", &format!("{at}parameters[]."))?,
            ));
        }
    }
    if let Some(ps) = v.get("fileParameters").filter(|p| !p.is_null()) {
        let Some(items) = ps.as_array() else {
            return Err(FieldError::new(
                format!("{at}fileParameters"),
                "must be a list",
            ));
        };
        for p in items {
            let at2 = format!("{at}fileParameters[].");
            let name = opt_str(p, "name", &at2)?.ok_or_else(|| {
                FieldError::new(format!("{at}fileParameters[]"), "entries need a `name`")
            })?;
            let path = opt_str(p, "path", &at2)?.ok_or_else(|| {
                FieldError::new(format!("{at}fileParameters[]"), "entries need a `path`")
            })?;
            h.file_parameters.push((name, path));
        }
    }
    Ok(h)
}

/// One source (`spec.source` or an entry of `spec.sources`) read on its own.
pub fn parse_source(v: &Value, at: &str) -> Result<Source, FieldError> {
    source(v, at)
}

fn source(v: &Value, at: &str) -> Result<Source, FieldError> {
    if !v.is_object() {
        return Err(FieldError::new(at, "must be a map"));
    }
    let dot = format!("{at}.");
    let repo_url = opt_str(v, "repoURL", &dot)?
        .ok_or_else(|| FieldError::new(format!("{at}.repoURL"), "is required"))?;
    let mut s = Source {
        repo_url,
        path: opt_str(v, "path", &dot)?,
        chart: opt_str(v, "chart", &dot)?,
        target_revision: opt_str(v, "targetRevision", &dot)?,
        reference: opt_str(v, "ref", &dot)?,
        ..Source::default()
    };
    if let Some(h) = v.get("helm").filter(|h| !h.is_null()) {
        s.helm = Some(helm(h, &format!("{at}.helm"))?);
    }
    if let Some(d) = v.get("directory").filter(|d| d.is_object()) {
        s.recurse = opt_bool(d, "recurse", &format!("{at}.directory."))?;
        s.include = opt_str(d, "include", &format!("{at}.directory."))?;
        s.exclude = opt_str(d, "exclude", &format!("{at}.directory."))?;
        s.any_extension = opt_bool(d, "disableExtensionFilter", &format!("{at}.directory."))?;
    }
    let set = |k: &str| v.get(k).is_some_and(|k| !k.is_null());
    s.explicit = (["kustomize", "helm", "directory", "plugin"].into_iter())
        .filter(|k| set(k))
        .collect();
    if v.get("kustomize").is_some_and(|k| !k.is_null()) {
        s.other_tool = Some("kustomize");
    } else if v.get("plugin").is_some_and(|k| !k.is_null()) {
        s.other_tool = Some("config management plugin");
    }
    Ok(s)
}

/// Reads an Application document; the error says which field is wrong.
pub fn parse(doc: &Value) -> Result<Application, FieldError> {
    let meta = doc.get("metadata").unwrap_or(&Value::Null);
    let name = opt_str(meta, "name", "metadata.")?
        .ok_or_else(|| FieldError::new("metadata.name", "is required"))?;
    let spec = match doc.get("spec") {
        Some(s @ Value::Object(_)) => s,
        _ => return Err(FieldError::new("spec", "is required and must be a map")),
    };
    let mut app = Application {
        name,
        app_namespace: opt_str(meta, "namespace", "metadata.")?.unwrap_or_default(),
        project: (spec.get("project").and_then(Value::as_str))
            .unwrap_or_default()
            .to_string(),
        ..Application::default()
    };
    match (
        spec.get("sources").filter(|s| !s.is_null()),
        spec.get("source").filter(|s| !s.is_null()),
    ) {
        (Some(Value::Array(items)), _) if !items.is_empty() => {
            app.multi = true;
            for (i, s) in items.iter().enumerate() {
                app.sources.push(source(s, &format!("spec.sources[{i}]"))?);
            }
        }
        (Some(Value::Array(_)), Some(s)) | (None, Some(s)) => {
            app.sources.push(source(s, "spec.source")?)
        }
        (Some(Value::Array(_)), None) | (None, None) => {
            return Err(FieldError::new(
                "spec.source",
                "or `spec.sources` is required",
            ));
        }
        (Some(other), _) => {
            return Err(FieldError::new(
                "spec.sources",
                format!("must be a list, got {}", type_name(other)),
            ));
        }
    }
    let dest = match spec.get("destination") {
        Some(d @ Value::Object(_)) => d,
        Some(Value::Null) | None => &Value::Null,
        Some(other) => {
            return Err(FieldError::new(
                "spec.destination",
                format!("must be a map, got {}", type_name(other)),
            ));
        }
    };
    app.dest_name = opt_str(dest, "name", "spec.destination.")?;
    app.dest_server = opt_str(dest, "server", "spec.destination.")?;
    app.dest_namespace = opt_str(dest, "namespace", "spec.destination.")?;
    Ok(app)
}

/// The first string of the document that still holds a template expression (`{{`), as its
/// field (`spec.source.path`) and text — an Application copied out of an ApplicationSet
/// template or a chart.
/// Values text (`helm.values`, `valuesObject`, a parameter's `value`) may legitimately hold `{{`
/// for the chart's own `tpl` calls and is passed over. The walk allocates only for a match.
pub fn unexpanded(doc: &Value) -> Option<(String, String)> {
    #[derive(Clone, Copy)]
    enum Seg<'a> {
        Key(&'a str),
        Index(usize),
    }
    use Seg::{Index, Key};
    /// Whether `path` (below `spec`) is the values text of a source.
    fn is_values(path: &[Seg]) -> bool {
        let rest = match path {
            [Key("source"), rest @ ..] => rest,
            [Key("sources"), Index(_), rest @ ..] => rest,
            _ => return false,
        };
        matches!(
            rest,
            [Key("helm"), Key("values" | "valuesObject")]
                | [Key("helm"), Key("parameters"), Index(_), Key("value")]
        )
    }
    fn walk<'a>(v: &'a Value, root: &str, path: &mut Vec<Seg<'a>>) -> Option<(String, String)> {
        if root == "spec" && is_values(path) {
            return None;
        }
        match v {
            Value::String(s) if s.contains("{{") => {
                let mut at = root.to_string();
                for seg in path.iter() {
                    match seg {
                        Key(k) => {
                            at.push('.');
                            at.push_str(k);
                        }
                        Index(i) => at.push_str(&format!("[{i}]")),
                    }
                }
                Some((at, s.clone()))
            }
            Value::Object(o) => o.iter().find_map(|(k, v)| {
                path.push(Key(k));
                let found = walk(v, root, path);
                path.pop();
                found
            }),
            Value::Array(a) => a.iter().enumerate().find_map(|(i, v)| {
                path.push(Index(i));
                let found = walk(v, root, path);
                path.pop();
                found
            }),
            _ => None,
        }
    }
    let spec = doc.get("spec")?;
    walk(spec, "spec", &mut Vec::new()).or_else(|| {
        walk(
            doc.get("metadata")?.get("name")?,
            "metadata.name",
            &mut Vec::new(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_helm_as_argo_cd_does() {
        let app = parse(&json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": "web"},
            "spec": {"source": {"repoURL": "https://x/r.git", "path": "web", "helm": {
                "values": "a: 1", "valuesObject": {"b": 2},
                "parameters": [{"name": "x", "value": 1}, {"name": "y", "value": "2", "forceString": true}]
            }}, "destination": {"server": "https://k", "namespace": "team"}}
        }))
        .unwrap();
        let h = app.sources[0].helm.as_ref().unwrap();
        assert_eq!(h.values, Some(json!({"b": 2})));
        assert_eq!(
            h.parameters,
            vec![
                ("x".into(), "1".into(), false),
                ("y".into(), "2".into(), true)
            ]
        );
        assert_eq!(app.dest_namespace.as_deref(), Some("team"));
        assert_eq!(
            parse(&json!({"metadata": {"name": "a"}, "spec": {"source": {"path": "x"}}})),
            Err(FieldError::new("spec.source.repoURL", "is required"))
        );
        assert_eq!(
            unexpanded(
                &json!({"metadata": {"name": "a"}, "spec": {"source": {"path": "{{path}}",
                "helm": {"values": "x: '{{ .Values.y }}'"}}}})
            ),
            Some(("spec.source.path".into(), "{{path}}".into()))
        );
        // Values text is passed over in every source; everything else is searched, in order.
        let values_only = json!({"metadata": {"name": "a"}, "spec": {"sources": [
            {"helm": {"valuesObject": {"x": "{{ .Values.y }}"},
                      "parameters": [{"name": "p", "value": "{{ x }}"}]}},
            {"helm": {"values": "{{ y }}"}}]}});
        assert_eq!(unexpanded(&values_only), None);
        assert_eq!(
            unexpanded(&json!({"metadata": {"name": "a"}, "spec": {"sources": [
                {"helm": {"parameters": [{"name": "ok", "value": "{{ x }}"},
                                         {"name": "{{p}}", "value": "1"}]}}]}})),
            Some((
                "spec.sources[0].helm.parameters[1].name".into(),
                "{{p}}".into()
            ))
        );
        assert_eq!(
            unexpanded(
                &json!({"metadata": {"name": "{{name}}"}, "spec": {"project": "x",
                "destination": {"namespace": "ns"}}})
            ),
            Some(("metadata.name".into(), "{{name}}".into()))
        );
        // A `values` key elsewhere is not values text.
        assert_eq!(
            unexpanded(
                &json!({"metadata": {"name": "a"}, "spec": {"info": [{"values": "{{v}}"}]}})
            ),
            Some(("spec.info[0].values".into(), "{{v}}".into()))
        );
    }
}
