"""A full sync as a user sees it: from ``POST /v1/registries/oci/basic`` to ``Completed``.

A real ``chartyard serve`` (API + embedded worker, SQLite) at the shipped defaults,
``worker_poll_seconds`` included. The clock starts when the create request is sent
and stops when a status poll (every 20 ms) first answers ``Completed``: pickup,
the sync, its final transaction and the status read all count. The server's own
``lastRunTime`` → ``lastSyncedTime`` is reported beside it.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

ADMIN_PASSWORD = "bench-Admin-123"


@dataclass
class ApiSyncResult:
    """One sync timed from the API request."""

    seconds: float  # request sent -> Completed seen
    server_seconds: float  # the server's lastRunTime -> lastSyncedTime
    chart_versions: int


def _when(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def measure_api_sync(work_dir: Path, endpoint: str, base: str,
                     timeout: float = 900) -> ApiSyncResult:
    """Create the registry through the API and time it to ``Completed``."""
    import httpx
    from tests.harness.chartyard_server import ChartyardServer

    from chartyard.settings import Settings

    poll = Settings.model_fields["worker_poll_seconds"].default
    data_dir = work_dir / "chartyard-api-sync"
    shutil.rmtree(data_dir, ignore_errors=True)
    server = ChartyardServer(data_dir, admin_password=ADMIN_PASSWORD,
                             extra_env={"CHARTYARD_WORKER_POLL_SECONDS": str(poll),
                                        "CHARTYARD_LOG_LEVEL": "WARNING"})
    try:
        headers = {"Authorization": f"Bearer {server.token()}"}
        body = {"metadata": {"name": "bench"},
                "spec": {"endpoint": endpoint, "providerType": "helm", "isSyncSupported": True,
                         "baseContentPath": [base], "repositories": [],
                         "auth": {"type": "noAuth",
                                  "tls": {"certificate": "", "insecureSkipVerify": False}}}}
        with httpx.Client(base_url=server.url, headers=headers, timeout=120) as client:
            started = time.perf_counter()
            created = client.post("/v1/registries/oci/basic?skipValidation=true", json=body)
            created.raise_for_status()
            uid = created.json()["uid"]
            deadline = started + timeout
            status: dict[str, Any] = {}
            while time.perf_counter() < deadline:
                status = client.get(f"/v1/registries/oci/{uid}/basic/sync/status").json()
                if status.get("status") in ("Completed", "Failed"):
                    break
                time.sleep(0.02)
            seconds = time.perf_counter() - started
        if status.get("status") != "Completed":
            raise RuntimeError(f"the sync through the API ended {status!r}")
        return ApiSyncResult(
            seconds=seconds,
            server_seconds=_when(status["lastSyncedTime"]) - _when(status["lastRunTime"]),
            chart_versions=int(status.get("progress", {}).get("chartVersions", 0)))
    finally:
        server.close()
