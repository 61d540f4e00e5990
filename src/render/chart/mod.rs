//! Chart loading, values coalescing, dependencies, `.Files`, rendering a chart like `helm template`.
