"""A full sync as a user sees it: from ``POST /v1/registries/oci/basic`` to ``Completed``.

A real ``chartyard serve`` (API + embedded worker, SQLite) at the shipped defaults,
``worker_poll_seconds`` included. The clock starts when the create request is sent
and stops when a status poll (every 20 ms) first answers ``Completed``: pickup,
the sync, its final transaction and the status read all count. The server's own
``lastRunTime`` → ``lastSyncedTime`` is reported beside it.

Run on its own, it measures just that target over the emulated WAN, side by side in
interleaved rounds: the registry limit (the tight client), chartyard's sync alone
(``bench.chartyard_sync``) and the sync from the API request. ``--variant
NAME=SRC`` repeats both chartyard measurements with the package from another
checkout's ``src`` (say, the commit before a change), in the same rounds:

    python -m bench.api_sync --rounds 3 --variant before=/tmp/old/src --variant after=src
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.probes import process_cpu

ADMIN_PASSWORD = "bench-Admin-123"


@dataclass
class ApiSyncResult:
    """One sync timed from the API request."""

    seconds: float  # request sent -> Completed seen
    server_seconds: float  # the server's lastRunTime -> lastSyncedTime
    chart_versions: int
    cpu_seconds: float = 0.0  # the server process's CPU, request sent -> Completed seen


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
            cpu = process_cpu(server.proc.pid)
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
            cpu = process_cpu(server.proc.pid) - cpu
        if status.get("status") != "Completed":
            raise RuntimeError(f"the sync through the API ended {status!r}")
        return ApiSyncResult(
            seconds=seconds,
            server_seconds=_when(status["lastSyncedTime"]) - _when(status["lastRunTime"]),
            chart_versions=int(status.get("progress", {}).get("chartVersions", 0)),
            cpu_seconds=cpu)
    finally:
        server.close()


def _load() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def main(argv: Sequence[str] | None = None) -> None:
    """Time the limit, the sync alone and the sync from the API, interleaved; print a table."""
    from bench.chartyard_sync import run_sync
    from bench.corpus import BASE_PATH, Corpus, push_corpus
    from bench.limit import measure_limit
    from bench.registry import BenchRegistry
    from bench.wan_proxy import WanProxy

    root = Path(__file__).resolve().parent
    p = argparse.ArgumentParser(prog="python -m bench.api_sync", description=main.__doc__)
    p.add_argument("--repos", type=int, default=200)
    p.add_argument("--versions", type=int, default=5)
    p.add_argument("--delay-ms", type=float, default=15.0, help="WAN delay each way")
    p.add_argument("--in-flight", type=int, default=16, help="the tight client's in flight")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--variant", action="append", default=[], metavar="NAME=SRC",
                   help="chartyard package source to measure (default: this checkout)")
    p.add_argument("--work-dir", type=Path, default=root / "out")
    args = p.parse_args(argv)
    variants = dict(v.split("=", 1) for v in args.variant) or {"this": str(root.parent / "src")}
    corpus = Corpus(args.repos, args.versions, 100, max(1, args.repos // 10))
    scratch = args.work_dir / "run-api-sync"
    shutil.rmtree(scratch, ignore_errors=True)
    registry = BenchRegistry(scratch, args.work_dir / f"corpus-{corpus.key}")
    if not registry.corpus_ready:
        push_corpus(corpus, registry.url)
        registry.mark_corpus_ready()
    proxy = WanProxy(f"127.0.0.1:{registry.port}", args.delay_ms)
    samples: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    loads = [_load()]
    base_path = os.environ.get("PYTHONPATH", "")
    try:
        for round_ in range(1, args.rounds + 1):
            print(f"round {round_}", file=sys.stderr, flush=True)
            limit = measure_limit(proxy.url, BASE_PATH, in_flight=args.in_flight)
            samples.setdefault("limit", []).append(limit.seconds)
            cpu.setdefault("limit", []).append(limit.cpu_seconds)
            for name, src in variants.items():
                os.environ["PYTHONPATH"] = os.pathsep.join(
                    [str(Path(src).resolve()), str(root.parent)])
                data_dir = scratch / "sync-alone"
                shutil.rmtree(data_dir, ignore_errors=True)
                alone = run_sync(data_dir, proxy.url, BASE_PATH, in_flight=None)
                samples.setdefault(f"{name}: sync alone", []).append(alone.seconds)
                cpu.setdefault(f"{name}: sync alone", []).append(alone.cpu_seconds)
                api = measure_api_sync(scratch, proxy.url, BASE_PATH)
                samples.setdefault(f"{name}: from the API request", []).append(api.seconds)
                cpu.setdefault(f"{name}: from the API request", []).append(api.cpu_seconds)
            os.environ["PYTHONPATH"] = base_path
            loads.append(_load())
    finally:
        os.environ["PYTHONPATH"] = base_path
        proxy.close()
        registry.close()
    best = min(samples["limit"])
    print(f"{corpus.repos} x {corpus.versions}, {2 * args.delay_ms:g} ms RTT, "
          f"{args.rounds} interleaved rounds; load average (1, 5, 15 min) at the start and "
          f"after each round: {' | '.join(loads)}\n")
    print("| measurement | best | samples | best ÷ best limit | client CPU s (median) |\n"
          "|---|---|---|---|---|")
    for what, values in samples.items():
        shown = ", ".join(f"{v:.2f}" for v in values)
        print(f"| {what} | {min(values):.2f} s | {shown} | {min(values) / best:.2f}x "
              f"| {statistics.median(cpu[what]):.2f} |")


if __name__ == "__main__":
    main()
