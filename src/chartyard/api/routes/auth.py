"""Sessions, API keys and the audit log."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from chartyard import audit
from chartyard.api.deps import Ctx, CurrentUser, bearer_token
from chartyard.auth import service as auth
from chartyard.auth.roles import Role
from chartyard.errors import PermissionDenied
from chartyard.registries.present import rfc3339

router = APIRouter(prefix="/v1", tags=["auth"])


class Credentials(BaseModel):
    """Username and password."""

    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=1024)


class ApiKeyRequest(BaseModel):
    """A name for a new API key."""

    name: str = Field(default="api-key", max_length=128)


@router.post("/auth/authenticate")
def authenticate(body: Credentials, ctx: Ctx) -> dict[str, str]:
    """Exchange a username and password for a session token."""
    s = ctx.settings
    token = auth.authenticate(
        ctx.sessions, body.username, body.password,
        ttl=timedelta(seconds=s.session_ttl_seconds), max_failures=s.login_max_failures,
        lockout=timedelta(seconds=s.login_lockout_seconds),
    )
    return {"Authorization": token}


@router.post("/auth/logout", status_code=204)
def logout(request: Request, ctx: Ctx, _: CurrentUser) -> Response:
    """Invalidate the current session token."""
    token = bearer_token(request)
    if token:
        with ctx.transaction() as session:
            auth.logout(session, token)
    return Response(status_code=204)


@router.get("/users/me")
def me(principal: CurrentUser) -> dict[str, str]:
    """Return the caller's identity and role."""
    return {"uid": principal.user_uid, "username": principal.username,
            "tenantUid": principal.tenant_uid, "role": principal.role.value}


@router.post("/apikeys", status_code=201)
def create_api_key(body: ApiKeyRequest, ctx: Ctx, principal: CurrentUser) -> dict[str, str]:
    """Create an API key; the key is shown only in this response."""
    with ctx.transaction() as session:
        row, key = auth.create_api_key(session, principal, body.name)
        audit.record(session, principal, "apikey.create", "apikey", row.uid, row.name)
    return {"uid": row.uid, "key": key}


@router.get("/apikeys")
def list_api_keys(ctx: Ctx, principal: CurrentUser) -> dict[str, Any]:
    """List API keys without their secrets."""
    with ctx.transaction() as session:
        rows = auth.list_api_keys(session, principal)
        items = [{"uid": r.uid, "name": r.name, "prefix": r.prefix,
                  "createdAt": rfc3339(r.created_at), "revoked": r.revoked_at is not None}
                 for r in rows]
    return {"items": items}


@router.delete("/apikeys/{uid}", status_code=204)
def revoke_api_key(uid: str, ctx: Ctx, principal: CurrentUser) -> Response:
    """Revoke an API key."""
    with ctx.transaction() as session:
        row = auth.revoke_api_key(session, principal, uid)
        audit.record(session, principal, "apikey.revoke", "apikey", row.uid, row.name)
    return Response(status_code=204)


@router.get("/audit")
def audit_log(ctx: Ctx, principal: CurrentUser, limit: int = 100,
              before: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
              ) -> dict[str, Any]:
    """Return the tenant's audit log, newest first; tenant admins only."""
    if not principal.has(Role.TENANT_ADMIN):
        raise PermissionDenied("the audit log is readable by tenant admins only")
    with ctx.transaction() as session:
        rows = audit.recent(session, principal.tenant_uid, max(1, min(limit, 500)), before)
        items = [{"id": r.id, "actor": r.actor, "action": r.action, "targetKind": r.target_kind,
                  "targetUid": r.target_uid, "targetName": r.target_name,
                  "details": r.details, "at": rfc3339(r.at)} for r in rows]
    return {"items": items}
