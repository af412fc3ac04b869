"""What a client sends comes back as sent, and the flags say what is true: isPrivate only
with stored credentials, tls.enabled false for http://, endpoints with their scheme."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_registries_helm import helm_body
from tests.harness.app import Api, basic_body
from tests.harness.pki import make_ca

SKIP = {"skipValidation": "true"}
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _create(api: Api, url: str, body: dict[str, Any]) -> str:
    r = api.post(url, body, params=SKIP)
    assert r.status_code == 201, r.text
    return str(r.json()["uid"])


@sqlite_only
def test_pem_labels_and_annotations_come_back_as_sent(api: Api) -> None:
    pem = make_ca().cert_pem
    assert pem.endswith("\n")
    body = basic_body("Harbor Prod", "https://harbor.example.com", username="u",
                      password="p", ca=pem)
    uid = _create(api, "/v1/registries/oci/basic", body)
    url = f"/v1/registries/oci/{uid}/basic"
    got = api.get(url).json()
    assert got["spec"]["auth"]["tls"]["certificate"] == pem  # the trailing newline too
    assert len(got["spec"]["auth"]["tls"]["certificate"]) == len(pem)

    body["metadata"].update(labels={"env": "prod", "Team Name": "Ops"},
                            annotations={"owner": "a@example.com"})
    assert api.put(url, body, params=SKIP).status_code == 204
    meta = api.get(url).json()["metadata"]
    assert meta["labels"] == {"env": "prod", "Team Name": "Ops"}
    assert meta["annotations"] == {"owner": "a@example.com"}
    summary = api.get("/v1/registries/oci/summary").json()["items"]
    assert summary[0]["metadata"]["labels"] == {"env": "prod", "Team Name": "Ops"}


@sqlite_only
def test_flags_say_what_is_true(api: Api) -> None:
    open_http = _create(api, "/v1/registries/oci/basic",
                        basic_body("Open", "http://10.1.2.3:5000"))
    private = _create(api, "/v1/registries/oci/basic",
                      basic_body("Private", "https://harbor.example.com", username="u",
                                 password="p"))
    helm_open = _create(api, "/v1/registries/helm",
                        helm_body("Charts", "http://charts.example.com/stable"))
    tls = api.get(f"/v1/registries/oci/{open_http}/basic").json()["spec"]["auth"]["tls"]
    assert tls["enabled"] is False
    tls = api.get(f"/v1/registries/oci/{private}/basic").json()["spec"]["auth"]["tls"]
    assert tls["enabled"] is True
    helm = api.get(f"/v1/registries/helm/{helm_open}").json()["spec"]
    assert helm["auth"]["tls"]["enabled"] is False and helm["isPrivate"] is False

    summary = {i["metadata"]["uid"]: i["spec"]
               for i in api.get("/v1/registries/oci/summary").json()["items"]}
    assert (summary[open_http]["isPrivate"], summary[private]["isPrivate"]) == (False, True)
    drop_down = {i["uid"]: i for i in api.get("/v1/registries/metadata").json()["items"]}
    assert [drop_down[u]["isPrivate"] for u in (open_http, private, helm_open)] == [
        False, True, False]
    # Endpoints keep their scheme, as given.
    assert [drop_down[u]["endpoint"] for u in (open_http, private, helm_open)] == [
        "http://10.1.2.3:5000", "https://harbor.example.com",
        "http://charts.example.com/stable"]


@sqlite_only
@pytest.mark.parametrize("expiry", ["2031-01-31T10:20:30.417Z", "2031-01-31T10:20:30Z",
                                    "2031-01-31T10:20:30.417000Z",
                                    "2031-01-31T12:20:30.5+02:00"])
def test_api_key_expiry_comes_back_in_the_precision_sent(api: Api, expiry: str) -> None:
    r = api.post("/v1/apiKeys", {"metadata": {"name": "ci"}, "spec": {"expiry": expiry}})
    assert r.status_code == 201, r.text
    url = f"/v1/apiKeys/{r.json()['uid']}"
    assert api.get(url).json()["spec"]["expiry"] == expiry
    assert api.put(url, {"metadata": {"name": "ci"},
                         "spec": {"expiry": "2032-02-01T00:00:00.100Z"}}).status_code == 204
    assert api.get(url).json()["spec"]["expiry"] == "2032-02-01T00:00:00.100Z"
