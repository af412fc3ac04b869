"""Sync pickup: from a user's "Sync now" (the API request) to the sync's start.

A real ``chartyard serve --workers 2`` (two API processes, each with its embedded
worker) at the shipped ``worker_poll_seconds``, on SQLite or on PostgreSQL, with one
registry (an empty docker-registry: the sync itself is short). Each sample waits
until the previous sync has Completed and the workers are idle, sends
``POST .../sync``, and takes the new run's ``startTime`` from the sync history
(written by the worker when it starts) minus the moment the request was sent.
Both clocks are this machine's.

    python -m bench.pickup [--samples 20] [--database sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
ADMIN_PASSWORD = "bench-Admin-123"
PICKUP_TARGET_MS = 100.0


@dataclass
class PickupResult:
    """Pickup latencies of one database, in seconds."""

    database: str
    workers: int
    poll_seconds: float
    samples: list[float] = field(default_factory=list)
    first_seconds: float = 0.0  # registry created -> its first sync started

    def _q(self, q: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    @property
    def p50(self) -> float:
        """Return the median pickup."""
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        """Return the 95th percentile pickup (nearest rank)."""
        return self._q(0.95)

    @property
    def worst(self) -> float:
        """Return the slowest pickup."""
        return max(self.samples)


def _when(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _runs(client: Any, uid: str) -> list[dict[str, Any]]:
    answer = client.get(f"/v1/registries/oci/{uid}/basic/sync/history")
    if answer.status_code != 200:
        raise RuntimeError(f"sync history: {answer.status_code} {answer.text[:300]}")
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def _wait_run(client: Any, uid: str, after: str | None,
              timeout: float = 60) -> dict[str, Any]:
    """Wait until a run newer than the run ``after`` has finished; return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = _runs(client, uid)
        if runs and runs[0]["uid"] != after and runs[0]["status"] != "InProgress":
            return runs[0]
        time.sleep(0.01)
    raise TimeoutError(f"no sync run after {after} finished within {timeout:g} s")


def measure_pickup(work_dir: Path, database: str, *, samples: int = 20,
                   workers: int = 2) -> PickupResult:
    """Measure ``samples`` pickups on ``database`` ("sqlite" or "postgres")."""
    import httpx
    from tests.harness.chartyard_server import ChartyardServer
    from tests.harness.postgres import PostgresServer
    from tests.harness.registry import RegistryServer

    from chartyard.settings import Settings

    poll = float(Settings.model_fields["worker_poll_seconds"].default)
    data_dir = work_dir / f"pickup-{database}"
    shutil.rmtree(data_dir, ignore_errors=True)
    pg = PostgresServer() if database == "postgres" else None
    registry = RegistryServer("plain", base_dir=work_dir)
    server = None
    try:
        url = pg.create_database("pickup") if pg is not None else None
        server = ChartyardServer(data_dir, admin_password=ADMIN_PASSWORD, database_url=url,
                                 workers=workers,
                                 extra_env={"CHARTYARD_WORKER_POLL_SECONDS": str(poll),
                                            "CHARTYARD_LOG_LEVEL": "WARNING"})
        result = PickupResult(database, workers, poll)
        headers = {"Authorization": f"Bearer {server.token()}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
            body = {"metadata": {"name": "pickup"},
                    "spec": {"endpoint": registry.url, "providerType": "helm",
                             "isSyncSupported": True, "baseContentPath": ["bench"],
                             "repositories": [],
                             "auth": {"type": "noAuth", "tls": {"certificate": "",
                                                                "insecureSkipVerify": False}}}}
            sent = time.time()
            created = client.post("/v1/registries/oci/basic?skipValidation=true", json=body)
            created.raise_for_status()
            uid = created.json()["uid"]
            run = _wait_run(client, uid, None)
            result.first_seconds = _when(run["startTime"]) - sent
            for _ in range(samples):
                time.sleep(random.uniform(0.05, 0.3))  # the workers are idle, mid-poll
                sent = time.time()
                client.post(f"/v1/registries/oci/{uid}/basic/sync").raise_for_status()
                run = _wait_run(client, uid, run["uid"])
                result.samples.append(_when(run["startTime"]) - sent)
        return result
    finally:
        if server is not None:
            server.close()
        registry.close()
        if pg is not None:
            pg.close()


def pickup_table(results: Sequence[PickupResult]) -> str:
    """Render pickup results as a Markdown table."""
    lines = ["| database | workers | poll (safety net) | samples | p50 / p95 / max ms | "
             "create → first sync started |", "|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.database} | {r.workers} | {r.poll_seconds:g} s | {len(r.samples)} | "
                     f"{r.p50 * 1000:,.0f} / {r.p95 * 1000:,.0f} / {r.worst * 1000:,.0f} | "
                     f"{r.first_seconds * 1000:,.0f} ms |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure pickup on the chosen databases and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.pickup",
                                     description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--work-dir", type=Path, default=ROOT / "out")
    args = parser.parse_args(argv)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    dbs = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    print(pickup_table([measure_pickup(args.work_dir, db, samples=args.samples) for db in dbs]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
