"""What a mirror run copies, read from the database in one transaction (no I/O).

Each profile layer becomes a chart to copy: an OCI chart by the digest the catalog
recorded for its tag, a classic chart from the archive URL its index listed. The
target repository of a chart is ``<basePath>/<chart name>`` under the target
registry's endpoint path; an image keeps its path under ``<basePath>``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chartyard.errors import ConfigurationError, ServiceError
from chartyard.mirror.images import chart_images, layer_images
from chartyard.oci import Endpoint, chart_name
from chartyard.registries.families import AnyFamily, family_of_target
from chartyard.registries.kinds import kind_of
from chartyard.sources import AnyTarget
from chartyard.store.models import (
    ChartVersion,
    ClusterProfile,
    MirrorRun,
    Registry,
    Tenant,
)
from chartyard.values import parse_values

Decrypt = Callable[[str | None], dict[str, str]]


class PlanError(ServiceError, ConfigurationError):
    """Report a profile that cannot be mirrored or bundled as it stands."""

    status = 422
    code = "ProfileNotMirrorable"


@dataclass(frozen=True)
class ChartItem:
    """One layer's chart: where it comes from and where it goes."""

    name: str
    version: str
    source: AnyTarget
    repository: str
    tag: str
    digest: str
    urls: tuple[str, ...]
    target_repository: str

    @property
    def family(self) -> AnyFamily:
        """Return the family of the source registry (it says how the chart is copied)."""
        return family_of_target(self.source)

    def source_ref(self) -> str:
        """Return the source as a user would name it."""
        return self.family.chart_address(self.source, self.repository, self.tag, self.urls)


@dataclass
class Plan:
    """Everything a run needs: the target, the charts, images and what is done already."""

    target: AnyTarget
    target_endpoint: Endpoint
    base_path: str
    charts: list[ChartItem]
    images: list[str]
    by_authority: dict[str, AnyTarget] = field(default_factory=dict)

    def target_repository(self, path: str) -> str:
        """Return the full target repository of ``path`` under the base path."""
        joined = f"{self.base_path}/{path}" if self.base_path else path
        return self.target_endpoint.repository(joined)


def build(session: Session, run: MirrorRun, decrypt: Decrypt) -> Plan:
    """Return the plan of a run, reading the profile, catalog and registries."""
    target_reg = session.get(Registry, run.target_registry_uid)
    tenant = session.get(Tenant, run.tenant_uid)
    if target_reg is None or tenant is None:
        raise PlanError("the target registry was deleted")
    target = _target(target_reg, tenant, decrypt)
    endpoint = family_of_target(target).oci_endpoint(target)
    if endpoint is None or not family_of_target(target).accepts_pushes:
        raise PlanError(f"the target registry {target_reg.name} is not an OCI registry")
    plan = Plan(target, endpoint, run.base_path.strip("/"), [], [])
    sources = collect(session, run.tenant_uid, run.profile_uid, decrypt,
                      include_images=run.include_images, repository=plan.target_repository)
    plan.charts, plan.images, plan.by_authority = (sources.charts, sources.images,
                                                   sources.by_authority)
    return plan


@dataclass
class Sources:
    """A profile's charts and images, and the tenant's OCI registries by host."""

    charts: list[ChartItem]
    images: list[str]
    by_authority: dict[str, AnyTarget]


def collect(session: Session, tenant_uid: str, profile_uid: str, decrypt: Decrypt, *,
            include_images: bool, repository: Callable[[str], str]) -> Sources:
    """Return what a profile needs copied; ``repository`` names a chart's destination."""
    profile = session.get(ClusterProfile, profile_uid)
    tenant = session.get(Tenant, tenant_uid)
    if profile is None or tenant is None or profile.tenant_uid != tenant_uid:
        raise PlanError("the profile was deleted")
    found = Sources([], [], {})
    registries = {r.uid: r for r in session.scalars(
        select(Registry).where(Registry.tenant_uid == tenant_uid))}
    for reg in registries.values():
        target = _target(reg, tenant, decrypt)
        endpoint = family_of_target(target).oci_endpoint(target)
        if endpoint is not None:
            found.by_authority.setdefault(endpoint.authority, target)
    for index, pack in enumerate(profile.packs):
        where = f"spec.template.packs[{index}]"
        source_reg = registries.get(pack.registry_uid or "")
        if source_reg is None or not pack.repository or not pack.oci_tag:
            raise PlanError(f"{where} ({pack.name}) has no registry any more; update the "
                            "profile first")
        row = session.scalar(select(ChartVersion).where(
            ChartVersion.registry_uid == source_reg.uid,
            ChartVersion.repository == pack.repository, ChartVersion.tag == pack.oci_tag))
        meta: dict[str, Any] = dict(row.chart_metadata or {}) if row else {}
        digest = (row.digest if row else None) or pack.digest
        if not digest:
            raise PlanError(f"{where} ({pack.name} {pack.oci_tag}) is not in the catalog; "
                            "sync its registry first")
        source = _target(source_reg, tenant, decrypt)
        version = pack.chart_version or pack.oci_tag
        name = chart_name(pack.repository)
        found.charts.append(ChartItem(
            name=name, version=version, source=source, repository=pack.repository,
            tag=family_of_target(source).copy_tag(pack.oci_tag, version), digest=digest,
            urls=tuple(str(u) for u in meta.get("urls") or ()),
            target_repository=repository(name)))
        if include_images:
            annotations = meta.get("annotations")
            images = chart_images(annotations if isinstance(annotations, dict) else None)
            images += layer_images(parse_values(pack.values, f"{where}.values"))
            found.images += [i for i in images if i not in found.images]
    return found



def _target(reg: Registry, tenant: Tenant, decrypt: Decrypt) -> AnyTarget:
    return kind_of(reg).target(reg.spec, decrypt(reg.secrets_enc), tenant.aws_external_id)


def chart_target_ref(plan: Plan, item: ChartItem) -> str:
    """Return ``oci://host/repository:tag`` of a chart in the target."""
    return f"oci://{plan.target_endpoint.authority}/{item.target_repository}:{item.tag}"
