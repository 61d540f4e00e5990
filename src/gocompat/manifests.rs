//! Helm's `releaseutil.SplitManifests` (pkg/release/v1/util/manifest.go): how Helm cuts a
//! template's output into documents before reading each one.
//!
//! ```go
//! var sep = regexp.MustCompile("(?:^|\\s*\n)---\\s*")
//! bigFileTmp := strings.TrimSpace(bigFile)
//! docs := sep.Split(bigFileTmp, -1)
//! for _, d := range docs { if d == "" { continue }; d = strings.TrimSpace(d); ... }
//! ```
//!
//! Go's regexp `\s` is ASCII whitespace only (`[\t\n\f\r ]`), while `strings.TrimSpace` trims
//! Unicode white space (as Rust's `str::trim` does). A piece that is not empty before trimming
//! is kept even when trimming empties it (`helm template` prints it as an empty document).

use std::sync::LazyLock;

/// Go's `(?:^|\s*\n)---\s*` with Go's ASCII `\s`.
static SEP: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(?:^|[\t\n\x0C\r ]*\n)---[\t\n\x0C\r ]*").expect("valid regex")
});

/// The documents Helm splits `text` into, in order, each trimmed, with the byte offset in
/// `text` where it starts. A piece of only (non-ASCII) white space between separators is kept
/// as an empty document, as Helm keeps it.
pub fn split_manifests(text: &str) -> Vec<(usize, &str)> {
    let trimmed = text.trim();
    let base = text.len() - text.trim_start().len();
    let mut out = Vec::new();
    let mut push = |from: usize, to: usize| {
        let raw = &trimmed[from..to];
        if raw.is_empty() {
            return;
        }
        let doc = raw.trim();
        let lead = raw.len() - raw.trim_start().len();
        out.push((base + from + lead, doc));
    };
    let mut last = 0;
    for m in SEP.find_iter(trimmed) {
        push(last, m.start());
        last = m.end();
    }
    push(last, trimmed.len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(s: &str) -> Vec<&str> {
        split_manifests(s).into_iter().map(|(_, d)| d).collect()
    }

    /// Helm's pkg/releaseutil/manifest_test.go (TestSplitManifest), then the separator forms
    /// the regular expression admits.
    #[test]
    fn splits_like_helm() {
        let mock = "\n\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: finding-nemo,\n  annotations:\n    \"helm.sh/hook\": test\nspec:\n  containers:\n  - name: nemo-test\n    image: fake-image\n    cmd: fake-command\n";
        assert_eq!(
            docs(mock),
            vec![
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: finding-nemo,\n  annotations:\n    \"helm.sh/hook\": test\nspec:\n  containers:\n  - name: nemo-test\n    image: fake-image\n    cmd: fake-command"
            ]
        );
        assert_eq!(docs(""), Vec::<&str>::new());
        assert_eq!(docs("---"), Vec::<&str>::new());
        assert_eq!(
            docs("\n---\na: 1\n---   \nb: 2\n\n---\n"),
            vec!["a: 1", "b: 2"]
        );
        assert_eq!(docs("a: 1\n---# c\nb: 2"), vec!["a: 1", "# c\nb: 2"]);
        // `---` not at a line start is text.
        assert_eq!(docs("a: x---y\n"), vec!["a: x---y"]);
        let s = "  \na: 1\n---\n  b: 2\n";
        let got = split_manifests(s);
        assert_eq!(got, vec![(3, "a: 1"), (14, "b: 2")]);
        assert_eq!(&s[14..18], "b: 2");
    }

    /// Go's `\s` is ASCII: a no-break space after `---` is not part of the separator, so the
    /// `---` on the next line still separates, and the no-break space alone is an (empty)
    /// document. With Unicode `\s` (the renderer's old copy) the first separator swallowed the
    /// line break and the second `---` became document text.
    #[test]
    fn non_ascii_space_is_not_a_separator_space() {
        assert_eq!(
            docs("a: 1\n---\u{a0}\n---\nb: 2\n"),
            vec!["a: 1", "", "b: 2"]
        );
        // A line separator (U+2028) before `---` is no line break for Go's `\n`.
        assert_eq!(docs("a: 1\u{2028}---\nb: 2"), vec!["a: 1\u{2028}---\nb: 2"]);
        // ... while TrimSpace (Unicode) trims the pieces.
        assert_eq!(docs("\u{a0}a: 1\n---\nb: 2\u{3000}"), vec!["a: 1", "b: 2"]);
    }
}
