"""Hold one registry's AWS credentials and the boto3 clients built from them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from chartyard.oci import AuthenticationFailed

from ._auth import EcrAuth
from ._cache import AssumedRoleCache, AwsCredentials, RoleKey
from ._endpoint import EcrEndpoint
from ._errors import EcrError, translate_botocore_error, translate_client_error
from ._sts import assume_role, boto_config, principal_key

if TYPE_CHECKING:
    from mypy_boto3_ecr.client import ECRClient
    from mypy_boto3_ecr_public.client import ECRPublicClient


class AwsSession:
    """Build ECR clients for one registry, rebuilding them when assumed credentials rotate.

    ``secret`` auth signs with the static keys. ``sts`` auth signs with role
    credentials from the shared AssumedRoleCache, obtained by the session's
    own identity (the default boto3 credential chain).
    """

    def __init__(
        self,
        endpoint: EcrEndpoint,
        auth: EcrAuth,
        *,
        role_cache: AssumedRoleCache,
        clock: Callable[[], float],
        boto_session: boto3.session.Session,
    ) -> None:
        self.endpoint = endpoint
        self.auth = auth
        self.name = endpoint.host + (f"/{endpoint.alias}" if endpoint.alias else "")
        self._role_cache = role_cache
        self._clock = clock
        self._session = boto_session
        self._config = boto_config(fips=endpoint.fips)
        self._lock = threading.Lock()  # boto3 sessions are not thread-safe
        self._ecr: tuple[AwsCredentials, ECRClient] | None = None
        self._ecr_public: tuple[AwsCredentials, ECRPublicClient] | None = None

    def _signing(self, credentials: AwsCredentials) -> dict[str, Any]:
        """Return the region, config and keys every client of this registry is built with."""
        return {
            "region_name": self.endpoint.region,
            "config": self._config,
            "aws_access_key_id": credentials.access_key,
            "aws_secret_access_key": credentials.secret_key,
            "aws_session_token": credentials.session_token,
        }

    def ecr(self) -> ECRClient:
        """Return an ECR client signed with the current credentials."""
        credentials = self._credentials()
        with self._lock:
            if self._ecr is None or self._ecr[0] != credentials:
                client = self._session.client("ecr", **self._signing(credentials))
                self._ecr = (credentials, client)
            return self._ecr[1]

    def ecr_public(self) -> ECRPublicClient:
        """Return an ECR Public client signed with the current credentials."""
        credentials = self._credentials()
        with self._lock:
            if self._ecr_public is None or self._ecr_public[0] != credentials:
                client = self._session.client("ecr-public", **self._signing(credentials))
                self._ecr_public = (credentials, client)
            return self._ecr_public[1]

    @contextmanager
    def calling(self, action: str) -> Iterator[None]:
        """Translate botocore failures raised by ``action`` (e.g. ``ecr:ListImages``)."""
        try:
            yield
        except ClientError as exc:
            error = translate_client_error(exc, action=action, who=self._who(), registry=self.name)
            if isinstance(error, AuthenticationFailed) and self.auth.kind == "sts":
                # Temporary credentials may have been revoked: assume the role afresh next time.
                self._role_cache.invalidate(self._role_key())
            raise error from exc
        except BotoCoreError as exc:
            raise translate_botocore_error(exc, action=action, registry=self.name) from exc

    def _credentials(self) -> AwsCredentials:
        auth = self.auth
        if auth.kind == "secret":
            assert auth.access_key is not None and auth.secret_key is not None
            return AwsCredentials(auth.access_key, auth.secret_key)
        if auth.kind == "sts":
            return self._role_cache.get_or_fetch(self._role_key(), self._clock, self._assume)
        if auth.kind == "default":
            return self._own_credentials()
        raise EcrError(
            f"reading {self.name} through the ECR API needs AWS credentials: "
            "configure credentials, or list the chart repositories explicitly",
            {"registry": self.name},
        )

    def _own_credentials(self) -> AwsCredentials:
        try:
            own = self._session.get_credentials()
        except BotoCoreError as exc:
            raise translate_botocore_error(exc, action="ecr:GetAuthorizationToken",
                                           registry=self.name) from exc
        if own is None:
            raise AuthenticationFailed(
                f"{self.name} uses credentialType 'pod-identity', but the chartyard server has "
                "no AWS identity of its own (give it EKS Pod Identity, IRSA, an instance role "
                "or AWS_* environment variables)", {"field": "spec.credentials.credentialType"})
        frozen = own.get_frozen_credentials()
        return AwsCredentials(frozen.access_key or "", frozen.secret_key or "", frozen.token)

    def _role_key(self) -> RoleKey:
        assert self.auth.role_arn is not None
        principal = principal_key(self._session)
        return (principal, self.auth.role_arn, self.auth.external_id or "", self.endpoint.region)

    def _assume(self) -> tuple[AwsCredentials, float]:
        assert self.auth.role_arn is not None
        with self._lock:
            sts = self._session.client("sts", region_name=self.endpoint.region, config=self._config)
        return assume_role(
            sts,
            role_arn=self.auth.role_arn,
            external_id=self.auth.external_id,
            session_name=f"chartyard-{int(self._clock())}",
        )

    def _who(self) -> str:
        if self.auth.kind == "secret":
            return f"the access key {self.auth.access_key}"
        if self.auth.kind == "sts":
            return f"the role {self.auth.role_arn}"
        if self.auth.kind == "default":
            return "the server's own AWS identity"
        return "anonymous access"
