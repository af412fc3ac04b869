"""A Helm chart archive as the OCI artifact ``helm push`` makes, and a reader over it.

Chart.yaml becomes the JSON config blob in Helm's field order, the archive the chart
layer, the ``.prov`` a provenance layer; the layers are sorted by digest, as ``helm push``
sorts them. Nothing time-dependent is written (``helm
push`` stamps ``org.opencontainers.image.created``; we do not), so packaging the same
archive twice gives the same manifest digest. The archive is read from a file object
(a spooled download or the caller's bytes), never copied whole into memory here.
"""

from __future__ import annotations

import gzip
import json
import tarfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import IO, Any

import yaml

from chartyard.helm import (
    HELM_CHART_LAYER_MEDIA_TYPE,
    HELM_CONFIG_MEDIA_TYPE,
    HELM_PROVENANCE_MEDIA_TYPE,
)
from chartyard.http import compute_digest

from ._errors import NotFound
from ._manifest import OCI_MANIFEST, Manifest, parse_manifest
from ._push import RawManifest

MAX_CHART_YAML = 1024 * 1024
MAX_MEMBERS = 5000
CHUNK = 256 * 1024

# Helm's chart.Metadata field order (encoding/json writes struct fields in order).
_FIELDS = ("name", "home", "sources", "version", "description", "keywords", "maintainers",
           "icon", "apiVersion", "condition", "tags", "appVersion", "deprecated",
           "annotations", "kubeVersion", "dependencies", "type")
_MAINTAINER = ("name", "email", "url")
_DEPENDENCY = ("name", "version", "repository", "condition", "tags", "enabled",
               "import-values", "alias")
_EMPTY: tuple[object, ...] = (None, "", [], {}, False)  # Go's omitempty


class ConversionError(ValueError):
    """Report a chart archive that cannot be turned into an OCI artifact."""


@dataclass(frozen=True)
class ChartArtifact:
    """The OCI form of a chart archive: manifest and config bytes, and the layers' sizes."""

    manifest: bytes
    config: bytes
    chart_digest: str
    chart_size: int
    prov: bytes | None
    meta: dict[str, Any]

    @property
    def digest(self) -> str:
        """Return the manifest's digest."""
        return compute_digest(self.manifest)

    def parsed(self) -> Manifest:
        """Return the manifest, parsed."""
        return parse_manifest(self.manifest, digest=self.digest, content_type=OCI_MANIFEST,
                              max_depth=8)


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
    except (tarfile.TarError, EOFError, OSError, yaml.YAMLError) as exc:
        raise ConversionError(f"the chart archive is not a gzip'd tar with a readable "
                              f"Chart.yaml: {exc}") from exc
    raise ConversionError("the chart archive has no Chart.yaml at its top level")


def config_json(meta: dict[str, Any]) -> bytes:
    """Return Chart.yaml as Helm's config blob: Go's field order, empty fields left out.

    ``helm package`` rewrites Chart.yaml with sorted keys; ``helm push`` reads it into
    Go structs and writes them in struct order (maps, such as annotations, sorted).
    """
    ordered = _struct(meta, _FIELDS)
    for key, order in (("maintainers", _MAINTAINER), ("dependencies", _DEPENDENCY)):
        if isinstance(ordered.get(key), list):
            ordered[key] = [_struct(i, order) if isinstance(i, dict) else i
                            for i in ordered[key]]
    if isinstance(ordered.get("annotations"), dict):
        ordered["annotations"] = {str(k): ordered["annotations"][k]
                                  for k in sorted(ordered["annotations"], key=str)}
    return json.dumps(ordered, separators=(",", ":"), ensure_ascii=False).encode()


def _struct(data: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    return {k: data[k] for k in order if data.get(k) not in _EMPTY}


def chart_artifact(archive: IO[bytes], digest: str, size: int,
                   prov: bytes | None) -> ChartArtifact:
    """Build the manifest and config of a chart archive (deterministic)."""
    meta = read_chart_yaml(archive)
    config = config_json(meta)
    layers = [{"mediaType": HELM_CHART_LAYER_MEDIA_TYPE, "digest": digest, "size": size}]
    if prov is not None:
        layers.append({"mediaType": HELM_PROVENANCE_MEDIA_TYPE,
                       "digest": compute_digest(prov), "size": len(prov)})
    layers.sort(key=lambda layer: str(layer["digest"]))  # as helm push orders them
    annotations = {"org.opencontainers.image.title": str(meta.get("name", "")),
                   "org.opencontainers.image.version": str(meta.get("version", ""))}
    if meta.get("description"):
        annotations["org.opencontainers.image.description"] = str(meta["description"])
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                "config": {"mediaType": HELM_CONFIG_MEDIA_TYPE,
                           "digest": compute_digest(config), "size": len(config)},
                "layers": layers, "annotations": annotations}
    body = json.dumps(manifest, separators=(",", ":"), ensure_ascii=False).encode()
    return ChartArtifact(body, config, digest, size, prov, meta)


class PackagedChart:
    """Read a packaged chart like a registry (manifest by digest, blobs as streams).

    It answers the reads `Copier` and a bundle make of a source, so a converted
    classic chart is copied through the same code as an OCI one. ``authority`` is
    None: no registry holds it, nothing is mounted from it.
    """

    authority: str | None = None

    def __init__(self, artifact: ChartArtifact, archive: IO[bytes]) -> None:
        self.artifact = artifact
        self.archive = archive

    @property
    def reference(self) -> str:
        """Return the manifest digest to read the chart by."""
        return self.artifact.digest

    async def get_manifest_raw(self, repository: str, reference: str) -> RawManifest:
        """Return the manifest (its digest or any tag names it)."""
        art = self.artifact
        return RawManifest(art.manifest, OCI_MANIFEST, art.digest, art.parsed())

    @asynccontextmanager
    async def open_blob(self, repository: str, digest: str, *,
                        size: int) -> AsyncIterator[AsyncIterator[bytes]]:
        """Stream the config, chart or provenance blob."""
        art = self.artifact
        if digest == art.chart_digest:
            yield file_chunks(self.archive)
        elif digest == compute_digest(art.config):
            yield _once(art.config)
        elif art.prov is not None and digest == compute_digest(art.prov):
            yield _once(art.prov)
        else:
            raise NotFound(f"the packaged chart has no blob {digest}", {"status": 404})


async def file_chunks(file: IO[bytes]) -> AsyncIterator[bytes]:
    """Yield a file's bytes from its start in bounded chunks."""
    file.seek(0)
    while chunk := file.read(CHUNK):
        yield chunk


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


__all__ = ["ChartArtifact", "ConversionError", "PackagedChart", "chart_artifact",
           "config_json", "file_chunks", "read_chart_yaml"]
