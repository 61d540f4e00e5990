//! Compiling a glob a pull request names: through a one-glob `GlobSet`, whose build reports a
//! pattern too large for the regex engine. globset's `Glob::compile_matcher` panics on it (a
//! brace of 200,000 alternatives in an Argo CD `directory.include` ended the run).

/// `glob` compiled for matching, or globset's error.
pub fn compile(glob: globset::Glob) -> Result<globset::GlobSet, globset::Error> {
    globset::GlobSetBuilder::new().add(glob).build()
}
