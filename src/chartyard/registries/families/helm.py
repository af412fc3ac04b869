"""The Helm index family: classic Helm repositories, an ``index.yaml`` served over HTTP(S).

The whole repository is one document: a sync downloads and diffs it, pack and drift checks
look versions up in one streaming pass, a chart's files come from the archive URL its
index entry lists, and its provenance sits at that URL plus ``.prov``. Charts cannot be
pushed: a classic repository is read-only over HTTP.
"""

from __future__ import annotations

from chartyard.errors import NotFoundError
from chartyard.helm import ChartFiles
from chartyard.oci import NotFound
from chartyard.registries.families.base import (
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
