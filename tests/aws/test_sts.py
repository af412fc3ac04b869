"""STS AssumeRole with an external ID against a real moto server."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from chartyard.aws import (
    AssumedRoleCache,
    AssumeRoleFailed,
    EcrAuth,
    EcrClient,
    EcrTokenCache,
    caller_account,
)
from chartyard.oci import AuthenticationFailed
from tests.aws.conftest import ACCOUNT, EXTERNAL_ID, ROLE_ARN, AwsEnv, CallCounter, FakeClock

HookedSession = Callable[..., tuple[Any, CallCounter]]
STS_AUTH = EcrAuth("sts", role_arn=ROLE_ARN, external_id=EXTERNAL_ID)
ROLE_ACCOUNT = ROLE_ARN.split(":")[4]


def test_assume_role_sends_external_id_and_uses_role_credentials(
    make_client: Callable[..., EcrClient], hooked_session: HookedSession
) -> None:
    session, calls = hooked_session("sts.AssumeRole")
    credentials = make_client(STS_AUTH, boto_session=session).registry_credentials()
    assert len(calls) == 1
    sent = calls.calls[0]
    assert sent["RoleArn"] == ROLE_ARN
    assert sent["ExternalId"] == EXTERNAL_ID
    assert sent["DurationSeconds"] == 3600
    assert sent["RoleSessionName"].startswith("chartyard-")
    # moto issues the token in the account of the credentials used: the role's.
    assert credentials is not None
    assert credentials.password == f"{ROLE_ACCOUNT}-auth-token"


def test_assumed_credentials_reused_across_calls(
    make_client: Callable[..., EcrClient], hooked_session: HookedSession
) -> None:
    """One AssumeRole serves 20 token fetches (STS throttles per-reconcile callers)."""
    session, calls = hooked_session("sts.AssumeRole", "ecr.GetAuthorizationToken")
    client = make_client(STS_AUTH, boto_session=session)
    for _ in range(20):
        client.invalidate_token()  # force a GetAuthorizationToken every time
        assert client.registry_credentials() is not None
    assume = [call for call in calls.calls if "RoleArn" in call]
    assert len(assume) == 1
    assert len(calls) == 21


def test_role_cache_shared_between_clients(
    make_client: Callable[..., EcrClient], hooked_session: HookedSession
) -> None:
    session, calls = hooked_session("sts.AssumeRole")
    roles = AssumedRoleCache()
    for _ in range(5):
        make_client(STS_AUTH, boto_session=session, role_cache=roles).list_repositories([])
    assert len(calls) == 1
    other = EcrAuth("sts", role_arn=ROLE_ARN, external_id="another-tenant")
    make_client(other, boto_session=session, role_cache=roles).list_repositories([])
    assert len(calls) == 2


def test_assumed_credentials_refreshed_before_expiry(
    make_client: Callable[..., EcrClient], hooked_session: HookedSession
) -> None:
    session, calls = hooked_session("sts.AssumeRole")
    clock = FakeClock(time.time())
    client = make_client(STS_AUTH, boto_session=session, clock=clock)
    client.list_repositories([])
    clock.advance(3600 - 300 - 30)
    client.list_repositories([])
    assert len(calls) == 1
    clock.advance(60)  # now within 5 minutes of moto's one-hour expiry
    client.list_repositories([])
    assert len(calls) == 2


def _server_identity_without_assume_role(aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the server's own identity a moto IAM user allowed nothing but ECR reads."""
    iam = aws_env.session().client("iam")
    iam.create_user(UserName="chartyard-server")
    iam.put_user_policy(
        UserName="chartyard-server",
        PolicyName="ecr-only",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}],
            }
        ),
    )
    key = iam.create_access_key(UserName="chartyard-server")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])


def test_assume_role_denied_names_role_account_and_external_id(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, make_client: Callable[..., EcrClient]
) -> None:
    """moto enforcing IAM really denies sts:AssumeRole to a principal without it."""
    _server_identity_without_assume_role(aws_env, monkeypatch)
    client = make_client(STS_AUTH, boto_session=boto3.session.Session())
    with aws_env.server.iam_enforced(), pytest.raises(AssumeRoleFailed) as excinfo:
        client.registry_credentials()
    error = excinfo.value
    assert error.code == "AssumeRoleFailed"
    message = str(error)
    assert ROLE_ARN in message
    assert ACCOUNT in message  # the principal account to trust
    assert f"arn:aws:iam::{ACCOUNT}:root" in message
    assert EXTERNAL_ID in message
    assert error.details["roleArn"] == ROLE_ARN
    assert error.details["principalAccount"] == ACCOUNT
    assert error.details["externalId"] == EXTERNAL_ID
    assert error.details["awsCode"] == "AccessDenied"


def test_denied_assume_role_is_not_cached(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, make_client: Callable[..., EcrClient]
) -> None:
    _server_identity_without_assume_role(aws_env, monkeypatch)
    roles, tokens = AssumedRoleCache(), EcrTokenCache()
    client = make_client(STS_AUTH, role_cache=roles, token_cache=tokens)
    with aws_env.server.iam_enforced(), pytest.raises(AssumeRoleFailed):
        client.registry_credentials()
    # Once the trust relationship is fixed (here: IAM enforcement off), it works at once.
    assert client.registry_credentials() is not None


def test_unknown_server_key_is_authentication_failure(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, make_client: Callable[..., EcrClient]
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIANOTKNOWNTOMOTO01")
    client = make_client(STS_AUTH)
    with aws_env.server.iam_enforced(), pytest.raises(AuthenticationFailed) as excinfo:
        client.registry_credentials()
    assert "chartyard server's own credentials" in str(excinfo.value)
    assert excinfo.value.details["awsCode"] == "InvalidClientTokenId"


def test_server_without_credentials_is_authentication_failure(
    aws_env: AwsEnv, monkeypatch: pytest.MonkeyPatch, make_client: Callable[..., EcrClient]
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(AuthenticationFailed) as excinfo:
        make_client(STS_AUTH).registry_credentials()
    assert "no AWS credentials of its own" in str(excinfo.value)


def test_caller_account(aws_env: AwsEnv) -> None:
    assert caller_account() == ACCOUNT
    assert caller_account(aws_env.session, region="eu-central-1") == ACCOUNT
