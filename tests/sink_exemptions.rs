//! Findings built outside the resource model pass through the engine's one sink, so config
//! exemptions accept them: an Argo CD Application's `unresolved-source` (found during
//! discovery). (`values-schema`: tests/values_schema_sink.rs.)

mod support;

use support::{finding_lines, run_in, write_tree};

const APP: &str = "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: redis
  namespace: argocd
spec:
  project: team
  source:
    repoURL: https://charts.example.com
    chart: redis
    targetRevision: 1.2.3
  destination:
    server: https://kubernetes.default.svc
    namespace: cache
";

const RULES: &str = "rules:\n  required-labels: off\n  chart-source: off\n";

fn check(config: &str) -> (Option<i32>, Vec<String>) {
    let d = tempfile::tempdir().unwrap();
    write_tree(d.path(), &[("app.yaml", APP), ("chartgate.yaml", config)]);
    let r = run_in(d.path(), &["check", ".", "--format", "json"]);
    assert_eq!(r.stderr, "");
    (r.code, finding_lines(&r.stdout))
}

#[test]
fn unresolved_application_is_reported_without_exemption() {
    assert_eq!(
        check(RULES),
        (
            Some(0),
            vec![
                "unresolved-source warning - app.yaml:9 Application redis: repository https://charts.example.com has no local mapping; check it out and pass --repo https://charts.example.com=PATH (or `repos:` in chartgate.yaml)".to_string()
            ]
        )
    );
}

#[test]
fn config_exemption_accepts_an_unresolved_application() {
    let config = format!(
        "{RULES}exemptions:\n  - rule: unresolved-source\n    reason: \"redis is checked in its own repository\"\n"
    );
    // Accepted, and the exemption counts as used (no unused-exemption).
    assert_eq!(check(&config), (Some(0), Vec::new()));
}
