//! Rego policies evaluated with `regorus`, following conftest's conventions.
//!
//! * [`PolicySet::load`] parses every source once (Rego v1, falling back to v0 per file), adds the
//!   data documents, reads `# METADATA` annotations and warms the engine up.
//! * [`PolicySet::worker`] clones the prepared engine for one worker thread (or
//!   [`PolicySet::eval_on_thread`] keeps one clone per thread); [`PolicySet::eval`] evaluates
//!   `deny*`/`violation*`/`warn*` rules of the selected packages against each input, honouring
//!   `exception` rules, with `data.chartgate.context` set. A package without `exception` is
//!   evaluated in one call (a generated rule listing its rules), others rule by rule.
//! * [`findings`] runs the policies inside `analyze` and feeds the engine's sink.
//! * [`test_runner`] runs `test_*` rules like `opa test`.
//!
//! Everything fails closed: a parse error, a malformed result or a runtime error is a [`RegoError`].

pub mod bounded;
pub mod bundled;
mod calls;
pub mod context;
pub mod eval;
pub mod findings;
pub mod loader;
pub mod metadata;
pub mod shadow;
pub mod test_runner;

use crate::model::Severity;
use std::fmt;
use std::sync::Arc;

pub use eval::RegoWorker;

/// One policy file.
#[derive(Clone, Debug)]
pub struct PolicySource {
    /// Path shown in messages.
    pub path: String,
    /// Rego text.
    pub text: String,
}

/// conftest's package selection and input shape.
#[derive(Clone, Debug)]
pub struct RegoOptions {
    /// Packages whose rules are evaluated (`--namespace`), default `["main"]`.
    pub namespaces: Vec<String>,
    /// Evaluate every package (`--all-namespaces`).
    pub all_namespaces: bool,
    /// `--combine`: one evaluation per render with `input = [{"path", "contents"}]`.
    pub combine: bool,
    /// Wall-clock limit of one rule evaluation (default: `limits.render-seconds`); a policy that
    /// runs longer fails with an error instead of hanging the run.
    pub time_limit: std::time::Duration,
    /// Read the policies for their rules and metadata only (`chartgate rules`): the engine is
    /// not prepared for evaluation, which would also report unknown functions.
    pub list_only: bool,
    /// Paths of the sources a repository wrote (its configs' `policies:`): their packages may
    /// not reach into the trusted sources' (see [`shadow`]).
    pub untrusted: Vec<String>,
    /// Paths of sources neither checked nor protected (`--policy` without a platform config,
    /// when a repository config may turn any rule off anyway).
    pub unreserved: Vec<String>,
}

impl Default for RegoOptions {
    fn default() -> Self {
        RegoOptions {
            namespaces: vec!["main".to_string()],
            all_namespaces: false,
            combine: false,
            time_limit: std::time::Duration::from_secs(
                crate::model::Limits::default().render_seconds,
            ),
            list_only: false,
            untrusted: Vec::new(),
            unreserved: Vec::new(),
        }
    }
}

/// Packages under this prefix (the bundled platform policies) are always evaluated, whatever
/// `--namespace` selects.
///
/// Not `chartgate.platform`: regorus evaluates every module whose package lies under a `data`
/// path a policy reads, so packages under `data.chartgate` would all be re-evaluated each time a
/// policy reads `data.chartgate.context` (measured: ~40% of the evaluation time).
pub const PLATFORM_PACKAGE_PREFIX: &str = "chartgate_platform";

/// One document to evaluate.
#[derive(Clone, Debug)]
pub struct RegoInput {
    /// File shown to the user (the rendered manifest's source).
    pub path: String,
    /// The manifest.
    pub doc: serde_json::Value,
}

/// A result of a `deny`/`violation`/`warn` rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegoFinding {
    /// `custom.id` from METADATA, else `<package>.<rule>`.
    pub rule: String,
    /// `custom.severity`, else error for deny/violation and warning for warn.
    pub severity: Severity,
    /// The message (`msg`).
    pub message: String,
    /// Index into the inputs. With `combine`, the input whose path equals the message object's
    /// `file` (the one document of that file, or the one with the message's `kind`/`name` when
    /// the file holds several), else `None`.
    pub input: Option<usize>,
    /// The message object's `path` (e.g. `spec.template.spec.containers[0].image`).
    pub path: Option<String>,
}

/// Documentation of one policy rule, for `chartgate rules` / `chartgate explain`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyRuleDoc {
    /// Rule id.
    pub id: String,
    /// Default severity.
    pub severity: Severity,
    /// `title` (empty when absent).
    pub title: String,
    /// `description` (empty when absent).
    pub description: String,
    /// Policy file and line of the rule.
    pub file: String,
    /// 1-based line.
    pub line: u32,
}

/// A load or evaluation error; `Display` is `FILE:LINE:COL: message` (line 0 when unknown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegoError {
    /// Policy file (or input file when no policy location is known).
    pub file: String,
    /// 1-based line, 0 when unknown.
    pub line: u32,
    /// 1-based column, 0 when unknown.
    pub column: u32,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for RegoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for RegoError {}

impl RegoError {
    /// True when regorus's execution timer stopped the evaluation ([`RegoOptions::time_limit`]).
    pub fn is_time_limit(&self) -> bool {
        self.message.contains(eval::TIME_LIMIT_MESSAGE)
    }
}

/// A rule chartgate evaluates (deny/violation/warn family).
#[derive(Clone, Debug)]
pub(crate) struct EvalRule {
    pub package: String,
    pub name: String,
    /// `data.<package>.<name>`.
    pub query: String,
    pub id: String,
    pub severity: Severity,
    pub title: String,
    pub description: String,
    pub file: String,
    pub line: u32,
}

/// A `test_*` rule.
#[derive(Clone, Debug)]
pub(crate) struct TestRule {
    pub query: String,
    pub file: String,
    pub line: u32,
}

pub(crate) struct Inner {
    /// Unique per loaded set (keys the per-thread worker cache).
    pub id: usize,
    pub engine: regorus::Engine,
    pub base_data: serde_json::Value,
    /// The fields of `data.chartgate.context` the policies read (the rest is left out).
    pub context_use: context::ContextUse,
    /// Rules to evaluate, grouped by package (in package order).
    pub packages: Vec<(String, bool /* has exception */, Vec<EvalRule>)>,
    pub all_rules: Vec<EvalRule>,
    /// Ids of every rule the policy files define, in packages this run evaluates or not (sorted).
    pub defined_ids: Vec<String>,
    pub tests: Vec<TestRule>,
    pub opts: RegoOptions,
    /// Per package without `exception` and with several rules: the path of a generated rule
    /// `[rule1, rule2, ...]` evaluating them all in one call (see `loader::AGGREGATE`).
    pub aggregates: std::collections::BTreeMap<String, String>,
}

/// Compiled policies + data. `Send + Sync`, cheap to clone.
#[derive(Clone)]
pub struct PolicySet {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for PolicySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicySet")
            .field("rules", &self.inner.all_rules.len())
            .field("tests", &self.inner.tests.len())
            .field("opts", &self.inner.opts)
            .finish()
    }
}

impl PolicySet {
    /// Parses and prepares the policies; see [`loader`].
    pub fn load(
        sources: Vec<PolicySource>,
        data: Vec<(String, serde_json::Value)>,
        opts: RegoOptions,
    ) -> Result<PolicySet, RegoError> {
        loader::load(sources, data, opts)
    }

    /// The bundled platform policies (without their `_test.rego` files).
    pub fn bundled() -> Vec<PolicySource> {
        bundled::sources(false)
    }

    /// The bundled platform policies with their tests.
    pub fn bundled_with_tests() -> Vec<PolicySource> {
        bundled::sources(true)
    }

    /// Rules evaluated by this set, sorted by id.
    pub fn rules(&self) -> Vec<PolicyRuleDoc> {
        let mut docs: Vec<PolicyRuleDoc> = self
            .inner
            .all_rules
            .iter()
            .map(|r| PolicyRuleDoc {
                id: r.id.clone(),
                severity: r.severity,
                title: r.title.clone(),
                description: r.description.clone(),
                file: r.file.clone(),
                line: r.line,
            })
            .collect();
        docs.sort_by(|a, b| a.id.cmp(&b.id));
        docs.dedup_by(|a, b| a.id == b.id);
        docs
    }

    /// Whether any policy may read `data.chartgate.context.<field>` (what the loader found
    /// named in the policy code; a reference to the whole object reads every field).
    pub fn reads_context(&self, field: &str) -> bool {
        self.inner.context_use.reads(field)
    }

    /// A per-thread evaluator (a clone of the prepared engine).
    pub fn worker(&self) -> RegoWorker {
        RegoWorker::new(self.inner.engine.clone())
    }

    /// The evaluation time limit per rule and input.
    pub fn time_limit(&self) -> std::time::Duration {
        self.inner.opts.time_limit
    }

    /// True with `--combine`: one evaluation over all inputs of a render.
    pub fn combines(&self) -> bool {
        self.inner.opts.combine
    }

    /// True when a rule of this set has id `id` (for suppression annotations naming it).
    pub fn has_rule(&self, id: &str) -> bool {
        self.inner.all_rules.iter().any(|r| r.id == id)
    }

    /// True when the policy files define a rule `id`, in a package this run evaluates or not
    /// (config may set the severity of a rule of a package selected only by some runs).
    pub fn defines_rule(&self, id: &str) -> bool {
        self.inner
            .defined_ids
            .binary_search_by(|d| d.as_str().cmp(id))
            .is_ok()
    }

    /// Ids of every rule the policy files define.
    pub fn defined_ids(&self) -> &[String] {
        &self.inner.defined_ids
    }

    /// Like [`PolicySet::eval`] on this thread's worker: each thread keeps one clone of the
    /// prepared engine per set (created on first use), so callers running on a rayon pool get
    /// one engine per worker thread without threading workers through their code.
    pub fn eval_on_thread(
        &self,
        inputs: &[RegoInput],
        context: &serde_json::Value,
    ) -> Result<Vec<RegoFinding>, RegoError> {
        let (found, errors) = self.eval_collect_on_thread(inputs, context);
        match errors.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(found),
        }
    }

    /// Like [`PolicySet::eval_on_thread`], but keeps going after an error: every finding, and
    /// every error of a rule on an input (see [`eval::eval_collect`]). Only the time limit
    /// stops the evaluation; [`RegoError::is_time_limit`] tells.
    pub fn eval_collect_on_thread(
        &self,
        inputs: &[RegoInput],
        context: &serde_json::Value,
    ) -> (Vec<RegoFinding>, Vec<RegoError>) {
        use std::cell::RefCell;
        /// Prepared engines kept per thread, most recently used first (see [`context`]).
        const KEPT: usize = 8;
        thread_local! {
            static WORKERS: RefCell<Vec<(usize, RegoWorker)>> = const { RefCell::new(Vec::new()) };
        }
        let id = self.inner.id;
        let trimmed = self.inner.context_use.trim(context);
        let mut worker = WORKERS
            .with(|w| {
                let mut w = w.borrow_mut();
                let at = (w.iter())
                    .position(|(i, k)| *i == id && k.holds(&trimmed))
                    .or_else(|| (w.len() >= KEPT && w[KEPT - 1].0 == id).then_some(KEPT - 1));
                at.map(|p| w.remove(p).1)
            })
            .unwrap_or_else(|| self.worker());
        let result = eval::eval_collect(&self.inner, &mut worker, inputs, &trimmed);
        if !result.1.is_empty() {
            // The engine may hold a half-evaluated state: start the next call from the prepared one.
            worker = self.worker();
        }
        WORKERS.with(|w| {
            let mut w = w.borrow_mut();
            w.insert(0, (id, worker));
            w.truncate(KEPT);
        });
        result
    }

    /// Evaluates the selected rules against `inputs` (one render), with `context` as
    /// `data.chartgate.context`. Findings are in input order, then rule order, then message order.
    pub fn eval(
        &self,
        worker: &mut RegoWorker,
        inputs: &[RegoInput],
        context: &serde_json::Value,
    ) -> Result<Vec<RegoFinding>, RegoError> {
        eval::eval(
            &self.inner,
            worker,
            inputs,
            &self.inner.context_use.trim(context),
        )
    }
}
