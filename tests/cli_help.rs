//! Every command's `--help` ends with examples that use the command itself.

mod support;

#[test]
fn every_command_help_has_examples() {
    for cmd in [
        "check",
        "audit",
        "rules",
        "explain",
        "render",
        "completions",
        "policy",
    ] {
        let out = support::cmd().args([cmd, "--help"]).run();
        assert!(out.success(), "{cmd} --help failed");
        let text = out.stdout;
        let examples = text
            .split_once("\nExamples:\n")
            .unwrap_or_else(|| panic!("{cmd} --help has no Examples section:\n{text}"))
            .1;
        let lines: Vec<&str> = examples.lines().filter(|l| !l.trim().is_empty()).collect();
        assert!(lines.len() >= 2, "{cmd}: too few examples");
        for l in lines {
            assert!(
                l.trim_start().starts_with(&format!("chartgate {cmd}")),
                "{cmd}: example does not run the command: {l}"
            );
        }
    }
}
