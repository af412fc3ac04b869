"""Tenant Settings > Users (tenant admins) and My API Keys (everyone)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from chartyard import audit
from chartyard.api.deps import Ctx
from chartyard.auth import service as auth
from chartyard.auth.roles import Principal, Role
from chartyard.context import AppContext
from chartyard.errors import ServiceError
from chartyard.registries.present import rfc3339
from chartyard.users import UserService, user_body
from chartyard.web.render import UiRoute, render
from chartyard.web.session import CSRF, UiUser

router = APIRouter(route_class=UiRoute, include_in_schema=False)

ROLES = [r.value for r in Role]


def _users_page(request: Request, ctx: AppContext, principal: Principal, *,
                status: int = 200, notice: str | None = None, error: str | None = None,
                field: str | None = None, draft: dict[str, str] | None = None) -> Response:
    with ctx.transaction() as session:
        users = [user_body(u) for u in UserService(session, principal).list()]
    return render(request, "settings/users.html", principal, nav="users", users=users,
                  roles=ROLES, notice=notice, error=error, field=field, draft=draft or {},
                  status=status)


@router.get("/settings/users")
def users_page(request: Request, ctx: Ctx, principal: UiUser) -> Response:
    """List the tenant's users with forms to add, change and disable them."""
    created = request.query_params.get("created", "")[:128]
    return _users_page(request, ctx, principal,
                       notice=f"User {created} added." if created else None)


async def _form(request: Request) -> dict[str, str]:
    raw = await request.form(max_fields=20)
    return {k: v[:1024] for k, v in raw.items() if isinstance(v, str)}


@router.post("/settings/users", dependencies=CSRF)
async def create_user(request: Request, ctx: Ctx, principal: UiUser) -> Response:
    """Add a user; errors are shown next to their field."""
    form = await _form(request)
    try:
        with ctx.transaction() as session:
            UserService(session, principal).create(form.get("username", ""),
                                                   form.get("password", ""),
                                                   form.get("role", "viewer"))
    except ServiceError as exc:
        if exc.status == 403:
            raise
        return _users_page(request, ctx, principal, status=exc.status, error=exc.message,
                           field=exc.details.get("field"),
                           draft={"username": form.get("username", ""),
                                  "role": form.get("role", "viewer")})
    return RedirectResponse("/settings/users?" + urlencode({"created": form["username"]}),
                            status_code=303)


@router.post("/settings/users/{uid}", dependencies=CSRF)
async def change_user(request: Request, ctx: Ctx, principal: UiUser, uid: str) -> Response:
    """Change a user's role, disable or enable them, or set a new password."""
    form = await _form(request)
    action = form.get("action", "")
    try:
        with ctx.transaction() as session:
            svc = UserService(session, principal)
            if action == "role":
                user = svc.set_role(uid, form.get("role", ""))
                notice = f"{user.username} is now {user.role}."
            elif action in ("disable", "enable"):
                user = svc.set_disabled(uid, action == "disable")
                notice = (f"{user.username} disabled: their sessions and API keys were revoked."
                          if user.disabled else f"{user.username} enabled.")
            elif action == "password":
                user = svc.reset_password(uid, form.get("password", ""))
                notice = f"Password of {user.username} reset; their sessions ended."
            else:
                return _users_page(request, ctx, principal, status=422,
                                   error=f"unknown action '{action}'")
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        return _users_page(request, ctx, principal, status=exc.status, error=exc.message)
    return _users_page(request, ctx, principal, notice=notice)


def _keys(ctx: AppContext, principal: Principal) -> list[dict[str, Any]]:
    with ctx.transaction() as session:
        return [{"uid": r.uid, "name": r.name, "prefix": r.prefix,
                 "createdAt": rfc3339(r.created_at), "revoked": r.revoked_at is not None}
                for r in auth.list_api_keys(session, principal)
                if r.user_uid == principal.user_uid]


@router.get("/settings/apikeys")
def keys_page(request: Request, ctx: Ctx, principal: UiUser) -> Response:
    """List the caller's API keys."""
    return render(request, "settings/apikeys.html", principal, nav="apikeys",
                  keys=_keys(ctx, principal), new_key=None)


@router.post("/settings/apikeys", dependencies=CSRF)
async def create_key(request: Request, ctx: Ctx, principal: UiUser) -> Response:
    """Create an API key and show it this once, with a copy button."""
    form = await _form(request)
    name = form.get("name", "").strip()[:128] or "api-key"
    with ctx.transaction() as session:
        row, key = auth.create_api_key(session, principal, name)
        audit.record(session, principal, "apikey.create", "apikey", row.uid, row.name)
    return render(request, "settings/apikeys.html", principal, nav="apikeys",
                  keys=_keys(ctx, principal), new_key={"name": name, "key": key})


@router.post("/settings/apikeys/{uid}/revoke", dependencies=CSRF)
def revoke_key(ctx: Ctx, principal: UiUser, uid: str) -> Response:
    """Revoke one of the caller's API keys."""
    with ctx.transaction() as session:
        row = auth.revoke_api_key(session, principal, uid)
        audit.record(session, principal, "apikey.revoke", "apikey", row.uid, row.name)
    return RedirectResponse("/settings/apikeys", status_code=303)
