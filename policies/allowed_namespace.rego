package chartgate_platform.allowed_namespace

import rego.v1

# The namespaces an environment allows: data.chartgate.allowed_namespaces[<environment>] when set,
# else the namespace chartgate deploys the release to (data.chartgate.context.namespace).
# One complete rule (not a set built by two rules) so each evaluation reads the data document once.
allowed := {ns | some ns in list} if {
	list := data.chartgate.allowed_namespaces[data.chartgate.context.environment]
} else := {data.chartgate.context.namespace}

# The environment's name ("" for plain manifests). Policies name the context's fields
# (data.chartgate.context.environment) rather than the whole object: chartgate then gives the
# engine only those fields and keeps one prepared engine per distinct context.
environment := e if {
	e := data.chartgate.context.environment
} else := ""

# Who allows the namespaces, for messages: the environment, or, for a render without one
# (a chart checked with its defaults, a plain manifest), its release namespace.
allower := sprintf("environment %q", [environment]) if {
	environment != ""
} else := "the render without an environment (release namespace only)"

# METADATA
# title: Namespace must be allowed in the environment
# description: >
#   A resource that sets metadata.namespace must use a namespace the environment allows
#   (data.chartgate.allowed_namespaces per environment, else the release namespace).
# custom:
#   id: allowed-namespace
#   severity: error
deny contains {"msg": msg, "path": "metadata.namespace"} if {
	ns := input.metadata.namespace
	is_string(ns)
	ns != ""
	count(allowed) > 0
	not ns in allowed
	not argo_cd_object_without_environment
	msg := sprintf("%s %s uses namespace %q, which %s does not allow (allowed: %s)", [input.kind, name, ns, allower, concat(", ", sort(allowed))])
}

# metadata.name, else the generateName prefix of an object the API server names (a Helm hook Job).
name := n if {
	n := input.metadata.name
	is_string(n)
} else := n if {
	n := input.metadata.generateName
	is_string(n)
} else := ""

# Argo CD's own objects live in Argo CD's namespace, not the release's: without an environment
# (whose list would name that namespace) the release namespace says nothing about them.
argo_cd_object_without_environment if {
	environment == ""
	startswith(object.get(input, "apiVersion", ""), "argoproj.io/")
	object.get(input, "kind", "") in {"Application", "ApplicationSet", "AppProject"}
}
