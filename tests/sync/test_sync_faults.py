"""Faults during a sync: the registry dies mid-sync, rate limits and 5xx bursts."""

from __future__ import annotations

from typing import Any

import httpx

from chartyard.oci import ClientLimits
from tests.harness.app import Api, basic_body
from tests.harness.oci_push import OciPusher
from tests.harness.registry import RegistryServer
from tests.harness.transports import HookTransport
from tests.sync.conftest import catalog, sync_now


def _registry_with_charts(registry_factory: Any, chart_factory: Any, repos: int,
                          versions: int) -> RegistryServer:
    reg: RegistryServer = registry_factory("plain")
    with OciPusher.for_registry(reg) as pusher:
        pusher.push_many([(f"apps/c{i}", f"1.{v}.0", chart_factory(f"c{i}", f"1.{v}.0"))
                          for i in range(repos) for v in range(versions)])
    return reg


def test_registry_stopped_mid_sync_keeps_catalog_then_recovers(
        api: Api, registry_factory: Any, chart_factory: Any) -> None:
    reg = _registry_with_charts(registry_factory, chart_factory, 3, 2)
    uid = api.post("/v1/registries/oci/basic",
                   basic_body("r", reg.url, sync=True, base=["apps"])).json()["uid"]
    assert sync_now(api.ctx, uid).status == "Completed"
    before = catalog(api, uid)
    with OciPusher.for_registry(reg) as pusher:
        for i in range(3, 8):
            pusher.push_chart(f"apps/c{i}", "2.0.0", chart_factory(f"c{i}", "2.0.0"))

    def stop_after_some(request: httpx.Request, n: int) -> None:
        if n == 4:  # catalog and a few tags lists are done: the registry dies now
            reg.stop()

    api.ctx.sources.transport = HookTransport(stop_after_some)
    api.ctx.sources.limits = ClientLimits(max_retries=1, backoff_base=0.01, max_in_flight=1)
    outcome = sync_now(api.ctx, uid)
    assert outcome.status == "Failed"
    assert outcome.error_code == "RegistryUnreachable"
    status = api.get(f"/v1/registries/oci/{uid}/basic/sync/status").json()
    assert status["status"] == "Failed"
    assert status["reason"] == "RegistryUnreachable"
    assert "previous catalog is kept" in status["message"]
    assert catalog(api, uid) == before

    reg.start()
    api.ctx.sources.transport = None
    assert sync_now(api.ctx, uid).status == "Completed"
    after = catalog(api, uid)
    assert len(after) == 8 and after["apps/c7"] == {"2.0.0": "2.0.0"}


def test_rate_limits_and_5xx_bursts_are_retried_within_bound(
        api: Api, registry_factory: Any, chart_factory: Any) -> None:
    reg = _registry_with_charts(registry_factory, chart_factory, 4, 3)
    uid = api.post("/v1/registries/oci/basic",
                   basic_body("r", reg.url, sync=True, base=["apps"])).json()["uid"]
    faults = {"429": 0, "503": 0}
    faulted: set[str] = set()  # each path fails once at most: within any retry bound

    def flaky(request: httpx.Request, n: int) -> httpx.Response | None:
        path = request.url.path
        if path in faulted:
            return None
        manifest = "/manifests/" in path
        if manifest and faults["429"] < 2:
            faults["429"] += 1
            faulted.add(path)
            return httpx.Response(429, headers={"Retry-After": "0"})
        if not manifest and faults["503"] < 6:  # ping, catalog, tags lists, blobs
            faults["503"] += 1
            faulted.add(path)
            return httpx.Response(503, text="busy")
        return None

    api.ctx.sources.transport = HookTransport(flaky)
    api.ctx.sources.limits = ClientLimits(max_retries=3, backoff_base=0.01)
    outcome = sync_now(api.ctx, uid)
    assert outcome.status == "Completed", outcome
    assert faults == {"429": 2, "503": 6}
    assert sum(len(t) for t in catalog(api, uid).values()) == 12


def test_persistent_5xx_fails_after_the_retry_bound(api: Api, registry_factory: Any,
                                                    chart_factory: Any) -> None:
    reg = _registry_with_charts(registry_factory, chart_factory, 1, 1)
    uid = api.post("/v1/registries/oci/basic",
                   basic_body("r", reg.url, sync=True, base=["apps"])).json()["uid"]
    transport = HookTransport(lambda request, n: httpx.Response(503, text="down"))
    api.ctx.sources.transport = transport
    api.ctx.sources.limits = ClientLimits(max_retries=2, backoff_base=0.01)
    outcome = sync_now(api.ctx, uid)
    assert outcome.status == "Failed"
    assert transport.count == 3  # one request and two retries, then it gives up
    status = api.get(f"/v1/registries/oci/{uid}/basic/sync/status").json()
    assert status["status"] == "Failed" and status["reason"]


def test_sync_off_reads_once_and_is_not_periodic(api: Api, registry_factory: Any,
                                                 chart_factory: Any) -> None:
    reg = _registry_with_charts(registry_factory, chart_factory, 2, 1)
    uid = api.post("/v1/registries/oci/basic",
                   basic_body("off", reg.url, sync=False, base=["apps"])).json()["uid"]
    assert sync_now(api.ctx, uid).status == "Completed"  # the read at registration
    assert len(catalog(api, uid)) == 2
    from chartyard.store.models import SyncState

    with api.ctx.transaction() as s:
        state = s.get(SyncState, uid)
        assert state is not None and state.due_at is None  # no periodic sync
    with OciPusher.for_registry(reg) as pusher:
        pusher.push_chart("apps/c9", "1.0.0", chart_factory("c9", "1.0.0"))
    assert api.post(f"/v1/registries/oci/{uid}/basic/sync").status_code == 202
    assert sync_now(api.ctx, uid).status == "Completed"  # manual Synchronize works
    assert len(catalog(api, uid)) == 3


def test_revoked_credentials_fail_as_authentication_not_catalog(
        api: Api, registry_factory: Any, helm: Any, chart_factory: Any) -> None:
    reg: RegistryServer = registry_factory("htpasswd_tls", username="robot", password="pass-1234")
    helm.push(chart_factory.write("app", "1.0.0"), f"{reg.oci_url}/apps", ca_file=reg.ca_file,
              username="robot", password="pass-1234")
    body = basic_body("r", reg.url, username="robot", password="pass-1234", ca=reg.ca_pem or "",
                      sync=True, base=["apps"])
    uid = api.post("/v1/registries/oci/basic", body).json()["uid"]
    assert sync_now(api.ctx, uid).status == "Completed"
    reg.set_user("robot", "rotated-elsewhere")
    outcome = sync_now(api.ctx, uid)
    assert (outcome.status, outcome.error_code) == ("Failed", "AuthenticationFailed")
