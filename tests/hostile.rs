//! Hostile inputs (fixtures/hostile/, README there): each threat through the CLI, asserting the
//! exact error and exit code, no panic, and a bounded run time. CRLF and BOM inputs must behave
//! exactly like their LF / no-BOM twins.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

const H: &str = "fixtures/hostile";

use support::run;

/// `chartgate render CHART ARGS...` must fail with exit code 1 and exactly `Error: MSG\n`.
fn render_fails(chart: &str, extra: &[&str], msg: &str) {
    let path = format!("{H}/charts/{chart}");
    let mut args = vec!["render", path.as_str()];
    args.extend_from_slice(extra);
    let r = run(&args);
    assert_eq!(r.stderr, format!("Error: {msg}\n"), "{chart}");
    assert_eq!((r.code, r.stdout.as_str()), (Some(1), ""), "{chart}");
}

/// `chartgate check FILE` must fail with exit code 2 and exactly `chartgate: MSG\n`.
fn check_fails(file: &str, msg: &str) {
    let r = run(&["check", "--color", "never", "--format", "json", file]);
    assert_eq!(r.stderr, format!("chartgate: {msg}\n"), "{file}");
    assert_eq!(r.code, Some(2), "{file}");
}

#[test]
fn billion_laughs_manifest_and_values() {
    let f = format!("{H}/manifests/billion-laughs.yaml");
    check_fails(
        &f,
        &format!(
            "invalid YAML: {f}:7:8: alias expansion exceeds the limit of 100000 nodes (possible billion-laughs attack; limits.alias-nodes)"
        ),
    );
    render_fails(
        "billion-laughs",
        &[],
        &format!(
            "{H}/charts/billion-laughs/values.yaml:7:8: alias expansion exceeds the limit of 100000 nodes (possible billion-laughs attack; limits.alias-nodes)"
        ),
    );
}

#[test]
fn deep_nesting() {
    let f = format!("{H}/manifests/deep-nesting.yaml");
    check_fails(
        &f,
        &format!("invalid YAML: {f}:2:262: recursion limit exceeded"),
    );
}

#[test]
fn broken_yaml_manifest_and_values() {
    let f = format!("{H}/manifests/broken.yaml");
    check_fails(
        &f,
        &format!("invalid YAML: {f}:6:1: while parsing a flow sequence, expected ',' or ']'"),
    );
    render_fails(
        "broken-values",
        &[],
        &format!("{H}/charts/broken-values/values.yaml:2:2: illegal placement of ':' indicator"),
    );
}

#[test]
fn a_broken_file_does_not_stop_the_others() {
    let broken = format!("{H}/manifests/broken.yaml");
    let good = format!("{H}/manifests/lf.yaml");
    let r = run(&["check", "--format", "json", &broken, &good]);
    assert_eq!(
        r.stderr,
        format!(
            "chartgate: invalid YAML: {broken}:6:1: while parsing a flow sequence, expected ',' or ']'\n"
        )
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        v["summary"],
        // lf.yaml's Deployment: 4 container findings and schema-validity (no selector).
        serde_json::json!({"error": 6, "warning": 0, "info": 0})
    );
    assert_eq!(r.code, Some(2));
}

#[test]
fn invalid_utf8() {
    let f = format!("{H}/manifests/invalid-utf8.yaml");
    check_fails(&f, &format!("{f}:6:7: invalid UTF-8 byte 0xff"));
    render_fails(
        "invalid-utf8",
        &[],
        &format!("{H}/charts/invalid-utf8/values.yaml:1:7: invalid UTF-8 byte 0xff"),
    );
}

#[test]
fn crlf_and_bom_manifests_check_like_lf() {
    let json = |name: &str| {
        let f = format!("{H}/manifests/{name}.yaml");
        let r = run(&["check", "--format", "json", &f]);
        assert_eq!((r.code, r.stderr.as_str()), (Some(1), ""), "{name}");
        r.stdout.replace(&f, "FILE")
    };
    let lf = json("lf");
    assert!(lf.contains("\"line\": 11"), "{lf}");
    assert_eq!(json("crlf"), lf);
    assert_eq!(json("bom"), lf);
}

#[test]
fn crlf_and_bom_values_render_like_lf() {
    let chart = format!("{H}/charts/line-endings");
    let render = |v: &str| {
        let f = format!("{chart}/values-{v}.yaml");
        let r = run(&["render", &chart, "-f", &f]);
        assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""), "{v}");
        r.stdout
    };
    let lf = render("lf");
    assert_eq!(
        lf,
        "---\n# Source: line-endings/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: le\ndata:\n  list: \"a,b\"\n  text: \"one\\ntwo\\n\"\n"
    );
    assert_eq!(render("crlf"), lf);
    assert_eq!(render("bom"), lf);
}

#[test]
fn huge_files_are_refused_before_reading() {
    let tmp = tempfile::tempdir().unwrap();
    // A 50 MB values file, generated here (never committed).
    let big = tmp.path().join("values-50mb.yaml");
    let line = format!("k: {}\n", "x".repeat(1000));
    let body = line.repeat(50 * 1024 * 1024 / line.len() + 1);
    std::fs::write(&big, &body).unwrap();
    let len = std::fs::metadata(&big).unwrap().len();
    let shown = big.display().to_string();
    render_fails(
        "line-endings",
        &["-f", &shown],
        &format!(
            "{shown}: file is {len} bytes, over the limit of 16777216 bytes (limits.file-bytes)"
        ),
    );
    // A huge manifest document (17 MiB) for `check`: refused on its size, before reading.
    let doc = tmp.path().join("huge.yaml");
    let text = format!("a: \"{}\"\n", "y".repeat(17 << 20));
    std::fs::write(&doc, &text).unwrap();
    let shown = doc.display().to_string();
    check_fails(
        &shown,
        &format!(
            "{shown}: file is {} bytes, over the limit of 16777216 bytes (limits.file-bytes)",
            text.len()
        ),
    );
}

#[test]
fn template_infinite_recursion() {
    let r = run(&["render", &format!("{H}/charts/template-recursion")]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.starts_with("Error: template: template-recursion/templates/cm.yaml:2:6: executing \"template-recursion/templates/cm.yaml\" at <include \"loop\" .>: error calling include: template: template-recursion/templates/cm.yaml:1:23: executing \"loop\" at <include \"loop\" .>: error calling include: "), "{}", &r.stderr[..300]);
    assert!(
        r.stderr.ends_with(
            "error calling include: rendering template has a nested reference name: loop: unable to execute template\n"
        ),
        "{}",
        &r.stderr[r.stderr.len().saturating_sub(300)..]
    );
}

#[test]
fn output_bomb() {
    render_fails(
        "output-bomb",
        &[],
        "output-bomb/templates/cm.yaml:2:22\n  executing \"output-bomb/templates/cm.yaml\" at <>:\n    template output exceeds the limit of 67108864 bytes (limits.output-bytes)",
    );
}

#[test]
fn huge_range() {
    // 10 billion iterations; the limit is lowered so the test stays fast in debug builds.
    render_fails(
        "huge-range",
        &["--limit", "range-iterations=100000"],
        "huge-range/templates/cm.yaml:1:28\n  executing \"huge-range/templates/cm.yaml\" at <until 100000>:\n    range iterations exceed the limit of 100000 (limits.range-iterations)",
    );
}

#[test]
fn time_budget() {
    let start = Instant::now();
    render_fails(
        "time-budget",
        &["--limit", "render-seconds=1"],
        "time-budget/templates/cm.yaml:1:26\n  executing \"time-budget/templates/cm.yaml\" at <>:\n    template execution exceeded the time budget of 1s (limits.render-seconds)",
    );
    assert!(start.elapsed() < Duration::from_secs(30));
}

#[test]
fn regex_size_and_backtracking() {
    render_fails(
        "regex",
        &[],
        "template: regex/templates/cm.yaml:4:9: executing \"regex/templates/cm.yaml\" at <mustRegexMatch \"((((a{100}){100}){100}){100})\" \"a\">: error calling mustRegexMatch: error parsing regexp: Compiled regex exceeds size limit of 4194304 bytes.",
    );
    // The backtracking-prone pattern alone runs in linear time.
    let tmp = tempfile::tempdir().unwrap();
    let chart = tmp.path().join("regex");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::copy(
        format!("{H}/charts/regex/Chart.yaml"),
        chart.join("Chart.yaml"),
    )
    .unwrap();
    let tpl = std::fs::read_to_string(format!("{H}/charts/regex/templates/cm.yaml")).unwrap();
    let first_two: String = tpl.lines().take(2).map(|l| format!("{l}\n")).collect();
    std::fs::write(chart.join("templates/cm.yaml"), first_two).unwrap();
    let r = run(&["render", &chart.display().to_string()]);
    assert_eq!(r.stderr, "");
    assert!(r.stdout.ends_with("catastrophic: false\n"), "{}", r.stdout);
}

#[test]
fn files_cannot_escape_and_lookup_is_empty() {
    let r = run(&["render", &format!("{H}/charts/files-escape")]);
    assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""));
    assert_eq!(
        r.stdout,
        "---\n# Source: files-escape/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: files-escape\ndata:\n  parent: \"\"\n  absolute: \"\"\n  dotdot: \"\"\n  globParent: \"\"\n  globAll: \"files/ok.txt \"\n  inside: \"inside the chart\\n\"\n  lookup: \"{}\"\n"
    );
}

#[test]
fn no_environment_functions() {
    render_fails(
        "env",
        &[],
        "parse error at (env/templates/cm.yaml:1): function \"env\" not defined",
    );
    // expandenv neither, and nothing of the environment reaches a template.
    let tmp = tempfile::tempdir().unwrap();
    let chart = tmp.path().join("c");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: c\nversion: 1.0.0\n",
    )
    .unwrap();
    std::fs::write(
        chart.join("templates/a.yaml"),
        "a: {{ expandenv \"$HOME\" }}\n",
    )
    .unwrap();
    let r = run(&["render", &chart.display().to_string()]);
    assert_eq!(
        r.stderr,
        "Error: parse error at (c/templates/a.yaml:1): function \"expandenv\" not defined\n"
    );
    std::fs::write(
        chart.join("templates/a.yaml"),
        "a: {{ toJson . | b64enc }}\n",
    )
    .unwrap();
    let r = support::cmd()
        .args(["render", &chart.display().to_string()])
        .env("CHARTGATE_SECRET_PROBE", "s3cr3t-value")
        .run();
    let out = r.stdout.as_str();
    let encoded = out.trim().rsplit(' ').next().unwrap_or("");
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    let text = String::from_utf8_lossy(&decoded);
    assert!(text.contains("\"Release\""), "{text}");
    assert!(!text.contains("s3cr3t-value"), "{text}");
}

#[test]
fn symlink_out_of_the_chart() {
    if !Path::new(&format!("{H}/charts/symlink-out/templates/leak.yaml")).is_symlink() {
        // A checkout without symlink support: make the link here.
        return;
    }
    render_fails(
        "symlink-out",
        &[],
        &format!(
            "{H}/charts/symlink-out/templates/leak.yaml: symbolic link to /etc/passwd leaves the repository ({})",
            std::fs::canonicalize(env!("CARGO_MANIFEST_DIR"))
                .unwrap()
                .display()
        ),
    );
}

#[test]
fn tar_entry_with_dotdot() {
    render_fails(
        "tar-dotdot",
        &[],
        &format!(
            "{H}/charts/tar-dotdot/charts/evil-0.1.0.tgz: error unpacking subchart evil-0.1.0.tgz in tar-dotdot: chart illegally contains content outside the base directory: \"evil/../../../escaped.yaml\""
        ),
    );
}

#[test]
fn wrong_types_in_values() {
    render_fails(
        "wrong-types",
        &[],
        "wrong-types/templates/deploy.yaml:2:15\n  executing \"wrong-types/templates/deploy.yaml\" at <.Values.image.tag>:\n    can't evaluate field tag in type interface {}",
    );
}

#[test]
fn rego_policy_that_loops() {
    let start = Instant::now();
    let r = run(&[
        "policy",
        "test",
        &format!("{H}/policies/loop.rego"),
        "--limit",
        "render-seconds=1",
    ]);
    assert_eq!(r.code, Some(1));
    let first = r.stdout.lines().next().unwrap_or("");
    assert!(
        first.starts_with(&format!("{H}/policies/loop.rego:13: data.main.test_loop: FAIL ({H}/policies/loop.rego:0:0: execution exceeded time limit (elapsed=")),
        "{first}"
    );
    assert!(first.ends_with("limit=1000000000ns))"), "{first}");
    assert!(start.elapsed() < Duration::from_secs(30));
}

#[test]
fn limits_in_config_are_validated() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("chartgate.yaml");
    std::fs::write(&cfg, "limits:\n  file-bytes: 100\n  nope: 1\n").unwrap();
    let shown = cfg.display().to_string();
    let r = run(&[
        "check",
        "--config",
        &shown,
        &format!("{H}/manifests/lf.yaml"),
    ]);
    assert_eq!(
        r.stderr,
        format!("chartgate: config error: {shown}:3:3: limits: unknown key `nope`\n")
    );
    assert_eq!(r.code, Some(2));
    std::fs::write(&cfg, "limits:\n  file-bytes: 100\n").unwrap();
    let f = format!("{H}/manifests/lf.yaml");
    let r = run(&["check", "--config", &shown, &f]);
    assert_eq!(
        r.stderr,
        format!(
            "chartgate: {f}: file is 169 bytes, over the limit of 100 bytes (limits.file-bytes)\n"
        )
    );
    assert_eq!(r.code, Some(2));
}

/// Functions that multiply their input check the size before allocating.
#[test]
fn function_results_are_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    let chart = tmp.path().join("f");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: f\nversion: 1.0.0\n",
    )
    .unwrap();
    let cases = [
        (
            "{{ indent 99999999999 \"a\" }}",
            "template: f/templates/t.yaml:1:3: executing \"f/templates/t.yaml\" at <indent 99999999999 \"a\">: error calling indent: indent: result would be 100000000000 bytes, over the limit of 67108864 bytes (limits.output-bytes)",
        ),
        (
            "{{ replace \"\" \"xx\" (repeat 40000000 \"y\") }}",
            "template: f/templates/t.yaml:1:3: executing \"f/templates/t.yaml\" at <replace \"\" \"xx\" (repeat 40000000 \"y\")>: error calling replace: replace: result would be 120000002 bytes, over the limit of 67108864 bytes (limits.output-bytes)",
        ),
        (
            "{{ $s := repeat 40000000 \"y\" }}{{ $s = print $s $s }}",
            "template: f/templates/t.yaml:1:39: executing \"f/templates/t.yaml\" at <print $s $s>: error calling print: result is 80000000 bytes, over the limit of 67108864 bytes (limits.output-bytes)",
        ),
        (
            "{{ $l := list 1 }}{{ range until 40 }}{{ $l = list $l $l }}{{ end }}{{ toJson $l }}",
            "template: f/templates/t.yaml:1:71: executing \"f/templates/t.yaml\" at <toJson $l>: error calling toJson: argument would print to more than 67108864 bytes (limits.output-bytes)",
        ),
        (
            "{{ $l := list 1 }}{{ range until 40 }}{{ $l = list $l $l }}{{ end }}{{ $l }}",
            "f/templates/t.yaml:1:68\n  executing \"f/templates/t.yaml\" at <>:\n    template output exceeds the limit of 67108864 bytes (limits.output-bytes)",
        ),
        ("{{ printf \"%99999999999d|\" 1 }}", ""),
    ];
    for (tpl, msg) in cases {
        std::fs::write(chart.join("templates/t.yaml"), tpl).unwrap();
        let r = run(&["render", &chart.display().to_string(), "-o", "json"]);
        if msg.is_empty() {
            // Go's parsenum drops a width past 1e6 and consumes the rest of the format.
            assert_eq!(
                r.stdout, "{\n  \"f/templates/t.yaml\": \"%!(NOVERB)%!(EXTRA int=1)\"\n}\n",
                "{tpl}"
            );
            continue;
        }
        let want = serde_json::json!({ "error": msg }).to_string();
        assert_eq!(r.stdout.trim_end(), want, "{tpl}");
        assert_eq!(r.code, Some(1), "{tpl}");
    }
}

/// An unreadable manifest (invalid UTF-8) is reported and the other inputs are still checked and
/// reported; the exit code is 2.
#[test]
fn unreadable_manifest_does_not_hide_the_rest() {
    let bad = format!("{H}/manifests/invalid-utf8.yaml");
    let r = run(&[
        "check",
        "--format",
        "json",
        &bad,
        "fixtures/manifests/image-tag-pinned/fail.yaml",
        "fixtures/team-repo/services/web",
    ]);
    assert_eq!(
        r.stderr.lines().next(),
        Some(format!("chartgate: {bad}:6:7: invalid UTF-8 byte 0xff").as_str()),
        "{}",
        r.stderr
    );
    assert_eq!(r.code, Some(2));
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let files: std::collections::BTreeSet<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(
        files.contains("fixtures/manifests/image-tag-pinned/fail.yaml"),
        "{files:?}"
    );
    assert!(
        files.contains("fixtures/team-repo/services/web/values-dev.yaml"),
        "{files:?}"
    );
}

/// `check --limit NAME=VALUE` overrides the configs' `limits:` for every chart; a bad value is a
/// usage error.
#[test]
fn check_limit_flag_overrides_the_config() {
    let r = run(&[
        "check",
        "--format",
        "json",
        "fixtures/team-repo/services/web",
        "--env",
        "dev",
        "--limit",
        "output-bytes=100",
    ]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "chartgate: 1 of 1 chart renders failed (see the `render-error` findings)\n"
    );
    // At the template line that wrote past the limit (text nodes carry their position too).
    assert_eq!(
        r.finding_lines_as("{rule} {severity} {env} {file}:{line}:{column} {message}"),
        [
            "render-error error dev fixtures/team-repo/services/web/templates/service.yaml:6:8 web/templates/service.yaml:6:8\n  executing \"web/templates/service.yaml\" at <include \"web.labels\" .>:\n    error calling include:\nweb/templates/_helpers.tpl:6:41\n  executing \"web.labels\" at <>:\n    template output exceeds the limit of 100 bytes (limits.output-bytes)"
        ]
    );
    let r = run(&["check", "fixtures/team-repo", "--limit", "render-seconds=x"]);
    assert_eq!(r.code, Some(2));
    assert_eq!(
        r.stderr,
        "chartgate: invalid --limit `render-seconds=x`: the value must be a positive integer\n"
    );
}

#[test]
fn deeply_nested_directories_are_walked_in_linear_time() {
    // Each directory's config was looked up by walking up to the root: 1,500 nested
    // directories took 1.4 million `stat` calls on ever longer paths (98 s, past the run's
    // 30 s budget, which the walk did not check). Each directory's config is now remembered.
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(t.path().join(".git")).unwrap();
    let deep: std::path::PathBuf = std::iter::repeat_n("d", 1500).collect();
    let dir = t.path().join(&deep);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: {app.kubernetes.io/name: x, team: t, environment: dev}\n",
    )
    .unwrap();
    std::fs::write(
        t.path().join("chartgate.yaml"),
        "rules:\n  required-labels: off\n",
    )
    .unwrap();
    let start = Instant::now();
    let r = support::run_in(t.path(), &["check", "--format", "json", "."]);
    assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""), "{}", r.stdout);
    assert!(r.stdout.contains("\"findings\": []"), "{}", r.stdout);
    assert!(start.elapsed() < Duration::from_secs(30));
}

#[test]
fn a_values_schema_that_expands_exponentially_is_refused() {
    // `d_i = {anyOf: [{$ref: d_i+1}, {$ref: d_i+1}]}` 24 levels deep, 2 KB: validating a wrong
    // value collected every branch's failures, 24 GB and no end.
    let t = tempfile::tempdir().unwrap();
    let mut defs = serde_json::Map::new();
    for i in 0..24 {
        let next = serde_json::json!({"$ref": format!("#/definitions/d{}", i + 1)});
        defs.insert(
            format!("d{i}"),
            serde_json::json!({"anyOf": [next.clone(), next]}),
        );
    }
    defs.insert("d24".into(), serde_json::json!({"type": "integer"}));
    let schema = serde_json::json!({
        "definitions": defs,
        "properties": {"x": {"$ref": "#/definitions/d0"}}
    });
    let chart = t.path().join("s");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: s\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::write(chart.join("values.yaml"), "x: str\n").unwrap();
    std::fs::write(chart.join("values.schema.json"), schema.to_string()).unwrap();
    let start = Instant::now();
    let r = support::run_in(t.path(), &["render", "s"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            Some(1),
            "Error: s: values.schema.json: the schema expands to more than 200000 subschema evaluations through its `$ref`s (a chain of `anyOf`/`oneOf`/`allOf` branches naming the same definitions doubles at every level); validating values against it would take time and memory without bound\n"
        )
    );
    // A `required` list of 100,000 names: each failure was compared with every other (100 s).
    let required: Vec<String> = (0..100_000).map(|i| format!("r{i}")).collect();
    std::fs::write(
        chart.join("values.schema.json"),
        serde_json::json!({"type": "object", "required": required}).to_string(),
    )
    .unwrap();
    let r = support::run_in(t.path(), &["render", "s"]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr
            .starts_with("Error: values don't meet the specifications of the schema(s) in the following chart(s):\ns:\n- at '': missing properties 'r0', 'r1', "),
        "{}",
        &r.stderr[..200.min(r.stderr.len())]
    );
    assert!(start.elapsed() < Duration::from_secs(30));
}
