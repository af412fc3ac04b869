"""The basic kind's models and rules: fast, no network."""

from __future__ import annotations

from typing import Any

import pytest

from chartyard.errors import InvalidInput
from chartyard.oci import BasicCredentials
from chartyard.registries.kinds import get_kind
from chartyard.registries.kinds.basic import BasicStored

KIND = get_kind("basic")
GO_ZERO_TIME = "0001-01-01T00:00:00.000Z"


def sdk_body(**spec: Any) -> dict[str, Any]:
    """Return a body as Palette's Go SDK marshals a v1BasicOciRegistry (omitempty rules)."""
    return {
        "metadata": {"name": "harbor", "creationTimestamp": GO_ZERO_TIME,
                     "deletionTimestamp": GO_ZERO_TIME, "lastModifiedTimestamp": GO_ZERO_TIME,
                     "annotations": None, "labels": None},
        "spec": {"endpoint": "https://harbor.example.com", "containsSpectroManifest": False,
                 "providerType": "helm", "basePath": "/api", "scope": "tenant",
                 "auth": {"type": "basic", "username": "robot", "password": "pw",
                          "tls": {"enabled": True, "insecureSkipVerify": False,
                                  "certificate": "", "ca": "", "key": ""}},
                 **spec},
    }


def normalise(body: dict[str, Any], creating: bool = True) -> Any:
    return KIND.normalise(KIND.parse_body(body), creating=creating)


def test_sdk_body_with_every_extra_field_is_accepted() -> None:
    norm = normalise(sdk_body(baseContentPath="team-a", isSyncSupported=True))
    assert norm.secrets == {"password": "pw"}
    assert norm.spec["auth"] == {"type": "basic", "username": "robot"}
    assert norm.is_sync_supported is True


def test_sync_is_off_when_the_sdk_omits_it() -> None:
    norm = normalise(sdk_body())
    assert norm.is_sync_supported is False


def test_sync_on_needs_a_base_path_or_repository() -> None:
    with pytest.raises(InvalidInput) as err:
        normalise(sdk_body(isSyncSupported=True))
    assert err.value.field == "spec.baseContentPath"
    assert "spec.baseContentPath" in err.value.message


@pytest.mark.parametrize(("given", "text", "paths"), [
    (" team-a , team-b/charts ", " team-a , team-b/charts ", ["team-a", "team-b/charts"]),
    (["team-a", "team-b"], "team-a,team-b", ["team-a", "team-b"]),
    ("/team-a/", "/team-a/", ["team-a"]),
    (None, "", []),
])
def test_base_content_path_is_kept_as_given_and_parsed(given: Any, text: str,
                                                      paths: list[str]) -> None:
    norm = normalise(sdk_body(baseContentPath=given))
    stored = BasicStored.model_validate(norm.spec)
    assert (stored.base_content_path, stored.base_paths) == (text, paths)


def test_bad_base_path_names_its_index() -> None:
    with pytest.raises(InvalidInput) as err:
        normalise(sdk_body(baseContentPath="ok,Bad Path"))
    assert err.value.field == "spec.baseContentPath[1]"


def test_stored_list_from_before_strings_still_loads() -> None:
    stored = BasicStored.model_validate({"endpoint": "h.example.com",
                                         "baseContentPath": ["a", "b"], "repositories": []})
    assert (stored.base_content_path, stored.base_paths) == ("a,b", ["a", "b"])


def test_endpoint_is_kept_as_given() -> None:
    norm = normalise(sdk_body(endpoint=" https://harbor.example.com:443/ "))
    assert BasicStored.model_validate(norm.spec).given_endpoint == \
        " https://harbor.example.com:443/ "  # byte for byte


@pytest.mark.parametrize("provider", ["helm", "zarf", "pack"])
def test_palette_providers_are_stored(provider: str) -> None:
    assert normalise(sdk_body(providerType=provider)).spec["providerType"] == provider


def test_unsupported_provider_is_a_clear_error_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as err:
        normalise(sdk_body(providerType="docker"))
    assert err.value.field == "spec.providerType"
    assert "helm" in err.value.message


def test_token_auth_sends_the_token_as_password() -> None:
    body = sdk_body()
    body["spec"]["auth"] = {"type": "token", "token": "t0k", "tls": {}}
    norm = normalise(body)
    assert norm.secrets == {"password": "t0k"}
    target = KIND.target(norm.spec, norm.secrets, "")
    assert target.credentials == BasicCredentials("token", "t0k")


def test_put_without_password_keeps_the_stored_one() -> None:
    body = sdk_body()
    body["spec"]["auth"]["password"] = ""
    assert normalise(body, creating=False).secrets is None
    with pytest.raises(InvalidInput) as err:
        normalise(body, creating=True)
    assert err.value.field == "spec.auth.password"


def test_tls_ca_is_used_when_certificate_is_empty() -> None:
    body = sdk_body()
    body["spec"]["auth"]["tls"]["ca"] = "not a pem"
    with pytest.raises(InvalidInput) as err:
        normalise(body)
    assert err.value.field == "spec.auth.tls.certificate"


def test_validate_takes_the_bare_spec_or_the_full_body() -> None:
    bare = sdk_body()["spec"]
    assert KIND.parse_spec(bare).spec.endpoint == "https://harbor.example.com"  # type: ignore[attr-defined]
    assert KIND.parse_spec(sdk_body()).metadata.name == "harbor"  # type: ignore[attr-defined]
