"""The benchmark keeps working: a quick run end to end (timings are reported, never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness.components import REPO_ROOT

ROWS = (
    "Registry limit (16 in flight): time",
    "chartyard full sync (shipped defaults): time",
    "chartyard full sync: requests",
    "chartyard full sync: in flight, peak / limit at the end",
    "Throttled registry (burst 100): full sync (shipped defaults)",
    "Throttled registry (burst 10): full sync (shipped defaults)",
    "Throttled registry (burst 10): 429 answers (chartyard saw / proxy sent)",
    "throttled sync ÷ throttle floor, burst 10",
    "chartyard full sync from the API request (POST → Completed seen by the user)",
    "API request → Completed ÷ registry limit",
    "sync pickup p95 < 100 ms, sqlite, 2 workers",
    "sync pickup p95 < 100 ms, postgres, 2 workers",
    "Throttled registry: the same proxy unthrottled",
    "helm push returned → version served: p50 / p95 / max",
    "registry requests per event refresh",
    "chartyard full sync: peak RSS",
    "chartyard no-change resync",
    "chartyard one-new-version resync",
    "Naive (sequential, tarball download + unpack)",
    "helm show chart, per version",
    "helm show chart, extrapolated to corpus",
    "full sync ÷ registry limit",
    "naive ÷ chartyard",
    "helm ÷ chartyard",
    "versions lookup `GET /v1/packs/{name}/registries/{uid}`",
    "search `GET /v1/packs?q=...&limit=50`",
)


@pytest.mark.slow
def test_quick_benchmark_runs_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out),
         "--work-dir", str(tmp_path / "work")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    report = out.read_text()
    for row in ROWS:
        assert row in report, f"missing row {row!r}"
    assert "| loopback | WAN (30 ms RTT) |" in report
    assert "**Corpus:** 20 repositories x 3 versions = 60 chart versions" in report
    # Request counts are deterministic: a no-change resync lists the catalog page and each
    # repository's tags and reads nothing else; one new version costs one manifest and blob.
    no_change = [line for line in report.splitlines() if "chartyard no-change resync" in line]
    assert no_change and no_change[0].count("21 requests (catalog 1, tags 20)") == 2
    one_new = [line for line in report.splitlines() if "one-new-version resync" in line]
    assert one_new[0].count("(catalog 1, tags 20, manifest 1, blob 1); added 1") == 2
    assert "chartyard full sync (shipped defaults): time" in done.stdout  # printed too
    # Each pushed version costs its refresh exactly tags/list + manifest + config blob.
    assert "| registry requests per event refresh | 3 requests x 5 |" in report
    assert "| Throttled registry (burst 10): full sync (shipped defaults) | Completed in" in report
    assert "| Throttled registry (burst 100): full sync (shipped defaults) | Completed in" in report
