"""One bounded, retried GET that streams its body into a sink, on `chartyard.http`.

The retry loop, the per-host budget (429/503 and ``Retry-After`` included), the
egress guard and the metered transport are the shared ones of `chartyard.http`;
this module only adapts their answer to what the index and chart downloads read.
"""

from __future__ import annotations

import random as _random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from chartyard.http import ClientLimits, HostBudgets, RequestStats, Sink, TooLarge, Transfer

ERROR_BODY_BYTES = 16 * 1024


@dataclass(frozen=True)
class Answer:
    """A finished GET: status, headers, final URL; a 2xx body is in the sink."""

    status: int
    headers: httpx.Headers
    url: httpx.URL
    error_body: bytes = b""


class Getter:
    """Run GETs for one client through the shared retry loop, across hosts' budgets."""

    def __init__(self, client: httpx.AsyncClient, limits: ClientLimits, stats: RequestStats,
                 *, sleep: Callable[[float], Awaitable[None]],
                 random: Callable[[], float] = _random.random,
                 budgets: HostBudgets | None = None) -> None:
        self._transfer = Transfer(client, limits, stats, sleep=sleep, random=random,
                                  budgets=budgets, peer="server")

    async def get(self, url: str, *, kind: str, what: str, sink: Sink, max_bytes: int,
                  headers: dict[str, str] | None = None) -> Answer:
        """GET ``url`` (following redirects) until a final answer; 2xx bodies go to ``sink``."""
        fetched = await self._transfer.fetch(kind, "GET", url, what=what, max_bytes=max_bytes,
                                             follow_redirects=True, headers=headers, sink=sink)
        return Answer(fetched.status, fetched.headers, fetched.url,
                      fetched.body[:ERROR_BODY_BYTES])


def too_large(what: str, cap: int, limit: str, declared: int | None) -> TooLarge:
    """Return the error for a body over ``cap``, naming the limit."""
    size = f"{declared} bytes" if declared is not None else "more than that"
    return TooLarge(f"{what} is larger than the {cap}-byte limit ({limit}; the server sent "
                    f"{size}); raise {limit} only if the repository is expected to be that big",
                    {"limit": limit, "maximum": cap, "declared": declared})
