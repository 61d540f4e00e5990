//! Source scanning: package name, rule heads (with line:col) and OPA `# METADATA` annotations.
//!
//! regorus does not expose annotations, so the `# METADATA` comment blocks are read here. Only the
//! fields chartgate uses are understood: `title`, `description`, `scope` and `custom.id`,
//! `custom.severity` (plain or quoted scalars; `|`/`>` blocks for descriptions).

use std::collections::BTreeMap;

/// The METADATA fields chartgate uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    /// `custom.id`.
    pub id: Option<String>,
    /// `custom.severity`, as written.
    pub severity: Option<String>,
    /// `title`.
    pub title: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// Line of the `# METADATA` comment.
    pub line: u32,
}

/// A rule head found at the start of a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleHead {
    /// Rule name (first path component of the head).
    pub name: String,
    /// 1-based line of the first definition.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// The METADATA block directly above the first annotated definition.
    pub meta: Option<Meta>,
}

/// What chartgate knows about one policy module.
#[derive(Clone, Debug, Default)]
pub struct ModuleInfo {
    /// Package path without `data.`, e.g. `main`.
    pub package: String,
    /// METADATA above the `package` line.
    pub package_meta: Option<Meta>,
    /// Rule heads in order of first appearance, one per name.
    pub rules: Vec<RuleHead>,
}

const KEYWORDS: &[&str] = &[
    "package", "import", "default", "not", "some", "every", "with", "else",
];

/// Scans a module's text. The text has already been parsed by regorus, so this only needs to
/// recognise well-formed heads: an identifier in column 1 that is not a keyword.
pub fn scan(text: &str) -> ModuleInfo {
    let mut info = ModuleInfo::default();
    let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut pending: Option<Meta> = None;
    let mut i = 0usize;
    while let Some(line) = lines.get(i) {
        let lineno = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let trimmed = line.trim();
        if trimmed == "# METADATA" {
            let mut block = Vec::new();
            let mut j = i + 1;
            while let Some(l) = lines.get(j) {
                let t = l.trim_start();
                match t.strip_prefix('#') {
                    Some(rest) => block.push(rest.strip_prefix(' ').unwrap_or(rest).to_string()),
                    None => break,
                }
                j += 1;
            }
            let mut meta = parse_meta(&block);
            meta.line = lineno;
            pending = Some(meta);
            i = j;
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        if let Some(rest) = line.strip_prefix("package ") {
            info.package = rest.split('#').next().unwrap_or("").trim().to_string();
            info.package_meta = pending.take();
            i += 1;
            continue;
        }
        let first = line.chars().next().unwrap_or(' ');
        if first.is_ascii_alphabetic() || first == '_' {
            let mut name: String = line
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if name == "default" {
                // `default deny := ...` declares the rule too.
                let rest = line["default".len()..].trim_start();
                name = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
            }
            if !name.is_empty() && !KEYWORDS.contains(&name.as_str()) {
                let meta = pending.take();
                match by_name.get(&name) {
                    Some(&idx) => {
                        if let Some(r) = info.rules.get_mut(idx)
                            && r.meta.is_none()
                        {
                            r.meta = meta;
                        }
                    }
                    None => {
                        by_name.insert(name.clone(), info.rules.len());
                        info.rules.push(RuleHead {
                            name,
                            line: lineno,
                            column: 1,
                            meta,
                        });
                    }
                }
            }
        }
        pending = None;
        i += 1;
    }
    info
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    if v.len() >= 2
        && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')))
    {
        return v[1..v.len() - 1].to_string();
    }
    v.to_string()
}

/// Parses the small YAML subset used in METADATA blocks.
fn parse_meta(block: &[String]) -> Meta {
    let mut meta = Meta::default();
    let mut section = "";
    let mut k = 0usize;
    while let Some(line) = block.get(k) {
        k += 1;
        if line.trim().is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let Some((key, value)) = line.trim().split_once(':') else {
            continue;
        };
        let key = key.trim();
        let value = value.trim();
        if indent == 0 {
            section = if value.is_empty() && key == "custom" {
                "custom"
            } else {
                ""
            };
        }
        let mut text = unquote(value);
        if value == "|" || value == ">" || value == "|-" || value == ">-" {
            let mut parts = Vec::new();
            while let Some(l) = block.get(k) {
                let ind = l.len() - l.trim_start().len();
                if !l.trim().is_empty() && ind <= indent {
                    break;
                }
                parts.push(l.trim().to_string());
                k += 1;
            }
            let sep = if value.starts_with('|') { "\n" } else { " " };
            text = parts.join(sep).trim().to_string();
        }
        match (indent == 0, section, key) {
            (true, _, "title") => meta.title = Some(text),
            (true, _, "description") => meta.description = Some(text),
            (false, "custom", "id") => meta.id = Some(text),
            (false, "custom", "severity") => meta.severity = Some(text),
            _ => {}
        }
    }
    meta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_heads_and_metadata() {
        let text = "# METADATA\n# title: Pkg\npackage main\n\nimport rego.v1\n\n# METADATA\n# title: No latest\n# description: >\n#   Images must\n#   be pinned.\n# custom:\n#   id: no-latest\n#   severity: \"warning\"\ndeny contains msg if {\n  msg := \"x\"\n}\n\ndeny contains msg if { false }\nwarn[msg] { msg := 1 }\ndefault allow := false\n";
        let info = scan(text);
        assert_eq!(info.package, "main");
        assert_eq!(
            info.package_meta.as_ref().and_then(|m| m.title.clone()),
            Some("Pkg".into())
        );
        let names: Vec<_> = info
            .rules
            .iter()
            .map(|r| (r.name.as_str(), r.line))
            .collect();
        assert_eq!(names, vec![("deny", 15), ("warn", 20), ("allow", 21)]);
        let m = info.rules[0].meta.clone().unwrap();
        assert_eq!(m.id.as_deref(), Some("no-latest"));
        assert_eq!(m.severity.as_deref(), Some("warning"));
        assert_eq!(m.title.as_deref(), Some("No latest"));
        assert_eq!(m.description.as_deref(), Some("Images must be pinned."));
        assert_eq!(m.line, 7);
    }
}
