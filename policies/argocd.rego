package chartgate_platform.argocd

import rego.v1

# The Application spec: the resource itself, or an ApplicationSet's template.
# The Application spec, or the template spec of an ApplicationSet; {} when absent, null or not a map.
app_spec := object_or_empty(object.get(input, "spec", {})) if input.kind == "Application"

app_spec := object_or_empty(object.get(object_or_empty(object.get(object_or_empty(object.get(input, "spec", {})), "template", {})), "spec", {})) if input.kind == "ApplicationSet"

object_or_empty(x) := x if is_object(x)

object_or_empty(x) := {} if not is_object(x)

is_argo if startswith(object.get(input, "apiVersion", ""), "argoproj.io/")

name := n if {
	n := input.metadata.name
	is_string(n)
} else := ""

spec_path := "spec" if input.kind == "Application"

spec_path := "spec.template.spec" if input.kind == "ApplicationSet"

# METADATA
# title: ArgoCD project must not be default
# description: >
#   Applications and ApplicationSets belong to the team's AppProject, which limits the
#   repositories, clusters and namespaces they may use; the `default` project allows everything.
# custom:
#   id: argocd-no-default-project
#   severity: error
deny contains {"msg": msg, "path": concat(".", [spec_path, "project"])} if {
	is_argo
	object.get(app_spec, "project", "default") == "default"
	msg := sprintf("%s %s uses the ArgoCD project \"default\"; use the team's AppProject", [input.kind, name])
}

# data.chartgate.allowed_namespaces of the environment, else the release namespace and the
# namespaces the config's environments declare on this cluster (an app-of-apps in `argocd`
# sends its Applications to them).
# A render without an environment whose cluster declares no namespaces (a public app-of-apps
# checked without a config): nothing says where its Applications may deploy, and the release
# namespace is chartgate's guess, so destinations are not judged (an empty set).
allowed := {ns | some ns in list} if {
	list := data.chartgate.allowed_namespaces[data.chartgate.context.environment]
} else := {ns | some ns in array.concat(own_namespace, cluster_namespaces)} if {
	environment != ""
} else := {ns | some ns in array.concat(own_namespace, cluster_namespaces)} if {
	count(cluster_namespaces) > 0
} else := set()

own_namespace := [ns | ns := data.chartgate.context.namespace]

cluster_namespaces := [ns | some ns in destinations]

# The context's fields by name (chartgate then passes only the fields policies read).
destinations := d if {
	d := data.chartgate.context.destinations
} else := []

environment := e if {
	e := data.chartgate.context.environment
} else := ""

# Who allows the namespaces, for messages: the environment, or, for a render without one
# (a chart checked with its defaults, a plain manifest), its release namespace.
allower := sprintf("environment %q", [environment]) if {
	environment != ""
} else := "the render without an environment (release namespace only)"

# METADATA
# title: ArgoCD destination namespace must be allowed
# description: >
#   An Application or ApplicationSet deploys only to a namespace the environment allows
#   (data.chartgate.allowed_namespaces per environment, else the release namespace and the
#   namespaces the config's environments declare on the same cluster).
# custom:
#   id: argocd-allowed-destination
#   severity: error
deny_destination contains {"msg": msg, "path": concat(".", [spec_path, "destination.namespace"])} if {
	is_argo
	count(allowed) > 0
	ns := object.get(object_or_empty(object.get(app_spec, "destination", {})), "namespace", "")
	is_string(ns)
	not ns in allowed
	msg := sprintf("%s %s deploys to namespace %q, which %s does not allow (allowed: %s)", [input.kind, name, ns, allower, concat(", ", sort(allowed))])
}
