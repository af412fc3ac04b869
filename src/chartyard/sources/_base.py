"""What a chart source is, and the connection settings it is built from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import httpx

from chartyard.aws import AssumedRoleCache, EcrAuth, EcrEndpoint, EcrTokenCache
from chartyard.oci import (
    BasicCredentials,
    ClientLimits,
    EgressPolicy,
    Endpoint,
    Manifest,
    RequestStats,
    TLSConfig,
)


@dataclass(frozen=True)
class EcrTarget:
    """The ECR half of a target: the parsed endpoint and how to authenticate."""

    endpoint: EcrEndpoint
    auth: EcrAuth


@dataclass(frozen=True)
class RegistryTarget:
    """Everything needed to connect to one registry, secrets included."""

    kind: str
    endpoint: Endpoint
    credentials: BasicCredentials | None = None
    tls: TLSConfig = field(default_factory=TLSConfig)
    base_paths: tuple[str, ...] = ()
    repositories: tuple[str, ...] = ()
    ecr: EcrTarget | None = None


@dataclass
class SourceOptions:
    """Process-owned settings and caches shared by the sources a process opens."""

    limits: ClientLimits = field(default_factory=ClientLimits)
    role_cache: AssumedRoleCache = field(default_factory=AssumedRoleCache)
    token_cache: EcrTokenCache = field(default_factory=EcrTokenCache)
    transport: httpx.AsyncBaseTransport | None = None
    egress: EgressPolicy = field(default_factory=EgressPolicy)


class ChartSource(Protocol):
    """List and read the repositories of one registry under its base paths."""

    endpoint: Endpoint

    @property
    def stats(self) -> RequestStats:
        """Return the counts of requests made so far."""
        ...

    async def ping(self) -> None:
        """Check that the registry answers and accepts the credentials."""

    async def list_repositories(self) -> list[str]:
        """Return the full repository names under the base paths and explicit repositories."""
        ...

    async def list_tags(self, repository: str) -> list[str]:
        """Return the tags of a repository."""
        ...

    async def get_manifest(self, repository: str, reference: str) -> Manifest:
        """Return a manifest."""
        ...

    async def head_manifest(self, repository: str, reference: str) -> str:
        """Return the digest a reference points to."""
        ...

    async def get_blob(self, repository: str, digest: str, *, max_bytes: int) -> bytes:
        """Return a blob, capped at `max_bytes`."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
