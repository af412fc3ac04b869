"""chartyard's own sync, through its real pipeline, in a child process of its own.

The child builds an `AppContext` on a SQLite file in `data_dir`, creates the
registry through `RegistryService` on first use, then claims and runs one
`SyncJob` exactly as a worker does. It reports wall time of the sync, the
requests it sent (by kind, counted on the wire), and its own peak RSS, as one
JSON line. Running each sync in a fresh process keeps peak RSS honest.

    python -m bench.chartyard_sync --data-dir D --endpoint http://127.0.0.1:5000 \\
        --base bench --in-flight 16

Without ``--in-flight`` the sync runs at the shipped defaults (the adaptive per-host
budget); with it, the budget is pinned at that number, as
``CHARTYARD_MAX_IN_FLIGHT_PER_HOST`` does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.probes import own_cpu

ADMIN_PASSWORD = "bench-Admin-123"
REGISTRY_NAME = "bench"
WORKER = "bench-worker"


def request_kind(request: httpx.Request) -> str:
    """Return the kind of a registry request from its method and path."""
    path = request.url.path
    if path.endswith("/_catalog"):
        return "catalog"
    if path.endswith("/tags/list"):
        return "tags"
    if "/manifests/" in path:
        return "manifest_head" if request.method == "HEAD" else "manifest"
    if "/blobs/" in path:
        return "blob"
    if path.rstrip("/") == "/v2":
        return "ping"
    return "other"


class CountingTransport(httpx.AsyncBaseTransport):
    """Count requests by kind on their way to the wire."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.counts: Counter[str] = Counter()
        self.throttled = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Count, then forward; count 429 answers too."""
        self.counts[request_kind(request)] += 1
        response = await self.inner.handle_async_request(request)
        if response.status_code == 429:
            self.throttled += 1
        return response

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self.inner.aclose()


def _child(data_dir: Path, endpoint: str, base: str, in_flight: int | None) -> dict[str, Any]:
    from sqlalchemy import select

    from chartyard.app import prepare
    from chartyard.auth.roles import Principal, Role
    from chartyard.context import AppContext
    from chartyard.http import GuardedTransport, TLSConfig
    from chartyard.registries.kinds import get_kind
    from chartyard.registries.service import RegistryService
    from chartyard.settings import Settings
    from chartyard.store.models import Registry, SyncState, User, utcnow
    from chartyard.sync import leases
    from chartyard.sync.pipeline import SyncJob

    settings = Settings(data_dir=data_dir, database_url=None, admin_password=ADMIN_PASSWORD,
                        max_in_flight_per_host=in_flight, log_level="WARNING")
    ctx = AppContext.create(settings)
    prepare(ctx)
    with ctx.transaction() as session:
        uid = session.scalar(select(Registry.uid).where(Registry.name == REGISTRY_NAME))
        if uid is None:
            admin = session.scalar(select(User).where(User.username == "admin"))
            assert admin is not None
            principal = Principal(admin.uid, admin.username, admin.tenant_uid, Role(admin.role))
            body = get_kind("basic").parse_body({
                "metadata": {"name": REGISTRY_NAME},
                "spec": {"endpoint": endpoint, "providerType": "helm", "isSyncSupported": True,
                         "baseContentPath": [base], "repositories": [],
                         "auth": {"type": "noAuth",
                                  "tls": {"certificate": "", "insecureSkipVerify": False}}},
            })
            uid = RegistryService(ctx, session, principal).create(
                get_kind("basic").normalise(body, creating=True)).uid
    with ctx.transaction() as session:
        state = session.get(SyncState, uid)
        assert state is not None
        state.due_at = utcnow() - timedelta(seconds=1)
    with ctx.transaction() as session:
        claimed = leases.claim_next(session, WORKER, timedelta(minutes=30))
    assert claimed == uid, f"could not claim the registry ({claimed!r})"
    # The server's own transport (egress guard and pool), counted on its way in.
    counter = CountingTransport(GuardedTransport(
        ctx.sources.egress, verify=TLSConfig().ssl_context(),
        limits=httpx.Limits(max_connections=settings.budget_policy.cap + 1)))
    ctx.sources.transport = counter
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu_before = own_cpu()
    started = time.perf_counter()
    outcome = asyncio.run(SyncJob(ctx, uid, WORKER).run())
    seconds = time.perf_counter() - started
    cpu = own_cpu() - cpu_before
    budgets = ctx.sources.budgets.snapshot()
    ctx.dispose()
    return {
        "status": outcome.status, "seconds": seconds, "cpu_seconds": cpu,
        "requests": dict(counter.counts),
        "requests_reported": outcome.requests, "added": outcome.added,
        "throttled": counter.throttled,
        "final_limit": max((b["limit"] for b in budgets.values()), default=0),
        "peak_in_flight": max((b["peak"] for b in budgets.values()), default=0),
        "removed": outcome.removed, "skipped": outcome.skipped,
        "rss_before_kb": rss_before,
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


@dataclass
class SyncResult:
    """One chartyard sync as the child reported it."""

    status: str
    seconds: float
    requests: Counter[str] = field(default_factory=Counter)
    added: int = 0
    removed: int = 0
    skipped: int = 0
    peak_rss_mb: float = 0.0
    baseline_rss_mb: float = 0.0
    cpu_seconds: float = 0.0
    throttled: int = 0
    peak_in_flight: int = 0
    final_limit: int = 0

    @property
    def total(self) -> int:
        """Return the number of requests sent."""
        return sum(self.requests.values())


def shipped_policy() -> str:
    """Describe chartyard's default per-host in-flight policy."""
    from chartyard.settings import Settings

    policy = Settings.model_construct().budget_policy  # the defaults, not the environment
    if policy.pinned is not None:
        return f"pinned at {policy.pinned}"
    return f"adaptive, from {policy.initial} up to {policy.cap}"


def run_sync(data_dir: Path, endpoint: str, base: str, *, in_flight: int | None,
             timeout: float = 3600) -> SyncResult:
    """Run one sync of the benchmark registry in a child process; return what it reported.

    ``in_flight=None`` runs at the shipped defaults; a number pins the per-host budget.
    """
    argv = [sys.executable, "-m", "bench.chartyard_sync", "--data-dir", str(data_dir),
            "--endpoint", endpoint, "--base", base]
    if in_flight is not None:
        argv += ["--in-flight", str(in_flight)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the chartyard sync child failed ({done.returncode}):\n"
                           f"{done.stderr[-4000:]}")
    report = json.loads(lines[-1])
    if report["status"] != "Completed":
        raise RuntimeError(f"the chartyard sync ended {report['status']}: {done.stderr[-4000:]}")
    return SyncResult(
        status=report["status"], seconds=report["seconds"], requests=Counter(report["requests"]),
        added=report["added"], removed=report["removed"], skipped=report["skipped"],
        peak_rss_mb=report["peak_rss_kb"] / 1024, baseline_rss_mb=report["rss_before_kb"] / 1024,
        cpu_seconds=report["cpu_seconds"], throttled=report["throttled"],
        peak_in_flight=report["peak_in_flight"], final_limit=report["final_limit"],
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run one sync and print its report as a JSON line."""
    parser = argparse.ArgumentParser(description="Run one chartyard sync for the benchmark.")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--base", default="bench")
    parser.add_argument("--in-flight", type=int, default=None,
                        help="pin the in-flight budget (default: the shipped adaptive one)")
    args = parser.parse_args(argv)
    print(json.dumps(_child(args.data_dir, args.endpoint, args.base, args.in_flight)), flush=True)


if __name__ == "__main__":
    main()
