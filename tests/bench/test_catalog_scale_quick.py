"""The catalog scale benchmark keeps working: a quick run on both databases (never timed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness.components import REPO_ROOT


@pytest.mark.slow
def test_quick_catalog_scale_runs_on_sqlite_and_postgres(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.catalog_scale", "--quick", "--json", str(out),
         "--work-dir", str(tmp_path / "work"), "--compare-search", "HEAD"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    figures = json.loads(out.read_text())
    assert [f["database"] for f in figures] == ["sqlite", "postgres"]
    for f in figures:
        assert f["sizeBytes"] > 0
        assert set(f["endpoints"]) == {"inside", "search", "versions", "registries"}
        assert all(e["requests"] == 200 for e in f["endpoints"].values())
    assert "2,000 chart versions in 500 charts" in done.stdout
    assert "Registry drop-down `GET /v1/registries/metadata`" in done.stdout
    # The side-by-side search comparison ran (it raises if the two queries' results differ).
    assert "| EXPLAIN ANALYZE, page of 50 | chart rows read before | after |" in done.stdout
    assert not list((tmp_path / "work").iterdir())  # the seeded databases are removed
