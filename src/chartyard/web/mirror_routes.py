"""The profile page's Mirror action: queue a mirror from the browser (CSRF-checked)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from chartyard.errors import ServiceError
from chartyard.web.render import UiRoute
from chartyard.web.services import UiLater
from chartyard.web.session import CSRF
from chartyard.wire.mirrors import MirrorRequest

router = APIRouter(route_class=UiRoute, include_in_schema=False)
MAX_BODY = 4096


@router.post("/ui/profiles/{uid}/mirror", dependencies=CSRF)
async def start_mirror(uid: str, request: Request, later: UiLater) -> JSONResponse:
    """Queue a mirror of the profile; answer `{uid}` or `{code, message, field}`."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        return JSONResponse({"code": "ValidationError", "message": "the request is too large"},
                            status_code=422)
    try:
        body = MirrorRequest.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        return JSONResponse({"code": "ValidationError", "field": field,
                             "message": f"{field}: {first['msg']}"}, status_code=422)

    try:
        started = await later.run(lambda s: s.mirrors.start(uid, body).uid)
        return JSONResponse({"uid": started}, status_code=202)
    except ServiceError as exc:
        return JSONResponse({"code": exc.code, "message": exc.message,
                             "field": (exc.details or {}).get("field")},
                            status_code=exc.status)
