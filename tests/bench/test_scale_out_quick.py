"""The sync scale-out benchmark keeps working: a quick run (timings reported, never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness.components import REPO_ROOT


@pytest.mark.slow
@pytest.mark.postgres
def test_quick_scale_out_runs_three_rounds(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.scale_out", "--quick", "--work-dir", str(tmp_path)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=900, check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    rows = [line for line in done.stdout.splitlines()
            if line.startswith("| one worker") or line.startswith("| 2 workers")]
    assert len(rows) == 3, done.stdout
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[-2] == "0"    # no registry synced twice at once
        assert cells[-1] == "4/4"  # every catalog complete
