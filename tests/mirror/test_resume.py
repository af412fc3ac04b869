"""A mirror whose worker process is killed mid-run resumes on another worker and never
uploads a blob twice (the destination registry's access log is the witness)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from chartyard.mirror import jobs
from chartyard.mirror.runner import run_mirror
from chartyard.settings import Settings
from tests.harness.procs import wait_until
from tests.harness.registry import RegistryServer
from tests.mirror.conftest import World, blob_puts
from tests.mirror.test_mirror import start, status


def spawn_worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTYARD_")}
    env.update({"CHARTYARD_DATA_DIR": str(settings.data_dir),
                "CHARTYARD_DATABASE_URL": settings.resolved_database_url,
                "CHARTYARD_WORKER_POLL_SECONDS": "0.1", "CHARTYARD_LEASE_SECONDS": "2"})
    return subprocess.Popen([sys.executable, "-m", "chartyard", "worker"], env=env,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)


def test_killed_mirror_resumes_without_copying_a_blob_twice(
        make_world: Callable[..., World], registry_factory: Callable[..., RegistryServer],
        settings: Settings, tmp_path: Path) -> None:
    images = registry_factory("plain")
    world = make_world(images=images)
    uid = start(world, includeImages=True)
    log = tmp_path / "workers.log"
    images.pause()  # the charts copy; the run then hangs on the image's registry
    first = spawn_worker(settings, log)
    try:
        def charts_copied() -> bool:
            got: dict[str, Any] = status(world, uid)
            return got["status"] == "InProgress" and got["chartsDone"] == 2

        wait_until(charts_copied, timeout=60, what="the charts to be mirrored")
    finally:
        first.kill()
        first.wait()
        images.resume()
    before = status(world, uid)
    assert before["status"] == "InProgress" and before["blobsCopied"] > 0
    puts_before = blob_puts(world.dest)
    assert len(puts_before) == before["blobsCopied"]

    second = spawn_worker(settings, log)
    try:
        wait_until(lambda: status(world, uid)["status"] in ("Completed", "Failed"),
                   timeout=90, what="the resumed mirror to finish")
    finally:
        second.terminate()
        second.wait(timeout=30)
    after = status(world, uid)
    assert after["status"] == "Completed", (after, log.read_text(errors="replace")[-3000:])
    image = after["images"][0]
    assert image["digest"] == world.image_digest and not image.get("error")
    puts = blob_puts(world.dest)
    assert len(puts) == len(set(puts)) == after["blobsCopied"] > before["blobsCopied"]
    assert puts[:len(puts_before)] == puts_before


def test_registry_fault_pauses_the_run_which_resumes_where_it_stopped(
        make_world: Callable[..., World], monkeypatch: pytest.MonkeyPatch) -> None:
    """The target goes away after two blobs: the run waits, then resumes and completes."""
    world = make_world()
    uid = start(world)
    recorded = 0
    real = jobs.record_blob

    def record_then_fail(*args: Any, **kwargs: Any) -> None:
        nonlocal recorded
        real(*args, **kwargs)
        recorded += 1
        if recorded == 2:
            world.dest.stop()  # the next request finds nobody listening

    monkeypatch.setattr(jobs, "record_blob", record_then_fail)
    assert asyncio.run(run_mirror(world.api.ctx, uid)) == "Retrying"
    paused = status(world, uid)
    assert paused["status"] == "InProgress" and paused["blobsCopied"] == 2
    assert "resumes in 15 s" in paused["message"]
    with world.api.ctx.transaction() as session:  # the worker would wait out the pause
        assert jobs.claim_next(session, "w", timedelta(seconds=60)) is None

    monkeypatch.setattr(jobs, "record_blob", real)
    world.dest.start()
    assert asyncio.run(run_mirror(world.api.ctx, uid)) == "Completed"
    done = status(world, uid)
    puts = blob_puts(world.dest)
    assert len(puts) == len(set(puts)) == done["blobsCopied"] > 2
