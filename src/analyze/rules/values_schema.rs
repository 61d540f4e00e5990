//! `values-schema`: an environment's merged values meet the chart's `values.schema.json` and the
//! platform's contract schemas (`values-schema:` in the config).
crate::declare_rule! {
    /// ## What it does
    /// Validates, per environment, the values a chart is rendered with (chart defaults, then the
    /// environment's values files, coalesced as Helm does) against the chart's own
    /// `values.schema.json` (and its subcharts') and against every JSON schema the config names
    /// under `values-schema:` (the platform's contract for a standard service chart ships as
    /// `schemas/service-chart.schema.json`). Each violation is reported at the values-file line
    /// that set the offending value; a missing required value is reported at the environment's
    /// last values file. chartgate never fetches a schema: a `$ref` to a URL (or to a file
    /// outside the chart) is a finding of its own at its line in the schema file holding it, and
    /// the part it names goes unchecked; `$ref`s to other files of the chart (of the repository,
    /// for contracts) are resolved offline.
    ///
    /// ## Why
    /// Helm refuses to install a release whose values break the chart's schema, so the mistake
    /// would otherwise surface only at deploy time, in one environment. Contract schemas catch
    /// values the templates silently ignore (a misspelt `replicaCount`).
    ///
    /// ## Failing example
    /// ```yaml
    /// # values-prod.yaml, with a schema saying replicaCount is an integer
    /// replicaCount: "3"
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// replicaCount: 3
    /// ```
    pub struct ValuesSchema { id: "values-schema", severity: Error, summary: "Merged values per environment meet the chart's values.schema.json and the config's values-schema contracts." }
}

use crate::analyze::engine::{Rule, RuleContext, Sink};
use crate::model::value::{Map, Origin, Value};
use crate::model::{Finding, Location};
use crate::render::chart::Chart;
use crate::render::chart::release::{
    helm_message, origin_at, schema_compile_error, schema_url_refs, to_json, validate_schemas,
};

impl Rule for ValuesSchema {
    fn info(&self) -> &'static crate::analyze::registry::RuleInfo {
        &Self::INFO
    }
    /// Manifests carry no values: the chart pipeline calls [`check_values`] per render.
    fn check<'a>(&self, _ctx: &RuleContext<'a>, _out: &mut Sink<'_>) {}
}

/// One schema violation of merged values.
#[derive(Clone, Debug, PartialEq)]
pub struct ValuesViolation {
    /// The schema: `values.schema.json of chart NAME` or the contract file as printed.
    pub schema: String,
    /// JSON pointer of the offending value (`/image/tag`; empty for the root).
    pub pointer: String,
    pub message: String,
    /// Where the value was set, if it came from a values file (for a URL `$ref`: its line in
    /// `values.schema.json`).
    pub origin: Origin,
    /// The message is the whole finding (a schema problem, not a value's).
    pub standalone: bool,
}

impl ValuesViolation {
    /// The finding's message.
    pub fn text(&self) -> String {
        if self.standalone {
            return self.message.clone();
        }
        let at = if self.pointer.is_empty() {
            "values".to_string()
        } else {
            format!(
                "`{}`",
                self.pointer.trim_start_matches('/').replace('/', ".")
            )
        };
        format!("{at} breaks {}: {}", self.schema, self.message)
    }

    /// The `values-schema` finding of this violation at `location` (the values line that set
    /// the value), at the rule's default severity: the engine's sink
    /// ([`crate::analyze::engine::sink_located`]) applies the configured one and exemptions.
    pub fn finding(&self, location: Location, environment: Option<&str>) -> Finding {
        Finding::new(
            ValuesSchema::INFO.id,
            ValuesSchema::INFO.default_severity,
            self.text(),
            location,
        )
        .with_environment(environment)
        .with_field((!self.standalone).then(|| format!("values{}", self.pointer.replace('/', "."))))
    }
}

/// Validates `values` (the coalesced `.Values` of `chart`) against the chart's and subcharts'
/// `values.schema.json` and against each `(name, validator)` contract.
pub fn check_values(
    chart: &Chart,
    values: &Map,
    contracts: &[(String, &jsonschema::Validator)],
) -> Vec<ValuesViolation> {
    let mut out = Vec::new();
    match validate_schemas(chart, values) {
        Ok(vs) => out.extend(vs.into_iter().map(|v| ValuesViolation {
            schema: format!("values.schema.json of chart `{}`", v.chart),
            pointer: v.path,
            message: v.message,
            origin: v.origin,
            standalone: false,
        })),
        Err(e) => out.push(match schema_compile_error(chart) {
            // A schema that does not compile is the schema's finding, at the schema.
            Some((name, e, origin)) => ValuesViolation {
                schema: format!("values.schema.json of chart `{name}`"),
                pointer: String::new(),
                message: format!("values.schema.json of chart `{name}` does not compile: {e}"),
                origin,
                standalone: true,
            },
            None => ValuesViolation {
                schema: format!("values.schema.json of chart `{}`", chart.name()),
                pointer: String::new(),
                message: e.to_string(),
                origin: Origin::NONE,
                standalone: false,
            },
        }),
    }
    // A `$ref` to a URL or out of the chart is left out of the schema and reported on its own.
    out.extend(schema_url_refs(chart).into_iter().map(|r| ValuesViolation {
        schema: format!("values.schema.json of chart `{}`", r.chart),
        pointer: String::new(),
        message: r.message,
        origin: r.origin,
        standalone: true,
    }));
    if !contracts.is_empty() {
        let inst = to_json(&Value::map(values.clone()));
        for (name, validator) in contracts {
            for e in validator.iter_errors(&inst) {
                let pointer = e.instance_path().as_str().to_string();
                out.push(ValuesViolation {
                    schema: name.clone(),
                    message: helm_message(e.kind(), e.instance(), &e.to_string()),
                    origin: origin_at(values, &pointer),
                    pointer,
                    standalone: false,
                });
            }
        }
    }
    // Same input, same text in the same order.
    out.sort_by(|a, b| {
        (a.standalone, &a.schema, &a.pointer, &a.message).cmp(&(
            b.standalone,
            &b.schema,
            &b.pointer,
            &b.message,
        ))
    });
    out.dedup();
    out
}
