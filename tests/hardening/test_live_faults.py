"""Faults against a live `chartyard serve`: PostgreSQL restarted mid-sync, 50 concurrent clients.

Both run the real server process with its embedded worker; the registry is a
real docker-registry behind a front that slows it down so the sync is still
running while the fault happens.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from chartyard.store.models import ChartVersion, SyncRun, SyncState
from tests.hardening._hostile import HostileRegistry, Reply, Seen
from tests.harness.app import basic_body
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.oci_push import OciPusher
from tests.harness.postgres import PostgresServer
from tests.harness.procs import wait_for
from tests.harness.registry import RegistryServer

PASSWORD = "Live-Admin-Pass-1"
SETTLED = ("Completed", "Failed")


def _status(client: httpx.Client, uid: str) -> dict[str, Any] | None:
    try:
        reply = client.get(f"/v1/registries/oci/{uid}/basic/sync/status")
    except httpx.TransportError:
        return None
    return reply.json() if reply.status_code == 200 else None


def _slow_manifests(delay: float, on_manifest: Callable[[int], None] | None = None,
                    ) -> Callable[[Seen, int], Reply | None]:
    seen_manifests = {"n": 0}
    lock = threading.Lock()

    def rule(seen: Seen, n: int) -> Reply | None:
        if seen.method == "GET" and ("/manifests/" in seen.path or "/blobs/" in seen.path):
            with lock:
                seen_manifests["n"] += 1
                count = seen_manifests["n"]
            if on_manifest is not None:
                on_manifest(count)
            time.sleep(delay)
        return None

    return rule


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[Callable[..., ChartyardServer]]:
    made: list[ChartyardServer] = []

    def make(**kwargs: Any) -> ChartyardServer:
        server = ChartyardServer(tmp_path / f"data{len(made)}", admin_password=PASSWORD,
                                 **kwargs)
        made.append(server)
        return server

    yield make
    for server in made:
        server.close()


@pytest.mark.postgres
@pytest.mark.timeout(240)
def test_postgres_restarted_mid_sync_settles_and_worker_keeps_running(
        live_server: Callable[..., ChartyardServer], postgres_server: PostgresServer,
        postgres_url: str, plain_registry: RegistryServer,
        hostile: Callable[..., HostileRegistry], chart_factory: Any,
        unique_repo_prefix: str) -> None:
    with OciPusher.for_registry(plain_registry) as pusher:
        pusher.push_many([(f"{unique_repo_prefix}/c{i}", f"1.{v}.0",
                           chart_factory(f"c{i}", f"1.{v}.0")) for i in range(8) for v in range(3)])
    restarted = threading.Event()

    def restart_on_sixth(count: int) -> None:
        if count == 6 and not restarted.is_set():
            restarted.set()
            threading.Thread(target=postgres_server.restart, daemon=True).start()

    front = hostile(plain_registry.url, _slow_manifests(0.15, restart_on_sixth))
    server = live_server(database_url=postgres_url, extra_env={
        "CHARTYARD_MAX_IN_FLIGHT_PER_HOST": "1", "CHARTYARD_LEASE_SECONDS": "6"})
    with httpx.Client(base_url=server.url, timeout=30, headers={
            "Authorization": f"Bearer {server.token()}"}) as client:
        uid = client.post("/v1/registries/oci/basic", json=basic_body(
            "pg", front.url, sync=True, base=[unique_repo_prefix])).json()["uid"]
        wait_for(restarted.is_set, 60, "the restart mid-sync")

        # Until PostgreSQL is back the API may answer 503 DatabaseUnavailable, never a 500.
        outage: Counter[int] = Counter()

        def settled() -> dict[str, Any] | None:
            try:
                reply = client.get(f"/v1/registries/oci/{uid}/basic/sync/status")
            except httpx.TransportError:
                return None
            outage[reply.status_code] += 1
            if reply.status_code == 200 and reply.json()["status"] in SETTLED:
                return dict(reply.json())
            return None

        first = wait_for(settled, 120, "the interrupted sync to settle")
        assert set(outage) <= {200, 503}, outage
        if first["status"] == "Failed":
            assert first["reason"] and first["message"]
        # The worker is still alive: a requested sync runs and completes the catalog.
        assert client.post(f"/v1/registries/oci/{uid}/basic/sync").status_code == 202
        wait_for(lambda: (s := _status(client, uid)) and s["status"] == "Completed"
              and s["lastRunTime"] != first["lastRunTime"], 120, "the follow-up sync")
        assert server.proc.poll() is None

    engine = create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            versions = conn.scalar(select(func.count()).select_from(ChartVersion)
                                   .where(ChartVersion.registry_uid == uid))
            running = conn.scalar(select(func.count()).select_from(SyncRun).where(
                SyncRun.registry_uid == uid, SyncRun.status == "InProgress"))
            lease = conn.scalar(select(SyncState.lease_owner)
                                .where(SyncState.registry_uid == uid))
    finally:
        engine.dispose()
    assert (versions, running, lease) == (24, 0, None)
    print(f"\npostgres restart: first outcome {first['status']} ({first.get('reason')}); "
          f"statuses while it was down {dict(outage)}")


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_fifty_concurrent_clients_during_a_sync(
        live_server: Callable[..., ChartyardServer], plain_registry: RegistryServer,
        hostile: Callable[..., HostileRegistry], chart_factory: Any,
        unique_repo_prefix: str) -> None:
    """50 threads read and write through the API while a sync rewrites the catalog."""
    prefix = unique_repo_prefix
    with OciPusher.for_registry(plain_registry) as pusher:
        pusher.push_many([(f"{prefix}/c{i}", f"1.{v}.0", chart_factory(f"c{i}", f"1.{v}.0"))
                          for i in range(20) for v in range(3)])
    slow = {"on": False}
    rule = _slow_manifests(0.2)
    front = hostile(plain_registry.url, lambda seen, n: rule(seen, n) if slow["on"] else None)
    server = live_server(extra_env={"CHARTYARD_MAX_IN_FLIGHT_PER_HOST": "2",
                                    "CHARTYARD_LOG_LEVEL": "INFO"})
    admin = {"Authorization": f"Bearer {server.token()}"}
    with httpx.Client(base_url=server.url, timeout=60, headers=admin) as client:
        uid = client.post("/v1/registries/oci/basic", json=basic_body(
            "load", front.url, sync=True, base=[prefix])).json()["uid"]
        wait_for(lambda: (s := _status(client, uid)) and s["status"] == "Completed", 60,
              "the first sync")
        key = client.post("/v1/apikeys", json={"name": "load"}).json()["key"]
        pack = client.get(f"/v1/packs/c0/registries/{uid}").json()["tags"][0]["packUid"]
        before = client.get(f"/v1/registries/oci/{uid}/basic").json()["status"]["syncStatus"]

    with OciPusher.for_registry(plain_registry) as pusher:
        pusher.push_many([(f"{prefix}/c{i}", "2.0.0", chart_factory(f"c{i}", "2.0.0"))
                          for i in range(20)]
                         + [(f"{prefix}/n{i}", f"1.{v}.0", chart_factory(f"n{i}", f"1.{v}.0"))
                            for i in range(5) for v in range(2)])
    consistent = {(20, 60), (25, 90)}  # (charts, versions) before and after: nothing between
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    seen_snapshots: Counter[tuple[int, int]] = Counter()
    problems: list[str] = []
    lock = threading.Lock()
    done = threading.Event()

    def client_loop(index: int) -> None:
        calls: list[tuple[str, str, dict[str, Any] | None]] = [
            ("GET", f"/v1/packs?registryUid={uid}&limit=200", None),
            ("GET", f"/v1/packs/c{index % 20}/registries/{uid}", None),
            ("GET", f"/v1/registries/oci/{uid}/basic/sync/status", None),
            ("GET", "/v1/registries/oci/summary", None),
            ("GET", f"/v1/packs/{pack}/values", None),
            ("GET", "/v1/audit?limit=20", None),
            ("GET", "/v1/clusterprofiles", None),
            ("POST", "/v1/clusterprofiles", None),
        ]
        with httpx.Client(base_url=server.url, timeout=60, headers={"ApiKey": key}) as http:
            i = after_done = 0
            while after_done < 8:  # run through the sync, then 8 more calls on the new catalog
                after_done += done.is_set()
                method, path, body = calls[i % len(calls)]
                if method == "POST":
                    body = {"metadata": {"name": f"load-{index}-{i}"},
                            "spec": {"version": "1.0.0", "template": {
                                "type": "add-on", "cloudType": "all",
                                "packs": [{"name": "c0", "tag": "1.0.0", "registryUid": uid,
                                           "type": "oci", "values": "a: 1\n"}]}}}
                started = time.monotonic()
                reply = http.request(method, path, json=body)
                elapsed = time.monotonic() - started
                snapshot = None
                if reply.status_code == 200 and path.startswith("/v1/packs?"):
                    items = reply.json()["items"]
                    snapshot = (len(items), sum(item["versions"] for item in items))
                with lock:
                    statuses[reply.status_code] += 1
                    latencies.append(elapsed)
                    if snapshot is not None:
                        seen_snapshots[snapshot] += 1
                        if snapshot not in consistent:
                            problems.append(f"half-applied catalog seen: {snapshot}")
                    if reply.status_code >= 500:
                        problems.append(f"{method} {path}: {reply.status_code} {reply.text}")
                i += 1

    slow["on"] = True
    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(50)]
    started = time.monotonic()
    with httpx.Client(base_url=server.url, timeout=60, headers=admin) as client:
        assert client.post(f"/v1/registries/oci/{uid}/basic/sync").status_code == 202
        for thread in threads:
            thread.start()
        final = wait_for(lambda: (s := _status(client, uid)) and s["status"] in SETTLED
                      and s["lastRunTime"] != before["lastRunTime"] and s, 180,
                      "the sync under load")
        done.set()
        for thread in threads:
            thread.join(120)
        duration = time.monotonic() - started
        assert final["status"] == "Completed", final
        after = client.get("/v1/packs", params={"registryUid": uid, "limit": 200}).json()
        assert (len(after["items"]), sum(i["versions"] for i in after["items"])) == (25, 90)
        profiles = client.get("/v1/clusterprofiles", params={"limit": 200}).json()

    assert not problems, problems[:10]
    total = sum(statuses.values())
    assert set(statuses) <= {200, 201}, statuses
    assert profiles["listmeta"]["count"] == min(200, statuses[201])
    assert server.proc.poll() is None and "Traceback" not in server.log_text()
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95)]
    print(f"\nload: 50 clients, {total} requests in {duration:.1f} s "
          f"({total / duration:.0f} req/s) while the sync ran; statuses {dict(statuses)}; "
          f"latency p50 {statistics.median(latencies) * 1000:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms; "
          f"catalog snapshots seen {dict(seen_snapshots)}")
