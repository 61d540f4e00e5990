//! Chart loading, values coalescing, dependencies, `.Files`, rendering a chart like `helm template`.
pub mod ignore;
pub mod model;
pub mod strvals;
pub mod values;

pub use model::{Chart, ChartFile, Dependency, ImportValue, Metadata};
