"""Build the IAM documents and hostnames the UI shows for ECR registries."""

from __future__ import annotations

import re
from typing import Any

from ._endpoint import partition_for_region

# Read-only actions chartyard may use. Each is listed under the services
# that define it (ECR, ECR Public, or both).
ECR_ACTIONS = (
    "DescribeImageReplicationStatus",
    "ListTagsForResource",
    "ListImages",
    "DescribeRepositories",
    "BatchCheckLayerAvailability",
    "GetLifecyclePolicy",
    "DescribeImages",
    "GetRegistryPolicy",
    "GetAuthorizationToken",
    "DescribeImageScanFindings",
    "GetLifecyclePolicyPreview",
    "GetDownloadUrlForLayer",
    "DescribeRegistry",
    "GetRepositoryPolicy",
    "BatchGetImage",
)
ECR_PUBLIC_ACTIONS = (
    "DescribeRegistries",
    "ListTagsForResource",
    "DescribeRepositories",
    "BatchCheckLayerAvailability",
    "DescribeImageTags",
    "DescribeImages",
    "GetAuthorizationToken",
    "GetRepositoryCatalogData",
    "GetRepositoryPolicy",
    "GetRegistryCatalogData",
)

# What a mirror's target registry needs on top: create the repository, push layers and
# the manifest. Granted separately, and only to the role of a registry chartyard pushes to.
ECR_PUSH_ACTIONS = (
    "CreateRepository",
    "BatchCheckLayerAvailability",
    "InitiateLayerUpload",
    "UploadLayerPart",
    "CompleteLayerUpload",
    "PutImage",
)

_PARTITIONS = {"aws": "amazonaws.com", "aws-cn": "amazonaws.com.cn", "aws-us-gov": "amazonaws.com"}
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]+")


def iam_permission_policy() -> dict[str, Any]:
    """Return the IAM policy granting the read-only ECR access chartyard needs."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ChartyardReadEcr",
                "Effect": "Allow",
                "Action": [f"ecr:{action}" for action in ECR_ACTIONS],
                "Resource": "*",
            },
            {
                "Sid": "ChartyardReadEcrPublic",
                "Effect": "Allow",
                "Action": [f"ecr-public:{action}" for action in ECR_PUBLIC_ACTIONS],
                "Resource": "*",
            },
            {
                "Sid": "ChartyardEcrPublicToken",
                "Effect": "Allow",
                "Action": ["sts:GetServiceBearerToken"],
                "Resource": "*",
            },
        ],
    }


def iam_push_policy() -> dict[str, Any]:
    """Return the IAM policy a mirror's target ECR registry needs beside the read policy."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ChartyardMirrorIntoEcr",
                "Effect": "Allow",
                "Action": [f"ecr:{action}" for action in ECR_PUSH_ACTIONS],
                "Resource": "*",
            },
        ],
    }


def trust_policy(
    principal_account: str, external_id: str, partition: str = "aws"
) -> dict[str, Any]:
    """Return the trust policy letting ``principal_account`` assume a role with ``external_id``."""
    if not _ACCOUNT_ID.fullmatch(principal_account):
        raise ValueError(f"{principal_account!r} is not a 12-digit AWS account ID")
    if not external_id:
        raise ValueError("an external ID is required in the trust policy")
    _check_partition(partition)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{principal_account}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
            }
        ],
    }


def s3_layer_endpoint(region: str, partition: str = "aws") -> str:
    """Return the S3 host ECR serves image layers from in ``region`` (for firewall rules)."""
    if not _REGION.fullmatch(region):
        raise ValueError(f"{region!r} is not an AWS region name")
    _check_partition(partition)
    if partition_for_region(region) != partition:
        raise ValueError(f"region {region} is not in partition {partition}")
    return f"prod-{region}-starport-layer-bucket.s3.{region}.{_PARTITIONS[partition]}"


def _check_partition(partition: str) -> None:
    if partition not in _PARTITIONS:
        raise ValueError(
            f"unknown AWS partition {partition!r} (expected one of {sorted(_PARTITIONS)})"
        )
