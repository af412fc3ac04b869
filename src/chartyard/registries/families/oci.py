"""The OCI distribution family: registries served over ``/v2/`` (Basic, ECR, ...).

Charts are OCI artifacts (config ``application/vnd.cncf.helm.config.v1+json``); a sync
discovers repositories and lists tags; a chart's files are a blob of its manifest; its
provenance, when signed, is the manifest's ``.prov`` layer. Its registries take pushes:
a chart archive is stored the way ``helm push`` stores it, and OCI content is copied by
digest (HEAD-skip, cross-repository mount, streamed monolithic upload).
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import ClassVar

import anyio.to_thread

from chartyard.aws import EcrClient
from chartyard.errors import InvalidInput, ServiceError
from chartyard.helm import (
    HELM_PROVENANCE_MEDIA_TYPE,
    ChartArchiveLimits,
    ChartFiles,
    read_chart_archive,
    version_to_tag,
)
from chartyard.http import compute_digest
from chartyard.oci import (
    ConversionError,
    Copier,
    Endpoint,
    NoProgress,
    NotFound,
    PackagedChart,
    RegistryClient,
    RegistryWriter,
    chart_artifact,
)
from chartyard.registries.families.base import (
    ChartContent,
    OpenRegistry,
    PackHost,
    PushedChart,
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

    def chart_address(self, target: RegistryTarget, repository: str, tag: str,
                      urls: Sequence[str]) -> str:
        """Return ``oci://host/repository:tag``."""
        return f"oci://{target.endpoint.authority}/{repository}:{tag}"

    def oci_endpoint(self, target: RegistryTarget) -> Endpoint:
        """Return the registry's endpoint (host and path)."""
        return target.endpoint

    @asynccontextmanager
    async def open_chart(self, target: RegistryTarget, options: SourceOptions,
                         repository: str, digest: str, *, version: str,
                         urls: Sequence[str]) -> AsyncIterator[ChartContent]:
        """Open the source registry: the chart is copied as it is, by manifest digest."""
        async with self.open_registry(target, options) as registry:
            yield ChartContent(registry.writer, repository, digest)

    @asynccontextmanager
    async def open_registry(self, target: RegistryTarget,
                            options: SourceOptions) -> AsyncIterator[OpenRegistry]:
        """Open a client (ECR: with a fresh token) and a maker of missing repositories."""
        budget = options.budgets.for_host(target.endpoint.authority)
        credentials = target.credentials
        aws: EcrClient | None = None
        ecr = target.ecr
        if ecr is not None and ecr.auth.kind != "anonymous":
            aws = EcrClient(ecr.endpoint, ecr.auth, role_cache=options.role_cache,
                            token_cache=options.token_cache)
            credentials = await asyncio.to_thread(aws.registry_credentials)
        made: set[str] = set()

        async def ensure(repository: str) -> None:
            if aws is None or repository in made:
                return
            relative = target.endpoint.relative(repository) or repository
            await asyncio.to_thread(aws.ensure_repository, relative)
            made.add(repository)

        client = RegistryClient(target.endpoint, credentials, target.tls,
                                limits=options.limits, transport=options.transport,
                                egress=options.egress, budget=budget)
        async with client:
            yield OpenRegistry(RegistryWriter(client), ensure)

    async def push_chart(self, target: RegistryTarget, options: SourceOptions, repository: str,
                         version: str, archive: bytes,
                         provenance: bytes | None = None) -> PushedChart:
        """Push a chart archive as ``helm push`` stores it; a re-push gives the same digest.

        ``repository`` is relative to the registry's endpoint path; the tag is the version
        (``+`` written as ``_``). Blobs the repository holds are skipped (``HEAD``).
        """
        cap = ChartArchiveLimits().max_compressed
        if len(archive) > cap:
            raise InvalidInput("archive", f"archive: the chart is {len(archive)} bytes, over "
                                          f"the {cap}-byte archive limit")
        if provenance is not None and len(provenance) > MAX_PROVENANCE_BYTES:
            raise InvalidInput("provenance", f"provenance: over {MAX_PROVENANCE_BYTES} bytes")
        file = io.BytesIO(archive)
        try:
            artifact = await anyio.to_thread.run_sync(
                chart_artifact, file, compute_digest(archive), len(archive), provenance)
        except ConversionError as exc:
            raise InvalidInput("archive", f"archive: {exc}; push a chart packaged by "
                                          "`helm package`") from exc
        packaged = str(artifact.meta.get("version", ""))
        if packaged != version:
            raise InvalidInput("version", f"version: the archive's Chart.yaml says version "
                                          f"'{packaged}', not '{version}'")
        tag = version_to_tag(version)
        full = target.endpoint.repository(repository)
        async with self.open_registry(target, options) as registry:
            await registry.ensure_repository(full)
            copied = await Copier(registry.writer, NoProgress()).copy_artifact(
                PackagedChart(artifact, file), full, artifact.digest, full, tag)
        return PushedChart(full, tag, copied.digest)


def _oci(layer: ChartLayer) -> RegistryTarget:
    target = layer.target
    if not isinstance(target, RegistryTarget):
        raise TypeError(f"chart layer of {layer.repository} is not in an OCI registry")
    return target
