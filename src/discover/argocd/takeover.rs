//! An ApplicationSet taking over an existing Application of a name it generates, with its
//! `ignoreApplicationDifferences` (applicationset/utils/createOrUpdate.go, `CreateOrUpdate`
//! and `applyIgnoreDifferences`). The controller removes the fields the rules name (JSON
//! pointers, jq paths; rules for every Application or for that name) from both the existing
//! Application and the generated one, computes a JSON merge patch from the first to the
//! second, and applies it to the existing Application. So a named field keeps the existing
//! value — unless a parent of it is removed or replaced by the patch — and everything else
//! becomes the generated spec. An Application the set creates gets the generated spec whole:
//! there the rules only keep later live edits, which no file shows.

use serde_json::{Map, Value};

/// A field of the set's rules chartgate cannot evaluate: (field, expression).
pub(super) type Unevaluated = (String, String);

/// The JSON pointers of the set's `ignoreApplicationDifferences` rules that apply to the
/// Application `name`, and the jq expressions chartgate cannot turn into one (only paths of
/// names and indices, `.spec.source.helm.parameters` or `.spec.sources[0].helm`, are read).
pub(super) fn ignored_paths(set: &Value, name: &str) -> (Vec<String>, Vec<Unevaluated>) {
    let (mut pointers, mut unevaluated) = (Vec::new(), Vec::new());
    let rules = (set.pointer("/spec/ignoreApplicationDifferences"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (i, rule) in rules.iter().enumerate() {
        let rule_name = rule.get("name").and_then(Value::as_str).unwrap_or_default();
        if !rule_name.is_empty() && rule_name != name {
            continue;
        }
        let strings = |key: &str| {
            (rule
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten())
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect::<Vec<_>>()
        };
        pointers.extend(strings("jsonPointers"));
        for (j, expr) in strings("jqPathExpressions").into_iter().enumerate() {
            match jq_path(&expr) {
                Some(p) => pointers.push(p),
                None => unevaluated.push((
                    format!("spec.ignoreApplicationDifferences[{i}].jqPathExpressions[{j}]"),
                    expr,
                )),
            }
        }
    }
    (pointers, unevaluated)
}

/// A jq path of names and indices (`.a.b[0]`) as a JSON pointer; None for anything else.
fn jq_path(expr: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = expr.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(r.len());
            let ident = &r[..end];
            if ident.is_empty() || ident.starts_with(|c: char| c.is_ascii_digit()) {
                return None;
            }
            out.push('/');
            out.push_str(ident);
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let (index, r) = r.split_once(']')?;
            if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            out.push('/');
            out.push_str(index);
            rest = r;
        } else {
            return None;
        }
    }
    Some(out)
}

/// Removes the value at a JSON pointer (RFC 6901), if there is one (a JSON patch `remove`
/// that fails is skipped, as the normalizer does).
fn remove_at(doc: &mut Value, pointer: &str) {
    let Some(path) = pointer.strip_prefix('/') else {
        return;
    };
    let keys: Vec<String> = path
        .split('/')
        .map(|k| k.replace("~1", "/").replace("~0", "~"))
        .collect();
    let Some((last, parents)) = keys.split_last() else {
        return;
    };
    let mut at = doc;
    for k in parents {
        at = match at {
            Value::Object(m) => match m.get_mut(k) {
                Some(v) => v,
                None => return,
            },
            Value::Array(a) => match k.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                Some(v) => v,
                None => return,
            },
            _ => return,
        };
    }
    match at {
        Value::Object(m) => {
            m.remove(last);
        }
        Value::Array(a) => {
            if let Some(i) = last.parse::<usize>().ok().filter(|i| *i < a.len()) {
                a.remove(i);
            }
        }
        _ => {}
    }
}

/// `CreateMergePatch`: the JSON merge patch turning `from` into `to` (objects diffed key by
/// key, a key `to` lacks set to null, anything else replaced whole).
fn merge_patch_between(from: &Value, to: &Value) -> Value {
    let (Value::Object(f), Value::Object(t)) = (from, to) else {
        return to.clone();
    };
    let mut patch = Map::new();
    for (k, tv) in t {
        match f.get(k) {
            Some(fv) if fv == tv => {}
            Some(fv) if fv.is_object() && tv.is_object() => {
                patch.insert(k.clone(), merge_patch_between(fv, tv));
            }
            _ => {
                patch.insert(k.clone(), tv.clone());
            }
        }
    }
    for k in f.keys() {
        if !t.contains_key(k) {
            patch.insert(k.clone(), Value::Null);
        }
    }
    Value::Object(patch)
}

/// The spec the taken-over Application runs: the `existing` one patched towards `generated`
/// with the fields at `pointers` left out of both sides (see the module). Without pointers,
/// the generated spec.
pub(super) fn effective(existing: &Value, generated: &Value, pointers: &[String]) -> Value {
    if pointers.is_empty() {
        return generated.clone();
    }
    let spec = |v: &Value| v.get("spec").cloned().unwrap_or(Value::Null);
    let (mut from, mut to) = (existing.clone(), generated.clone());
    for p in pointers {
        remove_at(&mut from, p);
        remove_at(&mut to, p);
    }
    let mut runs = spec(existing);
    super::appset::merge_patch(&mut runs, &merge_patch_between(&spec(&from), &spec(&to)));
    let mut out = generated.clone();
    if let Value::Object(m) = &mut out {
        m.insert("spec".into(), runs);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn jq_paths_of_names_and_indices_are_pointers() {
        assert_eq!(
            jq_path(".spec.source.helm.parameters").as_deref(),
            Some("/spec/source/helm/parameters")
        );
        assert_eq!(
            jq_path(".spec.sources[1].targetRevision").as_deref(),
            Some("/spec/sources/1/targetRevision")
        );
        for other in ["", ".", ".spec.sources[] | select(.ref)", ".a[\"b\"]", ".1"] {
            assert_eq!(jq_path(other), None, "{other}");
        }
    }

    #[test]
    fn ignored_fields_keep_the_existing_values() {
        let existing = json!({"metadata": {"name": "web"}, "spec": {"project": "a",
            "source": {"repoURL": "r", "path": "web", "targetRevision": "v1",
                       "helm": {"valueFiles": ["old.yaml"], "parameters": [{"name": "x", "value": "1"}]}}}});
        let generated = json!({"metadata": {"name": "web"}, "spec": {"project": "b",
            "source": {"repoURL": "r", "path": "web", "targetRevision": "main",
                       "helm": {"valueFiles": ["new.yaml"]}}}});
        let e = effective(
            &existing,
            &generated,
            &[
                "/spec/source/targetRevision".into(),
                "/spec/source/helm/parameters".into(),
            ],
        );
        assert_eq!(
            e["spec"],
            json!({"project": "b", "source": {"repoURL": "r", "path": "web", "targetRevision": "v1",
                "helm": {"valueFiles": ["new.yaml"], "parameters": [{"name": "x", "value": "1"}]}}})
        );
        // A parent the generated spec lacks is removed with what it holds.
        let bare = json!({"metadata": {"name": "web"}, "spec": {"project": "a",
            "source": {"repoURL": "r", "path": "web"}}});
        assert_eq!(
            effective(&existing, &bare, &["/spec/source/helm/parameters".into()])["spec"],
            json!({"project": "a", "source": {"repoURL": "r", "path": "web"}})
        );
        assert_eq!(effective(&existing, &generated, &[]), generated);
        let set = json!({"spec": {"ignoreApplicationDifferences": [
            {"jsonPointers": ["/spec/source/targetRevision"]},
            {"name": "other", "jsonPointers": ["/spec/project"]},
            {"name": "web", "jqPathExpressions": [".spec.source.helm.parameters", ".spec.sources[] | .helm"]}]}});
        assert_eq!(
            ignored_paths(&set, "web"),
            (
                vec![
                    "/spec/source/targetRevision".to_string(),
                    "/spec/source/helm/parameters".to_string()
                ],
                vec![(
                    "spec.ignoreApplicationDifferences[2].jqPathExpressions[1]".to_string(),
                    ".spec.sources[] | .helm".to_string()
                )]
            )
        );
    }
}
