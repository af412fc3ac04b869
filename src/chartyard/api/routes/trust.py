"""Trust: the tenant's trusted signing keys and its signature policy."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.concurrency import run_in_threadpool

from chartyard.api.deps import Ctx, CurrentUser, RequireRole
from chartyard.auth.roles import Principal, Role
from chartyard.trust import service
from chartyard.wire.trust import (
    TrustedKeyCreate,
    TrustedKeyCreated,
    TrustedKeyItem,
    TrustedKeys,
    TrustPolicyBody,
)

router = APIRouter(prefix="/v1/trust", tags=["trust"])
Admin = Annotated[Principal, Depends(RequireRole(Role.TENANT_ADMIN, "changing trust settings"))]


@router.get("/keys", response_model=TrustedKeys, response_model_by_alias=True)
def list_keys(ctx: Ctx, principal: CurrentUser) -> TrustedKeys:
    """List the public keys this tenant trusts to sign charts."""
    rows = service.list_keys(ctx, principal)
    return TrustedKeys(items=[TrustedKeyItem(uid=r.uid, name=r.name, fingerprint=r.fingerprint,
                                             user_ids=[str(u) for u in r.user_ids])
                              for r in rows])


@router.post("/keys", status_code=201, response_model=TrustedKeyCreated,
             response_model_by_alias=True)
async def add_key(body: TrustedKeyCreate, ctx: Ctx, principal: Admin) -> TrustedKeyCreated:
    """Trust an ASCII-armored OpenPGP public key; stored verdicts are re-checked."""
    row = await run_in_threadpool(service.add_key, ctx, principal, body.name, body.public_key)
    return TrustedKeyCreated(uid=row.uid, fingerprint=row.fingerprint)


@router.delete("/keys/{uid}", status_code=204)
async def delete_key(uid: str, ctx: Ctx, principal: Admin) -> Response:
    """Stop trusting a key; stored verdicts are re-checked."""
    await run_in_threadpool(service.delete_key, ctx, principal, uid)
    return Response(status_code=204)


@router.get("/policy", response_model=TrustPolicyBody, response_model_by_alias=True)
def get_policy(ctx: Ctx, principal: CurrentUser) -> TrustPolicyBody:
    """Return whether profile layers must be verified."""
    return TrustPolicyBody(require_verified=service.requires_verified(ctx, principal.tenant_uid))


@router.put("/policy", response_model=TrustPolicyBody, response_model_by_alias=True)
def put_policy(body: TrustPolicyBody, ctx: Ctx, principal: Admin) -> TrustPolicyBody:
    """Set whether profile layers must be verified (refused with 422 otherwise)."""
    return TrustPolicyBody(require_verified=service.set_policy(ctx, principal,
                                                               body.require_verified))
