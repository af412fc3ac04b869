"""Mirror endpoints: copy a profile's charts (and images) into a registry, and watch it."""

from __future__ import annotations

from fastapi import APIRouter

from chartyard.api.deps import Ctx, CurrentUser
from chartyard.mirror import jobs
from chartyard.mirror.service import MirrorService
from chartyard.wire.common import Uid
from chartyard.wire.mirrors import MirrorRequest, MirrorStatus

router = APIRouter(tags=["mirrors"])


@router.post("/v1/clusterprofiles/{uid}/mirror", status_code=202, response_model=Uid)
def start(uid: str, body: MirrorRequest, ctx: Ctx, principal: CurrentUser) -> Uid:
    """Queue a mirror of the profile's charts into an OCI registry; a worker runs it."""
    with ctx.transaction() as session:
        run = MirrorService(ctx, session, principal).start(uid, body)
        return Uid(uid=run.uid)


@router.get("/v1/mirrors/{uid}", response_model=MirrorStatus)
def status(uid: str, ctx: Ctx, principal: CurrentUser) -> MirrorStatus:
    """Return a mirror's status, charts, images and progress."""
    with ctx.transaction() as session:
        return MirrorStatus.model_validate(jobs.body(MirrorService(ctx, session,
                                                                   principal).get(uid)))
