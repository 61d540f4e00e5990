//! Exact outputs of the JUnit, GitHub-annotation and markdown writers on a hand-built list of
//! findings (several charts × environments, a finding without chart/resource, escaping cases).

#[path = "report_fixture.rs"]
mod fx;

use chartgate::report::github::{escape_data, escape_property, github};
use chartgate::report::junit::junit;
use chartgate::report::markdown::markdown;

#[test]
fn github_annotations_exact() {
    assert_eq!(
        github(&fx::findings()),
        include_str!("report_expected/findings.github")
    );
}

#[test]
fn github_output_independent_of_input_order() {
    let mut f = fx::findings();
    f.reverse();
    assert_eq!(github(&f), include_str!("report_expected/findings.github"));
}

#[test]
fn github_escaping_matches_actions_toolkit() {
    assert_eq!(escape_data("a%b\r\nc:d,e"), "a%25b%0D%0Ac:d,e");
    assert_eq!(escape_property("a%b\r\nc:d,e"), "a%25b%0D%0Ac%3Ad%2Ce");
    // `%` is escaped first, so an existing escape sequence is not decoded by GitHub.
    assert_eq!(escape_data("%0A"), "%250A");
}

#[test]
fn github_empty() {
    assert_eq!(github(&[]), "");
}

#[test]
fn junit_exact() {
    assert_eq!(
        junit(&fx::findings(), &fx::suites()),
        include_str!("report_expected/findings.junit.xml")
    );
}

#[test]
fn junit_no_findings_one_passing_case_per_suite() {
    let suites = &fx::suites()[..1];
    assert_eq!(
        junit(&[], suites),
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            "<testsuites name=\"chartgate\" tests=\"1\" skipped=\"0\" failures=\"0\" errors=\"0\">\n",
            "    <testsuite name=\"services/worker [prod]\" tests=\"1\" skipped=\"0\" errors=\"0\" failures=\"0\">\n",
            "        <testcase name=\"chartgate\" classname=\"services/worker [prod]\"/>\n",
            "    </testsuite>\n",
            "</testsuites>\n",
        )
    );
}

#[test]
fn markdown_exact() {
    assert_eq!(
        markdown(&fx::findings(), &fx::suites()),
        include_str!("report_expected/findings.md")
    );
}

#[test]
fn markdown_clean_run() {
    assert_eq!(
        markdown(&[], &fx::suites()[..1]),
        concat!(
            "## chartgate\n\n",
            "**0 errors, 0 warnings, 0 info findings** in 1 service × environment pair checked.\n\n",
            "| Service | Environment | Errors | Warnings | Info |\n",
            "|---|---|---:|---:|---:|\n",
            "| services/worker | prod | 0 | 0 | 0 |\n",
        )
    );
}
