//! Values coalescing: the input holds up to three YAML documents separated by `\n---\n`:
//! the parent chart's `values.yaml`, a subchart's `values.yaml` and the user's values. They go
//! through Helm's pipeline (`prepare_values`: conditions, tags, aliases, import-values,
//! globals, coalescing, null removal) and through plain `merge_maps`.
use chartgate::model::value::Map;
use chartgate::render::chart::release::{parse_values_text, prepare_values};
use chartgate::render::chart::values::{coalesce_values, merge_maps, merge_values};
use chartgate::render::chart::{Chart, Dependency, ImportValue, Metadata, Sources};

fn chart(name: &str, values: Map, deps: Vec<Dependency>, subs: Vec<Chart>) -> Chart {
    Chart {
        metadata: Metadata {
            api_version: "v2".into(),
            name: name.into(),
            version: "1.0.0".into(),
            dependencies: deps,
            ..Default::default()
        },
        values,
        dependencies: subs,
        ..Default::default()
    }
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = src.splitn(3, "\n---\n");
    let mut sources = Sources::default();
    let mut next = |name: &str| -> Option<Map> {
        parse_values_text(parts.next().unwrap_or(""), name, &mut sources).ok()
    };
    let (Some(parent), Some(sub), Some(user)) = (next("p"), next("s"), next("u")) else {
        return;
    };
    let deps = vec![
        Dependency {
            name: "sub".into(),
            version: "1.0.0".into(),
            condition: "sub.enabled,global.sub".into(),
            tags: vec!["backend".into()],
            import_values: vec![
                ImportValue::Exports("data".into()),
                ImportValue::Map {
                    child: "exported".into(),
                    parent: "imported.here".into(),
                },
            ],
            enabled: true,
            ..Default::default()
        },
        Dependency {
            name: "sub".into(),
            version: "1.0.0".into(),
            alias: "other".into(),
            enabled: true,
            ..Default::default()
        },
    ];
    let top = chart(
        "parent",
        parent.clone(),
        deps,
        vec![chart("sub", sub.clone(), Vec::new(), Vec::new())],
    );
    let _ = prepare_values(&top, &user);
    let _ = coalesce_values(&top, &user);
    let _ = merge_values(&top, &user);
    let mut m = parent;
    merge_maps(&mut m, &sub);
    merge_maps(&mut m, &user);
}
