"""What an AWS admin must configure for chartyard to read an ECR registry."""

from __future__ import annotations

from chartyard.auth.roles import Principal
from chartyard.aws import (
    InvalidEcrEndpoint,
    caller_account,
    iam_permission_policy,
    parse_ecr_endpoint,
    s3_layer_endpoint,
    trust_policy,
)
from chartyard.context import AppContext
from chartyard.errors import InvalidInput, ServiceError
from chartyard.oci import OCIError
from chartyard.store.models import Tenant
from chartyard.wire.clouds import EcrRequirements, StsAccount


class AwsIdentityUnavailable(ServiceError):
    """chartyard's own AWS identity cannot be determined."""

    status = 422
    code = "AwsIdentityUnavailable"


def _external_id(ctx: AppContext, principal: Principal) -> str:
    with ctx.transaction() as session:
        tenant = session.get(Tenant, principal.tenant_uid)
        assert tenant is not None
        return tenant.aws_external_id


def _account() -> str:
    try:
        return caller_account()
    except OCIError as exc:
        raise AwsIdentityUnavailable(
            f"chartyard's AWS identity could not be read ({exc.message}); give the server AWS "
            "credentials through the standard AWS environment variables, profile or "
            "instance role",
        ) from exc


def sts_account(ctx: AppContext, principal: Principal) -> StsAccount:
    """Return the account ID, external ID and partition for the trust relationship."""
    return StsAccount(account_id=_account(), external_id=_external_id(ctx, principal),
                      partition="aws")


def requirements(ctx: AppContext, principal: Principal, endpoint: str) -> EcrRequirements:
    """Return the policies and S3 endpoint to configure for an ECR endpoint."""
    try:
        ecr = parse_ecr_endpoint(endpoint)
    except InvalidEcrEndpoint as exc:
        raise InvalidInput("endpoint", f"endpoint: {exc}") from exc
    external_id = _external_id(ctx, principal)
    try:
        account: str | None = caller_account()
    except OCIError:  # the policy is still useful without the account
        account = None
    return EcrRequirements(
        endpoint=ecr.host + (f"/{ecr.registry_path}" if ecr.registry_path else ""),
        notice=ecr.notice,
        region=ecr.region,
        partition=ecr.partition,
        iam_policy=iam_permission_policy(),
        # Without chartyard's own account the principal is unknown: say so, don't guess.
        trust_policy=trust_policy(account, external_id, ecr.partition) if account else None,
        external_id=external_id,
        principal_account_id=account,
        s3_layer_endpoint=s3_layer_endpoint(ecr.region, ecr.partition),
    )
