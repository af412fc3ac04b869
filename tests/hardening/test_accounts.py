"""Accounts: login throttling, hashed revocable API keys, no password hashes out, audit log."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select

from chartyard.app import create_app
from chartyard.auth.roles import Role
from chartyard.settings import Settings
from chartyard.store.models import User
from tests.harness.app import ADMIN_PASSWORD, USER_PASSWORD, Api, basic_body
from tests.harness.oci_push import OciPusher
from tests.harness.registry import RegistryServer
from tests.sync.conftest import sync_now

REGISTRY_SECRET = "Registry-Secret-Value-7f3a"


@pytest.fixture
def strict_api(tmp_path: Path) -> Iterator[Api]:
    """An app that locks a login for 1 s after 3 failures."""
    settings = Settings(data_dir=tmp_path / "data", admin_password=ADMIN_PASSWORD,
                        database_url=f"sqlite:///{tmp_path / 'strict.db'}",
                        login_max_failures=3, login_lockout_seconds=1)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield Api(client, client.app.state.ctx)  # type: ignore[attr-defined]


def _login(api: Api, password: str, username: str = "admin") -> Any:
    return api.client.post("/v1/auth/authenticate",
                           json={"username": username, "password": password})


def test_login_lockout_and_its_reset_after_expiry(strict_api: Api) -> None:
    api = strict_api
    assert [_login(api, "wrong").status_code for _ in range(3)] == [401, 401, 401]
    locked = _login(api, ADMIN_PASSWORD)  # even the right password waits out the lockout
    assert locked.status_code == 429
    assert locked.json()["code"] == "TooManyLoginAttempts"
    assert int(locked.headers["Retry-After"]) >= 1
    assert locked.json()["details"]["retryAfter"] >= 1

    time.sleep(1.2)  # the lockout (1 s) expires
    assert _login(api, ADMIN_PASSWORD).status_code == 200
    # The failure count started again from zero: two failures do not lock ...
    assert [_login(api, "wrong").status_code for _ in range(2)] == [401, 401]
    assert _login(api, ADMIN_PASSWORD).status_code == 200
    # ... and a success resets it too, so three fresh failures are needed to lock again.
    assert [_login(api, "wrong").status_code for _ in range(3)] == [401, 401, 401]
    assert _login(api, ADMIN_PASSWORD).status_code == 429
    # An unknown user gets the same 401 as a wrong password (no account enumeration).
    unknown = _login(api, "wrong", username="nobody")
    assert (unknown.status_code, unknown.json()["message"]) == (
        401, "invalid username or password")


def _all_stored_text(api: Api) -> str:
    """Return every value of every row of every table, as one string."""
    meta = MetaData()
    meta.reflect(api.ctx.engine)
    parts: list[str] = []
    with api.ctx.engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                parts.extend(str(value) for value in row)
    return "\n".join(parts)


def _database_bytes(api: Api) -> bytes:
    path = Path(api.ctx.settings.resolved_database_url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal"))
                    if p.exists())


def test_api_keys_are_stored_hashed_and_revocable(api: Api) -> None:
    created = api.post("/v1/apikeys", {"name": "ci"})
    assert created.status_code == 201
    key, uid = created.json()["key"], created.json()["uid"]
    assert api.get("/v1/users/me", headers={"ApiKey": key}).json()["username"] == "admin"

    assert key not in _all_stored_text(api)
    assert key.encode() not in _database_bytes(api)  # not even in freed pages or the WAL
    listed = api.get("/v1/apikeys").json()["items"]
    assert key not in json.dumps(listed) and listed[0]["prefix"] == key[:10]

    assert api.delete(f"/v1/apikeys/{uid}").status_code == 204
    revoked = api.get("/v1/users/me", headers={"ApiKey": key})
    assert (revoked.status_code, revoked.json()["code"]) == (401, "Unauthorized")
    assert api.get("/v1/apikeys").json()["items"][0]["revoked"] is True
    actions = [e["action"] for e in api.get("/v1/audit").json()["items"]]
    assert actions[:2] == ["apikey.revoke", "apikey.create"]
    assert key not in api.get("/v1/audit").text


def _seed(api: Api, registry: RegistryServer, chart_factory: Any, prefix: str) -> dict[str, str]:
    with OciPusher.for_registry(registry) as pusher:
        pusher.push_chart(f"{prefix}/app", "1.0.0", chart_factory("app", "1.0.0"))
    reg = api.post("/v1/registries/oci/basic", basic_body(
        "seed", registry.url, sync=True, base=[prefix], username="robot",
        password=REGISTRY_SECRET)).json()["uid"]
    assert sync_now(api.ctx, reg).status == "Completed"
    pack = api.get(f"/v1/packs/app/registries/{reg}").json()["tags"][0]["packUid"]
    profile = api.post("/v1/clusterprofiles", {
        "metadata": {"name": "seed"},
        "spec": {"version": "1.0.0", "template": {"type": "add-on", "cloudType": "all",
                 "packs": [{"name": "app", "tag": "1.0.0", "registryUid": reg,
                            "type": "oci", "values": "a: 1\n"}]}}}).json()["uid"]
    return {"registry": reg, "pack": pack, "profile": profile}


def _fill(path: str, uids: dict[str, str]) -> str:
    registry = uids["registry"]
    profile = uids["profile"] if path.startswith("/v1/clusterprofiles") else registry
    return (path.replace("{packUid}", uids["pack"]).replace("{registryUid}", registry)
            .replace("{chartName}", "app").replace("{uid}", profile))


def test_no_endpoint_returns_password_hashes_or_secrets(
        api: Api, plain_registry: RegistryServer, chart_factory: Any,
        unique_repo_prefix: str) -> None:
    uids = _seed(api, plain_registry, chart_factory, unique_repo_prefix)
    viewer = api.as_role(Role.VIEWER)
    with api.ctx.transaction() as session:
        hashes = [u.password_hash for u in session.scalars(select(User))]
    assert len(hashes) == 2
    needles = [*hashes, *(h.split("$")[-1] for h in hashes), *(h.split("$")[-2] for h in hashes),
               ADMIN_PASSWORD, USER_PASSWORD, REGISTRY_SECRET]
    spec = api.client.get("/openapi.json").json()
    texts = [api.client.post("/v1/auth/authenticate", json={
        "username": "admin", "password": ADMIN_PASSWORD}).text]
    read = 0
    for path, item in spec["paths"].items():
        if "get" not in item or path.endswith("/export"):
            continue
        for headers in (api.admin, viewer):
            reply = api.get(_fill(path, uids), headers=headers)
            texts.append(reply.text)
            read += reply.status_code == 200
    for fmt in ("flux", "argocd", "helmfile"):
        texts.append(api.get(f"/v1/clusterprofiles/{uids['profile']}/export?format={fmt}").text)
    assert read >= 30
    body = "\n".join(texts)
    for needle in needles:
        assert needle not in body
    assert "passwordHash" not in body and "password_hash" not in body
    registry = api.get(f"/v1/registries/oci/{uids['registry']}/basic").json()
    assert registry["spec"]["auth"]["password"] == ""
    assert registry["spec"]["auth"]["passwordSet"] is True


def test_audit_log_records_who_changed_what_without_secrets(
        api: Api, plain_registry: RegistryServer, chart_factory: Any,
        unique_repo_prefix: str) -> None:
    uids = _seed(api, plain_registry, chart_factory, unique_repo_prefix)
    reg = uids["registry"]
    update = basic_body("seed", plain_registry.url, sync=True, base=[unique_repo_prefix],
                        username="robot", password="Rotated-" + REGISTRY_SECRET)
    assert api.put(f"/v1/registries/oci/{reg}/basic", update).status_code == 204
    profile = api.get(f"/v1/clusterprofiles/{uids['profile']}?checkDrift=false").json()
    profile["metadata"]["annotations"] = {"description": "changed"}
    assert api.put(f"/v1/clusterprofiles/{uids['profile']}", profile).status_code == 204
    assert api.delete(f"/v1/clusterprofiles/{uids['profile']}").status_code == 204
    assert api.delete(f"/v1/registries/oci/{reg}/basic").status_code == 204

    reply = api.get("/v1/audit")
    assert reply.status_code == 200
    events = reply.json()["items"]
    actions = [(e["action"], e["targetUid"]) for e in events]
    for expected in [("registry.create", reg), ("registry.update", reg),
                     ("registry.delete", reg), ("clusterprofile.create", uids["profile"]),
                     ("clusterprofile.update", uids["profile"]),
                     ("clusterprofile.delete", uids["profile"])]:
        assert expected in actions, (expected, actions)
    assert [a for a, _ in actions][:2] == ["registry.delete", "clusterprofile.delete"]  # newest
    assert all(e["actor"] == "admin" and e["at"] for e in events)
    update_event = next(e for e in events if e["action"] == "registry.update")
    assert update_event["details"]["secretsChanged"] is True
    assert REGISTRY_SECRET not in reply.text  # neither the old nor the rotated secret

    for role in (Role.VIEWER, Role.PROFILE_EDITOR):
        denied = api.get("/v1/audit", headers=api.as_role(role))
        assert (denied.status_code, denied.json()["code"]) == (403, "Forbidden")
    other = api.get("/v1/audit", headers=api.as_role(Role.TENANT_ADMIN, tenant="other"))
    assert other.status_code == 200 and other.json()["items"] == []
