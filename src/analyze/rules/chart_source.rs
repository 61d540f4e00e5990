//! `chart-source`: Helm charts come from an allowed chart registry, at a pinned version.
crate::declare_rule! {
    /// ## What it does
    /// Checks where Helm charts come from and that their version is fixed:
    ///
    /// - Argo CD `Application`s (`spec.source`, `spec.sources[]`) and `ApplicationSet` templates
    ///   (`spec.template.spec.source`/`sources[]`): a source with a `chart:` (a Helm repository
    ///   or OCI registry source) or with an `oci://` `repoURL` must come from a registry that
    ///   `chart-registries:` allows (default: the shared ECR,
    ///   `354918371398.dkr.ecr.*.amazonaws.com/*`). Every form Argo CD accepts is read the same
    ///   way: `oci://host/path`, the scheme-less `host/path` Argo CD uses for OCI Helm
    ///   repositories, with or without a trailing `/`, any case of the host. The glob's host part
    ///   is matched against the host alone; its path part against `path/chart`. Its
    ///   `targetRevision` must be an exact version (`MAJOR.MINOR.PATCH`): Argo CD resolves a
    ///   range (`*`, `^1.2`, `>=1 <2`, `1.2`) to the newest matching chart on every refresh, and
    ///   `HEAD` or an empty revision is no chart version at all. The finding points at the
    ///   `repoURL` (or `targetRevision`) line.
    /// - The chart's own `Chart.yaml` (`requirements.yaml` for `apiVersion: v1` charts):
    ///   each dependency's `repository` must be an allowed registry in Helm's `oci://` form, a
    ///   `file://` path that stays inside the repository (symbolic links resolved), or empty (the
    ///   chart is vendored in `charts/`, as Helm's resolver requires). An `@name` or `alias:name`
    ///   repository names an entry of the runner's `helm repo add` list, which nothing in the
    ///   repository pins to a registry, and fails. A remote dependency's `version` must be
    ///   exact, unless `Chart.lock` (`requirements.lock`) pins that dependency, since
    ///   `helm dependency build` — what Argo CD runs — installs the locked version.
    ///
    /// The version check belongs to this rule (a chart source is registry, chart and version);
    /// set the rule option `allow-version-ranges: true` to check registries only. Sources whose
    /// `repoURL` or `chart` is an ApplicationSet template expression (`{{ ... }}`) are not judged.
    ///
    /// ## Why
    /// Charts from the shared ECR are scanned and replicated, and reachable from every cluster
    /// without public rate limits; a public Helm repository or Docker Hub can change or vanish
    /// under a running service. A version range deploys whatever was published last, without a
    /// pull request.
    ///
    /// ## Failing example
    /// ```yaml
    /// spec:
    ///   source:
    ///     repoURL: https://charts.bitnami.com/bitnami
    ///     chart: redis
    ///     targetRevision: "^18.0.0"
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// spec:
    ///   source:
    ///     repoURL: 354918371398.dkr.ecr.eu-west-1.amazonaws.com/charts
    ///     chart: redis
    ///     targetRevision: 18.1.0
    /// ```
    pub struct ChartSource { id: "chart-source", severity: Error, summary: "Helm charts come from an allowed chart registry (default: the shared ECR) at a pinned version." }
}

use std::path::{Path, PathBuf};

use crate::analyze::engine::{Rule, RuleContext, Sink, level_for, raw};
use crate::analyze::model::{Resource, scalar_text};
use crate::analyze::settings::Settings;
use crate::model::{Finding, Location};
use crate::yaml::Node;

/// The rule option that turns the version checks off.
pub const ALLOW_RANGES: &str = "allow-version-ranges";

/// A chart location: the registry host and the repository path (with the chart name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartRef {
    /// `oci`, `https`, ... or empty for Argo CD's scheme-less OCI form.
    pub scheme: String,
    /// The host, lower-cased.
    pub host: String,
    /// The path below the host, with the chart name appended (no leading or trailing `/`).
    pub path: String,
}

impl ChartRef {
    /// Reads a repository URL as Argo CD or Helm would fetch `chart` from it. `oci://host/path`
    /// and the scheme-less `host/path` are OCI registries; `http(s)://` URLs are Helm repositories.
    pub fn parse(url: &str, chart: Option<&str>) -> Option<ChartRef> {
        let url = url.trim();
        let (scheme, rest) = match url.find("://") {
            Some(i) => (url[..i].to_ascii_lowercase(), &url[i + 3..]),
            None => (String::new(), url),
        };
        let rest = rest.split(['?', '#']).next().unwrap_or_default();
        let rest = rest.trim_matches('/');
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        // A user (`token@host`) is no part of where the chart comes from.
        let host = host.rsplit('@').next().unwrap_or(host).to_ascii_lowercase();
        if host.is_empty() {
            return None;
        }
        let mut path = path.trim_matches('/').to_string();
        if let Some(c) = chart
            .map(|c| c.trim().trim_matches('/'))
            .filter(|c| !c.is_empty())
        {
            if !path.is_empty() {
                path.push('/');
            }
            path.push_str(c);
        }
        Some(ChartRef { scheme, host, path })
    }
}

/// The `chart-registries:` allow-list (see [`crate::analyze::globs`]).
pub struct Registries {
    globs: std::sync::Arc<crate::analyze::globs::RegistryGlobs>,
    listed: String,
}

impl Registries {
    /// The compiled globs (an invalid glob matches nothing).
    pub fn new(globs: &[String]) -> Registries {
        Registries {
            globs: crate::analyze::globs::RegistryGlobs::compiled(globs),
            listed: globs.join(", "),
        }
    }

    /// Whether a chart at `r` is allowed.
    pub fn allows(&self, r: &ChartRef) -> bool {
        self.globs.allows(&r.host, &r.path)
    }
}

/// An exact chart version: `MAJOR.MINOR.PATCH` with optional pre-release and build metadata, an
/// optional `v` (Helm and Argo CD read versions with Masterminds semver, which allows it) and,
/// in a `Chart.yaml` constraint, an optional `=`. A partial version (`1.2`) is a range there.
pub fn is_exact_version(s: &str, constraint: bool) -> bool {
    let mut s = s.trim();
    if constraint && let Some(r) = s.strip_prefix('=') {
        s = r.trim_start();
    }
    let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
    crate::gocompat::semver::Version::parse_strict(s).is_ok()
}

fn templated(s: &str) -> bool {
    s.contains("{{")
}

impl Rule for ChartSource {
    fn info(&self) -> &'static crate::analyze::registry::RuleInfo {
        &Self::INFO
    }
    fn check<'a>(&self, ctx: &RuleContext<'a>, out: &mut Sink<'_>) {
        let registries = Registries::new(&ctx.settings.chart_registries);
        let ranges_ok = ctx
            .option(Self::INFO.id, ALLOW_RANGES)
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        for r in ctx.resources {
            if r.group() != "argoproj.io" {
                continue;
            }
            let (spec, prefix) = match r.kind {
                Some("Application") => (r.node.get("spec"), "spec"),
                Some("ApplicationSet") => (
                    r.node.get_path(&["spec", "template", "spec"]),
                    "spec.template.spec",
                ),
                _ => continue,
            };
            let Some(spec) = spec else { continue };
            let mut sources: Vec<(String, &'a Node)> = Vec::new();
            if let Some(s) = spec.get("source").filter(|s| s.as_map().is_some()) {
                sources.push((format!("{prefix}.source"), s));
            }
            for (i, s) in spec
                .get("sources")
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                if s.as_map().is_some() {
                    sources.push((format!("{prefix}.sources[{i}]"), s));
                }
            }
            for (path, source) in sources {
                check_source(r, &path, source, &registries, ranges_ok, out);
            }
        }
    }
}

fn check_source<'a>(
    r: &'a Resource<'a>,
    path: &str,
    source: &'a Node,
    registries: &Registries,
    ranges_ok: bool,
    out: &mut Sink<'_>,
) {
    let chart_node = source.get("chart");
    let chart = chart_node
        .and_then(scalar_text)
        .filter(|c| !c.trim().is_empty());
    let url_node = source.get("repoURL");
    let url = url_node.and_then(scalar_text).unwrap_or_default();
    let oci = url.trim().to_ascii_lowercase().starts_with("oci://");
    // A Git source (no chart, not an OCI artifact) is no chart source.
    if chart.is_none() && !oci {
        return;
    }
    if templated(&url) || chart.as_deref().is_some_and(templated) {
        return;
    }
    let what = match &chart {
        Some(c) => format!("chart `{c}`"),
        None => "OCI source".to_string(),
    };
    let at = url_node.or(chart_node).unwrap_or(source);
    match ChartRef::parse(&url, chart.as_deref()) {
        None => out.push(raw(
            r,
            at,
            Some(format!("{path}.repoURL")),
            format!("{path}: {what} has no repository URL"),
        )),
        Some(c) if !registries.allows(&c) => out.push(raw(
            r,
            at,
            Some(format!("{path}.repoURL")),
            format!(
                "{path}: {what} comes from `{}`, which is not an allowed chart registry ({})",
                url.trim(),
                registries.listed
            ),
        )),
        Some(_) => {}
    }
    if ranges_ok {
        return;
    }
    let field = Some(format!("{path}.targetRevision"));
    match source.get("targetRevision") {
        Some(n) => {
            let rev = scalar_text(n).unwrap_or_default();
            if templated(&rev) || is_exact_version(&rev, false) {
                return;
            }
            let why = match rev.trim() {
                "" => "is empty, which is no chart version".to_string(),
                "HEAD" => "is `HEAD`, which is no chart version".to_string(),
                t => format!(
                    "`{t}` is a range, not an exact version: Argo CD deploys the newest matching chart on every refresh"
                ),
            };
            out.push(raw(
                r,
                n,
                field,
                format!("{path}: {what} targetRevision {why}; pin MAJOR.MINOR.PATCH"),
            ));
        }
        None => out.push(raw(
            r,
            chart_node.unwrap_or(at),
            field,
            format!(
                "{path}: {what} has no targetRevision, so no chart version is pinned; pin MAJOR.MINOR.PATCH"
            ),
        )),
    }
}

/// A directory chart's dependency list as written on disk: `Chart.yaml` (or `requirements.yaml`
/// of an `apiVersion: v1` chart) with its lock file. Read once per chart and run
/// ([`DependencyFiles::read`]), judged per environment ([`chart_findings`]).
#[derive(Debug)]
pub struct DependencyFiles {
    /// The file listing the dependencies.
    file: PathBuf,
    /// Its `dependencies:` list.
    deps: Vec<Node>,
    /// The matching lock file's root.
    lock: Option<Node>,
    /// The repository the chart belongs to (where `file://` dependencies must stay).
    root: PathBuf,
}

impl DependencyFiles {
    /// The dependency files of the chart at `chart_path`; `None` for a packaged chart, a chart
    /// without readable `Chart.yaml` or without dependencies.
    pub fn read(chart_path: &Path, limits: &crate::yaml::Limits, cwd: &Path) -> Option<Self> {
        if !chart_path.is_dir() {
            // A packaged chart: its dependencies are inside the archive.
            return None;
        }
        let read = |name: &str| -> Option<(PathBuf, Node)> {
            let file = chart_path.join(name);
            let text = crate::confine::read_repo_text(&file, limits.max_bytes).ok()?;
            let mut docs = crate::yaml::parse_stream(&text, limits).ok()?;
            (!docs.is_empty()).then(|| (file, docs.swap_remove(0).root))
        };
        let (mut file, chart_yaml) = read("Chart.yaml")?;
        let mut deps_root = chart_yaml;
        let mut lock = read("Chart.lock").map(|(_, n)| n);
        if deps_root.get("dependencies").is_none()
            && let Some((f, req)) = read("requirements.yaml")
        {
            file = f;
            deps_root = req;
            lock = read("requirements.lock").map(|(_, n)| n);
        }
        let deps = deps_root
            .get("dependencies")
            .and_then(Node::as_seq)?
            .to_vec();
        Some(DependencyFiles {
            file,
            deps,
            lock,
            root: repository_root(chart_path, cwd),
        })
    }
}

impl DependencyFiles {
    /// Where the dependency named `name` says where it comes from: its `repository` (else the
    /// list item), as (file, line, column, field).
    pub fn repository_at(&self, name: &str) -> Option<(&Path, u32, u32, String)> {
        self.deps.iter().enumerate().find_map(|(i, d)| {
            (d.get("name").and_then(scalar_text).as_deref() == Some(name)).then(|| {
                let at = d.get("repository").unwrap_or(d);
                let field = format!("dependencies[{i}].repository");
                (self.file.as_path(), at.pos.line, at.pos.col, field)
            })
        })
    }
}

/// The findings about a chart's own dependencies ([`DependencyFiles`]), for one environment's
/// settings. Called by the chart pipeline for every chart × environment, rendered or not.
pub fn chart_findings(
    files: Option<&DependencyFiles>,
    chart_path: &Path,
    chart_display: &str,
    settings: &Settings,
    cwd: &Path,
) -> Vec<Finding> {
    let Some(level) = level_for(&ChartSource::INFO, settings) else {
        return Vec::new();
    };
    let Some(DependencyFiles {
        file,
        deps,
        lock,
        root,
    }) = files
    else {
        return Vec::new();
    };
    let registries = Registries::new(&settings.chart_registries);
    let ranges_ok = settings
        .option(ChartSource::INFO.id, ALLOW_RANGES)
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    let display = crate::discover::manifests::display_path(file, cwd);
    let mut out = Vec::new();
    let mut push = |node: &Node, field: String, message: String| {
        let at = Location {
            file: display.clone(),
            line: node.pos.line,
            column: node.pos.col,
        };
        out.push(
            Finding::new(ChartSource::INFO.id, level, message, at)
                .with_environment(settings.environment.clone())
                .with_chart(Some(chart_display))
                .with_field(Some(field)),
        );
    };
    for (i, d) in deps.iter().enumerate() {
        let name = d.get("name").and_then(scalar_text).unwrap_or_default();
        let repo_node = d.get("repository");
        let repo = repo_node.and_then(scalar_text).unwrap_or_default();
        let repo = repo.trim();
        let at = repo_node.unwrap_or(d);
        let field = format!("dependencies[{i}].repository");
        let dep = format!("dependency `{name}`");
        if repo.is_empty() {
            // Helm's resolver takes it from charts/NAME: vendored in the repository.
            continue;
        }
        if let Some(p) = repo.strip_prefix("file://") {
            let target = if Path::new(p).is_absolute() {
                PathBuf::from(p)
            } else {
                chart_path.join(p)
            };
            let resolved = std::fs::canonicalize(&target)
                .unwrap_or_else(|_| crate::confine::normalise(&target));
            if !resolved.starts_with(root) {
                push(
                    at,
                    field,
                    format!(
                        "{dep}: repository `{repo}` is outside the repository; a local dependency must live in the repository Argo CD checks out"
                    ),
                );
            }
            continue;
        }
        if let Some(alias) = repo
            .strip_prefix('@')
            .or_else(|| repo.strip_prefix("alias:"))
        {
            push(
                at,
                field,
                format!(
                    "{dep}: repository `{repo}` names the Helm repository `{alias}` of the runner's `helm repo add` list, which nothing here pins to an allowed chart registry ({}); write the registry as oci://HOST/PATH",
                    registries.listed
                ),
            );
            continue;
        }
        let parsed = ChartRef::parse(repo, Some(&name));
        match parsed {
            Some(c) if c.scheme == "oci" || c.scheme == "http" || c.scheme == "https" => {
                if !registries.allows(&c) {
                    push(
                        at,
                        field.clone(),
                        format!(
                            "{dep}: repository `{repo}` is not an allowed chart registry ({})",
                            registries.listed
                        ),
                    );
                }
            }
            _ => {
                push(
                    at,
                    field.clone(),
                    format!(
                        "{dep}: repository `{repo}` is not a URL Helm can fetch from (oci://, https:// or file://)"
                    ),
                );
                continue;
            }
        }
        if ranges_ok {
            continue;
        }
        let version_node = d.get("version");
        let version = version_node.and_then(scalar_text).unwrap_or_default();
        if is_exact_version(&version, true) || locked(lock.as_ref(), &name, repo) {
            continue;
        }
        let why = if version.trim().is_empty() {
            "has no version".to_string()
        } else {
            format!(
                "version `{}` is a range, not an exact version",
                version.trim()
            )
        };
        push(
            version_node.unwrap_or(d),
            format!("dependencies[{i}].version"),
            format!(
                "{dep}: {why}, and Chart.lock does not pin it: `helm dependency build` takes the newest matching chart; pin MAJOR.MINOR.PATCH or commit Chart.lock"
            ),
        );
    }
    if let Some(ex) = &settings.exemptions
        && !out.is_empty()
        && ex.suppresses(ChartSource::INFO.id, None, settings.environment.as_deref())
    {
        return Vec::new();
    }
    out
}

/// Whether the lock file pins dependency `name` from `repo` to an exact version.
fn locked(lock: Option<&Node>, name: &str, repo: &str) -> bool {
    let Some(deps) = lock
        .and_then(|l| l.get("dependencies"))
        .and_then(Node::as_seq)
    else {
        return false;
    };
    deps.iter().any(|d| {
        d.get("name").and_then(scalar_text).as_deref() == Some(name)
            && d.get("repository")
                .and_then(scalar_text)
                .as_deref()
                .map(str::trim)
                == Some(repo)
            && d.get("version")
                .and_then(scalar_text)
                .is_some_and(|v| is_exact_version(&v, false))
    })
}

/// The repository a chart belongs to: the nearest directory above it holding `.git`, else the
/// checked directory when the chart is inside it, else the chart itself.
fn repository_root(chart: &Path, cwd: &Path) -> PathBuf {
    let abs = std::fs::canonicalize(chart).unwrap_or_else(|_| cwd.join(chart));
    if let Some(r) = abs.ancestors().find(|a| a.join(".git").exists()) {
        return r.to_path_buf();
    }
    let cwd = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    if abs.starts_with(&cwd) { cwd } else { abs }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(url: &str, chart: Option<&str>) -> bool {
        let reg =
            Registries::new(&[crate::config::platform::DEFAULT_CHART_REGISTRIES[0].to_string()]);
        ChartRef::parse(url, chart).is_some_and(|c| reg.allows(&c))
    }

    #[test]
    fn argo_cd_and_helm_forms_of_the_shared_ecr() {
        for (url, chart) in [
            (
                "oci://354918371398.dkr.ecr.eu-west-1.amazonaws.com/charts",
                Some("web"),
            ),
            (
                "oci://354918371398.dkr.ecr.eu-west-1.amazonaws.com/charts/",
                Some("web"),
            ),
            ("354918371398.dkr.ecr.eu-west-1.amazonaws.com", Some("web")),
            ("354918371398.dkr.ecr.eu-west-1.amazonaws.com/", Some("web")),
            (
                "354918371398.dkr.ecr.us-east-2.amazonaws.com/platform/charts",
                Some("web"),
            ),
            (
                "354918371398.DKR.ECR.EU-WEST-1.AMAZONAWS.COM/charts",
                Some("web"),
            ),
            (
                "OCI://354918371398.dkr.ecr.eu-west-1.amazonaws.com/charts/web",
                None,
            ),
        ] {
            assert!(allowed(url, chart), "{url}");
        }
        for (url, chart) in [
            ("https://charts.bitnami.com/bitnami", Some("redis")),
            ("oci://registry-1.docker.io/bitnamicharts", Some("redis")),
            ("registry-1.docker.io/bitnamicharts", Some("redis")),
            ("111111111111.dkr.ecr.eu-west-1.amazonaws.com", Some("web")),
            (
                "oci://354918371398.dkr.ecr.evil.com/x.amazonaws.com",
                Some("web"),
            ),
            (
                "354918371398.dkr.ecr.eu-west-1.amazonaws.com.evil.com/charts",
                Some("web"),
            ),
            ("", Some("web")),
        ] {
            assert!(!allowed(url, chart), "{url}");
        }
    }

    #[test]
    fn exact_versions() {
        for v in ["1.2.3", "v1.2.3", "1.2.3-rc.1", "1.2.3+build.5"] {
            assert!(is_exact_version(v, false), "{v}");
        }
        assert!(is_exact_version("= 1.2.3", true));
        assert!(!is_exact_version("=1.2.3", false));
        for v in [
            "",
            "*",
            "HEAD",
            "1.2",
            "1",
            "^1.2.3",
            "~1.2.3",
            ">=1.0.0 <2.0.0",
            "1.2.x",
            "1.2.3 || 1.2.4",
        ] {
            assert!(!is_exact_version(v, true), "{v}");
        }
    }
}
