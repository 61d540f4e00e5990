//! Every command's `--help` ends with examples that use the command itself.

use assert_cmd::Command;

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
        let out = Command::cargo_bin("chartgate")
            .unwrap()
            .args([cmd, "--help"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{cmd} --help failed");
        let text = String::from_utf8(out.stdout).unwrap();
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
