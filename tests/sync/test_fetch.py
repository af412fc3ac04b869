"""Unit tests of `fetch_tag` against an in-memory source: no network, no database."""

from __future__ import annotations

import json
from typing import Any, cast

from chartyard.helm import HELM_CHART_LAYER_MEDIA_TYPE, HELM_CONFIG_MEDIA_TYPE
from chartyard.oci import OCI_MANIFEST, Descriptor, Manifest
from chartyard.sources import ChartSource
from chartyard.sync.fetch import FetchedChart, SkippedTag, fetch_tag

CONFIG = json.dumps({"name": "demo", "version": "1.0.0", "apiVersion": "v2"}).encode()
CONFIG_DIGEST = "sha256:" + "c" * 64
LAYER_DIGEST = "sha256:" + "a" * 64


class _Source:
    """Serve one manifest and its config blob."""

    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest

    async def get_manifest(self, repository: str, reference: str) -> Manifest:
        return self.manifest

    async def get_blob(self, repository: str, digest: str, *, max_bytes: int) -> bytes:
        assert digest == CONFIG_DIGEST
        return CONFIG


def _manifest(layer_type: str, config_type: str = HELM_CONFIG_MEDIA_TYPE) -> Manifest:
    return Manifest(
        digest="sha256:" + "d" * 64, media_type=OCI_MANIFEST,
        config=Descriptor(config_type, CONFIG_DIGEST, len(CONFIG)),
        layers=(Descriptor(layer_type, LAYER_DIGEST, 10),), manifests=(),
        artifact_type=None, annotations={}, size=100)


async def _fetch(manifest: Manifest) -> Any:
    return await fetch_tag(cast(ChartSource, _Source(manifest)), "org/demo", "1.0.0")


async def test_chart_layer_with_parameters_and_upper_case_is_detected() -> None:
    layer_type = (HELM_CHART_LAYER_MEDIA_TYPE + "; foo=bar").upper()
    fetched = await _fetch(_manifest(layer_type))
    assert isinstance(fetched, FetchedChart)
    assert fetched.chart_digest == LAYER_DIGEST


async def test_plain_chart_layer_is_detected() -> None:
    fetched = await _fetch(_manifest(HELM_CHART_LAYER_MEDIA_TYPE))
    assert isinstance(fetched, FetchedChart)
    assert fetched.chart_digest == LAYER_DIGEST


async def test_unknown_layer_leaves_no_chart_digest() -> None:
    fetched = await _fetch(_manifest("application/vnd.oci.image.layer.v1.tar+gzip"))
    assert isinstance(fetched, FetchedChart)
    assert fetched.chart_digest is None


async def test_image_is_skipped_not_an_error() -> None:
    image = _manifest("application/vnd.oci.image.layer.v1.tar+gzip",
                      config_type="application/vnd.oci.image.config.v1+json")
    fetched = await _fetch(image)
    assert isinstance(fetched, SkippedTag)
    assert "not a Helm chart" in fetched.reason
