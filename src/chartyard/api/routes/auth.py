"""Sessions, API keys and the audit log."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from chartyard import audit
from chartyard.api.deps import Ctx, CurrentUser, SessionDep, bearer_token
from chartyard.auth import apikeys
from chartyard.auth import service as auth
from chartyard.auth.roles import Role
from chartyard.errors import PermissionDenied
from chartyard.wire.auth import (
    ApiKey,
    ApiKeyActiveState,
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeys,
    Login,
    UserToken,
)
from chartyard.wire.common import rfc3339
from chartyard.wire.users import AuditEntry, AuditLog, Me

router = APIRouter(prefix="/v1", tags=["auth"])


class ApiKeyRequest(BaseModel):
    """A name for a new API key (chartyard's older body; kept for the OpenAPI history)."""

    name: str = Field(default="api-key", max_length=128)


@router.post("/auth/authenticate", response_model=UserToken)
def authenticate(body: Login, ctx: Ctx) -> UserToken:
    """Exchange Palette's `{emailId, password, org}` or `{username, password}` for a token."""
    s = ctx.settings
    token = auth.authenticate(
        ctx.sessions, body.login, body.password,
        ttl=timedelta(seconds=s.session_ttl_seconds), max_failures=s.login_max_failures,
        lockout=timedelta(seconds=s.login_lockout_seconds), org=body.org or None,
    )
    return UserToken(authorization=token)


@router.post("/auth/logout", status_code=204)
def logout(request: Request, session: SessionDep, _: CurrentUser) -> Response:
    """Invalidate the current session token."""
    token = bearer_token(request)
    if token:
        auth.logout(session, token)
    return Response(status_code=204)


@router.get("/users/me", response_model=Me)
def me(principal: CurrentUser) -> Me:
    """Return the caller's identity and role."""
    return Me(uid=principal.user_uid, username=principal.username,
              tenant_uid=principal.tenant_uid, role=principal.role.value)


@router.post("/apiKeys", status_code=201, response_model=ApiKeyCreated)
@router.post("/apikeys", status_code=201, response_model=ApiKeyCreated, include_in_schema=False)
def create_api_key(body: ApiKeyIn, principal: CurrentUser,
                   session: SessionDep) -> ApiKeyCreated:
    """Create an API key; the key is shown only in this response (`apiKey` and `key`)."""
    expiry = body.spec.expiry if body.spec else None
    apikeys.parse_expiry(expiry)  # a bad expiry is refused before a key is made
    row, key = auth.create_api_key(session, principal, body.key_name)
    apikeys.set_expiry(row, expiry)
    audit.record(session, principal, "apikey.create", "apikey", row.uid, row.name)
    return ApiKeyCreated(uid=row.uid, api_key=key, key=key)


@router.get("/apiKeys", response_model=ApiKeys)
@router.get("/apikeys", response_model=ApiKeys, include_in_schema=False)
def list_api_keys(principal: CurrentUser, session: SessionDep) -> ApiKeys:
    """List API keys without their secrets; revoked keys show `revoked: true`."""
    return ApiKeys(items=[apikeys.present(r) for r in auth.list_api_keys(session, principal)])


@router.get("/apiKeys/{uid}", response_model=ApiKey)
@router.get("/apikeys/{uid}", response_model=ApiKey, include_in_schema=False)
def get_api_key(uid: str, principal: CurrentUser, session: SessionDep) -> ApiKey:
    """Return one API key without its secret."""
    return apikeys.present(apikeys.owned(session, principal, uid))


@router.put("/apiKeys/{uid}", status_code=204, response_class=Response)
@router.put("/apikeys/{uid}", status_code=204, response_class=Response, include_in_schema=False)
def update_api_key(uid: str, body: ApiKeyIn, principal: CurrentUser,
                   session: SessionDep) -> Response:
    """Rename an API key (`metadata.name`) and set its expiry (`spec.expiry`)."""
    row = apikeys.update(session, principal, uid,
                         body.metadata.name if body.metadata else body.name,
                         body.spec.expiry if body.spec else None)
    audit.record(session, principal, "apikey.update", "apikey", row.uid, row.name)
    return Response(status_code=204)


@router.patch("/apiKeys/{uid}", status_code=204, response_class=Response)
@router.patch("/apikeys/{uid}", status_code=204, response_class=Response,
              include_in_schema=False)
def set_api_key_active(uid: str, body: ApiKeyActiveState, principal: CurrentUser,
                       session: SessionDep) -> Response:
    """Activate or deactivate an API key (`{"isActive": bool}`; omitted means false)."""
    row = apikeys.set_active(session, principal, uid, body.is_active)
    audit.record(session, principal, "apikey.activate" if body.is_active
                 else "apikey.deactivate", "apikey", row.uid, row.name)
    return Response(status_code=204)


@router.delete("/apiKeys/{uid}", status_code=204, response_class=Response)
@router.delete("/apikeys/{uid}", status_code=204, response_class=Response,
               include_in_schema=False)
def revoke_api_key(uid: str, principal: CurrentUser, session: SessionDep) -> Response:
    """Delete (revoke) an API key; it stays listed as revoked for the audit trail."""
    row = auth.revoke_api_key(session, principal, uid)
    audit.record(session, principal, "apikey.revoke", "apikey", row.uid, row.name)
    return Response(status_code=204)


@router.get("/audit", response_model=AuditLog)
def audit_log(principal: CurrentUser, session: SessionDep, limit: int = 100,
              before: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
              ) -> AuditLog:
    """Return the tenant's audit log, newest first; tenant admins only."""
    if not principal.has(Role.TENANT_ADMIN):
        raise PermissionDenied("the audit log is readable by tenant admins only")
    rows = audit.recent(session, principal.tenant_uid, max(1, min(limit, 500)), before)
    return AuditLog(items=[AuditEntry(id=r.id, actor=r.actor, action=r.action,
                                      target_kind=r.target_kind, target_uid=r.target_uid,
                                      target_name=r.target_name, details=r.details,
                                      at=rfc3339(r.at) or "") for r in rows])
