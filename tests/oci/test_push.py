"""RegistryWriter against real registries: HEAD, mount, streamed upload, manifest PUT."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from chartyard.oci import (
    BasicCredentials,
    ProtocolError,
    RegistryClient,
    RegistryWriter,
    TLSConfig,
)
from tests.harness.oci_push import OciPusher
from tests.harness.registry import RegistryServer


def _client(reg: RegistryServer) -> RegistryClient:
    creds = BasicCredentials(*reg.auth) if reg.auth else None
    return RegistryClient(reg.url, creds, TLSConfig(ca_pem=reg.ca_pem) if reg.ca_pem else None)


async def _chunks(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def test_copy_between_registries_by_digest(plain_registry: RegistryServer,
                                           tls_registry: RegistryServer,
                                           unique_repo_prefix: str) -> None:
    """A pushed chart copies blob by blob into a TLS registry with the same digests."""
    repo = f"{unique_repo_prefix}/demo"
    with OciPusher.for_registry(plain_registry) as pusher:
        from tests.harness.charts import build_chart
        digest = pusher.push_chart(repo, "1.0.0", build_chart("demo", "1.0.0"))

    async def run() -> tuple[str, list[bool], list[bool]]:
        async with _client(plain_registry) as src, _client(tls_registry) as dst:
            reader, writer = RegistryWriter(src), RegistryWriter(dst)
            raw = await reader.get_manifest_raw(repo, "1.0.0")
            assert raw.digest == digest
            before, after = [], []
            blobs = [raw.parsed.config, *raw.parsed.layers]
            for desc in blobs:
                assert desc is not None
                before.append(await writer.has_blob(repo, desc.digest))
                async with reader.open_blob(repo, desc.digest, size=desc.size) as chunks:
                    await writer.upload_blob(repo, desc.digest, desc.size, chunks)
                after.append(await writer.has_blob(repo, desc.digest))
            put = await writer.put_manifest(repo, "1.0.0", raw.body, raw.media_type)
            return put, before, after

    put, before, after = asyncio.run(run())
    assert put == digest
    assert before == [False, False] and after == [True, True]
    with tls_registry.client(auth=tls_registry.auth) as c:
        r = c.get(f"/v2/{repo}/manifests/1.0.0",
                  headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
        assert r.status_code == 200 and _digest(r.content) == digest


def test_mount_across_repositories(tls_registry: RegistryServer,
                                   unique_repo_prefix: str) -> None:
    """A blob in one repository mounts into another without an upload."""
    data = b"mount me " * 100
    digest = _digest(data)

    async def run() -> tuple[str | None, bool]:
        async with _client(tls_registry) as c:
            writer = RegistryWriter(c)
            await writer.upload_blob(f"{unique_repo_prefix}/a", digest, len(data), _chunks(data))
            location = await writer.mount_blob(f"{unique_repo_prefix}/b", digest,
                                               f"{unique_repo_prefix}/a")
            return location, await writer.has_blob(f"{unique_repo_prefix}/b", digest)

    location, present = asyncio.run(run())
    assert location is None and present


def test_token_registry_push(token_registry: RegistryServer, unique_repo_prefix: str) -> None:
    """Bearer-token registries grant pull,push scope for HEAD, POST and the streamed PUT."""
    data = json.dumps({"x": 1}).encode()
    digest = _digest(data)

    async def run() -> bool:
        async with _client(token_registry) as c:
            writer = RegistryWriter(c)
            await writer.upload_blob(f"{unique_repo_prefix}/t", digest, len(data), _chunks(data))
            return await writer.has_blob(f"{unique_repo_prefix}/t", digest)

    assert asyncio.run(run())


def test_short_or_wrong_stream_is_refused(plain_registry: RegistryServer,
                                          unique_repo_prefix: str) -> None:
    """A stream shorter than announced, or of another digest, never lands in the registry."""
    data = b"0123456789" * 50
    repo = f"{unique_repo_prefix}/bad"

    async def run() -> None:
        async with _client(plain_registry) as c:
            writer = RegistryWriter(c)
            with pytest.raises((ProtocolError, httpx.HTTPError)):
                await writer.upload_blob(repo, _digest(data), len(data) + 10, _chunks(data))
            with pytest.raises(Exception, match=r"DIGEST_INVALID|digest|400"):
                await writer.upload_blob(repo, _digest(b"other"), len(data), _chunks(data))
            assert not await writer.has_blob(repo, _digest(data))
            assert not await writer.has_blob(repo, _digest(b"other"))

    asyncio.run(run())


def test_open_blob_checks_the_digest(plain_registry: RegistryServer,
                                     unique_repo_prefix: str) -> None:
    """A blob read with the wrong announced size fails instead of passing bad bytes on."""
    repo = f"{unique_repo_prefix}/read"
    with OciPusher.for_registry(plain_registry) as pusher:
        digest = pusher.push_blob(repo, b"abc" * 1000)

    async def run() -> None:
        async with _client(plain_registry) as c:
            reader = RegistryWriter(c)
            async with reader.open_blob(repo, digest, size=3000) as chunks:
                assert sum([len(x) async for x in chunks]) == 3000
            with pytest.raises(Exception, match="longer"):
                async with reader.open_blob(repo, digest, size=100) as chunks:
                    async for _ in chunks:
                        pass

    asyncio.run(run())
