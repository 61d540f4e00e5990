//! Go, Helm and go-yaml behaviours that chartgate reproduces, one copy each, for the renderer,
//! the YAML loader and the analyzers alike.
//!
//! This is the bottom of the crate next to `model/`: it imports only std, crates and
//! `crate::model`, never `render/`, `analyze/`, `config/`, `cli/` or `pipeline/`. Each file is
//! one behaviour, written from the Go source it names and tested with that source's own test
//! tables:
//!
//! * [`complex`]: Go's `complex128` from an imaginary literal (`1i`): printing, JSON refusal.
//! * [`go_nil`]: Go's nil slices and maps (print empty, marshal as `null`).
//! * [`no_value`]: Helm's `strings.ReplaceAll(out, "<no value>", "")` after executing a template.
//! * [`manifests`]: Helm's `releaseutil.SplitManifests` (Go regexp `\s` is ASCII whitespace).
//! * [`semver`]: Masterminds/semver v3 versions and constraints (Sprig's `semver` and
//!   `semverCompare`, Chart.yaml `kubeVersion`, dependency versions, `--kube-version`).
//! * [`quote`]: `strconv.Quote` / `QuoteToASCII` / `QuoteRune` and `strconv.IsPrint`.
//! * [`float`]: `strconv.FormatFloat` ('g', 'e', 'f'; 64 and 32 bits).
//! * [`duration`]: `time.ParseDuration` and `time.Duration.String`.
//! * [`yaml_resolve`]: go-yaml v2's plain-scalar resolution (YAML 1.1 booleans, octal, `<<`,
//!   timestamps), for reading values and for deciding what `toYaml` must quote.

pub mod complex;
pub mod duration;
pub mod float;
pub mod go_nil;
pub mod gobytes;
pub mod json_decode;
pub mod manifests;
pub mod no_value;
pub mod quote;
pub mod semver;
pub mod unicase;
pub mod yaml_resolve;
