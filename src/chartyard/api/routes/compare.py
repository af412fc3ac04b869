"""Compare chart versions, and see which newer versions a profile's packs could move to."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from chartyard.api.deps import Ctx, CurrentUser, SessionDep
from chartyard.api.services import Profiles
from chartyard.catalog.compare import compare_versions
from chartyard.profiles.upgrades import pack_upgrade, profile_upgrades
from chartyard.wire.compare import Comparison, PackUpgradeComparison, ProfileUpgrades

router = APIRouter(prefix="/v1", tags=["compare"])


@router.get("/packs/{packUid}/compare", response_model=Comparison)
async def compare(packUid: str, to: Annotated[str, Query(min_length=1, max_length=64)],
                  ctx: Ctx, principal: CurrentUser) -> dict[str, Any]:
    """Return the Chart.yaml changes and the values.yaml diff from one version to another."""
    return await compare_versions(ctx, principal, packUid, to)


@router.get("/clusterprofiles/{uid}/upgrades", response_model=ProfileUpgrades)
def upgrades(uid: str, svc: Profiles, session: SessionDep,
             principal: CurrentUser) -> dict[str, Any]:
    """Return each pack's newest catalog version of the same major and of a newer major."""
    return {"items": profile_upgrades(session, principal, svc.get(uid))}


@router.get("/clusterprofiles/{uid}/packs/{index}/compare",
            response_model=PackUpgradeComparison)
async def upgrade_compare(uid: str, index: int,
                          version: Annotated[str, Query(max_length=128)],
                          ctx: Ctx, principal: CurrentUser) -> dict[str, Any]:
    """Return what moving pack number `index` (from 0) to `version` would change."""
    return await pack_upgrade(ctx, principal, uid, index, version)
