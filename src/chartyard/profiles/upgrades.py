"""Find newer catalog versions of a profile's packs, and what upgrading one would change."""

from __future__ import annotations

from typing import Any

import semver
from sqlalchemy import select
from sqlalchemy.orm import Session

from chartyard.auth.roles import Principal
from chartyard.catalog.compare import compare_versions, missing_overrides
from chartyard.context import AppContext
from chartyard.errors import NotFoundError
from chartyard.helm import sort_versions_desc
from chartyard.profiles.service import ProfileService
from chartyard.store.models import Chart, ChartVersion, ClusterProfile, ProfilePack


def _semver(text: str | None) -> semver.Version | None:
    try:
        return semver.Version.parse(text or "")
    except ValueError:
        return None


def catalog_versions(session: Session, tenant_uid: str, pack: ProfilePack) -> list[ChartVersion]:
    """Return the catalog's versions of the pack's chart, newest first."""
    if not pack.registry_uid or not pack.repository:
        return []
    return chart_versions(session, tenant_uid, pack.registry_uid, repository=pack.repository)


def chart_versions(session: Session, tenant_uid: str, registry_uid: str, *,
                   repository: str | None = None, name: str | None = None) -> list[ChartVersion]:
    """Return a chart's catalog versions by repository (or by chart name), newest first."""
    query = select(ChartVersion).where(ChartVersion.tenant_uid == tenant_uid,
                                       ChartVersion.registry_uid == registry_uid)
    if repository:
        query = query.where(ChartVersion.repository == repository)
    else:
        query = query.where(ChartVersion.name == name)
    rows = list(session.scalars(query))
    order = {v: i for i, v in enumerate(sort_versions_desc(r.version for r in rows))}
    return sorted(rows, key=lambda r: order[r.version])


def chart_names(session: Session, tenant_uid: str, limit: int = 1000) -> list[str]:
    """Return the names of the tenant's catalog charts, for the editor's suggestions."""
    return list(session.scalars(select(Chart.name).where(Chart.tenant_uid == tenant_uid)
                                .distinct().order_by(Chart.name).limit(limit)))


def upgrade_for(pack: ProfilePack, versions: list[ChartVersion]) -> dict[str, str | None]:
    """Return the newest catalog version of the same major and of a newer major, if any."""
    current = _semver(pack.chart_version or pack.tag)
    minor: str | None = None
    major: str | None = None
    if current is None:
        return {"sameMajor": None, "newerMajor": None}
    for row in versions:
        found = _semver(row.version)
        if found is None or found.prerelease or found <= current:
            continue
        if found.major == current.major and minor is None:
            minor = row.version
        elif found.major > current.major and major is None:
            major = row.version
    return {"sameMajor": minor, "newerMajor": major}


def profile_upgrades(session: Session, principal: Principal,
                     profile: ClusterProfile) -> list[dict[str, Any]]:
    """Return, per pack in layer order, its catalog versions and the upgrades available."""
    out = []
    for index, pack in enumerate(profile.packs):
        versions = catalog_versions(session, principal.tenant_uid, pack)
        out.append({"index": index, "name": pack.name,
                    "version": pack.chart_version or pack.tag,
                    "versions": [r.version for r in versions],
                    **upgrade_for(pack, versions)})
    return out


async def pack_upgrade(ctx: AppContext, principal: Principal, uid: str, index: int,
                       version: str) -> dict[str, Any]:
    """Return what moving profile `uid`'s pack at `index` to `version` would change."""
    def read(session: Session) -> tuple[str, str, str, str]:
        profile = ProfileService(ctx, session, principal).get(uid)
        if not 0 <= index < len(profile.packs):
            raise NotFoundError(f"the profile has no pack number {index}")
        pack = profile.packs[index]
        versions = catalog_versions(session, principal.tenant_uid, pack)
        mine = pack.chart_version or pack.tag
        current = next((r for r in versions if r.version == mine), None)
        target = next((r for r in versions if version in (r.version, r.tag)), None)
        if current is None or target is None:
            missing = version if target is None else mine
            raise NotFoundError(f"chart {pack.name} has no version '{missing}' in the catalog")
        return current.uid, target.uid, pack.name, pack.values

    current_uid, target_uid, name, values = await ctx.run_transaction(read)
    body = await compare_versions(ctx, principal, current_uid, target_uid)
    body["pack"] = {"index": index, "name": name}
    body["missingOverrides"] = missing_overrides(values, body["newDefaults"])
    return body
