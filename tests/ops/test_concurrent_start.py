"""A Kubernetes-style rollout: API processes and workers start together on an empty database."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from tests.harness.postgres import PostgresServer
from tests.harness.procs import free_port

pytestmark = pytest.mark.postgres
ROUNDS = 4


def _start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "chartyard", *argv], env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_serve_and_workers_start_together_on_an_empty_database(
        round_: int, postgres_server: PostgresServer, tmp_path: Path) -> None:
    name = f"rollout_{uuid.uuid4().hex[:10]}"
    url = postgres_server.create_database(name)
    base = {k: v for k, v in os.environ.items() if not k.startswith("CHARTYARD_")}
    base.update({"CHARTYARD_DATABASE_URL": url, "CHARTYARD_SECRET_KEY": Fernet.generate_key()
                 .decode(), "CHARTYARD_ADMIN_PASSWORD": "Rollout-123456",
                 "CHARTYARD_WORKER_POLL_SECONDS": "0.2", "CHARTYARD_LOG_LEVEL": "INFO"})
    port = free_port()
    procs = []
    # Each process gets its own data dir, like pods; all are started before any is awaited.
    specs = [(["serve", "--no-worker", "--workers", "2", "--port", str(port)], "api"),
             (["worker"], "w1"), (["worker"], "w2")]
    for argv, label in specs:
        env = base | {"CHARTYARD_DATA_DIR": str(tmp_path / label)}
        procs.append((label, _start(argv, env, tmp_path / f"{label}.log")))
    try:
        deadline = time.monotonic() + 90
        ready = False
        while not ready and time.monotonic() < deadline:
            for label, proc in procs:
                assert proc.poll() is None, \
                    f"{label} exited:\n{(tmp_path / f'{label}.log').read_text()}"
            ready = False
            with contextlib.suppress(httpx.TransportError):
                r = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
                ready = r.status_code == 200
            workers_up = all("sync worker started" in (tmp_path / f"{w}.log").read_text()
                             for w in ("w1", "w2"))
            ready = ready and workers_up
            time.sleep(0.2)
        assert ready, "\n".join((tmp_path / f"{label}.log").read_text() for label, _ in procs)
        for label, proc in procs:
            assert proc.poll() is None, label
            assert "UniqueViolation" not in (tmp_path / f"{label}.log").read_text()
        r = httpx.post(f"http://127.0.0.1:{port}/v1/auth/authenticate",
                       json={"username": "admin", "password": "Rollout-123456"})
        assert r.status_code == 200, r.text
        engine = create_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM tenants")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 1
        engine.dispose()
    finally:
        for _, proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for _, proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        postgres_server.drop_database(name)
