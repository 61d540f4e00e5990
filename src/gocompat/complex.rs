//! Go's `complex128`, which a template gets from an imaginary literal (`{{ 1i }}`,
//! text/template's `NumberNode.IsComplex`: `strconv.ParseFloat` of the text before the `i`).
//!
//! `fmt` prints it as `(` real `+`/`-` imaginary `i)`, both parts as `%v` prints a float64 and the
//! imaginary part always signed (fmt/print.go `fmtComplex`); `encoding/json` refuses the type
//! (`json: unsupported type: complex128`).
use crate::gocompat::float::format_g;
use crate::model::value::{Object, Value};
use std::sync::Arc;

/// A `complex128` value.
#[derive(Debug)]
pub struct GoComplex {
    pub re: f64,
    pub im: f64,
}

/// Go's `%v` of a `complex128`.
pub fn format_complex(re: f64, im: f64) -> String {
    let im_text = format_g(im, None, false);
    let sign = if im_text.starts_with('-') { "" } else { "+" };
    format!("({}{sign}{im_text}i)", format_g(re, None, false))
}

impl Object for GoComplex {
    fn type_name(&self) -> &'static str {
        "complex128"
    }
    fn kind(&self) -> &'static str {
        "complex128"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn method(&self, _name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        None
    }
    fn as_value(&self) -> Value {
        Value::str(format_complex(self.re, self.im))
    }
}

/// The value of an imaginary literal: `complex(0, im)`.
pub fn imaginary(im: f64) -> Value {
    Value::Object(Arc::new(GoComplex { re: 0.0, im }))
}

/// Whether `v` is a `complex128`.
pub fn is_complex(v: &Value) -> bool {
    matches!(v, Value::Object(o) if o.type_name() == "complex128")
}
