//! Rego input building: arbitrary manifest text read like rendered output (positions kept),
//! each document turned into the JSON input conftest policies see, then evaluated by the
//! bundled platform policies (regorus value conversion included).
use chartgate::analyze::model::resources_of;
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
    // The resources `chartgate check` gives the policies: mapping documents and the items of
    // `*List` kinds (a scalar document is not evaluated; it cost as much as a Deployment).
    let inputs: Vec<RegoInput> = docs
        .iter()
        .enumerate()
        .flat_map(|(i, d)| resources_of("manifest.yaml", i, d))
        .map(|r| RegoInput {
            path: r.file.to_string(),
            doc: r.node.to_json(),
        })
        .collect();
    let Some(set) = policies() else { return };
    let ctx =
        serde_json::json!({"environment": "dev", "cluster": "dev-eks", "namespace": "team-a"});
    // The thread's kept worker, as `chartgate check` evaluates: a fresh clone of the engine per
    // input re-ran regorus' whole-module preparation (scheduler, loop hoisting) every time.
    let _ = set.eval_on_thread(&inputs, &ctx);
}
