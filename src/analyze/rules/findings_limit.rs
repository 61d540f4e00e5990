//! `findings-limit`: a run found more than `limits.findings` findings.
//!
//! Not a check over resources. The cap applies where findings are made: each rule writes into
//! a sink of its own, and each analysis into one, that keeps at most `limits.findings` findings
//! (`analyze::engine::Sink`) and counts the rest by fingerprint, so a finding found twice, or
//! equal to one kept, is not counted as missing ([`note_dropped`]); the run keeps the first
//! `limits.findings` of its sorted findings ([`cap`]) and reports how many it did not keep
//! (exactly the findings the report would have held without the limit) with one error finding
//! nothing can turn off, exempt or baseline. Which findings are kept does not depend on the
//! order analyses finish in: each analysis keeps its first ones in its own (fixed) order, and the
//! run the first ones in report order.
crate::declare_rule! {
    /// ## What it does
    /// Reports that the run found more findings than `limits.findings` (default 100 000, a
    /// repository config may lower it): the first ones in report order are reported, the rest
    /// only counted. The run exits with code 2. It cannot be turned off or exempted.
    ///
    /// ## Why
    /// A pull request of many small objects (150 000 in one manifest, each with several
    /// findings) would otherwise make chartgate hold and print every finding: memory and report
    /// size without bound. A gate that stopped listing findings must not pass.
    ///
    /// ## Failing example
    /// ```yaml
    /// # chartgate.yaml
    /// limits: {findings: 2}
    /// # deploy/apps.yaml: three Deployments without resources
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// # chartgate.yaml: the default limit
    /// # deploy/apps.yaml: the same three Deployments
    /// ```
    pub struct FindingsLimit { id: "findings-limit", severity: Error, summary: "The run found more findings than limits.findings; the rest were counted, not kept (exit code 2)." }
}

use crate::model::{Finding, Location, Severity};
use std::sync::atomic::{AtomicU64, Ordering};

/// Findings the analyses of the run did not keep.
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// An analysis did not keep `n` findings over the limit.
pub fn note_dropped(n: u64) {
    if n > 0 {
        DROPPED.fetch_add(n, Ordering::Relaxed);
    }
}

/// Starts counting for a new run (an audit's next repository).
pub fn reset() {
    DROPPED.store(0, Ordering::Relaxed);
}

/// Keeps the first `limit` of the run's sorted `findings`; with what the analyses dropped,
/// the error finding saying how many were not kept (None when none was dropped). Counting
/// starts again for the next run.
pub fn cap(findings: &mut Vec<Finding>, limit: u64) -> Option<Finding> {
    let keep = usize::try_from(limit).unwrap_or(usize::MAX);
    let at = findings
        .get(keep)
        .or(findings.last())
        .map(|f| f.location.clone());
    let cut = findings.len().saturating_sub(keep) as u64;
    findings.truncate(keep);
    let dropped = DROPPED.swap(0, Ordering::Relaxed) + cut;
    if dropped == 0 {
        return None;
    }
    Some(Finding::new(
        FindingsLimit::INFO.id,
        Severity::Error,
        format!(
            "{dropped} more finding{} not kept: the run found more than {limit} (limits.findings); the first {limit} in report order are reported",
            if dropped == 1 { " was" } else { "s were" }
        ),
        at.unwrap_or(Location {
            file: String::new(),
            line: 1,
            column: 1,
        }),
    ))
}
