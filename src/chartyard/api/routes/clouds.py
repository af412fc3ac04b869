"""AWS guidance: the principal and external ID to trust, and ECR requirements."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from chartyard.api.deps import Ctx, CurrentUser
from chartyard.registries import aws_guidance
from chartyard.wire.clouds import EcrRequirements, StsAccount

router = APIRouter(prefix="/v1", tags=["aws"])


@router.get("/clouds/aws/account/sts", response_model=StsAccount)
async def sts_account(ctx: Ctx, principal: CurrentUser) -> StsAccount:
    """Return the account ID and this tenant's external ID for an IAM trust policy."""
    return await asyncio.to_thread(aws_guidance.sts_account, ctx, principal)


@router.get("/registries/oci/ecr/requirements", response_model=EcrRequirements)
async def ecr_requirements(ctx: Ctx, principal: CurrentUser, endpoint: str) -> EcrRequirements:
    """Return the IAM policy, trust policy and S3 layer endpoint for an ECR endpoint."""
    return await asyncio.to_thread(aws_guidance.requirements, ctx, principal, endpoint)
