"""`/v1/users`: tenant admins manage their own tenant's users; every change is audited."""

from __future__ import annotations

from chartyard.auth.roles import Role
from tests.harness.app import Api

PASSWORD = "New-user-Pass-1"


def _create(api: Api, name: str, role: str = "viewer") -> dict[str, object]:
    r = api.post("/v1/users", {"username": name, "password": PASSWORD, "role": role})
    assert r.status_code == 201, r.text
    body: dict[str, object] = r.json()
    return body


def test_create_list_role_and_audit(api: Api) -> None:
    created = _create(api, "alice")
    assert created["role"] == "viewer" and created["disabled"] is False
    assert "password" not in str(created).lower()
    names = [u["username"] for u in api.get("/v1/users").json()["items"]]
    assert names == ["admin", "alice"]
    r = api.client.patch(f"/v1/users/{created['uid']}", json={"role": "profile-editor"},
                         headers=api.admin)
    assert r.status_code == 200 and r.json()["role"] == "profile-editor"
    actions = [e["action"] for e in api.get("/v1/audit").json()["items"]]
    assert actions[:2] == ["user.role", "user.create"]


def test_bad_input_names_the_field(api: Api) -> None:
    r = api.post("/v1/users", {"username": "bob", "password": "short", "role": "viewer"})
    assert r.status_code == 422 and "password" in r.json()["message"]
    r = api.post("/v1/users", {"username": "bob", "password": PASSWORD, "role": "root"})
    assert r.status_code == 422 and "tenant-admin" in r.json()["message"]
    _create(api, "bob")
    r = api.post("/v1/users", {"username": "bob", "password": PASSWORD})
    assert r.status_code == 409


def test_only_tenant_admins_of_the_same_tenant(api: Api) -> None:
    uid = _create(api, "carol")["uid"]
    editor = api.as_role(Role.PROFILE_EDITOR)
    assert api.get("/v1/users", headers=editor).status_code == 403
    other_admin = api.as_role(Role.TENANT_ADMIN, "other")
    r = api.get(f"/v1/users/{uid}", headers=other_admin)
    assert r.status_code == 404 and r.json()["code"] == "ResourceNotFound"
    r = api.client.patch(f"/v1/users/{uid}", json={"disabled": True}, headers=other_admin)
    assert r.status_code == 404
    names = [u["username"] for u in api.get("/v1/users", headers=other_admin).json()["items"]]
    assert "carol" not in names and "admin" not in names


def test_disable_revokes_sessions_and_keys_at_once(api: Api) -> None:
    uid = _create(api, "dave", "profile-editor")["uid"]
    token = api.headers("dave", PASSWORD)
    key = api.client.post("/v1/apikeys", json={"name": "ci"}, headers=token).json()["key"]
    assert api.get("/v1/users/me", headers=token).status_code == 200
    assert api.get("/v1/users/me", headers={"ApiKey": key}).status_code == 200
    r = api.client.patch(f"/v1/users/{uid}", json={"disabled": True}, headers=api.admin)
    assert r.status_code == 200 and r.json()["disabled"] is True
    assert api.get("/v1/users/me", headers=token).status_code == 401
    assert api.get("/v1/users/me", headers={"ApiKey": key}).status_code == 401
    # Enabling again does not bring the old token or key back.
    api.client.patch(f"/v1/users/{uid}", json={"disabled": False}, headers=api.admin)
    assert api.get("/v1/users/me", headers=token).status_code == 401
    assert api.get("/v1/users/me", headers={"ApiKey": key}).status_code == 401
    event = api.get("/v1/audit").json()["items"][1]
    assert event["action"] == "user.disable"
    assert event["details"] == {"sessionsEnded": 1, "apiKeysRevoked": 1}


def test_reset_password_ends_sessions(api: Api) -> None:
    uid = _create(api, "erin")["uid"]
    token = api.headers("erin", PASSWORD)
    r = api.post(f"/v1/users/{uid}/password", {"password": "Another-Pass-2"})
    assert r.status_code == 204
    assert api.get("/v1/users/me", headers=token).status_code == 401
    assert api.headers("erin", "Another-Pass-2")


def test_admin_cannot_lock_themselves_out(api: Api) -> None:
    me = api.get("/v1/users/me").json()["uid"]
    r = api.client.patch(f"/v1/users/{me}", json={"disabled": True}, headers=api.admin)
    assert r.status_code == 422 and "yourself" in r.json()["message"]
    r = api.client.patch(f"/v1/users/{me}", json={"role": "viewer"}, headers=api.admin)
    assert r.status_code == 422


def test_my_api_keys_lists_only_mine(api: Api) -> None:
    _create(api, "frank", "profile-editor")
    theirs = api.headers("frank", PASSWORD)
    api.client.post("/v1/apikeys", json={"name": "theirs"}, headers=theirs)
    api.post("/v1/apikeys", {"name": "mine"})
    mine = api.get("/v1/users/me/apikeys").json()["items"]
    assert [k["name"] for k in mine] == ["mine"]
