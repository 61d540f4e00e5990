//! `.helmignore` rules with Helm's semantics (its `pkg/ignore`), written from the behaviour:
//! - blank lines and `#` comments are skipped; `**` is rejected;
//! - `!pat` negates — and, as in Helm, a path that does *not* match a negated rule is ignored;
//! - `pat/` only matches directories;
//! - `/pat` and patterns containing `/` match the whole relative path, others the base name;
//! - matching is Go's `filepath.Match` (`*` and `?` never cross `/`, `[...]` classes, `\` escapes).
//!
//! The default rule `templates/.?*` (dotfiles in templates) is always present.

/// One parsed rule.
#[derive(Clone, Debug)]
struct Rule {
    pattern: String,
    negate: bool,
    must_dir: bool,
    /// Match the whole path (pattern had a `/`) rather than the base name.
    full_path: bool,
}

/// A set of `.helmignore` rules.
#[derive(Clone, Debug, Default)]
pub struct IgnoreRules {
    rules: Vec<Rule>,
}

impl IgnoreRules {
    /// Rules with only Helm's defaults.
    pub fn with_defaults() -> IgnoreRules {
        let mut r = IgnoreRules::default();
        // The default rule is valid; ignore the impossible error.
        let _ = r.add_line("templates/.?*");
        r
    }

    /// Parses `.helmignore` text on top of Helm's defaults.
    pub fn parse(text: &str) -> Result<IgnoreRules, String> {
        let mut r = IgnoreRules::with_defaults();
        for line in text.lines() {
            r.add_line(line)?;
        }
        Ok(r)
    }

    fn add_line(&mut self, line: &str) -> Result<(), String> {
        let mut rule = line.trim();
        if rule.is_empty() || rule.starts_with('#') {
            return Ok(());
        }
        if rule.contains("**") {
            return Err("double-star (**) syntax is not supported".into());
        }
        if go_match(rule, "abc").is_err() {
            return Err("syntax error in pattern".into());
        }
        let negate = rule.starts_with('!');
        if negate {
            rule = &rule[1..];
        }
        let must_dir = rule.ends_with('/');
        if must_dir {
            rule = &rule[..rule.len() - 1];
        }
        let full_path = rule.contains('/');
        let rule = rule.strip_prefix('/').unwrap_or(rule);
        self.rules.push(Rule {
            pattern: rule.to_string(),
            negate,
            must_dir,
            full_path,
        });
        Ok(())
    }

    /// Whether the slash-separated relative `path` (a directory when `is_dir`) is ignored.
    pub fn ignore(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        for r in &self.rules {
            let target = if r.full_path {
                path
            } else {
                path.rsplit('/').next().unwrap_or(path)
            };
            let matched = go_match(&r.pattern, target).unwrap_or(false);
            if r.negate {
                if r.must_dir && !is_dir {
                    return true;
                }
                if !matched {
                    return true;
                }
                continue;
            }
            if r.must_dir && !is_dir {
                continue;
            }
            if matched {
                return true;
            }
        }
        false
    }
}

/// A malformed pattern (Go's `filepath.ErrBadPattern`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadPattern;

/// Go's `path/filepath.Match` on `/`-separated names. `Err` for a malformed pattern.
pub fn go_match(pattern: &str, name: &str) -> Result<bool, BadPattern> {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    match_from(&p, &n)
}

fn match_from(p: &[char], n: &[char]) -> Result<bool, BadPattern> {
    let (mut pi, mut ni) = (0usize, 0usize);
    // Backtracking point for the last `*`: (pattern index after star, name index).
    let mut star: Option<(usize, usize)> = None;
    loop {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi + 1, ni));
                    pi += 1;
                    continue;
                }
                c => {
                    if ni < n.len() {
                        if let Some(adv) = match_one(p, pi, n[ni], c)? {
                            pi = adv;
                            ni += 1;
                            continue;
                        }
                    } else {
                        // Validate the remaining pattern for syntax errors as Go does.
                        validate(&p[pi..])?;
                    }
                }
            }
        } else if ni == n.len() {
            return Ok(true);
        }
        // Mismatch: backtrack to the last star, which may not consume '/'.
        match star {
            Some((sp, sn)) if sn < n.len() && n[sn] != '/' => {
                star = Some((sp, sn + 1));
                pi = sp;
                ni = sn + 1;
            }
            _ => {
                validate(&p[pi.min(p.len())..])?;
                return Ok(false);
            }
        }
    }
}

/// Matches one pattern element at `p[pi]` (not `*`) against `c`; `Some(next pattern index)` on a
/// match, `None` on a mismatch.
fn match_one(p: &[char], pi: usize, c: char, pc: char) -> Result<Option<usize>, BadPattern> {
    match pc {
        '?' => Ok(if c == '/' { None } else { Some(pi + 1) }),
        '\\' => {
            let e = *p.get(pi + 1).ok_or(BadPattern)?;
            Ok(if e == c { Some(pi + 2) } else { None })
        }
        '[' => {
            let mut i = pi + 1;
            let negated = p.get(i) == Some(&'^');
            if negated {
                i += 1;
            }
            let mut matched = false;
            let mut first = true;
            loop {
                let ch = *p.get(i).ok_or(BadPattern)?;
                if ch == ']' && !first {
                    i += 1;
                    break;
                }
                first = false;
                let lo = if ch == '\\' {
                    i += 1;
                    *p.get(i).ok_or(BadPattern)?
                } else {
                    ch
                };
                i += 1;
                let mut hi = lo;
                if p.get(i) == Some(&'-') && p.get(i + 1).is_some_and(|x| *x != ']') {
                    i += 1;
                    hi = *p.get(i).ok_or(BadPattern)?;
                    if hi == '\\' {
                        i += 1;
                        hi = *p.get(i).ok_or(BadPattern)?;
                    }
                    i += 1;
                }
                if lo <= c && c <= hi {
                    matched = true;
                }
            }
            Ok(if matched != negated && c != '/' {
                Some(i)
            } else {
                None
            })
        }
        _ => Ok(if pc == c { Some(pi + 1) } else { None }),
    }
}

fn validate(p: &[char]) -> Result<(), BadPattern> {
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '\\' => {
                if i + 1 >= p.len() {
                    return Err(BadPattern);
                }
                i += 2;
            }
            '[' => {
                let close = p[i + 1..]
                    .iter()
                    .position(|c| *c == ']')
                    .ok_or(BadPattern)?;
                i += close + 2;
            }
            _ => i += 1,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_match_semantics() {
        assert_eq!(go_match("*.txt", "a.txt"), Ok(true));
        assert_eq!(go_match("*.txt", "d/a.txt"), Ok(false));
        assert_eq!(go_match("d/*", "d/a"), Ok(true));
        assert_eq!(go_match("a?c", "abc"), Ok(true));
        assert_eq!(go_match("[a-c]x", "bx"), Ok(true));
        assert_eq!(go_match("[^a-c]x", "bx"), Ok(false));
        assert_eq!(go_match("\\*", "*"), Ok(true));
        assert_eq!(go_match("[", "a"), Err(BadPattern));
        assert_eq!(go_match("*x*y", "axbxy"), Ok(true));
    }

    #[test]
    fn helmignore_rules() {
        let r =
            IgnoreRules::parse("# c\n\n*.md\ntests/\n/ci/*.yaml\nsecret.txt\n").unwrap_or_default();
        assert!(r.ignore("README.md", false));
        assert!(r.ignore("docs/x.md", false));
        assert!(r.ignore("tests", true));
        assert!(r.ignore("templates/tests", true));
        assert!(!r.ignore("tests", false));
        assert!(r.ignore("ci/a.yaml", false));
        assert!(!r.ignore("x/ci/a.yaml", false));
        assert!(r.ignore("templates/.hidden", false));
        assert!(!r.ignore("values.yaml", false));
        assert!(IgnoreRules::parse("a/**/b").is_err());
        // Helm's negation quirk: a non-matching negated rule ignores the path.
        let n = IgnoreRules::parse("!keep.txt").unwrap_or_default();
        assert!(!n.ignore("keep.txt", false));
        assert!(n.ignore("other.txt", false));
    }
}
