//! Command-line interface (clap), one file per command.

/// Entry point: parses arguments, runs the command, returns the exit code.
pub fn main() -> i32 {
    eprintln!("chartgate: not yet implemented");
    2
}
