//! The rule registry: every built-in rule is listed here once, with its metadata.
//!
//! Each rule lives in its own file under `rules/` and declares its metadata with
//! [`declare_rule!`](crate::declare_rule), which captures the rule's `///` doc comment so the
//! documentation printed by `chartgate explain` cannot drift from the code.

/// Moved to [`crate::model::rule`]; re-exported for old paths.
pub use crate::model::rule::RuleInfo;

/// Declares a rule type with its metadata. The `///` doc comment becomes the rule's docs.
///
/// ```ignore
/// declare_rule! {
///     /// ## What it does
///     /// ...
///     pub struct MyRule { id: "my-rule", severity: Error, summary: "One line." }
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis struct $name:ident {
            id: $id:literal,
            severity: $sev:ident,
            summary: $summary:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Default, Clone, Copy)]
        $vis struct $name;

        impl $name {
            /// This rule's metadata.
            pub const INFO: $crate::model::RuleInfo = $crate::model::RuleInfo {
                id: $id,
                default_severity: $crate::model::Severity::$sev,
                summary: $summary,
                docs: concat!($($doc, "\n"),*),
            };
        }
    };
}

/// Every built-in rule's metadata, in id order: derived from the one list of rules
/// ([`super::rules::all`]), so a new rule is registered in exactly one place.
pub fn all() -> &'static [RuleInfo] {
    static ALL: std::sync::LazyLock<Vec<RuleInfo>> =
        std::sync::LazyLock::new(|| super::rules::all().iter().map(|r| *r.info()).collect());
    &ALL
}

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static RuleInfo> {
    all().iter().find(|r| r.id == id)
}

/// Ids close to `id` (edit distance ≤ 3 or a shared word), for "did you mean" hints.
pub fn suggest(id: &str) -> Vec<&'static str> {
    let mut scored: Vec<(usize, &'static str)> = all()
        .iter()
        .filter_map(|r| {
            let d = if !id.is_empty() && r.id.starts_with(id) {
                0
            } else {
                levenshtein(id, r.id)
            };
            let shares_word = id
                .split('-')
                .any(|w| w.len() > 2 && r.id.split('-').any(|x| x == w));
            (d <= 3 || shares_word || r.id.contains(id) && !id.is_empty()).then_some((d, r.id))
        })
        .collect();
    scored.sort();
    scored.into_iter().map(|(_, id)| id).collect()
}

/// Edit distance between two ids (for did-you-mean hints over any list of ids).
pub fn distance(a: &str, b: &str) -> usize {
    levenshtein(a, b)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_and_sorted() {
        let ids: Vec<&str> = all().iter().map(|r| r.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(ids, sorted);
        for id in ids {
            assert!(
                !id.is_empty()
                    && id.split('-').all(|w| !w.is_empty()
                        && w.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
                "{id} is not kebab-case"
            );
        }
    }

    #[test]
    fn docs_have_required_sections() {
        for r in all() {
            assert!(
                !r.summary.is_empty() && r.summary.ends_with('.'),
                "{}",
                r.id
            );
            for h in ["What it does", "Why", "Failing example", "Passing example"] {
                assert!(!r.section(h).is_empty(), "{}: missing `## {h}`", r.id);
            }
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("timezones"), vec!["timezone"]);
        assert_eq!(
            suggest("image-tag"),
            vec!["image-tag-pinned", "image-registry"]
        );
        assert!(suggest("zzzzzzzzzzzzzz").is_empty());
    }
}
