"""Build a connectable target from a registry's stored form."""

from __future__ import annotations

from typing import Any

from chartyard.aws import EcrAuth, parse_ecr_endpoint
from chartyard.oci import BasicCredentials, TLSConfig, parse_endpoint
from chartyard.sources import EcrTarget, RegistryTarget


def build_target(kind: str, spec: dict[str, Any], secrets: dict[str, str],
                 external_id: str) -> RegistryTarget:
    """Return the target for a stored spec and its decrypted secrets."""
    tls = TLSConfig(spec["tls"]["certificate"] or None, spec["tls"]["insecureSkipVerify"])
    bases = tuple(spec.get("baseContentPath", []))
    repos = tuple(spec.get("repositories", []))
    if kind == "basic":
        creds = None
        if spec["auth"]["type"] == "basic" and "password" in secrets:
            creds = BasicCredentials(spec["auth"]["username"], secrets["password"])
        return RegistryTarget("basic", parse_endpoint(spec["endpoint"]), creds, tls, bases, repos)
    ecr_endpoint = parse_ecr_endpoint(spec["endpoint"])
    c = spec["credentials"]
    if not spec["isPrivate"]:
        auth = EcrAuth(kind="anonymous")
    elif c["credentialType"] == "sts":
        auth = EcrAuth(kind="sts", role_arn=c["stsArn"], external_id=external_id)
    else:
        auth = EcrAuth(kind="secret", access_key=c["accessKey"],
                       secret_key=secrets.get("secretKey"))
    return RegistryTarget("ecr", parse_endpoint("https://" + spec["endpoint"]), None, tls,
                          bases, repos, EcrTarget(ecr_endpoint, auth))
