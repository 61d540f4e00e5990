package chartgate_platform.required_labels_test

import rego.v1

import data.chartgate_platform.required_labels

full := {"kind": "Deployment", "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web", "team": "core", "environment": "prod"}}}

test_all_labels_present if {
	count(required_labels.deny) == 0 with input as full
}

test_missing_team if {
	d := {"kind": "Deployment", "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web", "environment": "prod"}}}
	required_labels.deny == {{"msg": "Deployment web is missing the label \"team\" required for cost reporting", "path": "metadata.labels"}} with input as d
}

test_no_labels_reports_each_key if {
	count(required_labels.deny) == 3 with input as {"kind": "Service", "metadata": {"name": "s"}}
}

test_empty_value_counts_as_missing if {
	d := json.patch(full, [{"op": "replace", "path": "/metadata/labels/team", "value": ""}])
	count(required_labels.deny) == 1 with input as d
}

test_keys_from_data if {
	d := {"kind": "Deployment", "metadata": {"name": "web", "labels": {"owner": "x"}}}
	count(required_labels.deny) == 0 with input as d with data.chartgate.required_labels as ["owner"]
	count(required_labels.deny) == 1 with input as d with data.chartgate.required_labels as ["owner", "cost-center"]
}

# metadata or labels absent, null or empty: every key is missing; no evaluation error.
test_null_and_empty_labels if {
	count(required_labels.deny) == 3 with input as {"kind": "ConfigMap", "metadata": {"name": "c", "labels": null}}
	count(required_labels.deny) == 3 with input as {"kind": "ConfigMap", "metadata": {"name": "c", "labels": {}}}
	count(required_labels.deny) == 3 with input as {"kind": "ConfigMap", "metadata": null}
	count(required_labels.deny) == 3 with input as {"kind": "ConfigMap"}
	count(required_labels.deny) == 0 with input as {"metadata": null}
}

test_generate_name_in_message if {
	d := {"kind": "Job", "metadata": {"generateName": "db-migrate-", "labels": {"app.kubernetes.io/name": "db", "environment": "prod"}}}
	required_labels.deny == {{"msg": "Job db-migrate- is missing the label \"team\" required for cost reporting", "path": "metadata.labels"}} with input as d
}
