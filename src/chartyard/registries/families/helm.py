"""The Helm index family: classic Helm repositories, an ``index.yaml`` served over HTTP(S).

The whole repository is one document: a sync downloads and diffs it, pack and drift checks
look versions up in one streaming pass, a chart's files come from the archive URL its
index entry lists, and its provenance sits at that URL plus ``.prov``. Charts cannot be
pushed: a classic repository is read-only over HTTP. Copied into an OCI registry, a chart
is converted the way ``helm push`` stores it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import anyio.to_thread

from chartyard.errors import NotFoundError
from chartyard.helm import ChartFiles, version_to_tag
from chartyard.helmrepo import download_chart
from chartyard.oci import NotFound, PackagedChart, chart_artifact
from chartyard.registries.families.base import (
    ChartContent,
    PackHost,
    PushedChart,
    PushUnsupported,
    R,
    RegistryFamily,
    SignatureMaterial,
    SyncHost,
)
from chartyard.sources import ChartLayer, HelmIndexSource, HelmRepoTarget, SourceOptions
from chartyard.wire.registry_kinds import HelmRegistries, HelmRegistriesSummary


class HelmIndexFamily(RegistryFamily[HelmRepoTarget, HelmIndexSource]):
    """Classic Helm repositories (``index.yaml``)."""

    name = "helm"
    pack_type = "helm"
    title = "Helm Registry"
    tab = "Helm Registries"
    list_model = HelmRegistries
    summary_model = HelmRegistriesSummary

    def collection_path(self, kind: str) -> str:
        """Return Palette's ``/helm`` (create, list, summary, validate)."""
        return f"/{self.name}"

    def item_path(self, kind: str) -> str:
        """Return Palette's ``/helm/{uid}``."""
        return f"/{self.name}/{{uid}}"

    async def validate(self, target: HelmRepoTarget, options: SourceOptions, *,
                       sync_on: bool) -> None:
        """Download and parse the whole index under the limits."""
        source = self.open(target, options)
        try:
            await source.ping()
        finally:
            await source.aclose()

    async def sync(self, host: SyncHost[R], target: HelmRepoTarget,
                   options: SourceOptions) -> R:
        """Run the index pipeline: one conditional download, a diff by entry."""
        return await host.run_index(self.open(target, options))

    async def verify_packs(self, host: PackHost[R], target: HelmRepoTarget,
                           options: SourceOptions) -> R:
        """Look every pack up in one pass over the index."""
        return await host.in_index(self.open(target, options))

    async def drift(self, host: PackHost[R], target: HelmRepoTarget,
                    options: SourceOptions) -> R:
        """Compare recorded digests with one pass over the index."""
        return await host.in_index(self.open(target, options))

    async def chart_files(self, layer: ChartLayer, options: SourceOptions) -> ChartFiles:
        """Download a chart from its index URL, check the index's digest, read its files."""
        urls = _urls(layer)
        source = self.open(_helm(layer), options)
        try:
            return await source.chart_files(
                layer.repository, layer.version, urls,
                layer.digest if layer.digest.startswith("sha256:") else None)
        finally:
            await source.aclose()

    async def signature_material(self, layer: ChartLayer,
                                 options: SourceOptions) -> SignatureMaterial | None:
        """Return ``<chart URL>.prov``, or None when the repository answers 404 (unsigned)."""
        url = _urls(layer)[0] + ".prov"
        source = self.open(_helm(layer), options)
        try:
            data = await source.client.get_chart_url(
                url, chart=f"{layer.repository} {layer.version} provenance", digest=None)
        except NotFound:
            return None
        finally:
            await source.aclose()
        return SignatureMaterial("helm-provenance", url, data)

    def copy_tag(self, tag: str, version: str) -> str:
        """Return the version as an OCI tag (``+`` written as ``_``, as ``helm push`` does)."""
        return version_to_tag(version)

    def chart_address(self, target: HelmRepoTarget, repository: str, tag: str,
                      urls: Sequence[str]) -> str:
        """Return the archive URL from the index (the repository's URL if it lists none)."""
        return urls[0] if urls else target.url

    @asynccontextmanager
    async def open_chart(self, target: HelmRepoTarget, options: SourceOptions,
                         repository: str, digest: str, *, version: str,
                         urls: Sequence[str]) -> AsyncIterator[ChartContent]:
        """Download the archive and ``.prov`` to a temp file and package them as OCI content."""
        if not urls:
            raise NotFoundError(f"the chart {repository} {version} has no archive URL in the "
                                "catalog; sync its Helm repository")
        source = self.open(target, options)
        try:
            downloaded = await download_chart(source.client, urls[0],
                                              chart=f"{repository} {version}", digest=digest)
        finally:
            await source.aclose()
        try:
            archive = downloaded.archive
            artifact = await anyio.to_thread.run_sync(
                chart_artifact, archive.rewind(), archive.digest, archive.size, downloaded.prov)
            yield ChartContent(PackagedChart(artifact, archive.file), repository,
                               artifact.digest)
        finally:
            downloaded.close()

    async def push_chart(self, target: HelmRepoTarget, options: SourceOptions, repository: str,
                         version: str, archive: bytes,
                         provenance: bytes | None = None) -> PushedChart:
        """Refuse: a classic Helm repository is read-only over HTTP."""
        raise PushUnsupported(
            self.name, "a classic Helm repository (index.yaml) cannot receive charts over "
                       "HTTP; push to an OCI registry instead, or publish the chart with "
                       "your repository's own tooling (helm repo index, ChartMuseum's API)")


def _helm(layer: ChartLayer) -> HelmRepoTarget:
    target = layer.target
    if not isinstance(target, HelmRepoTarget):
        raise TypeError(f"chart layer of {layer.repository} is not in a Helm repository")
    return target


def _urls(layer: ChartLayer) -> list[str]:
    if not layer.urls:
        raise NotFoundError(f"chart {layer.repository} {layer.version} has no download URL "
                            "in the catalog; synchronize the registry again")
    return list(layer.urls)
