"""A mirror starts as soon as it is queued, not at the workers' next poll.

The workers here poll only every 60 s, and every wait below is half that: only the
wake-up sent when the run is queued can explain a mirror that completes.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select, text

from chartyard.mirror import worker as mirror_worker
from chartyard.settings import Settings
from chartyard.store.models import SyncState
from chartyard.sync.worker import BackgroundWorker
from tests.harness.app import ADMIN_PASSWORD
from tests.harness.procs import ManagedProcess, wait_for
from tests.mirror.conftest import World
from tests.mirror.test_mirror import start, status

pytestmark = pytest.mark.timeout(300)

POLL = 60.0
WITHIN = 30.0


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings whose workers poll only every minute."""
    return Settings(data_dir=tmp_path / "data", database_url=database_url,
                    admin_password=ADMIN_PASSWORD, worker_poll_seconds=POLL)


def _nothing_due(world: World) -> World:
    """Leave no registry sync due, so that a worker finds nothing to do until woken."""
    with world.api.ctx.transaction() as s:
        for state in s.scalars(select(SyncState)):
            state.due_at = None
    return world


def _completed(world: World, uid: str) -> bool:
    got = status(world, uid)
    assert got["status"] != "Failed", got["message"]
    return got["status"] == "Completed"


def test_a_queued_mirror_wakes_the_worker_of_its_process(
        make_world: Callable[..., World]) -> None:
    world = _nothing_due(make_world())
    worker = BackgroundWorker(world.api.ctx, extra=[mirror_worker.claim])
    worker.start()
    try:
        wait_for(worker.worker.idle.is_set, WITHIN, "the worker to wait for work")
        uid = start(world)
        wait_for(lambda: _completed(world, uid), WITHIN, "the queued mirror to complete")
    finally:
        asyncio.run(worker.stop())
    assert status(world, uid)["blobsCopied"] > 0


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # NOTIFY is PostgreSQL's
def test_a_queued_mirror_wakes_a_worker_process_through_notify(
        make_world: Callable[..., World], settings: Settings, tmp_path: Path) -> None:
    world = _nothing_due(make_world())
    log = tmp_path / "worker.log"
    worker = ManagedProcess(
        [sys.executable, "-m", "chartyard", "worker"], log_path=log,
        env={"CHARTYARD_DATA_DIR": str(settings.data_dir),
             "CHARTYARD_DATABASE_URL": settings.resolved_database_url,
             "CHARTYARD_WORKER_POLL_SECONDS": str(POLL), "CHARTYARD_LOG_LEVEL": "DEBUG",
             "CHARTYARD_LOG_FORMAT": "text"})
    try:
        def listening() -> bool:
            with world.api.ctx.transaction() as s:
                return bool(s.scalar(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                    "current_database() AND query LIKE 'LISTEN chartyard_sync%'")))

        wait_for(listening, 60, "the worker process to LISTEN")
        # Its first claim found nothing: it now sleeps for the 60 s poll.
        wait_for(lambda: "waiting for work" in log.read_text(errors="replace"), 60,
                 "the worker process to wait for work")
        uid = start(world)
        wait_for(lambda: _completed(world, uid), WITHIN, "the queued mirror to complete")
    finally:
        worker.stop(timeout=30)
