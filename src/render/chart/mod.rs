//! Chart loading, values coalescing, dependencies, `.Files`, rendering a chart like `helm template`.
pub mod files;
pub mod ignore;
pub mod load;
pub mod model;
pub mod strvals;
pub mod values;

pub use load::{ChartError, LoadedChart, SourceFile, Sources, check_dependencies, load_chart_with};
pub use model::{Chart, ChartFile, Dependency, ImportValue, Metadata};
