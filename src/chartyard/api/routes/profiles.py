"""Cluster profile endpoints, Palette-shaped: CRUD, versions, list and GitOps export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from chartyard.api.deps import Ctx, CurrentUser
from chartyard.profiles.schemas import ProfileBody, VersionBody
from chartyard.profiles.service import (
    ProfileService,
    create_profile,
    profile_body,
    update_profile,
)

router = APIRouter(prefix="/v1/clusterprofiles", tags=["cluster profiles"])


@router.post("", status_code=201)
async def create(body: ProfileBody, ctx: Ctx, principal: CurrentUser,
                 skipPackValidation: bool = False) -> dict[str, Any]:
    """Create a profile; Private Packs are verified live unless `skipPackValidation`."""
    profile = await create_profile(ctx, principal, body,
                                   skip_pack_validation=skipPackValidation)
    return {"uid": profile.uid}


@router.get("")
def list_profiles(ctx: Ctx, principal: CurrentUser, name: str = "", type: str = "",
                  tag: str = "", limit: int = 50,
                  continue_: Annotated[str | None, Query(alias="continue")] = None,
                  ) -> dict[str, Any]:
    """List profiles one page at a time, filtered by name, type and tag (label)."""
    with ctx.transaction() as session:
        return ProfileService(ctx, session, principal).page(
            name=name, profile_type=type, tag=tag, limit=limit, token=continue_)


@router.get("/{uid}")
async def get(uid: str, ctx: Ctx, principal: CurrentUser,
              checkDrift: bool = True) -> dict[str, Any]:
    """Return a profile; each pack reports drift against the registry unless `checkDrift=false`."""
    return await profile_body(ctx, principal, uid, check=checkDrift)


@router.put("/{uid}", status_code=204, response_class=Response)
async def update(uid: str, body: ProfileBody, ctx: Ctx, principal: CurrentUser,
                 skipPackValidation: bool = False) -> Response:
    """Replace a profile's metadata and packs."""
    await update_profile(ctx, principal, uid, body, skip_pack_validation=skipPackValidation)
    return Response(status_code=204)


@router.delete("/{uid}", status_code=204, response_class=Response)
def delete(uid: str, ctx: Ctx, principal: CurrentUser) -> Response:
    """Delete one version of a profile."""
    with ctx.transaction() as session:
        ProfileService(ctx, session, principal).delete(uid)
    return Response(status_code=204)


@router.post("/{uid}/versions", status_code=201)
def new_version(uid: str, body: VersionBody, ctx: Ctx,
                principal: CurrentUser) -> dict[str, Any]:
    """Copy a profile under a new version."""
    with ctx.transaction() as session:
        profile = ProfileService(ctx, session, principal).new_version(uid, body.version)
        return {"uid": profile.uid}


@router.get("/{uid}/export", response_class=Response,
            responses={200: {"content": {"application/yaml": {}}}})
def export(uid: str, format: str, ctx: Ctx, principal: CurrentUser) -> Response:
    """Export the profile as YAML for Flux, Argo CD or helmfile."""
    with ctx.transaction() as session:
        text = ProfileService(ctx, session, principal).export(uid, format)
    return Response(text, media_type="application/yaml")
