//! `chartgate.yaml`: raw options, merged along the directory tree, resolved settings.
