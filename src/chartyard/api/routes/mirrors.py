"""Mirror endpoints: copy a profile's charts (and images) into a registry, and watch it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from chartyard.api.deps import Ctx, CurrentUser
from chartyard.api.services import Mirrors
from chartyard.mirror import bundle as bundles
from chartyard.mirror import jobs
from chartyard.profiles.export import k8s_name
from chartyard.wire.common import Uid
from chartyard.wire.mirrors import BundlePushed, MirrorRequest, MirrorStatus

router = APIRouter(tags=["mirrors"])


@router.post("/v1/clusterprofiles/{uid}/mirror", status_code=202, response_model=Uid)
def start(uid: str, body: MirrorRequest, svc: Mirrors) -> Uid:
    """Queue a mirror of the profile's charts into an OCI registry; a worker runs it."""
    return Uid(uid=svc.start(uid, body).uid)


@router.get("/v1/mirrors/{uid}", response_model=MirrorStatus)
def status(uid: str, svc: Mirrors) -> MirrorStatus:
    """Return a mirror's status, charts, images and progress."""
    return MirrorStatus.model_validate(jobs.body(svc.get(uid)))


@router.get("/v1/clusterprofiles/{uid}/bundle", response_class=StreamingResponse,
            responses={200: {"description": "an OCI image layout as a tar, streamed",
                             "content": {"application/x-tar": {"schema": {
                                 "type": "string", "format": "binary"}}}}})
def bundle(uid: str, ctx: Ctx, principal: CurrentUser,
           includeImages: bool = False) -> StreamingResponse:
    """Stream the profile's charts (and images) as an OCI image layout tar."""
    plan = bundles.prepare(ctx, principal, uid, includeImages)
    name = k8s_name(plan.name, plan.version)
    return StreamingResponse(bundles.stream(ctx, plan), media_type="application/x-tar",
                             headers={"Content-Disposition":
                                      f'attachment; filename="{name}.tar"'})


@router.post("/v1/registries/oci/{uid}/bundle", status_code=201, response_model=BundlePushed,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/x-tar": {"schema": {"type": "string", "format": "binary"}}}}})
async def push_bundle(uid: str, request: Request, ctx: Ctx, principal: CurrentUser,
                      basePath: str = "") -> BundlePushed:
    """Check every digest of a bundle tar, push it into the registry, create its profile."""
    answer = await bundles.receive(ctx, principal, uid, request.stream(), base_path=basePath)
    return BundlePushed.model_validate(answer)
