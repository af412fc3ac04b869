"""Names Palette accepts work for registries, Helm registries and profiles: kept as given,
unique per tenant ignoring case, and a really invalid name is a 422 that says why."""

from __future__ import annotations

from typing import Any

import pytest

from chartyard.names import k8s_name
from tests.api.test_registries_helm import helm_body
from tests.harness.app import Api, basic_body
from tests.profiles.conftest import pack, profile

NAMES = ["Harbor Prod", "harbor_prod", "ProdAddOns_x", "Bitnami charts", "Équipe données"]
SKIP = {"skipValidation": "true"}


def _create(api: Api, url: str, body: dict[str, Any], **params: str) -> str:
    r = api.post(url, body, params=params or None)
    assert r.status_code == 201, r.text
    return str(r.json()["uid"])


@pytest.mark.parametrize("name", NAMES)
def test_palette_names_work_everywhere(api: Api, name: str) -> None:
    oci = _create(api, "/v1/registries/oci/basic",
                  basic_body(name, "https://registry.example.com"), **SKIP)
    helm = _create(api, "/v1/registries/helm",
                   helm_body(f"{name}_Helm", "https://charts.example.com/stable"), **SKIP)
    assert api.get(f"/v1/registries/oci/{oci}/basic").json()["metadata"]["name"] == name
    assert api.get(f"/v1/registries/helm/{helm}").json()["metadata"]["name"] == f"{name}_Helm"
    drop_down = api.get("/v1/registries/metadata").json()["items"]
    assert sorted(i["name"] for i in drop_down) == [name, f"{name}_Helm"]

    body = profile(name, [pack("web", "1.0.0", oci, "a: 1\n")])
    uid = _create(api, "/v1/clusterprofiles", body, skipPackValidation="true")
    got = api.get(f"/v1/clusterprofiles/{uid}").json()
    assert got["metadata"]["name"] == name
    r = api.get("/v1/clusterprofiles/validate/name", params={"name": name.upper()})
    assert r.status_code == 409, r.text

    export = api.get(f"/v1/clusterprofiles/{uid}/export", params={"format": "flux"})
    assert export.status_code == 200, export.text
    assert f"name: {k8s_name(name, 'web')}\n" in export.text
    assert f"name: {k8s_name(name, 'auth')}\n" not in export.text  # noAuth: no secret
    assert name not in export.text.replace(f"'{name}'", "")  # only where a string may be


def test_names_are_unique_ignoring_case(api: Api) -> None:
    _create(api, "/v1/registries/oci/basic",
            basic_body("Harbor Prod", "https://registry.example.com"), **SKIP)
    for url, body in (
            ("/v1/registries/oci/basic", basic_body("HARBOR prod", "https://r.example.com")),
            ("/v1/registries/oci/basic", basic_body("harbor prod", "https://r.example.com"))):
        r = api.post(url, body, params=SKIP)
        assert r.status_code == 409, r.text
        assert r.json()["details"]["field"] == "metadata.name"
        assert "ignoring case" in r.json()["message"]
    # Helm registries share the tenant's registry names.
    r = api.post("/v1/registries/helm", helm_body("harbor PROD", "https://c.example.com"),
                 params=SKIP)
    assert r.status_code == 409, r.text
    # Renaming a registry to another case of its own name is fine.
    uid = _create(api, "/v1/registries/oci/basic",
                  basic_body("Team", "https://registry.example.com"), **SKIP)
    r = api.put(f"/v1/registries/oci/{uid}/basic",
                basic_body("TEAM", "https://registry.example.com"), params=SKIP)
    assert r.status_code == 204, r.text

    oci = api.get("/v1/registries/metadata").json()["items"][0]["uid"]
    first = profile("Prod AddOns", [pack("web", "1.0.0", oci, "a: 1\n")])
    uid = _create(api, "/v1/clusterprofiles", first, skipPackValidation="true")
    r = api.post("/v1/clusterprofiles", profile("prod addons", [pack("web", "1.0.0", oci)]),
                 params={"skipPackValidation": "true"})
    assert r.status_code == 409, r.text
    # Another version of the same name (in any case) is another profile.
    _create(api, "/v1/clusterprofiles",
            profile("PROD ADDONS", [pack("web", "1.0.0", oci, "a: 1\n")], version="2.0.0"),
            skipPackValidation="true")
    versions = api.get(f"/v1/clusterprofiles/{uid}").json()["spec"]["versions"]
    assert [v["version"] for v in versions] == ["2.0.0", "1.0.0"]


@pytest.mark.parametrize(("name", "why"), [
    ("", "empty"), ("  ", "blank"), ("x" * 256, "256 characters"),
    ("line\nbreak", "U+000A"), ("nul\x00", "U+0000"), ("bidi\u202eeman", "U+202E")])
def test_really_invalid_names_say_why(api: Api, name: str, why: str) -> None:
    for url, body, params in (
            ("/v1/registries/oci/basic", basic_body(name, "https://r.example.com"), SKIP),
            ("/v1/registries/helm", helm_body(name, "https://c.example.com"), SKIP),
            ("/v1/clusterprofiles", profile(name, []), None)):
        r = api.post(url, body, params=params)
        assert r.status_code == 422, (url, r.text)
        assert r.json()["details"]["field"] == "metadata.name", r.text
        assert why in r.json()["message"], r.text
    r = api.get("/v1/clusterprofiles/validate/name", params={"name": name})
    assert r.status_code == 422, r.text
