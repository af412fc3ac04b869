"""Basic/anonymous OCI registries through the API, against real registries with real helm."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from chartyard.auth.roles import Role
from tests.harness.app import Api, basic_body
from tests.harness.helm import Helm
from tests.harness.registry import RegistryServer


@pytest.fixture
def tls_chart(tls_registry: RegistryServer, helm: Helm, chart_factory: Any,
              unique_repo_prefix: str) -> str:
    """Push a chart with real helm into the TLS registry; return its base path."""
    path = chart_factory.write("podinfo", "6.5.0")
    helm.push(path, f"{tls_registry.oci_url}/{unique_repo_prefix}", ca_file=tls_registry.ca_file,
              username=tls_registry.username, password=tls_registry.password)
    return unique_repo_prefix


def _tls_body(reg: RegistryServer, base: str, **kw: Any) -> dict[str, Any]:
    options: dict[str, Any] = {"username": reg.username, "password": reg.password,
                               "ca": reg.ca_pem or "", "sync": True, "base": [base]}
    options.update(kw)
    return basic_body(kw.pop("name", "harbor-prod"), reg.url, **options)


def test_create_with_ca_and_credentials_hides_password(api: Api, tls_registry: RegistryServer,
                                                        tls_chart: str) -> None:
    r = api.post("/v1/registries/oci/basic", _tls_body(tls_registry, tls_chart))
    assert r.status_code == 201, r.text
    uid = r.json()["uid"]
    got = api.get(f"/v1/registries/oci/{uid}/basic").json()
    assert got["spec"]["auth"]["password"] == ""
    assert got["spec"]["auth"]["passwordSet"] is True
    assert got["spec"]["auth"]["username"] == tls_registry.username
    assert tls_registry.password not in r.text + str(got)
    assert got["spec"]["baseContentPath"] == tls_chart  # a string, as in Palette
    assert got["status"]["syncStatus"]["status"] == "Pending"


def test_validate_wrong_password_is_authentication_failed(
        api: Api, tls_registry: RegistryServer, tls_chart: str) -> None:
    body = _tls_body(tls_registry, tls_chart, password="wrong-password")
    r = api.post("/v1/registries/oci/basic/validate", body)
    assert r.status_code == 422
    assert r.json()["code"] == "AuthenticationFailed"
    assert "password" in r.json()["message"]


def test_validate_without_ca_is_tls_failure_naming_the_certificate(
        api: Api, tls_registry: RegistryServer, tls_chart: str) -> None:
    r = api.post("/v1/registries/oci/basic/validate", _tls_body(tls_registry, tls_chart, ca=""))
    assert r.status_code == 422
    err = r.json()
    assert err["code"] == "TLSVerificationFailed"
    assert "Insecure Skip TLS Verify" in err["message"] or "insecure" in err["message"].lower()
    assert "subject" in err["details"] and "issuer" in err["details"]
    assert "chartyard-test" in str(err["details"]).lower() or err["details"]["issuer"]


def test_validate_insecure_skip_verify_succeeds(api: Api, tls_registry: RegistryServer,
                                                tls_chart: str) -> None:
    body = _tls_body(tls_registry, tls_chart, ca="", insecure=True)
    assert api.post("/v1/registries/oci/basic/validate", body).status_code == 204


def test_plain_http_anonymous_validates(api: Api, plain_registry: RegistryServer,
                                       helm: Helm, chart_factory: Any,
                                       unique_repo_prefix: str) -> None:
    helm.push(chart_factory.write("redis", "1.0.0"),
              f"{plain_registry.oci_url}/{unique_repo_prefix}", plain_http=True)
    body = basic_body("plain", plain_registry.url, sync=True, base=[unique_repo_prefix])
    assert api.post("/v1/registries/oci/basic/validate", body).status_code == 204


@pytest.mark.parametrize(
    ("username", "repos", "expected"),
    [
        ("alice", ["private/app"], 204),
        ("", ["public/app"], 204),
        ("", ["private/app"], "AuthenticationFailed"),
    ],
)
def test_token_auth_bearer_flow(api: Api, token_registry: RegistryServer, helm: Helm,
                                chart_factory: Any, username: str, repos: list[str],
                                expected: int | str) -> None:
    path = chart_factory.write("app", "0.1.0")
    for prefix in ("public", "private"):
        helm.push(path, f"{token_registry.oci_url}/{prefix}", plain_http=True,
                  username=token_registry.username, password=token_registry.password)
    body = basic_body("tok", token_registry.url, username=username,
                      password=token_registry.password if username else None, repos=repos)
    r = api.post("/v1/registries/oci/basic/validate", body)
    if isinstance(expected, int):
        assert r.status_code == expected, r.text
    else:
        assert r.json()["code"] == expected, r.text


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b["spec"].update(providerType="docker"), "spec.providerType"),
        (lambda b: b["spec"].update(endpoint="ftp://x.example"), "spec.endpoint"),
        (lambda b: b["spec"].update(isSyncSupported=True, baseContentPath=[]),
         "spec.baseContentPath"),
        (lambda b: b["spec"]["auth"]["tls"].update(certificate="not a cert"),
         "spec.auth.tls.certificate"),
        (lambda b: b["spec"].update(baseContentPath=["Bad Path"], isSyncSupported=True),
         "spec.baseContentPath[0]"),
        (lambda b: b["metadata"].update(name="tab\tinside"), "metadata.name"),
        (lambda b: b["metadata"].update(name=" "), "metadata.name"),
        (lambda b: b["metadata"].update(name="x" * 256), "metadata.name"),
    ],
)
def test_invalid_bodies_name_the_field(api: Api, mutate: Callable[[dict[str, Any]], None],
                                       field: str) -> None:
    body = basic_body("x", "https://registry.example.com", sync=False)
    mutate(body)
    r = api.post("/v1/registries/oci/basic", body)
    assert r.status_code == 422, r.text
    assert r.json()["details"]["field"] == field
    assert field.split("[")[0].split(".")[-1] in r.json()["message"]


def test_base_content_path_string_is_returned_as_given(api: Api) -> None:
    body = basic_body("str-path", "https://registry.example.com", sync=True)
    body["spec"]["baseContentPath"] = " /team-a/ "
    r = api.post("/v1/registries/oci/basic?skipValidation=true", body)
    assert r.status_code == 201, r.text
    got = api.get(f"/v1/registries/oci/{r.json()['uid']}/basic").json()
    assert got["spec"]["baseContentPath"] == " /team-a/ "  # byte for byte


def test_duplicate_name_conflicts(api: Api) -> None:
    body = basic_body("dup", "https://registry.example.com")
    assert api.post("/v1/registries/oci/basic?skipValidation=true", body).status_code == 201
    r = api.post("/v1/registries/oci/basic?skipValidation=true", body)
    assert r.status_code == 409
    assert r.json()["details"]["field"] == "metadata.name"


def test_put_without_password_keeps_it(api: Api, tls_registry: RegistryServer,
                                       tls_chart: str) -> None:
    uid = api.post("/v1/registries/oci/basic", _tls_body(tls_registry, tls_chart)).json()["uid"]
    body = _tls_body(tls_registry, tls_chart, password=None)
    body["spec"]["baseContentPath"] = [tls_chart, "other"]
    r = api.put(f"/v1/registries/oci/{uid}/basic", body)
    assert r.status_code == 204, r.text  # validation ran with the stored password
    got = api.get(f"/v1/registries/oci/{uid}/basic").json()
    assert got["spec"]["auth"]["passwordSet"] is True
    assert got["spec"]["baseContentPath"] == f"{tls_chart},other"  # a list is joined


def test_roles_and_tenants(api: Api) -> None:
    uid = api.post("/v1/registries/oci/basic?skipValidation=true",
                   basic_body("scoped", "https://registry.example.com")).json()["uid"]
    body = basic_body("scoped2", "https://registry.example.com")
    for role in (Role.VIEWER, Role.PROFILE_EDITOR):
        h = api.as_role(role)
        assert api.post("/v1/registries/oci/basic?skipValidation=true", body, h).status_code == 403
        assert api.put(f"/v1/registries/oci/{uid}/basic?skipValidation=true", body,
                       h).status_code == 403
        assert api.delete(f"/v1/registries/oci/{uid}/basic", h).status_code == 403
        assert api.post(f"/v1/registries/oci/{uid}/basic/sync", None, h).status_code == 403
        assert api.get(f"/v1/registries/oci/{uid}/basic", h).status_code == 200
    other = api.as_role(Role.TENANT_ADMIN, tenant="other-tenant")
    for method, url in [
        ("get", f"/v1/registries/oci/{uid}/basic"),
        ("put", f"/v1/registries/oci/{uid}/basic?skipValidation=true"),
        ("delete", f"/v1/registries/oci/{uid}/basic"),
        ("post", f"/v1/registries/oci/{uid}/basic/sync"),
        ("get", f"/v1/registries/oci/{uid}/basic/sync/status"),
        ("get", f"/v1/registries/oci/{uid}/basic/sync/history"),
    ]:
        kwargs: dict[str, Any] = {"headers": other}
        if method == "put":
            kwargs["json"] = body
        r = getattr(api.client, method)(url, **kwargs)
        assert r.status_code == 404, (method, url, r.text)
        assert r.json()["code"] == "ResourceNotFound"
    assert api.get("/v1/registries/oci/summary", other).json()["items"] == []
    assert api.get(f"/v1/registries/oci/{uid}/ecr").status_code == 404


def test_unauthenticated_is_401_json(api: Api) -> None:
    r = api.client.get("/v1/registries/oci/summary")
    assert r.status_code == 401
    assert r.json()["code"] == "Unauthorized"


def test_summary_and_metadata_list_registries(api: Api) -> None:
    api.post("/v1/registries/oci/basic?skipValidation=true",
             basic_body("synced", "https://r.example.com", sync=True, base=["a"]))
    api.post("/v1/registries/oci/basic?skipValidation=true",
             basic_body("unsynced", "https://r.example.com/org/charts"))
    items = {i["name"]: i for i in api.get("/v1/registries/metadata").json()["items"]}
    assert set(items) == {"synced", "unsynced"}
    assert items["unsynced"]["isSyncSupported"] is False
    assert items["synced"]["isSyncSupported"] is True
    assert set(items["synced"]) >= {"uid", "name", "kind", "isPrivate", "isSyncSupported", "scope"}
    summary = api.get("/v1/registries/oci/summary").json()["items"]
    assert {s["metadata"]["name"] for s in summary} == {"synced", "unsynced"}


def test_api_keys_are_hashed_and_revocable(api: Api) -> None:
    r = api.post("/v1/apikeys", {"name": "ci"})
    assert r.status_code == 201
    key, uid = r.json()["key"], r.json()["uid"]
    assert api.client.get("/v1/registries/oci/summary", headers={"ApiKey": key}).status_code == 200
    listed = api.get("/v1/apikeys").json()["items"]
    assert key not in str(listed)
    assert api.delete(f"/v1/apikeys/{uid}").status_code == 204
    assert api.client.get("/v1/registries/oci/summary",
                          headers={"ApiKey": key}).status_code == 401


def test_login_is_throttled_after_repeated_failures(api: Api) -> None:
    for _ in range(5):
        r = api.client.post("/v1/auth/authenticate",
                            json={"username": "admin", "password": "wrong"})
        assert r.status_code == 401
    r = api.client.post("/v1/auth/authenticate",
                        json={"username": "admin", "password": "admin-Secret-123"})
    assert r.status_code == 429
    assert r.json()["code"] == "TooManyLoginAttempts"
    assert int(r.headers["Retry-After"]) > 0
