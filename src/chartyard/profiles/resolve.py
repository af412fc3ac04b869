"""Turn the packs of a request body into stored pack rows: check, resolve, fill defaults."""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from chartyard.auth.roles import Principal
from chartyard.catalog.service import CatalogService
from chartyard.context import AppContext
from chartyard.errors import InvalidInput, NotFoundError
from chartyard.helm import ChartArchiveError, version_to_tag
from chartyard.oci import OCIError
from chartyard.profiles.defaults import default_values
from chartyard.profiles.packs import (
    PackRequest,
    RegistryCheckFailed,
    ResolvedPack,
    release_name,
    resolve_public,
    verify_private,
)
from chartyard.profiles.schemas import PackBody
from chartyard.profiles.values import pack_section, parse_values
from chartyard.registries.kinds import kind_of
from chartyard.registries.paths import normalise_path
from chartyard.registries.service import RegistryService
from chartyard.sources import AnyTarget
from chartyard.store.models import ChartVersion, ProfilePack, Registry

# An OCI tag (distribution spec); helm writes a version's '+' as '_'.
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")


@dataclass
class PackResolver:
    """Resolve packs for one caller; `skip_validation` saves unreachable packs unverified."""

    ctx: AppContext
    session: Session
    principal: Principal
    skip_validation: bool = False

    def resolve(self, bodies: list[PackBody]) -> list[ProfilePack]:
        """Return new, unsaved pack rows in layer order, or raise on the first problem."""
        requests = [self._request(i, body) for i, body in enumerate(bodies)]
        self._check_unique(requests)
        resolved: dict[int, ResolvedPack] = {}
        for req in requests:
            if req.source == "public":
                resolved[req.index] = resolve_public(self.session, req)
        resolved.update(self._verify_private([r for r in requests if r.source == "private"]))
        return [self._row(req, resolved[req.index]) for req in requests]

    def _registries(self) -> RegistryService:
        return RegistryService(self.ctx, self.session, self.principal)

    def _request(self, index: int, body: PackBody) -> PackRequest:
        field = f"spec.template.packs[{index}]"
        try:
            normalise_path(body.name)
        except ValueError as exc:
            raise InvalidInput(f"{field}.name", f"{field}.name {exc}") from exc
        if not _TAG.match(version_to_tag(body.tag)):
            raise InvalidInput(f"{field}.tag", f"{field}.tag '{body.tag}' is not a chart version "
                                               "or OCI tag (letters, digits, '.', '-', '_', '+')")
        pack_section(parse_values(body.values, f"{field}.values"), f"{field}.values")
        try:
            reg = self._registries().get(body.registry_uid)
        except NotFoundError as exc:
            raise InvalidInput(
                f"{field}.registryUid",
                f"{field}.registryUid: registry '{body.registry_uid}' not found; pick one "
                "from GET /v1/registries/metadata") from exc
        expected = kind_of(reg).pack_type
        if body.type is not None and body.type != expected:
            raise InvalidInput(
                f"{field}.type",
                f"{field}.type is '{body.type}', but registry {reg.name} serves packs of type "
                f"'{expected}'; set type to '{expected}' or pick another registry")
        source = body.source or ("public" if reg.is_sync_supported else "private")
        if source == "public" and not reg.is_sync_supported:
            raise InvalidInput(
                f"{field}.source",
                f"registry {reg.name} has synchronization off, so it has no catalog of Public "
                "Packs; add the chart as a Private Pack (source: private)")
        return PackRequest(index, body, reg, source)

    @staticmethod
    def _check_unique(requests: list[PackRequest]) -> None:
        seen: dict[str, int] = {}
        for req in requests:
            name = release_name(req.body.name)
            if name in seen:
                raise InvalidInput(
                    f"{req.field}.name",
                    f"pack {name} is already layer {seen[name]} of this profile; each chart "
                    "may appear once (its name is the Helm release name)")
            seen[name] = req.index

    def _verify_private(self, requests: list[PackRequest]) -> dict[int, ResolvedPack]:
        if not requests:
            return {}
        groups: dict[str, list[PackRequest]] = defaultdict(list)
        targets: dict[str, AnyTarget] = {}
        for req in requests:
            groups[req.registry.uid].append(req)
            targets[req.registry.uid] = self._registries().target(req.registry)

        async def verify_all() -> list[list[ResolvedPack]]:
            return await asyncio.gather(*(
                verify_private(targets[uid], self.ctx.sources, reqs,
                               skip_validation=self.skip_validation)
                for uid, reqs in groups.items()))

        out: dict[int, ResolvedPack] = {}
        for reqs, results in zip(groups.values(), asyncio.run(verify_all()), strict=True):
            for req, result in zip(reqs, results, strict=True):
                out[req.index] = self._with_catalog_uid(req.registry, result)
        return out

    def _with_catalog_uid(self, reg: Registry, found: ResolvedPack) -> ResolvedPack:
        """Link a live-verified pack to its catalog entry, when the catalog has that digest."""
        if found.digest is None:
            return found
        uid = self.session.scalar(select(ChartVersion.uid).where(
            ChartVersion.registry_uid == reg.uid, ChartVersion.repository == found.repository,
            ChartVersion.tag == found.oci_tag, ChartVersion.digest == found.digest))
        if uid is None:
            return found
        return ResolvedPack(found.repository, found.oci_tag, found.chart_version, found.digest,
                            uid, found.verified, found.chart_layer)

    def _values(self, req: PackRequest, found: ResolvedPack) -> str:
        """Return the pack's values as given, or the chart's defaults when none are given."""
        if req.body.values.strip() or not found.verified:
            return req.body.values
        field = f"{req.field}.values"
        try:
            if found.pack_uid:
                return CatalogService(self.ctx, self.session, self.principal).values(
                    found.pack_uid)
            if found.chart_layer:
                target = self._registries().target(req.registry)
                return default_values(self.ctx, self.session, target, found.repository,
                                      found.chart_layer)
        except NotFoundError:
            return req.body.values
        except ChartArchiveError as exc:
            raise InvalidInput(field, f"{field}: the chart's values.yaml could not be read "
                                      f"({exc}); give the values explicitly") from exc
        except OCIError as exc:
            if self.skip_validation:
                return req.body.values
            raise RegistryCheckFailed(
                exc, field, f"could not read the default values of {req.body.name} "
                            f"{req.body.tag}: {exc.message}; give the values explicitly or "
                            "retry with ?skipPackValidation=true") from exc
        return req.body.values

    def _row(self, req: PackRequest, found: ResolvedPack) -> ProfilePack:
        body = req.body
        return ProfilePack(
            position=req.index, name=body.name, tag=body.tag, registry_uid=req.registry.uid,
            pack_type=body.type or kind_of(req.registry).pack_type, source=req.source,
            values=self._values(req, found),
            pack_uid=found.pack_uid, digest=found.digest, verified=found.verified,
            repository=found.repository, oci_tag=found.oci_tag,
            chart_version=found.chart_version)
