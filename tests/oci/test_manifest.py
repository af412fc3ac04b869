"""Manifests and blobs: parsing, digests, size caps and redirects."""

from __future__ import annotations

import json

import httpx
import pytest

from chartyard.oci import (
    MANIFEST_ACCEPT,
    ClientLimits,
    NotFound,
    ProtocolError,
    RegistryClient,
    TooLarge,
)

from ._fakes import (
    HELM_CONFIG,
    HELM_LAYER,
    REGISTRY,
    CountingStream,
    FakeRegistry,
    Handler,
    Sleeps,
    digest_of,
)

CONFIG = b'{"name":"demo","version":"1.0.0"}'
LAYER = b"\x1f\x8b fake chart tarball"


def client_with(handler: Handler, **kwargs: object) -> RegistryClient:
    return RegistryClient(
        f"https://{REGISTRY}", transport=httpx.MockTransport(handler), _sleep=Sleeps(),
        **kwargs,  # type: ignore[arg-type]
    )


async def test_get_manifest_parses_a_helm_chart() -> None:
    fake = FakeRegistry()
    digest = fake.push("org/demo", "1.0.0", CONFIG, LAYER)
    async with client_with(fake.handle) as client:
        manifest = await client.get_manifest("org/demo", "1.0.0")
    assert manifest.digest == digest
    assert manifest.media_type == "application/vnd.oci.image.manifest.v1+json"
    assert manifest.config is not None
    assert (manifest.config.media_type, manifest.config.digest, manifest.config.size) == (
        HELM_CONFIG, digest_of(CONFIG), len(CONFIG),
    )
    assert [layer.media_type for layer in manifest.layers] == [HELM_LAYER]
    assert manifest.manifests == ()
    assert manifest.annotations == {"org.opencontainers.image.title": "demo"}
    assert manifest.size == len(fake.manifests[("org/demo", "1.0.0")])
    assert fake.requests[-1].headers["accept"] == MANIFEST_ACCEPT
    assert client.stats.manifest == 1


async def test_digest_is_computed_when_the_header_is_missing() -> None:
    body = json.dumps({"schemaVersion": 2, "manifests": []}).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    async with client_with(handler) as client:
        manifest = await client.get_manifest("org/demo", "latest")
    assert manifest.digest == digest_of(body)
    assert manifest.media_type == "application/vnd.oci.image.index.v1+json"  # inferred


async def test_index_media_type_from_content_type_header() -> None:
    child = {"mediaType": "application/vnd.oci.image.manifest.v1+json",
             "digest": "sha256:" + "a" * 64, "size": 7}
    body = json.dumps({"schemaVersion": 2, "manifests": [child]}).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        ctype = "application/vnd.docker.distribution.manifest.list.v2+json; charset=utf-8"
        return httpx.Response(200, content=body, headers={"Content-Type": ctype})

    async with client_with(handler) as client:
        manifest = await client.get_manifest("org/demo", "latest")
    assert manifest.media_type == "application/vnd.docker.distribution.manifest.list.v2+json"
    assert manifest.config is None and manifest.is_index
    assert manifest.manifests[0].size == 7


async def test_manifest_by_digest_must_match_the_body() -> None:
    fake = FakeRegistry()
    fake.push("org/demo", "1.0.0", CONFIG, LAYER)
    wrong = "sha256:" + "0" * 64
    fake.manifests[("org/demo", wrong)] = fake.manifests[("org/demo", "1.0.0")]

    def handler(request: httpx.Request) -> httpx.Response:
        response = fake.handle(request)
        response.headers.pop("Docker-Content-Digest")
        return response

    async with client_with(handler) as client:
        with pytest.raises(ProtocolError, match="does not match its digest"):
            await client.get_manifest("org/demo", wrong)


async def test_lying_digest_header_is_protocol_error() -> None:
    fake = FakeRegistry()
    fake.push("org/demo", "1.0.0", CONFIG, LAYER)

    def handler(request: httpx.Request) -> httpx.Response:
        response = fake.handle(request)
        response.headers["Docker-Content-Digest"] = "sha256:" + "1" * 64
        return response

    async with client_with(handler) as client:
        with pytest.raises(ProtocolError) as info:
            await client.get_manifest("org/demo", "1.0.0")
    assert info.value.details["expected"] == "sha256:" + "1" * 64


async def test_oversize_manifest_stops_reading_early() -> None:
    stream = CountingStream(b"x" * 1024, chunks=10_000)  # 10 MiB, no Content-Length

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=stream)

    limits = ClientLimits(max_manifest_bytes=64 * 1024)
    async with client_with(handler, limits=limits) as client:
        with pytest.raises(TooLarge) as info:
            await client.get_manifest("org/demo", "1.0.0")
    assert stream.pulled <= 65  # stopped just past the cap, not after 10 000 chunks
    assert info.value.details["limit"] == 64 * 1024


async def test_oversize_content_length_is_refused_before_reading() -> None:
    stream = CountingStream(b"x", chunks=1)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=stream, headers={"Content-Length": str(1 << 30)})

    async with client_with(handler) as client:
        with pytest.raises(TooLarge, match="1073741824 bytes"):
            await client.get_manifest("org/demo", "1.0.0")
    assert stream.pulled == 0


@pytest.mark.parametrize("levels", [100, 200_000])
async def test_deeply_nested_json_is_refused(levels: int) -> None:
    body = b'{"schemaVersion": 2, "config": ' + b"[" * levels + b"]" * levels + b"}"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body)

    async with client_with(handler) as client:
        with pytest.raises(ProtocolError, match="deeper than 64"):
            await client.get_manifest("org/demo", "1.0.0")


async def test_brackets_inside_strings_do_not_count_as_depth() -> None:
    body = json.dumps({"schemaVersion": 2, "manifests": [],
                       "annotations": {"x": "[[[[{{{{" * 50 + '\\"]]'}}).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body)

    async with client_with(handler) as client:
        manifest = await client.get_manifest("org/demo", "1.0.0")
    assert manifest.annotations["x"].startswith("[[[[")


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ({"mediaType": "application/vnd.docker.distribution.manifest.v1+prettyjws"}, "unsupported"),
        ({"mediaType": "application/vnd.oci.image.manifest.v1+json"}, "no 'config'"),
        ({"config": {"digest": "md5:abc", "size": 1}}, "not a supported digest"),
        ({"config": {"digest": "sha256:" + "a" * 64, "size": -1}}, "valid size"),
        ({"config": {"digest": "sha256:" + "a" * 64, "size": 1}, "annotations": {"a": 1}},
         "string-to-string"),
        ([1, 2], "not a JSON object"),
    ],
)
async def test_malformed_manifests_are_protocol_errors(document: object, fragment: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=document)

    async with client_with(handler) as client:
        with pytest.raises(ProtocolError, match=fragment):
            await client.get_manifest("org/demo", "1.0.0")


async def test_head_manifest_returns_the_digest() -> None:
    fake = FakeRegistry()
    digest = fake.push("org/demo", "1.0.0", CONFIG, LAYER)
    async with client_with(fake.handle) as client:
        assert await client.head_manifest("org/demo", "1.0.0") == digest
        with pytest.raises(NotFound):
            await client.head_manifest("org/demo", "9.9.9")
    assert client.stats.manifest_head == 2 and client.stats.manifest == 0


async def test_head_manifest_without_digest_header_falls_back_to_get() -> None:
    fake = FakeRegistry()
    digest = fake.push("org/demo", "1.0.0", CONFIG, LAYER)

    def handler(request: httpx.Request) -> httpx.Response:
        response = fake.handle(request)
        response.headers.pop("Docker-Content-Digest")
        return response

    async with client_with(handler) as client:
        assert await client.head_manifest("org/demo", "1.0.0") == digest
    assert client.stats.manifest_head == 1 and client.stats.manifest == 1


async def test_get_blob_verifies_the_digest() -> None:
    fake = FakeRegistry()
    fake.push("org/demo", "1.0.0", CONFIG, LAYER)
    async with client_with(fake.handle) as client:
        assert await client.get_blob("org/demo", digest_of(CONFIG), max_bytes=1024) == CONFIG
        fake.blobs[digest_of(LAYER)] = b"tampered"
        with pytest.raises(ProtocolError, match="does not match its digest"):
            await client.get_blob("org/demo", digest_of(LAYER), max_bytes=1024)
        with pytest.raises(NotFound):
            await client.get_blob("org/demo", digest_of(b"missing"), max_bytes=1024)
        with pytest.raises(TooLarge):
            await client.get_blob("org/demo", digest_of(CONFIG), max_bytes=4)


async def test_blob_redirect_to_storage_drops_the_registry_authorization() -> None:
    fake = FakeRegistry(auth="bearer")
    fake.push("org/demo", "1.0.0", CONFIG, LAYER)
    storage: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "s3.test":
            storage.append(request)
            return httpx.Response(200, content=LAYER)
        response = fake.handle(request)
        if request.url.path.startswith("/v2/org/demo/blobs/") and response.status_code == 200:
            return httpx.Response(307, headers={"Location": "https://s3.test/bucket/obj?X-Sig=1"})
        return response

    async with client_with(handler) as client:
        assert await client.get_blob("org/demo", digest_of(LAYER), max_bytes=1024) == LAYER
    [fetched] = storage
    assert "authorization" not in fetched.headers
    assert fetched.url.params["X-Sig"] == "1"
    assert client.stats.blob == 3  # 401, retry with token (307), storage


async def test_invalid_references_never_reach_the_wire() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    async with client_with(handler) as client:
        with pytest.raises(NotFound, match="not a valid tag"):
            await client.get_manifest("org/demo", "1.0.0+build")
        with pytest.raises(NotFound, match="not a supported digest"):
            await client.get_manifest("org/demo", "sha256:abc")
        with pytest.raises(ProtocolError, match="not a supported digest"):
            await client.get_blob("org/demo", "sha256:xyz", max_bytes=1)
