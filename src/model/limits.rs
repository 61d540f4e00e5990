//! Resource limits for untrusted input, in one place: the one set of defaults, setting by name
//! (the `limits:` section of `chartgate.yaml`, `--limit NAME=VALUE`). The YAML loader and the
//! template engine read their bounds from it through views defined in their own modules
//! ([`Limits::yaml`] in `yaml/`, [`Limits::template`] in `render/template/`), so this module
//! imports nothing above it.

/// Every limit chartgate applies to charts, values and manifests. See README "Limits".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Limits {
    /// `file-bytes`: largest values file, manifest file or YAML document read (16 MiB).
    pub file_bytes: usize,
    /// `alias-nodes`: nodes YAML alias expansion may produce per file (100 000).
    pub alias_nodes: usize,
    /// `yaml-depth`: deepest YAML collection nesting (256).
    pub yaml_depth: usize,
    /// `template-depth`: deepest `include`/`template`/`tpl` nesting (1000, Helm's).
    pub template_depth: usize,
    /// `output-bytes`: largest output of one template, and of one function result (64 MiB).
    pub output_bytes: usize,
    /// `range-iterations`: `range` iterations per template, and longest generated list (10 M).
    pub range_iterations: u64,
    /// `regex-bytes`: compiled size of one regular expression in `regexMatch` & co (4 MiB).
    pub regex_bytes: usize,
    /// `render-seconds`: wall-clock budget of one render, all its templates together (10 s).
    pub render_seconds: u64,
    /// `render-memory`: bytes one render (or one policy evaluation) may allocate (512 MiB).
    pub render_memory: u64,
    /// `run-seconds`: wall-clock budget of the whole run; renders that would start later are
    /// reported as not checked (30 s).
    pub run_seconds: u64,
    /// `run-memory`: bytes the whole process may hold (2 GiB).
    pub run_memory: u64,
    /// `findings`: findings one run (one repository of an audit) keeps (100 000); further ones
    /// are counted, not kept, and the run fails (`findings-limit`).
    pub findings: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            file_bytes: 16 << 20,
            alias_nodes: 100_000,
            yaml_depth: 256,
            template_depth: 1000,
            output_bytes: 64 << 20,
            range_iterations: 10_000_000,
            regex_bytes: 4 << 20,
            render_seconds: 10,
            render_memory: 512 << 20,
            run_seconds: 30,
            run_memory: 2 << 30,
            findings: 100_000,
        }
    }
}

/// The names accepted in `limits:` and by `--limit`, in README order.
pub const NAMES: &[&str] = &[
    "file-bytes",
    "alias-nodes",
    "yaml-depth",
    "template-depth",
    "output-bytes",
    "range-iterations",
    "regex-bytes",
    "render-seconds",
    "render-memory",
    "run-seconds",
    "run-memory",
    "findings",
];

impl Limits {
    /// Sets one limit by name; the value must be a positive integer.
    pub fn set(&mut self, name: &str, value: u64) -> Result<(), String> {
        if value == 0 {
            return Err(format!("limit `{name}` must be a positive integer"));
        }
        let size = usize::try_from(value).unwrap_or(usize::MAX);
        match name {
            "file-bytes" => self.file_bytes = size,
            "alias-nodes" => self.alias_nodes = size,
            "yaml-depth" => self.yaml_depth = size,
            "template-depth" => self.template_depth = size,
            "output-bytes" => self.output_bytes = size,
            "range-iterations" => self.range_iterations = value,
            "regex-bytes" => self.regex_bytes = size,
            "render-seconds" => self.render_seconds = value,
            "render-memory" => self.render_memory = value,
            "run-seconds" => self.run_seconds = value,
            "run-memory" => self.run_memory = value,
            "findings" => self.findings = value,
            _ => {
                return Err(format!(
                    "unknown limit `{name}` (expected one of {})",
                    NAMES.join(", ")
                ));
            }
        }
        Ok(())
    }

    /// One limit by name (0 for an unknown name).
    pub fn get(&self, name: &str) -> u64 {
        match name {
            "file-bytes" => self.file_bytes as u64,
            "alias-nodes" => self.alias_nodes as u64,
            "yaml-depth" => self.yaml_depth as u64,
            "template-depth" => self.template_depth as u64,
            "output-bytes" => self.output_bytes as u64,
            "range-iterations" => self.range_iterations,
            "regex-bytes" => self.regex_bytes as u64,
            "render-seconds" => self.render_seconds,
            "render-memory" => self.render_memory,
            "run-seconds" => self.run_seconds,
            "run-memory" => self.run_memory,
            "findings" => self.findings,
            _ => 0,
        }
    }

    /// Applies a `NAME=VALUE` command-line argument.
    pub fn set_arg(&mut self, arg: &str) -> Result<(), String> {
        let Some((name, value)) = arg.split_once('=') else {
            return Err(format!("invalid --limit `{arg}`: expected NAME=VALUE"));
        };
        let value: u64 = value.trim().parse().map_err(|_| {
            format!("invalid --limit `{arg}`: the value must be a positive integer")
        })?;
        self.set(name.trim(), value)
    }

    /// `findings` as a count of kept findings.
    pub fn findings_kept(&self) -> usize {
        usize::try_from(self.findings).unwrap_or(usize::MAX)
    }

    /// Checks a file's size before reading it: `Err` names the limit.
    pub fn check_file_size(&self, display: &str, len: u64) -> Result<(), super::InputError> {
        if len > self.file_bytes as u64 {
            return Err(super::InputError::file(
                display,
                format!(
                    "file is {len} bytes, over the limit of {} bytes (limits.file-bytes)",
                    self.file_bytes
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The budgets issue 20 states: a check of one repository within 30 s and 2 GiB by default.
    #[test]
    fn default_run_budget() {
        let l = Limits::default();
        assert_eq!((l.run_seconds, l.run_memory), (30, 2 << 30));
        assert!(l.render_seconds <= l.run_seconds && l.render_memory <= l.run_memory);
    }

    #[test]
    fn set_by_name_and_arg() {
        let mut l = Limits::default();
        assert_eq!(l.set_arg("render-seconds=3"), Ok(()));
        assert_eq!(l.set("file-bytes", 10), Ok(()));
        assert_eq!(l.render_seconds, 3);
        assert_eq!(l.template().time_budget, std::time::Duration::from_secs(3));
        assert_eq!(l.yaml().max_bytes, 10);
        assert_eq!(
            l.set_arg("nope=1"),
            Err("unknown limit `nope` (expected one of file-bytes, alias-nodes, yaml-depth, template-depth, output-bytes, range-iterations, regex-bytes, render-seconds, render-memory, run-seconds, run-memory, findings)".into())
        );
        assert_eq!(
            l.set_arg("yaml-depth=0"),
            Err("limit `yaml-depth` must be a positive integer".into())
        );
        assert_eq!(
            l.set_arg("yaml-depth"),
            Err("invalid --limit `yaml-depth`: expected NAME=VALUE".into())
        );
        assert_eq!(
            l.check_file_size("v.yaml", 11).map_err(|e| e.to_string()),
            Err("v.yaml: file is 11 bytes, over the limit of 10 bytes (limits.file-bytes)".into())
        );
    }
}
