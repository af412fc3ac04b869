"""Tenant Settings > Registries > Events: the URL to configure, the secret, the last event."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from chartyard.api.deps import SessionDep
from chartyard.auth.roles import Role
from chartyard.errors import PermissionDenied
from chartyard.events import service
from chartyard.web.render import UiRoute, render
from chartyard.web.services import UiRegistries
from chartyard.web.session import CSRF, UiUser

router = APIRouter(route_class=UiRoute, include_in_schema=False)


@router.get("/settings/registries/{uid}/events")
def events_page(request: Request, svc: UiRegistries, session: SessionDep, principal: UiUser,
                uid: str) -> Response:
    """Show the registry's event URL, whether a secret is set and the last event received."""
    reg = svc.get(uid)
    info = service.hook_info(session, reg, str(request.base_url))
    return render(request, "registries/events.html", principal, uid=uid, name=reg.name,
                  info=info, secret=None, nav="registries")


@router.post("/settings/registries/{uid}/events/secret", dependencies=CSRF)
def rotate_secret(request: Request, svc: UiRegistries, session: SessionDep, principal: UiUser,
                  uid: str) -> Response:
    """Create or rotate the secret and show it this once."""
    if not principal.has(Role.TENANT_ADMIN):
        raise PermissionDenied("setting a registry's event secret needs the tenant-admin role")
    reg = svc.get(uid)
    secret = service.rotate_secret(session, principal, reg)
    info = service.hook_info(session, reg, str(request.base_url))
    response = render(request, "registries/events.html", principal, uid=uid, name=reg.name,
                      info=info, secret=secret, nav="registries")
    response.headers["Cache-Control"] = "no-store"
    return response
