"""The event endpoint against a real docker-registry: secret, limits, refresh of one repository."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest
from bench.chartyard_sync import request_kind

from chartyard.auth.roles import Role
from chartyard.events import runtime
from chartyard.store.models import RegistryEventHook, SyncState, utcnow
from tests.events.conftest import (
    BURST,
    MAX_BODY,
    distribution_delete,
    distribution_push,
    harbor,
)
from tests.harness.app import Api, basic_body
from tests.harness.oci_push import OciPusher
from tests.harness.procs import wait_for
from tests.harness.registry import RegistryServer
from tests.sync.conftest import sync_now

pytestmark = pytest.mark.timeout(120)


class Counting(httpx.AsyncBaseTransport):
    """Count registry requests by kind (catalog, tags, manifest, blob, ...)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.counts: Counter[str] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.counts[request_kind(request)] += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class Setup:
    """A registry with two charts under `charts/`, one image elsewhere, synced once."""

    def __init__(self, api: Api, reg: RegistryServer, pusher: OciPusher, chart: Any) -> None:
        self.api, self.reg, self.pusher, self.chart = api, reg, pusher, chart
        pusher.push_chart("charts/demo", "1.0.0", chart("demo", "1.0.0"))
        pusher.push_chart("charts/other", "1.0.0", chart("other", "1.0.0"))
        pusher.push_chart("elsewhere/demo", "1.0.0", chart("demo", "1.0.0"))
        self.uid = api.post("/v1/registries/oci/basic", basic_body(
            "r", reg.url, sync=True, base=["charts"])).json()["uid"]
        assert sync_now(api.ctx, self.uid).status == "Completed"
        r = api.post(f"/v1/registries/{self.uid}/events/secret")
        assert r.status_code == 200, r.text
        self.secret = r.json()["secret"]
        self.url = f"/v1/registries/{self.uid}/events"

    def send(self, body: Any, secret: str | None = None, **kw: Any) -> httpx.Response:
        headers = {"Content-Type": "application/vnd.docker.distribution.events.v1+json"}
        if secret != "":
            headers["Authorization"] = f"Bearer {secret or self.secret}"
        response: httpx.Response = self.api.client.post(self.url, json=body, headers=headers,
                                                        **kw)
        return response

    def push(self, repo: str, version: str) -> str:
        name = repo.rsplit("/", 1)[-1]
        return self.pusher.push_chart(repo, version, self.chart(name, version))

    def settle(self) -> None:
        """Wait until the event refresher has nothing pending or running."""
        refresher = self.api.client.app.state.events.refresher  # type: ignore[attr-defined]
        deadline = time.monotonic() + 60
        while not refresher.idle():
            assert time.monotonic() < deadline, "event refresh did not finish"
            time.sleep(0.05)

    def versions(self, name: str) -> set[str]:
        r = self.api.get(f"/v1/packs/{name}/registries/{self.uid}")
        if r.status_code == 404:
            return set()
        return {v["version"] for v in r.json()["tags"]}

    def hook(self) -> RegistryEventHook:
        with self.api.ctx.transaction() as session:
            hook = session.get(RegistryEventHook, self.uid)
            assert hook is not None
            session.expunge(hook)
            return hook


@pytest.fixture
def setup(api: Api, registry_factory: Any, chart_factory: Any) -> Any:
    reg = registry_factory("plain")
    with OciPusher.for_registry(reg) as pusher:
        yield Setup(api, reg, pusher, chart_factory)


def test_a_helm_push_refreshes_only_its_repository_in_three_requests(setup: Setup) -> None:
    digest = setup.push("charts/demo", "1.1.0")
    counting = Counting()
    setup.api.ctx.sources.transport = counting
    for body in distribution_push("charts/demo", "1.1.0", digest):
        r = setup.send(body)
        assert r.status_code == 202, r.text
    setup.settle()
    assert setup.versions("demo") == {"1.0.0", "1.1.0"}
    # tags/list, then the new manifest and its config blob: no _catalog, no ping.
    assert dict(counting.counts) == {"tags": 1, "manifest": 1, "blob": 1}
    hook = setup.hook()
    assert (hook.received, hook.ignored, hook.out_of_scope, hook.refreshed) == (5, 4, 0, 1)
    assert hook.last_event == {"action": "push", "repository": "charts/demo",
                               "tag": "1.1.0", "digest": digest}
    info = setup.api.get(setup.url).json()
    assert info["url"].endswith(setup.url) and info["secretSet"] is True
    assert info["lastEvent"]["tag"] == "1.1.0" and info["lastEventTime"]
    assert setup.secret not in str(info)


def test_wrong_or_missing_secret_is_401_and_changes_nothing(setup: Setup) -> None:
    digest = setup.push("charts/demo", "1.1.0")
    body = distribution_push("charts/demo", "1.1.0", digest)[-1]
    before = setup.hook()
    for secret in ("", "cye_wrong", setup.secret + "x"):
        r = setup.send(body, secret=secret)
        assert r.status_code == 401, r.text
        assert "Authorization: Bearer" in r.json()["message"]
    r = setup.api.client.post("/v1/registries/000000000000000000000000/events", json=body,
                              headers={"Authorization": f"Bearer {setup.secret}"})
    assert r.status_code == 401
    setup.settle()
    assert setup.versions("demo") == {"1.0.0"}
    after = setup.hook()
    assert (after.received, after.last_event) == (before.received, before.last_event)


def test_body_over_the_cap_is_413_and_the_endpoint_is_rate_limited(setup: Setup) -> None:
    r = setup.send({"events": [], "padding": "x" * MAX_BODY})
    assert r.status_code == 413 and r.json()["code"] == "PayloadTooLarge"
    statuses = [setup.send({"events": []}).status_code for _ in range(BURST + 5)]
    assert statuses.count(429) >= 4
    limited = setup.send({"events": []})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1


def test_out_of_scope_pulls_and_garbage(setup: Setup) -> None:
    digest = setup.push("elsewhere/demo", "2.0.0")
    bodies = distribution_push("elsewhere/demo", "2.0.0", digest)
    for body in bodies:
        assert setup.send(body).status_code == 202
    setup.settle()
    hook = setup.hook()
    assert (hook.received, hook.ignored, hook.out_of_scope, hook.refreshed) == (5, 4, 1, 0)
    r = setup.send({"nonsense": True})
    assert r.status_code == 400 and "registry notification" in r.json()["message"]


def test_delete_removes_the_version(setup: Setup) -> None:
    setup.push("charts/demo", "1.1.0")
    assert sync_now(setup.api.ctx, setup.uid).status == "Completed"
    assert setup.versions("demo") == {"1.0.0", "1.1.0"}
    digest = setup.pusher.delete_tag("charts/demo", "1.1.0")
    for body in distribution_delete("charts/demo", "1.1.0", digest):
        assert setup.send(body).status_code == 202
    setup.settle()
    assert setup.versions("demo") == {"1.0.0"}
    assert setup.versions("other") == {"1.0.0"}


def test_harbor_push_and_delete_webhooks(setup: Setup) -> None:
    digest = setup.push("charts/other", "3.0.0")
    r = setup.send(harbor("harbor_push_artifact.json", "charts/other", "3.0.0", digest))
    assert r.status_code == 202 and r.json()["repositories"] == ["charts/other"]
    setup.settle()
    assert setup.versions("other") == {"1.0.0", "3.0.0"}
    assert setup.send(harbor("harbor_pull_artifact.json", "charts/other", "3.0.0",
                             digest)).json()["ignored"] == 1
    setup.pusher.delete_tag("charts/other", "3.0.0")
    r = setup.send(harbor("harbor_delete_artifact.json", "charts/other", "3.0.0", digest))
    assert r.status_code == 202
    setup.settle()
    assert setup.versions("other") == {"1.0.0"}


def test_events_during_a_sync_are_coalesced(setup: Setup) -> None:
    with setup.api.ctx.transaction() as session:  # a sync elsewhere holds the lease
        state = session.get(SyncState, setup.uid)
        assert state is not None
        state.lease_owner = "a-running-sync"
        state.lease_expires_at = utcnow() + timedelta(minutes=5)
    for version in ("1.1.0", "1.2.0", "1.3.0"):
        digest = setup.push("charts/demo", version)
        for body in distribution_push("charts/demo", version, digest):
            assert setup.send(body).status_code == 202
    refresher = setup.api.client.app.state.events.refresher  # type: ignore[attr-defined]
    assert not refresher.idle() and refresher.outcomes == []
    with setup.api.ctx.transaction() as session:  # the sync ends
        state = session.get(SyncState, setup.uid)
        assert state is not None
        state.lease_owner = None
        state.lease_expires_at = None
    setup.settle()
    assert setup.versions("demo") == {"1.0.0", "1.1.0", "1.2.0", "1.3.0"}
    [outcome] = refresher.outcomes  # three pushes, one refresh
    assert outcome.status == "Completed" and outcome.added == 3
    assert outcome.requests == 1 + 3 * 2  # one tags/list, then manifest + blob per version


def test_secret_rotation_needs_tenant_admin_and_replaces_the_old_secret(setup: Setup) -> None:
    api = setup.api
    viewer = api.as_role(Role.VIEWER)
    assert api.post(f"{setup.url}/secret", headers=viewer).status_code == 403
    assert api.get(setup.url, headers=viewer).status_code == 200
    foreign = api.as_role(Role.TENANT_ADMIN, tenant="other")
    assert api.post(f"{setup.url}/secret", headers=foreign).status_code == 404
    old = setup.secret
    new = api.post(f"{setup.url}/secret").json()["secret"]
    assert new != old and new.startswith("cye_")
    assert setup.send({"events": []}, secret=old).status_code == 401
    assert setup.send({"events": []}, secret=new).status_code == 202
    with api.ctx.transaction() as session:
        hook = session.get(RegistryEventHook, setup.uid)
        assert hook is not None and new not in hook.secret_hash and len(hook.secret_hash) == 64


def test_a_push_event_ahead_of_its_tag_is_looked_for_again(
        setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    # docker-registry notifies before it links the tag; here the event comes first outright.
    monkeypatch.setattr(runtime, "RETRY_DELAYS", (0.25,) * 400)  # look for up to 100 s
    data = setup.chart("late", "1.1.0")
    digest = setup.pusher.push_chart("elsewhere/late", "1.1.0", data)  # out of scope
    for body in distribution_push("charts/late", "1.1.0", digest):
        assert setup.send(body).status_code == 202
    refresher = setup.api.client.app.state.events.refresher  # type: ignore[attr-defined]
    wait_for(lambda: refresher.outcomes, 60, "the first refresh")
    assert refresher.outcomes[0].unseen == {"charts/late": {"1.1.0": digest}}
    assert setup.versions("late") == set()
    assert setup.pusher.push_chart("charts/late", "1.1.0", data) == digest  # no event sent
    wait_for(lambda: setup.versions("late") == {"1.1.0"}, 60, "the tag to be looked for again")
    setup.settle()  # found: nothing is scheduled any more
    assert refresher.outcomes[-1].unseen == {}


def test_a_pushed_tag_that_never_appears_is_left_to_the_sync(
        setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "RETRY_DELAYS", (0.05, 0.1))
    for body in distribution_push("charts/ghost", "1.0.0", "sha256:" + "0" * 64):
        assert setup.send(body).status_code == 202
    setup.settle()
    refresher = setup.api.client.app.state.events.refresher  # type: ignore[attr-defined]
    assert [o.status for o in refresher.outcomes] == ["Completed"] * 3  # a look, two more
    assert all(o.unseen == {"charts/ghost": {"1.0.0": "sha256:" + "0" * 64}}
               for o in refresher.outcomes)
    assert setup.versions("ghost") == set()
