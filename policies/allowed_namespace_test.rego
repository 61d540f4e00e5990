package chartgate_platform.allowed_namespace_test

import rego.v1

import data.chartgate_platform.allowed_namespace

cm(ns) := {"kind": "ConfigMap", "metadata": {"name": "c", "namespace": ns}}

test_release_namespace_allowed if {
	count(allowed_namespace.deny) == 0 with input as cm("web") with data.chartgate.context as {"environment": "prod", "namespace": "web"}
}

test_other_namespace_denied if {
	allowed_namespace.deny == {{"msg": "ConfigMap c uses namespace \"kube-system\", which environment \"prod\" does not allow (allowed: web)", "path": "metadata.namespace"}} with input as cm("kube-system") with data.chartgate.context as {"environment": "prod", "namespace": "web"}
}

# A render without an environment (a chart checked with its defaults) names no environment "".
test_no_environment_message if {
	allowed_namespace.deny == {{"msg": "ConfigMap c uses namespace \"argocd\", which the render without an environment (release namespace only) does not allow (allowed: default)", "path": "metadata.namespace"}} with input as cm("argocd") with data.chartgate.context as {"namespace": "default"}
}

test_environment_list_from_data if {
	ctx := {"environment": "dev", "namespace": "web"}
	envs := {"dev": ["web", "web-preview"]}
	count(allowed_namespace.deny) == 0 with input as cm("web-preview") with data.chartgate.context as ctx with data.chartgate.allowed_namespaces as envs
	count(allowed_namespace.deny) == 1 with input as cm("other") with data.chartgate.context as ctx with data.chartgate.allowed_namespaces as envs
}

test_no_namespace_field_ok if {
	count(allowed_namespace.deny) == 0 with input as {"kind": "ConfigMap", "metadata": {"name": "c"}} with data.chartgate.context as {"environment": "prod", "namespace": "web"}
}

# metadata or namespace absent, null or empty: nothing to check; no evaluation error.
test_null_and_absent_namespace if {
	count(allowed_namespace.deny) == 0 with input as {"kind": "ConfigMap", "metadata": {"name": "c", "namespace": null}} with data.chartgate.context as {"namespace": "team"}
	count(allowed_namespace.deny) == 0 with input as {"kind": "ConfigMap", "metadata": null} with data.chartgate.context as {"namespace": "team"}
	count(allowed_namespace.deny) == 0 with input as {"kind": "ConfigMap"} with data.chartgate.context as {"namespace": "team"}
	count(allowed_namespace.deny) == 0 with input as {"kind": "ConfigMap", "metadata": {"namespace": "x"}} with data.chartgate.context as {}
}

# Argo CD objects in a render without an environment: their namespace is Argo CD's.
test_argo_cd_objects_without_environment if {
	app := {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "a", "namespace": "argocd"}}
	count(allowed_namespace.deny) == 0 with input as app with data.chartgate.context as {"namespace": "default"}
	count(allowed_namespace.deny) == 1 with input as app with data.chartgate.context as {"environment": "prod", "namespace": "web"}
}
