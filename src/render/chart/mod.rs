//! Chart loading, values coalescing, dependencies, `.Files`, rendering a chart like `helm template`.
pub mod engine;
pub mod files;
pub mod ignore;
pub mod load;
pub mod model;
pub mod release;
pub mod render;
pub mod schema;
pub mod strvals;
pub mod values;

pub use engine::render_chart;
pub use load::{
    ChartError, LoadedChart, SourceFile, Sources, check_dependencies, load_chart,
    load_chart_limited, load_chart_with,
};
pub use model::{Chart, ChartFile, Dependency, ImportValue, Metadata};
pub use release::{PreparedValues, RenderOptions, prepare_values, user_values};
pub use render::{
    RenderError, RenderedChart, RenderedTemplate, TemplateEngine, helm_template_stream,
    render_chart_with,
};
