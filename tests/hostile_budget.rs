//! Budgets of one run and of each render (fixtures/hostile/, README there): deep values do not
//! overflow the native stack, memory hogs end their own render with a `limits.render-memory`
//! error while the other charts are still checked and every report file is written, renders
//! after the run's time budget are reported as not checked, and memory bounds hold under
//! `ulimit -v` (the process would be killed or abort without them).

mod support;

use std::time::{Duration, Instant};

const H: &str = "fixtures/hostile";

use support::{Run, finish};

/// Runs chartgate from the crate root.
fn run(args: &[&str]) -> Run {
    let start = Instant::now();
    let out = support::cmd()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .timeout(Duration::from_secs(120))
        .run();
    finish(out, &format!("{args:?}"), start)
}

/// Runs chartgate under `ulimit -v KB` (address space): without the memory budgets these runs
/// die in an allocation failure instead of reporting the limit.
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
    let out = Run::from(out);
    finish(out, &format!("ulimit -v {kb}: {args:?}"), start)
}

/// `Error: <prefix>NUMBER MiB allocated, over the budget of <limit> (limits.render-memory)`.
fn assert_render_memory(r: &Run, prefix: &str, budget_mib: u64) {
    let stderr = mask_column(&r.stderr);
    let rest = stderr
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("expected {prefix:?}, got {:?}", r.stderr));
    let (used, tail) = rest.split_once(" MiB allocated, ").unwrap();
    let used: u64 = used.parse().unwrap();
    assert!(used > budget_mib && used < budget_mib + 64, "{used}");
    assert_eq!(
        tail,
        format!("over the budget of {budget_mib} MiB (limits.render-memory)\n")
    );
}

/// The column of `cm.yaml:LINE:COL` replaced by `N`: which action of a loop's body is running
/// when the budget is crossed depends on how many steps the engine counts between checks.
fn mask_column(s: &str) -> String {
    match s.split_once("cm.yaml:3:") {
        Some((a, b)) => format!(
            "{a}cm.yaml:3:N{}",
            b.trim_start_matches(|c: char| c.is_ascii_digit())
        ),
        None => s.to_string(),
    }
}

#[test]
fn deep_value_chains_do_not_overflow_the_stack() {
    // 200 000 nested maps and lists are built, compared, serialised and freed.
    let r = run(&["render", &format!("{H}/charts/deep-chain")]);
    assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "---\n# Source: deep-chain/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep-chain\ndata:\n  json: \"\"\n  equal: \"true\"\n"
    );
}

#[test]
fn doubling_deep_copy_ends_at_the_render_memory_budget() {
    let prefix = "Error: template: memory-doubling/templates/cm.yaml:4:13: executing \"memory-doubling/templates/cm.yaml\" at <deepCopy $m>: error calling deepCopy: render memory exceeded: ";
    let chart = format!("{H}/charts/memory-doubling");
    let r = run(&["render", &chart, "--limit", "render-memory=67108864"]);
    assert_eq!((r.code, r.stdout.as_str()), (Some(1), ""));
    assert_render_memory(&r, prefix, 64);
    // Bounded under an address-space limit far below what the copy would take (2^40 maps).
    let r = run_limited(1_500_000, &["render", &chart]);
    assert_eq!(r.code, Some(1));
    assert_render_memory(&r, prefix, 512);
}

#[test]
fn hoarding_large_strings_ends_at_the_render_memory_budget() {
    let chart = format!("{H}/charts/string-hoard");
    let r = run_limited(1_500_000, &["render", &chart]);
    assert_eq!((r.code, r.stdout.as_str()), (Some(1), ""));
    assert_render_memory(
        &r,
        "Error: string-hoard/templates/cm.yaml:3:N\n  executing \"string-hoard/templates/cm.yaml\" at <>:\n    render memory exceeded: ",
        512,
    );
}

#[test]
fn a_manifest_of_150k_objects_is_bounded() {
    // Rendering gives 11 MB of text; parsing 150 000 documents with positions is what costs.
    let r = run_limited(
        1_500_000,
        &[
            "check",
            "--format",
            "json",
            "--jobs",
            "1",
            "--env",
            "dev",
            "--limit",
            "render-memory=134217728",
            &format!("{H}/charts/many-objects"),
        ],
    );
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    let f = &findings[0];
    assert_eq!(f["rule"], "render-error");
    assert_eq!(f["environment"], "dev");
    let m = f["message"].as_str().unwrap();
    assert!(
        m.starts_with(
            "YAML parse error on many-objects/templates/cm.yaml: render memory exceeded: "
        ) && m.ends_with("over the budget of 128 MiB (limits.render-memory)"),
        "{m}"
    );
}

#[test]
fn one_chart_over_budget_the_others_checked_and_every_report_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = |f: &str| dir.path().join(f).display().to_string();
    let outputs = [
        format!("sarif={}", out("r.sarif")),
        format!("junit={}", out("r.xml")),
        format!("markdown={}", out("r.md")),
        format!("json={}", out("r.json")),
    ];
    let mut args = vec![
        "check",
        "--format",
        "json",
        "--env",
        "dev",
        "--limit",
        "render-memory=67108864",
        "fixtures/hostile/repos/budget",
    ];
    for o in &outputs {
        args.push("--output");
        args.push(o);
    }
    let r = run(&args);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "chartgate: 1 of 3 chart renders failed (see the `render-error` findings)\n"
    );
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let of = |chart: &str| -> Vec<(String, String)> {
        findings
            .iter()
            .filter(|f| f["chart"] == format!("fixtures/hostile/repos/budget/{chart}"))
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    // The deep chain renders; the hog fails alone; the healthy chart's findings are all there.
    assert_eq!(of("deep"), vec![]);
    let hog = of("hog");
    assert_eq!(hog.len(), 1, "{hog:?}");
    assert_eq!(hog[0].0, "render-error");
    assert!(
        hog[0].1.starts_with("template: hog/templates/cm.yaml:4:13: executing \"hog/templates/cm.yaml\" at <deepCopy $m>: error calling deepCopy: render memory exceeded: ")
            && hog[0].1.ends_with("over the budget of 64 MiB (limits.render-memory)"),
        "{}",
        hog[0].1
    );
    let ok = of("ok");
    assert!(
        ok.iter().any(|(rule, m)| rule == "image-tag-pinned"
            && m == "container `app`: image `docker.io/library/nginx:latest` uses the moving tag `latest`; pin a version"),
        "{ok:?}"
    );
    assert!(ok.iter().all(|(rule, _)| rule != "render-error"), "{ok:?}");
    // Every report file is written and names both the failure and the healthy chart's finding.
    for f in ["r.sarif", "r.xml", "r.md", "r.json"] {
        let text = std::fs::read_to_string(dir.path().join(f)).unwrap();
        assert!(text.contains("render memory exceeded"), "{f}");
        assert!(text.contains("uses the moving tag"), "{f}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("r.json")).unwrap(),
        r.stdout
    );
}

#[test]
fn renders_after_the_run_budget_are_reported_not_checked() {
    // One worker: `a-slow` runs until its 2 s render budget ends it (the run's 1 s budget ends
    // it first), so every later render starts after the run's time is spent.
    let r = run(&[
        "check",
        "--format",
        "json",
        "--jobs",
        "1",
        "--env",
        "dev",
        "--env",
        "prod",
        "--limit",
        "run-seconds=1",
        "--limit",
        "render-seconds=2",
        "fixtures/hostile/repos/run-budget",
    ]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "chartgate: 4 of 4 chart renders failed (see the `render-error` findings)\n"
    );
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let got: Vec<(String, String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["chart"].as_str().unwrap_or("").to_string(),
                f["environment"].as_str().unwrap_or("").to_string(),
                mask_column(f["message"].as_str().unwrap()),
            )
        })
        .collect();
    let not_checked = "not checked: run time exceeded: over the budget of 1s (limits.run-seconds) before this render started";
    let c = |chart: &str| format!("fixtures/hostile/repos/run-budget/{chart}");
    assert_eq!(
        got,
        vec![
            // At the chart's Chart.yaml, then the failed render at its template line.
            (c("a-slow"), "prod".into(), not_checked.into()),
            (
                c("a-slow"),
                "dev".into(),
                "a-slow/templates/cm.yaml:3:N\n  executing \"a-slow/templates/cm.yaml\" at <>:\n    run time exceeded: over the budget of 1s (limits.run-seconds)".into()
            ),
            (c("b-next"), "dev".into(), not_checked.into()),
            (c("b-next"), "prod".into(), not_checked.into()),
        ]
    );
}

#[test]
fn findings_over_the_limit_are_counted_once_each() {
    // A policy's 50 set elements make one finding (only `msg` reaches it): the report holds 4
    // findings. Under `limits.findings: 2` the sink counted every element it did not keep,
    // and `findings-limit` said 51 were missing; 2 are.
    let r = run(&[
        "check",
        "--format",
        "json",
        "fixtures/hostile/repos/findings-twice/deploy",
    ]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let got: Vec<(String, String)> = (json["findings"].as_array().unwrap().iter())
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let pair = |r: &str, m: &str| (r.to_string(), m.to_string());
    assert_eq!(
        got,
        vec![
            pair(
                "findings-limit",
                "2 more findings were not kept: the run found more than 2 (limits.findings); the first 2 in report order are reported"
            ),
            pair("main.deny", "distinct 1"),
            pair("main.deny", "distinct 2"),
        ]
    );
    // Without the limit: the 4 findings, the 2 missing above among them.
    let t = tempfile::tempdir().unwrap();
    support::copy_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/hostile/repos/findings-twice"),
        t.path(),
    );
    std::fs::create_dir_all(t.path().join(".git")).unwrap();
    let cfg = t.path().join("chartgate.yaml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, text.replace("limits: {findings: 2}\n", "")).unwrap();
    let r = support::run_in(t.path(), &["check", "--format", "json", "deploy"]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let messages: Vec<&str> = (json["findings"].as_array().unwrap().iter())
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "distinct 1",
            "distinct 2",
            "distinct 3",
            "one finding, fifty elements"
        ]
    );
}

#[test]
fn thousands_of_values_globs_end_at_the_run_budget() {
    // A repository config listing 45 000 `values:` globs (each walking the service's 300
    // folders, for every service) ran with no budget: the watchdog stopped the run after
    // run-seconds + 5 s with no report. The expansion now checks the run's budgets.
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    let mut files: Vec<(String, String)> = vec![
        (
            "svc/Chart.yaml".into(),
            "apiVersion: v2\nname: svc\nversion: 0.1.0\n".into(),
        ),
        (
            "svc/templates/cm.yaml".into(),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n".into(),
        ),
        (
            "svc/chartgate.yaml".into(),
            format!(
                "environments:\n  dev:\n    values:\n{}",
                "      - \"**/*.yaml\"\n".repeat(45_000)
            ),
        ),
    ];
    for i in 0..300 {
        files.push((format!("svc/d{i}/v.yaml"), "a: 1\n".into()));
    }
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    support::write_tree(dir, &files);
    let start = Instant::now();
    let r = support::run_in(
        dir,
        &["check", "--format", "json", "--limit", "run-seconds=1", "."],
    );
    let r = finish(r, "values globs", start);
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            Some(2),
            "",
            "chartgate: svc/chartgate.yaml:2:3: values glob `**/*.yaml` not expanded: run time exceeded: over the budget of 1s (limits.run-seconds)\n"
        )
    );
}

#[test]
fn tens_of_thousands_of_environments_are_listed_in_linear_time() {
    // 30 000 environments in one `chartgate.yaml` (0.8 MiB): merging and ordering their names
    // compared each with every other, and the watchdog stopped the run with no report.
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    let envs: String = (0..30_000)
        .map(|i| format!("  e{i}: {{namespace: n{i}}}\n"))
        .collect();
    support::write_tree(
        dir,
        &[
            (
                "svc/Chart.yaml",
                "apiVersion: v2\nname: svc\nversion: 0.1.0\n",
            ),
            (
                "svc/templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
            ),
            ("svc/chartgate.yaml", &format!("environments:\n{envs}")),
        ],
    );
    let start = Instant::now();
    let r = finish(
        support::run_in(
            dir,
            &[
                "check",
                "--list",
                "--format",
                "json",
                "--limit",
                "run-seconds=20",
                ".",
            ],
        ),
        "30 000 environments",
        start,
    );
    assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""));
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let renders = json["renders"].as_array().unwrap();
    assert_eq!(renders.len(), 30_000);
    assert_eq!(
        (&renders[29_999]["environment"], &renders[29_999]["source"]),
        (&"e29999".into(), &"svc/chartgate.yaml:30001".into())
    );
}

#[test]
fn an_application_set_of_ten_thousand_elements_resolves_in_linear_time() {
    // Each generated Application copied the whole ApplicationSet (its 10 000 list elements):
    // quadratic, 100 s for the bound of 10 000 Applications, so the watchdog stopped the run
    // with no report. Now every generated Application is resolved (its repository unmapped:
    // one `unresolved-source` each).
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    let elements: String = (0..10_000)
        .map(|i| {
            format!(
                "      - a: \"{i}\"\n        b: \"{}{i}\"\n",
                "y".repeat(200)
            )
        })
        .collect();
    let set = format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: many\n  namespace: argocd\n  labels: {{app.kubernetes.io/name: many, environment: dev, team: a}}\nspec:\n  generators:\n  - list:\n      elements:\n{elements}  template:\n    metadata:\n      name: 'x-{{{{a}}}}'\n    spec:\n      project: team-a\n      source:\n        repoURL: https://github.com/example/team-repo.git\n        targetRevision: HEAD\n        path: charts/x\n      destination:\n        name: in-cluster\n        namespace: x\n"
    );
    support::write_tree(dir, &[("apps/set.yaml", &set)]);
    let start = Instant::now();
    let r = finish(
        support::run_in(
            dir,
            &[
                "check",
                "--format",
                "json",
                "--limit",
                "run-seconds=20",
                ".",
            ],
        ),
        "10 000 generated Applications",
        start,
    );
    // (`unresolved-source` is a warning.)
    assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""));
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let rules: Vec<&str> = (json["findings"].as_array().unwrap().iter())
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules.len(), 10_000);
    assert!(rules.iter().all(|r| *r == "unresolved-source"), "{rules:?}");
}
