"""Tenant Settings > Users (tenant admins) and My API Keys (everyone)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from chartyard import audit
from chartyard.api.deps import SessionDep
from chartyard.api.services import Services
from chartyard.auth import service as auth
from chartyard.auth.roles import Principal, Role
from chartyard.errors import ServiceError
from chartyard.users import user_body
from chartyard.web.render import UiRoute, render
from chartyard.web.services import UiLater, UiUsers
from chartyard.web.session import CSRF, UiUser
from chartyard.wire.common import rfc3339

router = APIRouter(route_class=UiRoute, include_in_schema=False)

ROLES = [r.value for r in Role]


def _users_page(request: Request, principal: Principal, users: list[dict[str, Any]], *,
                status: int = 200, notice: str | None = None, error: str | None = None,
                field: str | None = None, draft: dict[str, str] | None = None) -> Response:
    return render(request, "settings/users.html", principal, nav="users", users=users,
                  roles=ROLES, notice=notice, error=error, field=field, draft=draft or {},
                  status=status)


def _listed(s: Services) -> list[dict[str, Any]]:
    return [user_body(u) for u in s.users.list()]


@router.get("/settings/users")
def users_page(request: Request, svc: UiUsers, principal: UiUser) -> Response:
    """List the tenant's users with forms to add, change and disable them."""
    created = request.query_params.get("created", "")[:128]
    return _users_page(request, principal, [user_body(u) for u in svc.list()],
                       notice=f"User {created} added." if created else None)


async def _form(request: Request) -> dict[str, str]:
    raw = await request.form(max_fields=20)
    return {k: v[:1024] for k, v in raw.items() if isinstance(v, str)}


@router.post("/settings/users", dependencies=CSRF)
async def create_user(request: Request, later: UiLater, principal: UiUser) -> Response:
    """Add a user; errors are shown next to their field."""
    form = await _form(request)
    try:
        await later.run(lambda s: s.users.create(form.get("username", ""),
                                                 form.get("password", ""),
                                                 form.get("role", "viewer")))
    except ServiceError as exc:
        if exc.status == 403:
            raise
        return _users_page(request, principal, await later.run(_listed), status=exc.status,
                           error=exc.message, field=exc.details.get("field"),
                           draft={"username": form.get("username", ""),
                                  "role": form.get("role", "viewer")})
    return RedirectResponse("/settings/users?" + urlencode({"created": form["username"]}),
                            status_code=303)


def _change(s: Services, uid: str, action: str, form: dict[str, str]) -> str | None:
    """Apply one action to user ``uid``; return the notice, or None for an unknown action."""
    svc = s.users
    if action == "role":
        user = svc.set_role(uid, form.get("role", ""))
        return f"{user.username} is now {user.role}."
    if action in ("disable", "enable"):
        user = svc.set_disabled(uid, action == "disable")
        return (f"{user.username} disabled: their sessions and API keys were revoked."
                if user.disabled else f"{user.username} enabled.")
    if action == "password":
        user = svc.reset_password(uid, form.get("password", ""))
        return f"Password of {user.username} reset; their sessions ended."
    return None


@router.post("/settings/users/{uid}", dependencies=CSRF)
async def change_user(request: Request, later: UiLater, principal: UiUser, uid: str) -> Response:
    """Change a user's role, disable or enable them, or set a new password."""
    form = await _form(request)
    action = form.get("action", "")
    try:
        notice = await later.run(lambda s: _change(s, uid, action, form))
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        return _users_page(request, principal, await later.run(_listed), status=exc.status,
                           error=exc.message)
    if notice is None:
        return _users_page(request, principal, await later.run(_listed), status=422,
                           error=f"unknown action '{action}'")
    return _users_page(request, principal, await later.run(_listed), notice=notice)


def _keys(session: Session, principal: Principal) -> list[dict[str, Any]]:
    return [{"uid": r.uid, "name": r.name, "prefix": r.prefix,
             "createdAt": rfc3339(r.created_at), "revoked": r.revoked_at is not None}
            for r in auth.list_api_keys(session, principal)
            if r.user_uid == principal.user_uid]


@router.get("/settings/apikeys")
def keys_page(request: Request, session: SessionDep, principal: UiUser) -> Response:
    """List the caller's API keys."""
    return render(request, "settings/apikeys.html", principal, nav="apikeys",
                  keys=_keys(session, principal), new_key=None)


def _new_key(s: Services, name: str) -> str:
    """Create an API key of the caller, audited; return the key."""
    row, key = auth.create_api_key(s.session, s.principal, name)
    audit.record(s.session, s.principal, "apikey.create", "apikey", row.uid, row.name)
    return key


@router.post("/settings/apikeys", dependencies=CSRF)
async def create_key(request: Request, later: UiLater, principal: UiUser) -> Response:
    """Create an API key and show it this once, with a copy button."""
    form = await _form(request)
    name = form.get("name", "").strip()[:128] or "api-key"
    key = await later.run(lambda s: _new_key(s, name))
    keys = await later.run(lambda s: _keys(s.session, s.principal))
    return render(request, "settings/apikeys.html", principal, nav="apikeys",
                  keys=keys, new_key={"name": name, "key": key})


@router.post("/settings/apikeys/{uid}/revoke", dependencies=CSRF)
def revoke_key(session: SessionDep, principal: UiUser, uid: str) -> Response:
    """Revoke one of the caller's API keys."""
    row = auth.revoke_api_key(session, principal, uid)
    audit.record(session, principal, "apikey.revoke", "apikey", row.uid, row.name)
    return RedirectResponse("/settings/apikeys", status_code=303)
