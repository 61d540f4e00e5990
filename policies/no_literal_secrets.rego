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

	# Absent, null, empty or not a map (an invalid Secret the API server rejects anyway): no literal data.
	value := object.get(input, field, {})
	is_object(value)
	count(value) > 0
	msg := sprintf("Secret %s has %s %s; use an ExternalSecret instead", [name, held, field])
}

# A SOPS-encrypted Secret (Flux, KSOPS, helm-secrets decrypt it before applying) still keeps its
# values in the repository, encrypted: said as such.
held := "SOPS-encrypted" if {
	is_object(input.sops)
	is_string(input.sops.mac)
} else := "literal"

name := n if {
	n := input.metadata.name
	is_string(n)
} else := ""
