"""IAM documents, the S3 layer host, external IDs and EcrAuth validation."""

from __future__ import annotations

import botocore.session
import pytest

from chartyard.aws import (
    EcrAuth,
    generate_external_id,
    iam_permission_policy,
    s3_layer_endpoint,
    trust_policy,
)

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


def _actions() -> list[str]:
    policy = iam_permission_policy()
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
    """Each ecr:/ecr-public: action is an operation of that service, and all are read-only."""
    loader = botocore.session.get_session()
    operations = {
        "ecr": set(loader.get_service_model("ecr").operation_names),
        "ecr-public": set(loader.get_service_model("ecr-public").operation_names),
    }
    for action in _actions():
        service, name = action.split(":", 1)
        if service == "sts":
            continue
        assert name in operations[service], action
        assert name.startswith(("Describe", "List", "Get", "Batch")), action
        assert name not in {"BatchDeleteImage"}, action
    # Nothing required is left out of a service that defines it.
    for service, names in operations.items():
        for name in REQUIRED_ACTIONS & names:
            assert f"{service}:{name}" in _actions()


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
