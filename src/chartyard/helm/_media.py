"""Recognise the media types that mark an OCI artifact as a Helm chart."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

__all__ = [
    "HELM_CHART_LAYER_MEDIA_TYPE",
    "HELM_CONFIG_MEDIA_TYPE",
    "HELM_PROVENANCE_MEDIA_TYPE",
    "LEGACY_CHART_LAYER_MEDIA_TYPES",
    "chart_layer_digest",
    "is_chart_config",
    "is_chart_layer",
]

HELM_CONFIG_MEDIA_TYPE = "application/vnd.cncf.helm.config.v1+json"
"""Config blob of a chart manifest: Chart.yaml serialised as JSON."""

HELM_CHART_LAYER_MEDIA_TYPE = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
"""The packaged chart (``helm package`` output), written by Helm 3.7 and later."""

HELM_PROVENANCE_MEDIA_TYPE = "application/vnd.cncf.helm.chart.provenance.v1.prov"
"""Optional layer holding the chart's signed provenance file."""

LEGACY_CHART_LAYER_MEDIA_TYPES: tuple[str, ...] = (
    # Helm 3.0-3.6 (experimental OCI support) pushed the package as this.
    "application/tar+gzip",
    # Helm 3.0 pre-releases; still found in old Harbor projects.
    "application/vnd.cncf.helm.chart.content.layer.v1+tar",
)
"""Chart layer media types written by older Helm versions."""


def _essence(media_type: str) -> str:
    """Return the media type without parameters, trimmed and lower-cased."""
    return media_type.split(";", 1)[0].strip().lower()


def is_chart_config(media_type: str | None) -> bool:
    """Tell whether a manifest config media type marks a Helm chart.

    This is the check that separates charts from container images and other
    artifacts sharing a repository.  Parameters (``; charset=...``) and case
    are ignored; ``None`` (a manifest without config) is not a chart.
    """
    return media_type is not None and _essence(media_type) == HELM_CONFIG_MEDIA_TYPE


def is_chart_layer(media_type: str | None) -> bool:
    """Tell whether a layer media type holds a packaged chart, current or legacy."""
    if media_type is None:
        return False
    essence = _essence(media_type)
    return essence == HELM_CHART_LAYER_MEDIA_TYPE or essence in LEGACY_CHART_LAYER_MEDIA_TYPES


class _Layer(Protocol):
    """A manifest layer descriptor (``chartyard.oci.Descriptor`` is one)."""

    @property
    def media_type(self) -> str: ...

    @property
    def digest(self) -> str: ...


def chart_layer_digest(layers: Iterable[_Layer]) -> str | None:
    """Return the digest of the first layer holding the packaged chart, or None.

    Media-type parameters and case are ignored, as in ``is_chart_layer``.
    """
    for layer in layers:
        if is_chart_layer(layer.media_type):
            return layer.digest
    return None
