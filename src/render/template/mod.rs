//! Go text/template engine (lexer, parser, exec) with Sprig and Helm functions in `funcs/`.
pub mod funcs;
pub mod gofmt;
