"""Write to a registry: blob HEAD, cross-repository mount, streamed upload, manifest PUT.

Everything goes through the reading client's auth, egress guard and host budget.
Blobs are streamed from an async iterator of chunks into one monolithic ``PUT``
(``POST`` for a session, then ``PUT <location>?digest=``): nothing holds a whole
blob. A streamed upload is not resent on failure; the caller starts it over.
Not supported: chunked ``PATCH`` uploads (the monolithic stream has the same
memory profile) and manifest ``subject``/referrers.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from chartyard.http import (
    ERROR_BODY_BYTES,
    KIND,
    SCOPE,
    Fetched,
    ProtocolError,
    TooLarge,
    check_digest_format,
    compute_digest,
    is_digest,
    read_capped,
    verify_digest,
)

from ._client import RegistryClient
from ._errors import NotFound
from ._manifest import MANIFEST_ACCEPT, Manifest, parse_manifest
from ._names import check_reference, check_repository
from ._status import status_error

CHUNK = 256 * 1024


@dataclass(frozen=True)
class RawManifest:
    """A manifest as served: its exact bytes, media type and digest, and the parsed form."""

    body: bytes
    media_type: str
    digest: str
    parsed: Manifest


def push_scope(repository: str, mount_from: str | None = None) -> str:
    """Return the token scope a push into ``repository`` (mounting from another) needs."""
    scope = f"repository:{repository}:pull,push"
    if mount_from and mount_from != repository:
        scope += f" repository:{mount_from}:pull"
    return scope


class RegistryWriter:
    """Push blobs and manifests through a `RegistryClient` (which the caller closes)."""

    def __init__(self, client: RegistryClient) -> None:
        self.client = client
        self._http = client._client  # same package: auth, guard, metering
        self._transfer = client._transfer

    @property
    def authority(self) -> str | None:
        """Return the registry's ``host[:port]`` (a mount needs source and target equal)."""
        return self.client.endpoint.authority

    # ---- reading what a copy needs -----------------------------------------
    async def get_manifest_raw(self, repository: str, reference: str) -> RawManifest:
        """Return a manifest's exact bytes (digest-checked), media type and parsed form."""
        what = f"the manifest {check_repository(repository)}:{check_reference(reference)}"
        limits = self.client.limits
        fetched = await self._transfer.fetch(
            "manifest", "GET", self._url(f"/v2/{repository}/manifests/{reference}"),
            what=what, scope=f"repository:{repository}:pull", accept=MANIFEST_ACCEPT,
            max_bytes=limits.max_manifest_bytes,
        )
        self._raise(fetched, what)
        digest = compute_digest(fetched.body)
        if is_digest(reference):
            verify_digest(fetched.body, reference, what=what)
        header = fetched.headers.get("docker-content-digest")
        if header and header.startswith("sha256:"):
            verify_digest(fetched.body, header, what=what)
        parsed = parse_manifest(fetched.body, digest=digest,
                                content_type=fetched.headers.get("content-type"),
                                max_depth=limits.max_json_depth)
        return RawManifest(fetched.body, parsed.media_type, digest, parsed)

    @asynccontextmanager
    async def open_blob(self, repository: str, digest: str, *,
                        size: int) -> AsyncIterator[AsyncIterator[bytes]]:
        """Stream a blob's chunks; raise if it is longer than ``size`` or its digest differs."""
        check_digest_format(digest)
        what = f"the blob {digest} in {check_repository(repository)}"
        url = self._url(f"/v2/{repository}/blobs/{digest}")
        async with self._transfer.open_stream(
                "blob", url, what=what, scope=f"repository:{repository}:pull") as response:
            if response.status_code != 200:
                body = await read_capped(response, ERROR_BODY_BYTES, what=what, truncate=True)
                self._raise(Fetched(response.status_code, response.headers, body,
                                    response.url), what)
            yield _verified(response.aiter_raw(CHUNK), digest, size, what)

    # ---- writing ------------------------------------------------------------
    async def has_blob(self, repository: str, digest: str) -> bool:
        """Return whether ``repository`` already holds the blob (``HEAD``)."""
        what = f"the blob {digest} in {check_repository(repository)}"
        fetched = await self._send("blob_head", "HEAD", f"/v2/{repository}/blobs/{digest}",
                                   scope=push_scope(repository), what=what)
        if fetched.status == 404:
            return False
        self._raise(fetched, what)
        return True

    async def mount_blob(self, repository: str, digest: str, source: str) -> str | None:
        """Mount a blob from ``source`` on the same registry; None once mounted.

        A registry that does not mount answers with an upload session: its
        location is returned, for the caller to upload into.
        """
        what = f"a mount of {digest} from {source} into {check_repository(repository)}"
        fetched = await self._send(
            "blob_mount", "POST", f"/v2/{repository}/blobs/uploads/",
            params={"mount": digest, "from": check_repository(source)},
            scope=push_scope(repository, source), what=what, content=b"")
        if fetched.status == 201:
            return None
        if fetched.status == 202:
            return self._location(fetched, what)
        self._raise(fetched, what)
        raise ProtocolError(f"the registry answered {fetched.status} to {what}")

    async def start_upload(self, repository: str) -> str:
        """Open an upload session and return its location."""
        what = f"an upload into {check_repository(repository)}"
        fetched = await self._send("blob_upload", "POST", f"/v2/{repository}/blobs/uploads/",
                                   scope=push_scope(repository), what=what, content=b"")
        if fetched.status != 202:
            self._raise(fetched, what)
            raise ProtocolError(f"the registry answered {fetched.status} to {what}")
        return self._location(fetched, what)

    async def upload_blob(self, repository: str, digest: str, size: int,
                          chunks: AsyncIterable[bytes], *, location: str | None = None) -> None:
        """Stream ``chunks`` (``size`` bytes, digest ``digest``) into one monolithic PUT."""
        check_digest_format(digest)
        what = f"the upload of {digest} into {check_repository(repository)}"
        location = location or await self.start_upload(repository)
        url = httpx.URL(location).copy_merge_params({"digest": digest})
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(size)}
        extensions = {KIND: "blob_put", SCOPE: push_scope(repository)}
        async with self._transfer.budget.slot() as slot:
            request = self._http.build_request("PUT", url, headers=headers,
                                               content=_exact(chunks, size, what),
                                               extensions=extensions)
            response = await self._http.send(request, stream=True)
            try:
                slot.done(congested=response.status_code in (429, 503))
                body = await read_capped(response, ERROR_BODY_BYTES, what=what, truncate=True)
            finally:
                await response.aclose()
        fetched = Fetched(response.status_code, response.headers, body, response.url)
        if fetched.status != 201:
            self._raise(fetched, what)
            raise ProtocolError(f"the registry answered {fetched.status} to {what}")
        returned = fetched.headers.get("docker-content-digest")
        if returned and returned != digest:
            raise ProtocolError(f"the registry stored {returned} for {what}")

    async def has_manifest(self, repository: str, reference: str) -> str | None:
        """Return the digest ``reference`` points to in ``repository``, None if absent."""
        what = f"the manifest {check_repository(repository)}:{check_reference(reference)}"
        fetched = await self._send(
            "manifest_head", "HEAD", f"/v2/{repository}/manifests/{reference}",
            scope=push_scope(repository), what=what, headers={"Accept": MANIFEST_ACCEPT})
        if fetched.status == 404:
            return None
        self._raise(fetched, what)
        return fetched.headers.get("docker-content-digest") or None

    async def put_manifest(self, repository: str, reference: str, body: bytes,
                           media_type: str) -> str:
        """PUT a manifest by tag or digest; return its digest (checked against the body)."""
        what = f"the manifest {check_repository(repository)}:{check_reference(reference)}"
        if len(body) > self.client.limits.max_manifest_bytes:
            raise TooLarge(f"{what} is {len(body)} bytes, over the manifest limit")
        digest = compute_digest(body)
        if is_digest(reference) and reference != digest:
            raise ProtocolError(f"{what}: the body's digest is {digest}")
        fetched = await self._send(
            "manifest_put", "PUT", f"/v2/{repository}/manifests/{reference}",
            scope=push_scope(repository), what=what, content=body,
            headers={"Content-Type": media_type})
        if fetched.status != 201:
            self._raise(fetched, what)
            raise ProtocolError(f"the registry answered {fetched.status} to {what}")
        returned = fetched.headers.get("docker-content-digest")
        if returned and returned != digest:
            raise ProtocolError(f"the registry stored {what} as {returned}, not {digest}")
        return digest

    # ---- helpers --------------------------------------------------------------
    async def _send(self, kind: str, method: str, path: str, *, scope: str, what: str,
                    content: bytes | None = None, headers: dict[str, str] | None = None,
                    params: dict[str, str] | None = None) -> Fetched:
        """Send a request whose body can be resent, through the one retry loop."""
        url = str(httpx.URL(self._url(path)).copy_merge_params(params or {}))
        return await self._transfer.fetch(kind, method, url, what=what, scope=scope,
                                          headers=headers, content=content,
                                          max_bytes=ERROR_BODY_BYTES, truncate=True)

    def _location(self, fetched: Fetched, what: str) -> str:
        location = fetched.headers.get("location")
        if not location:
            raise ProtocolError(f"the registry opened {what} without a Location header")
        resolved = fetched.url.join(location)
        base = httpx.URL(self.client.endpoint.base_url)
        if (resolved.scheme, resolved.host, resolved.port) != (base.scheme, base.host,
                                                                 base.port):
            raise ProtocolError(f"the registry sent {what} to another host ({resolved.host}); "
                                "chartyard only uploads to the registry itself")
        return str(resolved)

    def _url(self, path: str) -> str:
        return self.client.endpoint.base_url + path

    def _raise(self, fetched: Fetched, what: str) -> None:
        if not 200 <= fetched.status < 300:
            if fetched.status == 404:
                raise NotFound(f"{what} was not found (404)", {"status": 404})
            raise status_error(fetched, what=what, username=self.client._username)


async def _verified(chunks: AsyncIterator[bytes], digest: str, size: int,
                    what: str) -> AsyncIterator[bytes]:
    """Pass chunks through; raise past ``size`` bytes or when the digest is not ``digest``."""
    algorithm, expected = check_digest_format(digest)
    hasher = hashlib.new(algorithm)
    seen = 0
    async for chunk in chunks:
        seen += len(chunk)
        if seen > size:
            raise TooLarge(f"{what} is longer than the {size} bytes its descriptor says")
        hasher.update(chunk)
        yield chunk
    if seen != size or hasher.hexdigest() != expected:
        raise ProtocolError(f"{what} arrived as {seen} bytes with digest "
                            f"{algorithm}:{hasher.hexdigest()}, not {size} bytes of {digest}")


async def _exact(chunks: AsyncIterable[bytes], size: int, what: str) -> AsyncIterator[bytes]:
    """Yield at most ``size`` bytes and fail if fewer arrive (never a short PUT)."""
    seen = 0
    async for chunk in chunks:
        seen += len(chunk)
        if seen > size:
            raise TooLarge(f"{what} is longer than the {size} bytes announced")
        yield chunk
    if seen != size:
        raise ProtocolError(f"{what} ended after {seen} of {size} bytes")


__all__ = ["RawManifest", "RegistryWriter", "push_scope"]
