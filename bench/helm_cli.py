"""The helm CLI: `helm show chart oci://...` per version, for a sample, extrapolated.

Each call is a fresh helm process that resolves the reference, downloads the
chart and prints Chart.yaml, which is what scripts that shell out to helm do.
The mean cost per version times the corpus's versions is the extrapolated
total; listing repositories and tags is not even counted in helm's favour.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.harness.components import find_helm


@dataclass
class HelmResult:
    """Per-version cost of helm over a sample, and its extrapolation to the corpus."""

    sample: int
    per_version_seconds: float
    extrapolated_seconds: float
    version: str


def helm_version(helm: Path) -> str:
    """Return `helm version --short`."""
    return subprocess.run([str(helm), "version", "--short"], capture_output=True, text=True,
                          check=True).stdout.strip()


def measure_helm(host_port: str, refs: Sequence[tuple[str, str]], total_versions: int,
                 *, helm: Path | None = None) -> HelmResult:
    """Run `helm show chart` for each (repository, version) of `refs`; extrapolate."""
    binary = helm or find_helm()
    times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-helm-") as home:
        env = {**os.environ, "HELM_CONFIG_HOME": f"{home}/config",
               "HELM_CACHE_HOME": f"{home}/cache", "HELM_DATA_HOME": f"{home}/data"}
        for repo, version in refs:
            argv = [str(binary), "show", "chart", f"oci://{host_port}/{repo}",
                    "--version", version, "--plain-http"]
            started = time.perf_counter()
            done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
            times.append(time.perf_counter() - started)
            name = repo.rsplit("/", 1)[-1]
            if done.returncode != 0 or f"name: {name}" not in done.stdout:
                raise RuntimeError(f"helm show chart {repo} {version} failed: {done.stderr}")
    per = statistics.mean(times)
    return HelmResult(len(times), per, per * total_versions, helm_version(binary))
