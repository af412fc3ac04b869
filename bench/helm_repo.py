"""Classic Helm repository: a large generated index.yaml served by real nginx.

Generates a deterministic index of N chart versions (default 20,000, ~15 MB,
entries shaped like Bitnami's), serves it with nginx and measures:

- ``server`` mode (default): a real ``chartyard serve`` process (API + embedded
  worker, SQLite) registers the repository through ``POST /v1/registries/helm``
  (which validates it: a full download and parse) and syncs it; the sync time
  is the server's own (``lastRunTime`` to ``lastSyncedTime``) and the peak RSS
  is the server process's high-water mark (``VmHWM``) over validation and sync;
- ``client`` mode: the helmrepo client alone in a fresh child process
  (download + parse + the rows a sync keeps);
- in both, a no-change resync: a conditional GET with the stored validators,
  which must be one request answered 304 (checked on nginx's access log too).

    python -m bench.helm_repo [--entries 20000] [--mode server|client] [--work-dir bench/out]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.probes import own_cpu

VERSIONS_PER_CHART = 10
ROOT = Path(__file__).resolve().parent


def _entry(chart: int, version: int) -> str:
    name = f"chart-{chart:05d}"
    serial = chart * VERSIONS_PER_CHART + version
    return f"""\
  - annotations:
      category: Infrastructure
    apiVersion: v2
    appVersion: {version}.{chart % 50}.0
    created: "2024-05-{version % 28 + 1:02d}T10:11:12.123456789Z"
    dependencies:
    - name: common
      version: 2.x.x
    description: Generated chart {chart} for the chartyard benchmark.
    digest: {serial:064x}
    home: https://example.com/charts/{name}
    icon: https://example.com/icons/{name}.svg
    keywords:
    - {name}
    - benchmark
    maintainers:
    - name: Chart Team
      url: https://github.com/example/charts
    name: {name}
    sources:
    - https://github.com/example/charts/tree/main/{name}
    urls:
    - charts/{name}-{version}.0.{chart % 7}.tgz
    version: {version}.0.{chart % 7}
"""


def generate_index(path: Path, entries: int) -> int:
    """Write an index of ``entries`` chart versions to ``path``; return its size in bytes."""
    charts = max(1, entries // VERSIONS_PER_CHART)
    with path.open("w") as out:
        out.write("apiVersion: v1\nentries:\n")
        written = 0
        for chart in range(charts):
            out.write(f"  chart-{chart:05d}:\n")
            for version in range(VERSIONS_PER_CHART):
                if written < entries:
                    out.write(_entry(chart, version))
                    written += 1
        out.write('generated: "2024-05-01T00:00:00Z"\n')
    return path.stat().st_size


async def _fetch(url: str, validators: dict[str, Any] | None) -> dict[str, Any]:
    from chartyard.helmrepo import HelmRepoClient, IndexValidators

    previous = IndexValidators(**validators) if validators else None
    started = time.perf_counter()
    cpu = own_cpu()
    async with HelmRepoClient(url) as client:
        with await client.fetch_index(previous) as download:
            rows: list[dict[str, Any]] = []
            if download.changed:
                # What a sync keeps per version until it applies: the catalog row fields.
                rows = await asyncio.to_thread(lambda: [
                    {"name": e.name, "version": e.version, "digest": e.digest, "url": e.url,
                     "metadata": e.metadata} for e in download.entries()])
            return {
                "status": download.status, "changed": download.changed,
                "bytes": download.size, "entries": len(rows),
                "requests": client.stats.total,
                "validators": asdict(download.validators),
                "seconds": time.perf_counter() - started, "cpu_seconds": own_cpu() - cpu,
                "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }


def _run_child(url: str, validators: dict[str, Any] | None) -> dict[str, Any]:
    argv = [sys.executable, "-m", "bench.helm_repo", "--child", url]
    if validators:
        argv += ["--validators", json.dumps(validators)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=1800, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"helm repo bench child failed ({done.returncode}):\n"
                           f"{done.stderr[-4000:]}")
    report: dict[str, Any] = json.loads(lines[-1])
    return report


@dataclass
class HelmRepoResult:
    """What the Helm repository benchmark measured."""

    entries: int
    index_bytes: int
    generate_seconds: float
    full_seconds: float
    full_cpu_seconds: float
    full_entries: int
    peak_rss_mb: float
    resync_requests: int
    resync_status: int
    resync_seconds: float
    server_requests: list[tuple[str, int]] = field(default_factory=list)
    measured: str = "the helmrepo client in a child process (download + parse + rows)"
    baseline_rss_mb: float = 0.0  # the process idle, before the sync (server mode)

    @property
    def growth_mb(self) -> float:
        """Return the peak RSS growth over the idle process (the peak itself without one)."""
        return self.peak_rss_mb - self.baseline_rss_mb


def _vm_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _wait_sync(client: Any, uid: str, after: str | None, timeout: float = 1800) -> dict[str, Any]:
    """Poll the sync status until a run that started after ``after`` has finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status: dict[str, Any] = client.get(f"/v1/registries/helm/{uid}/sync/status").json()
        fresh = after is None or (status.get("lastRunTime") or "") > after
        if fresh and status["status"] in ("Completed", "Failed"):
            if status["status"] == "Failed":
                raise RuntimeError(f"the Helm repository sync failed: {status['message']}")
            return status
        time.sleep(0.2)
    raise TimeoutError("the Helm repository sync did not finish")


def _seconds(status: dict[str, Any]) -> float:
    from datetime import datetime

    start = datetime.fromisoformat(status["lastRunTime"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(status["lastSyncedTime"].replace("Z", "+00:00"))
    return (end - start).total_seconds()


def measure_server(work_dir: Path, entries: int) -> HelmRepoResult:
    """Sync the generated index with a real ``chartyard serve``; stop everything after."""
    import httpx
    from tests.harness.chartyard_server import ChartyardServer
    from tests.harness.nginx import NginxServer

    with NginxServer(base_dir=work_dir) as nginx:
        started = time.perf_counter()
        size = generate_index(nginx.path("big/index.yaml"), entries)
        generated = time.perf_counter() - started
        data_dir = work_dir / "helm-repo-server"
        shutil.rmtree(data_dir, ignore_errors=True)
        server = ChartyardServer(data_dir, admin_password="bench-Admin-123",
                                 extra_env={"CHARTYARD_LOG_LEVEL": "WARNING"})
        try:
            headers = {"Authorization": f"Bearer {server.token()}"}
            with httpx.Client(base_url=server.url, headers=headers, timeout=600) as client:
                baseline = _vm_kb(server.proc.pid, "VmRSS")
                body = {"metadata": {"name": "big"},
                        "spec": {"endpoint": nginx.url + "big", "isSyncSupported": True,
                                 "auth": {"type": "noAuth"}}}
                created = client.post("/v1/registries/helm", json=body)
                created.raise_for_status()
                uid = created.json()["uid"]
                full = _wait_sync(client, uid, None)
                peak = _vm_kb(server.proc.pid, "VmHWM")
                nginx.clear_log()
                client.post(f"/v1/registries/helm/{uid}/sync").raise_for_status()
                again = _wait_sync(client, uid, full["lastRunTime"])
                logged = [(m, st) for m, _, st, _ in nginx.requests("/big/")]
                runs = client.get(f"/v1/registries/helm/{uid}/sync/history")
                requests = (runs.json()["items"][0].get("requests", len(logged))
                            if runs.status_code == 200 else len(logged))
        finally:
            server.close()
    return HelmRepoResult(
        entries=entries, index_bytes=size, generate_seconds=generated,
        full_seconds=_seconds(full), full_cpu_seconds=float("nan"),
        full_entries=int(full["progress"]["chartVersions"]), peak_rss_mb=peak / 1024,
        resync_requests=int(requests), resync_status=logged[-1][1] if logged else 0,
        resync_seconds=_seconds(again), server_requests=logged,
        measured=f"a chartyard serve process (baseline {baseline / 1024:.0f} MB RSS): "
                 "validation + sync through the API",
        baseline_rss_mb=baseline / 1024,
    )


def measure_helm_repo(work_dir: Path, entries: int, mode: str = "server") -> HelmRepoResult:
    """Generate, serve and measure in ``mode``; stops every process before returning."""
    if mode == "server":
        return measure_server(work_dir, entries)
    from tests.harness.nginx import NginxServer

    with NginxServer(base_dir=work_dir) as server:
        started = time.perf_counter()
        size = generate_index(server.path("big/index.yaml"), entries)
        generated = time.perf_counter() - started
        url = server.url + "big/"
        full = _run_child(url, None)
        server.clear_log()
        resync = _run_child(url, full["validators"])
        logged = [(method, status) for method, _, status, _ in server.requests("/big/")]
    return HelmRepoResult(
        entries=entries, index_bytes=size, generate_seconds=generated,
        full_seconds=full["seconds"], full_cpu_seconds=full["cpu_seconds"],
        full_entries=full["entries"], peak_rss_mb=full["peak_rss_kb"] / 1024,
        resync_requests=resync["requests"], resync_status=resync["status"],
        resync_seconds=resync["seconds"], server_requests=logged,
    )


def helm_repo_table(result: HelmRepoResult) -> str:
    """Render the result as a Markdown table."""
    rows = [
        ("index", f"{result.entries:,} chart versions, {result.index_bytes / 1e6:.1f} MB"),
        ("measured", result.measured),
        ("full sync", f"{result.full_seconds:.1f} s"
                      + (f" ({result.full_cpu_seconds:.1f} s CPU)"
                         if result.full_cpu_seconds == result.full_cpu_seconds else "")
                      + f", {result.full_entries:,} versions"),
        ("peak RSS", f"{result.peak_rss_mb:.0f} MB"
                     + (f", growth over idle {result.growth_mb:.0f} MB (target < 100 MB)"
                        if result.baseline_rss_mb else "")),
        ("no-change resync", f"{result.resync_requests} request(s), answered "
                             f"{result.resync_status}, {result.resync_seconds * 1000:.0f} ms; "
                             f"nginx saw {result.server_requests}"),
    ]
    lines = ["| | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the Helm repository benchmark alone (or as the measuring child)."""
    parser = argparse.ArgumentParser(prog="python -m bench.helm_repo",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--work-dir", type=Path, default=ROOT / "out")
    parser.add_argument("--mode", choices=("server", "client"), default="server")
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--validators", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        validators = json.loads(args.validators) if args.validators else None
        print(json.dumps(asyncio.run(_fetch(args.child, validators))), flush=True)
        return 0
    args.work_dir.mkdir(parents=True, exist_ok=True)
    result = measure_helm_repo(args.work_dir, args.entries, args.mode)
    print(helm_repo_table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
