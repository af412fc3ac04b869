"""Turn the packs of a request body into stored pack rows: check, resolve, read defaults.

Three phases, so that no database transaction is open during registry I/O:
``plan`` (a short read: check the bodies, resolve Public Packs from the catalog),
``fetch`` (network only: verify Private Packs live, read default values from chart
layers; they are cached by digest and shown, never written into a profile) and
``rows`` (inside the write: re-check the registries and Public Packs, link Private
Packs to the catalog, build the rows with the values as sent).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from chartyard.auth.roles import Principal
from chartyard.catalog.contents import ChartLayer, chart_contents
from chartyard.catalog.service import CatalogService
from chartyard.context import AppContext
from chartyard.errors import InvalidInput, NotFoundError
from chartyard.helm import ChartArchiveError, version_to_tag
from chartyard.oci import OCIError, is_tag
from chartyard.profiles.packs import (
    PackRequest,
    RegistryCheckFailed,
    ResolvedPack,
    release_name,
    resolve_public,
    verify_private,
)
from chartyard.profiles.schemas import PackBody
from chartyard.registries.families import family_of
from chartyard.registries.paths import normalise_path
from chartyard.registries.service import RegistryService
from chartyard.sources import AnyTarget
from chartyard.store.models import ChartContent, ChartVersion, ProfilePack, Registry
from chartyard.values import pack_section, parse_values


@dataclass
class PackPlan:
    """What the read phase found, and what the network phase adds to it."""

    requests: list[PackRequest]
    resolved: dict[int, ResolvedPack] = field(default_factory=dict)
    targets: dict[str, AnyTarget] = field(default_factory=dict)
    layers: dict[int, ChartLayer] = field(default_factory=dict)
    defaults: dict[int, str] = field(default_factory=dict)
    charts: dict[int, ChartContent] = field(default_factory=dict)
    """Each layer's chart files (values.yaml, values.schema.json), when they could be read."""


@dataclass
class PackResolver:
    """Resolve packs for one caller; `skip_validation` saves unreachable packs unverified."""

    ctx: AppContext
    principal: Principal
    skip_validation: bool = False

    async def resolve(self, bodies: list[PackBody]) -> list[ProfilePack]:
        """Return new, unsaved pack rows; each database phase runs in its own transaction."""
        return (await self.resolve_with_defaults(bodies))[0]

    async def resolve_with_defaults(
            self, bodies: list[PackBody]) -> tuple[list[ProfilePack], dict[int, str]]:
        """Return new, unsaved pack rows and, by pack index, the chart default values of
        packs sent without values (to show them; rows keep the values as sent)."""
        plan = await self.ctx.run_transaction(lambda session: self.plan(session, bodies))
        await self.fetch(plan)
        rows = await self.ctx.run_transaction(lambda session: self.rows(session, plan))
        return rows, dict(plan.defaults)

    # ---- phase 1: a short read ----------------------------------------------
    def plan(self, session: Session, bodies: list[PackBody]) -> PackPlan:
        """Check the bodies and resolve Public Packs from the catalog, or raise."""
        plan = PackPlan([self._request(session, i, body) for i, body in enumerate(bodies)])
        self._check_unique(plan.requests)
        registries = self._registries(session)
        for req in plan.requests:
            if req.source == "public":
                found = resolve_public(session, req)
                plan.resolved[req.index] = found
                if found.pack_uid:
                    with contextlib.suppress(NotFoundError):  # no chart layer: keep values
                        plan.layers[req.index] = CatalogService(
                            self.ctx, session, self.principal).chart_layer(found.pack_uid)
            else:
                plan.targets.setdefault(req.registry.uid, registries.target(req.registry))
        return plan

    # ---- phase 2: the network, no session -------------------------------------
    async def fetch(self, plan: PackPlan) -> None:
        """Verify Private Packs live and read the default values they need."""
        private = [r for r in plan.requests if r.source == "private"]
        plan.resolved.update(await self._verify_private(plan, private))
        for req in private:
            found = plan.resolved[req.index]
            if found.verified and found.chart_layer:
                plan.layers[req.index] = ChartLayer(
                    plan.targets[req.registry.uid], found.repository, found.chart_layer,
                    found.chart_version, found.chart_urls)
        for req in plan.requests:
            layer = plan.layers.get(req.index)
            if layer is not None:
                content = await self._chart_files(req, layer)
                if content is not None:
                    plan.charts[req.index] = content
                    if self._wants_defaults(req):
                        plan.defaults[req.index] = content.values_yaml or ""

    async def _verify_private(self, plan: PackPlan,
                              requests: list[PackRequest]) -> dict[int, ResolvedPack]:
        groups: dict[str, list[PackRequest]] = defaultdict(list)
        for req in requests:
            groups[req.registry.uid].append(req)
        results = await asyncio.gather(*(
            verify_private(plan.targets[uid], self.ctx.sources, reqs,
                           skip_validation=self.skip_validation)
            for uid, reqs in groups.items()))
        return {req.index: found for reqs, found_list in zip(groups.values(), results, strict=True)
                for req, found in zip(reqs, found_list, strict=True)}

    async def _chart_files(self, req: PackRequest, layer: ChartLayer) -> ChartContent | None:
        """Return the chart's files, or None (values kept as given, schema not checked).

        A chart read only for its schema (the layer has values) that cannot be read
        is not an error here: the pack itself was found.
        """
        field = f"{req.field}.values"
        try:
            return await chart_contents(self.ctx, layer)
        except ChartArchiveError as exc:
            if not self._wants_defaults(req):
                return None
            raise InvalidInput(field, f"{field}: the chart's values.yaml could not be read "
                                      f"({exc}); give the values explicitly") from exc
        except OCIError as exc:
            if self.skip_validation or not self._wants_defaults(req):
                return None
            raise RegistryCheckFailed(
                exc, field, f"could not read the default values of {req.body.name} "
                            f"{req.body.tag}: {exc.message}; give the values explicitly or "
                            "retry with ?skipPackValidation=true") from exc

    # ---- phase 3: inside the write ---------------------------------------------
    def rows(self, session: Session, plan: PackPlan) -> list[ProfilePack]:
        """Return the pack rows, re-checking what the read phase found."""
        out: list[ProfilePack] = []
        for old in plan.requests:
            req = self._request(session, old.index, old.body)  # the registry may be gone now
            found = plan.resolved[req.index]
            if req.source == "public":
                fresh = resolve_public(session, req)  # a sync may have changed the catalog
                if fresh.chart_layer != found.chart_layer:
                    plan.defaults.pop(req.index, None)
                found = fresh
            else:
                found = self._with_catalog_uid(session, req.registry, found)
            out.append(self._row(req, found))
        return out

    # ---- helpers --------------------------------------------------------------
    def _registries(self, session: Session) -> RegistryService:
        return RegistryService(self.ctx, session, self.principal)

    @staticmethod
    def _wants_defaults(req: PackRequest) -> bool:
        return not req.body.values.strip()

    def _request(self, session: Session, index: int, body: PackBody) -> PackRequest:
        field = f"spec.template.packs[{index}]"
        try:
            normalise_path(body.name)
        except ValueError as exc:
            raise InvalidInput(f"{field}.name", f"{field}.name {exc}") from exc
        if not is_tag(version_to_tag(body.tag)):
            raise InvalidInput(f"{field}.tag", f"{field}.tag '{body.tag}' is not a chart version "
                                               "or OCI tag (letters, digits, '.', '-', '_', '+')")
        pack_section(parse_values(body.values, f"{field}.values"), f"{field}.values")
        try:
            reg = self._registries(session).get(body.registry_uid)
        except NotFoundError as exc:
            raise InvalidInput(
                f"{field}.registryUid",
                f"{field}.registryUid: registry '{body.registry_uid}' not found; pick one "
                "from GET /v1/registries/metadata") from exc
        expected = family_of(reg).pack_type
        if body.type not in (None, "spectro", expected):  # spectro: any registry's pack
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

    @staticmethod
    def _with_catalog_uid(session: Session, reg: Registry, found: ResolvedPack) -> ResolvedPack:
        """Link a live-verified pack to its catalog entry, when the catalog has that digest."""
        if found.digest is None:
            return found
        uid = session.scalar(select(ChartVersion.uid).where(
            ChartVersion.registry_uid == reg.uid, ChartVersion.repository == found.repository,
            ChartVersion.tag == found.oci_tag, ChartVersion.digest == found.digest))
        if uid is None:
            return found
        return dataclasses.replace(found, pack_uid=uid)

    @staticmethod
    def _row(req: PackRequest, found: ResolvedPack) -> ProfilePack:
        body = req.body
        values = body.values  # as sent: empty means the chart's defaults (Helm applies them)
        return ProfilePack(
            position=req.index, name=body.name, tag=body.tag, registry_uid=req.registry.uid,
            pack_type=body.type or family_of(req.registry).pack_type, source=req.source,
            values=values,
            pack_uid=found.pack_uid, digest=found.digest, verified=found.verified,
            repository=found.repository, oci_tag=found.oci_tag,
            chart_version=found.chart_version, chart_digest=found.chart_layer)
