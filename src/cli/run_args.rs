//! The options every command that runs the pipeline shares (`check`, `audit`), flattened into
//! both so they accept the same ones; mapped onto [`crate::pipeline::session::RunOptions`].

use std::path::PathBuf;

/// Options shared by `check` and `audit`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Config file (default: the nearest chartgate.yaml files walking up from each path).
    /// A repository config: it may tighten the platform config, never loosen it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The trusted platform config (default: the bundled defaults). Repository configs may only
    /// tighten it (README "Security").
    #[arg(long, value_name = "FILE")]
    pub platform_config: Option<PathBuf>,
    /// A repository's local checkout, `URL=PATH` (repeatable): Argo CD Applications that use the
    /// repository (Git, Helm repository or OCI registry) are resolved there.
    #[arg(long = "repo", value_name = "URL=PATH")]
    pub repos: Vec<String>,
    /// Also look for chart dependencies missing from `charts/` in Helm's repository cache
    /// (`$HELM_CACHE_HOME/repository`, else `~/.cache/helm/repository`), outside the repository.
    #[arg(long)]
    pub helm_cache: bool,
    /// Environment name (selects `environments.NAME` in the config; `{env}` in host patterns).
    /// Repeatable (or comma-separated): the inputs are checked once per environment.
    #[arg(long, value_delimiter = ',')]
    pub env: Vec<String>,
    /// Cluster name (`{cluster}` in host patterns; overrides the environment's cluster).
    #[arg(long)]
    pub cluster: Option<String>,
    /// Globs of files to read inside directories (default *.yaml, *.yml, *.json).
    #[arg(long)]
    pub include: Vec<String>,
    /// Globs of files to skip inside directories.
    #[arg(long)]
    pub exclude: Vec<String>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Rego policy file or directory, added to the bundled policies and `policies:` of the
    /// config (repeatable).
    #[arg(long = "policy", value_name = "PATH")]
    pub policy: Vec<PathBuf>,
    /// JSON or YAML document merged under `data` for the policies (repeatable).
    #[arg(long = "data", value_name = "FILE")]
    pub data: Vec<PathBuf>,
    /// Rego package whose deny/violation/warn rules run (repeatable; default `main`; the
    /// bundled `chartgate_platform.*` packages always run).
    #[arg(long = "namespace", value_name = "NS")]
    pub namespace: Vec<String>,
    /// Run the rules of every Rego package.
    #[arg(long)]
    pub all_namespaces: bool,
    /// conftest's --combine: policies see all documents of one input set at once, as
    /// `input = [{"path": FILE, "contents": DOCUMENT}, ...]`.
    #[arg(long)]
    pub combine: bool,
    /// Renderer for charts: chartgate's own, or `helm template` from PATH.
    #[arg(long, value_enum, default_value_t = crate::render::Renderer::Native)]
    pub renderer: crate::render::Renderer,
    /// Override a resource limit, `NAME=VALUE` (repeatable; names as in chartgate.yaml `limits:`,
    /// e.g. `render-seconds=30`); applies over every config's `limits:`.
    #[arg(long = "limit", value_name = "NAME=VALUE")]
    pub limits: Vec<String>,
    /// Values file applied to every chart after its environment's files (repeatable, in order).
    #[arg(short = 'f', long = "values")]
    pub values: Vec<PathBuf>,
}

impl RunArgs {
    /// The pipeline's options.
    pub fn options(&self) -> crate::pipeline::session::RunOptions {
        crate::pipeline::session::RunOptions {
            config: self.config.clone(),
            envs: self.env.clone(),
            cluster: self.cluster.clone(),
            include: self.include.clone(),
            exclude: self.exclude.clone(),
            jobs: self.jobs,
            policy: self.policy.clone(),
            data: self.data.clone(),
            namespaces: self.namespace.clone(),
            all_namespaces: self.all_namespaces,
            combine: self.combine,
            renderer: self.renderer,
            limits: self.limits.clone(),
            values: self.values.clone(),
            platform_config: self.platform_config.clone(),
            repos: self.repos.clone(),
            never_manifests: Vec::new(),
            helm_cache: self.helm_cache,
        }
    }
}
