"""The OCI distribution family: registries served over ``/v2/`` (Basic, ECR, ...).

Charts are OCI artifacts (config ``application/vnd.cncf.helm.config.v1+json``); a sync
discovers repositories and lists tags; a chart's files are a blob of its manifest; its
provenance, when signed, is the manifest's ``.prov`` layer.
"""

from __future__ import annotations

from typing import ClassVar

import anyio.to_thread

from chartyard.errors import ServiceError
from chartyard.helm import (
    HELM_PROVENANCE_MEDIA_TYPE,
    ChartArchiveLimits,
    ChartFiles,
    read_chart_archive,
    version_to_tag,
)
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
from chartyard.sources import ChartLayer, ChartSource, RegistryTarget, SourceOptions

MAX_REPOSITORIES_CHECKED = 20
MAX_PROVENANCE_BYTES = 64 * 1024


class RepositoryNotFound(ServiceError):
    """An explicit repository does not exist in the registry."""

    status = 422
    code = "RepositoryNotFound"


class OciFamily(RegistryFamily[RegistryTarget, ChartSource]):
    """OCI distribution registries."""

    name = "oci"
    pack_type = "oci"
    accepts_pushes = True
    title = "OCI Registry"
    tab = "OCI Registries"
    serves_entity: ClassVar[bool] = True
    takes_events: ClassVar[bool] = True

    async def validate(self, target: RegistryTarget, options: SourceOptions, *,
                       sync_on: bool) -> None:
        """Ping, list the explicit repositories, and prove pull access under the base paths."""
        source = self.open(target, options)
        try:
            await source.ping()
            for name in target.repositories[:MAX_REPOSITORIES_CHECKED]:
                repo = target.endpoint.repository(name)
                try:
                    await source.list_tags(repo)
                except NotFound as exc:
                    raise RepositoryNotFound(
                        f"repository '{repo}' was not found in the registry; check "
                        "spec.repositories (names are relative to the endpoint path)",
                        {"field": "spec.repositories", "repository": repo},
                    ) from exc
            if sync_on and target.base_paths:
                repos = await source.list_repositories()
                listed = [r for r in repos
                          if target.endpoint.relative(r) not in target.repositories]
                if listed:
                    # One tags/list proves pull access under the base paths.
                    await source.list_tags(listed[0])
        finally:
            await source.aclose()

    async def sync(self, host: SyncHost[R], target: RegistryTarget,
                   options: SourceOptions) -> R:
        """Run the catalog pipeline: discover, list tags, fetch what is new."""
        return await host.run_catalog(self.open(target, options))

    async def verify_packs(self, host: PackHost[R], target: RegistryTarget,
                           options: SourceOptions) -> R:
        """Check each pack's manifest in the registry."""
        return await host.in_registry(self.open(target, options), target)

    async def drift(self, host: PackHost[R], target: RegistryTarget,
                    options: SourceOptions) -> R:
        """HEAD each pack's tag."""
        return await host.in_registry(self.open(target, options), target)

    async def chart_files(self, layer: ChartLayer, options: SourceOptions) -> ChartFiles:
        """Download the chart layer blob and read its files under the archive limits."""
        source = self.open(_oci(layer), options)
        limits = ChartArchiveLimits()
        try:
            blob = await source.get_blob(layer.repository, layer.digest,
                                         max_bytes=limits.max_compressed)
        finally:
            await source.aclose()
        return await anyio.to_thread.run_sync(read_chart_archive, blob)

    async def signature_material(self, layer: ChartLayer,
                                 options: SourceOptions) -> SignatureMaterial | None:
        """Return the ``.prov`` layer of the version's manifest, or None when unsigned."""
        source = self.open(_oci(layer), options)
        try:
            manifest = await source.get_manifest(layer.repository, version_to_tag(layer.version))
            prov = next((d for d in manifest.layers
                         if d.media_type == HELM_PROVENANCE_MEDIA_TYPE), None)
            if prov is None:
                return None
            data = await source.get_blob(layer.repository, prov.digest,
                                         max_bytes=MAX_PROVENANCE_BYTES)
        finally:
            await source.aclose()
        return SignatureMaterial("helm-provenance", prov.digest, data)

    async def push_chart(self, target: RegistryTarget, options: SourceOptions, repository: str,
                         version: str, archive: bytes,
                         provenance: bytes | None = None) -> PushedChart:
        """Push a chart to an OCI registry (blob uploads and a manifest PUT).

        Not built yet: the OCI client has no upload path. Mirroring adds it here.
        """
        raise PushUnsupported(self.name, "pushing charts to OCI registries is not available "
                                         "in this version of chartyard yet")


def _oci(layer: ChartLayer) -> RegistryTarget:
    target = layer.target
    if not isinstance(target, RegistryTarget):
        raise TypeError(f"chart layer of {layer.repository} is not in an OCI registry")
    return target
