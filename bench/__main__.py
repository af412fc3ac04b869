"""Run the whole benchmark: `python -m bench [--repos N --versions N ...]`.

Starts a docker-registry, pushes the corpus (cached under the work directory),
then measures on loopback and through the emulated WAN: the registry limit (a
tight client with --in-flight requests outstanding), chartyard's full sync at the
shipped defaults (the adaptive per-host budget), its no-change and
one-new-version resyncs, the naive method and the helm CLI; on loopback also a
full sync behind a throttling proxy (token bucket, 429 + Retry-After, a burst of
100 and of 20); through the WAN also a full sync timed from the API request to
Completed as a user sees it; then the push-to-catalog latency through registry
events, the sync pickup on SQLite and PostgreSQL, the catalog API latency at
scale and a classic Helm index at 20,000 and 60,000 entries. Prints the table and
writes the report (default `bench/RESULTS.md`).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tests.harness.components import find_helm

from bench.api_latency import measure_api
from bench.api_sync import measure_api_sync
from bench.chartyard_sync import SyncResult, run_sync, shipped_policy
from bench.corpus import BASE_PATH, Corpus, push_corpus, push_new_version, remove_new_version
from bench.events import measure_events
from bench.helm_cli import helm_version, measure_helm
from bench.helm_repo import helm_repo_table, measure_helm_repo
from bench.limit import LimitResult, measure_limit
from bench.naive import measure_naive
from bench.pickup import measure_pickup, pickup_table
from bench.probes import Phase
from bench.registry import BenchRegistry
from bench.report import (
    BenchResults,
    NetworkResults,
    ThrottleResult,
    api_table,
    events_table,
    machine_details,
    sync_table,
    targets_table,
    write_report,
)
from bench.throttle_proxy import ThrottleProxy
from bench.wan_proxy import WanProxy

ROOT = Path(__file__).resolve().parent


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Return the command line, with --quick applied."""
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--repos", type=int, default=300, help="repositories in the corpus")
    p.add_argument("--versions", type=int, default=5, help="chart versions per repository")
    p.add_argument("--chart-kb", type=int, default=100, help="size of each chart archive")
    p.add_argument("--images", type=int, default=None,
                   help="image manifests mixed into chart repositories (default repos/10)")
    p.add_argument("--wan", action=argparse.BooleanOptionalAction, default=True,
                   help="also measure through the emulated WAN")
    p.add_argument("--delay-ms", type=float, default=15.0, help="WAN delay each way")
    p.add_argument("--in-flight", type=int, default=16,
                   help="requests in flight for the registry limit (the tight client)")
    p.add_argument("--rounds", type=int, default=2,
                   help="interleaved rounds of registry limit and full sync (best of each)")
    p.add_argument("--pinned", action=argparse.BooleanOptionalAction, default=False,
                   help="also run chartyard's full sync pinned at --in-flight "
                        "(CHARTYARD_MAX_IN_FLIGHT_PER_HOST)")
    p.add_argument("--throttle", action=argparse.BooleanOptionalAction, default=True,
                   help="on loopback, also sync behind a throttling proxy")
    p.add_argument("--throttle-rate", type=float, default=100.0,
                   help="the throttling proxy's token rate, requests per second")
    p.add_argument("--throttle-bursts", default="100,20",
                   help="comma-separated bucket sizes of the throttling proxy, one run each")
    p.add_argument("--api-sync", action=argparse.BooleanOptionalAction, default=True,
                   help="through the WAN, also time a sync from the API request to Completed")
    p.add_argument("--pickup-samples", type=int, default=20,
                   help="Sync now → sync started samples per database (0 skips it)")
    p.add_argument("--event-pushes", type=int, default=20,
                   help="helm pushes timed through registry events (0 skips it)")
    p.add_argument("--naive-budget", type=float, default=30.0,
                   help="seconds after which the naive method stops and extrapolates")
    p.add_argument("--helm-sample", type=int, default=20, help="helm calls per network")
    p.add_argument("--api-versions", type=int, default=100_000,
                   help="chart versions seeded for the API latency (0 skips it)")
    p.add_argument("--api-clients", default="1,8",
                   help="comma-separated levels of concurrent API clients")
    p.add_argument("--api-requests", type=int, default=1000,
                   help="requests per API endpoint and level")
    p.add_argument("--api-workers", type=int, default=2,
                   help="API processes of the measured server (chartyard serve --workers)")
    p.add_argument("--helm-repo-entries", default="20000,60000",
                   help="comma-separated sizes of the generated classic Helm index (0 skips)")
    p.add_argument("--quick", action="store_true",
                   help="a small run for CI: 20 x 3, small API catalog, short samples")
    p.add_argument("--out", type=Path, default=ROOT / "RESULTS.md", help="report to write")
    p.add_argument("--work-dir", type=Path, default=ROOT / "out",
                   help="scratch space (corpus cache, databases)")
    args = p.parse_args(argv)
    if args.quick:
        args.repos, args.versions = 20, 3
        args.helm_sample, args.naive_budget, args.rounds = 3, 30.0, 1
        args.api_versions, args.api_requests = 2_000, 200
        args.event_pushes, args.throttle_bursts = 5, "100,10"
        args.helm_repo_entries, args.pickup_samples = "2000", 5
    if args.images is None:
        args.images = max(1, args.repos // 10)
    return args


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _helm_refs(corpus: Corpus, sample: int) -> list[tuple[str, str]]:
    total = corpus.chart_versions
    picks = sorted({int(k * total / sample) for k in range(max(1, sample))})
    return [(corpus.repo(p // corpus.versions), corpus.version(p % corpus.versions))
            for p in picks]


def measure_network(name: str, url: str, registry: BenchRegistry, corpus: Corpus,
                    args: argparse.Namespace, scratch: Path,
                    proxy: WanProxy | None = None) -> NetworkResults:
    """Take every sync measurement over one network path."""
    pids = {"registry": registry.pid, **({"proxy": proxy.proc.pid} if proxy else {})}
    limits: list[tuple[LimitResult, Phase]] = []
    fulls: list[tuple[SyncResult, Phase]] = []
    pinned: list[SyncResult] = []
    data_dir = scratch / f"chartyard-{name}"
    for round_ in range(1, args.rounds + 1):
        # Interleaved, so all see the same spells of load from elsewhere on the machine.
        _log(f"{name}: registry limit ({args.in_flight} in flight), round {round_}")
        with Phase(pids) as phase:
            limits.append((measure_limit(url, BASE_PATH, in_flight=args.in_flight), phase))
        shutil.rmtree(data_dir, ignore_errors=True)
        _log(f"{name}: chartyard full sync at the shipped defaults, round {round_}")
        with Phase(pids) as phase:
            fulls.append((run_sync(data_dir, url, BASE_PATH, in_flight=None), phase))
        if args.pinned:
            fresh = scratch / f"chartyard-{name}-pinned"
            shutil.rmtree(fresh, ignore_errors=True)
            _log(f"{name}: chartyard full sync pinned at {args.in_flight}, round {round_}")
            pinned.append(run_sync(fresh, url, BASE_PATH, in_flight=args.in_flight))
    limit, limit_phase = min(limits, key=lambda pair: pair[0].seconds)
    full, full_phase = min(fulls, key=lambda pair: pair[0].seconds)
    _log(f"{name}: chartyard no-change resync")
    no_change = run_sync(data_dir, url, BASE_PATH, in_flight=None)
    push_new_version(corpus, registry.url)
    try:
        _log(f"{name}: chartyard one-new-version resync")
        one_new = run_sync(data_dir, url, BASE_PATH, in_flight=None)
    finally:
        remove_new_version(corpus, registry.url)
    result = NetworkResults(name, limit, full, no_change, one_new,
                            limit_phase=limit_phase, full_phase=full_phase,
                            limit_samples=[r.seconds for r, _ in limits],
                            full_samples=[r.seconds for r, _ in fulls],
                            peak_rss_mb=max(r.peak_rss_mb for r, _ in fulls))
    if pinned:
        result.full_pinned = min(pinned, key=lambda r: r.seconds)
        result.pinned_samples = [r.seconds for r in pinned]
    if proxy is None and args.throttle:
        result.throttles = measure_throttle(registry, limit.total, args, scratch)
    if proxy is not None and args.api_sync:
        _log(f"{name}: chartyard full sync from the API request to Completed")
        result.from_api = measure_api_sync(scratch, url, BASE_PATH)
    _log(f"{name}: naive method (budget {args.naive_budget:g} s)")
    result.naive = measure_naive(url, BASE_PATH, budget=args.naive_budget)
    if args.helm_sample > 0:
        _log(f"{name}: helm show chart x {args.helm_sample}")
        result.helm = measure_helm(url.removeprefix("http://"),
                                   _helm_refs(corpus, args.helm_sample), corpus.chart_versions)
    return result


def measure_throttle(registry: BenchRegistry, needed: int, args: argparse.Namespace,
                     scratch: Path) -> list[ThrottleResult]:
    """Sync at the shipped defaults through the proxy, unthrottled and then throttled.

    The unthrottled pass measures what the proxy path itself allows on this machine:
    the throttle floor is only reachable when that is faster than requests ÷ rate.
    Then one throttled pass per burst size (``--throttle-bursts``).
    """
    bursts = [int(b) for b in str(args.throttle_bursts).split(",") if b.strip()]
    runs: list[tuple[int, SyncResult, dict[str, int]]] = []
    for rate, burst in ((1e9, 1_000_000_000), *((args.throttle_rate, b) for b in bursts)):
        what = ("unthrottled" if rate >= 1e9
                else f"behind a {rate:g} req/s throttle, burst {burst}")
        _log(f"loopback: chartyard full sync through the proxy, {what}")
        proxy = ThrottleProxy(registry.url, scratch / "throttle-counts.json", rate=rate,
                              burst=burst)
        data_dir = scratch / "chartyard-throttled"
        shutil.rmtree(data_dir, ignore_errors=True)
        try:
            sync = run_sync(data_dir, proxy.url, BASE_PATH, in_flight=None)
        finally:
            counts = proxy.close()
        runs.append((burst, sync, counts))
    (_, open_, _), *throttled = runs
    return [ThrottleResult(sync, needed=needed, rate=args.throttle_rate, burst=burst,
                           proxy_throttled=counts["throttled"],
                           unthrottled_seconds=open_.seconds)
            for burst, sync, counts in throttled]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and write the report; return the exit status."""
    args = parse_args(argv)
    started = time.perf_counter()
    corpus = Corpus(args.repos, args.versions, args.chart_kb, args.images)
    work: Path = args.work_dir
    scratch = work / "run"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    results = BenchResults(corpus, args.in_flight, args.delay_ms, rounds=args.rounds,
                           shipped=shipped_policy())
    registry = BenchRegistry(scratch, work / f"corpus-{corpus.key}")
    proxy: WanProxy | None = None
    try:
        if registry.corpus_ready:
            _log(f"corpus {corpus.key}: reusing the pushed corpus")
            remove_new_version(corpus, registry.url)
        else:
            _log(f"corpus {corpus.key}: generating and pushing {corpus.chart_versions:,} charts")
            pushed_at = time.perf_counter()
            pushed = push_corpus(corpus, registry.url)
            registry.mark_corpus_ready()
            results.notes.append(f"Corpus pushed in {time.perf_counter() - pushed_at:,.0f} s "
                                 f"({pushed:,} artifacts).")
        results.networks.append(
            measure_network("loopback", registry.url, registry, corpus, args, scratch))
        if args.wan:
            proxy = WanProxy(f"127.0.0.1:{registry.port}", args.delay_ms)
            results.networks.append(
                measure_network("wan", proxy.url, registry, corpus, args, scratch, proxy))
    finally:
        if proxy is not None:
            proxy.close()
        registry.close()
    if args.event_pushes > 0:
        _log(f"registry events: {args.event_pushes} helm pushes to catalog")
        results.events = measure_events(args.event_pushes, scratch)
    if args.api_versions > 0:
        _log(f"catalog API latency at {args.api_versions:,} versions")
        levels = [int(c) for c in str(args.api_clients).split(",") if c.strip()]
        results.api = measure_api(args.api_versions, clients=levels,
                                  requests=args.api_requests, work_dir=scratch,
                                  server_workers=args.api_workers)
    if args.pickup_samples > 0:
        for database in ("sqlite", "postgres"):
            _log(f"sync pickup on {database}, 2 workers, {args.pickup_samples} samples")
            results.pickups.append(measure_pickup(scratch, database,
                                                  samples=args.pickup_samples))
    for entries in (int(e) for e in str(args.helm_repo_entries).split(",") if e.strip()):
        if entries > 0:
            _log(f"classic Helm repository: index of {entries:,} versions")
            results.helm_repos.append(measure_helm_repo(scratch, entries))
    for net in results.networks:
        if net.naive is not None and net.naive.extrapolated:
            results.notes.append(
                f"The naive method over {net.name} was time-boxed at {args.naive_budget:g} s "
                f"and extrapolated linearly from {net.naive.repositories_done:,} of "
                f"{net.naive.repositories:,} repositories (every repository costs the same).")
    results.machine = machine_details(helm_version(find_helm()))
    results.wall_seconds = time.perf_counter() - started
    write_report(results, args.out)
    print(sync_table(results), end="\n\n")
    if results.events is not None:
        print(events_table(results.events), end="\n\n")
    if results.api is not None:
        print(api_table(results.api), end="\n\n")
    if results.pickups:
        print(pickup_table(results.pickups), end="\n\n")
    for helm_repo in results.helm_repos:
        print(helm_repo_table(helm_repo), end="\n\n")
    print(targets_table(results))
    _log(f"report written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
