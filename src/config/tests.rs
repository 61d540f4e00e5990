use super::*;

fn load(text: &str) -> Result<Config, ConfigError> {
    load_str(text, Path::new("/repo/svc/chartgate.yaml"))
}
fn err(text: &str) -> String {
    load(text).unwrap_err().to_string()
}

const FULL: &str = "\
registries:
  - registry.example.com/*
hosts: ['*.example.com']
singletons: [cron-*]
environments:
  prod:
    cluster: prod-eu
    namespace: shop
    namespaces: [shop, shop-jobs]
    pin-digests: yes
    min-replicas: 2
    values: [values.yaml, values-prod.yaml]
    rules:
      image-tag: error
  dev: {}
rules:
  image-tag: warning
  resources-declared: off
  host-allowed: {severity: info, allow-aliases: true}
policies: [policies, /abs/p.rego]
values-schema: ../schemas/service.json
chart: ../charts/service
exemptions:
  - rule: singleton-replicas
    resource: Deployment/legacy-*
    environment: dev
    reason: migration until Q1
    expires: 2027-01-31
";

#[test]
fn loads_every_key() {
    let c = load(FULL).unwrap();
    assert_eq!(
        c.path.as_deref(),
        Some(Path::new("/repo/svc/chartgate.yaml"))
    );
    assert_eq!(c.registries, vec!["registry.example.com/*"]);
    assert_eq!(c.hosts, vec!["*.example.com"]);
    assert_eq!(c.singletons, vec!["cron-*"]);
    let prod = &c.environments["prod"];
    assert_eq!(prod.cluster.as_deref(), Some("prod-eu"));
    assert_eq!(prod.namespace.as_deref(), Some("shop"));
    assert_eq!(prod.namespaces, vec!["shop", "shop-jobs"]);
    assert!(prod.pin_digests);
    assert_eq!(prod.min_replicas, Some(2));
    assert_eq!(prod.values, vec!["values.yaml", "values-prod.yaml"]);
    let dev = &c.environments["dev"];
    assert_eq!(
        dev.origin
            .as_ref()
            .map(|o| (o.file.as_path(), o.line, o.column)),
        Some((Path::new("/repo/svc/chartgate.yaml"), 15, 3))
    );
    assert_eq!(
        Environment {
            origin: None,
            ..dev.clone()
        },
        Environment::default()
    );
    assert_eq!(
        c.rules["image-tag"].level,
        Some(Level::On(Severity::Warning))
    );
    // A bare `off` is the boolean false in YAML 1.1: still "off".
    assert_eq!(c.rules["resources-declared"].level, Some(Level::Off));
    assert_eq!(
        c.rules["host-allowed"].level,
        Some(Level::On(Severity::Info))
    );
    assert_eq!(
        c.rules["host-allowed"].options["allow-aliases"],
        serde_json::json!(true)
    );
    assert_eq!(
        c.policies,
        vec![
            PathBuf::from("/repo/svc/policies"),
            PathBuf::from("/abs/p.rego")
        ]
    );
    assert_eq!(
        c.values_schema,
        vec![PathBuf::from("/repo/svc/../schemas/service.json")]
    );
    assert_eq!(c.chart, Some(PathBuf::from("/repo/svc/../charts/service")));
    let ex = &c.exemptions[0];
    assert_eq!(ex.rule, "singleton-replicas");
    assert_eq!(ex.resource, "Deployment/legacy-*");
    assert_eq!(ex.environment.as_deref(), Some("dev"));
    assert_eq!(ex.reason, "migration until Q1");
    assert_eq!(ex.expires, chrono::NaiveDate::from_ymd_opt(2027, 1, 31));
    assert_eq!(
        ex.location,
        Location {
            file: "/repo/svc/chartgate.yaml".into(),
            line: 24,
            column: 5
        }
    );

    assert_eq!(
        c.rule_setting("image-tag", Some("prod")).level,
        Some(Level::On(Severity::Error))
    );
    assert_eq!(
        c.rule_setting("image-tag", Some("dev")).level,
        Some(Level::On(Severity::Warning))
    );
    assert_eq!(
        c.rule_setting("image-tag", None).level,
        Some(Level::On(Severity::Warning))
    );
    assert_eq!(
        c.rule_setting("unknown", Some("prod")),
        RuleSetting::default()
    );
}

#[test]
fn empty_file_gives_defaults() {
    let c = load("# nothing\n").unwrap();
    assert_eq!(c.registries, vec!["354918371398.dkr.ecr.*.amazonaws.com/*"]);
    assert_eq!(c.hosts, vec!["*.{cluster}.idp.jppol.dk"]);
    assert!(c.environments.is_empty());
}

#[test]
fn schema_errors_point_at_the_line() {
    assert_eq!(
        err("hosts: []\nregistry: [x]\n"),
        "/repo/svc/chartgate.yaml:2:1: unknown key `registry`"
    );
    assert_eq!(
        err("environments:\n  prod:\n    pin-digest: true\n"),
        "/repo/svc/chartgate.yaml:3:5: environments.prod: unknown key `pin-digest`"
    );
    assert_eq!(
        err("environments:\n  prod:\n    min-replicas: two\n"),
        "/repo/svc/chartgate.yaml:3:19: environments.prod.min-replicas: \"two\" is not of type \"integer\""
    );
    assert_eq!(
        err("rules:\n  image-tag: fatal\n"),
        "/repo/svc/chartgate.yaml:2:14: rules.image-tag: unknown severity `fatal` (expected error, warning, info or off)"
    );
    assert_eq!(
        err("rules:\n  image-tag: {severity: loud}\n"),
        "/repo/svc/chartgate.yaml:2:25: rules.image-tag.severity: unknown severity `loud` (expected error, warning, info or off)"
    );
    assert_eq!(
        err("exemptions:\n  - resource: x\n    reason: r\n"),
        "/repo/svc/chartgate.yaml:2:5: exemptions.0: \"rule\" is a required property"
    );
    assert_eq!(
        err("- a\n"),
        "/repo/svc/chartgate.yaml:1:1: [\"a\"] is not of types \"null\", \"object\""
    );
    assert_eq!(
        err("a: [\n"),
        "/repo/svc/chartgate.yaml:2:1: while parsing a node, did not find expected node content"
    );
}

#[test]
fn semantic_errors() {
    assert_eq!(
        err("exemptions:\n  - rule: x\n    resource: res\n"),
        "/repo/svc/chartgate.yaml:2:5: exemption for rule `x` needs a reason"
    );
    assert_eq!(
        err("exemptions:\n  - rule: x\n    resource: res\n    reason: '  '\n"),
        "/repo/svc/chartgate.yaml:4:13: exemption for rule `x` needs a reason"
    );
    assert_eq!(
        err(
            "exemptions:\n  - rule: x\n    resource: res\n    reason: r\n    expires: 2026-02-30\n"
        ),
        "/repo/svc/chartgate.yaml:5:14: exemption `expires` must be a date YYYY-MM-DD, got `2026-02-30`"
    );
}

#[test]
fn invalid_globs() {
    assert_eq!(
        err("singletons: [ok, 'a[']\n"),
        "/repo/svc/chartgate.yaml:1:18: invalid glob `a[`: unclosed character class; missing ']'"
    );
    assert_eq!(
        err("exemptions:\n  - rule: x\n    resource: '{a'\n    reason: r\n"),
        "/repo/svc/chartgate.yaml:3:15: invalid glob `{a`: unclosed alternate group; missing '}' (maybe escape '{' with '[{]'?)"
    );
}

#[test]
fn merge_nearest_wins_lists_add() {
    let root = load_str(
        "registries: [a/*]\nsingletons: [s1]\nenvironments:\n  prod: {cluster: p, pin-digests: true, min-replicas: 2}\nrules:\n  r1: {severity: warning, x: 1, z: 1}\n  r2: error\npolicies: [pol]\nexemptions:\n  - {rule: r1, resource: a, reason: because}\n",
        Path::new("/repo/chartgate.yaml"),
    )
    .unwrap();
    let child = load_str(
        "singletons: [s2, s1]\nenvironments:\n  prod: {pin-digests: false, values: [v.yaml]}\n  dev: {cluster: d}\nrules:\n  r1: {z: 2}\npolicies: [pol]\nexemptions:\n  - {rule: r2, resource: b, reason: because}\n",
        Path::new("/repo/svc/chartgate.yaml"),
    )
    .unwrap();
    let m = merge(root, child);
    assert_eq!(
        m.path.as_deref(),
        Some(Path::new("/repo/svc/chartgate.yaml"))
    );
    // The root set registries; the child did not, so its defaults do not add to them.
    assert_eq!(m.registries, vec!["a/*"]);
    assert_eq!(m.hosts, vec!["*.{cluster}.idp.jppol.dk"]);
    assert_eq!(m.singletons, vec!["s1", "s2"]);
    let prod = &m.environments["prod"];
    assert_eq!(prod.cluster.as_deref(), Some("p"));
    assert!(!prod.pin_digests);
    assert_eq!(prod.min_replicas, Some(2));
    assert_eq!(prod.values, vec!["v.yaml"]);
    assert_eq!(m.environments["dev"].cluster.as_deref(), Some("d"));
    let r1 = &m.rules["r1"];
    assert_eq!(r1.level, Some(Level::On(Severity::Warning)));
    assert_eq!(
        serde_json::Value::Object(r1.options.clone()),
        serde_json::json!({"x": 1, "z": 2})
    );
    assert_eq!(m.rules["r2"].level, Some(Level::On(Severity::Error)));
    assert_eq!(
        m.policies,
        vec![PathBuf::from("/repo/pol"), PathBuf::from("/repo/svc/pol")]
    );
    assert_eq!(
        m.exemptions
            .iter()
            .map(|e| e.rule.as_str())
            .collect::<Vec<_>>(),
        vec!["r1", "r2"]
    );
}

#[test]
fn find_for_walks_up_to_the_repo_root() {
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("repo");
    let svc = repo.join("services/web");
    std::fs::create_dir_all(&svc).unwrap();
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    // Above the repository root: never read.
    std::fs::write(t.path().join("chartgate.yaml"), "registries: [outside/*]\n").unwrap();
    std::fs::write(
        repo.join("chartgate.yaml"),
        "registries: [root/*]\nhosts: [h]\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("services/.chartgate.yaml"),
        "registries: [mid/*]\n",
    )
    .unwrap();
    std::fs::write(svc.join("chartgate.yaml"), "chart: ../../charts/web\n").unwrap();
    std::fs::write(svc.join("values.yaml"), "a: 1\n").unwrap();
    let c = find_for(&svc.join("values.yaml")).unwrap();
    assert_eq!(c.registries, vec!["root/*", "mid/*"]);
    assert_eq!(c.hosts, vec!["h"]);
    // Confined to the repository, kept as written relative to the config.
    assert_eq!(c.chart, Some(svc.join("../../charts/web")));
    assert_eq!(c.path, Some(svc.join("chartgate.yaml")));

    let empty = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(empty.path().join(".git")).unwrap();
    assert_eq!(find_for(empty.path()).unwrap(), Config::default());

    std::fs::write(svc.join("chartgate.yaml"), "chart: [\n").unwrap();
    let e = find_for(&svc).unwrap_err();
    assert_eq!(e.file, svc.join("chartgate.yaml"));
    assert_eq!((e.line, e.column), (2, 1));
}

#[test]
fn unreadable_file() {
    let e = load_file(Path::new("/nonexistent/chartgate.yaml")).unwrap_err();
    assert_eq!(e.line, 0);
    assert!(
        e.to_string()
            .starts_with("/nonexistent/chartgate.yaml: cannot read config: ")
    );
}
