"""Cluster profile endpoints, Palette-shaped: CRUD, publish, clone, validation, the dashboard
list, versions and export (Palette's profile file, or GitOps YAML)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from chartyard.api.deps import Ctx, CurrentUser
from chartyard.api.services import Profiles
from chartyard.mirror.export import mirror_export
from chartyard.profiles import palette
from chartyard.profiles.export import FORMATS, FormatName
from chartyard.profiles.schemas import ProfileBody, TemplateBody, VersionBody
from chartyard.profiles.service import create_profile, profile_body, update_profile
from chartyard.profiles.validation import publish_profile
from chartyard.profiles.variables import given_values
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
def list_profiles(svc: Profiles, name: str = "", type: str = "",
                  tag: str = "", limit: int = 50,
                  continue_: Annotated[str | None, Query(alias="continue")] = None,
                  ) -> dict[str, Any]:
    """List profiles one page at a time, filtered by name, type and tag (label)."""
    return svc.page(name=name, profile_type=type, tag=tag, limit=limit, token=continue_)


@router.post("/v1/dashboard/clusterprofiles", response_model=ProfilesSummary)
def dashboard(svc: Profiles, body: ProfilesFilterSpec | None = None,
              limit: Annotated[int | None, Query(ge=1, le=50)] = None,
              offset: Annotated[int | None, Query(ge=0, le=2**31)] = None,
              continue_: Annotated[str | None, Query(alias="continue")] = None,
              ) -> dict[str, Any]:
    """Palette's profile list: filter by name, type, tags and version; sort; page."""
    return svc.dashboard(body or ProfilesFilterSpec(), limit=limit, offset=offset,
                         token=continue_)


@router.get(f"{P}/validate/name", status_code=204, response_class=Response)
def validate_name(svc: Profiles, name: str = "", version: str = "") -> Response:
    """Answer 204 when no profile has this name and version (default 1.0.0), else 409."""
    svc.check_name(name, version or None)
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
def delete(uid: str, svc: Profiles) -> Response:
    """Delete one version of a profile."""
    svc.delete(uid)
    return Response(status_code=204)


@router.patch(f"{P}/{{uid}}/publish", status_code=204, response_class=Response)
async def publish(uid: str, ctx: Ctx, principal: CurrentUser) -> Response:
    """Publish a profile once its values pass their schemas and variables (else 422)."""
    await publish_profile(ctx, principal, uid)
    return Response(status_code=204)


@router.post(f"{P}/{{uid}}/clone", status_code=201, response_model=Uid)
def clone(uid: str, body: CloneEntity, svc: Profiles) -> Uid:
    """Copy a profile under a new name (and version); the copy is a draft."""
    return Uid(uid=svc.clone(uid, body.metadata.name, body.metadata.version).uid)


@router.post(f"{P}/{{uid}}/validate/packs", response_model=ValidatorResponse)
async def validate_profile_packs(uid: str, body: TemplateBody, ctx: Ctx,
                                 principal: CurrentUser) -> ValidatorResponse:
    """Check packs for the profile `uid` as an update would; nothing is stored."""
    return await palette.validate_packs(ctx, principal, body, uid)


@router.post(f"{P}/{{uid}}/versions", status_code=201, response_model=Uid)
def new_version(uid: str, body: VersionBody, svc: Profiles) -> Uid:
    """Copy a profile under a new version."""
    return Uid(uid=svc.new_version(uid, body.version).uid)


@router.get(f"{P}/{{uid}}/export", response_class=Response,
            responses={200: {
                "description": "Palette's profile file (`json`, `yaml`) as an attachment, or "
                               "the Flux, Argo CD or helmfile YAML.",
                "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                    "format": "binary"}},
                            "application/yaml": {"schema": {"type": "string"}}}}})
def export(uid: str, request: Request, svc: Profiles, format: FormatName = "json",
           mirror: str | None = None) -> Response:
    """Export Palette's profile file (`json`, `yaml`) or Flux, Argo CD, helmfile YAML.

    `var.NAME=value` gives a variable's value: GitOps formats get the values substituted.
    With `mirror={registryUid}` the GitOps YAML points at that registry's mirrored copies.
    """
    if FORMATS[format].is_profile_file and not mirror:
        text, filename = svc.profile_file(uid, format)
        return Response(text, media_type="application/octet-stream", headers={
            "Content-Disposition": f'attachment; filename="{filename}"'})
    given = given_values(request.query_params.multi_items())
    if mirror:
        text = mirror_export(svc.ctx, svc.session, svc.principal, uid, format, mirror, given)
    else:
        text = svc.export(uid, format, given)
    return Response(text, media_type="application/yaml")
