"""Classic Helm repository content made by the real helm: ``helm package`` + ``helm repo index``."""

from __future__ import annotations

import io
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from tests.harness.charts import build_chart
from tests.harness.helm import Helm


def package(helm: Helm, name: str, version: str, dest: Path, **chart: Any) -> Path:
    """Write a chart source tree (see `build_chart`), ``helm package`` it into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="chart-src-") as src:
        with tarfile.open(fileobj=io.BytesIO(build_chart(name, version, **chart)),
                          mode="r:gz") as tar:
            tar.extractall(src, filter="data")
        helm.run("package", str(Path(src) / name), "--destination", str(dest))
    path = dest / f"{name}-{version}.tgz"
    assert path.is_file(), f"helm package did not write {path}"
    return path


def repo_index(helm: Helm, directory: Path, url: str | None = None) -> Path:
    """Run ``helm repo index DIR [--url URL]``; return the index path."""
    args = ["repo", "index", str(directory)]
    if url is not None:
        args += ["--url", url.rstrip("/")]
    helm.run(*args)
    return directory / "index.yaml"


def publish(helm: Helm, directory: Path, charts: list[tuple[str, str]], url: str | None,
            **chart: Any) -> Path:
    """Package ``charts`` (name, version) into ``directory`` and index it; return the index."""
    for name, version in charts:
        package(helm, name, version, directory, **chart)
    return repo_index(helm, directory, url)
