//! Hostile Rego policies (fixtures/hostile/policies/, README in fixtures/hostile/): builtins
//! that would build a huge result fail before allocating it with a `rego-error` naming the
//! builtin and the budget, at the call's file:line, and the process stays inside `ulimit -v`
//! (without the bounds it aborts in an allocation failure); the same builtins on ordinary sizes
//! give the results they always gave; functions recursing through two packages are a load
//! error instead of a stack overflow; and one policy blowing up on one chart leaves every other
//! finding and every `--output` file in place.

mod support;

use std::time::Instant;

use support::{Run, finish};

const H: &str = "fixtures/hostile";
const MANIFEST: &str = "fixtures/hostile/manifests/lf.yaml";

/// Runs chartgate under `ulimit -v KB` (address space): a builtin that builds its whole
/// result first dies there in an allocation failure instead of reporting the limit.
fn run_limited(kb: u64, args: &[&str]) -> Run {
    let start = Instant::now();
    let bin = assert_cmd::cargo::cargo_bin("chartgate");
    let out = std::process::Command::new("sh")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("-c")
        .arg(format!("ulimit -v {kb}; exec \"$0\" \"$@\""))
        .arg(&bin)
        .args(args)
        .output()
        .unwrap();
    finish(Run::from(out), &format!("ulimit -v {kb}: {args:?}"), start)
}

/// `… more than the 61 MiB left of …`: what is left depends on what the run holds.
fn mask_left(s: &str) -> String {
    match (s.find("more than the "), s.find(" MiB left")) {
        (Some(a), Some(b)) if a < b => {
            format!("{}more than the N{}", &s[..a], &s[b..])
        }
        _ => s.to_string(),
    }
}

/// `FILE:LINE: MESSAGE` of every `rego-error` finding of a `--format json` report.
fn rego_errors(r: &Run) -> Vec<String> {
    let json = r.json();
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "rego-error")
        .map(|f| {
            format!(
                "{}:{}: {}",
                f["file"].as_str().unwrap(),
                f["line"],
                mask_left(f["message"].as_str().unwrap())
            )
        })
        .collect()
}

/// `chartgate check MANIFEST --policy POLICY` with a 64 MiB evaluation budget, under a 1 GiB
/// address space: exit 1 (the `rego-error` findings fail the check) and those findings.
fn bounded_case(policy: &str) -> Vec<String> {
    let policy = format!("{H}/policies/bounded/{policy}");
    let r = run_limited(
        1 << 20,
        &[
            "check",
            "--format",
            "json",
            "--limit",
            "render-memory=67108864",
            "--policy",
            &policy,
            MANIFEST,
        ],
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    rego_errors(&r)
}

/// The message of a refused call of `builtin` in rule `rule`.
fn refused(file: &str, line: u32, rule: &str, builtin: &str, mib: u64) -> String {
    format!(
        "{H}/policies/bounded/{file}:{line}: policy evaluation failed: evaluating data.main.{rule} for {MANIFEST}: {builtin} would allocate about {mib} MiB, more than the N MiB left of the memory budget (limits.render-memory)"
    )
}

#[test]
fn numbers_range_family() {
    assert_eq!(
        bounded_case("range.rego"),
        vec![
            refused("range.rego", 7, "deny_range", "numbers.range", 22888184),
            refused(
                "range.rego",
                11,
                "deny_step",
                "numbers.range_step",
                22888184
            ),
        ]
    );
}

#[test]
fn net_cidr_expand() {
    assert_eq!(
        bounded_case("cidr.rego"),
        vec![
            refused("cidr.rego", 7, "deny_v4", "net.cidr_expand", 290817),
            refused(
                "cidr.rego",
                11,
                "deny_v6",
                "net.cidr_expand",
                17592186044416
            ),
        ]
    );
}

#[test]
fn string_builders() {
    assert_eq!(
        bounded_case("strings.rego"),
        vec![
            refused("strings.rego", 15, "deny_sprintf", "sprintf", 954),
            refused("strings.rego", 19, "deny_concat", "concat", 101),
            refused("strings.rego", 23, "deny_replace", "replace", 102),
            refused(
                "strings.rego",
                27,
                "deny_replace_n",
                "strings.replace_n",
                102
            ),
            refused("strings.rego", 31, "deny_regex", "regex.replace", 102),
        ]
    );
}

#[test]
fn serialisers_and_walk_of_a_value_doubled_into_itself() {
    assert_eq!(
        bounded_case("marshal.rego"),
        vec![
            refused("marshal.rego", 52, "deny_json", "json.marshal", 17825793),
            refused(
                "marshal.rego",
                56,
                "deny_json_options",
                "json.marshal_with_options",
                411041792
            ),
            refused("marshal.rego", 60, "deny_yaml", "yaml.marshal", 288358400),
            refused("marshal.rego", 64, "deny_walk", "walk", 3523215360),
        ]
    );
}

#[test]
fn array_concat_doubling_and_huge_shifts() {
    assert_eq!(
        bounded_case("arrays.rego"),
        vec![
            refused("arrays.rego", 8, "deny_array", "array.concat", 69),
            refused("arrays.rego", 14, "deny_bits", "bits.lsh", 119210),
        ]
    );
}

#[test]
fn the_same_builtins_on_ordinary_sizes_are_unchanged() {
    let r = support::run(&[
        "check",
        "--format",
        "json",
        "--policy",
        &format!("{H}/policies/bounded/ok.rego"),
        MANIFEST,
    ]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert_eq!(rego_errors(&r), Vec::<String>::new());
    let messages: Vec<String> = r.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "main.deny_ok")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        messages,
        vec![
            r#"[3, 2, 1] [0, 5, 10] 4 {"a":[1,2]} a: 1 4 {| "a": [|  1| ]|} a+b xx a#b# [1, 2] 1024"#
                .to_string()
        ]
    );
}

#[test]
fn functions_recursing_through_two_packages_are_a_load_error() {
    let r = support::run(&[
        "check",
        "--all-namespaces",
        "--policy",
        &format!("{H}/policies/recursion"),
        MANIFEST,
    ]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert_eq!(
        r.stderr,
        format!(
            "chartgate: policy error: {H}/policies/recursion/a.rego:9:1: function `data.a.f` is recursive: data.a.f → data.b.g → data.a.f (Rego forbids recursion, as OPA's rego_recursion_error)\n"
        )
    );
}

#[test]
fn one_policy_blows_up_on_one_chart_the_rest_is_reported_and_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = |f: &str| dir.path().join(f).display().to_string();
    let outputs = [
        format!("sarif={}", out("r.sarif")),
        format!("junit={}", out("r.xml")),
        format!("markdown={}", out("r.md")),
        format!("json={}", out("r.json")),
    ];
    let policies = format!("{H}/policies/blowup");
    let mut args = vec![
        "check",
        "--format",
        "json",
        "--env",
        "dev",
        "--limit",
        "render-memory=67108864",
        "--policy",
        &policies,
        "fixtures/hostile/repos/rego",
    ];
    for o in &outputs {
        args.push("--output");
        args.push(o);
    }
    let r = run_limited(1 << 20, &args);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let json = r.json();
    let findings = json["findings"].as_array().unwrap();
    let of = |chart: &str| -> Vec<String> {
        let mut v: Vec<String> = findings
            .iter()
            .filter(|f| f["chart"] == format!("fixtures/hostile/repos/rego/{chart}"))
            .filter(|f| {
                ["rego-error", "main.warn_owner", "image-tag-pinned"]
                    .contains(&f["rule"].as_str().unwrap())
            })
            .map(|f| {
                format!(
                    "{} {}:{}: {}",
                    f["rule"].as_str().unwrap(),
                    f["file"].as_str().unwrap(),
                    f["line"],
                    mask_left(f["message"].as_str().unwrap())
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        of("a"),
        vec![
            "image-tag-pinned fixtures/hostile/repos/rego/a/templates/deploy.yaml:15: container `app`: image `docker.io/library/nginx:latest` uses the moving tag `latest`; pin a version".to_string(),
            "main.warn_owner fixtures/hostile/repos/rego/a/templates/deploy.yaml:1: Deployment a has no `owner` label".to_string(),
        ]
    );
    assert_eq!(
        of("b"),
        vec![
            "image-tag-pinned fixtures/hostile/repos/rego/b/templates/deploy.yaml:15: container `app`: image `docker.io/library/nginx:latest` uses the moving tag `latest`; pin a version".to_string(),
            "main.warn_owner fixtures/hostile/repos/rego/b/templates/deploy.yaml:1: Deployment b has no `owner` label".to_string(),
            format!("rego-error {policies}/boom.rego:8: policy evaluation failed: evaluating data.main.deny_boom for b/templates/deploy.yaml: numbers.range would allocate about 22888184 MiB, more than the N MiB left of the memory budget (limits.render-memory)"),
        ]
    );
    // Every report file is written and names both the failure and the healthy findings.
    for f in ["r.sarif", "r.xml", "r.md", "r.json"] {
        let text = std::fs::read_to_string(dir.path().join(f)).unwrap();
        assert!(text.contains("would allocate about"), "{f}");
        assert!(text.contains("Deployment a has no"), "{f}");
        assert!(text.contains("Deployment b has no"), "{f}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("r.json")).unwrap(),
        r.stdout
    );
}

/// `chartgate check MANIFEST --policy POLICY` with extra arguments, under a 4 GiB address space.
fn backstop_case(policy: &str, extra: &[&str]) -> (Run, std::time::Duration) {
    let policy = format!("{H}/policies/backstop/{policy}");
    let mut args = vec!["check", "--format", "json", "--policy", &policy];
    args.extend_from_slice(extra);
    args.push(MANIFEST);
    let start = Instant::now();
    let r = run_limited(4 << 20, &args);
    (r, start.elapsed())
}

/// One regorus operation on values shared into themselves checks no budget: comparing two
/// lists doubled 40 times would run for hours. The watchdog ends the run past
/// `limits.run-seconds` + 5 s with exit 2 and one line (the gate fails closed), and every report
/// asked for holds one `run-stopped` finding (prepared when the run started).
#[test]
fn an_uninterruptible_policy_operation_is_stopped_by_the_run_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("reports/r.sarif");
    let junit = dir.path().join("r.xml");
    let outputs = [
        format!("sarif={}", sarif.display()),
        format!("junit={}", junit.display()),
    ];
    let (r, took) = backstop_case(
        "equal.rego",
        &[
            "--limit",
            "run-seconds=1",
            "--output",
            &outputs[0],
            "--output",
            &outputs[1],
        ],
    );
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "chartgate: stopped: the run is past limits.run-seconds + max(5 s, 25%) in an operation that checks no budget (a policy comparing or printing a value shared into itself, or inputs of millions of objects); every report asked for holds one `run-stopped` finding instead of the run's findings\n"
    );
    let message = "the run was stopped: it ran past limits.run-seconds + max(5 s, 25%) in an operation that checks no budget (a policy comparing or printing a value shared into itself, or inputs of millions of objects); the run's findings are not reported";
    let json = r.json();
    assert_eq!(
        json["findings"].as_array().unwrap().len(),
        1,
        "{}",
        r.stdout
    );
    assert_eq!(json["findings"][0]["rule"], "run-stopped");
    assert_eq!(json["findings"][0]["severity"], "error");
    assert_eq!(json["findings"][0]["message"], message);
    assert_eq!(json["findings"][0]["file"], MANIFEST);
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "run-stopped");
    assert_eq!(results[0]["message"]["text"], message);
    let junit = std::fs::read_to_string(&junit).unwrap();
    assert!(junit.contains("run-stopped"), "{junit}");
    assert!(took.as_secs() < 20, "took {took:?}");
}

/// `audit` too: its report file holds the `run-stopped` finding when the backstop stops it.
#[test]
fn a_stopped_audit_still_writes_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("audit.json");
    let output = format!("json={}", report.display());
    let policy = format!("{H}/policies/backstop/equal.rego");
    let args = [
        "audit",
        "--policy",
        &policy,
        "--limit",
        "run-seconds=1",
        "--output",
        &output,
        "fixtures/team-repo",
    ];
    let r = run_limited(4 << 20, &args);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stderr.ends_with(
            "every report asked for holds one `run-stopped` finding instead of the run's findings\n"
        ),
        "{}",
        r.stderr
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{json}");
    assert_eq!(findings[0]["rule"], "run-stopped");
    assert_eq!(findings[0]["file"], "fixtures/team-repo");
    assert_eq!(json["rules"][0]["rule"], "run-stopped");
}

/// `print` of a list doubled 40 times formats 2^40 elements into one string: the watchdog ends
/// the run once it holds `limits.run-memory` + 25%, long before the address space runs out.
#[test]
fn an_unbounded_policy_print_is_stopped_by_the_run_memory() {
    let (r, _) = backstop_case("print.rego", &["--limit", "run-memory=268435456"]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "chartgate: stopped: the process holds more than limits.run-memory + 25% in an operation that checks no budget (a policy comparing or printing a value shared into itself, or inputs of millions of objects); every report asked for holds one `run-stopped` finding instead of the run's findings\n"
    );
    let json = r.json();
    assert_eq!(
        json["findings"].as_array().unwrap().len(),
        1,
        "{}",
        r.stdout
    );
    assert_eq!(
        json["findings"][0]["message"],
        "the run was stopped: the process held more than limits.run-memory + 25% in an operation that checks no budget (a policy comparing or printing a value shared into itself, or inputs of millions of objects); the run's findings are not reported"
    );
}

/// What a policy prints never reaches stderr (where a line feed then `::error::` would start a
/// workflow command and ESC sequences would drive the terminal); its findings are unchanged.
#[test]
fn policy_print_output_never_reaches_stderr() {
    let policy = format!("{H}/policies/print-control.rego");
    let r = run_limited(
        1 << 20,
        &["check", "--format", "json", "--policy", &policy, MANIFEST],
    );
    assert_eq!(r.stderr, "");
    let json = r.json();
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["message"] == "deployment")
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, vec!["main.deny"]);
}

#[test]
fn a_repository_with_megabytes_of_rego_is_refused_before_compiling() {
    // 40 generated files of 19 000 rules each (35 MiB) compiled for 36 s into 2.4 GB before the
    // first render, past run-seconds and near run-memory, held only by the watchdog. The
    // repository's policies are bounded together (4 MiB): the fifth 0.9 MiB file crosses it.
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let mut files: Vec<(String, String)> = vec![
        ("chartgate.yaml".into(), "policies: [policies/]\n".into()),
        (
            "deploy/cm.yaml".into(),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n".into(),
        ),
    ];
    for f in 0..5 {
        let rules: String = (0..19_000)
            .map(|i| format!("deny contains \"m{i}\" if input.kind == \"K{i}\"\n"))
            .collect();
        files.push((
            format!("policies/many{f}.rego"),
            format!("package many{f}\n\nimport rego.v1\n\n{rules}"),
        ));
    }
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    support::write_tree(dir, &files);
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    let start = Instant::now();
    let r = finish(
        support::run_in(dir, &["check", "--format", "json", "deploy"]),
        "megabytes of Rego",
        start,
    );
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            Some(2),
            "",
            "chartgate: policy error: policies/many4.rego: the repository's policies hold more than 4194304 bytes of Rego together (the bound on a pull request's policies)\n"
        )
    );
}
