//! Findings of the run's budget ([`crate::budget`]): a render that would start after the run's
//! time is spent is reported as not checked, with the limit that stopped it.

use super::{JobResult, render_error};
use crate::discover::charts::Service;
use crate::discover::manifests::display_path;
use crate::model::Location;
use std::collections::BTreeMap;

/// The `render-error` finding of a chart × environment the run had no time left for.
pub(super) fn not_checked(
    svc: &Service,
    env: Option<&str>,
    spent: crate::budget::Exceeded,
    cwd: &std::path::Path,
) -> JobResult {
    // At the chart's Chart.yaml (the archive for a packaged chart).
    let file = if svc.chart.is_dir() {
        display_path(&svc.chart.join("Chart.yaml"), cwd)
    } else {
        display_path(&svc.chart, cwd)
    };
    let f = render_error(
        svc,
        env,
        Location {
            file,
            line: 1,
            column: 1,
        },
        format!("not checked: {spent} before this render started"),
    );
    (vec![f], BTreeMap::new(), true)
}
