use super::*;
use crate::model::value::Origin;

fn docs(src: &str) -> Vec<Document> {
    parse_stream(src, &Limits::default()).unwrap()
}
fn root(src: &str) -> Node {
    docs(src).into_iter().next().unwrap().root
}
fn json(src: &str) -> serde_json::Value {
    root(src).to_json()
}
fn err(src: &str) -> YamlError {
    parse_stream(src, &Limits::default()).unwrap_err()
}
fn p(offset: usize, line: u32, col: u32) -> Pos {
    Pos { offset, line, col }
}

#[test]
fn resolution_table() {
    let src = "a: yes\nb: Yes\nc: YES\nd: yEs\ne: on\nf: OFF\ng: y\nh: N\ni: ~\nj: null\nk: NULL\nl:\n\
m: 0x1F\nnn: 0o17\no: 0644\np: 1_000\nq: 08\nr: 0b101\ns: -0b11\nt: +12\nu: 1e400\nv: .5\nw: 1.5e3\n\
x: '1'\ny2: \"true\"\nz: 2020-01-01\naa: 12345678901234567890\nab: 1_000.5\nac: -.inf\nad: .NaN\nae: <<\naf: 0x\n";
    let r = root(src);
    let j = r.to_json();
    assert_eq!(j["a"], true);
    assert_eq!(j["b"], true);
    assert_eq!(j["c"], true);
    assert_eq!(j["d"], "yEs");
    assert_eq!(j["e"], true);
    assert_eq!(j["f"], false);
    assert_eq!(j["g"], true);
    assert_eq!(j["h"], false);
    assert!(j["i"].is_null() && j["j"].is_null() && j["k"].is_null() && j["l"].is_null());
    assert_eq!(j["m"], 31);
    assert_eq!(j["nn"], 15);
    assert_eq!(j["o"], 420);
    assert_eq!(j["p"], 1000);
    assert_eq!(j["q"], 8.0);
    assert_eq!(r.get("q").unwrap().kind, NodeKind::Float(8.0));
    assert_eq!(j["r"], 5);
    assert_eq!(j["s"], -3);
    assert_eq!(j["t"], 12);
    assert_eq!(j["u"], "1e400");
    assert_eq!(j["v"], 0.5);
    assert_eq!(j["w"], 1500.0);
    assert_eq!(j["x"], "1");
    assert_eq!(j["y2"], "true");
    assert_eq!(j["z"], "2020-01-01");
    assert_eq!(
        r.get("aa").unwrap().kind,
        NodeKind::Float(12345678901234567890.0)
    );
    assert_eq!(j["ab"], 1000.5);
    assert_eq!(
        r.get("ac").unwrap().kind,
        NodeKind::Float(f64::NEG_INFINITY)
    );
    assert!(matches!(r.get("ad").unwrap().kind, NodeKind::Float(f) if f.is_nan()));
    assert_eq!(j["ae"], "<<");
    assert_eq!(j["af"], "0x");
}

#[test]
fn block_scalars_and_tags() {
    let j = json(
        "a: |\n  x\n  y\nb: >-\n  p\n  q\nc: !!str 12\nd: !!int \"7\"\ne: !!float 3\nf: !!binary aGVsbG8=\ng: !custom 5\nh: |-\n  10\n",
    );
    assert_eq!(j["a"], "x\ny\n");
    assert_eq!(j["b"], "p q");
    assert_eq!(j["c"], "12");
    assert_eq!(j["d"], 7);
    assert_eq!(j["e"], 3.0);
    assert_eq!(j["f"], "hello");
    assert_eq!(j["g"], "5");
    assert_eq!(j["h"], "10");
    let e = err("a: 1\nb: !!int 1.5\n");
    assert_eq!(
        e.to_string(),
        "line 2 column 4: cannot decode !!float `1.5` as a !!int"
    );
    let j =
        json("a: !!null ''\nb: !!str ~\nc: !!merge x\nd: !<tag:yaml.org,2002:int> 12\ne: !!str\n");
    assert_eq!(
        j,
        serde_json::json!({"a": null, "b": "~", "c": "x", "d": 12, "e": ""})
    );
    assert_eq!(
        err("a: !!null foo\n").message,
        "cannot decode !!str `foo` as a !!null"
    );
    assert_eq!(
        err("a: !!bool 1\n").message,
        "cannot decode !!int `1` as a !!bool"
    );
    assert_eq!(
        err("a: !!timestamp x\n").message,
        "cannot decode !!str `x` as a !!timestamp"
    );
    let e = err("b: !!binary '%%%'\n");
    assert_eq!(e.message, "!!binary value contains invalid base64 data");
}

#[test]
fn positions_multibyte_crlf_bom() {
    let r = root("é: ü\nk: v\n");
    let (k, v) = &r.as_map().unwrap()[1];
    assert_eq!(k.pos, p(7, 2, 1));
    assert_eq!(v.pos, p(10, 2, 4));
    assert_eq!(r.as_map().unwrap()[0].1.pos, p(4, 1, 4));
    assert_eq!(r.as_map().unwrap()[0].1.end, p(6, 1, 5));

    let r = root("\u{feff}a: 1\r\nb: [1, 2]\r\n");
    assert_eq!(r.to_json(), serde_json::json!({"a": 1, "b": [1, 2]}));
    assert_eq!(r.as_map().unwrap()[0].0.pos, p(3, 1, 1));
    assert_eq!(r.get("b").unwrap().pos, p(12, 2, 4));
    assert_eq!(r.get("b").unwrap().as_seq().unwrap()[1].pos, p(16, 2, 8));
    // At the end of input without a line break, a block scalar has no final newline (libyaml).
    assert_eq!(json("a: |\n  x\n  y"), serde_json::json!({"a": "x\ny"}));
    assert_eq!(json("a: >\n  x\n  y"), serde_json::json!({"a": "x y"}));
    assert_eq!(json("a: |+\n  x"), serde_json::json!({"a": "x"}));
    assert_eq!(
        json("a: |\n  x\nb: 1"),
        serde_json::json!({"a": "x\n", "b": 1})
    );
    let lit = root("a: |\r\n  x\r\n  y\r\n");
    assert_eq!(lit.get("a").unwrap().as_str(), Some("x\ny\n"));
}

#[test]
fn source_comments_and_empty_documents() {
    let d = docs(
        "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: A\n---\n# Source: c/templates/b.yaml\n---\n# Source: c/templates/c.yaml\nkind: C\n",
    );
    assert_eq!(d.len(), 3);
    assert_eq!(d[0].source.as_deref(), Some("c/templates/a.yaml"));
    assert_eq!(d[0].start, p(0, 1, 1));
    assert_eq!(d[0].root.pos, p(33, 3, 1));
    assert_eq!(d[1].source.as_deref(), Some("c/templates/b.yaml"));
    assert!(d[1].root.is_null());
    assert_eq!(d[2].source.as_deref(), Some("c/templates/c.yaml"));
    assert_eq!(d[2].root.get("kind").unwrap().as_str(), Some("C"));
    assert_eq!(d[2].root.pos, p(122, 9, 1));
    assert!(docs("# only a comment\n").is_empty());
    assert!(docs("").is_empty());
    let d = docs("a: 1\n---\nb: 2\n");
    assert_eq!(d.len(), 2);
    assert_eq!(d[1].source, None);
}

#[test]
fn manifests_split_like_helm() {
    let src = "---\n# Source: c/templates/a.yaml\nkind: A\n---# Source: c/templates/b.yaml\nkind: B\n  \n---\n# Source: c/templates/empty.yaml\n---\nkind: C\n";
    let d = parse_manifests(src, &Limits::default()).unwrap();
    assert_eq!(d.len(), 3);
    assert_eq!(d[0].source.as_deref(), Some("c/templates/a.yaml"));
    assert_eq!(d[0].root.get("kind").unwrap().pos, p(39, 3, 7));
    assert_eq!(d[1].source.as_deref(), Some("c/templates/b.yaml"));
    assert_eq!(d[1].root.pos, p(73, 5, 1));
    assert_eq!(d[1].root.get("kind").unwrap().as_str(), Some("B"));
    assert_eq!(d[2].source, None);
    assert_eq!(d[2].root.get("kind").unwrap().pos, p(131, 10, 7));
    let e = parse_manifests("a: 1\n---\nb: [\n", &Limits::default()).unwrap_err();
    // The piece is trimmed: its end is the end of `b: [`.
    assert_eq!(e.pos, p(13, 3, 5));
    let d = parse_manifests("  x: 1\n", &Limits::default()).unwrap();
    assert_eq!(d[0].root.pos, p(2, 1, 3));
}

#[test]
fn anchors_aliases_and_budget() {
    let r = root("base: &b {x: 1, k: [1, 2]}\nuse: *b\n");
    assert_eq!(
        r.get("use").unwrap().to_json(),
        serde_json::json!({"x": 1, "k": [1, 2]})
    );
    // The copy keeps the anchored node's positions.
    assert_eq!(r.get("use").unwrap().pos, r.get("base").unwrap().pos);

    let lol = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
    let e = parse_stream(lol, &Limits::default()).unwrap_err();
    assert_eq!(
        e.message,
        "alias expansion exceeds the limit of 100000 nodes (possible billion-laughs attack; limits.alias-nodes)"
    );
    assert_eq!(e.pos.line, 5);
    let small = Limits {
        max_alias_expansions: 25,
        ..Limits::default()
    };
    // 11 nodes per *a: two fit, the third exceeds 25.
    let e = parse_stream("a: &a [1,2,3,4,5,6,7,8,9,10]\nb: [*a, *a, *a]\n", &small).unwrap_err();
    assert_eq!(e.pos, p(41, 2, 13));
    assert!(parse_stream("a: &a [1,2,3,4,5,6,7,8,9,10]\nb: [*a, *a]\n", &small).is_ok());
}

#[test]
fn merge_keys() {
    let j = json("a: &a {x: 1, w: 2}\nb:\n  <<: *a\n  w: 3\n");
    assert_eq!(j["b"], serde_json::json!({"x": 1, "w": 3}));
    // go-yaml v2 applies merges in order: a key before `<<` is overridden (Helm agrees).
    let j = json("b:\n  x: 9\n  <<: {x: 1, z: 2}\n");
    assert_eq!(j["b"], serde_json::json!({"x": 1, "z": 2}));
    // A list of maps: earlier maps win.
    let j = json("a: &a {x: 1}\nb: &b {x: 2, w: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n");
    assert_eq!(j["c"], serde_json::json!({"x": 1, "w": 2, "z": 3}));
    let r = root("a: &a {x: 1}\nc:\n  <<: *a\n");
    // The merged entry keeps its original position.
    assert_eq!(r.get_path(&["c", "x"]).unwrap().pos, p(10, 1, 11));
    let e = err("a:\n  <<: [1]\n");
    assert_eq!(
        e.to_string(),
        "line 2 column 8: map merge requires map or sequence of maps as the value"
    );
    let e = err("a:\n  <<: 1\n");
    assert_eq!(e.pos, p(9, 2, 7));
    // A quoted `<<` is an ordinary key.
    assert_eq!(json("'<<': {x: 1}\n"), serde_json::json!({"<<": {"x": 1}}));
}

#[test]
fn duplicate_keys_last_wins_and_key_strings() {
    let r = root("a: 1\na: 2\n1: x\n1.5: w\non: z\n");
    assert_eq!(r.get("a").unwrap().as_i64(), Some(2));
    assert_eq!(r.as_map().unwrap().len(), 5);
    assert_eq!(
        r.to_json(),
        serde_json::json!({"a": 2, "1": "x", "1.5": "w", "true": "z"})
    );
    assert_eq!(r.get("true").unwrap().as_str(), Some("z"));
    assert_eq!(resolve::go_float_key(1e6), "1e+06");
    assert_eq!(resolve::go_float_key(123456.0), "123456");
    assert_eq!(resolve::go_float_key(0.0001), "0.0001");
    assert_eq!(resolve::go_float_key(0.00001), "1e-05");
    assert_eq!(resolve::go_float_key(0.1), "0.1");
    // Beyond float32: FormatFloat(.., 32) is +Inf, which sigs.k8s.io/yaml spells `.inf`.
    assert_eq!(resolve::go_float_key(1e39), ".inf");
    assert_eq!(resolve::go_float_key(-1e39), "-.inf");
    assert_eq!(resolve::go_float_key(f64::NAN), ".nan");
}

#[test]
fn limits_depth_and_size() {
    let l = Limits {
        max_depth: 3,
        ..Limits::default()
    };
    let e = parse_stream("a:\n  b:\n    - [c]\n", &l).unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 3 column 7: YAML nesting exceeds the limit of 3 levels (limits.yaml-depth)"
    );
    // Alias copies count towards the depth where they land.
    let e = parse_stream("a: &a [[x]]\nb: *a\nc: [*a]\n", &l).unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 3 column 5: YAML nesting exceeds the limit of 3 levels (limits.yaml-depth)"
    );
    // saphyr's own flow-nesting guard also answers with a position.
    let e = err(&("[".repeat(3000) + &"]".repeat(3000)));
    assert_eq!(e.pos.line, 1);
    let l = Limits {
        max_bytes: 4,
        ..Limits::default()
    };
    let e = parse_stream("a: 12\n", &l).unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 1 column 1: YAML input is 6 bytes, over the limit of 4 bytes (limits.file-bytes)"
    );
}

#[test]
fn invalid_input_errors_have_positions() {
    // A tab after `:` separates as in go-yaml.
    assert_eq!(
        json("a:\t1\nb:\n  c:\t'x'\n"),
        serde_json::json!({"a": 1, "b": {"c": "x"}})
    );
    assert_eq!(root("a:\t1\n").get("a").unwrap().pos, p(3, 1, 4));
    let e = err("a: [1\n");
    assert_eq!(
        e.to_string(),
        "line 2 column 1: while parsing a flow sequence, expected ',' or ']'"
    );
    let e = err("a: b\n c: d\n");
    assert_eq!(e.pos.line, 2);
    let e = err("a: *nope\n");
    assert_eq!(e.pos.line, 1);
    // Garbage must never panic.
    for s in [
        "\t- a",
        "{",
        "]",
        "&",
        "!<",
        "\"\\x",
        "? a\n? b\n: c",
        "- - - -\n  -",
        "%YAML 9\n---",
        "a: 'é\n",
    ] {
        let _ = parse_stream(s, &Limits::default());
        let _ = parse_values(s, 1, &Limits::default());
    }
}

#[test]
fn values_semantics() {
    let l = Limits::default();
    // Every document is merged (Helm's loader.LoadValues): `z` of the second one too.
    let v = parse_values("a: 1\nb: on\nc: hi\nd: [1, x]\ne: ~\n---\nz: 1\n", 7, &l).unwrap();
    let m = v.as_map().unwrap();
    assert_eq!(m.len(), 6);
    assert!(matches!(m["z"], Value::Float(f, Origin { file: 7, line: 7, col: 4 }) if f == 1.0));
    assert!(matches!(m["a"], Value::Float(f, Origin { file: 7, line: 1, col: 4 }) if f == 1.0));
    assert!(matches!(
        m["b"],
        Value::Bool(
            true,
            Origin {
                file: 7,
                line: 2,
                col: 4
            }
        )
    ));
    assert_eq!(m["c"].as_str(), Some("hi"));
    assert_eq!(
        m["c"].origin(),
        Origin {
            file: 7,
            line: 3,
            col: 4
        }
    );
    assert!(matches!(m["d"].as_list().unwrap()[0], Value::Float(f, _) if f == 1.0));
    assert_eq!(
        m["d"].as_list().unwrap()[1].origin(),
        Origin {
            file: 7,
            line: 4,
            col: 8
        }
    );
    assert!(m["e"].is_nil());
    assert!(
        parse_values("", 1, &l)
            .unwrap()
            .as_map()
            .unwrap()
            .is_empty()
    );
    assert!(
        parse_values("# c\n", 1, &l)
            .unwrap()
            .as_map()
            .unwrap()
            .is_empty()
    );
    assert!(
        parse_values("~\n", 1, &l)
            .unwrap()
            .as_map()
            .unwrap()
            .is_empty()
    );
    let e = parse_values("- a\n", 1, &l).unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 1 column 1: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type common.Values"
    );
    let e = parse_values("x:\n  y: .inf\n", 1, &l).unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 2 column 6: error converting YAML to JSON: json: unsupported value: +Inf"
    );
    // Every document is read, so a broken second one fails the file (Helm v4's LoadValues:
    // "cannot load values.yaml: cannot unmarshal yaml document: ...").
    assert_eq!(
        parse_values("a: 1\n---\nb: [\n", 1, &l)
            .unwrap_err()
            .pos
            .line,
        4
    );
    let e = parse_values("? [1]\n: x\n", 1, &l).unwrap_err();
    assert_eq!(e.pos.line, 1);
}

#[test]
fn find_path_locates_fields() {
    let r = root(
        "spec:\n  template:\n    spec:\n      containers:\n        - name: a\n          image: x:1\nmetadata:\n  annotations:\n    a.b/c: v\n",
    );
    assert_eq!(
        r.find_path("spec.template.spec.containers[0].image")
            .unwrap()
            .pos,
        p(81, 6, 18)
    );
    assert_eq!(
        r.find_path("metadata.annotations[\"a.b/c\"]")
            .unwrap()
            .as_str(),
        Some("v")
    );
    assert_eq!(
        r.find_path("metadata.annotations['a.b/c']")
            .unwrap()
            .as_str(),
        Some("v")
    );
    assert!(r.find_path("spec.template.spec.containers[1]").is_none());
    assert!(r.find_path("spec[").is_none());
}

#[test]
fn error_at_end_of_input_stays_on_the_last_line() {
    // Fuzz find: saphyr reports the end of an input without a final line break on the line
    // after it; the error must point inside the text.
    let e = parse_stream("{{ .Values.a.s lvoumes.Value", &Limits::default()).unwrap_err();
    assert_eq!(
        (e.pos, e.message.as_str()),
        (
            Pos {
                offset: 28,
                line: 1,
                col: 29
            },
            "while parsing a flow mapping, did not find expected ',' or '}'"
        )
    );
}

#[test]
fn flow_lines_left_of_their_block_as_go_yaml() {
    // go-yaml checks no indentation inside a flow collection: a closing bracket at its key's
    // column, items left of the key, a flow mapping closing at column 1.
    let src = "vault:\n  server:\n    args: [\n      \"server\",\n      \"-dev\"\n    ]\n    env: é\nm: {\na: 1,\n  b: [x,\nz]\n}\nlast: [1,\n 2]\n";
    assert_eq!(
        json(src),
        serde_json::json!({
            "vault": {"server": {"args": ["server", "-dev"], "env": "é"}},
            "m": {"a": 1, "b": ["x", "z"]},
            "last": [1, 2]
        })
    );
    // Positions are the source's, before and after the repaired lines.
    let r = root(src);
    let server = r.get_path(&["vault", "server"]).unwrap();
    assert_eq!(server.get("env").unwrap().pos, p(73, 7, 10));
    let args = server.get("args").unwrap().as_seq().unwrap();
    assert_eq!(args[1].pos, p(51, 5, 7));
    let m = r.get("m").unwrap();
    assert_eq!(m.get("a").unwrap().pos, p(84, 9, 4));
    assert_eq!(m.get("b").unwrap().as_seq().unwrap()[1].pos, p(96, 11, 1));
    let last = r.get("last").unwrap().as_seq().unwrap();
    assert_eq!(last[1].pos, p(112, 14, 2));
    // The block goes on after the flow collection; a plain scalar folds across such lines.
    assert_eq!(
        json("a:\n  b: [1,\n  2]\n  c: d\n"),
        serde_json::json!({"a": {"b": [1, 2], "c": "d"}})
    );
    assert_eq!(
        json("a:\n  b: [1, x\n y]\n"),
        serde_json::json!({"a": {"b": [1, "x y"]}})
    );
}

#[test]
fn comments_right_after_a_token_as_go_yaml() {
    // libyaml starts a comment at any `#` where it looks for the next token, whitespace before
    // it or not; inside a plain scalar a `#` without a space before it stays content.
    let src = "a: 'false'# note\nb: \"x\"#d\nc: [1]# e\nd: {k: v}#\né: x#y\nf: 2\n";
    assert_eq!(
        json(src),
        serde_json::json!({"a": "false", "b": "x", "c": [1], "d": {"k": "v"}, "é": "x#y", "f": 2})
    );
    let r = root(src);
    // Positions are the source's after the repaired comments, on their lines and below.
    assert_eq!(r.get("b").unwrap().pos, p(20, 2, 4));
    assert_eq!(r.get("c").unwrap().as_seq().unwrap()[0].pos, p(30, 3, 5));
    assert_eq!(r.get("é").unwrap().pos, p(51, 5, 4));
    assert_eq!(r.get("f").unwrap().pos, p(58, 6, 4));
}

#[test]
fn repairs_are_bounded_by_the_bytes_parsed_again() {
    // Each repair parses the text again: at most twice the size limit in all. Ten comments to
    // repair at the end of a 1,050-byte text under a 1,200-byte limit: two are repaired (the
    // parses stop at 950, 960 and 970 bytes), then the error stands on line 53; the same comments
    // at its start cost little and are all repaired.
    let filler: String = (0..50).map(|i| format!("p{i:03}: v{i:011}\n")).collect();
    let comments: String = (0..10).map(|i| format!("k{i}: 'v'#c\n")).collect();
    let l = Limits {
        max_bytes: 1200,
        ..Limits::default()
    };
    let late = format!("{filler}{comments}");
    let e = parse_stream(&late, &l).unwrap_err();
    assert_eq!(
        (e.message.as_str(), e.pos.line),
        (
            "comments must be separated from other tokens by whitespace",
            53
        )
    );
    let early = format!("{comments}{filler}");
    assert_eq!(parse_stream(&early, &l).unwrap().len(), 1);
}

#[test]
fn long_flow_collections_and_quoted_scalars_left_of_their_block_as_go_yaml() {
    // libyaml checks no indentation in a flow collection nor on a quoted scalar's continuation
    // lines (scannerc.go yaml_parser_scan_flow_scalar): one repair pads all lines of the
    // construct, so a flow sequence of any length loads (it stopped at 65 items).
    let items: Vec<String> = (0..200).map(|i| format!("'i{i}'")).collect();
    let src = format!(
        "a:\n  b: \"first\n  second\"\n  c: [\n{},\n]\nd: 'x\ny'\n",
        items.join(",\n")
    );
    let expect: Vec<String> = (0..200).map(|i| format!("i{i}")).collect();
    assert_eq!(
        json(&src),
        serde_json::json!({"a": {"b": "first second", "c": expect}, "d": "x y"})
    );
    // Positions are the source's on and after the padded lines.
    let r = root(&src);
    let c = r.get_path(&["a", "c"]).unwrap().as_seq().unwrap();
    assert_eq!(c[0].pos, p(32, 5, 1));
    assert_eq!(c[1].pos, p(38, 6, 1));
    let d = r.get("d").unwrap();
    let off = src.find("'x").unwrap();
    assert_eq!(d.pos, p(off, 206, 4));
    // A document marker ends a quoted scalar as in libyaml: still an error.
    assert!(parse_stream("a:\n  b: 'x\n---\n'\n", &Limits::default()).is_err());
}
