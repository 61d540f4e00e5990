//! The analysis engine: builds the resource model over parsed documents, runs every enabled rule
//! and the Rego policies (in parallel), applies severities, suppressions and exemptions in one
//! sink, and returns sorted findings.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use super::model::{Resource, SourceFile, resources_of};
use super::registry::RuleInfo;
use super::settings::Settings;
use crate::model::{Finding, Location, ResourceRef, Severity};
use crate::yaml::Node;

/// Maps a node of a document to the place a person fixes it. For plain manifests it is the
/// manifest's own line; the chart pipeline overrides it to point at the values-file line a
/// value came from (and adds the template line as a related location).
pub trait Locator: Sync {
    /// Primary location and related locations (label, location) for `node` of `resource`.
    /// `focus` is the byte range of a scalar's value the finding is about (the tag of an image),
    /// when the rule narrows it.
    fn locate(
        &self,
        resource: &Resource<'_>,
        node: &Node,
        focus: Option<(usize, usize)>,
    ) -> (Location, Vec<(String, Location)>);
}

/// The locator for manifest files: the node's own file:line:col.
pub struct ManifestLocator;

impl Locator for ManifestLocator {
    fn locate(
        &self,
        resource: &Resource<'_>,
        node: &Node,
        _focus: Option<(usize, usize)>,
    ) -> (Location, Vec<(String, Location)>) {
        (
            Location {
                file: resource.file.to_string(),
                line: node.pos.line,
                column: node.pos.col,
            },
            Vec::new(),
        )
    }
}

/// A finding as a rule emits it, before locating, suppression and severity.
#[derive(Clone, Debug)]
pub struct RawFinding<'a> {
    /// The resource (its metadata decides suppression).
    pub resource: &'a Resource<'a>,
    /// The node the finding is about (its line is reported).
    pub node: &'a Node,
    /// Field path (`spec.replicas`), part of the fingerprint.
    pub field: Option<String>,
    /// The message.
    pub message: String,
    /// A severity intrinsic to this finding (an informational note of a rule whose default is
    /// error); None uses the rule's configured severity.
    pub severity: Option<Severity>,
    /// The byte range of the scalar's value the finding is about (an image's tag), so a chart
    /// finding points at the values line that set that part; None: the whole node.
    pub focus: Option<(usize, usize)>,
    /// Another definition the finding names (the first of a duplicate): located like the
    /// finding itself (the repository's file, not Helm's rendered path), appended to the
    /// message as `: also defined at FILE:LINE` and added as the related location "also
    /// defined here".
    pub also: Option<(&'a Resource<'a>, &'a Node)>,
}

impl RawFinding<'_> {
    /// Narrows the finding to bytes `start..end` of the node's scalar value.
    pub fn with_focus(mut self, focus: Option<(usize, usize)>) -> Self {
        self.focus = focus;
        self
    }
}

/// What a rule sees.
pub struct RuleContext<'a> {
    /// Every resource of the input set (one render or one set of manifest files).
    pub resources: &'a [Resource<'a>],
    /// Resolved settings.
    pub settings: &'a Settings,
}

impl<'a> RuleContext<'a> {
    /// The rule's option `key`, if set in config.
    pub fn option(&self, rule: &str, key: &str) -> Option<&'a serde_json::Value> {
        self.settings.option(rule, key)
    }
}

/// A built-in rule: metadata plus a check over the whole input set.
pub trait Rule: Sync {
    /// The rule's metadata.
    fn info(&self) -> &'static RuleInfo;
    /// Emits raw findings into `out` ([`Sink::push`]: the rule's own sink, which keeps at
    /// most `limits.findings` of them).
    fn check<'a>(&self, ctx: &RuleContext<'a>, out: &mut Sink<'_>);
}

/// Convenience for rules: a raw finding at `node`.
pub fn raw<'a>(
    resource: &'a Resource<'a>,
    node: &'a Node,
    field: impl Into<Option<String>>,
    message: String,
) -> RawFinding<'a> {
    RawFinding {
        resource,
        node,
        field: field.into(),
        message,
        severity: None,
        focus: None,
        also: None,
    }
}

/// Annotation prefix that suppresses a rule on a resource.
pub const IGNORE_PREFIX: &str = "chartgate.io/ignore.";

/// Builds resources over every document, runs all enabled built-in rules and the Rego policies
/// of `settings.policies`, and passes every finding through one sink (severity overrides,
/// suppression annotations, exemptions, locating). Findings come back sorted.
/// One rule's sink, and why it did not run to the end (a crash, a spent budget).
type RuleRun<'s> = (Sink<'s>, Option<String>);

pub fn analyze(files: &[SourceFile], settings: &Settings, locator: &dyn Locator) -> Vec<Finding> {
    let resources: Vec<Resource<'_>> = files
        .iter()
        .flat_map(|f| {
            f.documents
                .iter()
                .enumerate()
                .flat_map(move |(i, d)| resources_of(&f.file, i, d))
        })
        .collect();
    let ctx = RuleContext {
        resources: &resources,
        settings,
    };
    let rules = super::rules::all();
    // The render's budget goes with each rule to its worker thread; a rule that would start
    // after it is spent is reported, not skipped silently.
    let budget = crate::budget::inherit();
    let per_rule: Vec<RuleRun<'_>> = rules
        .par_iter()
        .filter(|r| level_for(r.info(), settings).is_some())
        .map(|r| {
            budget.run(|| {
                let mut out = Sink::for_rule(settings, locator, r.info());
                // Nothing to check (a run without plain manifests): nothing to report.
                if !resources.is_empty()
                    && let Err(e) = crate::budget::check_time()
                {
                    return (out, Some(format!("rule `{}` not run: {e}", r.info().id)));
                }
                let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    r.check(&ctx, &mut out)
                }));
                if run.is_err() {
                    let out = Sink::for_rule(settings, locator, r.info());
                    let m = format!(
                        "rule `{}` crashed on this input; please report it",
                        r.info().id
                    );
                    return (out, Some(m));
                }
                (out, None)
            })
        })
        .collect();
    if let Some(ex) = &settings.exemptions {
        ex.note_environment(settings.environment.as_deref());
    }
    let mut sink = Sink::new(settings, locator);
    let first_file = files.first().map(|f| f.file.clone()).unwrap_or_default();
    for (out, failed) in per_rule {
        if let Some(message) = failed {
            // Last resort: a rule bug or a spent budget must not abort the run or hide the
            // other rules' findings.
            sink.internal(
                "internal-error",
                message,
                Location {
                    file: first_file.clone(),
                    line: 1,
                    column: 1,
                },
            );
        }
        sink.absorb(out);
    }
    if let Some(policies) = &settings.policies {
        super::rego::findings::run_policies(policies, &resources, &first_file, &mut sink);
    }
    sink.finish_unique()
}

/// Rule id of the finding a Rego runtime error becomes (it cannot be turned off or suppressed:
/// a policy that cannot be evaluated fails the check).
pub const REGO_ERROR: &str = super::rules::rego_error::RegoError::INFO.id;

/// Rules the engine itself reports (not checks over resources), for `chartgate rules`/`explain`:
/// `rego-error`, `render-error`, `run-stopped` and the exemption rules.
pub const ENGINE_RULES: &[RuleInfo] = &[
    super::rules::rego_error::RegoError::INFO,
    super::rules::render_error::RenderError::INFO,
    super::rules::expired_exemption::ExpiredExemption::INFO,
    super::rules::unused_exemption::UnusedExemption::INFO,
    super::rules::findings_limit::FindingsLimit::INFO,
    super::rules::unresolved_source::UnresolvedSource::INFO,
    super::rules::run_stopped::RunStopped::INFO,
];

/// The one place severities, suppressions and exemptions are applied, and the one place
/// `limits.findings` is: to the raw findings of rules (each rule writes into a sink of its own,
/// [`Sink::push`]) and policies over resources ([`Sink::emit`]) and to the findings rules build
/// already located outside the resource model ([`Sink::emit_located`], see [`sink_located`]).
/// A sink keeps at most `limits.findings` findings, in the order they come; past that it keeps
/// only each finding's fingerprint, so that what it did not keep is counted exactly: a finding
/// found twice once, one equal to a kept finding not at all ([`Sink::finish_unique`]).
pub struct Sink<'s> {
    pub(crate) settings: &'s Settings,
    locator: &'s dyn Locator,
    pub(crate) findings: Vec<Finding>,
    /// `limits.findings`: findings past it are counted, not kept.
    limit: usize,
    /// The rule [`Sink::push`] emits for (a rule's own sink).
    rule: Option<&'static RuleInfo>,
    /// Fingerprints of the findings not kept ([`fingerprint`]).
    over: HashSet<u128>,
    /// How many findings were not kept, each time counted.
    over_count: u64,
}

/// A finding's identity (128 bits of two SipHash runs over every field): two findings with the
/// same fingerprint are taken as equal.
fn fingerprint(f: &Finding) -> u128 {
    use std::hash::{Hash, Hasher};
    let half = |seed: u8| {
        let mut h = std::hash::DefaultHasher::new();
        seed.hash(&mut h);
        f.hash(&mut h);
        h.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

impl<'s> Sink<'s> {
    fn new(settings: &'s Settings, locator: &'s dyn Locator) -> Sink<'s> {
        Sink {
            settings,
            locator,
            findings: Vec::new(),
            limit: settings.limits.findings_kept(),
            rule: None,
            over: HashSet::new(),
            over_count: 0,
        }
    }

    /// The sink of one rule's run ([`Sink::push`]).
    fn for_rule(settings: &'s Settings, locator: &'s dyn Locator, rule: &'static RuleInfo) -> Self {
        Sink {
            rule: Some(rule),
            ..Sink::new(settings, locator)
        }
    }

    /// A finding of this sink's rule with the rule's default severity (see [`Sink::emit`]).
    pub fn push(&mut self, raw: RawFinding<'_>) {
        if let Some(rule) = self.rule {
            self.emit(rule.id, rule.default_severity, raw);
        }
    }

    /// Keeps `f` while the sink holds fewer than `limits.findings`; else counts it.
    fn keep(&mut self, f: Finding) {
        if self.findings.len() < self.limit {
            self.findings.push(f);
        } else {
            self.over.insert(fingerprint(&f));
            self.over_count += 1;
        }
    }

    /// Takes a rule's sink after what this one holds: its findings in order (as far as the
    /// limit goes) and what it did not keep.
    fn absorb(&mut self, other: Sink<'_>) {
        for f in other.findings {
            self.keep(f);
        }
        self.over.extend(other.over);
        self.over_count += other.over_count;
    }

    /// The findings kept, in order; each one not kept is counted for the run
    /// ([`super::rules::findings_limit`]).
    fn finish(self) -> Vec<Finding> {
        super::rules::findings_limit::note_dropped(self.over_count);
        self.findings
    }

    /// The findings kept, sorted, each once; the distinct ones not kept, and not equal to a kept
    /// one, are counted for the run: exactly what the report misses.
    fn finish_unique(mut self) -> Vec<Finding> {
        crate::model::finding::sort_findings(&mut self.findings);
        self.findings.dedup();
        let kept: HashSet<u128> = self.findings.iter().map(fingerprint).collect();
        let missing = self.over.iter().filter(|f| !kept.contains(*f)).count();
        super::rules::findings_limit::note_dropped(missing as u64);
        self.findings
    }

    /// The configured severity of rule `id`, else `default`; None when the rule is `off`.
    fn level(&self, id: &str, default: Severity) -> Option<Severity> {
        match self.settings.level(id) {
            Some(level) => level,
            None => Some(default),
        }
    }

    /// True when an exemption of the config accepts this finding (and marks it used).
    fn exempted(&self, id: &str, resource: Option<&ResourceRef>) -> bool {
        self.settings
            .exemptions
            .as_ref()
            .is_some_and(|ex| ex.suppresses(id, resource, self.settings.environment.as_deref()))
    }

    /// A finding of rule `id` (built-in or policy) with its default severity.
    pub(crate) fn emit(&mut self, id: &str, default: Severity, raw: RawFinding<'_>) {
        let Some(level) = self.level(id, default) else {
            return;
        };
        // Suppression: the annotation names the rule (ignore-without-reason itself cannot be
        // suppressed this way, so an empty reason always surfaces).
        // A rule the platform config locks (`lock-exemptions`) is not suppressed by the
        // repository's annotation: the finding says so.
        let mut message = raw.message;
        if id != "ignore-without-reason"
            && raw
                .resource
                .annotations
                .contains_key(format!("{IGNORE_PREFIX}{id}").as_str())
        {
            if !crate::config::trust::locked(id) {
                return;
            }
            message = format!(
                "{message} (annotation {IGNORE_PREFIX}{id} ignored: the platform config locks this rule)"
            );
        }
        let reference = raw.resource.reference();
        if self.exempted(id, Some(&reference)) {
            return;
        }
        let (location, mut related) = self.locator.locate(raw.resource, raw.node, raw.focus);
        if let Some((r, node)) = raw.also {
            let (at, _) = self.locator.locate(r, node, None);
            message = format!("{message}: also defined at {}:{}", at.file, at.line);
            related.push(("also defined here".to_string(), at));
        }
        self.keep(
            Finding::new(id, raw.severity.unwrap_or(level), message, location)
                .with_resource(reference)
                .with_related(related)
                .with_environment(self.settings.environment.clone())
                .with_field(raw.field),
        );
    }

    /// A finding built already located (a values-file or `Chart.yaml` line), whose severity is
    /// its rule's default: the configured severity replaces it (`off` drops the finding) and the
    /// exemptions apply to its rule and resource (none: only exemptions without `resource`).
    /// Suppression comments on values lines apply later, to every finding of a render
    /// ([`super::values_ignore::apply`]); baselines to the run's findings.
    pub(crate) fn emit_located(&mut self, mut finding: Finding) {
        let Some(level) = self.level(&finding.rule, finding.severity) else {
            return;
        };
        if self.exempted(&finding.rule, finding.resource.as_ref()) {
            return;
        }
        finding.severity = level;
        self.keep(finding);
    }

    /// An error finding nothing can suppress (a crashed rule, a failing policy).
    pub(crate) fn internal(&mut self, rule: &str, message: String, location: Location) {
        self.findings.push(
            Finding::new(rule, Severity::Error, message, location)
                .with_environment(self.settings.environment.clone()),
        );
    }
}

/// Passes findings rules build already located, outside the resource model, through the one
/// sink (see [`Sink::emit_located`]): `values-schema`, `values-unknown-key`, a chart's
/// `kubeVersion` (`deprecated-api`), `Chart.yaml` dependency sources (`chart-source`), an
/// unresolved chart (`unresolved-source`). Each finding's severity is its rule's default (or
/// already the configured level: applying it again changes nothing). Order is kept.
pub fn sink_located(
    settings: &Settings,
    findings: impl IntoIterator<Item = Finding>,
) -> Vec<Finding> {
    let mut sink = Sink::new(settings, &ManifestLocator);
    for f in findings {
        sink.emit_located(f);
    }
    sink.finish()
}

/// The configured severity of a rule; None when it is `off`.
pub fn level_for(info: &RuleInfo, settings: &Settings) -> Option<Severity> {
    match settings.rules.get(info.id).and_then(|r| r.level) {
        Some(level) => level,
        None => Some(info.default_severity),
    }
}

/// Groups resources by a key, keeping the first; used for duplicate detection.
pub fn first_by_key<'a, K: std::hash::Hash + Eq>(
    items: impl Iterator<Item = (K, &'a Resource<'a>)>,
) -> HashMap<K, &'a Resource<'a>> {
    let mut m = HashMap::new();
    for (k, r) in items {
        m.entry(k).or_insert(r);
    }
    m
}
