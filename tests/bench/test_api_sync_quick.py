"""bench.api_sync on its own: limit, sync alone and sync from the API, side by side."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness.components import REPO_ROOT


@pytest.mark.slow
def test_api_sync_runs_two_variants_side_by_side(tmp_path: Path) -> None:
    src = str(REPO_ROOT / "src")
    done = subprocess.run(
        [sys.executable, "-m", "bench.api_sync", "--repos", "3", "--versions", "2",
         "--rounds", "1", "--delay-ms", "2", "--variant", f"one={src}",
         "--variant", f"two={src}", "--work-dir", str(tmp_path / "work")],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    names = [row.split(" | ")[0].removeprefix("| ") for row in rows[1:]]
    assert names == ["limit", "one: sync alone", "one: from the API request",
                     "two: sync alone", "two: from the API request"]
    assert "| 1.00x |" in rows[1]  # the limit is the yardstick
    assert "3 x 2, 4 ms RTT, 1 interleaved rounds" in done.stdout
