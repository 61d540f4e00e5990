//! Go's typed nil slices and maps: `var s []interface{}` and `var m map[string]interface{}`.
//!
//! Go prints them like empty ones (`[]`, `map[]`), ranges over nothing and `len` is 0, but
//! `encoding/json` marshals them as `null`, so `toJson` and `toYaml` (JSON first, as
//! sigs.k8s.io/yaml does) give `null`. Sprig returns them from `concat` of empty lists
//! (`var res []interface{}`), `rest`/`initial` of an empty list, and `regexFindAll` without a
//! match (`FindAllString`); Helm's `fromJson "null"`/`fromJsonArray "null"` decode into a nil
//! map/slice; a Chart.yaml without `annotations` leaves `.Chart.Annotations` a nil
//! `map[string]string`. `deepCopy` keeps them nil (copystructure copies nil as nil).
use crate::model::value::{Object, Value};
use std::sync::Arc;

/// A nil slice or map of the Go type `type_name`.
#[derive(Debug)]
pub struct GoNil {
    type_name: &'static str,
    is_map: bool,
}

impl Object for GoNil {
    fn type_name(&self) -> &'static str {
        self.type_name
    }
    fn kind(&self) -> &'static str {
        if self.is_map { "map" } else { "slice" }
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn method(&self, _name: &str, _args: &[Value]) -> Option<Result<Value, String>> {
        None
    }
    fn as_value(&self) -> Value {
        if self.is_map {
            Value::empty_map()
        } else {
            Value::list(vec![])
        }
    }
    fn go_json(&self) -> Option<String> {
        Some("null".into())
    }
}

/// Go's nil `[]interface{}` (or another slice type named `type_name`).
pub fn nil_slice(type_name: &'static str) -> Value {
    Value::Object(Arc::new(GoNil {
        type_name,
        is_map: false,
    }))
}

/// Go's nil `map[string]interface{}` (or another map type named `type_name`).
pub fn nil_map(type_name: &'static str) -> Value {
    Value::Object(Arc::new(GoNil {
        type_name,
        is_map: true,
    }))
}

/// Whether `v` is one of these nil values.
pub fn is_go_nil(v: &Value) -> bool {
    matches!(v, Value::Object(o) if o.go_json().as_deref() == Some("null"))
}
