"""Protocol edge cases nginx does not produce on demand, through httpx.MockTransport."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Callable

import httpx
import pytest

from chartyard.helmrepo import HelmRepoClient, IndexLimits, IndexTooLarge
from chartyard.oci import BasicCredentials, ClientLimits, ProtocolError, RateLimited

INDEX = b"apiVersion: v1\nentries:\n  a:\n  - {version: 1.0.0, urls: [a-1.0.0.tgz]}\n"
FAST = ClientLimits(max_retries=2, backoff_base=0.01, backoff_max=0.02)


def client(handler: Callable[[httpx.Request], httpx.Response], **kwargs: object) -> HelmRepoClient:
    return HelmRepoClient("https://charts.example.com/repo", limits=FAST,
                          transport=httpx.MockTransport(handler), **kwargs)  # type: ignore[arg-type]


async def count(repo: HelmRepoClient) -> int:
    with await repo.fetch_index() as download:
        return sum(1 for _ in download.entries())


def test_429_with_retry_after_is_retried_then_refused_when_too_long() -> None:
    answers = [httpx.Response(429, headers={"Retry-After": "0"}),
               httpx.Response(200, content=INDEX)]

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)

    async def run() -> None:
        async with client(handler) as repo:
            assert await count(repo) == 1
            assert repo.stats.retries == 1

    asyncio.run(run())

    async def patient() -> None:
        async with client(lambda r: httpx.Response(429, headers={"Retry-After": "3600"})) as repo:
            await repo.fetch_index()

    with pytest.raises(RateLimited, match="asked us to wait 3600 s"):
        asyncio.run(patient())


def test_gzip_index_is_decoded_and_a_gzip_bomb_hits_the_cap() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        # A stream (not content=) so that httpx counts raw bytes as a socket would.
        return httpx.Response(200, stream=httpx.ByteStream(gzip.compress(INDEX)),
                              headers={"Content-Encoding": "gzip"})

    async def run() -> None:
        async with client(handler) as repo:
            assert await count(repo) == 1

    asyncio.run(run())
    bomb = gzip.compress(b"#" * (64 * 1024 * 1024))

    def bomb_handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=httpx.ByteStream(bomb),
                              headers={"Content-Encoding": "gzip"})

    async def explode() -> None:
        async with client(bomb_handler,
                          index_limits=IndexLimits(max_index_bytes=1024 * 1024)) as repo:
            await repo.fetch_index()

    with pytest.raises(IndexTooLarge) as caught:
        asyncio.run(explode())
    assert caught.value.limit == "max_index_bytes"


def test_truncated_index_is_retried_then_reported() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=INDEX[:20], headers={"Content-Length": "500"})

    async def run() -> None:
        async with client(handler) as repo:
            await repo.fetch_index()

    with pytest.raises(ProtocolError, match="broke off its answer"):
        asyncio.run(run())


def test_credentials_follow_the_origin_and_not_a_redirect_elsewhere() -> None:
    seen: list[tuple[str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.host, request.headers.get("authorization")))
        if request.url.host == "charts.example.com" and request.url.path.endswith(".tgz"):
            return httpx.Response(302, headers={"Location": "https://cdn.example.net/a.tgz"})
        if request.url.path.endswith("index.yaml"):
            return httpx.Response(200, content=INDEX)
        return httpx.Response(200, content=b"\x1f\x8b")

    async def run() -> None:
        async with client(handler, credentials=BasicCredentials("u", "p")) as repo:
            with await repo.fetch_index() as download:
                [entry] = list(download.entries())
            await repo.get_chart(entry)

    asyncio.run(run())
    assert seen[0][0] == "charts.example.com" and seen[0][1] is not None
    assert seen[1][0] == "charts.example.com" and seen[1][1] is not None
    assert seen[2] == ("cdn.example.net", None)
