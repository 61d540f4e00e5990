//! What `chartgate check` adds around the report: baselines (`--baseline`, `--baseline-out`).
//! (Policies and exemptions are prepared by `pipeline::session`.)

use super::check::CheckArgs;
use crate::model::Finding;
use crate::report::baseline::{BaselineEntry, apply, load_baseline, write_baseline};

pub use crate::pipeline::session::TODAY_VAR;

/// `--baseline-out FILE` writes every current finding; `--baseline FILE` keeps the findings
/// the baseline does not hold and returns its entries no finding matches any more (fixed).
pub fn apply_baseline(
    args: &CheckArgs,
    findings: Vec<Finding>,
) -> Result<(Vec<Finding>, Option<Vec<BaselineEntry>>), String> {
    if let Some(out) = &args.baseline_out {
        crate::confine::output::write_output(out, write_baseline(&findings).as_bytes())
            .map_err(|e| format!("baseline: {e}"))?;
    }
    let Some(path) = &args.baseline else {
        return Ok((findings, None));
    };
    let text = crate::confine::read_bounded_text(path, crate::report::INPUT_BYTES)
        .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
    let baseline = load_baseline(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let (new, fixed) = apply(&baseline, &findings);
    Ok((new, Some(fixed)))
}

/// Adds the fixed baseline entries to a rendered report: a `baseline.fixed` list in JSON, a
/// closing section in text. Other formats describe findings only and are left as they are.
pub fn with_fixed(format: &str, report: Vec<u8>, fixed: Option<&Vec<BaselineEntry>>) -> Vec<u8> {
    let Some(fixed) = fixed else {
        return report;
    };
    match format {
        "json" => {
            let Ok(mut doc) = serde_json::from_slice::<serde_json::Value>(&report) else {
                return report;
            };
            if let Some(obj) = doc.as_object_mut() {
                obj.insert("baseline".into(), serde_json::json!({ "fixed": fixed }));
            }
            let mut out = serde_json::to_vec_pretty(&doc).unwrap_or(report);
            out.push(b'\n');
            out
        }
        "text" => {
            let mut out = report;
            if fixed.is_empty() {
                out.extend_from_slice(b"Baseline: no entry fixed\n");
            } else {
                out.extend_from_slice(
                    format!("Baseline: {} fixed since it was recorded:\n", fixed.len()).as_bytes(),
                );
                for e in fixed {
                    let resource = e.resource.as_deref().unwrap_or("-");
                    let env = e
                        .environment
                        .as_deref()
                        .map(|e| format!(" ({e})"))
                        .unwrap_or_default();
                    out.extend_from_slice(
                        format!(
                            "  fixed: {} {resource}{env} at {}: {}\n",
                            e.rule, e.file, e.message
                        )
                        .as_bytes(),
                    );
                }
            }
            out
        }
        _ => report,
    }
}
