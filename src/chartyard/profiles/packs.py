"""Resolve a profile's packs: Public Packs from the catalog, Private Packs live from the registry.

A Public Pack (a registry with sync on) is looked up in the synced catalog by
chart name (or repository path relative to the endpoint) and tag or version.
A Private Pack (any registry, also with sync off) is checked live: the manifest
exists and its config media type is Helm. Both record the manifest digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chartyard.errors import InvalidInput, ServiceError
from chartyard.helm import (
    chart_layer_digest,
    is_chart_config,
    nearest_versions,
    tag_to_version,
    version_to_tag,
)
from chartyard.oci import Manifest, NotFound, OCIError, chart_name, parse_endpoint
from chartyard.profiles.schemas import PackBody
from chartyard.registries.families import family_of_target
from chartyard.sources import (
    AnyTarget,
    ChartSource,
    HelmIndexSource,
    RegistryTarget,
    SourceOptions,
)
from chartyard.store.models import ChartVersion, Registry
from chartyard.sync.helm_index import row_digest


class PackNotFound(ServiceError):
    """Report that no chart with that name and tag is in the registry; details name the field."""

    status = 422
    code = "PackNotFound"

    def __init__(self, field: str, message: str, details: dict[str, Any]) -> None:
        super().__init__(message, {"field": field, **details})


class RegistryCheckFailed(ServiceError):
    """Report a registry that could not be asked about a pack; `code` is the OCI error's."""

    status = 422

    def __init__(self, exc: OCIError, field: str, message: str) -> None:
        super().__init__(message, {**exc.details, "field": field})
        self.code = exc.code


@dataclass(frozen=True)
class PackRequest:
    """One pack of a request body, with its registry and the source it is resolved from."""

    index: int
    body: PackBody
    registry: Registry
    source: str  # public | private

    @property
    def field(self) -> str:
        """Return the body path of this pack, for error messages."""
        return f"spec.template.packs[{self.index}]"


@dataclass(frozen=True)
class ResolvedPack:
    """Where a pack's chart was found; `digest` is None when it could not be verified."""

    repository: str
    oci_tag: str
    chart_version: str
    digest: str | None
    pack_uid: str | None
    verified: bool
    chart_layer: str | None = None
    chart_urls: tuple[str, ...] = ()
    """A Helm repository chart's download URLs, from its index entry."""


def release_name(name: str) -> str:
    """Return the chart name a pack name stands for (its last path segment)."""
    return chart_name(name)


def not_found(req: PackRequest, available: list[str], note: str = "") -> PackNotFound:
    """Return the 'no pack found' error with the nearest existing versions."""
    body, reg = req.body, req.registry
    near = nearest_versions(body.tag, available)
    message = f"no pack found with name {body.name}, tag {body.tag} in registry {reg.name}"
    if near:
        message += f"; nearest versions: {', '.join(near)}"
    elif not available:
        message += f"; the registry has no chart named {body.name}{note}"
    return PackNotFound(f"{req.field}.tag", message,
                        {"name": body.name, "tag": body.tag, "registryUid": reg.uid,
                         "registryName": reg.name, "nearestVersions": near})


def resolve_public(session: Session, req: PackRequest) -> ResolvedPack:
    """Find the pack in the registry's synced catalog, or raise `PackNotFound`."""
    body, reg = req.body, req.registry
    repository = _endpoint_repository(reg, body.name)
    named = or_(ChartVersion.name == body.name, ChartVersion.repository == repository)
    rows = list(session.scalars(select(ChartVersion).where(
        ChartVersion.registry_uid == reg.uid, named).order_by(ChartVersion.repository)))
    oci_tag = version_to_tag(body.tag)
    wanted = {body.tag, oci_tag}
    hits = [r for r in rows if r.tag in wanted or r.version == tag_to_version(body.tag)]
    if not hits:
        note = "" if reg.sync and reg.sync.last_synced_time else (
            " yet: its first sync has not completed")
        raise not_found(req, [r.version for r in rows], note)
    repos = sorted({r.repository for r in hits})
    if len(repos) > 1:
        exact = [r for r in hits if r.repository == repository]
        if not exact:
            relative = [_relative(reg, r) for r in repos]
            raise InvalidInput(
                f"{req.field}.name",
                f"chart {body.name} {body.tag} exists in several repositories of registry "
                f"{reg.name} ({', '.join(relative)}); name the pack by one of these paths",
                {"repositories": relative})
        hits = exact
    row = min(hits, key=lambda r: (r.tag != oci_tag, r.tag != body.tag, r.tag))
    return ResolvedPack(row.repository, row.tag, row.version, row.digest, row.uid, True,
                        row.chart_digest)


def _endpoint_repository(reg: Registry, name: str) -> str:
    return parse_endpoint(reg.spec["endpoint"]).repository(name)


def _relative(reg: Registry, repository: str) -> str:
    return parse_endpoint(reg.spec["endpoint"]).relative(repository) or repository


def candidates(target: RegistryTarget, name: str) -> list[str]:
    """Return the repositories a Private Pack name may mean, most literal first.

    The name is relative to the endpoint path; when nothing is there, it is
    also tried below each base content path and as an explicit repository
    that ends with it.
    """
    endpoint = target.endpoint
    name = name.strip("/")
    found = [endpoint.repository(name)]
    found += [endpoint.repository(f"{base}/{name}") for base in target.base_paths]
    found += [endpoint.repository(r) for r in target.repositories
              if release_name(r) == name and r != name]
    return list(dict.fromkeys(found))


async def verify_private(target: AnyTarget, options: SourceOptions,
                         requests: list[PackRequest], *,
                         skip_validation: bool) -> list[ResolvedPack]:
    """Check each pack live and return where it was found, in request order.

    The registry's family opens its source and picks the check that fits it.
    """
    host = _PrivateCheck(requests, skip_validation)
    return await family_of_target(target).verify_packs(host, target, options)


@dataclass(frozen=True)
class _PrivateCheck:
    """The two ways to check Private Packs; each closes the source it is given."""

    requests: list[PackRequest]
    skip_validation: bool

    async def in_registry(self, source: ChartSource,
                          target: RegistryTarget) -> list[ResolvedPack]:
        try:
            return [await _verify_one(source, target, req, self.skip_validation)
                    for req in self.requests]
        finally:
            await source.aclose()

    async def in_index(self, source: HelmIndexSource) -> list[ResolvedPack]:
        return await _verify_in_index(source, self.requests, self.skip_validation)


async def _verify_one(source: ChartSource, target: RegistryTarget, req: PackRequest,
                      skip_validation: bool) -> ResolvedPack:
    body = req.body
    oci_tag = version_to_tag(body.tag)
    repos = candidates(target, body.name)
    try:
        for repo in repos:
            try:
                manifest = await source.get_manifest(repo, oci_tag)
            except NotFound:
                continue
            _check_helm(req, manifest)
            return ResolvedPack(repo, oci_tag, tag_to_version(oci_tag), manifest.digest, None,
                                True, chart_layer_digest(manifest.layers))
        raise not_found(req, await _existing_versions(source, repos))
    except OCIError as exc:
        if skip_validation:
            return ResolvedPack(repos[0], oci_tag, tag_to_version(oci_tag), None, None, False)
        raise RegistryCheckFailed(
            exc, f"{req.field}.registryUid",
            f"could not verify pack {body.name} {body.tag} in registry {req.registry.name}: "
            f"{exc.message}; fix the registry or retry with ?skipPackValidation=true to save "
            "the pack unverified") from exc


async def _verify_in_index(source: HelmIndexSource, requests: list[PackRequest],
                           skip_validation: bool) -> list[ResolvedPack]:
    """Look every pack up in one streaming pass over the Helm repository's index."""
    wanted = [(release_name(r.body.name), r.body.tag) for r in requests]
    try:
        found = await source.lookup(wanted)
    except OCIError as exc:
        if skip_validation:
            return [ResolvedPack(name, tag, tag, None, None, False) for name, tag in wanted]
        req = requests[0]
        raise RegistryCheckFailed(
            exc, f"{req.field}.registryUid",
            f"could not verify packs in registry {req.registry.name}: {exc.message}; fix the "
            "registry or retry with ?skipPackValidation=true to save the packs unverified"
        ) from exc
    finally:
        await source.aclose()
    out = []
    for req, (name, tag) in zip(requests, wanted, strict=True):
        hit = found[name]
        entry = hit.entries.get(tag)
        if entry is None:
            raise not_found(req, hit.versions)
        digest = row_digest(entry)
        out.append(ResolvedPack(name, tag, tag, digest, None, True, digest, entry.urls))
    return out


async def _existing_versions(source: ChartSource, repos: list[str]) -> list[str]:
    for repo in repos:
        try:
            return [tag_to_version(t) for t in await source.list_tags(repo)]
        except NotFound:
            continue
    return []


def _check_helm(req: PackRequest, manifest: Manifest) -> None:
    config = manifest.config
    if config is None or not is_chart_config(config.media_type):
        kind = manifest.artifact_type or (config.media_type if config else manifest.media_type)
        raise InvalidInput(
            f"{req.field}.tag",
            f"{req.body.name} {req.body.tag} in registry {req.registry.name} is not a Helm "
            f"chart (its manifest is {kind}); pick a chart version pushed with 'helm push'",
            {"mediaType": kind})


