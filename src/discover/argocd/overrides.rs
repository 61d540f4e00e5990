//! `.argocd-source.yaml` and `.argocd-source-<app>.yaml` (argocd-image-updater's write-back), as
//! Argo CD's repo-server merges them into a source (`mergeSourceParameters`,
//! reposerver/repository/repository.go). For each file in turn: the typed source is marshalled
//! to JSON, the file (YAML → JSON with `sigs.k8s.io/yaml`) applied to it as a JSON merge patch
//! (`evanphx/json-patch`, keys compared exactly), and the result decoded back **into the same
//! typed source** with Go's `encoding/json`. That decoding decides what an override means:
//!
//! - a key names a field exactly, else case-insensitively (`forcestring` is `forceString`; Go
//!   folds `K` U+212A to `k` and `ſ` U+017F to `s` too); a key naming no field is ignored;
//! - the patched document's objects are Go maps, marshalled with sorted keys: of two keys naming
//!   one field (`valueFiles` and `valuefiles`), the later in byte order wins — for a nested
//!   object both are decoded into the same struct, field by field;
//! - decoding into the existing struct keeps whatever the JSON does not name: a `null` (which
//!   the merge patch turns into a missing key) removes nothing, and a list of structs is
//!   decoded element by element into the old elements (a parameter's `forceString` outlives an
//!   override entry that does not set it);
//! - a value of the wrong JSON type (a number for a string, `"true"` for a boolean) fails the
//!   source, as Argo CD then fails the manifest generation.
//!
//! Last, `repoURL`, `path`, `chart` and `targetRevision` are restored from the Application.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::application::{self, Source};
use crate::confine::normalise;

/// The Go type of a field of `ApplicationSource` (pkg/apis/application/v1alpha1/types.go), as
/// far as decoding it decides what chartgate reads.
#[derive(Clone, Copy)]
enum Ty {
    Str,
    Bool,
    /// `[]string`.
    Strs,
    /// A pointer to a struct (`*ApplicationSourceHelm`): `null` makes it nil.
    Ptr(&'static [(&'static str, Ty)]),
    /// A struct value (`ApplicationSourceJsonnet`): `null` leaves it.
    Struct(&'static [(&'static str, Ty)]),
    /// A slice of structs (`[]HelmParameter`).
    List(&'static [(&'static str, Ty)]),
    /// `*runtime.RawExtension` (`valuesObject`): replaced whole by any JSON value but `null`.
    Raw,
    /// A struct chartgate only needs the presence of (`kustomize`, `plugin`): kept as written.
    Opaque,
}

use Ty::{Bool, List, Opaque, Ptr, Raw, Str, Strs, Struct};

const PARAMETER: &[(&str, Ty)] = &[("name", Str), ("value", Str), ("forceString", Bool)];
const FILE_PARAMETER: &[(&str, Ty)] = &[("name", Str), ("path", Str)];
const HELM: &[(&str, Ty)] = &[
    ("valueFiles", Strs),
    ("parameters", List(PARAMETER)),
    ("releaseName", Str),
    ("values", Str),
    ("fileParameters", List(FILE_PARAMETER)),
    ("version", Str),
    ("passCredentials", Bool),
    ("ignoreMissingValueFiles", Bool),
    ("skipCrds", Bool),
    ("valuesObject", Raw),
    ("namespace", Str),
    ("kubeVersion", Str),
    ("apiVersions", Strs),
    ("skipTests", Bool),
    ("skipSchemaValidation", Bool),
];
const DIRECTORY: &[(&str, Ty)] = &[
    ("recurse", Bool),
    ("jsonnet", Struct(&[])),
    ("exclude", Str),
    ("include", Str),
    ("disableExtensionFilter", Bool),
];
const SOURCE: &[(&str, Ty)] = &[
    ("repoURL", Str),
    ("path", Str),
    ("targetRevision", Str),
    ("helm", Ptr(HELM)),
    ("kustomize", Opaque),
    ("directory", Ptr(DIRECTORY)),
    ("plugin", Opaque),
    ("chart", Str),
    ("ref", Str),
    ("name", Str),
    ("tagPrefix", Str),
];

/// Go's `bytes.EqualFold` of a JSON key with an (ASCII) field name: ASCII letters in either
/// case, and the two non-ASCII letters whose simple case folding reaches one (`K` KELVIN SIGN,
/// `ſ` LATIN SMALL LETTER LONG S).
fn equal_fold(key: &str, field: &str) -> bool {
    let fold = |c: char| match c {
        '\u{212A}' => 'k',
        '\u{17F}' => 's',
        c => c.to_ascii_lowercase(),
    };
    key.chars().count() == field.len() && key.chars().map(fold).eq(field.chars().map(fold))
}

/// The field a JSON key decodes into: an exact match, else the first case-insensitive one
/// (`encoding/json`'s `object`); `fold` false matches exactly (the API server's pruning).
fn field_of(
    fields: &'static [(&'static str, Ty)],
    key: &str,
    fold: bool,
) -> Option<(&'static str, Ty)> {
    (fields.iter().find(|(n, _)| *n == key))
        .or_else(|| {
            fold.then(|| fields.iter().find(|(n, _)| equal_fold(key, n)))
                .flatten()
        })
        .copied()
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Decodes `json` into `target` (a field of type `ty` at `at`) as `encoding/json` decodes into
/// an existing value. `go` false reads the Application's own source: keys match exactly (the
/// API server prunes the others) and a value of another type is kept as written, for
/// [`application::parse_source`] to judge as it does without overrides.
fn decode(target: &mut Value, json: &Value, ty: Ty, at: &str, go: bool) -> Result<(), String> {
    let mismatch = || {
        Err(format!(
            "json: cannot unmarshal {} into Go struct field `{at}`",
            json_type(json)
        ))
    };
    match (ty, json) {
        // `null` sets a pointer, slice or map to nil and leaves anything else.
        (Ptr(_) | Strs | List(_) | Raw | Opaque, Value::Null) => *target = Value::Null,
        (_, Value::Null) => {}
        (Str, Value::String(_)) | (Bool, Value::Bool(_)) | (Raw, _) => *target = json.clone(),
        (Opaque, Value::Object(_)) => *target = json.clone(),
        (Ptr(fields) | Struct(fields), Value::Object(o)) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            let Value::Object(t) = target else {
                return Ok(());
            };
            // A Go map marshals with sorted keys: the order the decoder sees them in.
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            for k in keys {
                let Some((name, fty)) = field_of(fields, k, go) else {
                    continue;
                };
                let slot = t.entry(name).or_insert(Value::Null);
                decode(slot, &o[k], fty, &format!("{at}.{name}"), go)?;
                if slot.is_null() {
                    t.remove(name);
                }
            }
        }
        (Strs | List(_), Value::Array(items)) => {
            let elem = match ty {
                List(fields) => Struct(fields),
                _ => Str,
            };
            let mut old = match std::mem::take(target) {
                Value::Array(a) => a,
                _ => Vec::new(),
            };
            // Each element is decoded into the old one at its index, if any.
            old.resize(items.len(), Value::Null);
            for (slot, item) in old.iter_mut().zip(items) {
                if slot.is_null() {
                    *slot = match elem {
                        Str => Value::String(String::new()),
                        _ => Value::Object(Map::new()),
                    };
                }
                decode(slot, item, elem, &format!("{at}[]"), go)?;
            }
            *target = Value::Array(old);
        }
        _ if !go => *target = json.clone(),
        _ => return mismatch(),
    }
    Ok(())
}

/// Argo CD's `mergeSourceParameters`: the source `original` (the raw `spec.source` or entry of
/// `spec.sources` at `field`) with `.argocd-source.yaml` and then `.argocd-source-<app>.yaml`
/// of its path merged in (see the module). None when neither file exists (a directory of that
/// name is passed over, as Argo CD does). The files must be regular files inside the
/// repository (`repo_root`) of at most `max_bytes`; an Application name that is not one path
/// component (Kubernetes refuses `/` in a name) has no file of its own. Each file is parsed
/// once per run (`cache`).
pub(super) fn source_overrides(
    original: &Value,
    field: &str,
    app_path: &Path,
    app_name: &str,
    repo_root: &Path,
    max_bytes: usize,
    cache: &mut HashMap<PathBuf, Result<Value, String>>,
) -> Result<Option<Source>, String> {
    let mut files = vec![app_path.join(".argocd-source.yaml")];
    if !app_name.is_empty() && !app_name.contains(['/', '\\']) && app_name != ".." {
        files.push(app_path.join(format!(".argocd-source-{app_name}.yaml")));
    }
    let root = normalise(repo_root);
    files.retain(|f| {
        normalise(f).starts_with(&root)
            && std::fs::symlink_metadata(f).is_ok()
            && !std::fs::metadata(f).is_ok_and(|m| m.is_dir())
    });
    if files.is_empty() {
        return Ok(None);
    }
    let mut merged = Value::Null;
    decode(&mut merged, original, Ptr(SOURCE), field, false)?;
    for f in &files {
        let shown = f.strip_prefix(&root).unwrap_or(f).display().to_string();
        let patch = cache
            .entry(f.clone())
            .or_insert_with(|| {
                crate::confine::check_existing(&root, f, crate::confine::Kind::File)
                    .map_err(|e| format!("{shown}: {e}"))?;
                let text = crate::confine::read_repo_text(f, max_bytes)
                    .map_err(|e| format!("{shown}: {e}"))?;
                let docs = crate::yaml::parse_stream(&text, &Default::default())
                    .map_err(|e| format!("{shown}: {e}"))?;
                Ok(docs.first().map_or(Value::Null, |d| d.root.to_json()))
            })
            .clone()?;
        let mut data = merged.clone();
        super::appset::merge_patch(&mut data, &patch);
        decode(&mut merged, &data, Ptr(SOURCE), field, true)
            .map_err(|e| format!("{shown}: {e}"))?;
    }
    if let Value::Object(m) = &mut merged {
        for k in ["repoURL", "path", "chart", "targetRevision"] {
            match original.get(k) {
                Some(v) => m.insert(k.to_string(), v.clone()),
                None => m.remove(k),
            };
        }
    }
    application::parse_source(&merged, field)
        .map(Some)
        .map_err(|e| format!("after .argocd-source overrides: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The source after one override, decoded as Argo CD decodes it.
    fn merged(original: Value, patch: Value) -> Result<Value, String> {
        let mut m = Value::Null;
        decode(&mut m, &original, Ptr(SOURCE), "spec.source", false)?;
        let mut data = m.clone();
        crate::discover::argocd::appset::merge_patch(&mut data, &patch);
        decode(&mut m, &data, Ptr(SOURCE), "spec.source", true)?;
        Ok(m)
    }

    #[test]
    fn field_names_fold_as_go_json_does() {
        assert!(equal_fold("forcestring", "forceString"));
        assert!(equal_fold("FORCESTRING", "forceString"));
        assert!(equal_fold("\u{212A}ustomize", "kustomize"));
        assert!(equal_fold("valueFile\u{17F}", "valueFiles"));
        assert!(!equal_fold("forceStrin", "forceString"));
        assert!(!equal_fold("forceStr\u{131}ng", "forceString"));
        let m = merged(
            json!({"repoURL": "r", "path": "p"}),
            json!({"Helm": {"Parameters": [{"Name": "image.tag", "value": "v2", "forcestring": true}],
                            "unknown": 1}}),
        )
        .unwrap();
        assert_eq!(
            m,
            json!({"repoURL": "r", "path": "p", "helm": {"parameters": [
                {"name": "image.tag", "value": "v2", "forceString": true}]}})
        );
    }

    #[test]
    fn keys_differing_in_case_decode_in_byte_order() {
        // `valueFiles` < `valuefiles`: the second is decoded last and wins; two spellings of
        // `helm` both decode into the one struct.
        let m = merged(
            json!({"repoURL": "r"}),
            json!({"helm": {"valueFiles": ["a.yaml"], "valuefiles": ["b.yaml"]},
                   "HELM": {"releaseName": "x"}}),
        )
        .unwrap();
        assert_eq!(
            m["helm"],
            json!({"valueFiles": ["b.yaml"], "releaseName": "x"})
        );
    }

    #[test]
    fn null_removes_nothing_and_list_elements_keep_old_fields() {
        let m = merged(
            json!({"repoURL": "r", "helm": {"valueFiles": ["a.yaml"],
                   "parameters": [{"name": "a", "value": "1", "forceString": true}]}}),
            json!({"helm": {"valueFiles": null, "parameters": [{"name": "b", "value": "2"}, {"name": "c"}]}}),
        )
        .unwrap();
        assert_eq!(
            m["helm"],
            json!({"valueFiles": ["a.yaml"], "parameters": [
                {"name": "b", "value": "2", "forceString": true}, {"name": "c"}]})
        );
    }

    #[test]
    fn a_value_of_another_type_fails() {
        assert_eq!(
            merged(json!({"repoURL": "r"}), json!({"helm": {"parameters": [{"name": "a", "value": 1}]}})),
            Err("json: cannot unmarshal number into Go struct field `spec.source.helm.parameters[].value`".into())
        );
        assert_eq!(
            merged(json!({"repoURL": "r"}), json!({"directory": {"recurse": "true"}})),
            Err("json: cannot unmarshal string into Go struct field `spec.source.directory.recurse`".into())
        );
        // The Application's own keys match exactly: the API server pruned `Helm`.
        assert_eq!(
            merged(
                json!({"repoURL": "r", "Helm": {"releaseName": "x"}}),
                json!({})
            ),
            Ok(json!({"repoURL": "r"}))
        );
    }
}
