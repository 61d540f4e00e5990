package chartgate_platform.argocd_test

import rego.v1

import data.chartgate_platform.argocd

ctx := {"environment": "prod", "namespace": "web"}

app(project, ns) := {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "web"}, "spec": {"project": project, "destination": {"namespace": ns}}}

test_good_application if {
	count(argocd.deny) == 0 with input as app("team-web", "web") with data.chartgate.context as ctx
	count(argocd.deny_destination) == 0 with input as app("team-web", "web") with data.chartgate.context as ctx
}

test_default_project_denied if {
	argocd.deny == {{"msg": "Application web uses the ArgoCD project \"default\"; use the team's AppProject", "path": "spec.project"}} with input as app("default", "web") with data.chartgate.context as ctx
}

test_missing_project_is_default if {
	a := json.remove(app("x", "web"), ["spec/project"])
	count(argocd.deny) == 1 with input as a with data.chartgate.context as ctx
}

test_wrong_destination_denied if {
	argocd.deny_destination == {{"msg": "Application web deploys to namespace \"kube-system\", which environment \"prod\" does not allow (allowed: web)", "path": "spec.destination.namespace"}} with input as app("team-web", "kube-system") with data.chartgate.context as ctx
}

test_applicationset_template if {
	appset := {"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet", "metadata": {"name": "envs"}, "spec": {"template": {"spec": {"project": "default", "destination": {"namespace": "other"}}}}}
	{d.path | some d in argocd.deny} == {"spec.template.spec.project"} with input as appset with data.chartgate.context as ctx
	{d.path | some d in argocd.deny_destination} == {"spec.template.spec.destination.namespace"} with input as appset with data.chartgate.context as ctx
}

test_non_argo_ignored if {
	count(argocd.deny) == 0 with input as {"kind": "Application", "apiVersion": "app.k8s.io/v1beta1", "metadata": {"name": "x"}, "spec": {}} with data.chartgate.context as ctx
}

# spec, template or destination absent, null or empty: evaluates; a missing project is "default".
test_null_and_absent_spec if {
	count(argocd.deny) == 1 with input as {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "a"}, "spec": null}
	count(argocd.deny) == 1 with input as {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": null}
	count(argocd.deny) == 1 with input as {"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet", "metadata": {"name": "s"}, "spec": {"template": null}}
	count(argocd.deny) == 0 with input as {"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject", "spec": null}
	count(argocd.deny_destination) == 0 with input as {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "spec": {"destination": null}} with data.chartgate.context as {}
}

# Without an environment and without namespaces declared on the cluster nothing says where
# Applications may deploy: not judged. With cluster namespaces they are.
test_destination_without_environment if {
	a := app("team-web", "guestbook")
	count(argocd.deny_destination) == 0 with input as a with data.chartgate.context as {"namespace": "default"}
	count(argocd.deny_destination) == 1 with input as a with data.chartgate.context as {"namespace": "default", "destinations": ["web"]}
}
