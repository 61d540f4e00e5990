//! The built-in rules over arbitrary manifests: any text read like `chartgate check` reads a
//! file, then every rule with settings that turn on the optional checks (digest pinning,
//! singletons, CronJob time zones), and every report format over the findings.
use chartgate::analyze::engine::{ManifestLocator, analyze};
use chartgate::analyze::model::SourceFile;
use chartgate::analyze::settings::Settings;
use chartgate::yaml::{Limits, parse_stream};
use std::sync::OnceLock;

fn settings() -> &'static Settings {
    static S: OnceLock<Settings> = OnceLock::new();
    S.get_or_init(|| {
        let config = chartgate::config::load_str(
            "singletons: [\"web*\"]\nenvironments:\n  prod: {cluster: prod-eks, pin-digests: true, min-replicas: 2}\nrules:\n  timezone: {require-cronjob-timezone: true}\n",
            std::path::Path::new("chartgate.yaml"),
        )
        .unwrap_or_default();
        Settings::from_config(&config, Some("prod"), None)
    })
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let limits = Limits {
        max_alias_expansions: 10_000,
        ..Limits::default()
    };
    let Ok(documents) = parse_stream(src, &limits) else {
        return;
    };
    let files = vec![SourceFile {
        file: "m.yaml".into(),
        documents,
    }];
    let findings = analyze(&files, settings(), &ManifestLocator);
    let mut sources = chartgate::report::SourceMap::default();
    sources.insert("m.yaml".to_string(), src);
    for format in chartgate::report::FORMATS {
        if let Some(r) = chartgate::report::reporter_for(format) {
            let ctx = chartgate::report::ReportContext {
                sources: &sources,
                color: false,
                environments: &Default::default(),
                policy_rules: &[],
            };
            let _ = r.report(&findings, &ctx, &mut std::io::sink());
        }
    }
}
