"""The benchmark report: targets are judged from the figures, hand-written analysis is kept."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bench.chartyard_sync import SyncResult
from bench.corpus import Corpus
from bench.events import EventsResult
from bench.helm_repo import HelmRepoResult
from bench.limit import LimitResult
from bench.pickup import PickupResult
from bench.report import KEEP_MARKER, BenchResults, NetworkResults, ThrottleResult, write_report


def _results(full_seconds: float, no_change: Counter[str]) -> BenchResults:
    limit = LimitResult(10.0, Counter(catalog=1, tags=20, manifest=62, blob=60))
    full = SyncResult("Completed", full_seconds, Counter(catalog=1, tags=20, manifest=62,
                                                         blob=60), peak_rss_mb=150.0)
    net = NetworkResults("wan", limit, full, SyncResult("Completed", 1.0, no_change),
                         SyncResult("Completed", 1.0, Counter(catalog=1, tags=20, manifest=1,
                                                              blob=1), added=1),
                         peak_rss_mb=150.0)
    return BenchResults(Corpus(20, 3, 100, 2), 16, 15.0, networks=[net])


def test_targets_are_judged_from_the_figures(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    write_report(_results(11.5, Counter(catalog=1, tags=20)), out)
    text = out.read_text()
    assert "| full sync ≤ 1.2x registry limit, WAN (30 ms RTT) | 1.15x | met |" in text
    assert "tags/list per repository, WAN (30 ms RTT) | catalog 1, tags 20 | met |" in text

    write_report(_results(16.0, Counter(catalog=1, tags=20, manifest=3)), out)
    text = out.read_text()
    assert "| full sync ≤ 1.2x registry limit, WAN (30 ms RTT) | 1.60x | **missed** |" in text
    assert "catalog 1, tags 20, manifest 3 | **missed** |" in text


def test_throttle_and_events_targets(tmp_path: Path) -> None:
    results = _results(11.0, Counter(catalog=1, tags=20))
    throttled = SyncResult("Completed", 1.9, Counter(catalog=1, tags=20), throttled=7)
    results.networks[0].throttle = ThrottleResult(throttled, needed=143, rate=100.0, burst=100,
                                                  proxy_throttled=7)
    results.events = EventsResult([0.1, 0.2, 2.5], [0.3, 0.4, 2.7], [3, 3, 3])
    out = tmp_path / "RESULTS.md"
    write_report(results, out)
    text = out.read_text()
    assert "Completed, 1.33x, 7 429s | met |" in text
    assert "| push to catalog through events p95 < 2 s | 2.50 s | **missed** |" in text
    assert "(tags, manifest, config) | [3] | met |" in text


def test_hand_written_analysis_survives_a_rerun(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    write_report(_results(14.0, Counter(catalog=1, tags=20)), out)
    out.write_text(out.read_text() + f"\n{KEEP_MARKER}\n## Analysis\nwhy it is slow\n")
    write_report(_results(11.0, Counter(catalog=1, tags=20)), out)
    text = out.read_text()
    assert "| 1.10x | met |" in text and "1.40x" not in text
    assert text.count(KEEP_MARKER) == 1 and text.endswith("## Analysis\nwhy it is slow\n")


def _helm(entries: int, growth: float) -> HelmRepoResult:
    return HelmRepoResult(entries, entries * 700, 1.0, 10.0, float("nan"), entries,
                          peak_rss_mb=150.0 + growth, resync_requests=1, resync_status=304,
                          resync_seconds=0.01, baseline_rss_mb=150.0)


def test_pickup_helm_memory_and_burst_targets(tmp_path: Path) -> None:
    results = _results(11.0, Counter(catalog=1, tags=20))
    net = results.networks[0]
    for burst, seconds in ((100, 1.5), (20, 2.2)):
        net.throttles.append(ThrottleResult(
            SyncResult("Completed", seconds, Counter(catalog=1, tags=20), throttled=3),
            needed=143, rate=100.0, burst=burst, proxy_throttled=3))
    results.pickups = [PickupResult("sqlite", 2, 2.0, [0.01] * 18 + [0.09, 0.095]),
                       PickupResult("postgres", 2, 2.0, [0.02] * 18 + [0.3, 0.4])]
    results.helm_repos = [_helm(20_000, 60.0), _helm(60_000, 90.0)]
    out = tmp_path / "RESULTS.md"
    write_report(results, out)
    text = out.read_text()
    assert "(100 req/s, burst 100), WAN (30 ms RTT) | Completed, 1.05x, 3 429s | met |" in text
    assert "(100 req/s, burst 20), WAN (30 ms RTT) | Completed, 1.54x, 3 429s | **missed** |" \
        in text
    assert "| sync pickup p95 < 100 ms, sqlite, 2 workers | 90 ms | met |" in text
    assert "| sync pickup p95 < 100 ms, postgres, 2 workers | 300 ms | **missed** |" in text
    assert "| Helm index peak RSS growth < 100 MB at 60,000 entries | 90 MB | met |" in text
    assert "| Helm index growth at 20,000 within ±20 % of 60,000 | 60 MB (-33%) | **missed** |" \
        in text
