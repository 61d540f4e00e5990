//! A hand-built list of findings across charts × environments, shared by the report tests.
#![allow(dead_code, reason = "shared by several test crates; each uses a part")]

use chartgate::model::{Finding, Location, ResourceRef, Severity};
use chartgate::report::rules_info::{RuleDescriptor, SuiteKey};

pub fn loc(file: &str, line: u32, column: u32) -> Location {
    Location {
        file: file.to_string(),
        line,
        column,
    }
}

pub fn res(kind: &str, ns: Option<&str>, name: &str) -> Option<ResourceRef> {
    Some(ResourceRef {
        api_version: "apps/v1".to_string(),
        kind: kind.to_string(),
        name: name.to_string(),
        namespace: ns.map(str::to_string),
    })
}

#[allow(
    clippy::too_many_arguments,
    reason = "one parameter per Finding field, for tables of expected findings"
)]
pub fn finding(
    rule: &str,
    severity: Severity,
    message: &str,
    resource: Option<ResourceRef>,
    location: Location,
    env: Option<&str>,
    chart: Option<&str>,
    field: Option<&str>,
) -> Finding {
    Finding {
        rule: rule.to_string(),
        severity,
        message: message.to_string(),
        resource,
        location,
        related: vec![],
        environment: env.map(str::to_string),
        chart: chart.map(str::to_string),
        field: field.map(str::to_string),
    }
}

/// Deliberately unsorted: writers must order them themselves.
pub fn findings() -> Vec<Finding> {
    let mut image = finding(
        "image-tag-pinned",
        Severity::Error,
        "image nginx:latest uses the tag \"latest\"",
        res("Deployment", Some("api"), "api"),
        loc("services/api/values-prod.yaml", 7, 10),
        Some("prod"),
        Some("services/api"),
        Some("spec.template.spec.containers[0].image"),
    );
    image.related = vec![
        (
            "template".to_string(),
            loc("services/api/templates/deployment.yaml", 21, 18),
        ),
        (
            "rendered manifest".to_string(),
            loc("services/api/templates/deployment.yaml", 30, 18),
        ),
    ];
    vec![
        image,
        finding(
            "singleton-replicas",
            Severity::Error,
            "singleton Deployment api has replicas: 3, at most 1 allowed",
            res("Deployment", Some("api"), "api"),
            loc("services/api/values.yaml", 3, 11),
            Some("dev"),
            Some("services/api"),
            Some("spec.replicas"),
        ),
        finding(
            "timezone",
            Severity::Info,
            "CronJob report has no spec.timeZone: schedule \"0 6 * * *\" runs in UTC",
            res("CronJob", None, "report"),
            loc("services/worker/templates/cronjob.yaml", 9, 3),
            Some("prod"),
            Some("services/worker"),
            Some("spec.schedule"),
        ),
        finding(
            "resource-requests",
            Severity::Warning,
            "container worker has no memory limit\nset resources.limits.memory, e.g. 256Mi | 512Mi",
            res("Deployment", Some("jobs"), "worker"),
            loc("services/worker/values.yaml", 12, 5),
            Some("prod"),
            Some("services/worker"),
            Some("spec.template.spec.containers[0].resources"),
        ),
        finding(
            "ingress-host-zone",
            Severity::Error,
            "host 50%,off: api.example.com is outside *.prod.idp.jppol.dk",
            res("Ingress", Some("api"), "api"),
            loc("./services/api/values-prod.yaml", 15, 7),
            Some("prod"),
            Some("services/api"),
            Some("spec.rules[0].host"),
        ),
        finding(
            "manifest-validity",
            Severity::Warning,
            "document has no kind",
            None,
            loc("manifests/extra file.yaml", 1, 1),
            None,
            None,
            None,
        ),
    ]
}

/// Every checked pair, including one without findings (services/api in test).
pub fn suites() -> Vec<SuiteKey> {
    let k = |c: &str, e: &str| SuiteKey {
        chart: Some(c.to_string()),
        environment: Some(e.to_string()),
    };
    vec![
        k("services/worker", "prod"),
        k("services/api", "test"),
        k("services/api", "prod"),
        k("services/api", "dev"),
    ]
}

pub fn rules() -> Vec<RuleDescriptor> {
    let r = |id: &str, summary: &str, sev: Severity| RuleDescriptor {
        id: id.to_string(),
        summary: summary.to_string(),
        description: format!("{summary}. Why: the platform requires it."),
        help: format!("See `chartgate explain {id}`."),
        default_severity: sev,
    };
    vec![
        r(
            "singleton-replicas",
            "Singleton workloads run at most one pod",
            Severity::Error,
        ),
        r(
            "resource-requests",
            "Containers declare CPU and memory requests",
            Severity::Error,
        ),
        r(
            "timezone",
            "Time zones are valid and explicit",
            Severity::Warning,
        ),
        r("image-tag-pinned", "Images are pinned", Severity::Error),
        r(
            "manifest-validity",
            "Manifests are well-formed",
            Severity::Error,
        ),
        r(
            "image-registry",
            "Images come from the shared ECR",
            Severity::Info,
        ),
    ]
}
