"""ECR Public, and which AWS API endpoints each kind of registry is served from.

moto has no ECR Public, and real AWS is out of reach, so these answer the API
calls locally with a ``before-call`` hook: botocore still validates and
serialises each request and resolves its endpoint as it would against AWS.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from chartyard.aws import EcrAuth, EcrClient, EcrError
from tests.aws.conftest import EXTERNAL_ID, ROLE_ARN, AwsEnv, answer

PUBLIC = "public.ecr.aws/my-alias"
REGISTRY_ID = "999999999999"


def _token(password: str, expires: float) -> dict[str, Any]:
    encoded = base64.b64encode(f"AWS:{password}".encode()).decode()
    return {"authorizationToken": encoded, "expiresAt": datetime.fromtimestamp(expires, UTC)}


def test_anonymous_public_needs_no_aws_call(
    aws_env: AwsEnv, make_client: Callable[..., EcrClient]
) -> None:
    session = aws_env.session()
    calls: list[str] = []
    session.events.register("before-call", lambda event_name, **_: calls.append(event_name))
    client = make_client(EcrAuth("anonymous"), endpoint=PUBLIC, boto_session=session)
    assert client.registry_credentials() is None
    with pytest.raises(EcrError, match="needs AWS credentials"):
        client.list_repositories([])
    assert calls == []


def test_anonymous_private_is_rejected(make_client: Callable[..., EcrClient]) -> None:
    with pytest.raises(ValueError, match="needs credentials"):
        make_client(EcrAuth("anonymous"))


def test_public_token_comes_from_ecr_public_in_us_east_1(
    aws_env: AwsEnv, make_client: Callable[..., EcrClient]
) -> None:
    session = aws_env.session()
    seen: list[dict[str, Any]] = []
    reply = {"authorizationData": _token("public-token", time.time() + 12 * 3600)}
    answer(session, "ecr-public.GetAuthorizationToken", reply, seen=seen)
    client = make_client(endpoint=PUBLIC, boto_session=session)
    for _ in range(5):
        credentials = client.registry_credentials()
        assert credentials is not None
        assert (credentials.username, credentials.password) == ("AWS", "public-token")
    assert len(seen) == 1
    assert seen[0]["context"]["client_region"] == "us-east-1"


def _public_registry(params: dict[str, Any]) -> dict[str, Any]:
    alias = {"status": "ACTIVE", "primaryRegistryAlias": True, "defaultRegistryAlias": True}
    return {
        "registries": [
            {
                "registryId": "888888888888",
                "registryArn": "arn:aws:ecr-public::888888888888:registry/888888888888",
                "registryUri": "public.ecr.aws/someone-else",
                "verified": False,
                "aliases": [{"name": "someone-else", **alias}],
            },
            {
                "registryId": REGISTRY_ID,
                "registryArn": f"arn:aws:ecr-public::{REGISTRY_ID}:registry/{REGISTRY_ID}",
                "registryUri": PUBLIC,
                "verified": False,
                "aliases": [{"name": "my-alias", **alias}],
            },
        ]
    }


def test_public_listing(aws_env: AwsEnv, make_client: Callable[..., EcrClient]) -> None:
    session = aws_env.session()
    seen: list[dict[str, Any]] = []
    answer(session, "ecr-public.DescribeRegistries", _public_registry, seen=seen)
    repositories = {
        "repositories": [
            {"repositoryName": name, "registryId": REGISTRY_ID}
            for name in ["charts/nginx", "charts/redis", "images/app"]
        ]
    }
    answer(session, "ecr-public.DescribeRepositories", repositories, seen=seen)
    tags = {
        "imageTagDetails": [
            {"imageTag": "1.0.0", "imageDetail": {"imageDigest": "sha256:" + "1" * 64}},
            {"imageTag": "1.1.0", "imageDetail": {"imageDigest": "sha256:" + "2" * 64}},
            {"imageTag": "1.0.0", "imageDetail": {"imageDigest": "sha256:" + "1" * 64}},
        ]
    }
    answer(session, "ecr-public.DescribeImageTags", tags, seen=seen)
    client = make_client(endpoint=PUBLIC, boto_session=session)

    assert client.list_repositories(["charts"]) == ["charts/nginx", "charts/redis"]
    assert client.list_tags("charts/nginx") == ["1.0.0", "1.1.0"]
    assert client.describe_tag_digests("charts/nginx", ["1.1.0", "9.9.9"]) == {
        "1.1.0": "sha256:" + "2" * 64
    }
    bodies = [call["params"]["body"] for call in seen]
    assert all(REGISTRY_ID.encode() in body for body in bodies[1:])
    assert (
        sum("DescribeRegistries" in call["params"]["headers"]["X-Amz-Target"] for call in seen) == 1
    )


def test_public_alias_of_another_account(
    aws_env: AwsEnv, make_client: Callable[..., EcrClient]
) -> None:
    session = aws_env.session()
    answer(session, "ecr-public.DescribeRegistries", {"registries": []})
    client = make_client(endpoint=PUBLIC, boto_session=session)
    with pytest.raises(EcrError, match="not a registry of this AWS account"):
        client.list_repositories([])


@pytest.mark.parametrize(
    ("endpoint", "api_host", "sts_host"),
    [
        (
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
            "api.ecr.eu-west-1.amazonaws.com",
            "sts.eu-west-1.amazonaws.com",
        ),
        (
            "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com",
            "api.ecr-fips.us-east-1.amazonaws.com",
            "sts-fips.us-east-1.amazonaws.com",
        ),
        (
            "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
            "api.ecr.cn-north-1.amazonaws.com.cn",
            "sts.cn-north-1.amazonaws.com.cn",
        ),
    ],
)
def test_api_endpoints_follow_the_registry(
    aws_env: AwsEnv,
    monkeypatch: pytest.MonkeyPatch,
    make_client: Callable[..., EcrClient],
    endpoint: str,
    api_host: str,
    sts_host: str,
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL")  # resolve as against AWS; the hook answers
    session = aws_env.session()
    seen: list[dict[str, Any]] = []
    expiry = datetime.fromtimestamp(time.time() + 3600, UTC)
    role_credentials = {
        "Credentials": {
            "AccessKeyId": "ASIAROLE",
            "SecretAccessKey": "role-secret",
            "SessionToken": "role-session",
            "Expiration": expiry,
        }
    }
    answer(session, "sts.AssumeRole", role_credentials, seen=seen)
    token = {"authorizationData": [_token("t", time.time() + 3600)]}
    answer(session, "ecr.GetAuthorizationToken", token, seen=seen)
    auth = EcrAuth("sts", role_arn=ROLE_ARN, external_id=EXTERNAL_ID)
    assert make_client(auth, endpoint=endpoint, boto_session=session).registry_credentials()
    assert [call["params"]["url"] for call in seen] == [
        f"https://{sts_host}/",
        f"https://{api_host}/",
    ]
