"""A chart source for Amazon ECR: AWS APIs list, the registry's `/v2/` API reads."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from chartyard.aws import EcrClient
from chartyard.oci import AuthenticationFailed, Endpoint, Manifest, RegistryClient, RequestStats

T = TypeVar("T")


class EcrSource:
    """List through DescribeRepositories and ListImages; read with the ECR token."""

    def __init__(self, ecr: EcrClient, endpoint: Endpoint, base_paths: tuple[str, ...],
                 repositories: tuple[str, ...],
                 make_client: Callable[[EcrClient], Awaitable[RegistryClient]]) -> None:
        self.endpoint = endpoint
        self._ecr = ecr
        self._bases = tuple(endpoint.repository(b) for b in base_paths)
        self._explicit = tuple(endpoint.repository(r) for r in repositories)
        self._make_client = make_client
        self._client: RegistryClient | None = None
        self._stats = RequestStats()

    @property
    def stats(self) -> RequestStats:
        """Return the registry client's request counts."""
        return self._client.stats if self._client else self._stats

    async def _registry(self) -> RegistryClient:
        if self._client is None:
            self._client = await self._make_client(self._ecr)
        return self._client

    async def _with_refresh(self, call: Callable[[RegistryClient], Awaitable[T]]) -> T:
        # A stale ECR token is refreshed once; a second rejection is reported.
        client = await self._registry()
        try:
            return await call(client)
        except AuthenticationFailed:
            self._ecr.invalidate_token()
            await client.aclose()
            self._client = None
            return await call(await self._registry())

    async def ping(self) -> None:
        """Check AWS credentials and the registry token."""
        await self._with_refresh(lambda c: c.ping())

    async def list_repositories(self) -> list[str]:
        """Return explicit repositories, then DescribeRepositories under the base paths."""
        found = dict.fromkeys(self._explicit)
        if self._bases:
            listed = await asyncio.to_thread(self._ecr.list_repositories, self._bases)
            for repo in listed:
                found.setdefault(repo)
        return list(found)

    async def list_tags(self, repository: str) -> list[str]:
        """Return a repository's tags through ListImages."""
        return await asyncio.to_thread(self._ecr.list_tags, repository)

    async def get_manifest(self, repository: str, reference: str) -> Manifest:
        """Return a manifest."""
        return await self._with_refresh(lambda c: c.get_manifest(repository, reference))

    async def head_manifest(self, repository: str, reference: str) -> str:
        """Return the digest a reference points to."""
        return await self._with_refresh(lambda c: c.head_manifest(repository, reference))

    async def get_blob(self, repository: str, digest: str, *, max_bytes: int) -> bytes:
        """Return a capped blob."""
        return await self._with_refresh(
            lambda c: c.get_blob(repository, digest, max_bytes=max_bytes)
        )

    async def aclose(self) -> None:
        """Close the registry client."""
        if self._client is not None:
            await self._client.aclose()
