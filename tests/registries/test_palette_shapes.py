"""Registry bodies as Palette's Go SDK sends them, and responses checked against Palette's spec."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.harness.app import Api

DEFINITIONS = json.loads(
    (Path(__file__).parent / "palette_registry_definitions.json").read_text())["definitions"]
GO_ZERO_TIME = "0001-01-01T00:00:00.000Z"
ECR_ENDPOINT = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"


def assert_palette(definition: str, body: Any) -> None:
    """Validate a response against one of Palette's response definitions."""
    schema = {"$ref": f"#/definitions/{definition}", "definitions": DEFINITIONS}
    jsonschema.validate(body, schema)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sdk_basic(name: str, endpoint: str, **spec: Any) -> dict[str, Any]:
    """A v1BasicOciRegistry as the Go SDK marshals it: zero times, omitempty falses dropped."""
    return {
        "metadata": {"name": name, "creationTimestamp": GO_ZERO_TIME,
                     "deletionTimestamp": GO_ZERO_TIME, "lastModifiedTimestamp": GO_ZERO_TIME},
        "spec": {"endpoint": endpoint, "containsSpectroManifest": False, "providerType": "helm",
                 "auth": {"type": "noAuth",
                          "tls": {"enabled": True, "insecureSkipVerify": False}},
                 **spec},
    }


def sdk_ecr(name: str, **spec: Any) -> dict[str, Any]:
    """A v1EcrRegistry as the Go SDK marshals it."""
    return {
        "metadata": {"name": name, "creationTimestamp": GO_ZERO_TIME},
        "spec": {"endpoint": ECR_ENDPOINT, "isPrivate": True, "containsSpectroManifest": False,
                 "defaultRegion": "eu-west-1", "providerType": "helm",
                 "credentials": {"credentialType": "secret", "accessKey": "AKIA0000",
                                 "secretKey": "s3cret", "policyARNs": None, "partition": "aws",
                                 "sts": None},
                 "tls": {"enabled": True, "insecureSkipVerify": False},
                 **spec},
    }


def create(api: Api, kind: str, body: dict[str, Any]) -> str:
    r = api.post(f"/v1/registries/oci/{kind}?skipValidation=true", body)
    assert r.status_code == 201, r.text
    assert_palette("v1Uid", r.json())
    return str(r.json()["uid"])


def test_basic_round_trip_without_drift(api: Api) -> None:
    endpoint = "https://Harbor.example.com:443/"
    uid = create(api, "basic", sdk_basic("palette-basic", endpoint, isSyncSupported=True,
                                         baseContentPath=" team-a, team-b ",
                                         basePath="/api/v2.0"))
    got = api.get(f"/v1/registries/oci/{uid}/basic").json()
    assert_palette("v1BasicOciRegistry", got)
    assert got["spec"]["endpoint"] == endpoint
    assert got["spec"]["baseContentPath"] == " team-a, team-b "  # byte for byte
    assert got["spec"]["isSyncSupported"] is True

    r = api.put(f"/v1/registries/oci/{uid}/basic?skipValidation=true", got)
    assert r.status_code == 204, r.text  # the GET body goes back as a PUT
    again = api.get(f"/v1/registries/oci/{uid}/basic").json()
    assert again["spec"] == got["spec"]


def test_sync_is_off_when_omitted(api: Api) -> None:
    uid = create(api, "basic", sdk_basic("sync-omitted", "https://r.example.com"))
    got = api.get(f"/v1/registries/oci/{uid}/basic").json()
    assert got["spec"]["isSyncSupported"] is False
    assert got["status"]["syncStatus"]["isSyncSupported"] is False


def test_sync_on_without_paths_names_base_content_path(api: Api) -> None:
    r = api.post("/v1/registries/oci/basic", sdk_basic("x", "https://r.example.com",
                                                      isSyncSupported=True))
    assert r.status_code == 422
    assert r.json()["details"]["field"] == "spec.baseContentPath"


def test_provider_zarf_is_stored_and_unknown_providers_name_the_field(api: Api) -> None:
    uid = create(api, "basic", sdk_basic("zarf", "https://r.example.com", providerType="zarf"))
    assert api.get(f"/v1/registries/oci/{uid}/basic").json()["spec"]["providerType"] == "zarf"
    r = api.post("/v1/registries/oci/basic", sdk_basic("docker", "https://r.example.com",
                                                      providerType="docker"))
    assert r.status_code == 422
    assert r.json()["details"]["field"] == "spec.providerType"
    assert "zarf" in r.json()["message"]


@pytest.mark.parametrize("wrap", [False, True], ids=["bare-spec", "metadata-and-spec"])
def test_validate_takes_the_bare_spec(api: Api, wrap: bool) -> None:
    body = sdk_basic("v", f"http://127.0.0.1:{closed_port()}")
    r = api.post("/v1/registries/oci/basic/validate", body if wrap else body["spec"])
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "RegistryUnreachable"


def test_token_auth_is_accepted_and_never_returned(api: Api) -> None:
    body = sdk_basic("tok", "https://ghcr.io/org/charts")
    body["spec"]["auth"] = {"type": "token", "token": "ghp_secret", "tls": {}}
    uid = create(api, "basic", body)
    got = api.get(f"/v1/registries/oci/{uid}/basic").json()
    assert got["spec"]["auth"]["type"] == "token"
    assert got["spec"]["auth"]["password"] == "" and got["spec"]["auth"]["passwordSet"] is True
    assert "ghp_secret" not in json.dumps(got)


def test_ecr_round_trip_and_pod_identity(api: Api) -> None:
    uid = create(api, "ecr", sdk_ecr("palette-ecr"))
    got = api.get(f"/v1/registries/oci/{uid}/ecr").json()
    assert_palette("v1EcrRegistry", got)
    assert got["spec"]["credentials"]["secretKey"] == ""
    assert got["spec"]["credentials"]["secretKeySet"] is True
    assert got["spec"]["defaultRegion"] == "eu-west-1"
    assert api.put(f"/v1/registries/oci/{uid}/ecr?skipValidation=true", got).status_code == 204

    pod = create(api, "ecr", sdk_ecr("pod-ecr", credentials={"credentialType": "pod-identity"}))
    got = api.get(f"/v1/registries/oci/{pod}/ecr").json()
    assert got["spec"]["credentials"]["credentialType"] == "pod-identity"


def test_any_kind_by_uid_summary_and_metadata_match_palette(api: Api) -> None:
    basic = create(api, "basic", sdk_basic("any-basic", "https://r.example.com"))
    ecr = create(api, "ecr", sdk_ecr("any-ecr"))
    for uid, kind in ((basic, "basic"), (ecr, "ecr")):
        entity = api.get(f"/v1/registries/oci/{uid}").json()
        assert_palette("v1OciRegistryEntity", entity)
        assert entity["type"] == kind and entity["uid"] == uid

    summary = api.get("/v1/registries/oci/summary").json()
    assert_palette("v1OciRegistries", summary)
    assert {i["metadata"]["uid"] for i in summary["items"]} >= {basic, ecr}
    assert all("sync" in i["status"] for i in summary["items"])

    meta = api.get("/v1/registries/metadata").json()
    assert_palette("v1RegistriesMetadata", meta)
    assert all(i["isDefault"] is False for i in meta["items"])
    assert api.get("/v1/registries/metadata?scope=tenant").json() == meta
    assert api.get("/v1/registries/metadata?scope=system").json() == {"items": []}


def test_openapi_describes_typed_registry_responses(api: Api) -> None:
    spec = api.get("/openapi.json").json()
    get_basic = spec["paths"]["/v1/registries/oci/{uid}/basic"]["get"]
    schema = get_basic["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema.get("$ref", "").endswith("BasicRegistryResponse")
    validate = spec["paths"]["/v1/registries/oci/basic/validate"]["post"]
    body = validate["requestBody"]["content"]["application/json"]["schema"]
    assert "endpoint" in body["properties"] and "metadata" not in body["properties"]
