//! The chart renderer over the Go-template engine ([`TemplateSet`]): `render_chart`.

use super::files::ToYaml;
use super::load::LoadedChart;
use super::release::RenderOptions;
use super::render::{
    RenderError, RenderedChart, RenderedTemplate, TemplateEngine, render_chart_with,
};
use crate::model::value::Value;
use crate::render::template::{ParseCache, TemplateError, TemplateSet, funcs};

/// Helm's `toYaml` as `.Files.AsConfig`/`.AsSecrets` use it (an error yields empty text, as in Helm).
fn to_yaml(v: &Value) -> String {
    funcs::to_yaml(v)
        .map(|t| t.as_str().to_string())
        .unwrap_or_default()
}

impl TemplateEngine for TemplateSet {
    fn add_file(&mut self, name: &str, src: &str) -> Result<(), TemplateError> {
        TemplateSet::add_file(self, name, src)
    }
    fn add_file_cached(
        &mut self,
        name: &str,
        src: &str,
        cache: &ParseCache,
    ) -> Result<(), TemplateError> {
        TemplateSet::add_file_cached(self, name, src, cache)
    }
    fn execute(&self, name: &str, dot: &Value) -> Result<RenderedTemplate, TemplateError> {
        TemplateSet::execute(self, name, dot).map(|r| RenderedTemplate {
            text: r.text,
            segs: r.segs,
            tpl: r.tpl,
        })
    }
    fn to_yaml(&self) -> ToYaml {
        to_yaml
    }
}

/// Renders a loaded chart like `helm template` with the built-in engine.
pub fn render_chart(
    chart: &LoadedChart,
    opts: &RenderOptions,
) -> Result<RenderedChart, RenderError> {
    let mut set = TemplateSet::new(opts.limits.template());
    // `limits.render-seconds` is the whole render's budget, not each template's.
    set.start_deadline();
    render_chart_with(&mut set, chart, opts)
}

#[cfg(test)]
mod tests {
    /// Charts are rendered for several environments in parallel: a loaded chart (with its
    /// parse and schema caches) is shared across threads.
    #[test]
    fn loaded_chart_is_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<super::LoadedChart>();
        check::<super::RenderedChart>();
    }
}
