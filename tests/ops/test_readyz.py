"""`/readyz`: 200 only with a reachable database at the migration head; `/healthz` regardless."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from chartyard.api.routes.health import readiness
from chartyard.context import AppContext
from chartyard.settings import Settings
from chartyard.store.migrate import upgrade
from chartyard.wire.ops import NotReady
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.postgres import PostgresServer


def _wait_status(url: str, status: int, timeout: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        r = httpx.get(url, timeout=30)
        if r.status_code == status or time.monotonic() > deadline:
            return r
        time.sleep(0.2)


@pytest.mark.postgres
def test_readyz_follows_postgresql_stopped_and_started(tmp_path: Path) -> None:
    # A server of its own: stopping the session's PostgreSQL would break other tests.
    with PostgresServer() as pg:
        url = pg.create_database("ready")
        server = ChartyardServer(tmp_path / "data", admin_password="ready-admin-pass",
                                 database_url=url, worker=False)
        try:
            assert httpx.get(f"{server.url}/readyz").json() == {"status": "ready"}
            pg.stop()
            down = _wait_status(f"{server.url}/readyz", 503)
            assert down.status_code == 503
            assert down.json()["status"] == "unavailable"
            assert "database is unreachable" in down.json()["reason"]
            body = down.json()  # exactly the documented 503 model
            assert NotReady.model_validate(body).model_dump(mode="json", by_alias=True) == body
            assert httpx.get(f"{server.url}/healthz").status_code == 200  # alive all along
            pg.start()
            up = _wait_status(f"{server.url}/readyz", 200)
            assert up.json() == {"status": "ready"}, up.text
        finally:
            server.close()


def test_readiness_names_a_missing_or_old_schema(tmp_path: Path) -> None:
    ctx = AppContext.create(Settings(data_dir=tmp_path, admin_password="x-12345678"))
    try:
        reason: Any = readiness(ctx)
        assert reason is not None and "no schema yet" in reason
        upgrade(ctx.engine)
        assert readiness(ctx) is None
        with ctx.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        reason = readiness(ctx)
        assert reason is not None and "at revision 0001" in reason
        assert "chartyard db upgrade" in reason
    finally:
        ctx.dispose()
