//! The Helm renderer: `template/` is Go's text/template with Sprig and Helm's functions,
//! `chart/` loads charts, coalesces values and renders a chart like `helm template`; `helm.rs`
//! renders with a `helm` binary instead (`--renderer helm`).
pub mod chart;
pub mod helm;
pub mod template;

use std::path::Path;

use chart::{RenderOptions, RenderedChart, render_chart};

/// Which renderer turns a chart into manifests.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Renderer {
    /// chartgate's own renderer (no helm binary needed).
    #[default]
    Native,
    /// `helm template` from PATH (for charts the native renderer does not reproduce).
    Helm,
}

/// Renders `chart` (its symbolic links bounded by `repo`, else the chart directory) with the
/// chosen renderer; the error prints Helm's (or the helm binary's) message.
pub fn render_with(
    renderer: Renderer,
    chart: &Path,
    repo: Option<&Path>,
    opts: &RenderOptions,
) -> Result<RenderedChart, chart::RenderError> {
    match renderer {
        Renderer::Native => render_chart(
            &chart::load::load_chart_in(chart, &opts.limits, repo)?,
            opts,
        ),
        Renderer::Helm => helm::render_with_helm(chart, opts),
    }
}
