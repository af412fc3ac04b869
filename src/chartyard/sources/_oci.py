"""A chart source for any OCI registry, listed through `_catalog` or explicit repositories."""

from __future__ import annotations

from chartyard.oci import Endpoint, Manifest, RegistryClient, RequestStats, is_under


class OciSource:
    """List repositories from `_catalog` under base paths, plus explicit ones."""

    def __init__(self, client: RegistryClient, endpoint: Endpoint,
                 base_paths: tuple[str, ...], repositories: tuple[str, ...]) -> None:
        self.client = client
        self.endpoint = endpoint
        self._bases = tuple(endpoint.repository(b) for b in base_paths)
        self._explicit = tuple(endpoint.repository(r) for r in repositories)

    @property
    def stats(self) -> RequestStats:
        """Return the client's request counts."""
        return self.client.stats

    async def ping(self) -> None:
        """Ping `/v2/`."""
        await self.client.ping()

    async def list_repositories(self) -> list[str]:
        """Return explicit repositories, then catalog entries under the base paths."""
        found = dict.fromkeys(self._explicit)
        if self._bases:
            async for page in self.client.catalog():
                for repo in page:
                    if any(is_under(repo, base) for base in self._bases):
                        found.setdefault(repo)
        return list(found)

    async def list_tags(self, repository: str) -> list[str]:
        """Return the tags of a repository."""
        return await self.client.list_tags(repository)

    async def get_manifest(self, repository: str, reference: str) -> Manifest:
        """Return a manifest."""
        return await self.client.get_manifest(repository, reference)

    async def head_manifest(self, repository: str, reference: str) -> str:
        """Return the digest a reference points to."""
        return await self.client.head_manifest(repository, reference)

    async def get_blob(self, repository: str, digest: str, *, max_bytes: int) -> bytes:
        """Return a capped blob."""
        return await self.client.get_blob(repository, digest, max_bytes=max_bytes)

    async def aclose(self) -> None:
        """Close the client."""
        await self.client.aclose()
