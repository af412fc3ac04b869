"""IAM documents, the S3 layer host, external IDs and EcrAuth validation."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore
import botocore.client
import botocore.session
import pytest

import chartyard.aws
from chartyard.aws import (
    EcrAuth,
    EcrClient,
    generate_external_id,
    iam_permission_policy,
    iam_push_policy,
    s3_layer_endpoint,
    trust_policy,
)
from tests.aws.conftest import digest_of, put_chart

AWS_PACKAGE = Path(chartyard.aws.__file__).parent
REQUIRED_ACTIONS = {
    "DescribeRegistries",
    "DescribeImageReplicationStatus",
    "ListTagsForResource",
    "ListImages",
    "DescribeRepositories",
    "BatchCheckLayerAvailability",
    "GetLifecyclePolicy",
    "DescribeImageTags",
    "DescribeImages",
    "GetRegistryPolicy",
    "GetAuthorizationToken",
    "DescribeImageScanFindings",
    "GetLifecyclePolicyPreview",
    "GetDownloadUrlForLayer",
    "GetRepositoryCatalogData",
    "DescribeRegistry",
    "GetRepositoryPolicy",
    "BatchGetImage",
    "GetRegistryCatalogData",
}


def _actions(policy: dict[str, Any] | None = None) -> list[str]:
    policy = policy or iam_permission_policy()
    assert policy["Version"] == "2012-10-17"
    actions: list[str] = []
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        assert statement["Resource"] == "*"
        actions.extend(statement["Action"])
    return actions


def test_permission_policy_covers_every_required_action() -> None:
    actions = _actions()
    assert len(actions) == len(set(actions))
    assert {action.split(":", 1)[1] for action in actions} >= REQUIRED_ACTIONS
    assert "sts:GetServiceBearerToken" in actions
    assert "ecr:ListImages" in actions  # listing tags needs it


def test_permission_policy_names_only_real_operations() -> None:
    """Each ecr:/ecr-public: action is a read-only operation of its service.

    The policy is a reviewed document: upstream *adding* an operation to a service never
    changes it. Only an operation that vanished from the locked botocore's model fails
    here, and the message says which botocore moved.
    """
    loader = botocore.session.get_session()
    operations = {
        service: set(loader.get_service_model(service).operation_names)
        for service in ("ecr", "ecr-public")
    }
    for action in _actions():
        service, name = action.split(":", 1)
        if service == "sts":
            continue
        assert name in operations[service], (
            f"{action}: botocore {botocore.__version__}'s {service} model no longer defines "
            f"{name}; read the AWS changelog, then rename or drop it in chartyard.aws._policy"
        )
        assert name.startswith(("Describe", "List", "Get", "Batch")), action
        assert name not in {"BatchDeleteImage"}, action


def test_permission_policy_grants_every_operation_chartyard_calls(
    ecr_admin: Any, make_client: Callable[..., EcrClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every AWS operation the ECR client really sends (to moto) is granted for its service."""
    called: set[str] = set()
    real_call = botocore.client.BaseClient._make_api_call

    def record(self: Any, operation: str, params: Any) -> Any:
        called.add(f"{self.meta.service_model.service_name}:{operation}")
        return real_call(self, operation, params)

    ecr_admin.create_repository(repositoryName="team-a/nginx")
    put_chart(ecr_admin, "team-a/nginx", "1.0.0", digest_of(1))
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    client = make_client()
    client.list_repositories(["team-a"])
    client.list_tags("team-a/nginx")
    client.describe_tag_digests("team-a/nginx", ["1.0.0"])
    client.registry_credentials()
    assert {"ecr:DescribeRepositories", "ecr:ListImages", "ecr:DescribeImages"} <= called
    granted = set(_actions())
    assert called - {"sts:AssumeRole", "sts:GetCallerIdentity"} <= granted, called - granted


def test_permission_policy_grants_every_operation_the_code_names() -> None:
    """Each ``calling("service:Operation")`` in chartyard.aws (ECR Public too) is granted."""
    source = "".join(path.read_text() for path in AWS_PACKAGE.glob("*.py"))
    named = set(re.findall(r'calling\(\s*"((?:ecr|ecr-public):[A-Za-z]+)"', source))
    assert "ecr-public:DescribeRepositories" in named  # the scan itself works
    granted = set(_actions()) | set(_actions(iam_push_policy()))
    assert named <= granted, named - granted


def test_push_policy_grants_only_what_a_mirror_target_needs() -> None:
    """Writes live in their own policy, for the registries chartyard pushes to."""
    pushes = _actions(iam_push_policy())
    assert "ecr:CreateRepository" in pushes and "ecr:PutImage" in pushes
    assert not set(pushes) & {"ecr:BatchDeleteImage", "ecr:DeleteRepository"}
    loader = botocore.session.get_session()
    operations = set(loader.get_service_model("ecr").operation_names)
    assert {a.split(":", 1)[1] for a in pushes} <= operations


def test_trust_policy_shape() -> None:
    assert trust_policy("123456789012", "ext-1") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "ext-1"}},
            }
        ],
    }
    china = trust_policy("123456789012", "ext-1", partition="aws-cn")
    assert china["Statement"][0]["Principal"] == {"AWS": "arn:aws-cn:iam::123456789012:root"}


@pytest.mark.parametrize(
    ("account", "external_id", "partition"),
    [("12345", "x", "aws"), ("123456789012", "", "aws"), ("123456789012", "x", "azure")],
)
def test_trust_policy_rejects_bad_input(account: str, external_id: str, partition: str) -> None:
    with pytest.raises(ValueError):
        trust_policy(account, external_id, partition=partition)


def test_s3_layer_endpoint() -> None:
    assert (
        s3_layer_endpoint("us-east-1")
        == "prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com"
    )
    assert (
        s3_layer_endpoint("cn-north-1", partition="aws-cn")
        == "prod-cn-north-1-starport-layer-bucket.s3.cn-north-1.amazonaws.com.cn"
    )
    with pytest.raises(ValueError):
        s3_layer_endpoint("cn-north-1")  # region and partition disagree
    with pytest.raises(ValueError):
        s3_layer_endpoint("not a region")


def test_generate_external_id_is_random_and_valid() -> None:
    ids = {generate_external_id() for _ in range(50)}
    assert len(ids) == 50
    for external_id in ids:
        assert len(external_id) >= 32
        EcrAuth("sts", role_arn="arn:aws:iam::123456789012:role/r", external_id=external_id)


def test_auth_repr_hides_secret() -> None:
    auth = EcrAuth("secret", access_key="AKIAEXAMPLE000000001", secret_key="very-secret-value")
    assert "very-secret-value" not in repr(auth)
    assert "very-secret-value" not in auth.identity
    assert "AKIAEXAMPLE000000001" in repr(auth)
    assert "secret_key='***'" in repr(auth)


def test_auth_identity_distinguishes_secrets() -> None:
    """Two tenants with one access key ID but different secrets never share a cache entry."""
    one = EcrAuth("secret", access_key="AKIAEXAMPLE000000001", secret_key="a")
    two = EcrAuth("secret", access_key="AKIAEXAMPLE000000001", secret_key="b")
    assert one.identity != two.identity


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "secret", "access_key": "AKIA"},
        {"kind": "secret", "secret_key": "s"},
        {"kind": "sts"},
        {"kind": "sts", "role_arn": "arn:aws:iam::123:role/r"},
        {"kind": "sts", "role_arn": "arn:aws:iam::123456789012:user/u"},
        {"kind": "sts", "role_arn": "arn:aws:iam::123456789012:role/r", "external_id": "x"},
        {"kind": "sts", "role_arn": "arn:aws:iam::123456789012:role/r", "access_key": "AKIA"},
        {"kind": "anonymous", "access_key": "AKIA"},
        {"kind": "basic"},
    ],
)
def test_auth_rejects_incomplete_credentials(kwargs: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        EcrAuth(**kwargs)  # type: ignore[arg-type]
