//! Helm's built-in objects with methods: `.Files` (Get, GetBytes, Glob, Lines, AsConfig,
//! AsSecrets) and `.Capabilities` (KubeVersion, APIVersions with Has, HelmVersion).
//!
//! `.Files` only ever holds the chart's own files (already filtered by `.helmignore`), so no
//! template can read anything outside the chart.

use std::sync::Arc;

use base64::Engine as _;

use super::model::ChartFile;
use crate::model::value::{Map, Object, Value};

/// Encodes a value as Helm's `toYaml` does; set by the renderer (the template functions own the
/// YAML encoder).
pub type ToYaml = fn(&Value) -> String;

/// `.Files`: the chart's non-template files by path.
#[derive(Clone)]
pub struct Files {
    files: Arc<Vec<(String, Arc<[u8]>)>>,
    to_yaml: ToYaml,
}

impl std::fmt::Debug for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Files")
            .field(
                "files",
                &self.files.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Files {
    /// `.Files` of a chart.
    pub fn new(files: &[ChartFile], to_yaml: ToYaml) -> Files {
        let mut v: Vec<(String, Arc<[u8]>)> = files
            .iter()
            .map(|f| (f.name.clone(), f.data.clone()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        Files {
            files: Arc::new(v),
            to_yaml,
        }
    }

    fn get(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| d.as_ref())
    }

    /// `Glob`: the files whose path matches a glob (`*` stays within a path segment, `**` crosses).
    pub fn glob(&self, pattern: &str) -> Result<Files, String> {
        let g = glob_regex(pattern)?;
        let v = self
            .files
            .iter()
            .filter(|(n, _)| g.is_match(n))
            .cloned()
            .collect();
        Ok(Files {
            files: Arc::new(v),
            to_yaml: self.to_yaml,
        })
    }

    /// `Lines`: the file split on `\n`, without a final empty line.
    pub fn lines(&self, name: &str) -> Vec<String> {
        let Some(d) = self.get(name) else {
            return Vec::new();
        };
        let s = crate::gocompat::gobytes::decode(d);
        let s = s.strip_suffix('\n').unwrap_or(&s);
        s.split('\n').map(str::to_string).collect()
    }

    fn base_map(&self, f: impl Fn(&[u8]) -> String) -> Map {
        let mut m = Map::new();
        for (n, d) in self.files.iter() {
            let base = n.rsplit('/').next().unwrap_or(n);
            m.insert(base.to_string(), Value::str(f(d)));
        }
        m
    }

    /// `AsConfig`: base name → text, as YAML (for a ConfigMap's `data`).
    pub fn as_config(&self) -> String {
        if self.files.is_empty() {
            return String::new();
        }
        (self.to_yaml)(&Value::map(self.base_map(crate::gocompat::gobytes::decode)))
    }

    /// `AsSecrets`: base name → base64 of the content, as YAML (for a Secret's `data`).
    pub fn as_secrets(&self) -> String {
        if self.files.is_empty() {
            return String::new();
        }
        (self.to_yaml)(&Value::map(
            self.base_map(|d| base64::engine::general_purpose::STANDARD.encode(d)),
        ))
    }
}

/// A gobwas/glob pattern (as Helm compiles it, with `/` as separator) as a regex: `*` and `?`
/// stay within a path segment, `**` crosses segments, `[...]`/`[!...]` classes, `{a,b}`
/// alternatives, `\` escapes.
pub fn glob_regex(pattern: &str) -> Result<regex::Regex, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut re = String::from("^");
    let mut i = 0;
    let mut depth = 0usize;
    while i < chars.len() {
        match chars[i] {
            '*' if chars.get(i + 1) == Some(&'*') => {
                re.push_str(".*");
                i += 1;
            }
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            '\\' => {
                i += 1;
                let e = chars.get(i).ok_or("unexpected end of pattern")?;
                re.push_str(&regex::escape(&e.to_string()));
            }
            '[' => {
                let close = chars[i + 1..]
                    .iter()
                    .position(|x| *x == ']')
                    .ok_or("unclosed [ in pattern")?;
                let body: String = chars[i + 1..i + 1 + close].iter().collect();
                let (neg, body) = match body.strip_prefix('!') {
                    Some(b) => (true, b.to_string()),
                    None => (false, body),
                };
                re.push_str(if neg { "[^/" } else { "[" });
                re.push_str(&body.replace('[', "\\["));
                re.push(']');
                i += close + 1;
            }
            '{' => {
                depth += 1;
                re.push_str("(?:");
            }
            '}' if depth > 0 => {
                depth -= 1;
                re.push(')');
            }
            ',' if depth > 0 => re.push('|'),
            other => re.push_str(&regex::escape(&other.to_string())),
        }
        i += 1;
    }
    if depth > 0 {
        return Err("unclosed { in pattern".into());
    }
    re.push('$');
    regex::Regex::new(&re).map_err(|e| e.to_string())
}

fn one_str(name: &str, args: &[Value]) -> Result<String, String> {
    match args {
        [Value::Str(t)] => Ok(t.as_str().to_string()),
        [other] => Err(format!(
            "wrong type for value; expected string; got {}",
            go_type(other)
        )),
        _ => Err(format!(
            "wrong number of args for {name}: want 1 got {}",
            args.len()
        )),
    }
}

fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Nil => "<nil>",
        Value::Bool(..) => "bool",
        Value::Int(..) => "int",
        Value::Float(..) => "float64",
        Value::Str(_) => "string",
        Value::List(_) => "[]interface {}",
        Value::Map(_) => "map[string]interface {}",
        Value::Object(o) => o.type_name(),
    }
}

impl Object for Files {
    fn type_name(&self) -> &'static str {
        "engine.files"
    }
    fn kind(&self) -> &'static str {
        "map"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "AsConfig" => Some(Value::str(self.as_config())),
            "AsSecrets" => Some(Value::str(self.as_secrets())),
            // `files` is Go's `map[string][]byte`: any other name indexes the map, and a
            // missing file is the zero value (Helm's `missingkey=zero`), a nil []byte (`[]`).
            _ => Some(Value::Object(Arc::new(Bytes(Arc::from(
                self.get(name).map(|d| d.to_vec()).unwrap_or_default(),
            ))))),
        }
    }
    fn method(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        Some(match name {
            "Get" => one_str(name, args).map(|n| {
                Value::str(
                    self.get(&n)
                        .map(crate::gocompat::gobytes::decode)
                        .unwrap_or_default(),
                )
            }),
            // Go's []byte: prints as numbers, `toString` gives the text, string functions
            // refuse it (`expected string; got []uint8`), as in Helm.
            "GetBytes" => one_str(name, args).map(|n| {
                Value::Object(Arc::new(Bytes(Arc::from(
                    self.get(&n).map(|d| d.to_vec()).unwrap_or_default(),
                ))))
            }),
            "Glob" => one_str(name, args)
                .and_then(|p| self.glob(&p))
                .map(|f| Value::Object(Arc::new(f))),
            "Lines" => one_str(name, args)
                .map(|n| Value::list(self.lines(&n).into_iter().map(Value::str).collect())),
            "AsConfig" if args.is_empty() => Ok(Value::str(self.as_config())),
            "AsSecrets" if args.is_empty() => Ok(Value::str(self.as_secrets())),
            _ => return None,
        })
    }
    fn as_value(&self) -> Value {
        // Go prints map[string][]byte; ranging gives name → content.
        Value::map(
            self.files
                .iter()
                .map(|(n, d)| (n.clone(), Value::str(crate::gocompat::gobytes::decode(d))))
                .collect(),
        )
    }
}

/// Go's `[]byte` (`.Files.GetBytes`).
#[derive(Clone, Debug)]
pub struct Bytes(pub Arc<[u8]>);

impl Object for Bytes {
    fn type_name(&self) -> &'static str {
        "[]uint8"
    }
    fn kind(&self) -> &'static str {
        "slice"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn method(&self, _name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        None
    }
    fn as_value(&self) -> Value {
        Value::list(self.0.iter().map(|b| Value::int(*b as i64)).collect())
    }
    fn go_bytes(&self) -> Option<Arc<[u8]>> {
        Some(self.0.clone())
    }
}

/// `.Capabilities.APIVersions`: a list with a `Has` method.
#[derive(Clone, Debug)]
pub struct ApiVersions {
    versions: Arc<Vec<String>>,
}

impl ApiVersions {
    /// The given API versions (`group/version` and `group/version/Kind` entries).
    pub fn new(versions: Vec<String>) -> ApiVersions {
        ApiVersions {
            versions: Arc::new(versions),
        }
    }
    /// Helm's `VersionSet.Has`.
    pub fn has(&self, v: &str) -> bool {
        self.versions.iter().any(|x| x == v)
    }
}

impl Object for ApiVersions {
    fn type_name(&self) -> &'static str {
        "common.VersionSet"
    }
    fn kind(&self) -> &'static str {
        "slice"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn method(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        match name {
            "Has" => Some(one_str(name, args).map(|v| Value::bool(self.has(&v)))),
            _ => None,
        }
    }
    fn as_value(&self) -> Value {
        Value::list(
            self.versions
                .iter()
                .map(|s| Value::str(s.as_str()))
                .collect(),
        )
    }
}

/// Helm's default API versions for `helm template` without a cluster (Helm v4.2.3, as recorded in
/// the corpus' `capabilities.json`).
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1",
    "resource.k8s.io/v1beta2",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha2",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml_keys(v: &Value) -> String {
        v.as_map()
            .map(|m| m.keys().cloned().collect::<Vec<_>>().join(","))
            .unwrap_or_default()
    }

    fn files() -> Files {
        let f = |n: &str, d: &str| ChartFile {
            name: n.into(),
            data: d.as_bytes().into(),
            source_id: 0,
        };
        Files::new(
            &[
                f("conf/a.conf", "x=1\ny=2\n"),
                f("conf/sub/b.conf", "b"),
                f("README", "r"),
            ],
            yaml_keys,
        )
    }

    #[test]
    fn get_lines_glob() {
        let fs = files();
        let get = fs
            .method("Get", &[Value::str("conf/a.conf")])
            .and_then(Result::ok);
        assert_eq!(get.as_ref().and_then(Value::as_str), Some("x=1\ny=2\n"));
        let missing = fs
            .method("Get", &[Value::str("../etc/passwd")])
            .and_then(Result::ok);
        assert_eq!(missing.as_ref().and_then(Value::as_str), Some(""));
        assert_eq!(fs.lines("conf/a.conf"), vec!["x=1", "y=2"]);
        assert_eq!(fs.lines("nope"), Vec::<String>::new());
        let g = fs.glob("conf/*").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            g.files.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            vec!["conf/a.conf"]
        );
        let g3 = fs.glob("**.conf").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(g3.files.len(), 2);
        let g4 = fs
            .glob("{README,conf/a.conf}")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(g4.files.len(), 2);
        let g2 = fs.glob("conf/**").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(g2.files.len(), 2);
        assert_eq!(g2.as_config(), "a.conf,b.conf");
        assert_eq!(
            fs.glob("nothing/*").map(|g| g.as_config()),
            Ok(String::new())
        );
    }

    #[test]
    fn api_versions_has() {
        let a = ApiVersions::new(DEFAULT_API_VERSIONS.iter().map(|s| s.to_string()).collect());
        assert!(a.has("apps/v1"));
        assert!(!a.has("apps/v2"));
        assert_eq!(
            a.method("Has", &[Value::str("policy/v1")])
                .and_then(Result::ok)
                .map(|v| matches!(v, Value::Bool(true, _))),
            Some(true)
        );
    }
}
