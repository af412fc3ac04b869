"""The client's request bodies meet the server's own schemas and rules; error decoding."""

from __future__ import annotations

import httpx
import pytest

from chartyard.client import (
    ApiError,
    ChartyardClient,
    ServerUnreachable,
    basic_registry_body,
    ecr_registry_body,
    pack,
    profile_body,
    writable,
)
from chartyard.profiles.schemas import ProfileBody
from chartyard.registries.kinds import get_kind

ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
BASIC, EC = get_kind("basic"), get_kind("ecr")


def test_basic_bodies_pass_the_server_rules() -> None:
    body = basic_registry_body("harbor", "https://harbor.example.com", username="robot",
                               password="pw", base_paths=["team-a"], repositories=["x/y"])
    norm = BASIC.normalise(BASIC.parse_body(body), creating=True)
    assert norm.secrets == {"password": "pw"}
    assert norm.spec["auth"] == {"type": "basic", "username": "robot"}
    assert (norm.spec["basePaths"], norm.spec["repositories"]) == (["team-a"], ["x/y"])

    anonymous = basic_registry_body("ghcr", "ghcr.io/org/charts", sync=False)
    norm = BASIC.normalise(BASIC.parse_body(anonymous), creating=True)
    assert (norm.secrets, norm.is_sync_supported) == ({}, False)


def test_ecr_bodies_pass_the_server_rules() -> None:
    keys = ecr_registry_body("ecr", ECR, access_key="AKIA0000", secret_key="s3cret",
                             base_paths=["charts"])
    norm = EC.normalise(EC.parse_body(keys), creating=True)
    assert norm.secrets == {"secretKey": "s3cret"}
    assert norm.spec["credentials"]["accessKey"] == "AKIA0000"

    role = "arn:aws:iam::123456789012:role/chartyard"
    sts = ecr_registry_body("ecr-sts", ECR, role_arn=role, sync=False)
    norm = EC.normalise(EC.parse_body(sts), creating=True)
    assert norm.spec["credentials"] == {"credentialType": "sts", "accessKey": "",
                                        "stsArn": role, "partition": ""}

    public = ecr_registry_body("ecr-public", "public.ecr.aws/acme", public=True, sync=False)
    norm = EC.normalise(EC.parse_body(public), creating=True)
    assert norm.spec["isPrivate"] is False and norm.secrets == {}


def test_profile_body_and_a_fetched_profile_are_accepted_back() -> None:
    body = profile_body("web", description="d", packs=[pack("nginx", "1.0.0", "r1"),
                                                        pack("x", "2.0.0", "r2", private=True)])
    ProfileBody.model_validate(body)
    fetched = {**body, "metadata": {**body["metadata"], "uid": "u1",
                                    "creationTimestamp": "2024-01-01T00:00:00Z"},
               "status": {"installOrder": ["nginx", "x"]}}
    fetched["spec"]["template"]["packs"][0].update(packUid="p", isInvalid=False, digest="d")
    out = writable(fetched)
    ProfileBody.model_validate(out)
    assert "uid" not in out["metadata"] and "status" not in out
    assert out["spec"]["template"]["packs"][1]["source"] == "private"
    assert "packUid" not in out["spec"]["template"]["packs"][0]


def test_errors_decode_json_and_tolerate_other_bodies() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/registries/oci/summary":
            return httpx.Response(403, json={"code": "Forbidden", "message": "no",
                                             "details": {"field": "x"}})
        return httpx.Response(502, text="<html>bad gateway</html>")

    with ChartyardClient("http://cy.test", api_key="k",
                         transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(ApiError) as err:
            client.registries.list()
        assert (err.value.status, err.value.code, err.value.field) == (403, "Forbidden", "x")
        with pytest.raises(ApiError) as err:
            client.profiles.get("u")
        assert (err.value.status, err.value.code) == (502, "HTTP502")
        assert "bad gateway" in err.value.message


def test_unreachable_server_is_an_api_error() -> None:
    with ChartyardClient("http://127.0.0.1:9", token="t", timeout=2) as client, \
            pytest.raises(ServerUnreachable) as err:
        client.auth.me()
    assert err.value.code == "ServerUnreachable" and err.value.status == 0
    with pytest.raises(ValueError, match="not both"):
        ChartyardClient("http://x", token="t", api_key="k")
