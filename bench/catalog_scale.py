"""Catalog at Artifact Hub scale: seed, then measure search, versions and the Registry drop-down.

`python -m bench.catalog_scale` seeds (directly, with bulk inserts; no sync) 1,000,000 chart
versions in 100,000 charts across 50 registries and 5 tenants, once into SQLite and once into
a throwaway PostgreSQL 15, reports the seeding time and the size on disk, then starts
`chartyard serve --workers 2 --no-worker` on each and measures with concurrent clients:

- search ``GET /v1/packs?q=...`` with a mix of real queries (exact names, prefixes, words,
  two-word queries, maintainers, no match, browse, and the registry/kind/newer-than filters);
- the versions lookup ``GET /v1/packs/{name}/registries/{uid}``;
- the profile builder's Registry drop-down ``GET /v1/registries/metadata``.

Requests rotate over the five tenants' admins. Each load also reports the server's CPU per
request (every process of `chartyard serve`, and PostgreSQL's, read from /proc) and, for
search, HTTP minus in-process. `--profile DIR` records py-spy stacks of the serving processes
during each load (py-spy on PATH; a measuring tool, not a dependency). `--quick` is a small
run for CI.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from tests.harness.chartyard_server import ChartyardServer

ROOT = Path(__file__).resolve().parent
PASSWORD = "scale-Admin-123"
# Words chart names, keywords and descriptions are drawn from (Artifact Hub-like).
WORDS = (
    "nginx", "redis", "postgres", "kafka", "grafana", "loki", "tempo", "vault", "consul",
    "minio", "traefik", "istio", "keycloak", "argo", "flux", "jaeger", "mongodb", "mysql",
    "rabbitmq", "elastic", "prometheus", "thanos", "cortex", "mimir", "velero", "harbor",
    "gitea", "jenkins", "sonarqube", "nexus", "airflow", "spark", "flink", "trino", "superset",
    "metabase", "cassandra", "scylla", "cockroach", "etcd", "zookeeper", "nats", "pulsar",
    "memcached", "valkey", "dragonfly", "clickhouse", "opensearch", "fluentd", "fluentbit",
    "vector", "kyverno", "falco", "trivy", "cilium", "calico", "linkerd", "envoy", "contour",
    "kong", "ambassador", "certmanager", "externaldns", "sealed", "secrets", "reloader",
    "descheduler", "keda", "knative", "tekton", "crossplane", "kubevela", "backstage",
    "rancher", "longhorn", "rook", "ceph", "openebs", "mayastor", "cnpg", "zalando", "percona",
    "vitess", "tidb", "yugabyte", "neo4j", "arangodb", "couchdb", "influxdb", "timescale",
    "questdb", "victoria", "graphite", "statsd", "telegraf", "otel", "collector", "jupyter",
    "mlflow", "kubeflow", "ray", "seldon", "kserve", "triton", "ollama", "weaviate", "qdrant",
    "milvus", "chroma",
)
KINDS = ("operator", "exporter", "app", "stack", "agent", "controller", "proxy", "ui", "cli",
         "gateway")
FILLER = (
    "helm", "chart", "for", "kubernetes", "deploys", "the", "with", "high", "availability",
    "production", "ready", "monitoring", "metrics", "dashboards", "backup", "restore",
    "cluster", "storage", "network", "security", "policy", "scalable", "distributed", "cloud",
    "native", "lightweight", "fast", "simple", "open", "source",
)
PEOPLE = (
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
    "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter",
    "yolanda",
)


@dataclass
class Scale:
    """What to seed and how hard to load it."""

    charts: int = 100_000
    versions_per_chart: int = 10
    registries: int = 50
    tenants: int = 5
    clients: int = 8
    requests: int = 2000
    server_workers: int = 2

    @property
    def versions(self) -> int:
        """Return the number of chart versions seeded."""
        return self.charts * self.versions_per_chart


@dataclass
class Percentiles:
    """Latency percentiles of one endpoint, in milliseconds, and throughput."""

    requests: int
    p50: float
    p95: float
    p99: float
    per_second: float
    cpu_ms: float | None = None  # server CPU (all its processes) per request, in ms
    db_cpu_ms: float | None = None  # PostgreSQL's CPU (all its processes) per request, in ms


@dataclass
class Seeded:
    """What the seeding made: per tenant its admin and registries, and sample charts."""

    admins: list[str] = field(default_factory=list)
    registries: list[list[tuple[str, str]]] = field(default_factory=list)  # (uid, kind)
    samples: list[list[tuple[str, str]]] = field(default_factory=list)     # (registry, name)
    seconds: float = 0.0
    size_bytes: int = 0


@dataclass
class DbResult:
    """One database's figures."""

    database: str
    scale: Scale
    seeded: Seeded
    endpoints: dict[str, Percentiles]
    server_version: str = ""
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after
    search_compare: str = ""  # PostgreSQL search before/after (`--compare-search`), markdown


def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def process_tree_cpu(root: int) -> float:
    """Return the CPU seconds (user + system) of process `root` and its descendants so far."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}  # pid -> (parent pid, CPU seconds)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        fields = raw[raw.rindex(")") + 2:].split()  # after "pid (comm) "
        stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    tree, total, grew = {root}, 0.0, True
    while grew:
        grew = False
        for pid, (parent, _) in stats.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    for pid in tree:
        total += stats.get(pid, (0, 0.0))[1]
    return total


def chart_name(i: int) -> str:
    """Return the name of chart `i`: word-kind, and a number on most (names repeat a little)."""
    word, kind = WORDS[i % len(WORDS)], KINDS[(i // len(WORDS)) % len(KINDS)]
    serial = i // (len(WORDS) * len(KINDS))
    return f"{word}-{kind}" if serial == 0 else f"{word}-{kind}-{serial}"


def _chart_text(i: int) -> tuple[list[str], str, list[dict[str, str]]]:
    rng = random.Random(i)
    keywords = sorted({WORDS[i % len(WORDS)], KINDS[(i // len(WORDS)) % len(KINDS)],
                       *rng.sample(WORDS, 2)})
    description = " ".join(["The", WORDS[i % len(WORDS)], *rng.sample(FILLER, 8)]).capitalize()
    people = rng.sample(PEOPLE, 2)
    maintainers = [{"name": p.capitalize(), "email": f"{p}@example.com"} for p in people]
    return keywords, description, maintainers


def _version(i: int, j: int, per_chart: int) -> str:
    if j == per_chart - 1 and i % 10 == 0:
        return f"{j // 4 + 1}.0.0-rc.1"  # some charts' newest version is a pre-release
    return f"{j // 4}.{j % 4}.{i % 7}"


def _chart_rows(i: int, tenant: str, registry: str, per_chart: int,
                now: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from chartyard.catalog.index import chart_search_fields
    from chartyard.helm import version_sort_key
    from chartyard.store.models import new_uid

    name = chart_name(i)
    keywords, description, maintainers = _chart_text(i)
    kw = " ".join(keywords)
    repo = f"team{i % 10}/{name}-{i}"
    versions = []
    for j in range(per_chart):
        version = _version(i, j, per_chart)
        meta = {"apiVersion": "v2", "name": name, "version": version,
                "appVersion": f"{i % 9}.{j}.0", "description": description,
                "keywords": keywords, "type": "application", "maintainers": maintainers,
                "home": f"https://example.com/{name}"}
        versions.append({
            "uid": new_uid(), "tenant_uid": tenant, "registry_uid": registry,
            "repository": repo, "name": name, "tag": version, "version": version,
            "digest": _digest(f"m{i}-{j}"), "config_digest": _digest(f"c{i}-{j}"),
            "chart_digest": _digest(f"l{i}-{j}"), "app_version": meta["appVersion"],
            "description": description, "keywords": kw, "chart_metadata": meta,
            "indexed_at": now,
        })
    latest = max(versions, key=lambda v: version_sort_key(v["version"]))
    chart = {
        "uid": new_uid(), "tenant_uid": tenant, "registry_uid": registry, "repository": repo,
        "name": name, "latest_version": latest["version"], "latest_pack_uid": latest["uid"],
        "version_count": per_chart, "description": description, "icon": None, "keywords": kw,
        **chart_search_fields(name, kw, description, latest["chart_metadata"],
                              latest["version"]),
    }
    return chart, versions


def _setup_tenants(ctx: Any, scale: Scale) -> Seeded:
    from sqlalchemy import select

    from chartyard.auth import service as auth
    from chartyard.auth.roles import Role
    from chartyard.store.models import Registry, SyncState, Tenant

    seeded = Seeded()
    with ctx.transaction() as session:
        for t in range(scale.tenants):
            if t == 0:
                tenant = session.scalar(select(Tenant).where(Tenant.name == "default"))
                seeded.admins.append("admin")
            else:
                tenant = auth.create_tenant(session, f"tenant-{t}")
                auth.create_user(session, f"tenant-{t}", f"admin-{t}", PASSWORD,
                                 Role.TENANT_ADMIN)
                seeded.admins.append(f"admin-{t}")
            regs = []
            for r in range(scale.registries // scale.tenants):
                kind = "ecr" if r % 5 == 4 else "basic"
                endpoint = f"https://registry-{t}-{r}.example.com"
                reg = Registry(tenant_uid=tenant.uid, name=f"registry-{r:02d}", kind=kind,
                               endpoint=endpoint, is_sync_supported=False,
                               spec={"endpoint": endpoint, "baseContentPath": [],
                                     "repositories": [], "isPrivate": True})
                session.add(reg)
                session.flush()
                session.add(SyncState(registry_uid=reg.uid, status="Completed"))
                regs.append((reg.uid, kind))
            seeded.registries.append(regs)
            seeded.samples.append([])
    return seeded


def _batches(scale: Scale, seeded: Seeded, tenant_uids: list[str]
             ) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    from chartyard.store.models import utcnow

    now = utcnow()
    all_regs = [(t, uid) for t, regs in enumerate(seeded.registries) for uid, _ in regs]
    charts: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    for i in range(scale.charts):
        t, reg = all_regs[i % len(all_regs)]
        chart, rows = _chart_rows(i, tenant_uids[t], reg, scale.versions_per_chart, now)
        charts.append(chart)
        versions.extend(rows)
        if i % 97 == 0:
            seeded.samples[t].append((reg, chart["name"]))
        if len(versions) >= 10_000:
            yield charts, versions
            charts, versions = [], []
    if charts:
        yield charts, versions


def seed(url: str, data_dir: Path, scale: Scale) -> Seeded:
    """Create the schema and seed the catalog with bulk inserts; time it and size it."""
    from sqlalchemy import insert, select

    from chartyard.app import prepare
    from chartyard.context import AppContext
    from chartyard.settings import Settings
    from chartyard.store.models import Chart, ChartVersion, Tenant

    ctx = AppContext.create(Settings(data_dir=data_dir, database_url=url,
                                     admin_password=PASSWORD))
    try:
        prepare(ctx)
        started = time.perf_counter()
        seeded = _setup_tenants(ctx, scale)
        with ctx.transaction() as session:
            by_name = {t.name: t.uid for t in session.scalars(select(Tenant))}
        tenant_uids = [by_name["default"], *(by_name[f"tenant-{t}"]
                                             for t in range(1, scale.tenants))]
        for charts, versions in _batches(scale, seeded, tenant_uids):
            with ctx.transaction() as session:
                session.execute(insert(ChartVersion), versions)
                session.execute(insert(Chart), charts)
        with ctx.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            # Committed: on PostgreSQL the statistics ANALYZE writes are transactional, and
            # a rolled-back ANALYZE left the planner guessing (a browse sorted every row).
            conn.commit()
            if ctx.engine.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        seeded.seconds = time.perf_counter() - started
        seeded.size_bytes = database_size(ctx)
    finally:
        ctx.dispose()
    return seeded


def database_size(ctx: Any) -> int:
    """Return the database's size on disk, in bytes."""
    with ctx.engine.connect() as conn:
        if ctx.engine.dialect.name == "postgresql":
            return int(conn.exec_driver_sql(
                "SELECT pg_database_size(current_database())").scalar_one())
        path = Path(conn.exec_driver_sql("PRAGMA database_list").all()[0][2])
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def search_paths(seeded: Seeded, count: int, rng: random.Random) -> list[tuple[int, str]]:
    """Return (tenant, path) of `count` searches: a realistic mix of queries and filters."""
    out = []
    for n in range(count):
        t = rng.randrange(len(seeded.admins))
        reg, name = rng.choice(seeded.samples[t])
        word = rng.choice(WORDS)
        mix = [
            f"q={name}",                                   # exact name
            f"q={name[:4]}",                               # typing: a prefix
            f"q={word}",                                   # a word
            f"q={word}+{rng.choice(KINDS)}",               # two words
            f"q={rng.choice(PEOPLE)}",                     # a maintainer
            f"q={rng.choice(FILLER)}+{word}",              # description words
            "q=zz-no-match",
            "q=",                                          # browse
            f"q={word}&registryKind=ecr",
            f"q={word}&newerThan=2.0.0",
            f"q={word[:3]}&registryUid={reg}",
        ]
        out.append((t, f"/v1/packs?{mix[n % len(mix)]}&limit=50"))
    return out


@dataclass
class Probe:
    """What to watch while loading a server: its database server's pid, a py-spy output dir."""

    db_pid: int | None = None
    profile_dir: Path | None = None
    label: str = ""


def _workers(root: int) -> list[int]:
    """Return the pids of the server's request-serving processes (itself if it has none)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(raw[raw.rindex(")") + 2:].split()[1]) == root and b"resource_tracker" not in cmdline:
            children.append(int(entry.name))
    return children or [root]


def _profile(probe: Probe, server: ChartyardServer, endpoint: str) -> list[subprocess.Popen[bytes]]:
    """Start py-spy (if asked for, and on PATH) on every serving process; raw stacks out."""
    spy = shutil.which("py-spy")
    if probe.profile_dir is None or spy is None:
        return []
    probe.profile_dir.mkdir(parents=True, exist_ok=True)
    return [subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--rate", "250", "--format", "raw", "--nonblocking",
         "-o", str(probe.profile_dir / f"{probe.label}-{endpoint}-{pid}.txt")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for pid in _workers(server.proc.pid)]


def _load(server: ChartyardServer, tokens: list[str], paths: Sequence[tuple[int, str]],
          clients: int, probe: Probe, endpoint: str) -> Percentiles:
    """Run one endpoint's load; add the server's (and PostgreSQL's) CPU per request."""
    spies = _profile(probe, server, endpoint)
    before = process_tree_cpu(server.proc.pid)
    db_before = process_tree_cpu(probe.db_pid) if probe.db_pid else 0.0
    result = asyncio.run(_drive(server.url, tokens, paths, clients))
    count = result.requests + min(40, len(paths))  # the warm-up requests count too
    result.cpu_ms = (process_tree_cpu(server.proc.pid) - before) * 1000 / count
    if probe.db_pid:
        result.db_cpu_ms = (process_tree_cpu(probe.db_pid) - db_before) * 1000 / count
    for spy in spies:
        spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        spy.wait(60)
    return result


async def _drive(base_url: str, tokens: list[str], paths: Sequence[tuple[int, str]],
                 clients: int) -> Percentiles:
    latencies: list[float] = []
    position = iter(range(len(paths)))
    pool = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = [{"Authorization": f"Bearer {t}"} for t in tokens]
    async with httpx.AsyncClient(base_url=base_url, limits=pool, timeout=60,
                                 trust_env=False) as client:

        async def worker() -> None:
            for i in position:
                tenant, path = paths[i]
                started = time.perf_counter()
                response = await client.get(path, headers=headers[tenant])
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{path} -> {response.status_code}: "
                                       f"{response.text[:300]}")

        for tenant, path in paths[:min(40, len(paths))]:  # warm connections and caches
            await client.get(path, headers=headers[tenant])
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Percentiles(len(latencies), cuts[49], cuts[94], cuts[98], len(latencies) / elapsed)


def service_times(url: str, data_dir: Path, seeded: Seeded, count: int) -> Percentiles:
    """Return the search mix's time inside one process, no HTTP: the query's own cost."""
    from urllib.parse import parse_qs, urlsplit

    from sqlalchemy import select

    from chartyard.auth.roles import Principal, Role
    from chartyard.catalog.service import CatalogService
    from chartyard.context import AppContext
    from chartyard.settings import Settings
    from chartyard.store.models import User

    ctx = AppContext.create(Settings(data_dir=data_dir, database_url=url,
                                     admin_password=PASSWORD))
    try:
        with ctx.transaction() as session:
            users = {u.username: u for u in session.scalars(select(User))}
        principals = [Principal(users[a].uid, a, users[a].tenant_uid, Role(users[a].role))
                      for a in seeded.admins]
        latencies = []
        paths = search_paths(seeded, count + 50, random.Random(7))
        started, cpu = time.perf_counter(), time.process_time()
        for n, (tenant, path) in enumerate(paths):
            query = {k: v[0] for k, v in parse_qs(urlsplit(path).query,
                                                  keep_blank_values=True).items()}
            began = time.perf_counter()
            with ctx.transaction() as session:
                CatalogService(ctx, session, principals[tenant]).search(
                    query.get("q", ""), query.get("registryUid"), 50, None,
                    registry_kind=query.get("registryKind"),
                    newer_than=query.get("newerThan"))
            if n >= 50:  # the first ones warm caches
                latencies.append((time.perf_counter() - began) * 1000)
            else:
                started, cpu = time.perf_counter(), time.process_time()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        ctx.dispose()
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Percentiles(len(latencies), cuts[49], cuts[94], cuts[98], len(latencies) / elapsed,
                       cpu * 1000 / len(latencies))


def measure(url: str, data_dir: Path, scale: Scale, seeded: Seeded,
            probe: Probe) -> dict[str, Percentiles]:
    """Serve the seeded database and measure the three endpoints with concurrent clients."""
    server = ChartyardServer(data_dir, admin_password=PASSWORD, database_url=url, worker=False,
                             workers=scale.server_workers,
                             extra_env={"CHARTYARD_LOG_LEVEL": "WARNING"})
    try:
        tokens = [server.token(a, PASSWORD) for a in seeded.admins]
        rng = random.Random(42)
        n = scale.requests
        searches = search_paths(seeded, n, rng)
        versions = []
        for _ in range(n):
            t = rng.randrange(len(seeded.admins))
            reg, name = rng.choice(seeded.samples[t])
            versions.append((t, f"/v1/packs/{name}/registries/{reg}"))
        dropdown = [(i % len(tokens), "/v1/registries/metadata") for i in range(n)]
        db_before = process_tree_cpu(probe.db_pid) if probe.db_pid else 0.0
        inside = service_times(url, data_dir, seeded, min(n, 1000))
        if probe.db_pid:  # the warm-up queries count too
            inside.db_cpu_ms = ((process_tree_cpu(probe.db_pid) - db_before) * 1000
                                / (inside.requests + 50))
        return {
            "inside": inside,
            "search": _load(server, tokens, searches, scale.clients, probe, "search"),
            "versions": _load(server, tokens, versions, scale.clients, probe, "versions"),
            "registries": _load(server, tokens, dropdown, scale.clients, probe, "registries"),
        }
    finally:
        server.close()


def run_database(database: str, scale: Scale, work_dir: Path,
                 profile_dir: Path | None = None, compare_rev: str | None = None) -> DbResult:
    """Seed and measure one database: "sqlite", or "postgres" on a throwaway server."""
    work_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-scale-{database}-", dir=work_dir))
    data_dir = tmp / "data"
    data_dir.mkdir(parents=True)
    try:
        if database == "sqlite":
            url = f"sqlite:///{data_dir / 'chartyard.db'}"
            seeded = seed(url, data_dir, scale)
            before = os.getloadavg()[0]
            figures = measure(url, data_dir, scale, seeded,
                              Probe(None, profile_dir, database))
            return DbResult(database, scale, seeded, figures,
                            load=(before, os.getloadavg()[0]))
        from tests.harness.postgres import PostgresServer

        with PostgresServer() as pg:
            url = pg.create_database("chartyard_scale")
            with pg.connect() as conn:
                row = conn.execute("SHOW server_version").fetchone()
            seeded = seed(url, data_dir, scale)
            postmaster = int((pg.data_dir / "postmaster.pid").read_text().split()[0])
            compared = ""
            if compare_rev:
                from bench.search_compare import compare
                from bench.search_compare import report as compare_report

                compared = compare_report(compare(url, compare_rev))
            before = os.getloadavg()[0]
            figures = measure(url, data_dir, scale, seeded,
                              Probe(postmaster, profile_dir, database))
            return DbResult(database, scale, seeded, figures,
                            str(row[0]).split()[0] if row else "",
                            load=(before, os.getloadavg()[0]), search_compare=compared)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


TARGETS = {"search": 20.0, "versions": 10.0, "registries": 10.0, "inside": 20.0}
LABELS = {
    "inside": "search, in-process (no HTTP, one caller): the query's own cost",
    "search": "search `GET /v1/packs?q=...&limit=50`",
    "versions": "versions lookup `GET /v1/packs/{name}/registries/{uid}`",
    "registries": "Registry drop-down `GET /v1/registries/metadata`",
}


def _mb(size: int) -> str:
    return f"{size / 1e6:,.0f} MB"


def report(results: Sequence[DbResult]) -> str:
    """Return the markdown table of the figures."""
    scale = results[0].scale
    lines = [
        f"**Catalog:** {scale.versions:,} chart versions in {scale.charts:,} charts, "
        f"{scale.registries} registries, {scale.tenants} tenants; {scale.clients} concurrent "
        f"clients, {scale.requests:,} requests per endpoint, `chartyard serve --workers "
        f"{scale.server_workers}`.",
        "",
        "| database | seeding | size on disk | load average (1 min) before / after the load |",
        "|---|---|---|---|",
    ]
    for r in results:
        name = "PostgreSQL " + r.server_version if r.database == "postgres" else "SQLite"
        lines.append(f"| {name} | {r.seeded.seconds:.1f} s | {_mb(r.seeded.size_bytes)} | "
                     f"{r.load[0]:.1f} / {r.load[1]:.1f} |")
    cores = os.cpu_count() or 1
    lines += ["", "| database | endpoint | p50 ms | p95 ms | p99 ms | req/s | server CPU ms "
              "per request (+ PostgreSQL's) | CPU x clients ÷ cores, ms | p95 target |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        for key, p in r.endpoints.items():
            verdict = "met" if p.p95 < TARGETS[key] else "**missed**"
            cpu = "" if p.cpu_ms is None else f"{p.cpu_ms:.2f}"
            total = (p.cpu_ms or 0.0) + (p.db_cpu_ms or 0.0)
            if p.db_cpu_ms is not None:
                cpu += f" (+ {p.db_cpu_ms:.2f})"
            bound = "" if p.cpu_ms is None else f"{total * scale.clients / cores:.1f}"
            if key == "inside":
                verdict, bound = "(context)", ""
            lines.append(f"| {r.database} | {LABELS[key]} | {p.p50:.1f} | {p.p95:.1f} | "
                         f"{p.p99:.1f} | {p.per_second:.0f} | {cpu} | {bound} | "
                         f"< {TARGETS[key]:.0f} ms: {verdict} |")
    lines += ["", "| database | search over HTTP minus in-process: p50 ms | server CPU per "
              "search minus in-process CPU, ms |", "|---|---|---|"]
    for r in results:
        inside, http = r.endpoints.get("inside"), r.endpoints.get("search")
        if inside is None or http is None:
            continue
        cpu = ("" if inside.cpu_ms is None or http.cpu_ms is None
               else f"{http.cpu_ms - inside.cpu_ms:.2f}")
        lines.append(f"| {r.database} | {http.p50 - inside.p50:.1f} | {cpu} |")
    lines += ["", "In-process CPU is that one process's; server CPU sums every process of "
              "`chartyard serve` (from /proc). CPU x clients ÷ cores (PostgreSQL's CPU "
              "included) is the mean latency that CPU alone imposes with "
              f"{scale.clients} requests always outstanding on {cores} cores, before the "
              "load generator's own share."]
    lines += [f"\n{r.search_compare}" for r in results if r.search_compare]
    return "\n".join(lines) + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Return the command line, with --quick applied."""
    p = argparse.ArgumentParser(prog="python -m bench.catalog_scale",
                                description=__doc__.splitlines()[0])
    p.add_argument("--charts", type=int, default=100_000)
    p.add_argument("--versions-per-chart", type=int, default=10)
    p.add_argument("--registries", type=int, default=50)
    p.add_argument("--tenants", type=int, default=5)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--requests", type=int, default=2000, help="requests per endpoint")
    p.add_argument("--workers", type=int, default=2, help="chartyard serve --workers")
    p.add_argument("--db", default="sqlite,postgres",
                   help="comma-separated: sqlite, postgres (default both)")
    p.add_argument("--quick", action="store_true",
                   help="a small run for CI: 500 charts x 4 versions, 200 requests")
    p.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    p.add_argument("--profile", type=Path, default=None,
                   help="record py-spy stacks (raw format) of every server process during "
                        "each load into this directory (py-spy must be on PATH)")
    p.add_argument("--work-dir", type=Path, default=ROOT / "out")
    p.add_argument("--compare-search", metavar="REV", default=None,
                   help="on PostgreSQL, also time the search query of git revision REV "
                        "against the current one, in-process (bench/search_compare.py)")
    args = p.parse_args(argv)
    if args.quick:
        args.charts, args.versions_per_chart, args.requests = 500, 4, 200
        args.registries, args.tenants = 10, 2
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the scale benchmark and print its table."""
    args = parse_args(argv)
    scale = Scale(args.charts, args.versions_per_chart, args.registries, args.tenants,
                  args.clients, args.requests, args.workers)
    results = []
    for database in [d.strip() for d in args.db.split(",") if d.strip()]:
        if database not in ("sqlite", "postgres"):
            print(f"--db: unknown database {database!r}; use sqlite or postgres",
                  file=sys.stderr)
            return 2
        print(f"{database}: seeding {scale.versions:,} chart versions...", flush=True)
        result = run_database(database, scale, args.work_dir, args.profile,
                              args.compare_search)
        print(f"{database}: seeded in {result.seeded.seconds:.1f} s, "
              f"{_mb(result.seeded.size_bytes)}", flush=True)
        results.append(result)
    text = report(results)
    print(text)
    if args.json:
        args.json.write_text(json.dumps([{
            "database": r.database, "seedSeconds": r.seeded.seconds,
            "sizeBytes": r.seeded.size_bytes, "load": r.load,
            "endpoints": {k: vars(v) for k, v in r.endpoints.items()}} for r in results],
            indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
