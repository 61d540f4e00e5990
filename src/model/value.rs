//! The value model templates operate on: what Helm holds after its YAML → JSON round trip
//! (`map[string]interface{}`, `[]interface{}`, `float64`, `string`, `bool`, `nil`), plus
//! provenance: scalars remember the values-file position they came from, and strings remember
//! which byte ranges of their text came from which position. The renderer carries this through
//! template execution so a finding can point at the values line that caused it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

/// A position in a source file registered in a `yaml::SourceMap`-like registry.
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
    /// Template positions that wrote byte ranges of the text (an `include`d helper's output
    /// remembers the helper's lines), sorted and non-overlapping; bytes outside them are
    /// attributed to the action that prints the text.
    pub tpl: Option<Arc<[TplSeg]>>,
}

impl Text {
    pub fn plain(s: impl Into<Arc<str>>) -> Text {
        Text {
            s: s.into(),
            segs: None,
            tpl: None,
        }
    }
    /// A whole string that came from one place.
    pub fn from_origin(s: impl Into<Arc<str>>, origin: Origin) -> Text {
        let s: Arc<str> = s.into();
        if origin.is_none() {
            return Text {
                s,
                segs: None,
                tpl: None,
            };
        }
        let end = s.len() as u32;
        Text {
            s,
            segs: Some(Arc::from(vec![Seg {
                start: 0,
                end,
                origin,
            }])),
            tpl: None,
        }
    }
    pub fn as_str(&self) -> &str {
        &self.s
    }
}

/// Maps iterate in sorted key order, as Go templates and Helm's YAML encoder see them.
pub type Map = BTreeMap<String, Value>;

/// Deep merge of values (Helm's `MergeMaps`, for the documents of a values file and for
/// user-supplied values files): `src` overrides `dst`; maps merge recursively, everything else
/// (including lists and `null`) replaces.
pub fn merge_maps(dst: &mut Map, src: &Map) {
    for (k, v) in src {
        if let Value::Map(sm) = v
            && let Some(Value::Map(dm)) = dst.get_mut(k)
        {
            merge_maps(dm.make_mut(), &sm.read());
            continue;
        }
        dst.insert(k.clone(), v.clone());
    }
}

/// A shared handle to a map, with Go's reference semantics: Go maps are references, so Sprig's
/// `set`/`unset`/`merge*` change the map in place and every alias sees it (`.Values.x`, a dict
/// passed to `include`, a dict stored inside another dict or list). Cloning a `MapRef` clones
/// the handle, not the map; [`Value::deep_copy`] copies.
///
/// Inside is a snapshot (`Arc<Map>`) behind a mutex: [`MapRef::read`] takes the snapshot and
/// releases the lock at once, so no lock is ever held while other code runs (no deadlock, even
/// when a map contains itself); [`MapRef::update`] changes the map in place (copying it first
/// only when a reader still holds the previous snapshot).
#[derive(Clone)]
pub struct MapRef(Arc<Mutex<Arc<Map>>>);

impl MapRef {
    pub fn new(m: Map) -> MapRef {
        MapRef(Arc::new(Mutex::new(Arc::new(m))))
    }
    /// The map's current contents (a cheap snapshot; later updates are not seen through it).
    pub fn read(&self) -> Arc<Map> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
    /// Changes the map in place; every handle sees the change. `f` must not touch other maps'
    /// locks through this handle (it only gets the plain map).
    pub fn update<T>(&self, f: impl FnOnce(&mut Map) -> T) -> T {
        let mut g = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        f(Arc::make_mut(&mut g))
    }
    /// Copy-on-write access for code that builds values outside template execution (values
    /// coalescing): when this handle is shared, it is first replaced by a handle of its own,
    /// so other holders never see the change.
    pub fn make_mut(&mut self) -> &mut Map {
        if Arc::get_mut(&mut self.0).is_none() {
            let snap = self.read();
            self.0 = Arc::new(Mutex::new(snap));
        }
        let inner = Arc::get_mut(&mut self.0)
            .expect("unique after the swap above")
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::make_mut(inner)
    }
    /// The map itself, copied only if it is shared.
    pub fn into_map(self) -> Map {
        match Arc::try_unwrap(self.0) {
            Ok(m) => {
                let m = m.into_inner().unwrap_or_else(PoisonError::into_inner);
                Arc::try_unwrap(m).unwrap_or_else(|m| m.as_ref().clone())
            }
            Err(shared) => shared
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .as_ref()
                .clone(),
        }
    }
    /// The map's contents when this is the last handle and no snapshot is held elsewhere
    /// (for [`Value`]'s iterative drop); the map is left empty.
    fn take_if_last(&mut self) -> Option<Map> {
        let inner = Arc::get_mut(&mut self.0)?
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        let map = Arc::get_mut(inner)?;
        if map.is_empty() {
            return None;
        }
        Some(std::mem::take(map))
    }
    /// Whether both handles name the same map (Go's pointer equality of maps).
    pub fn ptr_eq(&self, other: &MapRef) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
    /// The map's identity (its address), for cycle detection.
    pub fn addr(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }
    pub fn len(&self) -> usize {
        self.read().len()
    }
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }
    pub fn get(&self, key: &str) -> Option<Value> {
        self.read().get(key).cloned()
    }
}

impl std::fmt::Debug for MapRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A map may contain itself (`set $d "self" $d`): print one level only.
        let m = self.read();
        f.debug_map()
            .entries(m.iter().map(|(k, v)| (k, ShallowDebug(v))))
            .finish()
    }
}

struct ShallowDebug<'a>(&'a Value);

impl std::fmt::Debug for ShallowDebug<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Value::Map(m) => write!(f, "Map(<{} keys>)", m.len()),
            Value::List(l) => write!(f, "List(<{} items>)", l.len()),
            v => write!(f, "{v:?}"),
        }
    }
}

/// Nesting bound of deep walks over values ([`Value::deep_copy`], printing, encoders): a map
/// can contain itself after `set $d "k" $d`, as in Go; the walks stop with an error or a
/// marker instead of recursing forever. The bound is the YAML loader's nesting limit.
pub const MAX_VALUE_DEPTH: usize = 256;

/// The Go type of an integer value: `int`, or `int64` (Sprig's integer math). They print and
/// compare alike; Go's template refuses an `int64` for an `int` parameter (`trunc (sub 5 1)`),
/// and `typeOf`, `kindOf` and `deepEqual` tell them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GoInt {
    Int,
    Int64,
}

#[derive(Clone, Debug)]
pub enum Value {
    Nil,
    Bool(bool, Origin),
    /// Integers computed by templates (`len`, `int`, `add` of ints). Values from YAML/JSON are
    /// `Float`, as in Helm. The Go type is `int` or, for Sprig's math results, `int64`.
    Int(i64, Origin, GoInt),
    Float(f64, Origin),
    Str(Text),
    List(Arc<Vec<Value>>),
    Map(MapRef),
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
    /// Go's `reflect.Kind` of the object (`kindOf`): `ptr` for Helm's pointer objects; a Go
    /// slice or map type (`VersionSet`, `.Files`) says `slice`/`map`, and Sprig's list and dict
    /// functions then take it as its plain value, as their reflection does.
    fn kind(&self) -> &'static str {
        "ptr"
    }
    /// The bytes of a Go `[]byte` (`.Files.GetBytes`), which Sprig's `toString` turns into text.
    fn go_bytes(&self) -> Option<Arc<[u8]>> {
        None
    }
    /// Go's `json.Marshal` of the object when it is a struct with its own field order and JSON
    /// tags (`.Capabilities.KubeVersion`, `.Capabilities.HelmVersion`); `None` marshals
    /// [`Object::as_value`].
    fn go_json(&self) -> Option<String> {
        None
    }
}

/// Dropping a value never recurses deeply: a chain of maps or lists built by a template loop
/// (`$d = dict "a" $d` 100 000 times) would otherwise be freed by one native call per level and
/// overflow the stack. The last owner of a list or map takes its contents out and frees them
/// itself, counting the nesting; past [`DROP_DEPTH`] levels the contents are queued, and the
/// outermost drop frees the queue in a loop.
impl Drop for Value {
    #[inline]
    fn drop(&mut self) {
        if matches!(self, Value::List(_) | Value::Map(_)) {
            drop_contents(self);
        }
    }
}

/// [`Value`]'s drop of a list or map: takes the contents out when this is the last owner.
#[inline(never)]
fn drop_contents(v: &mut Value) {
    {
        let taken = match v {
            Value::List(l) => match Arc::get_mut(l) {
                Some(v) if !v.is_empty() => Taken::List(std::mem::take(v)),
                _ => return,
            },
            Value::Map(m) => match m.take_if_last() {
                Some(map) => Taken::Map(map),
                None => return,
            },
            _ => return,
        };
        let _ = DROPPING.try_with(|d| {
            let depth = d.depth.get();
            if depth >= DROP_DEPTH {
                d.deferred.borrow_mut().push(taken);
                return;
            }
            d.depth.set(depth + 1);
            drop(taken);
            if depth == 0 {
                loop {
                    let next = d.deferred.borrow_mut().pop();
                    match next {
                        Some(t) => drop(t),
                        None => break,
                    }
                }
            }
            d.depth.set(depth);
        });
    }
}

/// Nesting freed on the native stack before contents are queued.
const DROP_DEPTH: u32 = 128;

/// The contents of a list or map being freed.
enum Taken {
    List(#[allow(dead_code, reason = "held only to be freed off the recursion")] Vec<Value>),
    Map(#[allow(dead_code, reason = "held only to be freed off the recursion")] Map),
}

struct Dropping {
    depth: std::cell::Cell<u32>,
    deferred: std::cell::RefCell<Vec<Taken>>,
}

thread_local! {
    static DROPPING: Dropping = const {
        Dropping {
            depth: std::cell::Cell::new(0),
            deferred: std::cell::RefCell::new(Vec::new()),
        }
    };
}

impl Value {
    /// The map handle of a map value (`Value` has a `Drop`, so patterns cannot move out of it;
    /// the handle is unique again once `self` is gone).
    pub fn into_map_ref(self) -> Option<MapRef> {
        match &self {
            Value::Map(m) => Some(m.clone()),
            _ => None,
        }
    }

    /// The map of a map value, copied only if it is shared.
    pub fn into_map(self) -> Option<Map> {
        self.into_map_ref().map(MapRef::into_map)
    }

    pub fn str(s: impl Into<Arc<str>>) -> Value {
        Value::Str(Text::plain(s))
    }
    pub fn int(i: i64) -> Value {
        Value::Int(i, Origin::NONE, GoInt::Int)
    }
    /// A Go `int64` (what Sprig's `add`, `sub`, `max`, ... and `int64` return).
    pub fn int64(i: i64) -> Value {
        Value::Int(i, Origin::NONE, GoInt::Int64)
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
        Value::Map(MapRef::new(m))
    }
    pub fn empty_map() -> Value {
        Value::map(Map::new())
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(t) => Some(&t.s),
            _ => None,
        }
    }
    /// A snapshot of a map value's contents.
    pub fn as_map(&self) -> Option<Arc<Map>> {
        match self {
            Value::Map(m) => Some(m.read()),
            _ => None,
        }
    }
    /// A copy with maps of its own at every level (Sprig's `deepCopy`, and what Helm's
    /// `copystructure.Copy` of values gives). Lists are copied too, since they may hold maps.
    /// Nesting beyond [`MAX_VALUE_DEPTH`] (a map containing itself) is cut off with `Nil`.
    pub fn deep_copy(&self) -> Value {
        self.deep_copy_at(0)
    }
    fn deep_copy_at(&self, depth: usize) -> Value {
        if depth > MAX_VALUE_DEPTH {
            return Value::Nil;
        }
        match self {
            Value::Map(m) => Value::map(
                m.read()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.deep_copy_at(depth + 1)))
                    .collect(),
            ),
            Value::List(l) => Value::list(l.iter().map(|v| v.deep_copy_at(depth + 1)).collect()),
            v => v.clone(),
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
            Value::Bool(_, o) | Value::Int(_, o, _) | Value::Float(_, o) => *o,
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
    pub fn get(&self, key: &str) -> Option<Value> {
        match self {
            Value::Map(m) => m.get(key),
            _ => None,
        }
    }
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }
}

/// A byte range of rendered output and the template position that wrote it: literal text that
/// starts at `line`:`col` of `template` (later bytes are on later lines as the text's newlines
/// say), or the output of the action at `line`:`col` (an `include` counts as its action).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TplSeg {
    pub start: u32,
    pub end: u32,
    /// The file the template was parsed from (`chart/templates/x.yaml`, `chart/templates/_h.tpl`).
    pub template: Arc<str>,
    pub line: u32,
    pub col: u32,
    /// Literal template text (true) or an action's output (false).
    pub literal: bool,
    /// For bytes an `include`d helper wrote: the `include` action (template, line, col) in the
    /// template that printed them.
    pub via: Option<(Arc<str>, u32, u32)>,
}
