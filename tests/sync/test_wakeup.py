"""A requested sync starts at once: in process by a wake-up, across processes by NOTIFY.

The workers here poll only every 60 s, and every wait below is far shorter: only the
wake-up can explain a sync that starts.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select, text

from chartyard.app import create_app, prepare
from chartyard.context import AppContext
from chartyard.settings import Settings
from chartyard.store.models import Registry, SyncRun, SyncState
from chartyard.store.wakeup import Wakeup, mark_due
from chartyard.sync.scheduling import request_sync
from chartyard.sync.worker import BackgroundWorker
from tests.harness.app import ADMIN_PASSWORD, add_basic_registry, admin_principal
from tests.harness.oci_push import OciPusher
from tests.harness.procs import wait_for
from tests.harness.registry import RegistryServer

pytestmark = pytest.mark.timeout(240)

POLL = 60.0  # the safety-net poll: longer than any wait below
WITHIN = 30.0  # generous, and still half the poll


def _runs(ctx: AppContext, uid: str) -> int:
    with ctx.transaction() as s:
        return s.scalar(select(func.count()).select_from(SyncRun)
                        .where(SyncRun.registry_uid == uid)) or 0


def _completed_runs(ctx: AppContext, uid: str) -> int:
    with ctx.transaction() as s:
        return s.scalar(select(func.count()).select_from(SyncRun).where(
            SyncRun.registry_uid == uid, SyncRun.status == "Completed")) or 0


def _sync_now(ctx: AppContext, uid: str, *, force: bool = False) -> None:
    with ctx.transaction() as s:
        reg = s.get(Registry, uid)
        assert reg is not None
        request_sync(s, admin_principal(ctx), reg, force=force)


@pytest.fixture
def pushed(registry_factory: Any, chart_factory: Any) -> RegistryServer:
    reg: RegistryServer = registry_factory("plain")
    with OciPusher.for_registry(reg) as pusher:
        pusher.push_many([(f"apps/c{j}", "1.0.0", chart_factory(f"c{j}", "1.0.0"))
                          for j in range(2)])
    return reg


def test_commits_that_make_work_due_wake_the_loop_and_rollbacks_do_not(
        tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", admin_password=ADMIN_PASSWORD,
                        database_url=f"sqlite:///{tmp_path / 'c.db'}")
    create_app(settings)
    ctx = AppContext.create(settings)
    prepare(ctx)
    woken: list[bool] = []

    async def observe(change: Callable[[], None]) -> bool:
        event = ctx.wakeup.subscribe()
        try:
            await asyncio.to_thread(change)
            await asyncio.sleep(0.05)  # let call_soon_threadsafe run
            return event.is_set()
        finally:
            ctx.wakeup.unsubscribe(event)

    def rolled_back() -> None:
        with ctx.sessions() as s, s.begin():
            mark_due(s)
            s.rollback()

    def unrelated() -> None:
        with ctx.transaction() as s:
            s.execute(text("SELECT 1"))

    def due() -> None:
        with ctx.transaction() as s:
            mark_due(s)

    for change in (rolled_back, unrelated, due):
        woken.append(asyncio.run(observe(change)))
    ctx.dispose()
    assert woken == [False, False, True]
    assert isinstance(ctx.wakeup, Wakeup)


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres",
                                                             marks=pytest.mark.postgres)])
def test_in_process_worker_starts_a_requested_sync_without_waiting_for_its_poll(
        tmp_path: Path, pushed: RegistryServer, database: str,
        request: pytest.FixtureRequest) -> None:
    url = (f"sqlite:///{tmp_path / 'c.db'}" if database == "sqlite"
           else str(request.getfixturevalue("postgres_url")))
    settings = Settings(data_dir=tmp_path / "data", admin_password=ADMIN_PASSWORD,
                        database_url=url, worker_poll_seconds=POLL)
    create_app(settings)
    ctx = AppContext.create(settings)
    prepare(ctx)
    worker = BackgroundWorker(ctx)
    worker.start()
    try:
        idle = worker.worker.idle
        wait_for(idle.is_set, WITHIN, "the worker to wait for work")  # it found nothing due
        uid = add_basic_registry(ctx, "r", pushed.url)  # created: due now
        wait_for(lambda: _completed_runs(ctx, uid) == 1, WITHIN, "the new registry's first sync")
        for expected in (2, 3):
            wait_for(idle.is_set, WITHIN, "the worker to wait for work again")
            _sync_now(ctx, uid, force=expected == 3)  # "Sync now", then forced
            wait_for(lambda n=expected: _completed_runs(ctx, uid) == n,  # type: ignore[misc]
                     WITHIN, f"requested sync {expected}")
    finally:
        asyncio.run(worker.stop())
        ctx.dispose()


@pytest.fixture
def pg_ctx(tmp_path: Path, postgres_url: str) -> Iterator[tuple[AppContext, dict[str, str]]]:
    key = Fernet.generate_key().decode()
    env = {"CHARTYARD_DATABASE_URL": postgres_url, "CHARTYARD_SECRET_KEY": key,
           "CHARTYARD_DATA_DIR": str(tmp_path / "data"),
           "CHARTYARD_ADMIN_PASSWORD": "Admin-123456",
           "CHARTYARD_WORKER_POLL_SECONDS": str(POLL), "CHARTYARD_LOG_LEVEL": "INFO"}
    settings = Settings(database_url=postgres_url, secret_key=key, data_dir=tmp_path / "data",
                        admin_password="Admin-123456")
    create_app(settings)
    ctx = AppContext.create(settings)
    prepare(ctx)
    yield ctx, env
    ctx.dispose()


@pytest.mark.postgres
def test_two_worker_processes_start_a_sync_on_notify_not_on_their_poll(
        pg_ctx: tuple[AppContext, dict[str, str]], pushed: RegistryServer,
        tmp_path: Path) -> None:
    ctx, env = pg_ctx
    full = {k: v for k, v in os.environ.items() if not k.startswith("CHARTYARD_")} | env
    workers = [subprocess.Popen([sys.executable, "-m", "chartyard", "worker"], env=full,
                                stdout=(tmp_path / f"w{i}.log").open("wb"),
                                stderr=subprocess.STDOUT) for i in range(2)]
    try:
        def listening() -> bool:
            with ctx.transaction() as s:
                count = s.scalar(text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query LIKE 'LISTEN chartyard_sync%'"))
            return count == 2

        wait_for(listening, 60, "both workers to LISTEN")
        # The workers' first claim found nothing; they now sleep for the 60 s poll.
        uid = add_basic_registry(ctx, "r", pushed.url)
        wait_for(lambda: _completed_runs(ctx, uid) == 1, WITHIN, "the new registry's first sync")
        for expected in (2, 3):
            _sync_now(ctx, uid, force=expected == 3)
            wait_for(lambda n=expected: _completed_runs(ctx, uid) == n,  # type: ignore[misc]
                     WITHIN, f"requested sync {expected}")
        with ctx.transaction() as s:
            state = s.get(SyncState, uid)
            assert state is not None and state.status == "Completed"
            owners = {r.worker for r in s.scalars(
                select(SyncRun).where(SyncRun.registry_uid == uid))}
        assert all(w.split(":")[1] in {str(p.pid) for p in workers} for w in owners)
        assert _runs(ctx, uid) == 3
    finally:
        for w in workers:
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(30)
            except subprocess.TimeoutExpired:
                w.kill()
                w.wait()
