//! `--renderer helm`: renders a chart with the `helm` binary on PATH instead of the native
//! renderer, for charts that use something the native renderer does not reproduce. Returns the
//! same [`RenderedChart`] as [`crate::render::chart::render_chart`], so callers can switch.
//!
//! The chart is loaded and its values coalesced natively (no templates run), which gives the
//! chart model, the sources and the `.Values` with their origins; only the templates come from
//! `helm template NAME CHART` with the same release name, namespace, values files, `--set*`
//! flags, kube version and API versions. Helm's `# Source:` stream is split back into one text
//! per template (a template's documents joined by `---`); templates that render empty and
//! `NOTES.txt` are not in Helm's stream, so they are absent.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::model::value::Value;
use crate::render::chart::{
    Chart, RenderError, RenderOptions, RenderedChart, RenderedTemplate, load_chart, prepare_values,
    user_values,
};
use crate::render::template::TemplatePos;

/// Renders `chart_dir` with `helm template` from PATH.
pub fn render_with_helm(
    chart_dir: &Path,
    opts: &RenderOptions,
) -> Result<RenderedChart, RenderError> {
    render_with_helm_from(std::env::var_os("PATH").as_deref(), chart_dir, opts)
}

/// [`render_with_helm`] with an explicit search path (a `PATH`-style list of directories).
pub fn render_with_helm_from(
    path_var: Option<&OsStr>,
    chart_dir: &Path,
    opts: &RenderOptions,
) -> Result<RenderedChart, RenderError> {
    let err = |message: String| RenderError::Helm { message, at: None };
    let helm = find_helm(path_var)
        .ok_or_else(|| err("helm renderer: no `helm` binary on PATH".to_string()))?;
    let loaded = load_chart(chart_dir)?;
    let mut sources = loaded.sources.clone();
    let user = user_values(opts, &mut sources)?;
    let prepared = prepare_values(&loaded.chart, &user)?;

    // Already-parsed layers go to helm as one JSON values file (JSON is YAML), first.
    let tmp = std::env::temp_dir().join(format!(
        "chartgate-helm-values-{}-{}.json",
        std::process::id(),
        uuid::Uuid::new_v4()
    ));
    let _cleanup = RemoveOnDrop(tmp.clone());
    let args = helm_args(chart_dir, opts, &tmp).map_err(err)?;
    let out = Command::new(&helm)
        .args(&args)
        .output()
        .map_err(|e| err(format!("helm renderer: cannot run {}: {e}", helm.display())))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let msg = stderr.trim();
        let msg = msg.strip_prefix("Error: ").unwrap_or(msg);
        return Err(RenderError::Helm {
            message: format!("helm renderer: {msg}"),
            at: template_position(msg),
        });
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut template_files = BTreeMap::new();
    collect_template_files(&prepared.chart, prepared.chart.name(), &mut template_files);
    Ok(RenderedChart {
        templates: split_stream(&stdout),
        values: prepared.values,
        sources,
        chart: prepared.chart,
        template_files,
    })
}

/// The first template position `NAME:LINE[:COL]` that helm's message names, where `NAME` is a
/// path of a chart's template (`web/templates/x.yaml`, `web/charts/sub/templates/_h.tpl`: ASCII
/// letters, digits and `_.-/`, with `/templates/` inside). Helm prints no structure, so its text
/// is read; the native renderer's errors carry their positions.
pub fn template_position(msg: &str) -> Option<TemplatePos> {
    let name_char = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b'/');
    let digits = |b: &[u8]| b.iter().take_while(|c| c.is_ascii_digit()).count();
    let b = msg.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !name_char(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && name_char(b[i]) {
            i += 1;
        }
        let name = &msg[start..i];
        // `/templates/` with a character before it and one after it.
        let has_dir = name
            .match_indices("/templates/")
            .any(|(at, d)| at > 0 && at + d.len() < name.len());
        let rest = &b[i..];
        let n = if rest.first() == Some(&b':') {
            digits(&rest[1..])
        } else {
            0
        };
        if !has_dir || n == 0 {
            continue;
        }
        let line = msg[i + 1..i + 1 + n].parse().unwrap_or(1);
        let after = &rest[1 + n..];
        let m = if after.first() == Some(&b':') {
            digits(&after[1..])
        } else {
            0
        };
        let col = if m > 0 {
            let c = i + 2 + n;
            msg[c..c + m].parse().unwrap_or(1)
        } else {
            0
        };
        return Some(TemplatePos {
            template: name.to_string(),
            line,
            col,
        });
    }
    None
}

/// Template name (`chart/charts/sub/templates/x.yaml`) → source id, for the chart and its
/// subcharts, so findings can name the template file (helm gives no positions inside it).
fn collect_template_files(chart: &Chart, path: &str, out: &mut BTreeMap<String, u32>) {
    for t in &chart.templates {
        out.insert(format!("{path}/{}", t.name), t.source_id);
    }
    for c in &chart.dependencies {
        collect_template_files(c, &format!("{path}/charts/{}", c.name()), out);
    }
}

/// Deletes a temporary file when dropped.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The first executable `helm` in the search path.
fn find_helm(path_var: Option<&OsStr>) -> Option<PathBuf> {
    let path_var = path_var?;
    std::env::split_paths(path_var)
        .map(|d| d.join("helm"))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(p) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// `helm template` arguments for `opts` (layers written to `layers_file` when there are any).
fn helm_args(
    chart_dir: &Path,
    opts: &RenderOptions,
    layers_file: &Path,
) -> Result<Vec<OsString>, String> {
    let mut a: Vec<OsString> = vec![
        "template".into(),
        opts.release_name.clone().into(),
        chart_dir.as_os_str().to_owned(),
        "--namespace".into(),
        opts.namespace.clone().into(),
    ];
    if !opts.values.is_empty() {
        let mut merged = crate::model::value::Map::new();
        for layer in &opts.values {
            crate::render::chart::values::merge_maps(&mut merged, layer);
        }
        let json = crate::render::template::funcs::to_json(&Value::map(merged), false, false)
            .map_err(|e| format!("helm renderer: {e}"))?;
        std::fs::write(layers_file, json)
            .map_err(|e| format!("helm renderer: cannot write {}: {e}", layers_file.display()))?;
        a.push("--values".into());
        a.push(layers_file.as_os_str().to_owned());
    }
    for f in &opts.values_files {
        a.push("--values".into());
        a.push(f.as_os_str().to_owned());
    }
    for (flag, list) in [
        ("--set-json", &opts.set_json),
        ("--set", &opts.set),
        ("--set-string", &opts.set_string),
        ("--set-file", &opts.set_file),
    ] {
        for v in list {
            a.push(flag.into());
            a.push(v.into());
        }
    }
    if let Some(k) = &opts.kube_version {
        a.push("--kube-version".into());
        a.push(k.into());
    }
    for v in &opts.api_versions {
        a.push("--api-versions".into());
        a.push(v.into());
    }
    if opts.is_upgrade {
        a.push("--is-upgrade".into());
    }
    Ok(a)
}

/// Splits `helm template`'s stream (`---` / `# Source: NAME` / document) into texts per
/// template; several documents of one template are joined with `---`.
pub fn split_stream(stream: &str) -> BTreeMap<String, RenderedTemplate> {
    let mut out: BTreeMap<String, RenderedTemplate> = BTreeMap::new();
    let mut docs: Vec<Vec<&str>> = vec![Vec::new()];
    for line in stream.lines() {
        if line.trim_end() == "---" {
            docs.push(Vec::new());
        } else if let Some(d) = docs.last_mut() {
            d.push(line);
        }
    }
    for doc in docs {
        let Some(first) = doc.first() else { continue };
        let Some(name) = first.strip_prefix("# Source: ") else {
            continue;
        };
        let mut body = String::new();
        for l in &doc[1..] {
            body.push_str(l);
            body.push('\n');
        }
        let entry = out.entry(name.trim().to_string()).or_default();
        if !entry.text.is_empty() {
            entry.text.push_str("---\n");
        }
        entry.text.push_str(&body);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_splits_per_template() {
        let s = "---\n# Source: c/templates/a.yaml\nkind: A\n---\n# Source: c/templates/b.yaml\n\
kind: B1\n---\n# Source: c/templates/b.yaml\nkind: B2\n";
        let t = split_stream(s);
        assert_eq!(t.len(), 2);
        assert_eq!(t["c/templates/a.yaml"].text, "kind: A\n");
        assert_eq!(t["c/templates/b.yaml"].text, "kind: B1\n---\nkind: B2\n");
    }

    #[test]
    fn args_follow_helm_template_flags() {
        let opts = RenderOptions {
            values_files: vec!["v1.yaml".into(), "v2.yaml".into()],
            set: vec!["a=1".into()],
            set_string: vec!["b=2".into()],
            set_json: vec!["c=[1]".into()],
            set_file: vec!["d=f.txt".into()],
            release_name: "rel".into(),
            namespace: "ns".into(),
            kube_version: Some("v1.30.0".into()),
            api_versions: vec!["x/v1".into()],
            ..Default::default()
        };
        let a = helm_args(Path::new("chart"), &opts, Path::new("/tmp/x.json")).unwrap();
        let a: Vec<String> = a.iter().map(|s| s.to_string_lossy().into_owned()).collect();
        assert_eq!(
            a.join(" "),
            "template rel chart --namespace ns --values v1.yaml --values v2.yaml \
--set-json c=[1] --set a=1 --set-string b=2 --set-file d=f.txt --kube-version v1.30.0 \
--api-versions x/v1"
        );
    }

    #[test]
    fn positions_in_helms_messages() {
        let at = |m: &str| template_position(m).map(|p| (p.template, p.line, p.col));
        assert_eq!(
            at(
                "template: web/templates/x.yaml:3:7: executing \"web/templates/x.yaml\" at <.a>: boom"
            ),
            Some(("web/templates/x.yaml".into(), 3, 7))
        );
        assert_eq!(
            at("parse error at (web/charts/db/templates/_h.tpl:12): unexpected EOF"),
            Some(("web/charts/db/templates/_h.tpl".into(), 12, 0))
        );
        assert_eq!(at("no location in chart/templates/: here"), None);
        assert_eq!(at("templates/x.yaml:3 has no chart"), None);
        assert_eq!(at("a/templates/x.yaml: 3"), None);
        assert_eq!(
            at("see a/templates/x.yaml:x then b/templates/y.yaml:9:"),
            Some(("b/templates/y.yaml".into(), 9, 0))
        );
    }

    #[test]
    fn missing_helm_is_a_clear_error() {
        let dir = std::env::temp_dir().join("chartgate-no-helm-here");
        let e = render_with_helm_from(
            Some(dir.as_os_str()),
            Path::new("nope"),
            &RenderOptions::default(),
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "helm renderer: no `helm` binary on PATH");
        let e =
            render_with_helm_from(None, Path::new("nope"), &RenderOptions::default()).unwrap_err();
        assert_eq!(e.to_string(), "helm renderer: no `helm` binary on PATH");
    }
}
