"""Generate the deterministic chart corpus and push it to the benchmark registry.

Repository ``bench/c0042`` holds chart ``c0042`` in versions ``1.0.0`` .. ``1.<n-1>.0``;
each archive carries incompressible seeded padding so it weighs about ``chart_kb``
KiB. ``images`` repositories (spread evenly) also hold one small OCI image tag,
as mixed repositories do in real registries. Same parameters, same bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from tests.harness.charts import build_chart
from tests.harness.oci_push import OciPusher

BASE_PATH = "bench"
NEW_VERSION = "2.0.0"  # pushed (then deleted) for the one-new-version resync
_ARCHIVE_OVERHEAD = 1500  # bytes of tar/gzip framing and the small text files
_CHUNK = 64


@dataclass(frozen=True)
class Corpus:
    """The shape of a generated corpus."""

    repos: int
    versions: int
    chart_kb: int
    images: int

    @property
    def key(self) -> str:
        """Return a name that identifies this corpus's bytes (for the storage cache)."""
        return f"r{self.repos}-v{self.versions}-kb{self.chart_kb}-i{self.images}-g1"

    @property
    def chart_versions(self) -> int:
        """Return the number of chart versions (images not counted)."""
        return self.repos * self.versions

    def repo(self, i: int) -> str:
        """Return the full repository name of repository ``i``."""
        return f"{BASE_PATH}/{self.name(i)}"

    @staticmethod
    def name(i: int) -> str:
        """Return the chart name of repository ``i``."""
        return f"c{i:04d}"

    @staticmethod
    def version(j: int) -> str:
        """Return the ``j``-th chart version of every repository."""
        return f"1.{j}.0"

    def image_repos(self) -> list[int]:
        """Return the indexes of the repositories that also hold an image tag."""
        count = min(self.images, self.repos)
        if count <= 0:
            return []
        step = self.repos / count
        return sorted({int(k * step) for k in range(count)})

    def chart(self, i: int, version: str, seed: int) -> bytes:
        """Return the chart archive of repository ``i`` at ``version``."""
        padding = max(0, self.chart_kb * 1024 - _ARCHIVE_OVERHEAD)
        name = self.name(i)
        return build_chart(
            name, version, app_version=f"{i % 7}.{i % 5}.0",
            description=f"Benchmark chart {name} for team {i % 20}",
            keywords=("bench", f"team{i % 20}", "web" if i % 2 else "db"),
            padding_bytes=padding, padding_seed=seed,
        )

    def triples(self) -> Iterator[tuple[int, str, int]]:
        """Yield (repository index, version, padding seed) of every chart version."""
        for i in range(self.repos):
            for j in range(self.versions):
                yield i, self.version(j), i * 10_000 + j


def push_corpus(corpus: Corpus, registry_url: str, *, workers: int = 8) -> int:
    """Push every chart version and image of the corpus; return the number of pushes."""
    pushed = 0
    items = list(corpus.triples())
    with OciPusher(registry_url) as pusher, ThreadPoolExecutor(max_workers=2) as builders:
        for start in range(0, len(items), _CHUNK):
            chunk = items[start:start + _CHUNK]
            archives = list(builders.map(lambda t: corpus.chart(*t), chunk))
            pusher.push_many(
                [(corpus.repo(i), version, tgz)
                 for (i, version, _), tgz in zip(chunk, archives, strict=True)],
                workers=workers,
            )
            pushed += len(chunk)
        for i in corpus.image_repos():
            pusher.push_image(corpus.repo(i), f"sha-{i:04d}", content=f"image {i}".encode())
            pushed += 1
    return pushed


def push_new_version(corpus: Corpus, registry_url: str) -> str:
    """Push version NEW_VERSION of repository 0; return its repository."""
    with OciPusher(registry_url) as pusher:
        pusher.push_chart(corpus.repo(0), NEW_VERSION, corpus.chart(0, NEW_VERSION, 999_999))
    return corpus.repo(0)


def remove_new_version(corpus: Corpus, registry_url: str) -> bool:
    """Delete NEW_VERSION from repository 0 if present, so the corpus is as generated."""
    with OciPusher(registry_url) as pusher:
        probe = pusher.client.head(f"/v2/{corpus.repo(0)}/manifests/{NEW_VERSION}",
                                   headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
        if probe.status_code != 200:
            return False
        pusher.delete_tag(corpus.repo(0), NEW_VERSION)
        return True
