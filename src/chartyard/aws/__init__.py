"""Amazon ECR and STS for chartyard: endpoints, credentials, tokens, listings, IAM documents.

Everything here is synchronous boto3; async callers use ``asyncio.to_thread``.
Caches are objects the caller owns; nothing is kept in module globals.
"""

from ._auth import EcrAuth, generate_external_id
from ._cache import AssumedRoleCache, EcrTokenCache
from ._client import EcrClient
from ._endpoint import EcrEndpoint, InvalidEcrEndpoint, parse_ecr_endpoint, partition_for_region
from ._errors import AssumeRoleFailed, EcrError, MissingPermission, RepositoryNotFound
from ._policy import iam_permission_policy, iam_push_policy, s3_layer_endpoint, trust_policy
from ._sts import caller_account

__all__ = [
    "AssumeRoleFailed",
    "AssumedRoleCache",
    "EcrAuth",
    "EcrClient",
    "EcrEndpoint",
    "EcrError",
    "EcrTokenCache",
    "InvalidEcrEndpoint",
    "MissingPermission",
    "RepositoryNotFound",
    "caller_account",
    "generate_external_id",
    "iam_permission_policy",
    "iam_push_policy",
    "parse_ecr_endpoint",
    "partition_for_region",
    "s3_layer_endpoint",
    "trust_policy",
]
