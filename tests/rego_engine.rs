//! Rego engine: conftest conventions, metadata, exceptions, combine, context and error paths.

use chartgate::analyze::rego::{
    PolicySet, PolicySource, RegoError, RegoFinding, RegoInput, RegoOptions,
};
use chartgate::model::Severity;
use serde_json::{Value, json};

fn src(path: &str) -> PolicySource {
    let full = format!("{}/fixtures/policies/{path}", env!("CARGO_MANIFEST_DIR"));
    PolicySource {
        path: format!("fixtures/policies/{path}"),
        text: std::fs::read_to_string(full).expect("fixture"),
    }
}

fn inline(path: &str, text: &str) -> PolicySource {
    PolicySource {
        path: path.to_string(),
        text: text.to_string(),
    }
}

fn input(path: &str, doc: Value) -> RegoInput {
    RegoInput {
        path: path.to_string(),
        doc,
    }
}

fn eval(set: &PolicySet, inputs: &[RegoInput], ctx: Value) -> Result<Vec<RegoFinding>, RegoError> {
    let mut w = set.worker();
    set.eval(&mut w, inputs, &ctx)
}

fn f(
    rule: &str,
    sev: Severity,
    msg: &str,
    input: Option<usize>,
    path: Option<&str>,
) -> RegoFinding {
    RegoFinding {
        rule: rule.into(),
        severity: sev,
        message: msg.into(),
        input,
        path: path.map(str::to_string),
    }
}

fn deployment(name: &str, image: &str, app_label: bool) -> Value {
    let mut d = json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"selector": {"matchLabels": {}}, "template": {"spec": {"containers": [
            {"name": "web", "image": "354918371398.dkr.ecr.eu-west-1.amazonaws.com/web:1"},
            {"name": "side", "image": image}
        ]}}}
    });
    if app_label {
        d["spec"]["selector"]["matchLabels"]["app"] = json!(name);
    }
    d
}

#[test]
fn conftest_v0_policy_exact_findings() {
    let set = PolicySet::load(
        vec![src("v0/deployment.rego")],
        vec![],
        RegoOptions::default(),
    )
    .expect("load");
    let inputs = vec![
        input("a.yaml", deployment("web", "nginx:latest", false)),
        input(
            "b.yaml",
            json!({"kind": "Service", "metadata": {"name": "svc"}, "spec": {"type": "NodePort"}}),
        ),
        input("c.yaml", deployment("legacy", "nginx:1", false)),
    ];
    let got = eval(&set, &inputs, json!({})).expect("eval");
    assert_eq!(
        got,
        vec![
            f(
                "main.deny",
                Severity::Error,
                "Containers must not run as root",
                Some(0),
                None
            ),
            f(
                "main.deny_no_selector",
                Severity::Error,
                "Containers must provide app label for pod selectors",
                Some(0),
                None
            ),
            f(
                "main.violation",
                Severity::Error,
                "image nginx:latest uses the latest tag",
                Some(0),
                Some("spec.template.spec.containers[1].image")
            ),
            f(
                "main.warn",
                Severity::Warning,
                "Service svc uses NodePort",
                Some(1),
                None
            ),
            // `legacy` is excepted from no_selector only.
            f(
                "main.deny",
                Severity::Error,
                "Containers must not run as root",
                Some(2),
                None
            ),
        ]
    );
}

#[test]
fn conftest_v1_policy_metadata_mapping() {
    let set = PolicySet::load(
        vec![src("v1/images.rego"), src("v1/other_namespace.rego")],
        vec![],
        RegoOptions::default(),
    )
    .expect("load");
    let mut d = deployment("web", "docker.io/nginx:1", true);
    d["spec"]["template"]["spec"]["containers"][0]["resources"] = json!({});
    let got = eval(&set, &[input("a.yaml", d)], json!({})).expect("eval");
    assert_eq!(
        got,
        vec![
            f(
                "team-ecr-only",
                Severity::Error,
                "container side pulls docker.io/nginx:1 from outside the shared ECR",
                Some(0),
                None
            ),
            // Package-level METADATA severity applies to rules without their own.
            f(
                "main.warn",
                Severity::Warning,
                "no resources declared",
                Some(0),
                Some("spec.template.spec.containers")
            ),
        ]
    );
    let docs = set.rules();
    let ids: Vec<_> = docs
        .iter()
        .map(|d| (d.id.as_str(), d.severity, d.title.as_str(), d.line))
        .collect();
    assert_eq!(
        ids,
        vec![
            (
                "main.violation_sidecars",
                Severity::Warning,
                "Sidecars counted",
                28
            ),
            ("main.warn", Severity::Warning, "Image policies", 21),
            (
                "team-ecr-only",
                Severity::Error,
                "Images must come from the shared ECR",
                15
            ),
        ]
    );
    assert_eq!(
        docs[2].description,
        "Pulling from elsewhere bypasses scanning."
    );
    assert_eq!(docs[2].file, "fixtures/policies/v1/images.rego");
}

#[test]
fn namespaces_select_packages() {
    let sources = || vec![src("v1/images.rego"), src("v1/other_namespace.rego")];
    let cm = || {
        vec![input(
            "cm.yaml",
            json!({"kind": "ConfigMap", "metadata": {"name": "c"}}),
        )]
    };
    let only_extra = RegoOptions {
        namespaces: vec!["team.extra".into()],
        ..RegoOptions::default()
    };
    let set = PolicySet::load(sources(), vec![], only_extra).expect("load");
    assert_eq!(
        eval(&set, &cm(), json!({})).expect("eval"),
        vec![f(
            "team.extra.deny",
            Severity::Error,
            "extra namespace rule fired",
            Some(0),
            None
        )]
    );
    let set = PolicySet::load(sources(), vec![], RegoOptions::default()).expect("load");
    assert_eq!(eval(&set, &cm(), json!({})).expect("eval"), vec![]);
    let all = RegoOptions {
        all_namespaces: true,
        ..RegoOptions::default()
    };
    let set = PolicySet::load(sources(), vec![], all).expect("load");
    assert_eq!(eval(&set, &cm(), json!({})).expect("eval").len(), 1);
}

#[test]
fn exception_for_plain_deny_by_rule_name() {
    let p = inline(
        "p.rego",
        "package main\nimport rego.v1\ndeny contains \"d\" if true\nwarn_x contains \"w\" if true\nexception contains [\"deny\", \"x\"] if input.skip\n",
    );
    let set = PolicySet::load(vec![p], vec![], RegoOptions::default()).expect("load");
    let got = eval(
        &set,
        &[input("a", json!({"skip": true})), input("b", json!({}))],
        json!({}),
    )
    .expect("eval");
    assert_eq!(
        got,
        vec![
            f("main.deny", Severity::Error, "d", Some(1), None),
            f("main.warn_x", Severity::Warning, "w", Some(1), None),
        ]
    );
}

#[test]
fn combine_passes_path_and_contents() {
    let opts = RegoOptions {
        combine: true,
        ..RegoOptions::default()
    };
    let set = PolicySet::load(vec![src("combine/unique.rego")], vec![], opts).expect("load");
    let cm = json!({"kind": "ConfigMap", "metadata": {"name": "c"}});
    let inputs = vec![
        input("t/a.yaml", cm.clone()),
        input(
            "t/b.yaml",
            json!({"kind": "ConfigMap", "metadata": {"name": "other"}}),
        ),
        input("t/c.yaml", cm),
    ];
    assert_eq!(
        eval(&set, &inputs, json!({})).expect("eval"),
        vec![f(
            "main.deny",
            Severity::Error,
            "ConfigMap c is defined in t/a.yaml and t/c.yaml",
            Some(2),
            None
        )]
    );
}

#[test]
fn context_and_data_documents() {
    let set = PolicySet::load(
        vec![src("context/env.rego")],
        vec![(
            "limits.json".into(),
            json!({"limits": {"min_prod_replicas": 2}}),
        )],
        RegoOptions::default(),
    )
    .expect("load");
    let ctx = json!({"environment": "prod", "cluster": "eks-1", "namespace": "web", "chart": "web", "release": "web-prod", "values": {"debug": true}});
    let d = json!({"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 1}});
    let mut w = set.worker();
    let got = set
        .eval(&mut w, &[input("a.yaml", d.clone())], &ctx)
        .expect("eval");
    assert_eq!(
        got,
        vec![
            f(
                "main.deny",
                Severity::Error,
                "eks-1/web in prod (web, release web-prod of web): replicas 1 < 2",
                Some(0),
                None
            ),
            f("main.warn", Severity::Warning, "debug is on", Some(0), None),
        ]
    );
    // The same worker with another context sees the new one.
    let got = set
        .eval(
            &mut w,
            &[input("a.yaml", d)],
            &json!({"environment": "dev"}),
        )
        .expect("eval");
    assert_eq!(got, vec![]);
}

fn load_err(text: &str) -> String {
    PolicySet::load(
        vec![inline("bad.rego", text)],
        vec![],
        RegoOptions::default(),
    )
    .expect_err("must fail")
    .to_string()
}

#[test]
fn parse_errors_name_file_line_col() {
    // v0 module (no `if`/`contains`): the v0 parser's error.
    assert_eq!(
        load_err("package main\n\ndeny[msg] {\n  msg := \n}\n"),
        "bad.rego:3:11: expecting }"
    );
    // v1 module: the v1 parser's error.
    assert_eq!(
        load_err("package main\nimport rego.v1\ndeny contains msg if {\n  msg = \"a\" +\n}\n"),
        "bad.rego:4:7: expecting `}` while parsing set"
    );
}

#[test]
fn bad_metadata_severity_is_a_load_error() {
    assert_eq!(
        load_err(
            "package main\n\n# METADATA\n# custom:\n#   severity: fatal\ndeny[\"x\"] { true }\n"
        ),
        "bad.rego:3:1: METADATA custom.severity `fatal` is not one of error, warning, info"
    );
}

#[test]
fn data_errors() {
    let p = || vec![inline("p.rego", "package main\ndeny[\"x\"] { true }\n")];
    let e = PolicySet::load(
        p(),
        vec![("d.json".into(), json!([1]))],
        RegoOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "d.json:0:0: data document must be an object");
    let e = PolicySet::load(
        p(),
        vec![
            ("a.json".into(), json!({"x": {"y": 1}})),
            ("b.json".into(), json!({"x": {"y": 2}})),
        ],
        RegoOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "b.json:0:0: conflicting values for data.x.y");
    let e = PolicySet::load(
        p(),
        vec![("c.json".into(), json!({"chartgate": {"context": {}}}))],
        RegoOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "c.json:0:0: data.chartgate.context is reserved for the context chartgate provides"
    );
}

fn eval_err(text: &str, doc: Value) -> String {
    let set = PolicySet::load(vec![inline("p.rego", text)], vec![], RegoOptions::default())
        .expect("load");
    eval(&set, &[input("m.yaml", doc)], json!({}))
        .expect_err("must fail")
        .to_string()
}

#[test]
fn runtime_errors_fail_closed() {
    // Unsupported / unknown builtin: named.
    assert_eq!(
        eval_err(
            "package main\nimport rego.v1\ndeny contains x if {\n  x := foo.bar(1)\n}\n",
            json!({})
        ),
        "p.rego:4:15: evaluating data.main.deny for m.yaml: could not find function foo.bar"
    );
    // Conflicting values of a complete rule.
    assert_eq!(
        eval_err(
            "package main\nimport rego.v1\nname := \"a\"\nname := \"b\" if input.x\ndeny contains name if true\n",
            json!({"x": true})
        ),
        "p.rego:4:1: evaluating data.main.deny for m.yaml: rule conflicts with rule at p.rego:3:1"
    );
    // Malformed results.
    assert_eq!(
        eval_err(
            "package main\nimport rego.v1\ndeny contains {\"message\": \"x\"} if true\n",
            json!({})
        ),
        "p.rego:3:1: data.main.deny produced an object without `msg`: {\"message\":\"x\"}; expected a string or an object with a string `msg`"
    );
    assert_eq!(
        eval_err(
            "package main\nimport rego.v1\ndeny contains 3 if true\n",
            json!({})
        ),
        "p.rego:3:1: data.main.deny produced 3; expected a string or an object with a string `msg`"
    );
    assert_eq!(
        eval_err("package main\nimport rego.v1\ndeny := 7\n", json!({})),
        "p.rego:3:1: data.main.deny must be a set of strings or of objects with `msg`, got 7"
    );
}

#[test]
fn parallel_workers_agree() {
    use rayon::prelude::*;
    let set = PolicySet::load(
        vec![src("v0/deployment.rego")],
        vec![],
        RegoOptions::default(),
    )
    .expect("load");
    let docs: Vec<_> = (0..64)
        .map(|i| {
            input(
                &format!("{i}.yaml"),
                deployment(&format!("d{i}"), "x:latest", i % 2 == 0),
            )
        })
        .collect();
    let counts: Vec<usize> = docs
        .par_iter()
        .map_init(
            || set.worker(),
            |w, d| {
                set.eval(w, std::slice::from_ref(d), &json!({}))
                    .expect("eval")
                    .len()
            },
        )
        .collect();
    let expect: Vec<usize> = (0..64).map(|i| if i % 2 == 0 { 2 } else { 3 }).collect();
    assert_eq!(counts, expect);
}
