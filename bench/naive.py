"""The naive method: index charts the way peers that download tarballs do, one at a time.

For each repository: list its tags; for each tag fetch the manifest, download
the chart layer (the whole tarball) and unpack it to read Chart.yaml. Strictly
sequential over one keep-alive connection, as a simple indexer loop runs.

The cost per repository is the same for every repository of the corpus, so a
run that would take longer than `budget` seconds stops after the repositories
done by then and the total is extrapolated linearly (and marked as such).
"""

from __future__ import annotations

import io
import math
import tarfile
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
import yaml

from bench.limit import MANIFEST_ACCEPT

HELM_CHART_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"


@dataclass
class NaiveResult:
    """Measured (and, if time-boxed, extrapolated) cost of the naive method."""

    seconds: float
    measured_seconds: float
    repositories_done: int
    repositories: int
    chart_versions: int
    requests: Counter[str] = field(default_factory=Counter)
    bytes_downloaded: int = 0

    @property
    def extrapolated(self) -> bool:
        """Return whether only part of the corpus was measured."""
        return self.repositories_done < self.repositories

    @property
    def total(self) -> int:
        """Return the requests sent (measured part only)."""
        return sum(self.requests.values())


def _chart_yaml(tgz: bytes) -> dict[str, object]:
    with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as tar:
        for member in tar:
            if member.isfile() and member.name.count("/") == 1 and \
                    member.name.endswith("/Chart.yaml"):
                handle = tar.extractfile(member)
                assert handle is not None
                loaded = yaml.safe_load(handle.read())
                return loaded if isinstance(loaded, dict) else {}
    return {}


def _stride_order(count: int) -> list[int]:
    """Return repository indexes spread over the corpus (so a partial run is a fair sample)."""
    step = next(p for p in (7, 11, 13, 17, 19, 23) if math.gcd(p, count) == 1)
    return [(k * step) % count for k in range(count)]


def measure_naive(base_url: str, base_path: str, *, budget: float) -> NaiveResult:
    """Index the corpus sequentially by downloading every chart; time-boxed at `budget` s."""
    requests: Counter[str] = Counter()
    downloaded = 0
    versions = 0
    with httpx.Client(base_url=base_url, timeout=120, trust_env=False) as client:

        def get(kind: str, url: str, accept: str | None = None) -> httpx.Response:
            nonlocal downloaded
            response = client.get(url, headers={"Accept": accept} if accept else None)
            requests[kind] += 1
            response.raise_for_status()
            downloaded += len(response.content)
            return response

        started = time.perf_counter()
        repos: list[str] = []
        url: str | None = "/v2/_catalog?n=1000"
        while url:
            page = get("catalog", url)
            repos += [r for r in page.json().get("repositories") or []
                      if r.startswith(base_path + "/")]
            link = page.links.get("next", {}).get("url")
            url = str(page.url.join(link)) if link else None
        listing = time.perf_counter() - started
        done = 0
        for index in _stride_order(len(repos)):
            repo = repos[index]
            for tag in get("tags", f"/v2/{repo}/tags/list").json().get("tags") or []:
                manifest = get("manifest", f"/v2/{repo}/manifests/{tag}", MANIFEST_ACCEPT).json()
                layer = next((x for x in manifest.get("layers", [])
                              if x.get("mediaType") == HELM_CHART_LAYER), None)
                if layer is None:
                    continue  # an image: nothing to index
                meta = _chart_yaml(get("blob", f"/v2/{repo}/blobs/{layer['digest']}").content)
                if meta.get("name"):
                    versions += 1
            done += 1
            if time.perf_counter() - started > budget:
                break
        measured = time.perf_counter() - started
    per_repo = (measured - listing) / max(done, 1)
    total = listing + per_repo * len(repos)
    return NaiveResult(total, measured, done, len(repos), versions, requests, downloaded)
