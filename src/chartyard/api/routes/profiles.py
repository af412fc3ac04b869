"""Cluster profile endpoints, Palette-shaped: CRUD, publish, clone, validation, the dashboard
list, versions and export (Palette's profile file, or GitOps YAML)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from chartyard.api.deps import Ctx, CurrentUser
from chartyard.profiles import palette
from chartyard.profiles.export import FORMATS, FormatName
from chartyard.profiles.palette import PaletteProfiles
from chartyard.profiles.schemas import ProfileBody, TemplateBody, VersionBody
from chartyard.profiles.service import (
    ProfileService,
    create_profile,
    profile_body,
    update_profile,
)
from chartyard.wire.common import Uid
from chartyard.wire.profiles import (
    CloneEntity,
    ClusterProfile,
    ProfileList,
    ProfilesFilterSpec,
    ProfilesSummary,
    ValidatorResponse,
)

router = APIRouter(tags=["cluster profiles"])
P = "/v1/clusterprofiles"

@router.post(P, status_code=201, response_model=Uid)
async def create(body: ProfileBody, ctx: Ctx, principal: CurrentUser,
                 skipPackValidation: bool = False, publish: bool = False) -> Uid:
    """Create a profile (a draft unless `publish=true`); Private Packs are verified live."""
    profile = await create_profile(ctx, principal, body,
                                   skip_pack_validation=skipPackValidation, publish=publish)
    return Uid(uid=profile.uid)


@router.get(P, response_model=ProfileList)
def list_profiles(ctx: Ctx, principal: CurrentUser, name: str = "", type: str = "",
                  tag: str = "", limit: int = 50,
                  continue_: Annotated[str | None, Query(alias="continue")] = None,
                  ) -> dict[str, Any]:
    """List profiles one page at a time, filtered by name, type and tag (label)."""
    with ctx.transaction() as session:
        return ProfileService(ctx, session, principal).page(
            name=name, profile_type=type, tag=tag, limit=limit, token=continue_)


@router.post("/v1/dashboard/clusterprofiles", response_model=ProfilesSummary)
def dashboard(ctx: Ctx, principal: CurrentUser, body: ProfilesFilterSpec | None = None,
              limit: Annotated[int | None, Query(ge=1, le=50)] = None,
              offset: Annotated[int | None, Query(ge=0, le=2**31)] = None,
              continue_: Annotated[str | None, Query(alias="continue")] = None,
              ) -> dict[str, Any]:
    """Palette's profile list: filter by name, type, tags and version; sort; page."""
    with ctx.transaction() as session:
        return PaletteProfiles(ctx, session, principal).dashboard(
            body or ProfilesFilterSpec(), limit=limit, offset=offset, token=continue_)


@router.get(f"{P}/validate/name", status_code=204, response_class=Response)
def validate_name(ctx: Ctx, principal: CurrentUser, name: str = "",
                  version: str = "") -> Response:
    """Answer 204 when no profile has this name and version (default 1.0.0), else 409."""
    with ctx.transaction() as session:
        PaletteProfiles(ctx, session, principal).check_name(name, version or None)
    return Response(status_code=204)


@router.post(f"{P}/validate/packs", response_model=ValidatorResponse)
async def validate_packs(body: TemplateBody, ctx: Ctx,
                         principal: CurrentUser) -> ValidatorResponse:
    """Check packs as a create would, and report per pack what is wrong; nothing is stored."""
    return await palette.validate_packs(ctx, principal, body)


@router.get(f"{P}/{{uid}}", response_model=ClusterProfile)
async def get(uid: str, ctx: Ctx, principal: CurrentUser,
              checkDrift: bool = True) -> dict[str, Any]:
    """Return a profile; each pack reports drift against the registry unless `checkDrift=false`."""
    return await profile_body(ctx, principal, uid, check=checkDrift)


@router.put(f"{P}/{{uid}}", status_code=204, response_class=Response)
async def update(uid: str, body: ProfileBody, ctx: Ctx, principal: CurrentUser,
                 skipPackValidation: bool = False) -> Response:
    """Replace a profile's metadata and packs."""
    await update_profile(ctx, principal, uid, body, skip_pack_validation=skipPackValidation)
    return Response(status_code=204)


@router.delete(f"{P}/{{uid}}", status_code=204, response_class=Response)
def delete(uid: str, ctx: Ctx, principal: CurrentUser) -> Response:
    """Delete one version of a profile."""
    with ctx.transaction() as session:
        ProfileService(ctx, session, principal).delete(uid)
    return Response(status_code=204)


@router.patch(f"{P}/{{uid}}/publish", status_code=204, response_class=Response)
def publish(uid: str, ctx: Ctx, principal: CurrentUser) -> Response:
    """Publish a profile: its draft becomes the published template."""
    with ctx.transaction() as session:
        PaletteProfiles(ctx, session, principal).publish(uid)
    return Response(status_code=204)


@router.post(f"{P}/{{uid}}/clone", status_code=201, response_model=Uid)
def clone(uid: str, body: CloneEntity, ctx: Ctx, principal: CurrentUser) -> Uid:
    """Copy a profile under a new name (and version); the copy is a draft."""
    with ctx.transaction() as session:
        copy = PaletteProfiles(ctx, session, principal).clone(
            uid, body.metadata.name, body.metadata.version)
        return Uid(uid=copy.uid)


@router.post(f"{P}/{{uid}}/validate/packs", response_model=ValidatorResponse)
async def validate_profile_packs(uid: str, body: TemplateBody, ctx: Ctx,
                                 principal: CurrentUser) -> ValidatorResponse:
    """Check packs for the profile `uid` as an update would; nothing is stored."""
    return await palette.validate_packs(ctx, principal, body, uid)


@router.post(f"{P}/{{uid}}/versions", status_code=201, response_model=Uid)
def new_version(uid: str, body: VersionBody, ctx: Ctx, principal: CurrentUser) -> Uid:
    """Copy a profile under a new version."""
    with ctx.transaction() as session:
        profile = ProfileService(ctx, session, principal).new_version(uid, body.version)
        return Uid(uid=profile.uid)


@router.get(f"{P}/{{uid}}/export", response_class=Response,
            responses={200: {
                "description": "Palette's profile file (`json`, `yaml`) as an attachment, or "
                               "the Flux, Argo CD or helmfile YAML.",
                "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                    "format": "binary"}},
                            "application/yaml": {"schema": {"type": "string"}}}}})
def export(uid: str, ctx: Ctx, principal: CurrentUser,
           format: FormatName = "json", mirror: str | None = None) -> Response:
    """Export Palette's profile file (`json`, `yaml`) or Flux, Argo CD, helmfile YAML.

    With `mirror={registryUid}` the GitOps YAML points at that registry's mirrored copies.
    """
    with ctx.transaction() as session:
        if mirror:
            from chartyard.mirror.export import mirror_export

            text = mirror_export(ctx, session, principal, uid, format, mirror)
            return Response(text, media_type="application/yaml")
        if FORMATS[format].is_profile_file:
            text, filename = PaletteProfiles(ctx, session, principal).profile_file(uid, format)
            return Response(text, media_type="application/octet-stream", headers={
                "Content-Disposition": f'attachment; filename="{filename}"'})
        text = ProfileService(ctx, session, principal).export(uid, format)
    return Response(text, media_type="application/yaml")
