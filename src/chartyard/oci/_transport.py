"""A transport wrapper that counts requests by kind and caps marked response bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from ._errors import TooLarge
from ._stats import RequestStats

# Request extensions set by this package; httpx copies them onto redirects.
KIND = "chartyard.kind"
SCOPE = "chartyard.scope"
MAX_BYTES = "chartyard.max_bytes"


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
        self._stats.record(str(request.extensions.get(KIND, "")))
        response = await self._inner.handle_async_request(request)
        cap = request.extensions.get(MAX_BYTES)
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
