"""The Helm repository benchmark runs end to end at a small size (figures are not asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.helm_repo import generate_index


def test_generated_index_is_deterministic_and_sized(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    size = generate_index(first, 1000)
    generate_index(second, 1000)
    assert first.read_bytes() == second.read_bytes()
    assert 600_000 < size < 900_000  # ~15 MB at 20,000 versions


def test_small_run_reports_a_304_resync(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.helm_repo", "--entries", "300", "--mode", "server",
         "--work-dir", str(tmp_path)], capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    assert "300 chart versions" in done.stdout
    assert "1 request(s), answered 304" in done.stdout
    assert "nginx saw [('GET', 304)]" in done.stdout
