//! Unit tests of the template engine: exact outputs per construct.
use super::*;
use crate::model::value::{Map, Origin, Text};
use std::sync::Arc;

fn dot(values: Value) -> Value {
    let mut m = Map::new();
    m.insert("Values".into(), values);
    let mut t = Map::new();
    t.insert("Name".into(), Value::str("demo/templates/x.yaml"));
    t.insert("BasePath".into(), Value::str("demo/templates"));
    m.insert("Template".into(), Value::map(t));
    Value::map(m)
}

fn json(v: serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::bool(b),
        serde_json::Value::Number(n) => Value::float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::str(s),
        serde_json::Value::Array(a) => Value::list(a.into_iter().map(json).collect()),
        serde_json::Value::Object(o) => {
            Value::map(o.into_iter().map(|(k, v)| (k, json(v))).collect())
        }
    }
}

fn render(src: &str, values: serde_json::Value) -> Result<String, String> {
    let mut set = TemplateSet::new(Limits::default());
    set.add_file("demo/templates/x.yaml", src)
        .map_err(|e| e.message)?;
    set.execute("demo/templates/x.yaml", &dot(json(values)))
        .map(|r| r.text)
        .map_err(|e| e.message)
}

fn ok(src: &str, values: serde_json::Value) -> String {
    match render(src, values) {
        Ok(s) => s,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

fn err(src: &str, values: serde_json::Value) -> String {
    match render(src, values) {
        Ok(s) => panic!("expected an error, got {s:?}"),
        Err(e) => e,
    }
}

use serde_json::json as j;

#[test]
fn text_and_trim() {
    assert_eq!(ok("a  {{- \"b\" -}}  \n c", j!({})), "abc");
    assert_eq!(ok("a {{/* comment */}} b", j!({})), "a  b");
    assert_eq!(ok("a {{- /* comment */ -}} b", j!({})), "ab");
    assert_eq!(ok("{{-3}}", j!({})), "-3");
}

#[test]
fn fields_and_missing() {
    let v = j!({"a": {"b": "x"}, "n": 1000000, "f": 1.25, "l": [1, "two"], "m": {"k": 1}});
    assert_eq!(ok("{{ .Values.a.b }}", v.clone()), "x");
    assert_eq!(
        ok("{{ .Values.n }} {{ .Values.f }}", v.clone()),
        "1e+06 1.25"
    );
    assert_eq!(ok("[{{ .Values.missing }}]", v.clone()), "[]");
    assert_eq!(
        ok("{{ .Values.l }} {{ .Values.m }}", v.clone()),
        "[1 two] map[k:1]"
    );
    assert_eq!(
        err("{{ .Values.x.y }}", v.clone()),
        "demo/templates/x.yaml:1:10\n  executing \"demo/templates/x.yaml\" at <.Values.x.y>:\n    nil pointer evaluating interface {}.y"
    );
    assert_eq!(
        err("{{ .Values.a.b.c }}", v.clone()),
        "demo/templates/x.yaml:1:10\n  executing \"demo/templates/x.yaml\" at <.Values.a.b.c>:\n    can't evaluate field c in type interface {}"
    );
    assert_eq!(ok("{{ $x := .Values.nope }}[{{ $x.y }}]", v), "[]");
}

#[test]
fn control_structures() {
    let v = j!({"l": ["a", "b", "c"], "m": {"z": 1, "a": 2}, "e": []});
    assert_eq!(
        ok("{{ if .Values.l }}y{{ else }}n{{ end }}", v.clone()),
        "y"
    );
    assert_eq!(
        ok(
            "{{ if .Values.e }}y{{ else if .Values.m }}m{{ else }}n{{ end }}",
            v.clone()
        ),
        "m"
    );
    assert_eq!(
        ok(
            "{{ range $i, $v := .Values.l }}{{ $i }}={{ $v }};{{ end }}",
            v.clone()
        ),
        "0=a;1=b;2=c;"
    );
    assert_eq!(
        ok(
            "{{ range $k, $v := .Values.m }}{{ $k }}={{ $v }};{{ end }}",
            v.clone()
        ),
        "a=2;z=1;"
    );
    assert_eq!(
        ok("{{ range .Values.e }}x{{ else }}empty{{ end }}", v.clone()),
        "empty"
    );
    assert_eq!(ok("{{ range 3 }}{{ . }}{{ end }}", v.clone()), "012");
    assert_eq!(
        ok(
            "{{ range .Values.l }}{{ if eq . \"b\" }}{{ continue }}{{ end }}{{ if eq . \"c\" }}{{ break }}{{ end }}{{ . }}{{ end }}",
            v.clone()
        ),
        "a"
    );
    assert_eq!(ok("{{ with .Values.m }}{{ .a }}{{ end }}", v.clone()), "2");
    assert_eq!(
        ok(
            "{{ with .Values.e }}x{{ else with .Values.l }}{{ len . }}{{ end }}",
            v.clone()
        ),
        "3"
    );
    assert_eq!(
        ok("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}", v),
        "2"
    );
}

#[test]
fn builtins() {
    let v = j!({"n": 3, "s": "abc", "l": [1, 2, 3], "m": {"a": {"b": 1}}});
    assert_eq!(
        ok("{{ and 1 0 2 }} {{ or 0 \"\" 3 }} {{ not 0 }}", v.clone()),
        "0 3 true"
    );
    assert_eq!(
        ok(
            "{{ eq 1 2 3 1 }} {{ ne \"a\" \"b\" }} {{ lt 1 2 }} {{ ge 2.5 2.5 }}",
            v.clone()
        ),
        "true true true true"
    );
    assert_eq!(
        err("{{ eq .Values.n 3 }}", v.clone()),
        "template: demo/templates/x.yaml:1:3: executing \"demo/templates/x.yaml\" at <eq .Values.n 3>: error calling eq: incompatible types for comparison: float64 and int"
    );
    assert_eq!(ok("{{ eq .Values.missing \"x\" }}", v.clone()), "false");
    assert_eq!(
        ok(
            "{{ index .Values.l 1 }} {{ index .Values.m \"a\" \"b\" }} {{ index .Values.s 0 }}",
            v.clone()
        ),
        "2 1 97"
    );
    assert_eq!(
        ok("{{ len .Values.l }} {{ len .Values.s }}", v.clone()),
        "3 3"
    );
    assert_eq!(
        ok(
            "{{ print 1 2 \"a\" }}|{{ println \"x\" }}|{{ printf \"%05.1f-%s\" 3.14159 \"z\" }}",
            v.clone()
        ),
        "1 2a|x\n|003.1-z"
    );
    assert_eq!(
        ok(
            "{{ html \"<a&'\\\">\" }} {{ js \"a'<\" }} {{ urlquery \"a b&c\" }}",
            v.clone()
        ),
        "&lt;a&amp;&#39;&#34;&gt; a\\'\\u003C a+b%26c"
    );
    assert_eq!(
        ok(
            "{{ 0x1F }} {{ 1e3 }} {{ 'a' }} {{ 1.5 }} {{ -2 }}",
            v.clone()
        ),
        "31 1000 97 1.5 -2"
    );
    assert_eq!(ok("{{ \"a\" | printf \"%s-%s\" \"b\" }}", v.clone()), "b-a");
    assert_eq!(ok("{{ (index .Values.m \"a\").b }}", v), "1");
}

#[test]
fn define_include_template_tpl() {
    let src = "{{- define \"t.name\" -}}N{{ .x }}{{- end -}}\n{{ include \"t.name\" (dict) }}|{{ template \"t.name\" .Values }}|{{ tpl \"{{ .Values.x }}!\" . }}";
    let mut set = TemplateSet::new(Limits::default());
    // dict is a Sprig function not implemented yet here: use a map literal via .Values.
    let src = src.replace("(dict)", ".Values");
    set.add_file("demo/templates/x.yaml", &src).unwrap();
    let r = set
        .execute("demo/templates/x.yaml", &dot(json(j!({"x": 7}))))
        .unwrap();
    assert_eq!(r.text, "N7|N7|7!");
}

#[test]
fn include_recursion_is_bounded() {
    let src = "{{ define \"loop\" }}{{ include \"loop\" . }}{{ end }}{{ include \"loop\" . }}";
    let e = err(src, j!({}));
    assert!(
        e.contains(
            "rendering template has a nested reference name: loop: unable to execute template"
        ),
        "{e}"
    );
    let src = "{{ define \"loop\" }}{{ template \"loop\" . }}{{ end }}{{ template \"loop\" . }}";
    let e = err(src, j!({}));
    assert!(e.contains("exceeded maximum template depth (1000)"), "{e}");
}

#[test]
fn required_and_fail() {
    assert_eq!(
        err("a\n  {{ required \"need x\" .Values.x }}", j!({})),
        "execution error at (demo/templates/x.yaml:2:5): need x"
    );
    assert_eq!(
        err("{{ fail \"boom\" }}", j!({})),
        "execution error at (demo/templates/x.yaml:1:3): boom"
    );
    assert_eq!(
        ok("{{ required \"need x\" .Values.x }}", j!({"x": "v"})),
        "v"
    );
}

#[test]
fn parse_errors() {
    assert_eq!(
        err("a\n{{ foo }}", j!({})),
        "parse error at (demo/templates/x.yaml:2): function \"foo\" not defined"
    );
    assert_eq!(
        err("{{ if 1 }}", j!({})),
        "parse error at (demo/templates/x.yaml:1): unexpected EOF"
    );
    assert_eq!(
        err("{{ end }}", j!({})),
        "parse error at (demo/templates/x.yaml:1): unexpected {{end}}"
    );
    assert_eq!(
        err("{{ $x }}", j!({})),
        "parse error at (demo/templates/x.yaml:1): undefined variable \"$x\""
    );
    assert_eq!(
        err("{{ .a", j!({})),
        "parse error at (demo/templates/x.yaml:1): unclosed action"
    );
    assert_eq!(
        err("{{ break }}", j!({})),
        "parse error at (demo/templates/x.yaml:1): {{break}} outside {{range}}"
    );
}

#[test]
fn provenance_segments() {
    let o = Origin {
        file: 1,
        line: 3,
        col: 5,
    };
    let mut vals = Map::new();
    vals.insert("img".into(), Value::Str(Text::from_origin("nginx", o)));
    vals.insert("n".into(), Value::Float(2.0, o));
    let mut set = TemplateSet::new(Limits::default());
    set.add_file(
        "f",
        "x: {{ .Values.missing }}{{ .Values.img }}\ny: {{ .Values.n }}",
    )
    .unwrap();
    let r = set.execute("f", &dot(Value::map(vals))).unwrap();
    assert_eq!(r.text, "x: nginx\ny: 2");
    assert_eq!(r.segs.len(), 2);
    assert_eq!((r.segs[0].start, r.segs[0].end), (3, 8));
    assert_eq!((r.segs[1].start, r.segs[1].end), (12, 13));
    assert_eq!(r.segs[0].origin, o);
}

/// An `include`d helper's bytes keep the helper's lines through `nindent` (the inserted
/// indentation is the action's), and name the `include` action.
#[test]
fn include_output_keeps_the_helpers_template_lines() {
    let mut set = TemplateSet::new(Limits::default());
    set.add_file(
        "c/templates/_h.tpl",
        "{{- define \"h\" -}}\na: 1\nb: {{ 2 }}\n{{- end -}}",
    )
    .unwrap();
    set.add_file(
        "c/templates/x.yaml",
        "m:\n  {{- include \"h\" . | nindent 2 }}\n",
    )
    .unwrap();
    let r = set
        .execute("c/templates/x.yaml", &dot(Value::map(Map::new())))
        .unwrap();
    assert_eq!(r.text, "m:\n  a: 1\n  b: 2\n");
    let at = |s: &str| r.text.find(s).unwrap() as u32;
    let seg = |off: u32| {
        r.tpl
            .iter()
            .find(|t| t.start <= off && off < t.end)
            .unwrap()
    };
    let via = Some((Arc::from("c/templates/x.yaml"), 2, 2));
    // `a: 1` is literal text of the helper at 2:0; `b: ` starts its next line; `2` is the
    // helper's action at 3:3.
    let a = seg(at("a: 1"));
    assert_eq!(
        (&*a.template, a.line, a.col, a.literal),
        ("c/templates/_h.tpl", 2, 0, true)
    );
    assert_eq!(a.via, via);
    let b = seg(at("b: "));
    assert_eq!(
        (&*b.template, b.line, b.col, b.literal),
        ("c/templates/_h.tpl", 3, 0, true)
    );
    let two = seg(at("2"));
    assert_eq!(
        (&*two.template, two.line, two.col, two.literal),
        ("c/templates/_h.tpl", 3, 3, false)
    );
    // The indentation `nindent` inserted is the include action's own.
    let pad = seg(at("  a"));
    assert_eq!(
        (&*pad.template, pad.line, pad.col, pad.via.clone()),
        ("c/templates/x.yaml", 2, 2, None)
    );
}

/// Literal text of a `tpl` string keeps the values position of the bytes it repeats; text an
/// action of the string printed keeps its own value's.
#[test]
fn tpl_literal_text_keeps_the_strings_origin() {
    let o = |line| Origin {
        file: 1,
        line,
        col: 3,
    };
    let mut vals = Map::new();
    vals.insert(
        "host".into(),
        Value::Str(Text::from_origin("{{ .Values.name }}.zone.example", o(1))),
    );
    vals.insert("name".into(), Value::Str(Text::from_origin("api", o(2))));
    let mut set = TemplateSet::new(Limits::default());
    set.add_file("f", "h: {{ tpl .Values.host . }}").unwrap();
    let r = set.execute("f", &dot(Value::map(vals))).unwrap();
    assert_eq!(r.text, "h: api.zone.example");
    let segs: Vec<(u32, u32, u32)> = r
        .segs
        .iter()
        .map(|s| (s.start, s.end, s.origin.line))
        .collect();
    assert_eq!(segs, vec![(3, 6, 2), (6, 19, 1)]);
}

#[test]
fn parse_order() {
    let names = [
        "a/templates/x.yaml",
        "a/charts/b/templates/_h.tpl",
        "a/templates/_h.tpl",
    ];
    assert_eq!(
        helm_parse_order(&names),
        vec![
            "a/charts/b/templates/_h.tpl",
            "a/templates/x.yaml",
            "a/templates/_h.tpl"
        ]
    );
}

#[test]
fn set_is_send_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<TemplateSet>();
}

/// Sprig's `set`/`unset`/`merge` mutate their first argument's map; the variable sees it.
/// Expected output rendered by Helm v4.2.3.
#[test]
fn maps_are_shared_references_as_in_go() {
    // A dict mutated inside `include`, through a field of .Values, and through another variable.
    let src = "{{- define \"t\" }}{{ $_ := set . \"in\" 1 }}{{ end }}\
{{- $d := dict }}{{- include \"t\" $d }}{{- $a := $d }}{{- $_ := set $a \"b\" 2 }}\
{{- $_ := set .Values.m \"x\" 3 }}{{- $m := .Values.m }}{{- $_ := unset $m \"k\" }}\
{{- $c := deepCopy .Values.m }}{{- $_ := set $c \"copy\" 1 }}\
d={{ toJson $d }} m={{ toJson .Values.m }}";
    assert_eq!(
        ok(src, j!({"m": {"k": 1}})),
        "d={\"b\":2,\"in\":1} m={\"x\":3}"
    );
}

#[test]
fn a_map_containing_itself_never_overflows() {
    // Go would recurse until it crashes; we stop at a depth bound with an error or a marker.
    let src = "{{- $d := dict \"k\" 1 }}{{- $_ := set $d \"self\" $d }}\
{{- $_ := merge $d $d }}{{- $_ := mergeOverwrite $d (dict \"self\" $d) }}\
{{- $c := deepCopy $d }}{{ deepEqual $d $d }}";
    assert_eq!(ok(src, j!({})), "true");
    // Printing it never ends in Go; here the printed-size bound stops it with an error.
    let src = "{{- $d := dict \"k\" 1 }}{{- $_ := set $d \"self\" $d }}{{ printf \"%v\" $d }}";
    let e = err(src, j!({}));
    assert!(e.contains("argument would print to more than"), "{e}");
    // toYaml/toJson swallow encoder errors as Helm does (empty output).
    let src = "{{ $d := dict }}{{ $_ := set $d \"s\" $d }}[{{ toYaml $d }}{{ toJson $d }}]";
    assert_eq!(ok(src, j!({})), "[]");
}

#[test]
fn mutating_functions_change_the_variable_map() {
    let src = "{{- $d := dict \"a\" 1 }}{{- $_ := set $d \"b\" 2 }}{{- $_ = unset $d \"a\" }}\
{{- $e := dict \"x\" 1 }}{{- $_ = merge $e (dict \"y\" 2) }}\nd: {{ toJson $d }} e: {{ toJson $e }}\n";
    assert_eq!(
        ok(src, serde_json::json!({})),
        "\nd: {\"b\":2} e: {\"x\":1,\"y\":2}\n"
    );
}

#[test]
fn deep_nesting_is_bounded_without_stack_overflow() {
    // 100 nested parenthesised pipelines and 100 nested ifs execute (test threads have 2 MiB).
    let src = format!("{}1{}", "(print ".repeat(99), ")".repeat(99));
    assert_eq!(ok(&format!("{{{{ {src} }}}}"), j!({})), "1");
    let src = format!("{}x{}", "{{ if 1 }}".repeat(99), "{{ end }}".repeat(99));
    assert_eq!(ok(&src, j!({})), "x");
    // Deeper nesting is a parse error, not a crash.
    let src = format!("{}1{}", "(print ".repeat(200), ")".repeat(200));
    let e = err(&format!("{{{{ {src} }}}}"), j!({}));
    assert!(e.ends_with("nesting too deep"), "{e}");
}

/// Template errors carry their class and where they happened; `Display` is Helm's message.
#[test]
fn typed_errors() {
    let name = "demo/templates/x.yaml";
    let typed = |src: &str, values: Value, limits: Limits| -> TemplateError {
        let mut set = TemplateSet::new(limits);
        set.add_file(
            "demo/templates/_h.tpl",
            "{{ define \"h\" }}\n{{ fail \"in h\" }}{{ end }}",
        )
        .and_then(|()| set.add_file(name, src))
        .and_then(|()| set.execute(name, &dot(values)))
        .map(|r| panic!("expected an error, got {:?}", r.text))
        .unwrap_or_else(|e| e)
    };
    let at = |e: &TemplateError| (e.kind, e.at.template.clone(), e.at.line, e.at.col);
    let d = Limits::default;
    let e = typed("a\n{{ .x", Value::Nil, d());
    assert_eq!(
        e.to_string(),
        "parse error at (demo/templates/x.yaml:2): unclosed action"
    );
    assert_eq!(at(&e), (TemplateErrorKind::Parse, name.into(), 2, 0));
    let e = typed("\n {{ index 1 2 }}", Value::Nil, d());
    assert_eq!(at(&e), (TemplateErrorKind::Exec, name.into(), 2, 4));
    let e = typed("{{ fail \"no\" }}", Value::Nil, d());
    assert_eq!(
        e.to_string(),
        "execution error at (demo/templates/x.yaml:1:3): no"
    );
    assert_eq!(at(&e), (TemplateErrorKind::Fail, name.into(), 1, 3));
    let e = typed("{{ required \"r\" .Values.x }}", Value::empty_map(), d());
    assert_eq!(at(&e), (TemplateErrorKind::Required, name.into(), 1, 3));
    // Inside an included helper: the class is the helper's, the position the include's.
    let e = typed("\n\n{{ include \"h\" . }}", Value::Nil, d());
    assert_eq!(at(&e), (TemplateErrorKind::Fail, name.into(), 3, 3));
    let e = typed("{{ include \"missing\" . }}", Value::Nil, d());
    assert_eq!(at(&e), (TemplateErrorKind::NoTemplate, name.into(), 1, 3));
    let small = Limits {
        max_range_iterations: 2,
        ..d()
    };
    let e = typed("{{ range .Values }}.{{ end }}", json(j!([1, 2, 3])), small);
    assert_eq!(at(&e), (TemplateErrorKind::Limit, name.into(), 1, 3));
    assert_eq!(e.value, None);
    // `tpl` of a value: where the value was set.
    let origin = Origin {
        file: 7,
        line: 4,
        col: 9,
    };
    let text = Value::Str(Text::from_origin("{{ fail \"v\" }}", origin));
    let e = typed("{{ tpl .Values . }}", text, d());
    assert_eq!(at(&e), (TemplateErrorKind::Fail, name.into(), 1, 3));
    assert_eq!(e.value, Some(origin));
    let e = typed("{{ tpl \"{{ .x\" . }}", Value::Nil, d());
    assert_eq!((e.kind, e.value), (TemplateErrorKind::Parse, None));
}

#[test]
fn deep_nesting_keeps_the_render_memory_budget() {
    // Past 32 levels of nesting execution moves to a thread with a larger stack; the render's
    // memory budget must go with it (a doubled map deep-copied there grew until the time limit).
    let src = r#"{{- define "deep" }}{{ if lt (len .) 40 }}{{ include "deep" (append . 1) }}{{ else }}{{ $m := dict "x" "0123456789abcdef" }}{{ range until 40 }}{{ $m = dict "a" $m "b" $m }}{{ end }}{{ $c := deepCopy $m }}{{ end }}{{ end }}
{{- include "deep" (list) }}"#;
    let e = crate::budget::scoped(16 << 20, 60, || err(src, j!({})));
    assert!(e.contains("render memory exceeded"), "{e}");
}

#[test]
fn the_clock_is_read_every_sixteen_steps() {
    // A step may be one call working on a large value (`sha512sum` of a megabyte): the time
    // budget must be seen within a few steps, not hundreds. With the budget already spent, a
    // range of 20 empty iterations (more than 16 steps, fewer than 256) ends on it.
    let limits = Limits {
        time_budget: std::time::Duration::ZERO,
        ..Limits::default()
    };
    let mut set = TemplateSet::new(limits);
    set.add_file("demo/templates/x.yaml", "{{ range until 20 }}{{ end }}")
        .unwrap();
    let e = set
        .execute("demo/templates/x.yaml", &dot(Value::Nil))
        .unwrap_err();
    assert_eq!(
        e.message,
        "demo/templates/x.yaml:1:3\n  executing \"demo/templates/x.yaml\" at <>:\n    template execution exceeded the time budget of 0s (limits.render-seconds)"
    );
}
