"""Sync scale-out on PostgreSQL: N `chartyard worker` processes against registries all due at once.

`python -m bench.scale_out` pushes 40 namespaces x 50 repositories x 5 chart versions into
4 real docker-registry processes (10 namespaces each; every namespace is one chartyard
registry, so 40 registries), then on a throwaway PostgreSQL, in a fresh database each round:

1. one worker syncs all 40 registries, which fall due at the same moment;
2. four workers do the same;
3. four workers again, and one is killed with SIGKILL once a third of the registries are done.

It reports the total time of each round, how long registries waited to start (fairness),
whether any registry's sync runs ever overlapped (two at once), and what the kill cost.
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from tests.harness.charts import build_chart
from tests.harness.oci_push import OciPusher
from tests.harness.postgres import PostgresServer
from tests.harness.registry import RegistryServer

PASSWORD = "scale-Admin-123"


@dataclass
class Shape:
    """How many registries, repositories and versions, on how many registry processes."""

    registries: int = 40
    repos: int = 50
    versions: int = 5
    processes: int = 4
    workers: int = 4
    lease_seconds: int = 10


@dataclass
class Round:
    """The figures of one round."""

    name: str
    workers: int
    seconds: float
    start_waits: list[float]
    sync_seconds: list[float]
    overlaps: int
    chart_versions: dict[str, int]
    runs: int
    lost_runs: int = 0
    killed_at: float | None = None
    notes: list[str] = field(default_factory=list)


def push_corpus(servers: list[RegistryServer], shape: Shape) -> float:
    """Push every namespace's repositories into its registry process; return seconds."""
    started = time.perf_counter()
    archives = {(r, v): build_chart(f"app{r:02d}", f"1.{v}.0",
                                    description=f"Scale-out chart {r}", keywords=("scale",))
                for r in range(shape.repos) for v in range(shape.versions)}
    per_process = -(-shape.registries // shape.processes)
    for p, server in enumerate(servers):
        items = [(f"ns{n:02d}/app{r:02d}", f"1.{v}.0", archives[(r, v)])
                 for n in range(p * per_process, min((p + 1) * per_process, shape.registries))
                 for r in range(shape.repos) for v in range(shape.versions)]
        with OciPusher(server.url) as pusher:
            pusher.push_many(items, workers=8)
    return time.perf_counter() - started


def _setup_database(pg: PostgresServer, name: str, servers: list[RegistryServer],
                    shape: Shape, data_dir: Path, key: str) -> tuple[Any, list[str]]:
    from sqlalchemy import select, update

    from chartyard.app import prepare
    from chartyard.auth.roles import Principal, Role
    from chartyard.context import AppContext
    from chartyard.registries.kinds import get_kind
    from chartyard.registries.service import RegistryService
    from chartyard.settings import Settings
    from chartyard.store.models import SyncState, User, utcnow

    url = pg.create_database(name)
    ctx = AppContext.create(Settings(database_url=url, secret_key=key, data_dir=data_dir,
                                     admin_password=PASSWORD))
    prepare(ctx)
    per_process = -(-shape.registries // shape.processes)
    uids = []
    with ctx.transaction() as session:
        user = session.scalar(select(User).where(User.username == "admin"))
        assert user is not None
        principal = Principal(user.uid, user.username, user.tenant_uid, Role.TENANT_ADMIN)
        svc = RegistryService(ctx, session, principal)
        basic = get_kind("basic")
        for n in range(shape.registries):
            server = servers[n // per_process]
            body = basic.parse_body({
                "metadata": {"name": f"ns{n:02d}"},
                "spec": {"endpoint": server.url, "providerType": "helm",
                         "isSyncSupported": True, "baseContentPath": [f"ns{n:02d}"],
                         "repositories": [], "auth": {"type": "noAuth"}}})
            uids.append(svc.create(basic.normalise(body, creating=True)).uid)
    with ctx.transaction() as session:  # not yet: they fall due once every worker is up
        session.execute(update(SyncState).values(due_at=utcnow() + timedelta(days=1)))
    return ctx, uids


def _make_due(ctx: Any) -> datetime:
    """Make every registry due at the same moment; return it."""
    from sqlalchemy import update

    from chartyard.store.models import SyncState, utcnow

    now = utcnow()
    with ctx.transaction() as session:
        session.execute(update(SyncState).values(due_at=now))
    return now


def _wait_started(logs: list[Path], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not all(log.exists() and b"sync worker started" in log.read_bytes() for log in logs):
        if time.monotonic() > deadline:
            raise RuntimeError("workers did not start: " + ", ".join(map(str, logs)))
        time.sleep(0.2)


def _start_worker(ctx: Any, key: str, shape: Shape, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTYARD_")}
    env.update({"CHARTYARD_DATABASE_URL": str(ctx.settings.resolved_database_url),
                "CHARTYARD_SECRET_KEY": key, "CHARTYARD_DATA_DIR": str(ctx.settings.data_dir),
                "CHARTYARD_ADMIN_PASSWORD": PASSWORD,
                "CHARTYARD_LEASE_SECONDS": str(shape.lease_seconds),
                "CHARTYARD_WORKER_POLL_SECONDS": "0.2", "CHARTYARD_LOG_LEVEL": "INFO"})
    return subprocess.Popen([sys.executable, "-m", "chartyard", "worker"], env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _progress(ctx: Any, uids: list[str]) -> int:
    from sqlalchemy import func, select

    from chartyard.store.models import SyncState

    with ctx.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(SyncState).where(
            SyncState.registry_uid.in_(uids), SyncState.status == "Completed",
            SyncState.last_synced_time.is_not(None))) or 0)


def _leases_held(ctx: Any, pid: int) -> int:
    from sqlalchemy import func, select

    from chartyard.store.models import SyncState

    with ctx.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(SyncState).where(
            SyncState.lease_owner.like(f"%:{pid}:%"), SyncState.status == "InProgress")) or 0)


def run_round(pg: PostgresServer, name: str, servers: list[RegistryServer], shape: Shape,
              workers: int, work_dir: Path, *, kill: bool = False,
              timeout: float = 1800) -> Round:
    """Sync every registry with `workers` worker processes in a fresh database."""
    key = Fernet.generate_key().decode()
    data_dir = work_dir / name
    data_dir.mkdir(parents=True, exist_ok=True)
    ctx, uids = _setup_database(pg, f"scale_{name.replace('-', '_')}", servers, shape,
                                data_dir, key)
    procs: list[subprocess.Popen[bytes]] = []
    killed_at = None
    notes: list[str] = []
    try:
        logs = [data_dir / f"worker{i}.log" for i in range(workers)]
        procs = [_start_worker(ctx, key, shape, log) for log in logs]
        _wait_started(logs)
        started = time.monotonic()
        t0 = _make_due(ctx)
        while True:
            done = _progress(ctx, uids)
            if done == len(uids):
                break
            if kill and killed_at is None and done >= len(uids) // 3:
                held = _leases_held(ctx, procs[0].pid)
                if held:  # kill it mid-run, while it holds leases
                    os.kill(procs[0].pid, signal.SIGKILL)
                    procs[0].wait()
                    killed_at = time.monotonic() - started
                    notes.append(f"it held {held} lease(s) when killed")
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"{name}: only {done}/{len(uids)} registries synced "
                                   f"after {timeout:.0f} s")
            time.sleep(0.25)
        seconds = time.monotonic() - started
        result = _figures(ctx, name, workers, uids, t0, seconds, killed_at)
        result.notes = notes
        return result
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        ctx.dispose()


def _figures(ctx: Any, name: str, workers: int, uids: list[str], t0: datetime,
             seconds: float, killed_at: float | None) -> Round:
    from sqlalchemy import func, select

    from chartyard.store.models import ChartVersion, SyncRun

    with ctx.transaction() as session:
        runs = list(session.scalars(select(SyncRun).where(SyncRun.registry_uid.in_(uids))))
        counts = {str(uid): int(n) for uid, n in session.execute(
            select(ChartVersion.registry_uid, func.count())
            .where(ChartVersion.registry_uid.in_(uids))
            .group_by(ChartVersion.registry_uid)).all()}
    by_registry: dict[str, list[SyncRun]] = {}
    for run in runs:
        by_registry.setdefault(run.registry_uid, []).append(run)
    waits, durations, overlaps = [], [], 0
    for registry_runs in by_registry.values():
        registry_runs.sort(key=lambda r: r.started_at)
        waits.append((registry_runs[0].started_at - t0).total_seconds())
        for run in registry_runs:
            if run.status == "Completed" and run.finished_at is not None:
                durations.append((run.finished_at - run.started_at).total_seconds())
        for a, b in itertools.pairwise(registry_runs):
            if a.finished_at is None or a.finished_at > b.started_at:
                overlaps += 1
    lost = sum(1 for r in runs if r.error_code == "WorkerLost")
    return Round(name, workers, seconds, waits, durations, overlaps,
                 {u: counts.get(u, 0) for u in uids}, len(runs), lost, killed_at)


def _stats(values: list[float]) -> str:
    if not values:
        return "-"
    return (f"{min(values):.1f} / {statistics.median(values):.1f} / {max(values):.1f}")


def report(rounds: Sequence[Round], shape: Shape, push_seconds: float) -> str:
    """Return the markdown table of the rounds."""
    expected = shape.repos * shape.versions
    base = rounds[0].seconds
    lines = [
        f"**Corpus:** {shape.registries} registries x {shape.repos} repositories x "
        f"{shape.versions} versions = {shape.registries * expected:,} chart versions on "
        f"{shape.processes} docker-registry processes ({shape.registries // shape.processes} "
        f"namespaces each, one chartyard registry per namespace), pushed in "
        f"{push_seconds:.0f} s. PostgreSQL, lease {shape.lease_seconds} s, each worker runs "
        "up to 2 syncs at once.",
        "",
        "| round | workers | total | speed-up | start wait min / median / max | "
        "sync time min / median / max | runs | overlapping runs | complete catalogs |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rounds:
        complete = sum(1 for c in r.chart_versions.values() if c == expected)
        lines.append(
            f"| {r.name} | {r.workers} | {r.seconds:.1f} s | {base / r.seconds:.2f}x | "
            f"{_stats(r.start_waits)} s | {_stats(r.sync_seconds)} s | {r.runs} | "
            f"{r.overlaps} | {complete}/{len(r.chart_versions)} |")
    for r in rounds:
        if r.killed_at is not None:
            held = "; ".join(r.notes)
            lines += ["", f"In round *{r.name}* worker 0 was killed with SIGKILL at "
                          f"{r.killed_at:.1f} s ({held}); {r.lost_runs} of its runs were "
                          "closed as `WorkerLost` once their leases lapsed and the registries "
                          "were synced again by the survivors."]
    return "\n".join(lines) + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Return the command line, with --quick applied."""
    p = argparse.ArgumentParser(prog="python -m bench.scale_out",
                                description=__doc__.splitlines()[0])
    p.add_argument("--registries", type=int, default=40)
    p.add_argument("--repos", type=int, default=50)
    p.add_argument("--versions", type=int, default=5)
    p.add_argument("--processes", type=int, default=4, help="docker-registry processes")
    p.add_argument("--workers", type=int, default=4, help="workers in the scaled-out rounds")
    p.add_argument("--quick", action="store_true", help="4 registries x 3 x 2, for CI")
    p.add_argument("--work-dir", type=Path, default=None)
    args = p.parse_args(argv)
    if args.quick:
        args.registries, args.repos, args.versions, args.processes, args.workers = 4, 3, 2, 2, 2
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the three rounds and print the table."""
    args = parse_args(argv)
    shape = Shape(args.registries, args.repos, args.versions, args.processes, args.workers)
    work_dir = Path(tempfile.mkdtemp(prefix="bench-scale-out-", dir=args.work_dir))
    servers = [RegistryServer("plain") for _ in range(shape.processes)]
    try:
        pushed = push_corpus(servers, shape)
        print(f"pushed {shape.registries * shape.repos * shape.versions:,} chart versions "
              f"in {pushed:.0f} s", flush=True)
        with PostgresServer() as pg:
            rounds = []
            for name, workers, kill in (("one worker", 1, False),
                                        (f"{shape.workers} workers", shape.workers, False),
                                        (f"{shape.workers} workers, kill -9", shape.workers,
                                         True)):
                rounds.append(run_round(pg, name.split(",")[0].replace(" ", "-") +
                                        ("-kill" if kill else ""), servers, shape, workers,
                                        work_dir, kill=kill))
                rounds[-1].name = name
                print(f"{name}: {rounds[-1].seconds:.1f} s", flush=True)
        print(report(rounds, shape, pushed))
    finally:
        for server in servers:
            server.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
