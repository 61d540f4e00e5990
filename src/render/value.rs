//! The value model templates operate on: what Helm holds after its YAML → JSON round trip
//! (`map[string]interface{}`, `[]interface{}`, `float64`, `string`, `bool`, `nil`), plus
//! provenance: scalars remember the values-file position they came from, and strings remember
//! which byte ranges of their text came from which position. The renderer carries this through
//! template execution so a finding can point at the values line that caused it.

use std::collections::BTreeMap;
use std::sync::Arc;

/// A position in a source file registered in a [`crate::yaml::SourceMap`]-like registry.
/// `file == 0` means "unknown" (literal in a template, computed value).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    pub file: u32,
    pub line: u32,
    pub col: u32,
}

impl Origin {
    pub const NONE: Origin = Origin {
        file: 0,
        line: 0,
        col: 0,
    };
    pub fn is_none(&self) -> bool {
        self.file == 0
    }
}

/// A byte range of a string that came from `origin`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seg {
    pub start: u32,
    pub end: u32,
    pub origin: Origin,
}

/// A string with optional provenance segments (sorted, non-overlapping, within `s`).
#[derive(Clone, Debug, Default)]
pub struct Text {
    pub s: Arc<str>,
    pub segs: Option<Arc<[Seg]>>,
}

impl Text {
    pub fn plain(s: impl Into<Arc<str>>) -> Text {
        Text {
            s: s.into(),
            segs: None,
        }
    }
    /// A whole string that came from one place.
    pub fn from_origin(s: impl Into<Arc<str>>, origin: Origin) -> Text {
        let s: Arc<str> = s.into();
        if origin.is_none() {
            return Text { s, segs: None };
        }
        let end = s.len() as u32;
        Text {
            s,
            segs: Some(Arc::from(vec![Seg {
                start: 0,
                end,
                origin,
            }])),
        }
    }
    pub fn as_str(&self) -> &str {
        &self.s
    }
}

/// Maps iterate in sorted key order, as Go templates and Helm's YAML encoder see them.
pub type Map = BTreeMap<String, Value>;

#[derive(Clone, Debug)]
pub enum Value {
    Nil,
    Bool(bool, Origin),
    /// Integers computed by templates (`len`, `int`, `add` of ints). Values from YAML/JSON are
    /// `Float`, as in Helm.
    Int(i64, Origin),
    Float(f64, Origin),
    Str(Text),
    List(Arc<Vec<Value>>),
    Map(Arc<Map>),
    /// A built-in object with methods, as Helm's Go objects have them: `.Files` (Get, Glob,
    /// AsConfig, ...), `.Capabilities.APIVersions` (Has). Fields and printing go through the trait.
    Object(Arc<dyn Object>),
}

/// Go objects with methods that templates can call (`.Files.Get "x"`).
pub trait Object: Send + Sync + std::fmt::Debug {
    /// Go's type name, for error messages and `kindOf`/`typeOf`.
    fn type_name(&self) -> &'static str;
    /// A field or zero-argument method reached with `.Name`; `None` if there is none.
    fn field(&self, name: &str) -> Option<Value>;
    /// A method call with arguments; `None` if there is no such method.
    fn method(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>>;
    /// The plain value used to print, range over or compare this object.
    fn as_value(&self) -> Value;
}

impl Value {
    pub fn str(s: impl Into<Arc<str>>) -> Value {
        Value::Str(Text::plain(s))
    }
    pub fn int(i: i64) -> Value {
        Value::Int(i, Origin::NONE)
    }
    pub fn float(f: f64) -> Value {
        Value::Float(f, Origin::NONE)
    }
    pub fn bool(b: bool) -> Value {
        Value::Bool(b, Origin::NONE)
    }
    pub fn list(v: Vec<Value>) -> Value {
        Value::List(Arc::new(v))
    }
    pub fn map(m: Map) -> Value {
        Value::Map(Arc::new(m))
    }
    pub fn empty_map() -> Value {
        Value::Map(Arc::new(Map::new()))
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(t) => Some(&t.s),
            _ => None,
        }
    }
    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }
    /// The origin of a scalar taken whole from a values file, if known.
    pub fn origin(&self) -> Origin {
        match self {
            Value::Bool(_, o) | Value::Int(_, o) | Value::Float(_, o) => *o,
            Value::Str(t) => match &t.segs {
                Some(segs)
                    if segs.len() == 1
                        && segs[0].start == 0
                        && segs[0].end as usize == t.s.len() =>
                {
                    segs[0].origin
                }
                _ => Origin::NONE,
            },
            _ => Origin::NONE,
        }
    }
    /// Field access on maps; `None` for a missing key or a non-map.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_map().and_then(|m| m.get(key))
    }
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }
}
