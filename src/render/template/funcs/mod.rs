//! Template functions: Sprig v3 and Helm's own. Functions that need the executing template
//! (`include`, `tpl`, `template`) and Go's short-circuiting builtins (`and`, `or`) live in the
//! executor; everything else is a plain function over values.
use crate::render::value::Value;

/// A template function. Errors are plain messages; the executor adds template name and position.
pub type Func = fn(&[Value]) -> Result<Value, String>;

/// The function called `name` in templates, if there is one.
pub fn lookup(_name: &str) -> Option<Func> {
    None
}
