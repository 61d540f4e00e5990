//! The run's trust setup, shared by `check` and `audit`: the platform config and the checked
//! root (see `config::trust` and `config::confine`).

use std::path::{Path, PathBuf};

/// Loads `--platform-config` (trusted: its paths are not confined) and records the root of the
/// check (the first path, else the current directory). `Err` is the message to print.
pub fn prepare(platform: Option<&Path>, paths: &[PathBuf], cwd: &Path) -> Result<(), String> {
    let first = paths
        .iter()
        .find(|p| p.as_os_str() != "-")
        .map(|p| cwd.join(p))
        .unwrap_or_else(|| cwd.to_path_buf());
    crate::discover::root::set_checked_root(&first);
    let config = match platform {
        None => None,
        Some(p) => Some(
            crate::config::load_platform_file(&cwd.join(p)).map_err(|e| {
                let file = crate::config::confine::show_path(Path::new(
                    &crate::discover::manifests::display_path(&e.file, cwd),
                ));
                if e.line == 0 {
                    format!("{file}: {}", e.message)
                } else {
                    format!("{file}:{}:{}: {}", e.line, e.column, e.message)
                }
            })?,
        ),
    };
    crate::config::trust::set_platform(config);
    Ok(())
}
