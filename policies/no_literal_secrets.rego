package chartgate_platform.no_literal_secrets

import rego.v1

# METADATA
# title: No Secret with literal data
# description: >
#   Secret values must not live in the repository. Use an ExternalSecret that reads them from the
#   secret store instead of a Secret with data or stringData.
# custom:
#   id: no-literal-secrets
#   severity: error
deny contains {"msg": msg, "path": field} if {
	input.kind == "Secret"
	some field in ["data", "stringData"]
	count(object.get(input, field, {})) > 0
	msg := sprintf("Secret %s has literal %s; use an ExternalSecret instead", [object.get(input, ["metadata", "name"], ""), field])
}
