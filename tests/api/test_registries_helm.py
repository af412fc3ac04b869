"""The /v1/registries/helm family against real nginx repositories made by real helm."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.harness.app import Api
from tests.harness.helm import Helm
from tests.harness.helm_repo import package, publish, repo_index
from tests.harness.nginx import NginxServer
from tests.sync.conftest import sync_now

DEFINITIONS = json.loads((Path(__file__).parents[1] / "registries" /
                          "palette_helm_definitions.json").read_text())["definitions"]
GO_ZERO_TIME = "0001-01-01T00:00:00.000Z"
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def assert_palette(definition: str, body: Any) -> None:
    """Validate a response against one of Palette's response definitions."""
    jsonschema.validate(body, {"$ref": f"#/definitions/{definition}",
                               "definitions": DEFINITIONS})


def helm_body(name: str, endpoint: str, *, auth: dict[str, Any] | None = None,
              **spec: Any) -> dict[str, Any]:
    """A v1HelmRegistryEntity as Palette's Go SDK marshals it (zero times, extra fields)."""
    return {"metadata": {"name": name, "creationTimestamp": GO_ZERO_TIME, "labels": None},
            "spec": {"endpoint": endpoint, "isPrivate": bool(auth), "scope": "tenant",
                     "name": name, "createOption": {"skipSync": False, "charts": None},
                     "auth": auth or {"type": "noAuth", "tls": {"enabled": False,
                                                                "insecureSkipVerify": False}},
                     **spec}}


def secure_auth(server: NginxServer, password: str | None = None) -> dict[str, Any]:
    return {"type": "basic", "username": server.username,
            "password": password if password is not None else server.password,
            "tls": {"enabled": True, "certificate": server.ca_pem, "insecureSkipVerify": False}}


@pytest.fixture
def prefix() -> str:
    return f"h{uuid.uuid4().hex[:10]}"


@pytest.fixture
def secure_repo(tls_helm_repo: NginxServer, helm: Helm, prefix: str) -> Path:
    directory = tls_helm_repo.path(f"{prefix}/index.yaml").parent
    publish(helm, directory, [("podinfo", "6.5.0"), ("podinfo", "6.6.0"), ("redis", "18.1.0")],
            tls_helm_repo.url + prefix, readme="# podinfo\n", values="replicaCount: 2\n")
    return directory


def create(api: Api, body: dict[str, Any], **params: str) -> str:
    r = api.post("/v1/registries/helm", body, params=params or None)
    assert r.status_code == 201, r.text
    assert_palette("v1Uid", r.json())
    return str(r.json()["uid"])


@sqlite_only
def test_crud_sync_and_palette_shapes(api: Api, tls_helm_repo: NginxServer, secure_repo: Path,
                                      prefix: str) -> None:
    endpoint = tls_helm_repo.url + prefix
    r = api.post("/v1/registries/helm/validate",
                 helm_body("x", endpoint, auth=secure_auth(tls_helm_repo))["spec"])
    assert r.status_code == 204, r.text
    uid = create(api, helm_body("secure-charts", endpoint, auth=secure_auth(tls_helm_repo)))

    got = api.get(f"/v1/registries/helm/{uid}").json()
    assert_palette("v1HelmRegistry", got)
    assert got["spec"]["endpoint"] == endpoint
    assert got["spec"]["auth"]["password"] == "" and got["spec"]["auth"]["passwordSet"]
    assert got["status"]["helmSyncStatus"]["status"] == "Pending"

    outcome = sync_now(api.ctx, uid)
    assert outcome.status == "Completed", outcome
    status = api.get(f"/v1/registries/helm/{uid}/sync/status").json()
    assert_palette("v1RegistrySyncStatus", status)
    assert status["status"] == "Completed"
    assert api.get(f"/v1/registries/helm/{uid}").json()["status"]["helmSyncStatus"][
        "status"] == "Completed"

    tags = api.get(f"/v1/packs/podinfo/registries/{uid}").json()["tags"]
    assert [t["version"] for t in tags] == ["6.6.0", "6.5.0"]
    tgz = (secure_repo / "podinfo-6.6.0.tgz").read_bytes()
    import hashlib
    assert tags[0]["digest"] == "sha256:" + hashlib.sha256(tgz).hexdigest()
    pack = api.get(f"/v1/packs/{tags[0]['packUid']}").json()
    assert pack["name"] == "podinfo"
    # helm pulls it from the repository, not from an oci:// reference
    assert pack["ociRef"] is None
    assert pack["pullRef"] == f"podinfo --repo {tls_helm_repo.url}{prefix}"
    values = api.get(f"/v1/packs/{tags[0]['packUid']}/values")
    assert values.status_code == 200 and "replicaCount: 2" in values.text

    listing = api.get("/v1/registries/helm", params={"limit": 1}).json()
    assert_palette("v1HelmRegistries", listing)
    assert [i["metadata"]["uid"] for i in listing["items"]] == [uid]
    summary = api.get("/v1/registries/helm/summary").json()
    assert_palette("v1HelmRegistriesSummary", summary)
    assert summary["items"][0]["spec"]["chartCount"] == 2
    assert uid not in {i["metadata"]["uid"]
                       for i in api.get("/v1/registries/oci/summary").json()["items"]}
    assert api.get(f"/v1/registries/oci/{uid}").status_code == 404
    drop = api.get("/v1/registries/metadata").json()
    assert_palette("v1RegistriesMetadata", drop)
    assert any(i["uid"] == uid and i["kind"] == "helm" for i in drop["items"])

    # The GET body goes back as a PUT (secret kept); then delete.
    r = api.put(f"/v1/registries/helm/{uid}", got)
    assert r.status_code == 204, r.text
    assert api.get(f"/v1/registries/helm/{uid}").json()["spec"] == got["spec"]
    assert api.delete(f"/v1/registries/helm/{uid}").status_code == 204
    assert api.get(f"/v1/registries/helm/{uid}").json()["code"] == "ResourceNotFound"


@sqlite_only
def test_validation_errors_name_the_cause(api: Api, tls_helm_repo: NginxServer,
                                          secure_repo: Path, prefix: str) -> None:
    endpoint = tls_helm_repo.url + prefix
    cases = [
        (helm_body("a", endpoint, auth=secure_auth(tls_helm_repo, "wrong")),
         "AuthenticationFailed"),
        (helm_body("a", endpoint, auth={"type": "noAuth", "tls": {
            "certificate": tls_helm_repo.ca_pem}}), "AuthenticationFailed"),
        (helm_body("a", endpoint + "/missing", auth=secure_auth(tls_helm_repo)), "NotFound"),
        (helm_body("a", "http://169.254.169.254/charts"), "EgressDenied"),
    ]
    for body, code in cases:
        r = api.post("/v1/registries/helm/validate", body)
        assert r.status_code == 422, r.text
        assert r.json()["code"] == code, r.text
    no_ca = secure_auth(tls_helm_repo)
    no_ca["tls"] = {"certificate": "", "insecureSkipVerify": False}
    r = api.post("/v1/registries/helm/validate", helm_body("a", endpoint, auth=no_ca))
    assert r.json()["code"] == "TLSVerificationFailed"
    r = api.post("/v1/registries/helm", helm_body("a", "oci://ghcr.io/x"))
    assert r.status_code == 422 and r.json()["details"]["field"] == "spec.endpoint"


@sqlite_only
def test_resync_is_one_request_and_failures_keep_the_catalog(
        api: Api, plain_helm_repo: NginxServer, helm: Helm, prefix: str) -> None:
    directory = plain_helm_repo.path(f"{prefix}/index.yaml").parent
    publish(helm, directory, [("app", "1.0.0")], None)
    uid = create(api, helm_body("plain", plain_helm_repo.url + prefix))
    assert sync_now(api.ctx, uid).added == 1
    plain_helm_repo.clear_log()
    again = sync_now(api.ctx, uid)
    assert (again.status, again.requests, again.added) == ("Completed", 1, 0)
    logged = plain_helm_repo.requests(f"/{prefix}/", at_least=1)
    assert logged == [("GET", f"/{prefix}/index.yaml", 304, "-")]
    assert "304" in api.get(f"/v1/registries/helm/{uid}/sync/status").json()["message"]

    package(helm, "app", "1.1.0", directory)
    repo_index(helm, directory)
    assert sync_now(api.ctx, uid).added == 1

    index = directory / "index.yaml"
    good = index.read_text()
    bad = {"not YAML": "<html>oops</html>\n", "no urls": good.replace("urls:", "nourls:"),
           "bomb": "apiVersion: v1\nx: &a [1,1,1,1,1,1,1,1,1,1]\n" + "".join(
               f"x{i}: &a{i} [" + ",".join(["*a" if i == 0 else f"*a{i - 1}"] * 10) + "]\n"
               for i in range(6)) + "entries: {}\n"}
    for why, text in bad.items():
        index.write_text(text)
        failed = sync_now(api.ctx, uid)
        assert failed.status == "Failed", why
        status = api.get(f"/v1/registries/helm/{uid}/sync/status").json()
        assert status["status"] == "Failed" and "previous catalog is kept" in status["message"]
        tags = api.get(f"/v1/packs/app/registries/{uid}").json()["tags"]
        assert [t["version"] for t in tags] == ["1.1.0", "1.0.0"], why
    index.write_text(good.replace(f"{prefix}/", "").replace(
        "app-1.1.0.tgz", "http://169.254.169.254/latest/app-1.1.0.tgz"))
    failed = sync_now(api.ctx, uid)
    assert failed.error_code == "EgressDenied"
    index.write_text(good)
    assert sync_now(api.ctx, uid).status == "Completed"
