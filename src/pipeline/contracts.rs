//! Contract schemas (`values-schema:` in the config): compiled once per run, offline, with
//! `$ref`s to other files of the repository resolved (confined to it); a `$ref` chartgate does
//! not follow is a `values-schema` finding at its line in the file holding it.

use std::path::Path;

use crate::analyze::rules::values_schema::ValuesSchema;
use crate::discover::manifests::display_path;
use crate::model::{Finding, Location};
use crate::render::chart::schema::{CompiledSchema, compile_file};

/// Compiles the contract schema `p`; the error names the file.
pub fn compile(p: &Path, cwd: &Path) -> Result<CompiledSchema, crate::model::InputError> {
    let display = display_path(p, cwd);
    let max = crate::model::Limits::default().file_bytes;
    let root = crate::confine::root::repo_root(p);
    compile_file(p, &root, max).map_err(|e| crate::model::InputError::file(display, e))
}

/// The findings of the `$ref`s the contract `p` left unfollowed, for environment `env`, at the
/// rule's default severity (pass them through the engine's sink).
pub fn external_findings(
    p: &Path,
    compiled: &CompiledSchema,
    env: Option<&str>,
    cwd: &Path,
) -> Vec<Finding> {
    if compiled.external.is_empty() {
        return Vec::new();
    }
    let root = crate::confine::root::repo_root(p);
    let base = match p.strip_prefix(&root) {
        Ok(_) => root,
        Err(_) => p.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    compiled
        .external
        .iter()
        .map(|r| {
            // The configured level is applied by the sink the caller passes these through.
            Finding::new(
                ValuesSchema::INFO.id,
                ValuesSchema::INFO.default_severity,
                r.message.clone(),
                Location {
                    file: display_path(&base.join(&r.file), cwd),
                    line: r.line,
                    column: r.col,
                },
            )
            .with_environment(env)
        })
        .collect()
}
