"""EcrSource against moto and the real registry: shared registry clients, one token refresh."""

from __future__ import annotations

import asyncio

import pytest

from chartyard.aws import AssumedRoleCache, EcrClient, EcrTokenCache
from chartyard.oci import AuthenticationFailed, NotFound, RegistryClient
from chartyard.registries.kinds import get_kind
from chartyard.sources import RegistryTarget
from chartyard.sources._ecr import EcrSource
from tests.ecr.conftest import TOKEN_PASSWORD, EcrWorld
from tests.ecr.test_ecr_sync import GET_TOKEN, ecr_body


class ClosingClient(RegistryClient):
    """A registry client that remembers whether it was closed."""

    closed = False

    async def aclose(self) -> None:
        """Close, and remember it."""
        self.closed = True
        await super().aclose()


def _target(world: EcrWorld) -> RegistryTarget:
    kind = get_kind("ecr")
    norm = kind.normalise(kind.parse_body(ecr_body("src", world)), creating=True)
    return kind.target(norm.spec, norm.secrets or {}, "tenant-external-id")


def _source(target: RegistryTarget, created: list[ClosingClient]) -> EcrSource:
    assert target.ecr is not None
    ecr = EcrClient(target.ecr.endpoint, target.ecr.auth, role_cache=AssumedRoleCache(),
                    token_cache=EcrTokenCache())

    async def make_client(session: EcrClient) -> RegistryClient:
        credentials = await asyncio.to_thread(session.registry_credentials)
        client = ClosingClient(target.endpoint, credentials, target.tls)
        created.append(client)
        return client

    return EcrSource(ecr, target.endpoint, target.base_paths, target.repositories, make_client)


async def test_concurrent_reads_share_one_client_and_token(world: EcrWorld) -> None:
    created: list[ClosingClient] = []
    source = _source(_target(world), created)
    try:
        digests = await asyncio.gather(
            *(source.head_manifest(c.repository, c.tag) for c in world.charts)
        )
    finally:
        await source.aclose()
    assert digests == [c.digest for c in world.charts]
    assert len(created) == 1
    assert len(world.recorder.calls(GET_TOKEN)) == 1
    assert all(client.closed for client in created)
    # The counts outlive aclose(): the sync pipeline reads them after closing.
    assert source.stats.manifest_head >= len(world.charts)


async def test_concurrent_rejections_refresh_the_token_once(world: EcrWorld) -> None:
    created: list[ClosingClient] = []
    source = _source(_target(world), created)
    world.registry.set_user("AWS", "not-the-ecr-token")
    try:
        results = await asyncio.gather(
            *(source.get_manifest(c.repository, c.tag) for c in world.charts),
            return_exceptions=True,
        )
    finally:
        world.registry.set_user("AWS", TOKEN_PASSWORD)
        await source.aclose()
    for result in results:
        assert isinstance(result, AuthenticationFailed), result
        assert result.details["tokenRefreshed"] is True
    assert len(created) == 2  # the first client, and one with the refreshed token
    assert len(world.recorder.calls(GET_TOKEN)) == 2
    assert all(client.closed for client in created)
    assert source.stats.total == sum(client.stats.total for client in created) > 0


async def test_unknown_repository_is_not_found(world: EcrWorld) -> None:
    """The sync engine treats NotFound from ListImages as a repository without tags."""
    source = _source(_target(world), [])
    try:
        with pytest.raises(NotFound) as excinfo:
            await source.list_tags("team-a/missing")
    finally:
        await source.aclose()
    assert excinfo.value.details["action"] == "ecr:ListImages"
    assert "team-a/missing" in excinfo.value.message
