"""Render the benchmark's results: a table on stdout and `bench/RESULTS.md` with machine details."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.api_latency import ApiResult, Percentiles
from bench.api_sync import ApiSyncResult
from bench.chartyard_sync import SyncResult
from bench.corpus import Corpus
from bench.events import EventsResult
from bench.helm_cli import HelmResult
from bench.helm_repo import HelmRepoResult, helm_repo_table
from bench.limit import LimitResult
from bench.naive import NaiveResult
from bench.pickup import PICKUP_TARGET_MS, PickupResult, pickup_table
from bench.probes import Phase

RSS_TARGET_MB = 200.0
LIMIT_TARGET = 1.2
THROTTLE_TARGET = 1.4
EVENTS_P95_TARGET_S = 2.0
EVENT_REQUESTS = 3  # tags/list, manifest, config blob
NAIVE_TARGET = 10.0
API_P95_TARGET_MS = 50.0
HELM_GROWTH_TARGET_MB = 100.0
HELM_GROWTH_SPREAD = 0.2  # the growth at every size within ±20 % of the largest's


@dataclass
class ThrottleResult:
    """A full sync behind the throttling proxy, against its floor."""

    sync: SyncResult
    needed: int
    rate: float
    burst: int
    proxy_throttled: int
    unthrottled_seconds: float = 0.0

    @property
    def floor(self) -> float:
        """Return the throttle floor: requests needed divided by the rate, seconds."""
        return self.needed / self.rate

    @property
    def over_floor(self) -> float:
        """Return the sync time divided by the floor."""
        return self.sync.seconds / self.floor

    @property
    def bound(self) -> float:
        """Return what bounds the throttled sync: the floor, or the proxy path unthrottled."""
        return max(self.floor, self.unthrottled_seconds)

    @property
    def over_bound(self) -> float:
        """Return the sync time divided by the bound."""
        return self.sync.seconds / self.bound


@dataclass
class NetworkResults:
    """Every measurement taken over one network path (loopback or the emulated WAN)."""

    name: str
    limit: LimitResult
    full: SyncResult
    no_change: SyncResult
    one_new: SyncResult
    naive: NaiveResult | None = None
    helm: HelmResult | None = None
    limit_phase: Phase | None = None
    full_phase: Phase | None = None
    full_pinned: SyncResult | None = None
    pinned_samples: list[float] = field(default_factory=list)
    throttle: ThrottleResult | None = None
    throttles: list[ThrottleResult] = field(default_factory=list)  # every burst measured
    from_api: ApiSyncResult | None = None
    limit_samples: list[float] = field(default_factory=list)
    full_samples: list[float] = field(default_factory=list)
    peak_rss_mb: float = 0.0

    @property
    def full_over_limit(self) -> float:
        """Return chartyard's full-sync time divided by the registry limit."""
        return self.full.seconds / self.limit.seconds

    @property
    def all_throttles(self) -> list[ThrottleResult]:
        """Return every throttled run (``throttle`` alone when only it was set)."""
        return self.throttles or ([self.throttle] if self.throttle else [])

    @property
    def api_over_limit(self) -> float | None:
        """Return the sync timed from the API request divided by the registry limit."""
        return self.from_api.seconds / self.limit.seconds if self.from_api else None

    @property
    def naive_over_chartyard(self) -> float | None:
        """Return the naive method's time divided by chartyard's full sync."""
        return self.naive.seconds / self.full.seconds if self.naive else None

    @property
    def helm_over_chartyard(self) -> float | None:
        """Return helm's extrapolated time divided by chartyard's full sync."""
        return self.helm.extrapolated_seconds / self.full.seconds if self.helm else None


@dataclass
class BenchResults:
    """One benchmark run."""

    corpus: Corpus
    in_flight: int
    delay_ms: float
    networks: list[NetworkResults] = field(default_factory=list)
    api: ApiResult | None = None
    machine: dict[str, str] = field(default_factory=dict)
    wall_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    rounds: int = 1
    shipped: str = ""
    events: EventsResult | None = None
    helm_repo: HelmRepoResult | None = None
    helm_repos: list[HelmRepoResult] = field(default_factory=list)  # every index size
    pickups: list[PickupResult] = field(default_factory=list)


def _run(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=30)
    except OSError:
        return "unavailable"
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else "?"


def machine_details(helm_version: str) -> dict[str, str]:
    """Return what a reader needs to weigh the figures: CPU, memory, versions."""
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split("MemTotal:", 1)[1].split()[0])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{cpu} x {os.cpu_count()} cores",
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "registry": _run(["docker-registry", "--version"]),
        "helm": helm_version,
    }


def _s(seconds: float) -> str:
    return f"{seconds:,.2f} s" if seconds < 100 else f"{seconds:,.0f} s"


def _kinds(counts: Counter[str]) -> str:
    order = ("catalog", "tags", "manifest", "manifest_head", "blob", "ping", "token", "other")
    return ", ".join(f"{k} {counts[k]:,}" for k in order if counts.get(k))


def _samples(samples: list[float]) -> str:
    if len(samples) < 2:
        return ""
    return " (best of " + ", ".join(f"{s:,.1f}" for s in samples) + ")"


def _cpu(phase: Phase | None) -> str:
    if phase is None:
        return "n/a"
    return " + ".join(f"{seconds:,.1f} ({name})" for name, seconds in phase.cpu.items())


def _psi(phase: Phase | None) -> str:
    return "n/a" if phase is None or phase.contention is None else f"{phase.contention:.0%}"


def _x(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio:,.2f}x"


def _rows(results: BenchResults) -> list[tuple[str, list[str]]]:
    nets = results.networks
    rows: list[tuple[str, list[str]]] = []

    def row(label: str, cell: Callable[[NetworkResults], str]) -> None:
        rows.append((label, [cell(n) for n in nets]))

    row(f"Registry limit ({results.in_flight} in flight): time",
        lambda n: _s(n.limit.seconds) + _samples(n.limit_samples))
    row("Registry limit: requests",
        lambda n: f"{n.limit.total:,} ({n.limit.total / n.limit.seconds:,.0f}/s)")
    row("chartyard full sync (shipped defaults): time",
        lambda n: _s(n.full.seconds) + _samples(n.full_samples))
    row("chartyard full sync: requests",
        lambda n: f"{n.full.total:,} ({n.full.total / n.full.seconds:,.0f}/s)")
    row("chartyard full sync: in flight, peak / limit at the end",
        lambda n: f"{n.full.peak_in_flight} / {n.full.final_limit}")
    if any(n.full_pinned for n in nets):
        row(f"chartyard full sync pinned at {results.in_flight} in flight",
            lambda n: "not run" if n.full_pinned is None else
            f"{_s(n.full_pinned.seconds)}{_samples(n.pinned_samples)} "
            f"({_x(n.full_pinned.seconds / n.limit.seconds)} the limit)")
    if any(n.from_api for n in nets):
        row("chartyard full sync from the API request (POST → Completed seen by the user)",
            lambda n: "not run" if n.from_api is None else
            f"{_s(n.from_api.seconds)} "
            f"(the server's own sync time {_s(n.from_api.server_seconds)})")
    bursts = sorted({t.burst for n in nets for t in n.all_throttles}, reverse=True)
    for burst in bursts:
        def pick(n: NetworkResults, b: int = burst) -> ThrottleResult | None:
            return next((t for t in n.all_throttles if t.burst == b), None)

        row(f"Throttled registry (burst {burst}): full sync (shipped defaults)",
            lambda n, f=pick: "not run" if (t := f(n)) is None else
            f"{t.sync.status} in {_s(t.sync.seconds)}; floor "
            f"{_s(t.floor)} ({t.needed:,} requests ÷ {t.rate:g}/s)")
        row(f"Throttled registry (burst {burst}): 429 answers (chartyard saw / proxy sent)",
            lambda n, f=pick: "not run" if (t := f(n)) is None else
            f"{t.sync.throttled:,} / {t.proxy_throttled:,}")
    if bursts:
        row("Throttled registry: the same proxy unthrottled",
            lambda n: "not run" if not n.all_throttles else
            f"{_s(n.all_throttles[0].unthrottled_seconds)} (what the proxy path allows here)")
    row("CPU seconds, limit: client / servers",
        lambda n: f"{n.limit.cpu_seconds:,.1f} / {_cpu(n.limit_phase)}")
    row("CPU seconds, full sync: chartyard / servers",
        lambda n: f"{n.full.cpu_seconds:,.1f} / {_cpu(n.full_phase)}")
    row("CPU pressure during limit / full sync (PSI some)",
        lambda n: f"{_psi(n.limit_phase)} / {_psi(n.full_phase)}")
    row("chartyard full sync: peak RSS",
        lambda n: f"{n.peak_rss_mb:,.0f} MB (at start {n.full.baseline_rss_mb:,.0f} MB)")
    row("chartyard no-change resync",
        lambda n: f"{_s(n.no_change.seconds)}; {n.no_change.total:,} requests "
                  f"({_kinds(n.no_change.requests)})")
    row("chartyard one-new-version resync",
        lambda n: f"{_s(n.one_new.seconds)}; {n.one_new.total:,} requests "
                  f"({_kinds(n.one_new.requests)}); added {n.one_new.added}")
    row("Naive (sequential, tarball download + unpack)",
        lambda n: "not run" if n.naive is None else (
            f"{_s(n.naive.seconds)}"
            + (f" (extrapolated from {n.naive.repositories_done:,} of "
               f"{n.naive.repositories:,} repositories, measured {_s(n.naive.measured_seconds)})"
               if n.naive.extrapolated else "")))
    row("helm show chart, per version",
        lambda n: "not run" if n.helm is None else
        f"{n.helm.per_version_seconds * 1000:,.0f} ms (sample of {n.helm.sample})")
    row("helm show chart, extrapolated to corpus",
        lambda n: "not run" if n.helm is None else _s(n.helm.extrapolated_seconds))
    row("**full sync ÷ registry limit**", lambda n: f"**{_x(n.full_over_limit)}**")
    if any(n.from_api for n in nets):
        row("**API request → Completed ÷ registry limit**",
            lambda n: "n/a" if n.api_over_limit is None else f"**{_x(n.api_over_limit)}**")
    for burst in bursts:
        row(f"**throttled sync ÷ throttle floor, burst {burst}** (÷ max(floor, unthrottled))",
            lambda n, b=burst: "n/a" if (t := next((t for t in n.all_throttles
                                                    if t.burst == b), None)) is None else
            f"**{_x(t.over_floor)}** ({_x(t.over_bound)})")
    row("**naive ÷ chartyard**", lambda n: f"**{_x(n.naive_over_chartyard)}**")
    row("**helm ÷ chartyard**", lambda n: f"**{_x(n.helm_over_chartyard)}**")
    return rows


def _network_label(name: str, delay_ms: float) -> str:
    return f"WAN ({2 * delay_ms:g} ms RTT)" if name == "wan" else "loopback"


def sync_table(results: BenchResults) -> str:
    """Return the markdown table of the sync measurements."""
    heads = [_network_label(n.name, results.delay_ms) for n in results.networks]
    lines = ["| measurement | " + " | ".join(heads) + " |",
             "|---|" + "---|" * len(heads)]
    lines += [f"| {label} | " + " | ".join(cells) + " |" for label, cells in _rows(results)]
    return "\n".join(lines)


def _p(p: Percentiles) -> str:
    return f"{p.p50:,.1f} | {p.p95:,.1f} | {p.p99:,.1f} | {p.per_second:,.0f}"


def api_table(api: ApiResult) -> str:
    """Return the markdown table of the catalog API latencies."""
    lines = [f"| endpoint ({api.chart_versions:,} versions in {api.charts:,} charts) | "
             "concurrent clients | p50 ms | p95 ms | p99 ms | req/s |",
             "|---|---|---|---|---|---|"]
    for run in api.runs:
        lines += [
            f"| versions lookup `GET /v1/packs/{{name}}/registries/{{uid}}` | {run.clients} | "
            f"{_p(run.versions)} |",
            f"| search `GET /v1/packs?q=...&limit=50` | {run.clients} | {_p(run.search)} |",
        ]
    return "\n".join(lines)


def events_table(events: EventsResult) -> str:
    """Return the markdown table of the push-to-catalog measurement."""
    requests = Counter(events.requests_per_refresh)
    per = ", ".join(f"{k} requests x {v}" for k, v in sorted(requests.items())) or "none logged"
    return "\n".join([
        "| measurement | value |", "|---|---|",
        f"| pushes timed | {len(events.latencies)} |",
        f"| helm push returned → version served: p50 / p95 / max | "
        f"{events.p50 * 1000:,.0f} / {events.p95 * 1000:,.0f} / "
        f"{max(events.latencies) * 1000:,.0f} ms |",
        f"| helm push started → version served: p95 | {events.p95_with_push * 1000:,.0f} ms |",
        f"| registry requests per event refresh | {per} |",
    ])


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def targets_table(results: BenchResults) -> str:
    """Return the targets (issues 8 and 15) against what this run measured."""
    lines = ["| target | measured | |", "|---|---|---|"]
    for n in results.networks:
        label = _network_label(n.name, results.delay_ms)
        lines.append(f"| full sync ≤ {LIMIT_TARGET}x registry limit, {label} | "
                     f"{_x(n.full_over_limit)} | {_verdict(n.full_over_limit <= LIMIT_TARGET)} |")
        extra = n.no_change.total - n.no_change.requests["tags"] - n.no_change.requests["catalog"]
        ok = extra == 0 and n.no_change.requests["tags"] == n.limit.requests["tags"]
        lines.append(f"| no-change resync = catalog pages + one tags/list per repository, "
                     f"{label} | {_kinds(n.no_change.requests)} | {_verdict(ok)} |")
        if n.api_over_limit is not None:
            lines.append(f"| sync from the API request ≤ {LIMIT_TARGET}x registry limit, "
                         f"{label} | {_x(n.api_over_limit)} | "
                         f"{_verdict(n.api_over_limit <= LIMIT_TARGET)} |")
        for t in n.all_throttles:
            ok = t.sync.status == "Completed" and t.over_floor <= THROTTLE_TARGET
            lines.append(f"| throttled sync Completed within {THROTTLE_TARGET}x the floor "
                         f"({t.rate:g} req/s, burst {t.burst}), {label} | {t.sync.status}, "
                         f"{_x(t.over_floor)}, {t.sync.throttled:,} 429s | {_verdict(ok)} |")
            if not ok and t.unthrottled_seconds > t.floor:
                bounded = t.sync.status == "Completed" and t.over_bound <= THROTTLE_TARGET
                lines.append(f"| the same, against max(floor, unthrottled proxy path "
                             f"{_s(t.unthrottled_seconds)}), {label} | {_x(t.over_bound)} | "
                             f"{_verdict(bounded)} |")
        lines.append(f"| peak RSS < {RSS_TARGET_MB:g} MB, {label} | "
                     f"{n.peak_rss_mb:,.0f} MB | "
                     f"{_verdict(n.peak_rss_mb < RSS_TARGET_MB)} |")
        if n.name == "wan" and n.naive_over_chartyard is not None:
            lines.append(f"| ≥ {NAIVE_TARGET:g}x faster than naive, {label} | "
                         f"{_x(n.naive_over_chartyard)} | "
                         f"{_verdict(n.naive_over_chartyard >= NAIVE_TARGET)} |")
    if results.events is not None:
        ev = results.events
        lines.append(f"| push to catalog through events p95 < {EVENTS_P95_TARGET_S:g} s | "
                     f"{ev.p95:,.2f} s | {_verdict(ev.p95 < EVENTS_P95_TARGET_S)} |")
        ok = bool(ev.requests_per_refresh) and set(ev.requests_per_refresh) == {EVENT_REQUESTS}
        lines.append(f"| {EVENT_REQUESTS} registry requests per pushed version "
                     f"(tags, manifest, config) | "
                     f"{sorted(set(ev.requests_per_refresh))} | {_verdict(ok)} |")
    for pickup in results.pickups:
        lines.append(f"| sync pickup p95 < {PICKUP_TARGET_MS:g} ms, {pickup.database}, "
                     f"{pickup.workers} workers | {pickup.p95 * 1000:,.0f} ms | "
                     f"{_verdict(pickup.p95 * 1000 < PICKUP_TARGET_MS)} |")
    helm = results.helm_repos or ([results.helm_repo] if results.helm_repo else [])
    if helm:
        largest = max(helm, key=lambda h: h.entries)
        lines.append(f"| Helm index peak RSS growth < {HELM_GROWTH_TARGET_MB:g} MB at "
                     f"{largest.entries:,} entries | {largest.growth_mb:,.0f} MB | "
                     f"{_verdict(largest.growth_mb < HELM_GROWTH_TARGET_MB)} |")
        for h in helm:
            if h is largest or largest.growth_mb <= 0:
                continue
            spread = h.growth_mb / largest.growth_mb - 1
            lines.append(f"| Helm index growth at {h.entries:,} within ±20 % of "
                         f"{largest.entries:,} | {h.growth_mb:,.0f} MB ({spread:+.0%}) | "
                         f"{_verdict(abs(spread) <= HELM_GROWTH_SPREAD)} |")
    if results.api is not None:
        run = results.api.loaded
        for name, p in (("versions lookup", run.versions), ("search", run.search)):
            lines.append(f"| {name} p95 < {API_P95_TARGET_MS:g} ms at "
                         f"{results.api.chart_versions:,} versions, {run.clients} clients | "
                         f"{p.p95:,.1f} ms | {_verdict(p.p95 < API_P95_TARGET_MS)} |")
    return "\n".join(lines)


def render(results: BenchResults) -> str:
    """Return the whole report as markdown."""
    c = results.corpus
    parts = [
        "# chartyard benchmark results",
        "",
        "Generated by `python -m bench` (see the README). Every figure below comes from one "
        "run on one machine, side by side; absolute times on shared machines vary from run "
        "to run, the ratios are what count.",
        "",
        f"**Corpus:** {c.repos:,} repositories x {c.versions} versions = "
        f"{c.chart_versions:,} chart versions of ~{c.chart_kb} KB (incompressible padding), "
        f"plus {len(c.image_repos())} image manifests mixed into chart repositories; "
        f"docker-registry with filesystem storage on 127.0.0.1, plain HTTP. The registry "
        f"limit is a tight client keeping {results.in_flight} requests in flight; chartyard "
        f"runs at its shipped defaults (per-host budget {results.shipped}). "
        f"WAN: the benchmark's own delay proxy adds {results.delay_ms:g} ms each way.",
        "",
        f"Registry limit and full sync run {results.rounds} interleaved round(s); the table "
        "shows the best of each (all samples in brackets), the usual estimator when other "
        "load can only slow a run down. "
        "CPU seconds are those the client (the tight client, or the chartyard sync process) "
        "and the servers (registry, delay proxy) spent in the phase; they vary far less "
        "between runs than wall time. CPU pressure is the share of the phase during which "
        "some task on the machine waited for a CPU (Linux PSI): above a few percent the "
        "machine was busy, with our own processes or with others', and wall times are "
        "inflated accordingly.",
        "",
        "## Sync",
        "",
        sync_table(results),
        "",
    ]
    if results.api is not None:
        parts += ["## Catalog API", "", api_table(results.api), "",
                  f"Seeded directly into SQLite in {results.api.seed_seconds:,.1f} s; served "
                  f"by `chartyard serve --no-worker --workers {results.api.server_workers}`.",
                  ""]
    if results.events is not None:
        parts += ["## Registry events", "", events_table(results.events), "",
                  "A fresh docker-registry notifies `chartyard serve --no-worker` "
                  "(`notifications.endpoints`); only events bring versions in.", ""]
    if results.pickups:
        parts += ["## Sync pickup", "", pickup_table(results.pickups), "",
                  "\"Sync now\" through the API of `chartyard serve --workers 2` (an embedded "
                  "worker in each API process) at the shipped poll interval, to the new run's "
                  "start time as the worker records it.", ""]
    for helm_repo in results.helm_repos or ([results.helm_repo] if results.helm_repo else []):
        parts += [f"## Classic Helm repository (index.yaml, {helm_repo.entries:,} entries)", "",
                  helm_repo_table(helm_repo), "",
                  "A generated index served by nginx; peak RSS is that of the measured "
                  "process for the whole sync; the no-change resync sends the stored ETag "
                  "and Last-Modified.", ""]
    parts += ["## Targets (issues 8, 14, 15 and 24)", "", targets_table(results), ""]
    if results.notes:
        parts += ["## Notes", ""] + [f"- {note}" for note in results.notes] + [""]
    parts += ["## Machine", ""]
    parts += [f"- **{k}:** {v}" for k, v in results.machine.items()]
    parts += [f"- **benchmark wall time:** {results.wall_seconds / 60:,.1f} min", ""]
    return "\n".join(parts)


KEEP_MARKER = "<!-- hand-written below this line: kept when the report is regenerated -->"


def write_report(results: BenchResults, path: Path) -> None:
    """Write the report to `path`, keeping any hand-written part after KEEP_MARKER."""
    kept = ""
    if path.exists():
        _, marker, tail = path.read_text().partition(KEEP_MARKER)
        kept = marker + tail if marker else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(results) + ("\n" + kept if kept else ""))
