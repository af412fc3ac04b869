"""The helm kind's models and rules: fast, no network."""

from __future__ import annotations

from typing import Any

import pytest

from chartyard.errors import InvalidInput
from chartyard.oci import BasicCredentials
from chartyard.registries.families import family_of_kind
from chartyard.registries.kinds import get_kind
from chartyard.registries.kinds.cli import spec_from_cli
from chartyard.registries.kinds.helm import HelmStored
from chartyard.sources import HelmRepoTarget

KIND = get_kind("helm")
GO_ZERO_TIME = "0001-01-01T00:00:00.000Z"


def sdk_body(**spec: Any) -> dict[str, Any]:
    """Return a body as Palette's Go SDK marshals a v1HelmRegistryEntity."""
    return {
        "metadata": {"name": "bitnami", "creationTimestamp": GO_ZERO_TIME, "labels": None},
        "spec": {"endpoint": "https://charts.example.com/stable", "isPrivate": True,
                 "name": "bitnami", "scope": "tenant",
                 "createOption": {"skipSync": False, "charts": [{"name": "x", "version": "1"}]},
                 "auth": {"type": "basic", "username": "robot", "password": "pw",
                          "tls": {"enabled": True, "insecureSkipVerify": False,
                                  "certificate": "", "ca": "", "key": ""}},
                 **spec},
    }


def normalise(body: dict[str, Any], creating: bool = True) -> Any:
    return KIND.normalise(KIND.parse_body(body), creating=creating)


def test_sdk_body_is_accepted_and_sync_is_on_by_default() -> None:
    norm = normalise(sdk_body())
    assert norm.secrets == {"password": "pw"}
    assert norm.is_sync_supported is True
    stored = HelmStored.model_validate(norm.spec)
    assert stored.endpoint == "https://charts.example.com/stable/"
    assert stored.given_endpoint == "https://charts.example.com/stable"
    assert (stored.auth.type, stored.auth.username) == ("basic", "robot")


@pytest.mark.parametrize(("spec", "sync"), [
    ({"createOption": {"skipSync": True}}, False),
    ({"createOption": None}, True),
    ({"isSyncSupported": False}, False),
    ({"isSyncSupported": True, "createOption": {"skipSync": True}}, True),
])
def test_synchronization_switch(spec: dict[str, Any], sync: bool) -> None:
    assert normalise(sdk_body(**spec)).is_sync_supported is sync


def test_bad_endpoint_names_the_field() -> None:
    for endpoint in ("oci://ghcr.io/org/charts", "https://u:p@charts.example.com", ""):
        with pytest.raises(InvalidInput) as err:
            normalise(sdk_body(endpoint=endpoint))
        assert err.value.field == "spec.endpoint"


def test_secrets_required_on_create_and_kept_on_update() -> None:
    body = sdk_body()
    body["spec"]["auth"]["password"] = None
    with pytest.raises(InvalidInput) as err:
        normalise(body)
    assert err.value.field == "spec.auth.password"
    assert normalise(body, creating=False).secrets is None
    anonymous = normalise(sdk_body(auth={"type": "noAuth", "username": "ignored"}))
    assert anonymous.secrets == {}
    # Kept as sent, and not used: noAuth sends no credentials.
    assert HelmStored.model_validate(anonymous.spec).auth.username == "ignored"
    assert KIND.target(anonymous.spec, {}, "ext").credentials is None


def test_target_credentials_tls_and_pass_credentials() -> None:
    norm = normalise(sdk_body(passCredentialsAll=True))
    target = KIND.target(norm.spec, {"password": "pw"}, "ext")
    assert isinstance(target, HelmRepoTarget)
    assert target.url == "https://charts.example.com/stable/"
    assert target.credentials == BasicCredentials("robot", "pw")
    assert target.pass_credentials_all_domains is True


def test_cli_and_form_round_trip() -> None:
    spec = spec_from_cli(KIND, {"endpoint": "https://c.example.com", "username": "u",
                                "pass_credentials": True, "ca_pem": "", "insecure": True},
                         lambda _stdin, _prompt: "secret")
    assert spec["auth"] == {"type": "basic", "username": "u", "password": "secret",
                            "tls": {"certificate": "", "insecureSkipVerify": True}}
    assert spec["passCredentialsAll"] is True
    typed = {"helmAuth": "noAuth", "username": "u", "password": "typed",
             "passCredentialsAll": "on"}
    values = KIND.form.read(typed.get)  # "No Authentication" drops what was typed
    assert values == {"helmAuth": "noAuth", "username": "", "password": "",
                      "passCredentialsAll": False}
    spec = KIND.form.spec(values, "", False)
    KIND.finish_form_spec(spec, values)
    assert spec["auth"] == {"type": "noAuth", "username": "", "password": None,
                            "tls": {"certificate": "", "insecureSkipVerify": False}}
    values = KIND.form.read({**typed, "helmAuth": "basic"}.get)
    spec = KIND.form.spec(values, "", True)
    KIND.finish_form_spec(spec, values)
    assert spec["auth"]["type"] == "basic" and spec["passCredentialsAll"] is True


def test_family_paths_and_pack_type() -> None:
    assert (KIND.family, family_of_kind(KIND).pack_type) == ("helm", "helm")
    assert KIND.collection_path == "/helm"
    assert KIND.item_path.format(uid="u1") == "/helm/u1"
    assert not KIND.has_base_paths
