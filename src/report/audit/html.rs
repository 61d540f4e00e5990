//! `audit --format html`: one self-contained HTML file for the platform team — organisation
//! summary, the findings new and fixed since `--compare OLD.json`, the trend of `--history FILE`
//! (an inline SVG chart), tables per team, repository and rule, and a drill-down from a team or
//! repository to its charts, a chart's environments, and an environment's findings with their
//! `file:line` (the values line when a value caused the finding).
//!
//! Everything is inline (CSS, SVG, one script) and a Content-Security-Policy forbids loading
//! anything, so the file opens offline and never calls out. Repository content is hostile: every
//! text is HTML-escaped here; the drill-down data is embedded as JSON with `<`, `>` and `&`
//! escaped as `\u003c` … (so no `</script>` can end the block), and the script only ever writes it
//! with `textContent`, never as markup. The drill-down state is the URL fragment (`#team=`,
//! `#repo=`, `#chart=`, `#check=…&env=`, `#finding=`), so a view can be linked to.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::compare::Comparison;
use super::history::Point;
use super::{AuditRun, AuditSummary, key_of, plural};
use crate::model::{Finding, Severity};
use crate::report::Summary;
use crate::report::baseline::fingerprint;
use crate::report::rules_info::resource_label;

/// Text (or attribute value) as HTML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Controls other than tab/newline have no business in a report.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A URL-fragment value as `encodeURIComponent` would write it (every byte but
/// `A-Z a-z 0-9 - _ . ~` percent-encoded), so the script's `decodeURIComponent` reads it back.
fn frag(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// JSON safe inside `<script type="application/json">`: no `<`, `>`, `&` or line separators.
fn script_json(v: &Value) -> String {
    serde_json::to_string(v)
        .unwrap_or_else(|_| "{}".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// The audited root a service (or file) is under: the longest root that is it or a folder
/// above it (`.` holds everything relative).
pub fn repo_of<'a>(roots: &'a [String], service: &str) -> Option<&'a str> {
    roots
        .iter()
        .filter(|r| {
            r.as_str() == service
                || (r.as_str() == "." && !service.starts_with('/') && !service.starts_with(".."))
                || service
                    .strip_prefix(r.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        })
        .max_by_key(|r| r.len())
        .map(String::as_str)
}

fn score_text(checks: usize, passing: usize) -> String {
    match (passing * 100).checked_div(checks) {
        Some(score) => format!("{score}%"),
        None => "-".into(),
    }
}

fn count(s: &mut Summary, sev: Severity) {
    match sev {
        Severity::Error => s.error += 1,
        Severity::Warning => s.warning += 1,
        Severity::Info => s.info += 1,
    }
}

/// `file:line:column` of a finding's primary location.
fn at(f: &Finding) -> String {
    format!(
        "{}:{}:{}",
        f.location.file, f.location.line, f.location.column
    )
}

/// One repository's totals.
#[derive(Default)]
struct RepoRow {
    services: usize,
    checks: usize,
    passing: usize,
    totals: Summary,
}

const STYLE: &str = r#"
:root{--err:#b3261e;--warn:#8a5a00;--info:#1d4f91;--ok:#1b6e2a;--line:#d6d6d6;--muted:#5f6368}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f1f1f;background:#fafafa}
header,main{max-width:1180px;margin:0 auto;padding:0 20px}
header{padding-top:18px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}h3{font-size:15px;margin:16px 0 6px}
.muted{color:var(--muted)}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:14px 0}
.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px 14px;min-width:120px}
.card b{display:block;font-size:22px}
table{border-collapse:collapse;background:#fff;width:100%;margin:4px 0 8px}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f1f3f4}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.sev-error{color:var(--err)}.sev-warning{color:var(--warn)}.sev-info{color:var(--info)}
.pass{color:var(--ok)}.fail{color:var(--err);font-weight:600}
.badge{display:inline-block;border-radius:3px;padding:0 5px;font-size:12px;background:#e8f0fe;color:#174ea6}
.badge.new{background:#fce8e6;color:var(--err)}.badge.fixed{background:#e6f4ea;color:var(--ok)}
.finding{background:#fff;border:1px solid var(--line);border-left:4px solid var(--line);border-radius:4px;padding:8px 12px;margin:8px 0}
.finding.sev-error{border-left-color:var(--err)}.finding.sev-warning{border-left-color:var(--warn)}.finding.sev-info{border-left-color:var(--info)}
.finding .msg{color:#1f1f1f;margin:2px 0}
.finding dl{display:grid;grid-template-columns:max-content 1fr;gap:0 12px;margin:4px 0 0;color:#1f1f1f}
.finding dt{color:var(--muted)}.finding dd{margin:0}
code,.loc{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px;word-break:break-all}
#crumbs{margin:6px 0}#crumbs a{margin-right:4px}
#drill{border-top:2px solid var(--line);margin-top:28px;padding-bottom:40px}
svg text{font-size:11px;fill:#5f6368}
a{color:#174ea6}
"#;

const SCRIPT: &str = r###"
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("audit-data").textContent);
  function el(tag, cls, kids) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    (kids || []).forEach(function (k) {
      if (k === null || k === undefined) return;
      e.appendChild(typeof k === "string" ? document.createTextNode(k) : k);
    });
    return e;
  }
  function frag(params) {
    return "#" + params.map(function (p) {
      return p.length > 1 && p[1] !== null ? p[0] + "=" + encodeURIComponent(p[1]) : p[0];
    }).join("&");
  }
  function link(text, params) {
    var a = el("a", null, [text]);
    a.setAttribute("href", frag(params));
    return a;
  }
  function hashParams() {
    var out = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
      if (!kv) return;
      var i = kv.indexOf("=");
      var k = i < 0 ? kv : kv.slice(0, i);
      var v = i < 0 ? null : kv.slice(i + 1);
      try { out[k] = v === null ? null : decodeURIComponent(v); } catch (e) { /* ignored */ }
    });
    return out;
  }
  function envLabel(e) { return e === null ? "-" : e; }
  function score(c, p) { return c === 0 ? "-" : Math.floor(p * 100 / c) + "%"; }
  function status(env) {
    if (!env.checked) return el("span", null, ["-"]);
    return env.errors === 0 ? el("span", "pass", ["pass"]) : el("span", "fail", ["FAIL"]);
  }
  function table(head, rows) {
    var t = el("table");
    var tr = el("tr");
    head.forEach(function (h) { tr.appendChild(el("th", null, [h])); });
    t.appendChild(el("thead", null, [tr]));
    var body = el("tbody");
    rows.forEach(function (r) {
      var row = el("tr");
      r.forEach(function (c) { row.appendChild(el("td", null, [c])); });
      body.appendChild(row);
    });
    t.appendChild(body);
    return t;
  }
  function serviceByName(name) {
    for (var i = 0; i < D.services.length; i++) if (D.services[i].service === name) return D.services[i];
    return null;
  }
  function teamLink(t) { return t === null ? link("(no team)", [["unowned"]]) : link(t, [["team", t]]); }
  function repoLink(r) { return r === null ? "-" : link(r, [["repo", r]]); }
  function servicesTable(list) {
    return table(["Chart", "Team", "Repository", "Checks", "Passing", "Score", "Environments"],
      list.map(function (s) {
        var envs = el("span");
        s.envs.forEach(function (e, i) {
          if (i) envs.appendChild(document.createTextNode(" · "));
          var params = [["check", s.service]];
          if (e.env !== null) params.push(["env", e.env]);
          envs.appendChild(link(envLabel(e.env), params));
          envs.appendChild(document.createTextNode(" "));
          envs.appendChild(status(e));
        });
        return [link(s.service, [["chart", s.service]]), teamLink(s.team), repoLink(s.repo),
          String(s.checks), String(s.passing), score(s.checks, s.passing), envs];
      }));
  }
  function findingBox(f) {
    var box = el("div", "finding sev-" + f.severity);
    var head = el("div", null, [el("b", "sev-" + f.severity, [f.severity]), " ", el("code", null, [f.rule])]);
    if (f.new) { head.appendChild(document.createTextNode(" ")); head.appendChild(el("span", "badge new", ["new"])); }
    head.appendChild(document.createTextNode(" "));
    head.appendChild(link("#", [["finding", f.fingerprint]]));
    box.appendChild(head);
    box.appendChild(el("div", "msg", [f.message]));
    var dl = el("dl");
    function row(k, v) { if (v === null || v === undefined) return; dl.appendChild(el("dt", null, [k])); dl.appendChild(el("dd", null, [v])); }
    row("at", el("span", "loc", [f.at]));
    f.related.forEach(function (r) { row(r[0], el("span", "loc", [r[1]])); });
    row("resource", f.resource);
    row("field", f.field);
    row("chart", f.service === null ? null : link(f.service, [["chart", f.service]]));
    row("environment", envLabel(f.environment));
    row("fingerprint", el("code", null, [f.fingerprint]));
    box.appendChild(dl);
    return box;
  }
  function crumbs(parts) {
    var nav = document.getElementById("crumbs");
    nav.textContent = "";
    nav.appendChild(link("Overview", [["top"]]));
    parts.forEach(function (p) { nav.appendChild(document.createTextNode(" › ")); nav.appendChild(p); });
  }
  function serviceCrumbs(s) {
    var parts = [];
    if (s.repo !== null) parts.push(link("repository " + s.repo, [["repo", s.repo]]));
    if (D.has_teams) parts.push(s.team === null ? link("no team", [["unowned"]]) : link("team " + s.team, [["team", s.team]]));
    parts.push(link(s.service, [["chart", s.service]]));
    return parts;
  }
  function render() {
    var p = hashParams();
    var view = document.getElementById("view");
    view.textContent = "";
    var title = null;
    if ("team" in p || "unowned" in p) {
      var team = "team" in p ? p.team : null;
      var list = D.services.filter(function (s) { return s.team === team; });
      crumbs([el("span", null, [team === null ? "no team" : "team " + team])]);
      title = team === null ? "Services without a team" : "Team " + team;
      view.appendChild(el("h2", null, [title]));
      view.appendChild(el("p", "muted", [list.length + " chart(s)"]));
      view.appendChild(servicesTable(list));
    } else if ("repo" in p) {
      var repo = D.services.filter(function (s) { return s.repo === p.repo; });
      crumbs([el("span", null, ["repository " + p.repo])]);
      view.appendChild(el("h2", null, ["Repository " + p.repo]));
      view.appendChild(el("p", "muted", [repo.length + " chart(s)"]));
      view.appendChild(servicesTable(repo));
    } else if ("chart" in p) {
      var s = serviceByName(p.chart);
      if (!s) { view.appendChild(el("p", null, ["No chart " + p.chart + " in this audit."])); return; }
      crumbs(serviceCrumbs(s).slice(0, -1).concat([el("span", null, [s.service])]));
      view.appendChild(el("h2", null, ["Chart " + s.service]));
      view.appendChild(table(["Environment", "Status", "Errors", "Findings", "Rules"], s.envs.map(function (e) {
        var params = [["check", s.service]];
        if (e.env !== null) params.push(["env", e.env]);
        return [link(envLabel(e.env), params), status(e), String(e.errors), String(e.findings), e.rules.join(", ")];
      })));
    } else if ("check" in p) {
      var env = "env" in p ? p.env : null;
      var sv = serviceByName(p.check);
      var fs = D.findings.filter(function (f) { return f.service === p.check && f.environment === env; });
      crumbs((sv ? serviceCrumbs(sv) : []).concat([el("span", null, ["environment " + envLabel(env)])]));
      view.appendChild(el("h2", null, [p.check + " in " + (env === null ? "its defaults" : "environment " + env)]));
      view.appendChild(el("p", "muted", [fs.length + " finding(s)"]));
      fs.forEach(function (f) { view.appendChild(findingBox(f)); });
    } else if ("finding" in p) {
      var f = D.findings.filter(function (f) { return f.fingerprint === p.finding; })[0];
      if (!f) { view.appendChild(el("p", null, ["No current finding has fingerprint " + p.finding + "."])); return; }
      var svc = f.service === null ? null : serviceByName(f.service);
      var params = [["check", f.service]];
      if (f.environment !== null) params.push(["env", f.environment]);
      crumbs((svc ? serviceCrumbs(svc) : []).concat([link("environment " + envLabel(f.environment), params), el("span", null, [f.rule])]));
      view.appendChild(el("h2", null, ["Finding " + f.rule]));
      view.appendChild(findingBox(f));
    } else {
      crumbs([]);
      view.appendChild(el("p", "muted", ["Select a team, repository or chart above to drill down to its environments and findings."]));
      return;
    }
    document.getElementById("drill").scrollIntoView();
  }
  window.addEventListener("hashchange", render);
  render();
  document.documentElement.setAttribute("data-rendered", "1");
})();
"###;

/// The trend chart of the history: the score per audit as an inline SVG line, with the
/// findings per severity in a table below.
fn trend(history: &[Point], name: Option<&str>) -> String {
    let mut out = String::from("<section id=\"trend\"><h2>Trend</h2>");
    if history.is_empty() {
        out.push_str(
            "<p class=\"muted\">No history: pass <code>--history FILE</code> to record each audit and show the trend.</p></section>",
        );
        return out;
    }
    let (w, h, left, top, right, bottom) = (720.0, 200.0, 44.0, 12.0, 16.0, 34.0);
    let pw: f64 = w - left - right;
    let ph: f64 = h - top - bottom;
    let n = history.len();
    let x = |i: usize| {
        if n == 1 {
            left + pw / 2.0
        } else {
            left + pw * i as f64 / (n - 1) as f64
        }
    };
    let y = |p: u64| top + ph * (100.0 - p.min(100) as f64) / 100.0;
    let _ = write!(
        out,
        "<p class=\"muted\">Score per audit from {} ({}).</p>",
        esc(name.unwrap_or("the history")),
        plural(n, "audit")
    );
    let _ = write!(
        out,
        "<svg id=\"trend-chart\" role=\"img\" aria-label=\"score per audit\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">"
    );
    for p in [0u64, 50, 100] {
        let _ = write!(
            out,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#d6d6d6\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{p}%</text>",
            w - right,
            left - 6.0,
            y(p) + 4.0,
            y = y(p)
        );
    }
    let points: Vec<String> = history
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.percent.map(|s| format!("{:.1},{:.1}", x(i), y(s))))
        .collect();
    let _ = write!(
        out,
        "<polyline fill=\"none\" stroke=\"#174ea6\" stroke-width=\"2\" points=\"{}\"/>",
        points.join(" ")
    );
    for (i, p) in history.iter().enumerate() {
        if let Some(s) = p.percent {
            let _ = write!(
                out,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"#174ea6\"><title>{}: {s}% ({} errors, {} warnings, {} info)</title></circle>",
                x(i),
                y(s),
                esc(&p.date),
                p.errors,
                p.warnings,
                p.infos
            );
        }
    }
    let first = &history[0].date;
    let last = &history[n - 1].date;
    let _ = write!(
        out,
        "<text x=\"{left}\" y=\"{:.1}\">{}</text>",
        h - 10.0,
        esc(first)
    );
    if n > 1 {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            w - right,
            h - 10.0,
            esc(last)
        );
    }
    out.push_str("</svg>");
    out.push_str("<table id=\"trend-table\"><thead><tr><th>Date</th><th class=\"n\">Score</th><th class=\"n\">Checks</th><th class=\"n\">Passing</th><th class=\"n\">Errors</th><th class=\"n\">Warnings</th><th class=\"n\">Info</th></tr></thead><tbody>");
    // The latest audits first, at most 20.
    for p in history.iter().rev().take(20) {
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&p.date),
            p.percent.map_or_else(|| "-".into(), |s| format!("{s}%")),
            p.checks,
            p.passing,
            p.errors,
            p.warnings,
            p.infos
        );
    }
    out.push_str("</tbody></table></section>");
    out
}

/// One row of the new / fixed tables.
fn change_row(out: &mut String, f: &Finding, fp: &str, linked: bool) {
    let rule = if linked {
        format!(
            "<a href=\"#finding={}\"><code>{}</code></a>",
            frag(fp),
            esc(&f.rule)
        )
    } else {
        format!("<code>{}</code>", esc(&f.rule))
    };
    let _ = write!(
        out,
        "<tr><td>{rule}</td><td class=\"sev-{sev}\">{sev}</td><td>{}</td><td>{}</td><td class=\"loc\">{}</td><td>{}</td></tr>",
        esc(f.chart.as_deref().unwrap_or("-")),
        esc(f.environment.as_deref().unwrap_or("-")),
        esc(&at(f)),
        esc(&f.message),
        sev = f.severity.as_str()
    );
}

fn changes(run: &AuditRun, c: &Comparison) -> String {
    let mut out = String::from("<section id=\"changes\"><h2>Changes</h2>");
    let _ = write!(
        out,
        "<p id=\"changes-summary\">Since <code>{}</code>: <span class=\"badge new\">{}</span> <span class=\"badge fixed\">{} fixed</span></p>",
        esc(&c.against),
        esc(&plural(c.new_count, "new finding")),
        c.fixed.len()
    );
    let head = "<thead><tr><th>Rule</th><th>Severity</th><th>Chart</th><th>Environment</th><th>Location</th><th>Message</th></tr></thead><tbody>";
    if c.new_count > 0 {
        let _ = write!(
            out,
            "<h3>New findings</h3><table id=\"new-findings\">{head}"
        );
        for f in &run.findings {
            let fp = fingerprint(f);
            if c.new.contains(&fp) {
                change_row(&mut out, f, &fp, true);
            }
        }
        out.push_str("</tbody></table>");
    }
    if !c.fixed.is_empty() {
        let _ = write!(
            out,
            "<h3>Fixed findings</h3><table id=\"fixed-findings\">{head}"
        );
        for (f, fp) in &c.fixed {
            change_row(&mut out, f, fp, false);
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>");
    out
}

/// The HTML report.
pub fn html(
    run: &AuditRun,
    s: &AuditSummary,
    compare: Option<&Comparison>,
    history: &[Point],
    history_name: Option<&str>,
) -> String {
    let mut out = String::with_capacity(64 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    // Nothing may be fetched: styles and the one script are inline, images only data: URLs.
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"generator\" content=\"chartgate audit\">\n");
    out.push_str("<title>chartgate audit</title>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style></head><body>\n<header><h1 id=\"top\">chartgate audit</h1>");
    let _ = write!(
        out,
        "<p class=\"muted\" id=\"roots\">of {}</p></header>\n<main>",
        s.roots
            .iter()
            .map(|r| format!("<code>{}</code>", esc(r)))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // Organisation summary.
    let with_teams = s.teams.iter().filter(|t| t.team.is_some()).count();
    let _ = writeln!(
        out,
        "<section id=\"summary\"><div class=\"cards\">\
<div class=\"card\"><b id=\"score\">{}</b>score</div>\
<div class=\"card\"><b>{}</b>of {} passing</div>\
<div class=\"card\"><b class=\"sev-error\">{}</b>errors</div>\
<div class=\"card\"><b class=\"sev-warning\">{}</b>warnings</div>\
<div class=\"card\"><b class=\"sev-info\">{}</b>info</div>\
<div class=\"card\"><b>{}</b>charts and manifests</div>\
<div class=\"card\"><b>{}</b>repositories</div>\
<div class=\"card\"><b>{}</b>teams</div></div>\
<p class=\"muted\">A check is one chart × environment (or plain manifest); it passes when it has no error finding. Score = passing checks / checks, rounded down.</p></section>",
        score_text(s.checks, s.passing),
        s.passing,
        esc(&plural(s.checks, "check")),
        s.totals.error,
        s.totals.warning,
        s.totals.info,
        s.services.len(),
        s.roots.len(),
        with_teams
    );
    if let Some(c) = compare {
        out.push_str(&changes(run, c));
        out.push('\n');
    }
    out.push_str(&trend(history, history_name));
    out.push('\n');

    // Teams.
    out.push_str("<section><h2>Teams</h2>");
    if s.teams.is_empty() {
        out.push_str("<p class=\"muted\" id=\"teams\">No service has a team (<code>teams:</code> in chartgate.yaml or CODEOWNERS).</p>");
    } else {
        out.push_str("<table id=\"teams\"><thead><tr><th>Team</th><th class=\"n\">Services</th><th class=\"n\">Checks</th><th class=\"n\">Passing</th><th class=\"n\">Score</th><th class=\"n\">Errors</th><th class=\"n\">Warnings</th><th class=\"n\">Info</th></tr></thead><tbody>");
        for t in &s.teams {
            let name = match &t.team {
                Some(n) => format!("<a href=\"#team={}\">{}</a>", frag(n), esc(n)),
                None => "<a href=\"#unowned\">(no team)</a>".into(),
            };
            let _ = write!(
                out,
                "<tr><td>{name}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                t.services.len(),
                t.checks,
                t.passing,
                score_text(t.checks, t.passing),
                t.totals.error,
                t.totals.warning,
                t.totals.info
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>\n");

    // Repositories.
    let mut repos: BTreeMap<&str, RepoRow> = BTreeMap::new();
    for svc in &s.services {
        let Some(r) = repo_of(&s.roots, &svc.service) else {
            continue;
        };
        let row = repos.entry(r).or_default();
        row.services += usize::from(svc.checked.iter().any(|c| *c));
        for (checked, errors) in svc.checked.iter().zip(&svc.errors) {
            if *checked {
                row.checks += 1;
                row.passing += usize::from(*errors == 0);
            }
        }
    }
    for f in &run.findings {
        if let Some(r) = repo_of(&s.roots, &key_of(f).service) {
            count(&mut repos.entry(r).or_default().totals, f.severity);
        }
    }
    out.push_str("<section><h2>Repositories</h2><table id=\"repos\"><thead><tr><th>Repository</th><th class=\"n\">Charts</th><th class=\"n\">Checks</th><th class=\"n\">Passing</th><th class=\"n\">Score</th><th class=\"n\">Errors</th><th class=\"n\">Warnings</th><th class=\"n\">Info</th></tr></thead><tbody>");
    for root in &s.roots {
        let Some(r) = repos.get(root.as_str()) else {
            continue;
        };
        let _ = write!(
            out,
            "<tr><td><a href=\"#repo={}\">{}</a></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            frag(root),
            esc(root),
            r.services,
            r.checks,
            r.passing,
            score_text(r.checks, r.passing),
            r.totals.error,
            r.totals.warning,
            r.totals.info
        );
    }
    out.push_str("</tbody></table></section>\n");

    // Rules.
    if !s.rules.is_empty() {
        out.push_str("<section><h2>Rules</h2><table id=\"rules\"><thead><tr><th>Rule</th><th>Severity</th><th class=\"n\">Findings</th><th class=\"n\">Services</th><th class=\"n\">Checks</th></tr></thead><tbody>");
        for r in &s.rules {
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td class=\"sev-{sev}\">{sev}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(&r.rule),
                r.findings,
                r.services,
                r.checks,
                sev = r.severity.as_str()
            );
        }
        out.push_str("</tbody></table></section>\n");
    }

    // The drill-down, drawn by the script from the data below.
    out.push_str("<section id=\"drill\"><h2>Drill-down</h2><nav id=\"crumbs\"></nav><div id=\"view\"><p class=\"muted\">The drill-down needs JavaScript.</p></div></section>\n</main>\n");
    let _ = write!(
        out,
        "<script type=\"application/json\" id=\"audit-data\">{}</script>\n<script>{SCRIPT}</script>\n</body></html>\n",
        script_json(&data(run, s, compare))
    );
    out
}

/// What the drill-down script reads.
fn data(run: &AuditRun, s: &AuditSummary, compare: Option<&Comparison>) -> Value {
    // (service, environment) → (findings, rules).
    type Check<'a> = (usize, std::collections::BTreeSet<&'a str>);
    let mut per_check: BTreeMap<(&str, Option<&str>), Check<'_>> = BTreeMap::new();
    let keys: Vec<_> = run.findings.iter().map(key_of).collect();
    for (f, k) in run.findings.iter().zip(&keys) {
        let e = per_check
            .entry((k.service.as_str(), k.environment.as_deref()))
            .or_default();
        e.0 += 1;
        e.1.insert(f.rule.as_str());
    }
    let services: Vec<Value> = s
        .services
        .iter()
        .map(|svc| {
            let checks = svc.checked.iter().filter(|c| **c).count();
            let passing = svc
                .checked
                .iter()
                .zip(&svc.errors)
                .filter(|(c, e)| **c && **e == 0)
                .count();
            json!({
                "service": svc.service,
                "team": svc.team,
                "repo": repo_of(&s.roots, &svc.service),
                "checks": checks,
                "passing": passing,
                "envs": svc.environments.iter().enumerate().map(|(i, e)| {
                    let found = per_check.get(&(svc.service.as_str(), e.as_deref()));
                    json!({
                        "env": e,
                        "checked": svc.checked[i],
                        "errors": svc.errors[i],
                        "findings": found.map_or(0, |f| f.0),
                        "rules": found.map_or_else(Vec::new, |f| f.1.iter().copied().collect()),
                    })
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    let findings: Vec<Value> = run
        .findings
        .iter()
        .zip(&keys)
        .map(|(f, k)| {
            let fp = fingerprint(f);
            json!({
                "rule": f.rule,
                "severity": f.severity.as_str(),
                "message": f.message,
                "at": at(f),
                "related": f.related.iter().map(|(label, l)| {
                    json!([label, format!("{}:{}:{}", l.file, l.line, l.column)])
                }).collect::<Vec<_>>(),
                "resource": f.resource.as_ref().map(resource_label),
                "field": f.field,
                "service": k.service,
                "environment": f.environment,
                "new": compare.is_some_and(|c| c.new.contains(&fp)),
                "fingerprint": fp,
            })
        })
        .collect();
    json!({
        "has_teams": !s.teams.is_empty(),
        "services": services,
        "findings": findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_encodes() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>\u{7}"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;\u{FFFD}"
        );
        assert_eq!(frag("a b/ü&#"), "a%20b%2F%C3%BC%26%23");
        assert_eq!(
            script_json(&json!({"x": "</script><!--&\u{2028}"})),
            r#"{"x":"\u003c/script\u003e\u003c!--\u0026\u2028"}"#
        );
    }

    #[test]
    fn repo_is_the_longest_root_above() {
        let roots: Vec<String> = ["repos/a", "repos/a/sub", "repos/ab", "."]
            .map(String::from)
            .to_vec();
        assert_eq!(repo_of(&roots, "repos/a/charts/x"), Some("repos/a"));
        assert_eq!(repo_of(&roots, "repos/a/sub/x"), Some("repos/a/sub"));
        assert_eq!(repo_of(&roots, "repos/ab"), Some("repos/ab"));
        assert_eq!(repo_of(&roots, "other/x"), Some("."));
        assert_eq!(repo_of(&roots[..3], "other/x"), None);
        assert_eq!(repo_of(&roots[..3], "/abs/x"), None);
    }
}
