//! Helm's values coalescing and dependency processing (conditions, tags, aliases,
//! import-values), following the semantics of Helm's `pkg/chart/.../util` (coalesce.go,
//! dependencies.go). Written from the behaviour, not copied.
//!
//! Precedence: chart defaults < parent chart's section for the subchart < user values
//! (`-f` files in order, then `--set*`). A `null` from a higher-precedence source deletes the key.
//! `global` flows from parent to subcharts (the parent wins).

use std::sync::Arc;

use super::model::{Chart, Dependency, ImportValue};
use crate::model::value::{Map, Value};

/// Why the values of a render could not be prepared. `Display` prints Helm's message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValuesError {
    /// A values file: unreadable, too large, not UTF-8 or not YAML (at its file:line:col).
    #[error(transparent)]
    File(#[from] crate::model::InputError),
    /// A `--set`, `--set-string`, `--set-json` or `--set-file` argument (Helm's text).
    #[error("{0}")]
    Set(String),
    /// Dependencies in `Chart.yaml` that are missing from `charts/`.
    #[error("{}", .0.message)]
    MissingDependencies(super::load::ChartError),
    /// Processing dependencies (conditions, tags, aliases, import-values) or coalescing.
    #[error("{0}")]
    Coalesce(String),
    /// A `values.schema.json` that cannot be compiled, or values that do not meet it.
    #[error("{0}")]
    Schema(String),
}

/// The key holding values shared with every subchart.
pub const GLOBAL_KEY: &str = "global";

fn is_table(v: &Value) -> bool {
    matches!(v, Value::Map(_))
}

pub use crate::model::value::merge_maps;

/// Helm's `coalesceTablesFullKey`: fills `dst` (authoritative) from `src`. A `null` in `dst`
/// over a non-null `src` value deletes the key unless `merge` (then it is deleted later, when the
/// subchart's own values are coalesced); a `null` over nothing stays.
pub fn coalesce_tables(dst: &mut Map, src: &Map, merge: bool) {
    for (k, sv) in src {
        match dst.get_mut(k) {
            None => {
                dst.insert(k.clone(), sv.clone());
            }
            Some(dv) if dv.is_nil() => {
                if !merge && !sv.is_nil() {
                    dst.remove(k);
                }
            }
            Some(dv) => {
                // Go changes the nested map in place: every holder of it sees the change (see
                // `coalesce_globals`). The map is read, changed and written back whole through
                // its handle, so no lock is held while recursing.
                if let (Value::Map(sm), Value::Map(dm)) = (sv, dv) {
                    let from = sm.read();
                    let mut m = dm.read().as_ref().clone();
                    coalesce_tables(&mut m, &from, merge);
                    dm.update(|shared| *shared = m);
                }
                // Otherwise dst wins (Helm warns when a table meets a non-table).
            }
        }
    }
}

/// Helm's `cleanNilValues`: removes `null`s recursively.
fn clean_nil_values(m: &mut Map) {
    m.retain(|_, v| !v.is_nil());
    for v in m.values_mut() {
        if let Value::Map(sub) = v {
            clean_nil_values(sub.make_mut());
        }
    }
}

/// Helm's `coalesceValues`: fills `v` from the chart's own defaults.
/// A copy of `m` sharing no map with it (Go's `copystructure.Copy`): coalescing writes into
/// nested maps through shared handles (see [`coalesce_tables`]), which must never reach
/// a loaded chart's values or a values file parsed once for every render.
fn deep_copy(m: &Map) -> Map {
    Value::map(m.clone())
        .deep_copy()
        .into_map()
        .unwrap_or_default()
}

fn coalesce_chart_values(chart: &Chart, v: &mut Map, merge: bool) {
    // Helm's coalesceValues works on `copystructure.Copy(c.Values)`.
    let values = deep_copy(&chart.values);
    for (key, val) in &values {
        match v.get_mut(key) {
            Some(cur) if cur.is_nil() && !merge => {
                v.remove(key);
            }
            Some(Value::Map(dest)) => {
                if let Value::Map(src) = val {
                    let child_merge = merge || chart.dependencies.iter().any(|d| d.name() == key);
                    let mut src = src.read().as_ref().clone();
                    if !child_merge {
                        clean_nil_values(&mut src);
                    }
                    let mut m = dest.read().as_ref().clone();
                    coalesce_tables(&mut m, &src, child_merge);
                    dest.update(|shared| *shared = m);
                }
            }
            Some(_) => {}
            None => {
                let mut val = val.clone();
                if !merge {
                    if val.is_nil() {
                        continue;
                    }
                    if let Value::Map(sub) = &mut val {
                        clean_nil_values(sub.make_mut());
                    }
                }
                v.insert(key.clone(), val);
            }
        }
    }
}

/// Helm's `coalesceGlobals`: merges `src`'s globals into `dest`'s (the parent's win).
fn coalesce_globals(dest: &mut Map, src: &Map) {
    let mut dg = match dest.get(GLOBAL_KEY) {
        None => Map::new(),
        Some(Value::Map(m)) => m.read().as_ref().clone(),
        Some(_) => return,
    };
    let sg = match src.get(GLOBAL_KEY) {
        None => Map::new(),
        Some(Value::Map(m)) => m.read().as_ref().clone(),
        Some(_) => return,
    };
    for (key, val) in &sg {
        if let Value::Map(vm) = val {
            // Go's `copyMap` copies only this map: the maps nested in it stay the parent's, and
            // coalescing the subchart's globals into them (here, or when the subchart's own
            // values are coalesced) writes into them, so globals nested two levels deep in a
            // subchart show in the parent's `.Values.global` too (Helm's behaviour).
            let mut vv = vm.read().as_ref().clone();
            match dg.get(key) {
                None => {
                    dg.insert(key.clone(), Value::map(vv));
                }
                Some(Value::Map(destv)) => {
                    // Parent's table wins over the subchart's, merged top-down.
                    coalesce_tables(&mut vv, &destv.read(), true);
                    dg.insert(key.clone(), Value::map(vv));
                }
                Some(_) => {}
            }
        } else if dg.get(key).is_some_and(is_table) {
            // a table is not replaced by a scalar
        } else {
            dg.insert(key.clone(), val.clone());
        }
    }
    dest.insert(GLOBAL_KEY.into(), Value::map(dg));
}

/// Helm's `coalesce`: the chart's defaults and then its dependencies' into `dest`.
fn coalesce(chart: &Chart, dest: &mut Map, merge: bool) -> Result<(), ValuesError> {
    coalesce_chart_values(chart, dest, merge);
    for sub in &chart.dependencies {
        let name = sub.name().to_string();
        let mut dv = match dest.remove(&name) {
            None => Map::new(),
            Some(v @ Value::Map(_)) => v.into_map().unwrap_or_default(),
            Some(other) => {
                return Err(ValuesError::Coalesce(format!(
                    "type mismatch on {name}: {}",
                    go_type_desc(&other)
                )));
            }
        };
        coalesce_globals(&mut dv, dest);
        coalesce(sub, &mut dv, merge)?;
        dest.insert(name, Value::map(dv));
    }
    Ok(())
}

fn go_type_desc(v: &Value) -> &'static str {
    match v {
        Value::Bool(..) => "%!t(bool)",
        Value::Str(_) => "%!t(string)",
        Value::List(_) => "%!t([]interface {})",
        _ => "%!t(float64)",
    }
}

/// Helm's `CoalesceValues`: user values over chart defaults (and subcharts'), nulls removed.
pub fn coalesce_values(chart: &Chart, user: &Map) -> Result<Map, ValuesError> {
    // Helm's CoalesceValues works on `copystructure.Copy(vals)`.
    let mut dest = deep_copy(user);
    coalesce(chart, &mut dest, false)?;
    Ok(dest)
}

/// Helm's `MergeValues`: like [`coalesce_values`] but nulls are kept.
pub fn merge_values(chart: &Chart, user: &Map) -> Result<Map, ValuesError> {
    let mut dest = deep_copy(user);
    coalesce(chart, &mut dest, true)?;
    Ok(dest)
}

/// Helm's `Values.Table`: the map at a dotted path.
pub fn table(v: &Map, path: &str) -> Option<Arc<Map>> {
    let mut cur: Option<Arc<Map>> = None;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let next = cur.as_deref().unwrap_or(v).get(part)?.as_map()?;
        cur = Some(next);
    }
    Some(cur.unwrap_or_else(|| Arc::new(v.clone())))
}

/// Helm's `Values.PathValue`: a non-table value at a dotted path.
pub fn path_value(v: &Map, path: &str) -> Option<Value> {
    let found = match path.rsplit_once('.') {
        Some((p, k)) => table(v, p)?.get(k).cloned(),
        None => v.get(path).cloned(),
    };
    found.filter(|x| !is_table(x))
}

use crate::gocompat::semver::is_compatible_range;

/// Applies aliases, then `tags` and `condition` against the coalesced values, removing disabled
/// dependencies, recursively (Helm's `processDependencyEnabled`). `all` is the top-level
/// coalesced-so-far user values; `path` the dotted prefix of this chart in them.
fn process_enabled(chart: &mut Chart, user: &Map, path: &str) -> Result<(), ValuesError> {
    if chart.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let existing = std::mem::take(&mut chart.dependencies);
    let mut deps: Vec<Chart> = Vec::new();
    // Charts in charts/ not listed in Chart.yaml (by name and compatible version) are kept as is.
    for c in &existing {
        let listed =
            chart.metadata.dependencies.iter().any(|r| {
                r.name == c.name() && is_compatible_range(&r.version, &c.metadata.version)
            });
        if !listed {
            deps.push(c.clone());
        }
    }
    for r in chart.metadata.dependencies.iter_mut() {
        if let Some(c) = existing
            .iter()
            .find(|c| c.name() == r.name && is_compatible_range(&r.version, &c.metadata.version))
        {
            let mut c = c.clone();
            if !r.alias.is_empty() {
                c.metadata.name = r.alias.clone();
            }
            deps.push(c);
        }
        if !r.alias.is_empty() {
            r.name = r.alias.clone();
        }
        r.enabled = true;
    }
    chart.dependencies = deps;
    let cvals = coalesce_values(chart, user)?;
    process_tags(&mut chart.metadata.dependencies, &cvals);
    process_conditions(&mut chart.metadata.dependencies, &cvals, path);
    let disabled: Vec<String> = chart
        .metadata
        .dependencies
        .iter()
        .filter(|r| !r.enabled)
        .map(|r| r.name.clone())
        .collect();
    chart
        .dependencies
        .retain(|c| !disabled.contains(&c.metadata.name));
    chart.metadata.dependencies.retain(|r| r.enabled);
    for sub in chart.dependencies.iter_mut() {
        let subpath = format!("{path}{}.", sub.metadata.name);
        process_enabled(sub, &cvals, &subpath)?;
    }
    Ok(())
}

fn process_tags(reqs: &mut [Dependency], cvals: &Map) {
    let Some(tags) = table(cvals, "tags") else {
        return;
    };
    for r in reqs {
        let (mut has_true, mut has_false) = (false, false);
        for t in &r.tags {
            if let Some(Value::Bool(b, _)) = tags.get(t) {
                if *b {
                    has_true = true;
                } else {
                    has_false = true;
                }
            }
        }
        r.enabled = has_true || !has_false;
    }
}

fn process_conditions(reqs: &mut [Dependency], cvals: &Map, path: &str) {
    for r in reqs {
        for c in r.condition.trim().split(',') {
            if c.is_empty() {
                continue;
            }
            if let Some(Value::Bool(b, _)) = path_value(cvals, &format!("{path}{c}")) {
                r.enabled = b;
                break;
            }
        }
    }
}

/// Builds `{a: {b: data}}` from `a.b` (Helm's `pathToMap`; `.` is the root).
fn path_to_map(path: &str, data: Map) -> Map {
    if path == "." {
        return data;
    }
    let mut parts: Vec<&str> = path.split('.').filter(|p| !p.is_empty()).collect();
    let mut cur = data;
    while let Some(last) = parts.pop() {
        let mut m = Map::new();
        m.insert(last.to_string(), Value::map(cur));
        cur = m;
    }
    cur
}

/// Helm's `processImportValues` (merge mode, as `helm template` uses): copies the listed
/// child values into the parent, below the parent's own values. Children first.
fn process_import_values(chart: &mut Chart) -> Result<(), ValuesError> {
    for d in chart.dependencies.iter_mut() {
        process_import_values(d)?;
    }
    if chart.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let cvals = merge_values(chart, &Map::new())?;
    let mut b = Map::new();
    for r in chart.metadata.dependencies.iter_mut() {
        let mut out = Vec::new();
        for iv in &r.import_values {
            match iv {
                ImportValue::Map { child, parent } => {
                    out.push(ImportValue::Map {
                        child: child.clone(),
                        parent: parent.clone(),
                    });
                    if let Some(vv) = table(&cvals, &format!("{}.{child}", r.name)) {
                        merge_into_lower(&mut b, path_to_map(parent, vv.as_ref().clone()));
                    }
                }
                ImportValue::Exports(name) => {
                    let child = format!("exports.{name}");
                    out.push(ImportValue::Map {
                        child: child.clone(),
                        parent: ".".into(),
                    });
                    if let Some(vm) = table(&cvals, &format!("{}.{child}", r.name)) {
                        merge_into_lower(&mut b, vm.as_ref().clone());
                    }
                }
            }
        }
        r.import_values = out;
    }
    // The parent's values win over imported ones.
    let mut vals = cvals;
    coalesce_tables(&mut vals, &b, true);
    chart.values = vals;
    Ok(())
}

/// Helm's `MergeTables(dst, src)` where `dst` wins: fills `dst` with keys from `src`.
fn merge_into_lower(dst: &mut Map, src: Map) {
    coalesce_tables(dst, &src, true);
}

/// Processes dependencies for rendering (Helm's `ProcessDependenciesWithMerge`): aliases,
/// conditions and tags against `user` values, then import-values.
pub fn process_dependencies(chart: &mut Chart, user: &Map) -> Result<(), ValuesError> {
    process_enabled(chart, user, "")?;
    process_import_values(chart)
}

/// A YAML number as text for string fields (`version: 1.0` → `1`), like Go's `%v` of a float
/// for ordinary magnitudes.
pub fn format_number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::chart::strvals::{ValueKind, parse};

    fn m(s: &str) -> Map {
        parse(s, &ValueKind::Typed).unwrap_or_default()
    }

    fn show(v: &Value) -> String {
        match v {
            Value::Nil => "nil".into(),
            Value::Bool(b, _) => format!("{b}"),
            Value::Int(i, _, _) => format!("{i}"),
            Value::Float(f, _) => format!("{f}"),
            Value::Str(t) => t.as_str().to_string(),
            Value::List(l) => format!("[{}]", l.iter().map(show).collect::<Vec<_>>().join(" ")),
            Value::Map(m) => {
                format!(
                    "{{{}}}",
                    m.read()
                        .iter()
                        .map(|(k, v)| format!("{k}:{}", show(v)))
                        .collect::<Vec<_>>()
                        .join(" ")
                )
            }
            Value::Object(o) => o.type_name().into(),
        }
    }
    fn sm(m: &Map) -> String {
        show(&Value::map(m.clone()))
    }

    fn chart(name: &str, values: Map, deps: Vec<Chart>) -> Chart {
        let mut c = Chart::default();
        c.metadata.name = name.into();
        c.metadata.version = "1.0.0".into();
        c.values = values;
        c.dependencies = deps;
        c
    }

    #[test]
    fn user_values_override_and_null_deletes() {
        let c = chart("top", m("a=1,b.c=2,b.d=3,e=x"), vec![]);
        let out = coalesce_values(&c, &m("a=9,b.d=null,e=null"));
        assert_eq!(out.as_ref().map(sm).as_deref(), Ok("{a:9 b:{c:2}}"));
    }

    #[test]
    fn subchart_values_and_globals() {
        let sub = chart("sub", m("x=1,global.g=sub,global.s=only"), vec![]);
        let c = chart("top", m("sub.x=2,global.g=top"), vec![sub]);
        let out = coalesce_values(&c, &m("sub.y=3"));
        assert_eq!(
            out.as_ref().map(sm).as_deref(),
            Ok("{global:{g:top} sub:{global:{g:top s:only} x:2 y:3}}")
        );
    }

    #[test]
    fn conditions_tags_alias_and_imports() {
        let mut sub = chart("sub", m("enabled=true,exports.data.k=v,child.a=1"), vec![]);
        sub.metadata.version = "1.2.3".into();
        let other = chart("other", Map::new(), vec![]);
        let mut c = chart("top", m("sub.enabled=false,tags.t=false"), vec![sub, other]);
        c.metadata.dependencies = vec![
            Dependency {
                name: "sub".into(),
                version: "1.x.x".into(),
                alias: "al".into(),
                condition: "al.missing,al.enabled".into(),
                import_values: vec![
                    ImportValue::Exports("data".into()),
                    ImportValue::Map {
                        child: "child".into(),
                        parent: "p.q".into(),
                    },
                ],
                ..Default::default()
            },
            Dependency {
                name: "other".into(),
                version: ">=1.0.0".into(),
                tags: vec!["t".into()],
                ..Default::default()
            },
        ];
        let mut c2 = c.clone();
        assert_eq!(process_dependencies(&mut c, &Map::new()), Ok(()));
        assert_eq!(
            c.dependencies.iter().map(|d| d.name()).collect::<Vec<_>>(),
            vec!["al"]
        );
        assert_eq!(
            sm(&c.values),
            "{al:{child:{a:1} enabled:true exports:{data:{k:v}} global:{}} k:v p:{q:{a:1}} sub:{enabled:false} tags:{t:false}}"
        );
        assert_eq!(
            process_dependencies(&mut c2, &m("al.enabled=false,tags.t=true")),
            Ok(())
        );
        assert_eq!(
            c2.dependencies.iter().map(|d| d.name()).collect::<Vec<_>>(),
            vec!["other"]
        );
    }
}
