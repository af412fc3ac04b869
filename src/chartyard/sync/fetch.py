"""Fetch what is new: the manifest, then the Helm config blob; never the chart tarball."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chartyard.errors import ContentError
from chartyard.helm import (
    MAX_CONFIG_BYTES,
    chart_layer_digest,
    is_chart_config,
    parse_chart_config,
)
from chartyard.oci import NotFound
from chartyard.sources import ChartSource
from chartyard.trust.material import Material, oci_material


@dataclass(frozen=True)
class FetchedChart:
    """A chart version read from its manifest and config blob."""

    repository: str
    tag: str
    digest: str
    config_digest: str
    chart_digest: str | None
    metadata: dict[str, Any]
    material: Material | None = None  # signature material, read like the config blob


@dataclass(frozen=True)
class SkippedTag:
    """A tag that is not a chart, or not a readable one.

    `remember` marks verdicts fixed by the content itself (an image, a broken
    Chart.yaml): they are stored and not refetched until the digest changes. A
    transient failure (a truncated body) is only counted, so the next sync retries.
    """

    repository: str
    tag: str
    digest: str
    reason: str
    remember: bool = True


@dataclass(frozen=True)
class VanishedTag:
    """A tag deleted between listing and fetching."""

    repository: str
    tag: str


Fetched = FetchedChart | SkippedTag | VanishedTag


async def fetch_tag(source: ChartSource, repository: str, tag: str) -> Fetched:
    """Read one tag; non-chart artifacts are skipped, not errors."""
    try:
        manifest = await source.get_manifest(repository, tag)
    except NotFound:
        return VanishedTag(repository, tag)
    except ContentError as exc:
        what = "unreadable manifest" if exc.lasting else "manifest read failed"
        return SkippedTag(repository, tag, "", f"{what}: {exc}", remember=False)
    config = manifest.config
    if config is None or not is_chart_config(config.media_type):
        kind = manifest.artifact_type or (config.media_type if config else manifest.media_type)
        return SkippedTag(repository, tag, manifest.digest, f"not a Helm chart ({kind})")
    try:
        blob = await source.get_blob(repository, config.digest, max_bytes=MAX_CONFIG_BYTES)
        meta = parse_chart_config(blob)
    except ContentError as exc:
        # A lasting fault fails again for this digest: remember to skip it until it changes.
        what = "unreadable chart config" if exc.lasting else "chart config read failed"
        return SkippedTag(repository, tag, manifest.digest, f"{what}: {exc}",
                          remember=exc.lasting)
    chart_digest = chart_layer_digest(manifest.layers)
    material = await oci_material(source.get_blob, repository, manifest, chart_digest)
    return FetchedChart(repository, tag, manifest.digest, config.digest, chart_digest,
                        meta.model_dump(mode="json", by_alias=True, exclude_none=True),
                        material)
