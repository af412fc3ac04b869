"""Registry events: the notification endpoint, its secret, and what it received."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from chartyard.api.deps import Ctx, CurrentUser, SessionDep
from chartyard.api.services import Registries
from chartyard.context import AppContext
from chartyard.events import service
from chartyard.events.runtime import EventRefresher, TokenBuckets
from chartyard.wire.events import EventHook, EventsAccepted, EventSecret

router = APIRouter(prefix="/v1/registries", tags=["registry events"])


class EventRuntime:
    """The process's event rate limits and refresher, kept on ``app.state``."""

    def __init__(self, ctx: AppContext) -> None:
        s = ctx.settings
        self.buckets = TokenBuckets(s.events_rate_per_second, s.events_burst)
        self.refresher = EventRefresher(ctx)


def runtime(request: Request, ctx: AppContext) -> EventRuntime:
    """Return the process's event runtime, made on first use."""
    found = getattr(request.app.state, "events", None)
    if not isinstance(found, EventRuntime):
        found = EventRuntime(ctx)
        request.app.state.events = found
    return found


async def _body(request: Request, cap: int) -> bytes:
    declared = request.headers.get("content-length", "")
    too_large = service.EventBodyTooLarge(
        f"the event body is over the {cap}-byte limit; send fewer events per request "
        "(CHARTYARD_EVENTS_MAX_BODY_BYTES raises the limit)", {"limit": cap})
    if declared.isdigit() and int(declared) > cap:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/{uid}/events", status_code=202, response_model=EventsAccepted)
async def receive(uid: str, request: Request, ctx: Ctx) -> EventsAccepted:
    """Take a registry's push/delete notification and refresh the named repositories."""
    rt = runtime(request, ctx)
    wait = rt.buckets.take(uid)
    if wait is not None:
        raise service.EventsRateLimited(
            "too many event requests for this registry; retry later",
            {"retryAfter": max(1, round(wait + 0.5))})
    cap = ctx.settings.events_max_body_bytes
    body = await _body(request, cap)
    authorization = request.headers.get("authorization")
    accepted = await ctx.run_transaction(
        lambda session: service.receive(session, uid, authorization, body, cap))
    rt.refresher.submit(uid, accepted.refresh)
    return accepted.answer()


@router.post("/{uid}/events/secret", response_model=EventSecret)
def rotate_secret(uid: str, request: Request, svc: Registries, session: SessionDep,
                  principal: CurrentUser, response: Response) -> EventSecret:
    """Create or rotate the registry's event secret; it is returned this once."""
    reg = svc.get(uid)
    secret = service.rotate_secret(session, principal, reg)
    info = service.hook_info(session, reg, str(request.base_url))
    response.headers["Cache-Control"] = "no-store"
    return EventSecret(secret=secret, url=info["url"],
                       header=f"Authorization: Bearer {secret}")


@router.get("/{uid}/events", response_model=EventHook)
def hook(uid: str, request: Request, svc: Registries, session: SessionDep) -> dict[str, Any]:
    """Return the URL to configure in the registry and the last event received."""
    return service.hook_info(session, svc.get(uid), str(request.base_url))
