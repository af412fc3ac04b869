"""Mapping AWS failures to typed errors.

moto answers ECR (a JSON-protocol service) with malformed XML error bodies
when it enforces IAM, so ECR error codes are produced locally with a
``before-call`` hook; everything else runs against the real moto server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import (
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
)

from chartyard.aws import EcrAuth, EcrClient, EcrError, MissingPermission
from chartyard.aws._errors import translate_botocore_error
from chartyard.oci import (
    AuthenticationFailed,
    Forbidden,
    OCIError,
    RateLimited,
    RegistryUnreachable,
)
from tests.aws.conftest import (
    EXTERNAL_ID,
    ROLE_ARN,
    TENANT_KEYS,
    AwsEnv,
    CallCounter,
    answer,
    aws_error,
)

HookedSession = Callable[..., tuple[Any, CallCounter]]
DENIED = (
    "User: arn:aws:iam::123456789012:user/reader is not authorized to perform: "
    "ecr:ListImages on resource: arn:aws:ecr:eu-west-1:123456789012:repository/team-a/nginx"
)


def test_access_denied_names_the_missing_permission(
    aws_env: AwsEnv, make_client: Callable[..., EcrClient]
) -> None:
    session = aws_env.session()
    answer(session, "ecr.ListImages", aws_error("AccessDeniedException", DENIED), status=400)
    with pytest.raises(MissingPermission) as excinfo:
        make_client(boto_session=session).list_tags("team-a/nginx")
    error = excinfo.value
    assert error.code == "MissingPermission"
    assert isinstance(error, Forbidden)
    assert isinstance(error, EcrError)
    assert "ecr:ListImages" in str(error)
    assert error.details["action"] == "ecr:ListImages"
    assert error.details["awsCode"] == "AccessDeniedException"


def test_rejected_access_key_is_authentication_failure(
    aws_env: AwsEnv, make_client: Callable[..., EcrClient]
) -> None:
    session = aws_env.session()
    answer(
        session,
        "ecr.GetAuthorizationToken",
        aws_error("UnrecognizedClientException", "The security token included is invalid."),
        status=400,
    )
    with pytest.raises(AuthenticationFailed) as excinfo:
        make_client(boto_session=session).registry_credentials()
    message = str(excinfo.value)
    assert "AWS rejected the access key AKIATENANTKEY0000001" in message
    assert TENANT_KEYS.secret_key is not None
    assert TENANT_KEYS.secret_key not in message
    assert TENANT_KEYS.secret_key not in repr(excinfo.value.details)


@pytest.mark.parametrize("code", ["InvalidSignatureException", "InvalidClientTokenId"])
def test_other_signature_errors_are_authentication_failures(
    aws_env: AwsEnv, make_client: Callable[..., EcrClient], code: str
) -> None:
    session = aws_env.session()
    answer(session, "ecr.DescribeRepositories", aws_error(code, "bad"), status=400)
    with pytest.raises(AuthenticationFailed):
        make_client(boto_session=session).list_repositories([])


def test_rejected_role_credentials_are_assumed_afresh(
    aws_env: AwsEnv, make_client: Callable[..., EcrClient], hooked_session: HookedSession
) -> None:
    """Temporary credentials ECR rejects are dropped from the role cache."""
    session, assumed = hooked_session("sts.AssumeRole")
    expired = aws_error("ExpiredTokenException", "The security token included is expired")
    answer(session, "ecr.ListImages", expired, status=400)
    sts_auth = EcrAuth("sts", role_arn=ROLE_ARN, external_id=EXTERNAL_ID)
    client = make_client(sts_auth, boto_session=session)
    with pytest.raises(AuthenticationFailed) as excinfo:
        client.list_tags("team-a/nginx")
    assert ROLE_ARN in str(excinfo.value)
    client.list_repositories([])  # answered by moto, with freshly assumed credentials
    assert len(assumed) == 2


def test_throttling_after_retries_is_rate_limited(
    aws_env: AwsEnv, make_client: Callable[..., EcrClient]
) -> None:
    session = aws_env.session()
    answer(
        session, "ecr.DescribeImages", aws_error("ThrottlingException", "Rate exceeded"), status=400
    )
    with pytest.raises(RateLimited):
        make_client(boto_session=session).describe_tag_digests("team-a/nginx", ["1.0.0"])


def test_unknown_error_keeps_aws_code(
    aws_env: AwsEnv, make_client: Callable[..., EcrClient]
) -> None:
    session = aws_env.session()
    answer(session, "ecr.ListImages", aws_error("KmsException", "key disabled"), status=400)
    with pytest.raises(EcrError) as excinfo:
        make_client(boto_session=session).list_tags("team-a/nginx")
    assert excinfo.value.code == "EcrError"
    assert "KmsException" in str(excinfo.value)


def test_botocore_errors_are_typed() -> None:
    missing = translate_botocore_error(NoCredentialsError(), action="sts:AssumeRole", registry="r")
    assert isinstance(missing, AuthenticationFailed)
    down = translate_botocore_error(
        EndpointConnectionError(endpoint_url="https://api.ecr.eu-west-1.amazonaws.com"),
        action="ecr:ListImages",
        registry="r",
    )
    assert isinstance(down, RegistryUnreachable)
    assert down.details["reason"] == "connect"
    slow = translate_botocore_error(
        ConnectTimeoutError(endpoint_url="https://api.ecr.eu-west-1.amazonaws.com"),
        action="ecr:ListImages",
        registry="r",
    )
    assert isinstance(slow, RegistryUnreachable)
    assert slow.details["reason"] == "timeout"


def test_every_error_is_an_oci_error() -> None:
    for error_type in (EcrError, MissingPermission):
        assert issubclass(error_type, OCIError)
