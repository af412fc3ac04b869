"""The hot catalog reads: revalidation by ETag, authentication on every request, tenants."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from chartyard.auth.roles import Role
from chartyard.store.models import ChartVersion, User
from tests.catalog.corpus import PASSWORD, seed
from tests.harness.app import Api

HOT_READS = ("/v1/packs?q=redis", "/v1/packs/redis/registries/{alpha}",
             "/v1/registries/metadata", "/v1/packs/{pack}")


@pytest.fixture
def seeded(api: Api) -> tuple[Api, dict[str, str]]:
    uids, _ = seed(api.ctx)
    versions = api.get(f"/v1/packs/redis/registries/{uids['alpha']}").json()
    return api, {**uids, "pack": versions["tags"][0]["packUid"]}


def _paths(uids: dict[str, str]) -> list[str]:
    return [p.format(**uids) for p in HOT_READS]


def test_hot_reads_carry_an_etag_and_answer_304_when_it_matches(
        seeded: tuple[Api, dict[str, str]]) -> None:
    api, uids = seeded
    for path in _paths(uids):
        first = api.get(path)
        assert first.status_code == 200, (path, first.text)
        assert first.headers["content-type"] == "application/json"
        assert first.headers["cache-control"] == "private, no-cache"
        assert "Authorization" in first.headers["vary"]
        etag = first.headers["etag"]
        assert etag.startswith('"') and etag.endswith('"')
        assert api.get(path).headers["etag"] == etag  # the same answer, the same tag
        again = api.client.get(path, headers={**api.admin, "If-None-Match": etag})
        assert again.status_code == 304, path
        assert again.content == b""
        assert again.headers["etag"] == etag
        weak = api.client.get(path, headers={**api.admin, "If-None-Match": f'"x", W/{etag}'})
        assert weak.status_code == 304, path
        stale = api.client.get(path, headers={**api.admin, "If-None-Match": '"stale"'})
        assert stale.status_code == 200, path
        assert stale.json() == first.json()


def test_a_changed_answer_gets_a_new_etag(seeded: tuple[Api, dict[str, str]]) -> None:
    api, uids = seeded
    path = f"/v1/packs/redis/registries/{uids['alpha']}"
    before = api.get(path)
    with api.ctx.transaction() as session:
        session.execute(update(ChartVersion).where(ChartVersion.uid == uids["pack"])
                        .values(app_version="9.9.9"))
    after = api.client.get(path, headers={**api.admin, "If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert "9.9.9" in {t["appVersion"] for t in after.json()["tags"]}


def test_a_304_still_needs_valid_credentials(seeded: tuple[Api, dict[str, str]]) -> None:
    api, uids = seeded
    for path in _paths(uids):
        etag = api.get(path).headers["etag"]
        reply = api.client.get(path, headers={"If-None-Match": etag})
        assert reply.status_code == 401, path
        assert reply.json()["code"] == "Unauthorized"
        reply = api.client.get(path, headers={"If-None-Match": etag, "ApiKey": "cy_forged"})
        assert reply.status_code == 401, path


def _api_key(api: Api, headers: dict[str, str]) -> dict[str, str]:
    created = api.post("/v1/apiKeys", json={"metadata": {"name": "reader"}}, headers=headers)
    assert created.status_code == 201, created.text
    return {"ApiKey": created.json()["key"]}


@pytest.mark.parametrize("credential", ["api key", "session token"])
def test_a_disabled_users_credentials_fail_on_the_next_request(
        seeded: tuple[Api, dict[str, str]], credential: str) -> None:
    api, uids = seeded
    viewer = api.as_role(Role.VIEWER)
    headers = _api_key(api, viewer) if credential == "api key" else viewer
    for path in _paths(uids):
        assert api.client.get(path, headers=headers).status_code == 200, path
    # Only the flag, straight in the database: nothing else revoked, no cache to clear.
    me = api.client.get("/v1/users/me", headers=viewer).json()
    with api.ctx.transaction() as session:
        session.execute(update(User).where(User.uid == me["uid"]).values(disabled=True))
    for path in _paths(uids):
        reply = api.client.get(path, headers=headers)
        assert reply.status_code == 401, (path, reply.text)


def test_a_revoked_api_key_fails_on_the_next_request(seeded: tuple[Api, dict[str, str]]) -> None:
    api, uids = seeded
    created = api.post("/v1/apiKeys", json={"metadata": {"name": "soon-revoked"}})
    headers = {"ApiKey": created.json()["key"]}
    path = _paths(uids)[0]
    assert api.client.get(path, headers=headers).status_code == 200
    assert api.delete(f"/v1/apiKeys/{created.json()['uid']}").status_code in (200, 204)
    assert api.client.get(path, headers=headers).status_code == 401


def test_hot_reads_of_another_tenant_are_not_found(seeded: tuple[Api, dict[str, str]]) -> None:
    api, uids = seeded
    other = api.headers("other-admin", PASSWORD)
    for path in _paths(uids)[1::2]:  # the versions lookup and the pack detail
        reply = api.client.get(path, headers=other)
        assert reply.status_code == 404, path
        assert reply.json()["code"] == "ResourceNotFound"
    menu: list[dict[str, Any]] = api.client.get("/v1/registries/metadata",
                                                headers=other).json()["items"]
    assert uids["alpha"] not in {m["uid"] for m in menu}
    assert uids["gamma"] in {m["uid"] for m in menu}


def _browse(api: Api, limit: int, **params: str) -> list[tuple[str, str, str]]:
    """Return (name, registry, repository) of every browse result, page by page."""
    found: list[tuple[str, str, str]] = []
    token = ""
    while True:
        reply = api.get("/v1/packs", params={**params, "limit": limit, "continue": token})
        assert reply.status_code == 200, reply.text
        body = reply.json()
        found += [(i["name"], i["registryName"], i["repository"]) for i in body["items"]]
        token = body["listmeta"]["continue"]
        if not token:
            return found


@pytest.mark.parametrize("params", [{}, {"registryKind": "ecr"}, {"newerThan": "1.0.0"}])
def test_browse_pages_cut_at_the_page_still_list_every_chart_in_order(
        seeded: tuple[Api, dict[str, str]], params: dict[str, str]) -> None:
    # Browse sorts only the charts up to the page's last name: a page that ends inside a
    # run of equal names (redis in alpha and beta) must still list each chart once, in order.
    api, _ = seeded
    everything = _browse(api, 200, **params)
    assert everything == sorted(everything)
    assert len(everything) == len(set(everything))
    if not params:
        assert [e for e in everything if e[0] == "redis"] == [
            ("redis", "alpha", "charts/redis"), ("redis", "beta", "charts/redis")]
    for limit in (1, 2, 3, 5):
        assert _browse(api, limit, **params) == everything, limit
