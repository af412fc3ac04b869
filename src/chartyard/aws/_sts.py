"""Call AWS STS: assume a tenant's role with its external ID, or name our own account."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chartyard.oci import AuthenticationFailed, OCIError

from ._cache import AwsCredentials
from ._errors import (
    ACCESS_DENIED_CODES,
    AUTH_REJECTED_CODES,
    AssumeRoleFailed,
    aws_error_code,
    aws_error_message,
    translate_botocore_error,
    translate_client_error,
)

if TYPE_CHECKING:
    from mypy_boto3_sts.client import STSClient

log = logging.getLogger(__name__)

ASSUME_ROLE_SECONDS = 3600
DEFAULT_STS_REGION = "us-east-1"
_ARN_ACCOUNT = re.compile(r"arn:aws[a-z-]*:(?:iam|sts)::([0-9]{12}):")
_ASSUME_ROLE_REFUSALS = frozenset(
    {
        "RegionDisabledException",
        "ValidationError",
        "MalformedPolicyDocument",
        "PackedPolicyTooLarge",
    }
)

BOTO_CONFIG = Config(
    retries={"mode": "adaptive", "max_attempts": 5},
    connect_timeout=5,
    read_timeout=30,
    user_agent_extra="chartyard",
)


def boto_config(*, fips: bool) -> Config:
    """Return the botocore client configuration, using FIPS endpoints if asked."""
    return BOTO_CONFIG.merge(Config(use_fips_endpoint=True)) if fips else BOTO_CONFIG


def principal_key(session: boto3.session.Session) -> str:
    """Return the access key ID of the session's own credentials (the AssumeRole principal)."""
    try:
        credentials = session.get_credentials()
    except BotoCoreError as exc:
        raise translate_botocore_error(exc, action="sts:AssumeRole", registry="STS") from exc
    if credentials is None:
        raise AuthenticationFailed(
            "the chartyard server has no AWS credentials of its own to call sts:AssumeRole "
            "(give it an instance role, IRSA, or AWS_* environment variables)",
            {"action": "sts:AssumeRole"},
        )
    access_key: str = credentials.get_frozen_credentials().access_key or ""
    return access_key


def assume_role(
    sts: STSClient, *, role_arn: str, external_id: str | None, session_name: str
) -> tuple[AwsCredentials, float]:
    """Assume ``role_arn`` for one hour; return the credentials and their expiry timestamp."""
    try:
        if external_id:
            response = sts.assume_role(
                RoleArn=role_arn,
                RoleSessionName=session_name,
                ExternalId=external_id,
                DurationSeconds=ASSUME_ROLE_SECONDS,
            )
        else:
            response = sts.assume_role(
                RoleArn=role_arn,
                RoleSessionName=session_name,
                DurationSeconds=ASSUME_ROLE_SECONDS,
            )
    except ClientError as exc:
        raise _assume_role_error(exc, sts, role_arn, external_id) from exc
    except BotoCoreError as exc:
        raise translate_botocore_error(exc, action="sts:AssumeRole", registry=role_arn) from exc
    issued = response["Credentials"]
    expires_at = issued["Expiration"].timestamp()
    log.info("assumed role %s (session %s)", role_arn, session_name)
    credentials = AwsCredentials(
        access_key=issued["AccessKeyId"],
        secret_key=issued["SecretAccessKey"],
        session_token=issued["SessionToken"],
        expires_at=expires_at,
    )
    return credentials, expires_at


def _assume_role_error(
    exc: ClientError, sts: STSClient, role_arn: str, external_id: str | None
) -> OCIError:
    code, message = aws_error_code(exc), aws_error_message(exc)
    if code in AUTH_REJECTED_CODES:
        return AuthenticationFailed(
            f"AWS rejected the chartyard server's own credentials when calling "
            f"sts:AssumeRole ({code}): {message}",
            {"action": "sts:AssumeRole", "roleArn": role_arn, "awsCode": code},
        )
    if code not in ACCESS_DENIED_CODES and code not in _ASSUME_ROLE_REFUSALS:
        return translate_client_error(
            exc, action="sts:AssumeRole", who="the chartyard server", registry=role_arn
        )
    account = _principal_account(message, sts)
    partition = role_arn.split(":", 2)[1]
    principal = f"arn:{partition}:iam::{account}:root" if account else "the chartyard account"
    condition = (
        f"the condition sts:ExternalId = {external_id!r}"
        if external_id
        else "no external ID condition (none is configured)"
    )
    return AssumeRoleFailed(
        f"AWS refused sts:AssumeRole on {role_arn} ({code}: {message}). The role's trust "
        f"relationship must allow the principal {principal} (chartyard's account "
        f"{account or 'unknown'}) to call sts:AssumeRole with {condition}.",
        {
            "roleArn": role_arn,
            "principalAccount": account,
            "externalId": external_id,
            "awsCode": code,
            "awsMessage": message,
        },
    )


def _principal_account(message: str, sts: STSClient) -> str | None:
    match = _ARN_ACCOUNT.search(message)
    if match:
        return match.group(1)
    try:
        return sts.get_caller_identity()["Account"]
    except (ClientError, BotoCoreError):
        return None


def caller_account(
    session_factory: Callable[[], boto3.session.Session] = boto3.session.Session,
    *,
    region: str | None = None,
) -> str:
    """Return the AWS account ID of the server's own identity (sts:GetCallerIdentity).

    STS is called in ``region``, else the session's region, else us-east-1;
    pass a ``cn-*`` region for a server in the China partition.
    """
    session = session_factory()
    region_name = region or session.region_name or DEFAULT_STS_REGION
    try:
        sts = session.client("sts", region_name=region_name, config=BOTO_CONFIG)
        return sts.get_caller_identity()["Account"]
    except ClientError as exc:
        raise translate_client_error(
            exc, action="sts:GetCallerIdentity", who="the chartyard server", registry="STS"
        ) from exc
    except BotoCoreError as exc:
        raise translate_botocore_error(exc, action="sts:GetCallerIdentity", registry="STS") from exc
