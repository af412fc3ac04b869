"""Talk to one Amazon ECR (or ECR Public) registry through boto3.

The methods are synchronous; async callers wrap them in ``asyncio.to_thread``.
Endpoints come from botocore's normal resolution, so ``AWS_ENDPOINT_URL``
and ``AWS_ENDPOINT_URL_<SERVICE>`` redirect them (tests use moto this way).
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import ClientError

from chartyard.oci import BasicCredentials, is_under

from ._auth import EcrAuth
from ._cache import AssumedRoleCache, EcrTokenCache, TokenKey
from ._endpoint import EcrEndpoint
from ._errors import EcrError, aws_error_code
from ._session import AwsSession

if TYPE_CHECKING:
    from mypy_boto3_ecr.type_defs import PaginatorConfigTypeDef

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 1000
DESCRIBE_BATCH = 100  # DescribeImages accepts at most 100 imageIds


class EcrClient:
    """List repositories, tags and digests of one ECR registry and issue its registry tokens.

    The caches are shared objects the caller owns (typically one of each per
    process); everything else is per instance. By default each client has its
    own boto3 session; a ``boto_session`` passed in must not be shared with
    other threads, as boto3 sessions are not thread-safe.
    """

    def __init__(
        self,
        endpoint: EcrEndpoint,
        auth: EcrAuth,
        *,
        role_cache: AssumedRoleCache,
        token_cache: EcrTokenCache,
        clock: Callable[[], float] = time.time,
        boto_session: boto3.session.Session | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> None:
        if auth.kind == "anonymous" and not endpoint.public:
            raise ValueError("a private ECR registry needs credentials (secret or sts)")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        self.endpoint = endpoint
        self.auth = auth
        self._token_cache = token_cache
        self._clock = clock
        self._page_size = page_size
        self._public_registry_id: str | None = None
        self._aws = AwsSession(
            endpoint,
            auth,
            role_cache=role_cache,
            clock=clock,
            boto_session=boto_session or boto3.session.Session(region_name=endpoint.region),
        )

    def __repr__(self) -> str:
        """Show the registry and the credential identity, never secrets."""
        return f"EcrClient({self._aws.name!r}, {self.auth!r})"

    # Registry tokens

    def registry_credentials(self) -> BasicCredentials | None:
        """Return Basic credentials for the registry's OCI API; None for anonymous access."""
        if self.auth.kind == "anonymous":
            return None
        return self._token_cache.get_or_fetch(self._token_key(), self._clock, self._fetch_token)

    def invalidate_token(self) -> None:
        """Forget the cached registry token (after the registry rejected it)."""
        self._token_cache.invalidate(self._token_key())

    def _token_key(self) -> TokenKey:
        registry = self.endpoint.account_id or "public"
        return (registry, self.endpoint.region, self.auth.identity)

    def _fetch_token(self) -> tuple[BasicCredentials, float]:
        expires: datetime | None
        if self.endpoint.public:
            with self._aws.calling("ecr-public:GetAuthorizationToken"):
                data = self._aws.ecr_public().get_authorization_token()["authorizationData"]
            token, expires = data.get("authorizationToken"), data.get("expiresAt")
        else:
            with self._aws.calling("ecr:GetAuthorizationToken"):
                items = self._aws.ecr().get_authorization_token()["authorizationData"]
            if not items:
                raise EcrError(f"ECR returned no authorization token for {self._aws.name}")
            token, expires = items[0].get("authorizationToken"), items[0].get("expiresAt")
        credentials = _decode_token(token or "", self._aws.name)
        # No expiry counts as already expired: refresh_time() grants a grace period.
        expires_at = expires.timestamp() if expires else self._clock()
        log.debug("fetched an ECR token for %s, expiring at %s", self._aws.name, expires)
        return credentials, expires_at

    # Listing

    def list_repositories(self, base_paths: Sequence[str]) -> list[str]:
        """Return the repositories equal to or under any base path (all if none), sorted.

        Names are relative to the endpoint: for ECR Public they exclude the alias.
        """
        bases = _normalise_bases(base_paths)
        names: list[str] = []
        paging: PaginatorConfigTypeDef = {"PageSize": self._page_size}
        if self.endpoint.public:
            client = self._aws.ecr_public()
            registry_id = self._public_registry()
            with self._aws.calling("ecr-public:DescribeRepositories"):
                pages = client.get_paginator("describe_repositories").paginate(
                    registryId=registry_id, PaginationConfig=paging
                )
                for page in pages:
                    names.extend(r["repositoryName"] for r in page.get("repositories", []))
        else:
            ecr = self._aws.ecr()
            with self._aws.calling("ecr:DescribeRepositories"):
                private_pages = ecr.get_paginator("describe_repositories").paginate(
                    registryId=self._account_id(), PaginationConfig=paging
                )
                for private_page in private_pages:
                    names.extend(r["repositoryName"] for r in private_page.get("repositories", []))
        return sorted({name for name in names if _covered(name, bases)})

    def ensure_repository(self, name: str) -> bool:
        """Create private repository ``name`` unless it exists; return whether it was created.

        Needs ``ecr:CreateRepository`` (a mirror target). ECR Public is not supported.
        """
        if self.endpoint.public:
            raise EcrError("chartyard does not push to ECR Public; use a private registry")
        ecr = self._aws.ecr()
        with self._aws.calling("ecr:CreateRepository"):
            try:
                ecr.create_repository(registryId=self._account_id(), repositoryName=name)
            except ClientError as exc:
                if aws_error_code(exc) == "RepositoryAlreadyExistsException":
                    return False
                raise
        return True

    def list_tags(self, repository: str) -> list[str]:
        """Return the tags of ``repository`` (untagged images excluded), deduplicated."""
        return list(self._tag_digests(repository).keys())

    def describe_tag_digests(self, repository: str, tags: Sequence[str]) -> dict[str, str]:
        """Return the manifest digest of each tag that still exists in ``repository``."""
        wanted = list(dict.fromkeys(tags))
        if not wanted:
            return {}
        if self.endpoint.public:
            found = self._tag_digests(repository)
            return {tag: found[tag] for tag in wanted if tag in found}
        digests: dict[str, str] = {}
        for start in range(0, len(wanted), DESCRIBE_BATCH):
            batch = wanted[start : start + DESCRIBE_BATCH]
            described = self._describe_tags(repository, batch)
            if described is None:  # a tag vanished since it was listed
                listed = self._describe_all_tagged(repository)
                digests.update({tag: listed[tag] for tag in batch if tag in listed})
            else:
                digests.update(described)
        return {tag: digests[tag] for tag in wanted if tag in digests}

    def _tag_digests(self, repository: str) -> dict[str, str]:
        """Return tag -> digest ("" when ListImages gives no digest) in listing order."""
        paging: PaginatorConfigTypeDef = {"PageSize": self._page_size}
        found: dict[str, str] = {}
        if self.endpoint.public:
            client = self._aws.ecr_public()
            registry_id = self._public_registry()
            with self._aws.calling("ecr-public:DescribeImageTags"):
                pages = client.get_paginator("describe_image_tags").paginate(
                    registryId=registry_id, repositoryName=repository, PaginationConfig=paging
                )
                for page in pages:
                    for detail in page.get("imageTagDetails", []):
                        tag = detail.get("imageTag")
                        if tag:
                            digest = detail.get("imageDetail", {}).get("imageDigest", "")
                            found.setdefault(tag, digest)
            return found
        ecr = self._aws.ecr()
        with self._aws.calling("ecr:ListImages"):
            image_pages = ecr.get_paginator("list_images").paginate(
                registryId=self._account_id(),
                repositoryName=repository,
                filter={"tagStatus": "TAGGED"},
                PaginationConfig=paging,
            )
            for image_page in image_pages:
                for image_id in image_page.get("imageIds", []):
                    tag = image_id.get("imageTag")
                    if tag:
                        found.setdefault(tag, image_id.get("imageDigest", ""))
        return found

    def _describe_tags(self, repository: str, tags: Sequence[str]) -> dict[str, str] | None:
        """Describe up to 100 tags; None if any of them no longer exists."""
        ecr = self._aws.ecr()
        wanted = set(tags)
        with self._aws.calling("ecr:DescribeImages"):
            try:
                response = ecr.describe_images(
                    registryId=self._account_id(),
                    repositoryName=repository,
                    imageIds=[{"imageTag": tag} for tag in tags],
                )
            except ClientError as exc:
                if aws_error_code(exc) == "ImageNotFoundException":
                    return None
                raise
        return {
            tag: detail["imageDigest"]
            for detail in response.get("imageDetails", [])
            if "imageDigest" in detail
            for tag in detail.get("imageTags", [])
            if tag in wanted
        }

    def _describe_all_tagged(self, repository: str) -> dict[str, str]:
        ecr = self._aws.ecr()
        found: dict[str, str] = {}
        with self._aws.calling("ecr:DescribeImages"):
            pages = ecr.get_paginator("describe_images").paginate(
                registryId=self._account_id(),
                repositoryName=repository,
                filter={"tagStatus": "TAGGED"},
                PaginationConfig={"PageSize": self._page_size},
            )
            for page in pages:
                for detail in page.get("imageDetails", []):
                    for tag in detail.get("imageTags", []):
                        found.setdefault(tag, detail.get("imageDigest", ""))
        return found

    def _public_registry(self) -> str:
        """Return the ECR Public registry ID that owns the endpoint's alias."""
        if self._public_registry_id is not None:
            return self._public_registry_id
        client = self._aws.ecr_public()
        with self._aws.calling("ecr-public:DescribeRegistries"):
            for page in client.get_paginator("describe_registries").paginate():
                for registry in page.get("registries", []):
                    aliases = {alias.get("name") for alias in registry.get("aliases", [])}
                    if self.endpoint.alias in aliases:
                        self._public_registry_id = registry["registryId"]
                        return registry["registryId"]
        raise EcrError(
            f"the alias {self.endpoint.alias!r} is not a registry of this AWS account: "
            "ECR Public lists only your own registries, so list the repositories explicitly",
            {"registry": self._aws.name, "alias": self.endpoint.alias},
        )

    def _account_id(self) -> str:
        assert self.endpoint.account_id is not None
        return self.endpoint.account_id


def _decode_token(token: str, registry: str) -> BasicCredentials:
    """Decode an ECR authorization token: base64 of ``AWS:<password>``."""
    try:
        decoded = base64.b64decode(token, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    username, sep, password = decoded.partition(":")
    if not sep or not username or not password:
        raise EcrError(f"ECR returned a malformed authorization token for {registry}")
    return BasicCredentials(username, password)


def _normalise_bases(base_paths: Sequence[str]) -> list[str]:
    """Strip slashes; an empty list, or an empty path, means the whole registry."""
    bases = [path.strip().strip("/") for path in base_paths]
    return [] if not bases or "" in bases else bases


def _covered(repository: str, bases: Sequence[str]) -> bool:
    """Tell whether ``repository`` equals or lies under one of ``bases`` (all if none)."""
    if not bases:
        return True
    return any(is_under(repository, base) for base in bases)
