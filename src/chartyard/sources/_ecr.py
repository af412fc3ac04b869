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
        self._generation = 0  # bumped for every new client (so, every new token)
        self._clients: list[RegistryClient] = []  # every client made, closed in aclose()
        self._lock = asyncio.Lock()

    @property
    def stats(self) -> RequestStats:
        """Return the request counts of the registry clients used so far."""
        if len(self._clients) == 1:
            return self._clients[0].stats
        total = RequestStats()
        for client in self._clients:
            for kind, count in client.stats.as_dict().items():
                setattr(total, kind, getattr(total, kind) + count)
        return total

    async def _registry(self) -> tuple[RegistryClient, int]:
        # Concurrent first calls share one client (and one token fetch).
        async with self._lock:
            if self._client is None:
                self._client = await self._make_client(self._ecr)
                self._clients.append(self._client)
                self._generation += 1
            return self._client, self._generation

    async def _refresh(self, generation: int) -> None:
        # Only the first caller that saw a rejected token replaces it; in-flight calls
        # may still use the old client, so it is closed in aclose().
        async with self._lock:
            if self._client is None or generation != self._generation:
                return
            self._ecr.invalidate_token()
            self._client = None

    async def _with_refresh(self, call: Callable[[RegistryClient], Awaitable[T]]) -> T:
        # A stale ECR token is refreshed once; a second rejection is reported.
        client, generation = await self._registry()
        try:
            return await call(client)
        except AuthenticationFailed:
            await self._refresh(generation)
        client, _ = await self._registry()
        try:
            return await call(client)
        except AuthenticationFailed as exc:
            raise self._token_rejected(exc) from exc

    def _token_rejected(self, exc: AuthenticationFailed) -> AuthenticationFailed:
        who = self._ecr.auth.role_arn or self._ecr.auth.access_key or "the configured identity"
        return AuthenticationFailed(
            f"{self.endpoint.authority} rejected a freshly issued ECR authorization token "
            f"(401, after one refresh). Check that {who} may pull from this "
            "registry (ecr:BatchGetImage, ecr:GetDownloadUrlForLayer, and any repository "
            "policy) and that the endpoint is the registry of the intended account",
            {**exc.details, "registry": self.endpoint.authority, "tokenRefreshed": True},
        )

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
        """Close the registry clients (their request counts stay readable)."""
        self._client = None
        for client in self._clients:
            await client.aclose()
