"""SIGTERM: the API finishes requests in flight; a worker hands its lease to another at once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from chartyard.app import prepare
from chartyard.context import AppContext
from chartyard.settings import Settings
from chartyard.store.models import SyncRun, SyncState
from tests.harness.app import add_basic_registry, basic_body
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.oci_push import OciPusher
from tests.harness.procs import wait_for
from tests.harness.registry import RegistryServer


def _connected_to(port: int) -> bool:
    """Tell whether some local socket has an established connection to 127.0.0.1:port."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            remote, state = fields[2], fields[3]
            if state == "01" and int(remote.rsplit(":", 1)[1], 16) == port:
                return True
    return False


def _refuses(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except OSError:
        return True
    return False


def test_api_finishes_a_request_in_flight_after_sigterm(
        tmp_path: Path, registry_factory: Any) -> None:
    registry: RegistryServer = registry_factory("plain")
    server = ChartyardServer(tmp_path / "data", admin_password="grace-admin-pass", worker=False,
                             extra_env={"CHARTYARD_REGISTRY_READ_TIMEOUT": "120"})
    result: dict[str, Any] = {}
    try:
        token = server.token()
        registry.pause()  # the validation below waits on it: a slow request in flight

        def slow() -> None:
            try:
                result["response"] = httpx.post(
                    f"{server.url}/v1/registries/oci/basic/validate", timeout=120,
                    headers={"Authorization": f"Bearer {token}"},
                    json=basic_body("slow", registry.url))
            except httpx.HTTPError as exc:
                result["error"] = exc

        client = threading.Thread(target=slow)
        client.start()
        wait_for(lambda: _connected_to(registry.port) or result, 30,
              "chartyard to reach the registry")
        assert not result, result
        server.proc.send_signal(signal.SIGTERM)
        wait_for(lambda: _refuses(server.port), 30, "the server to stop accepting connections")
        assert client.is_alive() and server.proc.poll() is None  # still finishing it
        registry.resume()
        client.join(60)
        assert "error" not in result, result
        assert result["response"].status_code == 204, result["response"].text
        # uvicorn re-raises the signal once it has shut down cleanly.
        assert server.proc.wait(30) in (0, -signal.SIGTERM)
    finally:
        registry.resume()
        server.close()


@pytest.fixture
def pg_env(tmp_path: Path, postgres_url: str) -> Iterator[tuple[AppContext, dict[str, str]]]:
    key = Fernet.generate_key().decode()
    env = {"CHARTYARD_DATABASE_URL": postgres_url, "CHARTYARD_SECRET_KEY": key,
           "CHARTYARD_ADMIN_PASSWORD": "Admin-123456", "CHARTYARD_LOG_LEVEL": "INFO",
           # A lease that would outlast the test: only a handed-back lease lets the
           # other worker in.
           "CHARTYARD_LEASE_SECONDS": "600", "CHARTYARD_WORKER_POLL_SECONDS": "0.2",
           "CHARTYARD_REGISTRY_READ_TIMEOUT": "120"}
    settings = Settings(database_url=postgres_url, secret_key=key, data_dir=tmp_path / "ctx",
                        admin_password="Admin-123456")
    ctx = AppContext.create(settings)
    prepare(ctx)
    yield ctx, env
    ctx.dispose()


@pytest.mark.postgres
def test_worker_hands_its_lease_over_on_sigterm(
        pg_env: tuple[AppContext, dict[str, str]], registry_factory: Any, chart_factory: Any,
        tmp_path: Path) -> None:
    ctx, env = pg_env
    registry: RegistryServer = registry_factory("plain")
    with OciPusher.for_registry(registry) as pusher:
        pusher.push_many([(f"apps/c{j}", "1.0.0", chart_factory(f"c{j}", "1.0.0"))
                          for j in range(3)])
    registry.pause()  # whoever claims the sync hangs in it
    uid = add_basic_registry(ctx, "slow", registry.url)
    base = {k: v for k, v in os.environ.items() if not k.startswith("CHARTYARD_")} | env
    logs = [tmp_path / f"w{i}.log" for i in range(2)]
    workers = [subprocess.Popen([sys.executable, "-m", "chartyard", "worker"],
                                env=base | {"CHARTYARD_DATA_DIR": str(tmp_path / f"w{i}")},
                                stdout=logs[i].open("wb"), stderr=subprocess.STDOUT)
               for i in range(2)]

    def owner() -> str | None:
        with ctx.transaction() as s:
            state = s.get(SyncState, uid)
            return state.lease_owner if state and state.status == "InProgress" else None

    try:
        holder = wait_for(owner, 60, "a worker to claim the registry")
        victim = next(w for w in workers if w.pid == int(holder.split(":")[1]))
        survivor = next(w for w in workers if w is not victim)
        victim.send_signal(signal.SIGTERM)
        assert victim.wait(30) == 0
        log = logs[workers.index(victim)].read_text()
        assert "lease handed back" in log
        # The survivor takes over long before the 600 s lease would have expired.
        new_owner = wait_for(lambda: (o := owner()) and o != holder and o, 60,
                              "the other worker to take the lease over")
        assert int(new_owner.split(":")[1]) == survivor.pid
        registry.resume()

        def completed() -> bool:
            with ctx.transaction() as s:
                state = s.get(SyncState, uid)
                return state is not None and state.status == "Completed"

        wait_for(completed, 120, "the survivor to complete the sync")
        with ctx.transaction() as s:
            from sqlalchemy import select

            runs = s.scalars(select(SyncRun).where(SyncRun.registry_uid == uid)).all()
            assert {r.status for r in runs} == {"Failed", "Completed"}
            assert next(r for r in runs if r.status == "Completed").worker == new_owner
    finally:
        registry.resume()
        for w in workers:
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)
                w.wait(30)
