# METADATA
# title: Required labels for cost reporting
# description: >
#   Every resource carries the labels cost reporting groups by. The keys default to
#   app.kubernetes.io/name, team and environment; set data.chartgate.required_labels to change them.
package chartgate_platform.required_labels

import rego.v1

default_keys := ["app.kubernetes.io/name", "team", "environment"]

keys := data.chartgate.required_labels if {
	is_array(data.chartgate.required_labels)
} else := default_keys

labels := object.get(input, ["metadata", "labels"], {})

# METADATA
# title: Required labels for cost reporting
# description: >
#   Every resource carries the labels cost reporting groups by (app.kubernetes.io/name, team,
#   environment by default; configurable through data.chartgate.required_labels).
# custom:
#   id: required-labels
#   severity: error
deny contains {"msg": msg, "path": "metadata.labels"} if {
	is_object(input)
	input.kind
	some key in keys
	not has_label(key)
	msg := sprintf("%s %s is missing the label %q required for cost reporting", [input.kind, object.get(input, ["metadata", "name"], ""), key])
}

has_label(key) if {
	value := labels[key]
	is_string(value)
	value != ""
}
