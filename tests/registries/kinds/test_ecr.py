"""The ecr kind's models and rules: fast, no network."""

from __future__ import annotations

from typing import Any

import pytest

from chartyard.errors import InvalidInput
from chartyard.registries.kinds import get_kind
from chartyard.registries.kinds.ecr import EcrStored

KIND = get_kind("ecr")
ENDPOINT = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"


def sdk_body(credentials: dict[str, Any] | None = None, **spec: Any) -> dict[str, Any]:
    """Return a body as Palette's Go SDK marshals a v1EcrRegistry."""
    creds = credentials or {"credentialType": "secret", "accessKey": "AKIA0000",
                            "secretKey": "s3cret"}
    return {
        "metadata": {"name": "ecr", "creationTimestamp": "0001-01-01T00:00:00.000Z"},
        "spec": {"endpoint": ENDPOINT, "isPrivate": True, "containsSpectroManifest": False,
                 "defaultRegion": "eu-west-1", "providerType": "helm",
                 "credentials": {"policyARNs": None, "partition": "aws", "sts": None, **creds},
                 "tls": {"enabled": True, "insecureSkipVerify": False, "certificate": ""},
                 **spec},
    }


def normalise(body: dict[str, Any], creating: bool = True) -> Any:
    return KIND.normalise(KIND.parse_body(body), creating=creating)


def test_sdk_body_is_accepted_and_region_and_partition_stored() -> None:
    norm = normalise(sdk_body())
    stored = EcrStored.model_validate(norm.spec)
    assert (stored.default_region, stored.credentials.partition) == ("eu-west-1", "aws")
    assert norm.secrets == {"secretKey": "s3cret"}
    assert norm.is_sync_supported is False


def test_pod_identity_uses_the_servers_own_identity() -> None:
    norm = normalise(sdk_body({"credentialType": "pod-identity",
                               "podIdentity": {"roleArn": "arn:aws:iam::1:role/x"}}))
    target = KIND.target(norm.spec, norm.secrets or {}, "ext")
    assert target.ecr is not None and target.ecr.auth.kind == "default"


def test_sts_needs_a_role_arn() -> None:
    with pytest.raises(InvalidInput) as err:
        normalise(sdk_body({"credentialType": "sts", "sts": {"arn": "nope"}}))
    assert err.value.field == "spec.credentials.sts.arn"


def test_scheme_is_removed_with_a_notice() -> None:
    norm = normalise(sdk_body(endpoint=f" https://{ENDPOINT}/ "))
    assert norm.endpoint == ENDPOINT and norm.notice
    assert EcrStored.model_validate(norm.spec).endpoint == ENDPOINT


def test_secret_key_omitted_on_put_keeps_the_stored_one() -> None:
    body = sdk_body({"credentialType": "secret", "accessKey": "AKIA0000"})
    assert normalise(body, creating=False).secrets is None
