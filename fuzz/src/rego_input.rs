//! Rego input building: arbitrary manifest text read like rendered output (positions kept),
//! each document turned into the JSON input conftest policies see, then evaluated by the
//! bundled platform policies (regorus value conversion included).
use chartgate::analyze::rego::{PolicySet, RegoInput, RegoOptions};
use chartgate::yaml::{Limits, parse_manifests};
use std::sync::OnceLock;

fn policies() -> Option<&'static PolicySet> {
    static SET: OnceLock<Option<PolicySet>> = OnceLock::new();
    SET.get_or_init(|| {
        PolicySet::load(PolicySet::bundled(), Vec::new(), RegoOptions::default()).ok()
    })
    .as_ref()
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let limits = Limits {
        max_alias_expansions: 10_000,
        ..Limits::default()
    };
    let Ok(docs) = parse_manifests(src, &limits) else {
        return;
    };
    let inputs: Vec<RegoInput> = docs
        .iter()
        .map(|d| RegoInput {
            path: d.source.clone().unwrap_or_else(|| "manifest.yaml".into()),
            doc: d.root.to_json(),
        })
        .collect();
    let Some(set) = policies() else { return };
    let ctx =
        serde_json::json!({"environment": "dev", "cluster": "dev-eks", "namespace": "team-a"});
    // The thread's kept worker, as `chartgate check` evaluates: a fresh clone of the engine per
    // input re-ran regorus' whole-module preparation (scheduler, loop hoisting) every time.
    let _ = set.eval_on_thread(&inputs, &ctx);
}
