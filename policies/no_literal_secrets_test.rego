package chartgate_platform.no_literal_secrets_test

import rego.v1

import data.chartgate_platform.no_literal_secrets

test_secret_with_data if {
	no_literal_secrets.deny == {{"msg": "Secret db has literal data; use an ExternalSecret instead", "path": "data"}} with input as {"kind": "Secret", "metadata": {"name": "db"}, "data": {"password": "cGFzcw=="}}
}

test_secret_with_both if {
	count(no_literal_secrets.deny) == 2 with input as {"kind": "Secret", "metadata": {"name": "db"}, "data": {"a": "b"}, "stringData": {"c": "d"}}
}

test_empty_secret_allowed if {
	count(no_literal_secrets.deny) == 0 with input as {"kind": "Secret", "metadata": {"name": "tls"}, "type": "kubernetes.io/tls"}
}

test_external_secret_allowed if {
	count(no_literal_secrets.deny) == 0 with input as {"kind": "ExternalSecret", "metadata": {"name": "db"}, "spec": {"data": [{"secretKey": "p"}]}}
}

# Optional fields absent, null, empty or of the wrong type: evaluates, and finds nothing.
test_null_and_empty_data_allowed if {
	count(no_literal_secrets.deny) == 0 with input as {"kind": "Secret", "metadata": {"name": "s"}, "data": null, "stringData": null}
	count(no_literal_secrets.deny) == 0 with input as {"kind": "Secret", "metadata": {"name": "s"}, "data": {}, "stringData": {}}
	count(no_literal_secrets.deny) == 0 with input as {"kind": "Secret", "data": "x"}
	count(no_literal_secrets.deny) == 0 with input as {"kind": "Secret"}
}

test_secret_without_name if {
	no_literal_secrets.deny == {{"msg": "Secret  has literal data; use an ExternalSecret instead", "path": "data"}} with input as {"kind": "Secret", "metadata": null, "data": {"a": "b"}}
}

test_sops_encrypted_secret_is_named_so if {
	no_literal_secrets.deny == {{"msg": "Secret db has SOPS-encrypted stringData; use an ExternalSecret instead", "path": "stringData"}} with input as {"kind": "Secret", "metadata": {"name": "db"}, "stringData": {"password": "ENC[AES256_GCM,data:eA==,type:str]"}, "sops": {"mac": "ENC[AES256_GCM,data:eA==,type:str]", "lastmodified": "2026-08-07T12:52:00Z"}}
}
