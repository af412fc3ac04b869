"""An httpx transport over the real network that lets a test watch or answer first."""

from __future__ import annotations

from collections.abc import Callable

import httpx

Hook = Callable[[httpx.Request, int], httpx.Response | None]


class HookTransport(httpx.AsyncBaseTransport):
    """Forward to a real transport (a fresh one per sync's event loop) after a hook.

    The hook sees every request with its ordinal; returning a response answers it
    instead of the registry (for faults no real server produces on demand).
    """

    def __init__(self, hook: Hook | None = None) -> None:
        self.hook = hook
        self.count = 0
        self.paths: list[str] = []
        self.inner: httpx.AsyncHTTPTransport | None = None

    def kinds(self) -> dict[str, int]:
        """Count the requests seen by kind: catalog, tags, manifest, blob, ping."""
        out: dict[str, int] = {}
        for path in self.paths:
            kind = ("catalog" if path.endswith("/_catalog") else "tags" if "/tags/list" in path
                    else "manifest" if "/manifests/" in path else "blob" if "/blobs/" in path
                    else "ping")
            out[kind] = out.get(kind, 0) + 1
        return out

    def reset(self) -> None:
        """Forget the requests seen so far."""
        self.paths.clear()
        self.count = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Record the request, let the hook answer, else forward it."""
        self.count += 1
        self.paths.append(request.url.path)
        answer = self.hook(request, self.count) if self.hook else None
        if answer is not None:
            return answer
        if self.inner is None:
            self.inner = httpx.AsyncHTTPTransport()
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the real transport; the next sync opens a new one."""
        if self.inner is not None:
            await self.inner.aclose()
            self.inner = None
