//! The one error type for bad input: a message at a file:line:col.

use std::fmt;

/// An error in an input file (config, values file, manifest, template, schema). Prints as
/// `FILE:LINE:COL: message`, or `FILE: message` when no line is known (line 0).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    /// The file as printed (relative to the current directory).
    pub file: String,
    /// 1-based line; 0 when unknown.
    pub line: u32,
    /// 1-based column; 0 when unknown.
    pub column: u32,
    /// What is wrong.
    pub message: String,
}

impl InputError {
    /// An error at `file:line:column`.
    pub fn new(
        file: impl Into<String>,
        line: u32,
        column: u32,
        message: impl Into<String>,
    ) -> Self {
        InputError {
            file: file.into(),
            line,
            column,
            message: message.into(),
        }
    }

    /// An error about a whole file (no line).
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> Self {
        InputError::new(file, 0, 0, message)
    }

    /// The place as a finding location (line 0 becomes line 1, column 1).
    pub fn location(&self) -> super::Location {
        super::Location {
            file: self.file.clone(),
            line: self.line.max(1),
            column: if self.line == 0 {
                1
            } else {
                self.column.max(1)
            },
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.column, self.message
            )
        }
    }
}

impl std::error::Error for InputError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_location() {
        let e = InputError::new("v.yaml", 3, 7, "bad");
        assert_eq!(e.to_string(), "v.yaml:3:7: bad");
        assert_eq!((e.location().line, e.location().column), (3, 7));
        let e = InputError::file("c.yaml", "unreadable");
        assert_eq!(e.to_string(), "c.yaml: unreadable");
        assert_eq!((e.location().line, e.location().column), (1, 1));
    }
}
