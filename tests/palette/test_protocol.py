"""HTTP details Palette's clients and schema checks look at: a 405's `Allow` names every
method of the path; answers without content have no body and no Content-Type."""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness.app import Api, basic_body
from tests.palette.checks import content_problem
from tests.profiles.conftest import pack, profile

sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _registry(api: Api) -> str:
    r = api.post("/v1/registries/oci/basic", basic_body("Harbor Prod", "https://r.example.com"),
                 params={"skipValidation": "true"})
    assert r.status_code == 201, r.text
    return str(r.json()["uid"])


@sqlite_only
def test_405_allow_lists_every_method_of_the_path(api: Api) -> None:
    reg = _registry(api)
    uid = api.post("/v1/clusterprofiles", profile("p", [pack("web", "1.0.0", reg, "a: 1\n")]),
                   params={"skipPackValidation": "true"}).json()["uid"]
    cases = {
        ("PATCH", f"/v1/registries/oci/{reg}/basic"): {"GET", "PUT", "DELETE"},
        ("DELETE", "/v1/apiKeys"): {"GET", "POST"},
        ("POST", f"/v1/clusterprofiles/{uid}"): {"GET", "PUT", "DELETE"},
        ("GET", f"/v1/clusterprofiles/{uid}/publish"): {"PATCH"},
        ("PUT", "/v1/registries/helm"): {"GET", "POST"},
    }
    for (method, path), expected in cases.items():
        r = api.client.request(method, path, headers=api.admin)
        assert r.status_code == 405, (method, path, r.text)
        allowed = {m.strip() for m in r.headers["allow"].split(",")}
        assert expected <= allowed and method not in allowed, (path, allowed)
        assert r.json()["code"] == "MethodNotAllowed"


def _check(api: Api, spec: dict[str, Any], method: str, template: str, url: str,
           status: int, **kw: Any) -> None:
    r = api.client.request(method, url, headers=api.admin, **kw)
    assert r.status_code == status, (method, url, r.text)
    problem = content_problem(spec, method, template, r.status_code, r.headers, r.content)
    assert problem is None, (method, url, problem)


@sqlite_only
def test_empty_answers_have_no_body_and_no_content_type(api: Api,
                                                        palette_spec: dict[str, Any]) -> None:
    reg = _registry(api)
    item = "/v1/registries/oci/{uid}/basic"
    body = basic_body("Harbor Prod", "https://r.example.com")
    _check(api, palette_spec, "PUT", item, item.format(uid=reg), 204, json=body,
           params={"skipValidation": "true"})
    _check(api, palette_spec, "POST", item + "/sync", item.format(uid=reg) + "/sync", 202)
    key = api.post("/v1/apiKeys", {"metadata": {"name": "k"}}).json()["uid"]
    _check(api, palette_spec, "PUT", "/v1/apiKeys/{uid}", f"/v1/apiKeys/{key}", 204,
           json={"metadata": {"name": "k2"}, "spec": {"expiry": "2030-01-01T00:00:00.417Z"}})
    _check(api, palette_spec, "PATCH", "/v1/apiKeys/{uid}", f"/v1/apiKeys/{key}", 204,
           json={"isActive": True})
    _check(api, palette_spec, "GET", "/v1/clusterprofiles/validate/name",
           "/v1/clusterprofiles/validate/name", 204, params={"name": "Free Name"})
    created = api.post("/v1/clusterprofiles", profile("p", [pack("web", "1.0.0", reg, "a: 1\n")]),
                       params={"skipPackValidation": "true"})
    _check(api, palette_spec, "POST", "/v1/clusterprofiles", "/v1/clusterprofiles", 201,
           json=profile("q", []))
    uid = created.json()["uid"]
    _check(api, palette_spec, "PATCH", "/v1/clusterprofiles/{uid}/publish",
           f"/v1/clusterprofiles/{uid}/publish", 204)
    _check(api, palette_spec, "DELETE", "/v1/clusterprofiles/{uid}",
           f"/v1/clusterprofiles/{uid}", 204)
    _check(api, palette_spec, "DELETE", item, item.format(uid=reg), 204)
    _check(api, palette_spec, "DELETE", "/v1/apiKeys/{uid}", f"/v1/apiKeys/{key}", 204)
