"""Turn a classic Helm-repository chart into the OCI artifact ``helm push`` would make.

The archive (and its ``.prov``) is downloaded into a spooled temp file, never held
whole in memory. Chart.yaml becomes the JSON config blob in Helm's field order, the
archive the chart layer, the ``.prov`` a provenance layer. Nothing time-dependent is
written (``helm push`` stamps ``org.opencontainers.image.created``; we do not), so
converting the same archive twice gives the same manifest digest.
"""

from __future__ import annotations

import gzip
import json
import tarfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import IO, Any

import httpx
import yaml

from chartyard.helm import (
    HELM_CHART_LAYER_MEDIA_TYPE,
    HELM_CONFIG_MEDIA_TYPE,
    HELM_PROVENANCE_MEDIA_TYPE,
)
from chartyard.helmrepo import HelmRepoClient
from chartyard.http import Sink, TooLargeBody, compute_digest
from chartyard.limits import LimitExceeded
from chartyard.oci import OCI_MANIFEST, Manifest, parse_manifest

MAX_PROV_BYTES = 1024 * 1024
MAX_CHART_YAML = 1024 * 1024
MAX_MEMBERS = 5000
CHUNK = 256 * 1024

# Helm's chart.Metadata field order (encoding/json writes struct fields in order).
_FIELDS = ("name", "home", "sources", "version", "description", "keywords", "maintainers",
           "icon", "apiVersion", "condition", "tags", "appVersion", "deprecated",
           "annotations", "kubeVersion", "dependencies", "type")


class ConversionError(ValueError):
    """Report a classic chart that cannot be turned into an OCI artifact."""


@dataclass
class Downloaded:
    """A chart archive on disk (spooled), its digest and size, and its ``.prov`` if any."""

    archive: Sink
    prov: bytes | None

    def close(self) -> None:
        """Delete the temp file."""
        self.archive.close()


@dataclass(frozen=True)
class Converted:
    """The OCI form of a classic chart: manifest and config bytes, and their descriptors."""

    manifest: bytes
    config: bytes
    chart_digest: str
    chart_size: int
    prov: bytes | None

    @property
    def digest(self) -> str:
        """Return the manifest's digest."""
        return compute_digest(self.manifest)

    def parsed(self) -> Manifest:
        """Return the manifest, parsed."""
        return parse_manifest(self.manifest, digest=self.digest, content_type=OCI_MANIFEST,
                              max_depth=8)


async def download(client: HelmRepoClient, url: str, *, chart: str,
                   digest: str | None) -> Downloaded:
    """Download an archive into a temp file (digest-checked) and its ``.prov`` (404: none)."""
    sink = await _get_to_sink(client, url, chart, digest)
    try:
        prov = await _get_prov(client, url + ".prov", chart)
    except Exception:
        sink.close()
        raise
    return Downloaded(sink, prov)


async def _get_to_sink(client: HelmRepoClient, url: str, chart: str,
                       digest: str | None) -> Sink:
    getter = client._getter  # the client's retrying, budgeted, egress-guarded GET
    what = f"the chart {chart} ({httpx.URL(url).copy_with(query=None)})"
    sink = Sink()
    try:
        cap = client.archive_limits.max_compressed
        try:
            answer = await getter.get(url, kind="chart", what=what, sink=sink, max_bytes=cap)
        except TooLargeBody as exc:
            raise LimitExceeded(f"{what} is over the {cap}-byte archive limit",
                                limit="max_compressed", maximum=cap) from exc
        client._check(answer, what, index=False)
        if digest is not None and digest.startswith("sha256:") and sink.digest != digest:
            raise ConversionError(f"{what} has digest {sink.digest}, but the index says "
                                  f"{digest}; the repository serves other content than its "
                                  "index describes")
        return sink
    except BaseException:
        sink.close()
        raise


async def _get_prov(client: HelmRepoClient, url: str, chart: str) -> bytes | None:
    sink = Sink()
    try:
        try:
            answer = await client._getter.get(url, kind="prov", what=f"the provenance of {chart}",
                                              sink=sink, max_bytes=MAX_PROV_BYTES)
        except TooLargeBody:
            return None
        if answer.status != 200:
            return None  # helm: a missing .prov means unsigned
        return sink.getvalue()
    finally:
        sink.close()


def read_chart_yaml(archive: IO[bytes]) -> dict[str, Any]:
    """Return ``<top>/Chart.yaml`` of a gzip'd chart archive, read as a stream."""
    archive.seek(0)
    try:
        # gzip.GzipFile, not tarfile's "r|gz": helm writes a gzip FEXTRA field that
        # tarfile's stream reader cannot parse.
        with gzip.GzipFile(fileobj=archive, mode="rb") as gz, \
                tarfile.open(fileobj=gz, mode="r|") as tar:
            for count, member in enumerate(tar):
                if count >= MAX_MEMBERS:
                    break
                parts = member.name.strip("/").split("/")
                if len(parts) != 2 or parts[1] != "Chart.yaml" or not member.isfile():
                    continue
                if member.size > MAX_CHART_YAML:
                    raise ConversionError(f"Chart.yaml is over {MAX_CHART_YAML} bytes")
                stream = tar.extractfile(member)
                data = yaml.safe_load(stream.read() if stream else b"")
                if not isinstance(data, dict):
                    raise ConversionError("Chart.yaml is not a mapping")
                return data
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ConversionError(f"the chart archive is not a gzip'd tar: {exc}") from exc
    raise ConversionError("the chart archive has no Chart.yaml at its top level")


def config_json(meta: dict[str, Any]) -> bytes:
    """Return Chart.yaml as Helm's config blob: its field order, empty fields left out."""
    ordered = {k: meta[k] for k in _FIELDS if meta.get(k) not in (None, "", [], {}, False)}
    return json.dumps(ordered, separators=(",", ":"), ensure_ascii=False).encode()


def convert(downloaded: Downloaded) -> Converted:
    """Build the manifest and config of a downloaded chart (deterministic)."""
    archive = downloaded.archive
    meta = read_chart_yaml(archive.rewind())
    config = config_json(meta)
    layers = [{"mediaType": HELM_CHART_LAYER_MEDIA_TYPE, "digest": archive.digest,
               "size": archive.size}]
    if downloaded.prov is not None:
        layers.append({"mediaType": HELM_PROVENANCE_MEDIA_TYPE,
                       "digest": compute_digest(downloaded.prov), "size": len(downloaded.prov)})
    annotations = {"org.opencontainers.image.title": str(meta.get("name", "")),
                   "org.opencontainers.image.version": str(meta.get("version", ""))}
    if meta.get("description"):
        annotations["org.opencontainers.image.description"] = str(meta["description"])
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                "config": {"mediaType": HELM_CONFIG_MEDIA_TYPE,
                           "digest": compute_digest(config), "size": len(config)},
                "layers": layers, "annotations": annotations}
    body = json.dumps(manifest, separators=(",", ":"), ensure_ascii=False).encode()
    return Converted(body, config, archive.digest, archive.size, downloaded.prov)


async def file_chunks(file: IO[bytes]) -> AsyncIterator[bytes]:
    """Yield a file's bytes from its start in bounded chunks."""
    file.seek(0)
    while chunk := file.read(CHUNK):
        yield chunk
