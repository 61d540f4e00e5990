//! ApplicationSet expansion: fixtures under `fixtures/appsets/` and ports of Argo CD's own
//! generator and template tests (`applicationset/utils/utils_test.go`,
//! `applicationset/generators/*_test.go`).

use super::template::{Renderer, sanitize_name};
use super::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;

const TEAM_REPO: &str = "https://github.com/example/team-repo.git";

struct Ctx {
    roots: Vec<(String, PathBuf)>,
    clusters: Vec<ClusterInfo>,
    max: usize,
}

impl Ctx {
    fn new() -> Ctx {
        Ctx {
            roots: vec![(TEAM_REPO.to_string(), fixture("repo"))],
            clusters: vec![],
            max: DEFAULT_MAX_APPLICATIONS,
        }
    }
    fn with_secrets() -> Ctx {
        let docs = load_all("cluster-secrets.yaml");
        let (clusters, errors) = clusters_from_manifests(docs.iter());
        assert!(errors.is_empty(), "{errors:?}");
        Ctx {
            clusters,
            ..Ctx::new()
        }
    }
}

impl Context for Ctx {
    fn local_root(&self, repo_url: &str) -> Option<PathBuf> {
        self.roots
            .iter()
            .find(|(u, _)| u == repo_url)
            .map(|(_, p)| p.clone())
    }
    fn clusters(&self) -> Vec<ClusterInfo> {
        self.clusters.clone()
    }
    fn max_applications(&self) -> usize {
        self.max
    }
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/appsets")
        .join(name)
}

fn load_all(name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    crate::yaml::parse_stream(&text, &crate::yaml::Limits::default())
        .unwrap()
        .into_iter()
        .map(|d| d.root.to_json())
        .collect()
}

fn load(name: &str) -> Value {
    load_all(name).remove(0)
}

fn yaml(text: &str) -> Value {
    crate::yaml::parse_stream(text, &crate::yaml::Limits::default())
        .unwrap()
        .remove(0)
        .root
        .to_json()
}

fn ok(x: &Expansion) -> &Vec<Value> {
    assert_eq!(x.error, None, "unexpected error");
    &x.applications
}

fn names(x: &Expansion) -> Vec<&str> {
    x.applications
        .iter()
        .map(|a| a.pointer("/metadata/name").and_then(Value::as_str).unwrap())
        .collect()
}

#[test]
fn list_generator_fasttemplate_exact_applications() {
    let x = expand(&load("list.yaml"), &Ctx::new());
    assert_eq!(
        ok(&x),
        &vec![
            json!({
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Application",
                "metadata": {
                    "name": "engineering-dev-guestbook",
                    "labels": {"tier": "dev"},
                    "finalizers": ["resources-finalizer.argocd.argoproj.io"],
                    "namespace": "argocd"
                },
                "spec": {
                    "project": "default",
                    "source": {
                        "repoURL": "https://github.com/argoproj/argo-cd.git",
                        "targetRevision": "HEAD",
                        "path": "applicationset/examples/list-generator/guestbook/engineering-dev"
                    },
                    "destination": {"server": "https://kubernetes.default.svc", "namespace": "guestbook"}
                }
            }),
            json!({
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Application",
                "metadata": {
                    "name": "engineering-prod-guestbook",
                    "labels": {"tier": "prod"},
                    "finalizers": ["resources-finalizer.argocd.argoproj.io"],
                    "namespace": "argocd"
                },
                "spec": {
                    "project": "default",
                    "source": {
                        "repoURL": "https://github.com/argoproj/argo-cd.git",
                        "targetRevision": "HEAD",
                        "path": "applicationset/examples/list-generator/guestbook/engineering-prod"
                    },
                    "destination": {"server": "https://kubernetes.prod.svc", "namespace": "guestbook"}
                }
            }),
        ]
    );
    assert!(x.unresolved.is_empty(), "{:?}", x.unresolved);
}

#[test]
fn git_directories_with_exclude_skip_hidden_and_nested() {
    let x = expand(&load("git-directories.yaml"), &Ctx::new());
    // `apps/*` does not match `apps/guestbook/overlays` (path.Match: `*` stops at `/`),
    // `.hidden` is never listed, `excluded-app` is excluded.
    assert_eq!(
        names(&x),
        ["guestbook", "helm-guestbook", "kustomize-guestbook"]
    );
    assert_eq!(
        x.applications[1]["spec"],
        json!({
            "project": "default",
            "source": {
                "repoURL": TEAM_REPO,
                "targetRevision": "HEAD",
                "path": "apps/helm-guestbook"
            },
            "destination": {
                "server": "https://kubernetes.default.svc",
                "namespace": "helm-guestbook-helm-guestbook"
            }
        })
    );
    assert!(x.unresolved.is_empty(), "{:?}", x.unresolved);
}

#[test]
fn git_files_flatten_config_json_with_path_params_and_exclude() {
    let x = expand(&load("git-files.yaml"), &Ctx::new());
    assert_eq!(
        names(&x),
        ["engineering-dev-guestbook", "engineering-prod-guestbook"]
    );
    let a = &x.applications[0];
    assert_eq!(
        a["metadata"]["annotations"],
        json!({"owner": "cluster-admin@company.com"})
    );
    assert_eq!(
        a["spec"]["destination"],
        json!({"server": "http://1.2.3.4", "namespace": "dev-config.json-engineering"})
    );
    assert!(x.unresolved.is_empty(), "{:?}", x.unresolved);
}

#[test]
fn git_files_list_of_objects_gives_one_param_set_each_gotemplate() {
    let set = yaml(&format!(
        r#"
kind: ApplicationSet
metadata: {{name: qa}}
spec:
  goTemplate: true
  generators:
  - git:
      repoURL: {TEAM_REPO}
      files:
      - path: cluster-config/research/qa/config.json
  template:
    metadata:
      name: '{{{{ .cluster.name }}}}'
      annotations:
        replicas: '{{{{ .cluster.replicas }}}}'
        enabled: '{{{{ .cluster.enabled }}}}'
        segments: '{{{{ join "," .path.segments }}}}/{{{{ .path.filenameNormalized }}}}'
    spec:
      project: default
"#
    ));
    let x = expand(&set, &Ctx::new());
    assert_eq!(names(&x), ["research-qa-a", "research-qa-b"]);
    assert_eq!(
        x.applications[1]["metadata"]["annotations"],
        json!({"replicas": "3", "enabled": "false", "segments": "cluster-config,research,qa/config.json"})
    );
    // The ApplicationSet has no namespace: the Applications carry none either.
    assert_eq!(x.applications[0]["metadata"].get("namespace"), None);
}

#[test]
fn matrix_second_child_sees_first_child_params_gotemplate() {
    let x = expand(&load("matrix.yaml"), &Ctx::new());
    assert_eq!(names(&x), ["api-dev", "api-prod", "web-dev", "web-prod"]);
    assert_eq!(
        x.applications[3],
        json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": "web-prod", "namespace": "team-a"},
            "spec": {
                "project": "team-a",
                "source": {
                    "repoURL": TEAM_REPO,
                    "targetRevision": "HEAD",
                    "path": "services/web",
                    "helm": {
                        "valueFiles": ["values-prod.yaml"],
                        "parameters": [
                            {"name": "service.port", "value": "80"},
                            {"name": "chart", "value": "web"}
                        ]
                    }
                },
                "destination": {"name": "prod-cluster", "namespace": "WEB"}
            }
        })
    );
}

#[test]
fn merge_by_server_over_cluster_secrets_and_list() {
    let x = expand(&load("merge.yaml"), &Ctx::with_secrets());
    assert_eq!(names(&x), ["Production", "staging", "in-cluster"]);
    let params = |i: usize| x.applications[i]["spec"]["source"]["helm"]["parameters"].clone();
    assert_eq!(
        params(0),
        json!([{"name": "kafka", "value": "true"}, {"name": "redis", "value": "true"}])
    );
    assert_eq!(
        params(1),
        json!([{"name": "kafka", "value": "false"}, {"name": "redis", "value": "false"}])
    );
    assert_eq!(x.applications[0]["spec"]["project"], json!("production"));
    assert_eq!(x.applications[1]["spec"]["project"], json!("staging"));
    // The in-cluster has no labels: fasttemplate leaves the tag, and we say so.
    assert_eq!(
        x.applications[2]["spec"]["project"],
        json!("{{metadata.labels.environment}}")
    );
    assert_eq!(
        x.unresolved,
        [
            "spec.template: {{metadata.labels.environment}} has no value among the generator's parameters; Argo CD leaves it unexpanded"
        ]
    );
}

#[test]
fn clusters_generator_from_secrets_gotemplate_selector_and_values() {
    let x = expand(&load("clusters.yaml"), &Ctx::with_secrets());
    assert_eq!(names(&x), ["production-guestbook", "staging-guestbook"]);
    assert_eq!(
        x.applications[0]["metadata"]["labels"],
        json!({"env": "production"})
    );
    assert_eq!(
        x.applications[0]["spec"]["source"]["targetRevision"],
        json!("stable")
    );
    assert_eq!(
        x.applications[1]["spec"]["source"]["targetRevision"],
        json!("main")
    );
    assert_eq!(
        x.applications[1]["spec"]["destination"]["server"],
        json!("https://1.2.3.4")
    );
}

#[test]
fn cluster_secrets_are_read_from_data_and_string_data() {
    let docs = load_all("cluster-secrets.yaml");
    let (cs, errors) = clusters_from_manifests(docs.iter());
    assert!(errors.is_empty());
    assert_eq!(
        cs,
        vec![
            ClusterInfo {
                name: "staging".into(),
                server: "https://1.2.3.4".into(),
                labels: BTreeMap::from([
                    (SECRET_TYPE_LABEL.to_string(), "cluster".to_string()),
                    ("environment".to_string(), "staging".to_string()),
                    ("use-kafka".to_string(), "false".to_string()),
                ]),
                annotations: BTreeMap::from([("team".to_string(), "platform".to_string())]),
            },
            ClusterInfo {
                name: "Production".into(),
                server: "https://2.4.6.8".into(),
                labels: BTreeMap::from([
                    (SECRET_TYPE_LABEL.to_string(), "cluster".to_string()),
                    ("environment".to_string(), "production".to_string()),
                ]),
                annotations: BTreeMap::new(),
            },
        ]
    );
    let bad = yaml(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: x, labels: {argocd.argoproj.io/secret-type: cluster}}\ndata: {server: '%%%'}\n",
    );
    assert_eq!(
        cluster_from_secret(&bad).unwrap_err(),
        "cluster Secret x: data.server is not valid base64: Invalid symbol 37, offset 0."
    );
    let no_server = yaml(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: yy, labels: {argocd.argoproj.io/secret-type: cluster}}\nstringData: {name: yy}\n",
    );
    assert_eq!(
        cluster_from_secret(&no_server).unwrap_err(),
        "cluster Secret yy: no server (data.server or stringData.server)"
    );
}

#[test]
fn clusters_generator_without_known_clusters_is_unresolved() {
    let set = yaml(
        "kind: ApplicationSet\nmetadata: {name: c}\nspec:\n  generators:\n  - clusters: {}\n  template:\n    metadata: {name: '{{name}}'}\n    spec: {project: default}\n",
    );
    let x = expand(&set, &Ctx::new());
    assert_eq!(x.error, None);
    assert!(x.applications.is_empty());
    assert_eq!(
        x.unresolved,
        [
            "spec.generators[0].clusters: the cluster list lives in the cluster: no cluster Secret is among the checked files and the `clusters:` inventory is empty"
        ]
    );
    // Clusters known, but none matches the selector: still never silently nothing.
    let set = yaml(
        "kind: ApplicationSet\nmetadata: {name: c}\nspec:\n  generators:\n  - clusters: {selector: {matchLabels: {environment: qa}}}\n  template:\n    metadata: {name: '{{name}}'}\n    spec: {project: default}\n",
    );
    let x = expand(&set, &Ctx::with_secrets());
    assert_eq!(
        x.unresolved,
        [
            "spec.generators[0].clusters: the cluster list lives in the cluster: no known cluster (cluster Secrets among the checked files, `clusters:` inventory) matches its selector"
        ]
    );
}

#[test]
fn template_patch_merges_and_keeps_project() {
    let x = expand(&load("template-patch.yaml"), &Ctx::new());
    assert_eq!(
        ok(&x)[0],
        json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {
                "name": "one",
                "labels": {"keep": "yes"},
                "finalizers": ["resources-finalizer.argocd.argoproj.io"],
                "namespace": "argocd"
            },
            "spec": {
                "project": "default",
                "source": {
                    "repoURL": TEAM_REPO,
                    "targetRevision": "HEAD",
                    "path": "apps/one"
                },
                "destination": {"server": "https://kubernetes.default.svc", "namespace": "one"},
                "syncPolicy": {"automated": {"prune": true}}
            }
        })
    );
    assert_eq!(x.applications[1]["spec"].get("syncPolicy"), None);
    assert_eq!(x.applications[1]["spec"]["project"], json!("default"));
}

#[test]
fn template_patch_errors_name_the_field() {
    let set = yaml(
        "kind: ApplicationSet\nmetadata: {name: p}\nspec:\n  goTemplate: true\n  generators:\n  - list: {elements: [{a: b}]}\n  template:\n    metadata: {name: x}\n    spec: {project: default}\n  templatePatch: '- not a map'\n",
    );
    let x = expand(&set, &Ctx::new());
    assert!(x.applications.is_empty());
    let e = x.error.unwrap();
    assert_eq!(
        e,
        "ApplicationSet p: spec.templatePatch: invalid templatePatch \"- not a map\": the patch must be a map"
    );
    assert_eq!(field_path(&e), Some("spec.templatePatch"));
}

#[test]
fn unresolved_generators_need_a_live_system() {
    let x = expand(&load("unresolved.yaml"), &Ctx::new());
    assert_eq!(x.error, None);
    assert_eq!(names(&x), ["local-app"]);
    assert_eq!(
        x.unresolved,
        [
            "spec.generators[0].scmProvider: the scmProvider generator lists repositories through an SCM provider's API, which needs a live system",
            "spec.generators[1].pullRequest: the pullRequest generator lists open pull requests through an SCM provider's API, which needs a live system",
            "spec.generators[2].plugin: the plugin generator asks a plugin service for parameters, which needs a live system",
            "spec.generators[3].clusterDecisionResource: the clusterDecisionResource generator reads a resource in the cluster, which needs a live system",
            "spec.generators[4].git: git generator repository https://github.com/example/unmapped.git has no local checkout (map it with --repo URL=PATH or repos: in chartgate.yaml)",
            "spec.generators[5].clusters: the cluster list lives in the cluster: no cluster Secret is among the checked files and the `clusters:` inventory is empty",
            "spec.template: {{missing}} has no value among the generator's parameters; Argo CD leaves it unexpanded",
        ]
    );
    assert_eq!(field_path(&x.unresolved[4]), Some("spec.generators[4].git"));
}

#[test]
fn matrix_with_an_unresolved_child_is_unresolved() {
    let set = yaml(
        "kind: ApplicationSet\nmetadata: {name: m}\nspec:\n  generators:\n  - matrix:\n      generators:\n      - list: {elements: [{a: b}]}\n      - pullRequest: {github: {owner: o, repo: r}}\n  template:\n    metadata: {name: x}\n    spec: {project: default}\n",
    );
    let x = expand(&set, &Ctx::new());
    assert!(x.applications.is_empty());
    assert_eq!(
        x.unresolved,
        [
            "spec.generators[0].matrix.generators[1].pullRequest: the pullRequest generator lists open pull requests through an SCM provider's API, which needs a live system"
        ]
    );
}

#[test]
fn bound_on_applications_is_an_error() {
    // 200 x 200 = 40,000 parameter sets, above a bound of 10,000: stopped while combining.
    let els: Vec<String> = (0..200).map(|i| format!("{{a{i}: '{i}'}}")).collect();
    let list_a = format!(
        "[{}]",
        (0..200)
            .map(|i| format!("{{a: '{i}'}}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let list_b = format!(
        "[{}]",
        (0..200)
            .map(|i| format!("{{b: '{i}'}}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    drop(els);
    let set = yaml(&format!(
        "kind: ApplicationSet\nmetadata: {{name: big}}\nspec:\n  generators:\n  - matrix:\n      generators:\n      - list: {{elements: {list_a}}}\n      - list: {{elements: {list_b}}}\n  template:\n    metadata: {{name: '{{{{a}}}}-{{{{b}}}}'}}\n    spec: {{project: default}}\n"
    ));
    let x = expand(&set, &Ctx::new());
    assert!(x.applications.is_empty());
    assert_eq!(
        x.error.as_deref(),
        Some(
            "ApplicationSet big: spec.generators[0].matrix: generators produce more than 10000 parameter sets (the bound on Applications per ApplicationSet)"
        )
    );
    // A lower bound from the context, over several top-level generators.
    let mut ctx = Ctx::new();
    ctx.max = 3;
    let set = yaml(
        "kind: ApplicationSet\nmetadata: {name: small}\nspec:\n  generators:\n  - list: {elements: [{nm: a}, {nm: b}]}\n  - list: {elements: [{nm: c}, {nm: d}]}\n  template:\n    metadata: {name: '{{nm}}'}\n    spec: {project: default}\n",
    );
    let x = expand(&set, &ctx);
    assert_eq!(
        x.error.as_deref(),
        Some(
            "ApplicationSet small: spec.generators[1]: generators produce more than 3 Applications (the bound on Applications per ApplicationSet)"
        )
    );
    // Below the bound: all four.
    ctx.max = 4;
    assert_eq!(names(&expand(&set, &ctx)), ["a", "b", "c", "d"]);
}

#[test]
fn malformed_applicationsets_are_clear_errors() {
    let cases: &[(&str, &str)] = &[
        (
            "- a list",
            "ApplicationSet (unnamed): an ApplicationSet must be a map",
        ),
        (
            "kind: Application\nmetadata: {name: a}",
            "ApplicationSet a: kind: not an ApplicationSet",
        ),
        (
            "kind: ApplicationSet\nmetadata: {name: a}",
            "ApplicationSet a: spec: required (a map)",
        ),
        (
            "kind: ApplicationSet\nmetadata: {name: a}\nspec: {template: {}}",
            "ApplicationSet a: spec.generators: required (a list)",
        ),
        (
            "kind: ApplicationSet\nmetadata: {name: a}\nspec: {generators: {list: {}}, template: {}}",
            "ApplicationSet a: spec.generators: must be a list",
        ),
        (
            "kind: ApplicationSet\nmetadata: {name: a}\nspec: {goTemplate: 'yes please', generators: [], template: {}}",
            "ApplicationSet a: spec.goTemplate: must be a boolean",
        ),
        (
            "kind: ApplicationSet\nmetadata: {name: a}\nspec: {goTemplateOptions: [missingkey=panic], generators: [], template: {}}",
            "ApplicationSet a: spec.goTemplateOptions: unrecognized option \"missingkey=panic\" (Go's text/template accepts missingkey=default, missingkey=invalid, missingkey=zero, missingkey=error)",
        ),
        (
            "kind: ApplicationSet\nmetadata: {name: a}\nspec: {generators: [{lists: {elements: []}}], template: {}}",
            "ApplicationSet a: spec.generators[0]: unrecognized generators: lists (Argo CD knows list, clusters, git, scmProvider, clusterDecisionResource, pullRequest, matrix, merge, plugin)",
        ),
        (
            "kind: ApplicationSet\nmetadata: {name: a}\nspec: {generators: [{list: {elements: [{nm: 1}]}}], template: {}}",
            "ApplicationSet a: spec.generators[0].list.elements[0].nm: error parsing value as string (without goTemplate, list element values must be strings)",
        ),
        (
            "kind: ApplicationSet\nmetadata: {name: a}\nspec: {generators: [{list: {elements: [x]}}], template: {}}",
            "ApplicationSet a: spec.generators[0].list.elements[0]: error unmarshling list element: a list element must be a map",
        ),
        (
            "kind: ApplicationSet\nmetadata: {name: a}\nspec: {generators: [{matrix: {generators: [{list: {elements: []}}]}}], template: {}}",
            "ApplicationSet a: spec.generators[0].matrix: found less than two generators, Matrix support only two",
        ),
        (
            "kind: ApplicationSet\nmetadata: {name: a}\nspec: {generators: [{matrix: {generators: [{list: {elements: []}}, {list: {elements: []}}, {list: {elements: []}}]}}], template: {}}",
            "ApplicationSet a: spec.generators[0].matrix: found more than two generators, Matrix support only two",
        ),
        (
            "kind: ApplicationSet\nmetadata: {name: a}\nspec: {generators: [{matrix: {generators: [{list: {elements: [{}]}}, {}]}}], template: {}}",
            "ApplicationSet a: spec.generators[0].matrix.generators[1]: child generator generated no parameters",
        ),
        (
            "kind: ApplicationSet\nmetadata: {name: a}\nspec: {generators: [{merge: {generators: [{list: {elements: [{a: b}]}}, {list: {elements: [{a: b}]}}]}}], template: {}}",
            "ApplicationSet a: spec.generators[0].merge: no merge keys were specified, Merge requires at least one",
        ),
        (
            "kind: ApplicationSet\nmetadata: {name: a}\nspec: {generators: [{merge: {mergeKeys: [a], generators: [{list: {elements: [{a: b}, {a: b}]}}, {list: {elements: []}}]}}], template: {}}",
            "ApplicationSet a: spec.generators[0].merge.generators[0]: the parameters from a generator were not unique by the given mergeKeys, Merge requires all param sets to be unique. Duplicate key was {\"a\":\"b\"}",
        ),
        (
            "kind: ApplicationSet\nmetadata: {name: a}\nspec: {generators: [{git: {repoURL: x}}], template: {}}",
            "ApplicationSet a: spec.generators[0].git: ApplicationSet is empty (a git generator needs directories or files)",
        ),
        (
            "kind: ApplicationSet\nmetadata: {name: a}\nspec: {generators: [{clusters: {selector: {matchExpressions: [{key: k, operator: Like, values: [v]}]}}}], template: {}}",
            "ApplicationSet a: spec.generators[0].clusters.selector.matchExpressions[0]: \"Like\" is not a valid label selector operator",
        ),
        (
            "kind: ApplicationSet\nmetadata: {name: a}\nspec: {generators: [{list: {elements: [{nm: a}]}}], template: {metadata: {name: '{{nm}} {{'}}}",
            "ApplicationSet a: spec.template.metadata.name: invalid template: Cannot find end tag=\"}}\" in the template=\"{{nm}} {{\" starting from \"\"",
        ),
        (
            "kind: ApplicationSet\nmetadata: {name: a}\nspec: {generators: [{list: {elements: [{nm: a}, {nm: a}]}}], template: {metadata: {name: '{{nm}}'}}}",
            "ApplicationSet a: spec.template.metadata.name: ApplicationSet a contains applications with duplicate name: a; Argo CD creates none of them",
        ),
        (
            "kind: ApplicationSet\nmetadata: {name: a}\nspec: {generators: [{list: {elements: [{nm: a}]}}], template: {metadata: {labels: {x: '{{nm}}'}}}}",
            "ApplicationSet a: spec.template.metadata.name: ApplicationSet a contains an application with no name; a name must be set in the template's metadata.name or via a templatePatch (generateName is not supported)",
        ),
    ];
    for (src, want) in cases {
        let x = expand(&yaml(src), &Ctx::new());
        assert_eq!(x.error.as_deref(), Some(*want), "for {src}");
    }
    // A duplicated name drops every Application of that name (Argo CD keys its validation
    // errors by the qualified name, and applies only Applications without one).
    let x = expand(
        &yaml(
            "kind: ApplicationSet\nmetadata: {name: a}\nspec: {generators: [{list: {elements: [{nm: a}, {nm: a}, {nm: b}]}}], template: {metadata: {name: '{{nm}}'}}}",
        ),
        &Ctx::new(),
    );
    assert_eq!(names(&x), ["b"]);
}

#[test]
fn go_template_errors_name_the_field_and_missingkey_error() {
    let set = yaml(
        "kind: ApplicationSet\nmetadata: {name: g}\nspec:\n  goTemplate: true\n  goTemplateOptions: [missingkey=error]\n  generators:\n  - list: {elements: [{name: a}]}\n  template:\n    metadata: {name: '{{ .name }}'}\n    spec:\n      project: default\n      destination: {namespace: '{{ .namespace }}'}\n",
    );
    let x = expand(&set, &Ctx::new());
    assert!(x.applications.is_empty());
    let e = x.error.unwrap();
    assert_eq!(
        e,
        "ApplicationSet g: spec.template.spec.destination.namespace: failed to execute go template {{ .namespace }}: template: base:1:3: executing \"base\" at <.namespace>: map has no entry for key \"namespace\""
    );
    assert_eq!(
        field_path(&e),
        Some("spec.template.spec.destination.namespace")
    );
    // Without the option Argo CD writes Go's `<no value>`.
    let set = yaml(
        "kind: ApplicationSet\nmetadata: {name: g}\nspec:\n  goTemplate: true\n  generators:\n  - list: {elements: [{name: a}]}\n  template:\n    metadata: {name: '{{ .name }}'}\n    spec:\n      project: default\n      destination: {namespace: '{{ .namespace }}'}\n",
    );
    let x = expand(&set, &Ctx::new());
    assert_eq!(
        ok(&x)[0]["spec"]["destination"]["namespace"],
        json!("<no value>")
    );
}

#[test]
fn generator_template_overrides_merge_into_spec_template() {
    // Port of argo-cd examples/design-doc/template-override-fasttemplate.yaml.
    let set = yaml(
        "kind: ApplicationSet\nmetadata: {name: o}\nspec:\n  generators:\n  - list:\n      elements: [{cluster: dev, url: 'https://dev'}]\n      template:\n        metadata: {labels: {from: generator}}\n        spec:\n          project: '{{cluster}}-project'\n          source: {path: 'override/{{cluster}}'}\n  template:\n    metadata:\n      name: '{{cluster}}-guestbook'\n      labels: {from: template, base: 'yes'}\n    spec:\n      project: default\n      source: {repoURL: 'https://r', targetRevision: HEAD, path: 'base/{{cluster}}'}\n      destination: {server: '{{url}}', namespace: guestbook}\n",
    );
    let x = expand(&set, &Ctx::new());
    assert_eq!(
        ok(&x)[0],
        json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {
                "name": "dev-guestbook",
                "labels": {"from": "generator", "base": "yes"},
                "finalizers": ["resources-finalizer.argocd.argoproj.io"]
            },
            "spec": {
                "project": "dev-project",
                "source": {"path": "override/dev", "repoURL": "https://r", "targetRevision": "HEAD"},
                "destination": {"server": "https://dev", "namespace": "guestbook"}
            }
        })
    );
}

#[test]
fn generator_selector_post_filters_params() {
    // Port of generator_spec_processor_test.go: selector over (flattened) parameters.
    let set = yaml(
        "kind: ApplicationSet\nmetadata: {name: s}\nspec:\n  goTemplate: true\n  generators:\n  - list:\n      elements:\n      - {name: a, env: {tier: prod}}\n      - {name: b, env: {tier: dev}}\n      - {name: c}\n    selector:\n      matchExpressions:\n      - {key: env.tier, operator: NotIn, values: [dev]}\n  template:\n    metadata: {name: '{{ .name }}'}\n    spec: {project: default}\n",
    );
    assert_eq!(names(&expand(&set, &Ctx::new())), ["a", "c"]);
}

#[test]
fn elements_yaml_and_finalizer_rules() {
    let set = yaml(
        "kind: ApplicationSet\nmetadata: {name: e}\nspec:\n  goTemplate: true\n  syncPolicy: {preserveResourcesOnDeletion: false}\n  generators:\n  - list:\n      elements: [{name: a}]\n      elementsYaml: |\n        - name: b\n        - name: c\n  template:\n    metadata: {name: '{{ .name }}', finalizers: [custom]}\n    spec: {project: default}\n",
    );
    let x = expand(&set, &Ctx::new());
    assert_eq!(names(&x), ["a", "b", "c"]);
    assert_eq!(
        x.applications[0]["metadata"]["finalizers"],
        json!(["custom"])
    );
    // An empty parameter set leaves the template as it is (no finalizer), as Argo CD does.
    let set = yaml(
        "kind: ApplicationSet\nmetadata: {name: e}\nspec:\n  generators:\n  - list: {elements: [{}]}\n  template:\n    metadata: {name: fixed}\n    spec: {project: default}\n",
    );
    let x = expand(&set, &Ctx::new());
    assert_eq!(x.applications[0]["metadata"], json!({"name": "fixed"}));
}

#[test]
fn git_path_param_prefix_and_values() {
    let set = yaml(&format!(
        "kind: ApplicationSet\nmetadata: {{name: v}}\nspec:\n  generators:\n  - git:\n      repoURL: {TEAM_REPO}\n      pathParamPrefix: app\n      directories: [{{path: services/*}}]\n      values:\n        release: 'rel-{{{{app.path.basename}}}}'\n  template:\n    metadata: {{name: '{{{{values.release}}}}'}}\n    spec: {{project: default, source: {{path: '{{{{app.path}}}}'}}}}\n"
    ));
    let x = expand(&set, &Ctx::new());
    assert_eq!(names(&x), ["rel-api", "rel-web"]);
    assert_eq!(
        x.applications[1]["spec"]["source"]["path"],
        json!("services/web")
    );
}

// ---- Ports of Argo CD's Render.Replace tests (utils_test.go) ----

fn params(v: Value) -> Params {
    match v {
        Value::Object(m) => m,
        _ => panic!("params must be a map"),
    }
}

#[test]
fn fasttemplate_replace_cases_from_argo_cd() {
    let r = Renderer::new(false, &[]).unwrap();
    let cases: &[(&str, Value, &str)] = &[
        ("{{one}}", json!({"one": "two"}), "two"),
        ("{{ one }}", json!({"one": "two"}), "two"),
        ("}} {{", json!({"one": "two"}), "}} {{"),
        ("{{ }}", json!({"one": "{{ }}"}), "{{ }}"),
        ("{{ }}", json!({" ": "two", "": "three"}), "{{ }}"),
        ("{{one}}", json!({"{{one}}": "{{one}}"}), "{{one}}"),
        ("{{one}}", json!({"one": "{{one}}"}), "{{one}}"),
        ("{{one}}", json!({"one": "{{two}}"}), "{{two}}"),
        ("{{one}}{{one}}", json!({"one": "two"}), "twotwo"),
        (
            "{{one}}{{three}}",
            json!({"one": "two", "three": "four"}),
            "twofour",
        ),
        (
            "{{one}} {{three}}",
            json!({"one": "\"hello\" world", "three": "four"}),
            "\"hello\" world four",
        ),
        (
            "{{ path.basename }}",
            json!({"path.basename": "guestbook"}),
            "guestbook",
        ),
        ("{{nonstring}}", json!({"nonstring": 3}), "{{nonstring}}"),
        ("a {{ b\nc }} d", json!({"b": "x"}), "a {{ b\nc }} d"),
    ];
    for (tmpl, p, want) in cases {
        assert_eq!(
            r.replace(tmpl, &params(p.clone())).unwrap(),
            *want,
            "{tmpl}"
        );
    }
}

#[test]
fn go_template_replace_cases_from_argo_cd() {
    let r = Renderer::new(true, &[]).unwrap();
    let p = json!({
        "one": "two",
        "three": "four",
        "replicas": 3,
        "image": {"name": "busybox", "version": "latest"},
        "hpa": {"enabled": true, "minReplicas": 1, "maxReplicas": 5},
        "volumes": [{"name": "volume-one", "emptyDir": {}}, {"name": "volume-two", "emptyDir": {}}],
        "admin": {"admin-ca": "value admin ca", "admin-jks": "value admin jks"},
        "quote": "\"",
        "data": "a data string",
        "value": "hello: world",
        "arr": "- hello world\n- bonjour tout le monde",
        "foo": {"bar": {"bool": true, "number": 2, "str": "Hello world"}},
        "weird": "Some Name_With.Chars!",
    });
    let cases: &[(&str, &str)] = &[
        ("{{ .one }}", "two"),
        ("{{.one}}{{.three}}", "twofour"),
        ("{{ .image.name }}:{{ .image.version }}", "busybox:latest"),
        (
            "{{ if .hpa.enabled }}{{ .hpa.maxReplicas }}{{ else }}{{ .replicas }}{{ end }}",
            "5",
        ),
        (
            "{{ range .volumes }}[{{ .name }}]{{ end }}",
            "[volume-one][volume-two]",
        ),
        (
            r#"{{ index .admin "admin-ca" }}, {{ index .admin "admin-jks" }}"#,
            "value admin ca, value admin jks",
        ),
        ("{{.quote}}", "\""),
        ("--> {{.doesnotexist}} <--", "--> <no value> <--"),
        (
            "{{ toYaml .foo | indent 2 }}",
            "  bar:\n    bool: true\n    number: 2\n    str: Hello world",
        ),
        (r#"{{ get (fromYaml .value) "hello" }}"#, "world"),
        ("{{ fromYamlArray .arr | last }}", "bonjour tout le monde"),
        ("{{ normalize .weird }}", "some-name-with.chars"),
        ("{{ slugify .weird }}", "some-name-with-chars"),
    ];
    let p = params(p);
    for (tmpl, want) in cases {
        assert_eq!(r.replace(tmpl, &p).unwrap(), *want, "{tmpl}");
    }
    assert_eq!(
        r.replace("{{functiondoesnotexist}}", &p).unwrap_err(),
        r#"failed to parse template {{functiondoesnotexist}}: template: base:1: function "functiondoesnotexist" not defined"#
    );
    assert_eq!(
        r.replace("{{.data.test}}", &p).unwrap_err(),
        r#"failed to execute go template {{.data.test}}: template: base:1:7: executing "base" at <.data.test>: can't evaluate field test in type interface {}"#
    );
    // Argo CD removes env, expandenv and getHostByName from Sprig; Helm's own functions are
    // not there either.
    for f in [
        "env",
        "expandenv",
        "getHostByName",
        "include",
        "tpl",
        "required",
        "lookup",
    ] {
        assert_eq!(
            r.replace(&format!("{{{{ {f} \"x\" }}}}"), &p).unwrap_err(),
            format!(
                "failed to parse template {{{{ {f} \"x\" }}}}: template: base:1: function \"{f}\" not defined"
            )
        );
    }
    let strict = Renderer::new(true, &["missingkey=error".to_string()]).unwrap();
    assert_eq!(
        strict.replace("--> {{.doesnotexist}} <--", &p).unwrap_err(),
        r#"failed to execute go template --> {{.doesnotexist}} <--: template: base:1:6: executing "base" at <.doesnotexist>: map has no entry for key "doesnotexist""#
    );
}

#[test]
fn sanitize_name_as_argo_cd() {
    // Port of template_functions_test / git_test basenameNormalized cases.
    assert_eq!(sanitize_name("app_1"), "app-1");
    assert_eq!(sanitize_name("--Some.Path_Name.."), "some.path-name");
    assert_eq!(sanitize_name(&"a".repeat(300)).len(), 253);
}

#[test]
fn matrix_fasttemplate_conflicting_keys_error() {
    let set = yaml(
        "kind: ApplicationSet\nmetadata: {name: m}\nspec:\n  generators:\n  - matrix:\n      generators:\n      - list: {elements: [{a: '1'}]}\n      - list: {elements: [{a: '2'}]}\n  template:\n    metadata: {name: x}\n    spec: {project: default}\n",
    );
    assert_eq!(
        expand(&set, &Ctx::new()).error.as_deref(),
        Some(
            "ApplicationSet m: spec.generators[0].matrix: failed to combine string maps with merging params for the matrix generator: found duplicate key a with different value, a: 1 ,b: 2"
        )
    );
}

#[test]
fn hostile_templates_do_not_panic() {
    let nasty = [
        "kind: ApplicationSet\nmetadata: {name: h}\nspec: {goTemplate: true, generators: [{list: {elements: [{nm: a}]}}], template: {metadata: {name: '{{ template \"base\" . }}'}}}",
        "kind: ApplicationSet\nmetadata: {name: h}\nspec: {goTemplate: true, generators: [{list: {elements: [{nm: a}]}}], template: {metadata: {name: '{{ range until 100000000 }}x{{ end }}'}}}",
        "kind: ApplicationSet\nmetadata: {name: h}\nspec: {goTemplate: true, generators: [{list: {elementsYaml: '[1, 2'}}], template: {}}",
        "kind: ApplicationSet\nmetadata: {name: h}\nspec: {generators: [{matrix: {generators: [{matrix: {generators: [{list: {elements: [{}]}}]}}, {list: {elements: [{}]}}]}}], template: {}}",
    ];
    for src in nasty {
        let x = expand(&yaml(src), &Ctx::new());
        assert!(x.error.is_some(), "{src}");
        assert!(x.applications.is_empty());
    }
}
