"""Several `chartyard worker` processes on PostgreSQL: one sync per registry at a time."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from chartyard.app import create_app, prepare
from chartyard.context import AppContext
from chartyard.settings import Settings
from chartyard.store.models import ChartVersion, SyncRun, SyncState
from tests.harness.app import add_basic_registry
from tests.harness.oci_push import OciPusher
from tests.harness.procs import wait_for
from tests.harness.registry import RegistryServer

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_ctx(tmp_path: Path, postgres_url: str) -> Iterator[tuple[AppContext, dict[str, str]]]:
    key = Fernet.generate_key().decode()
    env = {"CHARTYARD_DATABASE_URL": postgres_url, "CHARTYARD_SECRET_KEY": key,
           "CHARTYARD_DATA_DIR": str(tmp_path / "data"), "CHARTYARD_ADMIN_PASSWORD": "Admin-123456",
           "CHARTYARD_LEASE_SECONDS": "3", "CHARTYARD_WORKER_POLL_SECONDS": "0.2",
           "CHARTYARD_REGISTRY_READ_TIMEOUT": "120", "CHARTYARD_LOG_LEVEL": "INFO"}
    settings = Settings(database_url=postgres_url, secret_key=key, data_dir=tmp_path / "data",
                        admin_password="Admin-123456")
    create_app(settings)
    ctx = AppContext.create(settings)
    prepare(ctx)
    yield ctx, env
    ctx.dispose()


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("CHARTYARD_")} | env
    return subprocess.Popen([sys.executable, "-m", "chartyard", "worker"], env=full,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)


def test_two_workers_share_registries_and_survive_kill_9(
        pg_ctx: tuple[AppContext, dict[str, str]], registry_factory: Any, chart_factory: Any,
        tmp_path: Path) -> None:
    ctx, env = pg_ctx
    registries = []
    for _ in range(3):
        reg: RegistryServer = registry_factory("plain")
        with OciPusher.for_registry(reg) as pusher:
            pusher.push_many([(f"apps/c{j}", f"1.{v}.0", chart_factory(f"c{j}", f"1.{v}.0"))
                              for j in range(4) for v in range(3)])
        registries.append(reg)
    stuck = registries[0]
    stuck.pause()  # the first registry hangs: whoever claims it is mid-sync when killed
    uids = [add_basic_registry(ctx, f"r{i}", reg.url) for i, reg in enumerate(registries)]
    workers = [_start_worker(env, tmp_path / f"w{i}.log") for i in range(2)]
    try:
        def owner() -> str | None:
            with ctx.transaction() as s:
                state = s.get(SyncState, uids[0])
                return state.lease_owner if state and state.status == "InProgress" else None

        holder = wait_for(owner, 120, "a worker to claim the hung registry")
        pid = int(holder.split(":")[1])
        victim = next(w for w in workers if w.pid == pid)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        stuck.resume()

        def all_completed() -> bool:
            with ctx.transaction() as s:
                states = [s.get(SyncState, u) for u in uids]
                return all(st is not None and st.status == "Completed" for st in states)

        wait_for(all_completed, 180, "every registry to complete")
        with ctx.transaction() as s:
            state = s.get(SyncState, uids[0])
            assert state is not None and state.lease_owner is None
            runs = s.scalars(select(SyncRun).where(SyncRun.registry_uid == uids[0])).all()
            assert {r.status for r in runs} >= {"Completed"}
            assert "InProgress" not in {r.status for r in runs}
            assert any(r.error_code == "WorkerLost" for r in runs)
            survivor = next(w for w in workers if w is not victim)
            done = next(r for r in runs if r.status == "Completed")
            assert done.worker.split(":")[1] == str(survivor.pid)
            for uid in uids:
                count = s.scalar(select(func.count()).select_from(ChartVersion)
                                 .where(ChartVersion.registry_uid == uid))
                distinct = s.scalar(select(func.count(func.distinct(
                    ChartVersion.repository + ":" + ChartVersion.tag)))
                    .where(ChartVersion.registry_uid == uid))
                assert count == distinct == 12
                completed = sorted(
                    (r.started_at, r.finished_at) for r in s.scalars(
                        select(SyncRun).where(SyncRun.registry_uid == uid,
                                              SyncRun.status == "Completed")))
                for (_, end), (start, _) in itertools.pairwise(completed):
                    assert end is not None and end <= start  # never two at once
    finally:
        for w in workers:
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)
                w.wait(20)
