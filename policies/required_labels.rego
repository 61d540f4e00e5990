# METADATA
# title: Required labels for cost reporting
# description: >
#   Every resource carries the labels cost reporting groups by. The keys default to
#   app.kubernetes.io/name, team and environment; set data.chartgate.required_labels to change them.
package chartgate_platform.required_labels

import rego.v1

keys := data.chartgate.required_labels if {
	is_array(data.chartgate.required_labels)
} else := ["app.kubernetes.io/name", "team", "environment"]

# METADATA
# title: Required labels for cost reporting
# description: >
#   Every resource carries the labels cost reporting groups by (app.kubernetes.io/name, team,
#   environment by default; configurable through data.chartgate.required_labels).
# custom:
#   id: required-labels
#   severity: error
deny contains {"msg": msg, "path": "metadata.labels"} if {
	kind := input.kind
	labels := object.get(input, ["metadata", "labels"], {})
	some key in keys

	# Missing, or empty: `labels[key] != ""` is undefined for a missing key.
	not labels[key] != ""
	msg := sprintf("%s %s is missing the label %q required for cost reporting", [kind, name, key])
}

# metadata.name, else the generateName prefix of an object the API server names (a Helm hook Job).
name := n if {
	n := input.metadata.name
	is_string(n)
} else := n if {
	n := input.metadata.generateName
	is_string(n)
} else := ""
