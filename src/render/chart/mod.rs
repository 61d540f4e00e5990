//! Chart loading, values coalescing, dependencies, `.Files`, rendering a chart like `helm template`.
pub mod strvals;
pub mod values;
