//! `audit --format html` and `--compare`: the single-file report is self-contained (no network
//! reference at all) and escapes hostile repository content; loaded in a real headless browser
//! (Debian's `chromium`) it renders the team table and the drill-down, which the script draws
//! from the URL fragment. The screenshot is kept as `target/tmp/audit-html.png`.
//!
//! The browser tests FAIL when `chromium` is not on PATH (`.ci/run` installs it), unless
//! `CHARTGATE_SKIP_BROWSER=1` is set.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;
use support::copy_dir;

use serde_json::Value;

fn chartgate(dir: &Path, args: &[&str]) -> (i32, String, String) {
    support::cli(args)
        .dir(dir)
        .env("NO_COLOR", "1")
        .run()
        .into_parts()
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn write(root: &Path, path: &str, text: &str) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// The hostile chart's folder: markup in a path.
const EVIL_DIR: &str = "x\"><img src=x onerror=alert(1)>";

/// Two repositories: `payments`, the fixture team repo (3 charts × dev/test/prod) with a
/// CODEOWNERS giving two teams, and `evil`, a repository whose names and values carry markup.
fn org() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let pay = d.join("payments");
    copy_dir(&manifest_dir().join("fixtures/team-repo"), &pay);
    // The schema the fixture's config references from outside the repository, moved inside.
    std::fs::create_dir_all(pay.join("schemas")).unwrap();
    std::fs::copy(
        manifest_dir().join("schemas/service-chart.schema.json"),
        pay.join("schemas/service-chart.schema.json"),
    )
    .unwrap();
    let cfg = std::fs::read_to_string(pay.join("chartgate.yaml"))
        .unwrap()
        .replace("../../schemas/", "schemas/");
    std::fs::write(pay.join("chartgate.yaml"), cfg).unwrap();
    write(
        &pay,
        ".github/CODEOWNERS",
        "* @acme/payments\n/services/reports/ @acme/reports\n",
    );
    let evil = d.join("evil");
    write(
        &evil,
        "chartgate.yaml",
        "root: true\nregistries: [\"registry.example/*\"]\n",
    );
    write(&evil, ".github/CODEOWNERS", "* @evil/<b>team</b>\n");
    let chart = format!("charts/{EVIL_DIR}");
    write(
        &evil,
        &format!("{chart}/Chart.yaml"),
        "apiVersion: v2\nname: evil\nversion: 0.1.0\n",
    );
    write(
        &evil,
        &format!("{chart}/values.yaml"),
        "image: \"docker.io/</script><script>alert(1)</script>:1.0\"\n",
    );
    write(
        &evil,
        &format!("{chart}/templates/pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: evil\n  labels: {team: a, environment: x, app.kubernetes.io/name: evil}\nspec:\n  containers:\n    - name: c\n      image: {{ .Values.image | quote }}\n      resources:\n        requests: {cpu: 10m, memory: 64Mi}\n        limits: {memory: 64Mi}\n",
    );
    t
}

/// Moves the reports chart's non-ECR image from dev to test: the dev `image-registry` finding
/// is fixed, a test one is new.
fn change(d: &Path) {
    let svc = d.join("payments/services/reports");
    std::fs::write(
        svc.join("values-dev.yaml"),
        "schedule: \"*/30 * * * *\"\nenvironment: dev\n",
    )
    .unwrap();
    std::fs::write(
        svc.join("values-test.yaml"),
        "image:\n  repository: busybox\n  tag: \"1.36\"\nschedule: \"0 3 * * *\"\nenvironment: test\n",
    )
    .unwrap();
}

/// The audit and its report: an old JSON report, two history lines, the change, then the HTML
/// report with `--compare` and `--history`. Returns the report's path.
fn report(d: &Path) -> PathBuf {
    let (code, out, err) = chartgate(
        d,
        &[
            "audit", "payments", "evil", "--format", "json", "--output", "old.json",
        ],
    );
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    let out = support::cmd()
        .current_dir(d)
        .env("SOURCE_DATE_EPOCH", "1764547200")
        .args(["audit", "payments", "evil", "--history", "history.jsonl"])
        .run();
    assert_eq!(out.code, Some(0));
    change(d);
    let out = support::cmd()
        .current_dir(d)
        .env("SOURCE_DATE_EPOCH", "1764633600")
        .args([
            "audit",
            "payments",
            "evil",
            "--output",
            "html=report.html",
            "--compare",
            "old.json",
            "--history",
            "history.jsonl",
        ])
        .run();
    assert_eq!((out.code, out.stderr.as_str()), (Some(0), ""));
    d.join("report.html")
}

/// Text of the element starting at `start` (an opening tag) up to the next `end`, tags removed,
/// entities decoded, whitespace collapsed.
fn text_of(html: &str, start: &str, end: &str) -> String {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in:\n{html}"));
    let j = i + html[i..].find(end).unwrap();
    let mut text = String::new();
    let mut in_tag = false;
    for c in html[i..j].chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every `src=`/`href=` (and similar) attribute value of the tags in the markup.
fn references(html: &str) -> Vec<String> {
    let tag = regex::Regex::new(r"<[a-zA-Z][^>]*>").unwrap();
    let attr = regex::Regex::new(
        r#"(?i)\s(?:src|href|xlink:href|action|formaction|poster|srcset)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)"#,
    )
    .unwrap();
    tag.find_iter(html)
        .flat_map(|t| {
            attr.captures_iter(t.as_str())
                .map(|c| c[1].trim_matches(['"', '\'']).to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn html_report_is_self_contained_and_escapes_repository_content() {
    let t = org();
    let html = std::fs::read_to_string(report(t.path())).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>\n"));
    // No network reference of any kind, and a policy that forbids loading anything.
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(!html.contains("url("), "no CSS url()");
    let refs = references(&html);
    assert!(!refs.is_empty());
    assert!(
        refs.iter().all(|r| r.starts_with('#')),
        "only in-page links: {refs:?}"
    );
    assert!(html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\""));
    for tag in ["<link", "<img", "<iframe", "<object", "<embed", "<base"] {
        assert!(!html.contains(tag), "{tag}");
    }
    // Exactly the two script blocks the report writes; hostile text is escaped in markup and JSON.
    assert_eq!(html.matches("<script").count(), 2);
    assert_eq!(html.matches("</script>").count(), 2);
    assert!(!html.contains("<b>team"));
    assert!(html.contains("@evil/&lt;b&gt;team&lt;/b&gt;"));
    assert!(html.contains("docker.io/\\u003c/script\\u003e\\u003cscript\\u003ealert(1)"));
    // Static tables (before any script runs).
    assert_eq!(
        text_of(&html, "<table id=\"repos\"", "</table>"),
        "Repository Charts Checks Passing Score Errors Warnings Info \
         payments 3 9 3 33% 11 0 0 \
         evil 1 1 0 0% 1 0 0"
    );
    assert_eq!(
        text_of(&html, "<p id=\"changes-summary\"", "</p>"),
        "Since old.json : 1 new finding 1 fixed"
    );
    assert_eq!(
        text_of(&html, "<table id=\"new-findings\"", "</table>"),
        "Rule Severity Chart Environment Location Message \
         image-registry error payments/services/reports test payments/services/reports/values-test.yaml:2:15 \
         container `reports`: image `docker.io/library/busybox:1.36` is not from an allowed registry (354918371398.dkr.ecr.*.amazonaws.com/*)"
    );
    assert_eq!(
        text_of(&html, "<table id=\"fixed-findings\"", "</table>"),
        "Rule Severity Chart Environment Location Message \
         image-registry error payments/services/reports dev payments/services/reports/values-dev.yaml:2:15 \
         container `reports`: image `docker.io/library/busybox:1.36` is not from an allowed registry (354918371398.dkr.ecr.*.amazonaws.com/*)"
    );
    // The trend: one point per history line, the latest first in the table.
    assert_eq!(html.matches("<circle ").count(), 2);
    assert_eq!(
        text_of(&html, "<table id=\"trend-table\"", "</table>"),
        "Date Score Checks Passing Errors Warnings Info \
         2025-12-02T00:00:00Z 30% 10 3 12 0 0 \
         2025-12-01T00:00:00Z 30% 10 3 12 0 0"
    );
}

/// `chromium`, or None when the browser tests are skipped on purpose.
fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
            .find(|p| p.is_file())
    });
    if found.is_none() && std::env::var("CHARTGATE_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!("chromium not found; browser test skipped (CHARTGATE_SKIP_BROWSER=1)");
        return None;
    }
    Some(found.expect(
        "chromium is not installed: install Debian's chromium (`apt-get install chromium`, as .ci/run does) \
         or set CHARTGATE_SKIP_BROWSER=1 to skip the browser test",
    ))
}

/// Loads `url` in headless chromium (the script runs within the virtual time budget) and
/// returns the DOM after it ran; `extra` adds arguments (a screenshot).
fn browse(browser: &Path, profile: &Path, url: &str, extra: &[String]) -> String {
    let out = assert_cmd::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--window-size=1280,2000",
            "--virtual-time-budget=5000",
            &format!("--user-data-dir={}", profile.display()),
        ])
        .args(extra)
        .arg(url)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let out = support::Run::from(out);
    assert!(out.success(), "chromium failed: {}", out.stderr.as_str());
    out.stdout.clone()
}

#[test]
fn html_report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else { return };
    let t = org();
    let d = t.path();
    let file = report(d);
    let url = format!("file://{}", file.display());
    let profile = d.join("chromium-profile");

    // The overview: the team table as rendered, and the script ran (the drill-down prompt).
    // Kept after the run for a person to look at: cargo's scratch directory for integration
    // tests (`target/tmp`, wherever CARGO_TARGET_DIR puts it).
    let shot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("audit-html.png");
    let _ = std::fs::remove_file(&shot);
    let dom = browse(
        &browser,
        &profile,
        &url,
        &[
            "--dump-dom".to_string(),
            format!("--screenshot={}", shot.display()),
        ],
    );
    assert!(dom.contains("data-rendered=\"1\""), "the script ran");
    assert_eq!(
        text_of(&dom, "<table id=\"teams\"", "</table>"),
        "Team Services Checks Passing Score Errors Warnings Info \
         @acme/payments 2 6 2 33% 9 0 0 \
         @acme/reports 1 3 1 33% 2 0 0 \
         @evil/<b>team</b> 1 1 0 0% 1 0 0"
    );
    assert_eq!(
        text_of(&dom, "<section id=\"drill\"", "</section>"),
        "Drill-down Overview Select a team, repository or chart above to drill down to its environments and findings."
    );
    let png =
        std::fs::read(&shot).unwrap_or_else(|e| panic!("the screenshot {}: {e}", shot.display()));
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));

    // Drill-down: a team, then one chart × environment with its findings at the values lines.
    let dom = browse(
        &browser,
        &profile,
        &format!("{url}#team=%40acme%2Freports"),
        &["--dump-dom".to_string()],
    );
    assert_eq!(
        text_of(&dom, "<section id=\"drill\"", "</section>"),
        "Drill-down Overview › team @acme/reports Team @acme/reports 1 chart(s) \
         Chart Team Repository Checks Passing Score Environments \
         payments/services/reports @acme/reports payments 3 1 33% dev pass · test FAIL · prod FAIL"
    );
    let dom = browse(
        &browser,
        &profile,
        &format!("{url}#check=payments%2Fservices%2Freports&env=test"),
        &["--dump-dom".to_string()],
    );
    let findings = old_findings(d, "payments/services/reports", "test");
    assert_eq!(
        text_of(&dom, "<section id=\"drill\"", "</section>"),
        format!(
            "Drill-down Overview › repository payments › team @acme/reports › payments/services/reports › environment test \
             payments/services/reports in environment test 1 finding(s) \
             error image-registry new # \
             container `reports`: image `docker.io/library/busybox:1.36` is not from an allowed registry (354918371398.dkr.ecr.*.amazonaws.com/*) \
             at payments/services/reports/values-test.yaml:2:15 \
             template payments/services/reports/templates/cronjob.yaml:21:23 \
             rendered reports/templates/cronjob.yaml:19:22 \
             resource CronJob/reports field spec.jobTemplate.spec.template.spec.containers[0].image \
             chart payments/services/reports environment test fingerprint {}",
            findings
        )
    );

    // The hostile chart: its markup is text in the rendered page, never elements.
    let evil = format!("evil/charts/{EVIL_DIR}");
    let enc: String = evil
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let dom = browse(
        &browser,
        &profile,
        &format!("{url}#check={enc}"),
        &["--dump-dom".to_string()],
    );
    let drill = text_of(&dom, "<section id=\"drill\"", "</section>");
    assert!(
        drill.starts_with(&format!(
            "Drill-down Overview › repository evil › team @evil/<b>team</b> › {evil} › environment - {evil} in its defaults 1 finding(s) error image-registry #"
        )),
        "{drill}"
    );
    assert!(drill.contains("image `docker.io/</script><script>alert(1)</script>:1.0`"));
    assert!(!dom.contains("<img"), "no element from repository content");
    assert!(!dom.contains("<b>team"));
    assert_eq!(dom.matches("<script").count(), 2);
}

/// The fingerprint the current report gives the one finding of `service` in `env` (from the
/// JSON report, which the HTML drill-down shows).
fn old_findings(d: &Path, service: &str, env: &str) -> String {
    let (_, json, _) = chartgate(d, &["audit", "payments", "evil", "--format", "json"]);
    let v: Value = serde_json::from_str(&json).unwrap();
    let fps: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["chart"] == service && f["environment"] == env)
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fps.len(), 1);
    assert_eq!(fps[0].len(), 32);
    fps[0].to_string()
}

#[test]
fn compare_adds_new_and_fixed_counts_to_every_format() {
    let t = org();
    let d = t.path();
    let (code, _, _) = chartgate(
        d,
        &[
            "audit", "payments", "--format", "json", "--output", "old.json",
        ],
    );
    assert_eq!(code, 0);
    // Against itself: nothing new, nothing fixed.
    let (code, out, err) = chartgate(d, &["audit", "payments", "--compare", "old.json"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(
        out.ends_with("Since old.json: 0 new findings, 0 fixed.\n"),
        "{out}"
    );
    change(d);
    let (_, text, _) = chartgate(d, &["audit", "payments", "--compare", "old.json"]);
    assert!(
        text.ends_with(
            "Score: 33% (3 of 9 checks passing)\n(a check is one chart × environment or plain manifest; it passes when it has no error finding)\nSince old.json: 1 new finding, 1 fixed.\n"
        ),
        "{text}"
    );
    let (_, md, _) = chartgate(
        d,
        &[
            "audit",
            "payments",
            "--compare",
            "old.json",
            "--format",
            "markdown",
        ],
    );
    assert!(
        md.ends_with("\n\n**Since old.json: 1 new finding, 1 fixed.**\n"),
        "{md}"
    );
    let (_, json, _) = chartgate(
        d,
        &[
            "audit",
            "payments",
            "--compare",
            "old.json",
            "--format",
            "json",
        ],
    );
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["compare"],
        serde_json::json!({"against": "old.json", "new": 1, "fixed": 1})
    );
    // A report without fingerprints (older chartgate) is matched by computing them.
    let mut old: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("old.json")).unwrap()).unwrap();
    for f in old["findings"].as_array_mut().unwrap() {
        f.as_object_mut().unwrap().remove("fingerprint").unwrap();
    }
    std::fs::write(d.join("old-v1.json"), old.to_string()).unwrap();
    let (_, json, _) = chartgate(
        d,
        &[
            "audit",
            "payments",
            "--compare",
            "old-v1.json",
            "--format",
            "json",
        ],
    );
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["compare"],
        serde_json::json!({"against": "old-v1.json", "new": 1, "fixed": 1})
    );
}

#[test]
fn compare_and_history_errors_name_the_file() {
    let t = org();
    let d = t.path();
    write(d, "bad.json", "{\"findings\": []}\n");
    let (code, out, err) = chartgate(d, &["audit", "payments", "--compare", "bad.json"]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (
            2,
            "",
            "chartgate: bad.json: not a chartgate audit report (no \"report\": \"chartgate-audit\"; write one with `chartgate audit --format json`)\n"
        )
    );
    write(d, "history.jsonl", "{\"date\": \"x\"}\n");
    let (code, out, err) = chartgate(
        d,
        &[
            "audit",
            "payments",
            "--format",
            "html",
            "--history",
            "history.jsonl",
        ],
    );
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (
            2,
            "",
            "chartgate: history.jsonl:1: not an audit history line: no \"checks\" count\n"
        )
    );
    let (code, _, err) = chartgate(d, &["audit", "payments", "--output", "pdf=r.pdf"]);
    assert_eq!(
        (code, err.as_str()),
        (
            2,
            "chartgate: invalid --output 'pdf=r.pdf': expected FILE or FORMAT=FILE, FORMAT one of text, markdown, json, html\n"
        )
    );
}
