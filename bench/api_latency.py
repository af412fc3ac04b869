"""Catalog API latency at scale: seed chart versions into SQLite, query a real server.

The catalog is seeded directly with bulk inserts into `chart_versions` and
`charts` (what a sync would have written), then `chartyard serve --no-worker`
runs as a subprocess and concurrent clients call, over HTTP:

- the versions lookup ``GET /v1/packs/{chartName}/registries/{registryUid}``;
- the search ``GET /v1/packs?q=...&limit=50`` with a mix of queries.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from tests.harness.chartyard_server import ChartyardServer

ADMIN_PASSWORD = "bench-Admin-123"
WORDS = ("nginx", "redis", "postgres", "kafka", "grafana", "loki", "tempo", "vault",
         "consul", "minio", "traefik", "istio", "keycloak", "argo", "flux", "jaeger",
         "mongodb", "mysql", "rabbitmq", "elastic")
SEARCHES = ("redis", "operator", "grafana-00", "team7", "zz-no-match", "")


@dataclass
class Percentiles:
    """Latency percentiles of one endpoint, in milliseconds, and throughput."""

    requests: int
    p50: float
    p95: float
    p99: float
    per_second: float


@dataclass
class ApiRun:
    """Latency of the versions lookup and the search with `clients` concurrent clients."""

    clients: int
    versions: Percentiles
    search: Percentiles


@dataclass
class ApiResult:
    """API latency runs at one catalog size."""

    chart_versions: int
    charts: int
    runs: list[ApiRun]
    seed_seconds: float
    server_workers: int = 1

    @property
    def loaded(self) -> ApiRun:
        """Return the run with the most concurrent clients (the one the target is about)."""
        return max(self.runs, key=lambda r: r.clients)


def _chart_names(charts: int) -> list[str]:
    kinds = ("operator", "exporter", "app", "stack", "agent")
    return [f"{WORDS[i % len(WORDS)]}-{i // len(WORDS):03d}-{kinds[i % len(kinds)]}"
            for i in range(charts)]


def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _rows(names: list[str], per_chart: int, tenant: str,
          registry: str) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    from chartyard.store.models import new_uid, utcnow

    now = utcnow()
    for i, name in enumerate(names):
        repo = f"team{i % 20}/{name}"
        keywords = f"bench team{i % 20} {WORDS[i % len(WORDS)]}"
        versions = []
        for j in range(per_chart):
            version = f"{j // 10}.{j % 10}.{i % 3}"
            meta = {"apiVersion": "v2", "name": name, "version": version,
                    "appVersion": f"{i % 9}.{j}.0", "description": f"The {name} chart",
                    "keywords": keywords.split(), "type": "application",
                    "maintainers": [{"name": "bench", "email": "bench@example.com"}]}
            versions.append({
                "uid": new_uid(), "tenant_uid": tenant, "registry_uid": registry,
                "repository": repo, "name": name, "tag": version, "version": version,
                "digest": _digest(f"m{i}-{j}"), "config_digest": _digest(f"c{i}-{j}"),
                "chart_digest": _digest(f"l{i}-{j}"), "app_version": meta["appVersion"],
                "description": meta["description"], "keywords": keywords,
                "chart_metadata": meta, "indexed_at": now,
            })
        latest = versions[-1]
        chart = {
            "uid": new_uid(), "tenant_uid": tenant, "registry_uid": registry,
            "repository": repo, "name": name, "latest_version": latest["version"],
            "latest_pack_uid": latest["uid"], "version_count": per_chart,
            "description": latest["description"], "icon": None, "keywords": keywords,
        }
        yield chart, versions


def seed(data_dir: Path, total_versions: int, per_chart: int = 10) -> tuple[str, list[str]]:
    """Create the app's database in `data_dir` and seed it; return (registry uid, names)."""
    from sqlalchemy import insert, select

    from chartyard.app import prepare
    from chartyard.auth.roles import Principal, Role
    from chartyard.context import AppContext
    from chartyard.registries.kinds import get_kind
    from chartyard.registries.service import RegistryService
    from chartyard.settings import Settings
    from chartyard.store.models import Chart, ChartVersion, User

    ctx = AppContext.create(Settings(data_dir=data_dir, database_url=None,
                                     admin_password=ADMIN_PASSWORD))
    prepare(ctx)
    names = _chart_names(max(1, total_versions // per_chart))
    with ctx.transaction() as session:
        admin = session.scalar(select(User).where(User.username == "admin"))
        assert admin is not None
        principal = Principal(admin.uid, admin.username, admin.tenant_uid, Role(admin.role))
        body = get_kind("basic").parse_body({
            "metadata": {"name": "seeded"},
            "spec": {"endpoint": "http://127.0.0.1:9", "providerType": "helm",
                     "isSyncSupported": False, "baseContentPath": [], "repositories": [],
                     "auth": {"type": "noAuth"}},
        })
        reg = RegistryService(ctx, session, principal).create(
            get_kind("basic").normalise(body, creating=True))
        uid, tenant = reg.uid, admin.tenant_uid
    charts: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    with ctx.transaction() as session:
        for chart, rows in _rows(names, per_chart, tenant, uid):
            charts.append(chart)
            versions.extend(rows)
            if len(versions) >= 5000:
                session.execute(insert(ChartVersion), versions)
                versions = []
        if versions:
            session.execute(insert(ChartVersion), versions)
        for i in range(0, len(charts), 5000):
            session.execute(insert(Chart), charts[i:i + 5000])
    with ctx.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    ctx.dispose()
    return uid, names


async def _load(base_url: str, token: str, paths: Callable[[int], str], count: int,
                clients: int) -> Percentiles:
    latencies: list[float] = []
    position = iter(range(count))
    headers = {"Authorization": f"Bearer {token}"}
    pool = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=pool,
                                 timeout=60, trust_env=False) as client:

        async def worker() -> None:
            for i in position:
                started = time.perf_counter()
                response = await client.get(paths(i))
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{paths(i)} -> {response.status_code}: "
                                       f"{response.text[:300]}")

        for i in range(min(20, count)):  # warm up connections and caches
            await client.get(paths(i))
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Percentiles(len(latencies), cuts[49], cuts[94], cuts[98], len(latencies) / elapsed)


def measure_api(total_versions: int, *, clients: Sequence[int] = (1, 8), requests: int = 1000,
                work_dir: Path | None = None, server_workers: int = 1) -> ApiResult:
    """Seed `total_versions` chart versions, serve them, and measure both endpoints."""
    with tempfile.TemporaryDirectory(prefix="bench-api-", dir=work_dir) as tmp:
        data_dir = Path(tmp) / "data"
        started = time.perf_counter()
        uid, names = seed(data_dir, total_versions)
        seeded = time.perf_counter() - started
        server = ChartyardServer(data_dir, admin_password=ADMIN_PASSWORD, worker=False,
                                 workers=server_workers,
                                 extra_env={"CHARTYARD_LOG_LEVEL": "WARNING"})
        runs = []
        try:
            token = server.token()
            rng = random.Random(42)
            picks = [rng.choice(names) for _ in range(requests)]
            for level in clients:
                versions = asyncio.run(_load(
                    server.url, token, lambda i: f"/v1/packs/{picks[i]}/registries/{uid}",
                    requests, level))
                search = asyncio.run(_load(
                    server.url, token,
                    lambda i: f"/v1/packs?q={SEARCHES[i % len(SEARCHES)]}&limit=50",
                    requests, level))
                runs.append(ApiRun(level, versions, search))
        finally:
            server.close()
    return ApiResult(total_versions, len(names), runs, seeded, server_workers)
