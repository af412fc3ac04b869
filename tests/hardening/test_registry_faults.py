"""A hostile registry mid-sync: dropped connections, slow answers, truncated bodies, 500s.

The registry is real (docker-registry); a front in this process injects the
fault on the wire, so the client's real transport, retries and timeouts are
what is tested. For every fault: the sync ends Completed or Failed (never
stuck InProgress), a Failed sync names its cause and keeps the previous
catalog unchanged, and once the fault clears the next sync brings the catalog
up to date.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from chartyard.oci import ClientLimits
from tests.hardening._hostile import HostileRegistry, Reply, Seen
from tests.hardening._state import assert_settled, catalog_rows
from tests.harness.app import Api, basic_body
from tests.harness.oci_push import OciPusher
from tests.harness.procs import wait_until
from tests.harness.registry import RegistryServer
from tests.sync.conftest import sync_now

pytestmark = pytest.mark.timeout(300)

# Few, fast retries, but timeouts that a loaded 2-core CI box keeps easily: a localhost
# answer takes milliseconds, so only the faults below ever reach READ_TIMEOUT.
READ_TIMEOUT = 5.0
FAST = ClientLimits(max_retries=2, backoff_base=0.01, read_timeout=READ_TIMEOUT,
                    connect_timeout=10.0, max_in_flight=2)


def _slow(seen: Seen, n: int) -> Reply | None:
    time.sleep(0.05)  # every answer 50 ms late, well inside the timeout
    return None


@dataclass(frozen=True)
class Fault:
    """A fault on the wire and what the sync must end as."""

    rule: Callable[[Seen, int], Reply | None]
    status: str
    code: str | None = None
    cause: str = ""


def _manifests(seen: Seen) -> bool:
    return seen.method == "GET" and "/manifests/" in seen.path


class FirstTry:
    """True for the first request to each URL only: a transient fault that a retry outlives.

    (A global "every n-th request" fault can hit one request's retries every time
    when requests run concurrently, which would make the outcome a matter of luck.)
    """

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, seen: Seen) -> bool:
        key = f"{seen.method} {seen.path}"
        with self._lock:
            first = key not in self._seen
            self._seen.add(key)
            return first


Rule = Callable[[Seen, int], Reply | None]


def _transient(reply: Callable[[], Reply], only: Callable[[Seen], bool] = lambda s: True) -> Rule:
    first = FirstTry()
    return lambda seen, n: reply() if only(seen) and first(seen) else None


def faults() -> dict[str, Fault]:
    """Return the fault table, with fresh state for one test."""
    return {
        "connection closed on every manifest": Fault(
            lambda s, n: Reply(hang_up=True) if _manifests(s) else None,
            "Failed", "RegistryUnreachable", "closed the connection"),
        "connection closed on the first try of every request": Fault(
            _transient(lambda: Reply(hang_up=True)), "Completed"),
        "manifests slower than the read timeout": Fault(
            lambda s, n: Reply(delay=READ_TIMEOUT + 3, hang_up=True) if _manifests(s) else None,
            "Failed", "RegistryUnreachable", "did not answer in time"),
        "tags lists truncated": Fault(
            lambda s, n: Reply(200, {"Content-Type": "application/json"}, b'{"name":"x","tags":[',
                               declared_length=400) if "/tags/list" in s.path else None,
            "Failed", "ProtocolError", "broke off its answer"),
        "manifests truncated on the first try": Fault(
            _transient(lambda: Reply(200, {"Content-Type": "application/json"},
                                     b'{"schemaVersion":', declared_length=900), _manifests),
            "Completed"),
        "500 on every request": Fault(
            lambda s, n: Reply(500, {"Content-Type": "text/plain"}, b"boom"),
            "Failed", "ServerError", "kept answering 500"),
        "503 on the first try of every request": Fault(
            _transient(lambda: Reply(503, {"Retry-After": "0"}, b"busy")), "Completed"),
        "every answer slow but in time": Fault(_slow, "Completed"),
    }


@pytest.mark.parametrize("name", list(faults()))
def test_registry_fault_mid_sync(name: str, api: Api, plain_registry: RegistryServer,
                                 hostile: Callable[..., HostileRegistry], chart_factory: Any,
                                 unique_repo_prefix: str) -> None:
    fault = faults()[name]
    active = {"on": False}
    front = hostile(plain_registry.url,
                    lambda seen, n: fault.rule(seen, n) if active["on"] else None)
    repos = [f"{unique_repo_prefix}/c{i}" for i in range(3)]
    with OciPusher.for_registry(plain_registry) as pusher:
        for i, repo in enumerate(repos):
            pusher.push_chart(repo, "1.0.0", chart_factory(f"c{i}", "1.0.0"))
    uid = api.post("/v1/registries/oci/basic", basic_body(
        "r", front.url, sync=True, base=[unique_repo_prefix])).json()["uid"]
    assert sync_now(api.ctx, uid).status == "Completed"
    before = catalog_rows(api.ctx, uid)
    with OciPusher.for_registry(plain_registry) as pusher:
        for i, repo in enumerate(repos):
            pusher.push_chart(repo, "2.0.0", chart_factory(f"c{i}", "2.0.0"))

    api.ctx.sources.limits = FAST
    active["on"] = True
    outcome = sync_now(api.ctx, uid)
    state = assert_settled(api.ctx, uid)
    assert outcome.status == fault.status, (outcome, state.message)
    after = catalog_rows(api.ctx, uid)
    if fault.status == "Failed":
        assert (outcome.error_code, state.reason) == (fault.code, fault.code)
        assert fault.cause in state.message and "previous catalog is kept" in state.message
        assert after == before
        history = api.get(f"/v1/registries/oci/{uid}/basic/sync/history").json()["items"]
        assert history[0]["errorCode"] == fault.code
    else:
        assert before <= after and len(after) == 6, state.message

    active["on"] = False  # the fault clears: the next sync catches up, with default limits
    api.ctx.sources.limits = ClientLimits()
    caught_up = sync_now(api.ctx, uid)
    assert caught_up.status == "Completed", (caught_up, assert_settled(api.ctx, uid).message)
    assert_settled(api.ctx, uid)
    assert {(r, t) for r, t, _ in catalog_rows(api.ctx, uid)} == {
        (r, v) for r in repos for v in ("1.0.0", "2.0.0")}


def test_truncated_config_blobs_do_not_hide_charts_after_the_fault(
        api: Api, plain_registry: RegistryServer, hostile: Callable[..., HostileRegistry],
        chart_factory: Any, unique_repo_prefix: str) -> None:
    active = {"on": True}

    def truncate_blobs(seen: Seen, n: int) -> Reply | None:
        if active["on"] and "/blobs/" in seen.path:
            return Reply(200, {"Content-Type": "application/octet-stream"}, b"{",
                         declared_length=300)
        return None

    front = hostile(plain_registry.url, truncate_blobs)
    with OciPusher.for_registry(plain_registry) as pusher:
        pusher.push_chart(f"{unique_repo_prefix}/app", "1.0.0", chart_factory("app", "1.0.0"))
    uid = api.post("/v1/registries/oci/basic?skipValidation=true", basic_body(
        "r", front.url, sync=True, base=[unique_repo_prefix])).json()["uid"]
    api.ctx.sources.limits = FAST
    sync_now(api.ctx, uid)
    active["on"] = False
    assert sync_now(api.ctx, uid).status == "Completed"
    assert len(catalog_rows(api.ctx, uid)) == 1  # the chart shows up once the network heals


def test_sqlite_locked_mid_sync_waits_and_completes(
        api: Api, plain_registry: RegistryServer, hostile: Callable[..., HostileRegistry],
        chart_factory: Any, unique_repo_prefix: str) -> None:
    """Another process holds the SQLite write lock for 3 s mid-sync (busy_timeout is 10 s)."""
    db_path = api.ctx.settings.resolved_database_url.removeprefix("sqlite:///")
    held = threading.Event()
    released = threading.Event()

    def lock_for_three_seconds() -> None:
        blocker = sqlite3.connect(db_path, timeout=10, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # take the write lock
        held.set()
        time.sleep(3)
        blocker.execute("COMMIT")
        blocker.close()
        released.set()

    def lock_on_first_manifest(seen: Seen, n: int) -> Reply | None:
        if _manifests(seen) and not held.is_set():
            threading.Thread(target=lock_for_three_seconds, daemon=True).start()
            held.wait(5)
        return None

    with OciPusher.for_registry(plain_registry) as pusher:
        pusher.push_many([(f"{unique_repo_prefix}/c{i}", f"1.{v}.0",
                           chart_factory(f"c{i}", f"1.{v}.0")) for i in range(4) for v in range(3)])
    front = hostile(plain_registry.url, lock_on_first_manifest)  # validation reads no manifest
    uid = api.post("/v1/registries/oci/basic", basic_body(
        "r", front.url, sync=True, base=[unique_repo_prefix])).json()["uid"]
    outcome = sync_now(api.ctx, uid)
    assert held.is_set() and released.wait(10)
    assert outcome.status == "Completed", outcome
    assert_settled(api.ctx, uid)
    assert len(catalog_rows(api.ctx, uid)) == 12
    # Readers were never blocked (WAL): the catalog API answered during the lock as well.
    assert api.get("/v1/packs", params={"registryUid": uid}).json()["listmeta"]["count"] == 4


def _crash_one_sync(api: Api, registry: RegistryServer, chart_factory: Any, prefix: str,
                    monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a worker round in which the pipeline's progress write raises a database error."""
    from sqlalchemy.exc import OperationalError

    from chartyard.store.models import SyncState
    from chartyard.sync.pipeline import Progress
    from chartyard.sync.worker import Worker

    with OciPusher.for_registry(registry) as pusher:
        pusher.push_chart(f"{prefix}/app", "1.0.0", chart_factory("app", "1.0.0"))
    uid: str = api.post("/v1/registries/oci/basic", basic_body(
        "r", registry.url, sync=True, base=[prefix])).json()["uid"]

    async def broken(self: Progress, *, final: bool = False) -> None:
        raise OperationalError("UPDATE sync_states", {}, Exception("database is locked"))

    monkeypatch.setattr(Progress, "report", broken)
    worker = Worker(api.ctx)

    def settled() -> bool:
        with api.ctx.transaction() as session:
            state = session.get(SyncState, uid)
            return state is not None and state.status in ("Completed", "Failed")

    async def one_round() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        # Wait on the condition, generously (the state lives in the database).
        await asyncio.to_thread(wait_until, settled, timeout=120, interval=0.05,
                                what="the crashed sync to settle")
        stop.set()
        await task

    asyncio.run(one_round())
    return uid


def test_database_error_inside_the_pipeline_ends_failed_not_in_progress(
        api: Api, plain_registry: RegistryServer, chart_factory: Any,
        unique_repo_prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    uid = _crash_one_sync(api, plain_registry, chart_factory, unique_repo_prefix, monkeypatch)
    from chartyard.store.models import SyncState

    with api.ctx.transaction() as session:
        state = session.get(SyncState, uid)
        assert state is not None
        assert (state.status, state.reason, state.lease_owner) == (
            "Failed", "InternalError", None)
        assert "internal error (OperationalError)" in state.message
    status = api.get(f"/v1/registries/oci/{uid}/basic/sync/status").json()
    assert status["status"] == "Failed"


def test_a_crashed_sync_leaves_no_in_progress_run_in_history(
        api: Api, plain_registry: RegistryServer, chart_factory: Any,
        unique_repo_prefix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    uid = _crash_one_sync(api, plain_registry, chart_factory, unique_repo_prefix, monkeypatch)
    assert_settled(api.ctx, uid)
