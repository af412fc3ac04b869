"""A transport wrapper: count requests by kind, cap marked bodies, bound decoding steps."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from chartyard import metrics

from ._errors import ProtocolError, TooLarge
from ._stats import RequestStats

# Request extensions set by this package; httpx copies them onto redirects.
KIND = "chartyard.kind"
SCOPE = "chartyard.scope"
MAX_BYTES = "chartyard.max_bytes"

# httpx decodes a Content-Encoding one raw chunk at a time, and a 64 KiB chunk of a gzip
# bomb inflates to ~64 MiB before any size cap sees it. Encoded bodies are therefore
# handed to the decoder in slices this small (deflate expands at most ~1032:1).
ENCODED_SLICE = 1024


class MeteredTransport(httpx.AsyncBaseTransport):
    """Wrap a transport: count each request in ``stats`` and enforce ``MAX_BYTES`` caps.

    The cap is on raw (undecoded) bytes and is what protects bodies read with
    ``aread()``, such as token responses inside the auth flow.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, stats: RequestStats) -> None:
        self._inner = inner
        self._stats = stats

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Count and forward ``request``; wrap the response stream when it is capped."""
        kind = str(request.extensions.get(KIND, ""))
        self._stats.record(kind)
        try:
            response = await self._inner.handle_async_request(request)
        except Exception:
            metrics.registry_request(kind, "error")
            raise
        metrics.registry_request(kind, response.status_code)
        cap = request.extensions.get(MAX_BYTES)
        encoding = response.headers.get("content-encoding", "").strip().lower()
        ok = 200 <= response.status_code < 300
        if isinstance(cap, int) and ok and encoding not in ("", "identity"):
            # Capped bodies are read whole with aread(); a compressed one would be inflated
            # in full before its size is known. They are asked for as identity: hold to it.
            await response.aclose()
            raise ProtocolError(
                f"{request.url.host} sent a {encoding}-encoded answer although chartyard asked "
                "for an unencoded one (Accept-Encoding: identity); fix the server's compression "
                "settings", {"url": str(request.url.copy_with(query=None))},
            )
        if isinstance(cap, int):
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > cap:
                await response.aclose()
                raise TooLarge(
                    f"{request.url.host} sent {declared} bytes, more than the {cap}-byte limit",
                    {"limit": cap, "url": str(request.url.copy_with(query=None))},
                )
            if isinstance(response.stream, httpx.AsyncByteStream):
                response.stream = _CappedStream(response.stream, cap, request.url)
        if encoding not in ("", "identity") and isinstance(response.stream, httpx.AsyncByteStream):
            response.stream = _SlicedStream(response.stream, ENCODED_SLICE)
        return response

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self._inner.aclose()


class _CappedStream(httpx.AsyncByteStream):
    """Yield a body's chunks and raise ``TooLarge`` once more than ``cap`` bytes arrive."""

    def __init__(self, inner: httpx.AsyncByteStream, cap: int, url: httpx.URL) -> None:
        self._inner = inner
        self._cap = cap
        self._url = url

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        async for chunk in self._inner:
            seen += len(chunk)
            if seen > self._cap:
                raise TooLarge(
                    f"{self._url.host} sent more than the {self._cap}-byte limit",
                    {"limit": self._cap, "url": str(self._url.copy_with(query=None))},
                )
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class _SlicedStream(httpx.AsyncByteStream):
    """Yield a body in slices of at most ``size`` bytes (bounds what one decode step makes)."""

    def __init__(self, inner: httpx.AsyncByteStream, size: int) -> None:
        self._inner = inner
        self._size = size

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            for start in range(0, len(chunk), self._size):
                yield chunk[start:start + self._size]

    async def aclose(self) -> None:
        await self._inner.aclose()
