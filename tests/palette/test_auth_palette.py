"""Palette's authentication surface: emailId login, raw tokens, /v1/apiKeys, projects."""

from __future__ import annotations

import pytest

from tests.harness.app import ADMIN_PASSWORD, Api
from tests.palette import sdk

sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@sqlite_only
def test_palette_login_raw_token_and_org(api: Api) -> None:
    login = api.client.post("/v1/auth/authenticate", json={
        "emailId": "admin", "password": ADMIN_PASSWORD, "org": "default"})
    assert login.status_code == 200, login.text
    assert set(login.json()) == {"Authorization", "isMfa"}
    token = login.json()["Authorization"]
    for header in (token, f"Bearer {token}"):
        me = api.client.get("/v1/users/me", headers={"Authorization": header})
        assert me.status_code == 200 and me.json()["username"] == "admin", header
    wrong_org = api.client.post("/v1/auth/authenticate", json={
        "emailId": "admin", "password": ADMIN_PASSWORD, "org": "other"})
    assert (wrong_org.status_code, wrong_org.json()["code"]) == (401, "Unauthorized")
    neither = api.client.post("/v1/auth/authenticate", json={"password": "x"})
    assert neither.status_code == 422 and "emailId" in neither.json()["message"]
    anonymous = api.client.get("/v1/users/me")
    assert anonymous.status_code == 401 and anonymous.json()["ref"]


@sqlite_only
def test_api_keys_palette_lifecycle(api: Api) -> None:
    created = api.post("/v1/apiKeys", {"metadata": sdk.object_meta("ci"),
                                       "spec": {"expiry": "2099-01-01T00:00:00Z",
                                                "userUid": "ignored"}})
    assert created.status_code == 201, created.text
    body = created.json()
    uid, key = body["uid"], body["apiKey"]
    assert body["key"] == key
    as_key = {"ApiKey": key}
    assert api.get("/v1/users/me", headers=as_key).status_code == 200

    got = api.get(f"/v1/apiKeys/{uid}").json()
    assert got["metadata"]["name"] == "ci" and got["status"]["isActive"] is True
    assert got["spec"]["expiry"] == "2099-01-01T00:00:00Z" and "key" not in got["spec"]

    # PATCH with isActive omitted (the SDK omits false) deactivates; true reactivates.
    assert api.client.patch(f"/v1/apiKeys/{uid}", json={},
                            headers=api.admin).status_code == 204
    assert api.get("/v1/users/me", headers=as_key).status_code == 401
    assert api.get(f"/v1/apiKeys/{uid}").json()["status"]["isActive"] is False
    assert api.client.patch(f"/v1/apiKeys/{uid}", json={"isActive": True},
                            headers=api.admin).status_code == 204
    assert api.get("/v1/users/me", headers=as_key).status_code == 200

    # PUT renames and sets the expiry; a past expiry stops the key.
    reply = api.put(f"/v1/apiKeys/{uid}", {"metadata": sdk.object_meta("ci-renamed"),
                                           "spec": {"expiry": "2001-01-01T00:00:00Z"}})
    assert reply.status_code == 204, reply.text
    assert api.get("/v1/users/me", headers=as_key).status_code == 401
    listed = api.get("/v1/apiKeys").json()["items"]
    assert [k["metadata"]["name"] for k in listed if k["uid"] == uid] == ["ci-renamed"]
    bad = api.put(f"/v1/apiKeys/{uid}", {"spec": {"expiry": "next tuesday"}})
    assert bad.status_code == 422 and bad.json()["details"]["field"] == "spec.expiry"

    # DELETE revokes for good; the lower-case alias serves the same family.
    assert api.delete(f"/v1/apikeys/{uid}").status_code == 204
    assert api.get(f"/v1/apiKeys/{uid}").status_code == 404
    assert [k["revoked"] for k in api.get("/v1/apikeys").json()["items"]
            if k["uid"] == uid] == [True]


@sqlite_only
def test_projects_metadata_and_route_not_found(api: Api) -> None:
    first = api.get("/v1/dashboard/projects/metadata").json()
    [project] = first["items"]
    assert project["metadata"]["name"] == "Default"
    again = api.get("/v1/dashboard/projects/metadata",
                    headers={**api.admin, "ProjectUid": project["metadata"]["uid"]}).json()
    assert again == first  # stable uid; the ProjectUid header is accepted and ignored
    assert api.get("/v1/dashboard/projects/metadata",
                   params={"name": "other"}).json()["items"] == []
    missing = api.get("/v1/clusterprofiles/nope")
    assert (missing.status_code, missing.json()["code"]) == (404, "ResourceNotFound")
    no_route = api.get("/v1/no-such-thing")
    assert (no_route.status_code, no_route.json()["code"]) == (404, "RouteNotFound")
    assert len(no_route.json()["ref"]) == 32
