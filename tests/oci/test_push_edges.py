"""RegistryWriter on protocol cases no local registry produces (httpx.MockTransport)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator

import httpx
import pytest

from chartyard.oci import ProtocolError, RegistryClient, RegistryWriter

HOST = "https://registry.test"
DATA = b"x" * 1000
DIGEST = "sha256:" + hashlib.sha256(DATA).hexdigest()


async def _chunks() -> AsyncIterator[bytes]:
    yield DATA


def _run(handler: httpx.MockTransport, coro_factory):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        async with RegistryClient(HOST, transport=handler) as client:
            return await coro_factory(RegistryWriter(client))

    return asyncio.run(go())


def test_mount_refused_falls_back_to_the_session_it_opened() -> None:
    """A registry that does not mount answers 202 with a session; the blob goes there."""
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}?{request.url.query.decode()}")
        if request.method == "POST":
            return httpx.Response(202, headers={"Location": "/v2/b/blobs/uploads/s1?_state=z"})
        if request.method == "PUT":
            assert request.url.params["digest"] == DIGEST
            assert request.url.params["_state"] == "z"
            return httpx.Response(201, headers={"Docker-Content-Digest": DIGEST})
        return httpx.Response(404)

    async def work(writer: RegistryWriter) -> str | None:
        location = await writer.mount_blob("b", DIGEST, "a")
        assert location is not None
        await writer.upload_blob("b", DIGEST, len(DATA), _chunks(), location=location)
        return location

    assert _run(httpx.MockTransport(handle), work) == f"{HOST}/v2/b/blobs/uploads/s1?_state=z"
    assert [s.split("?")[0] for s in seen] == ["POST /v2/b/blobs/uploads/",
                                              "PUT /v2/b/blobs/uploads/s1"]
    assert f"mount={DIGEST.replace(':', '%3A')}" in seen[0] and "from=a" in seen[0]


def test_upload_location_on_another_host_is_refused() -> None:
    """chartyard never streams a blob to a host other than the registry it was given."""
    def handle(request: httpx.Request) -> httpx.Response:
        assert request.method == "POST", "nothing may be uploaded"
        return httpx.Response(202, headers={"Location": "https://elsewhere.test/upload/1"})

    with pytest.raises(ProtocolError, match="another host"):
        _run(httpx.MockTransport(handle),
             lambda w: w.upload_blob("r", DIGEST, len(DATA), _chunks()))


def test_transient_errors_are_retried_for_resendable_requests() -> None:
    """A 503 on HEAD is retried; the answer after it counts."""
    answers = iter([httpx.Response(503), httpx.Response(200)])

    def handle(request: httpx.Request) -> httpx.Response:
        return next(answers)

    assert _run(httpx.MockTransport(handle), lambda w: w.has_blob("r", DIGEST)) is True


def test_manifest_put_checks_the_stored_digest() -> None:
    """A registry that stores the manifest under another digest is an error."""
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, headers={"Docker-Content-Digest": "sha256:" + "0" * 64})

    with pytest.raises(ProtocolError, match="not sha256"):
        _run(httpx.MockTransport(handle),
             lambda w: w.put_manifest("r", "1.0.0", b"{}", "application/json"))
