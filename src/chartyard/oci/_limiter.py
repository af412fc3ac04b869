"""An adaptive in-flight limiter: halve on throttling, creep back up on success."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class AdaptiveLimiter:
    """Bound concurrent requests like a semaphore whose size adapts to the server.

    ``throttled()`` halves the limit (never below 1); every ``recover_after * limit``
    consecutive successes raise it by one, up to ``maximum`` (AIMD).
    """

    def __init__(self, maximum: int, *, recover_after: int = 4) -> None:
        self._maximum = maximum
        self._limit = maximum
        self._in_flight = 0
        self._successes = 0
        self._recover_after = recover_after
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def limit(self) -> int:
        """Return the current effective in-flight limit."""
        return self._limit

    @property
    def in_flight(self) -> int:
        """Return how many slots are taken."""
        return self._in_flight

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one in-flight slot for the duration of the block."""
        await self._acquire()
        try:
            yield
        finally:
            self._in_flight -= 1
            self._wake()

    def throttled(self) -> None:
        """Halve the limit after the server said it is overloaded."""
        self._limit = max(1, self._limit // 2)
        self._successes = 0

    def succeeded(self) -> None:
        """Count a success; raise the limit by one after enough of them."""
        if self._limit >= self._maximum:
            return
        self._successes += 1
        if self._successes >= self._recover_after * self._limit:
            self._limit += 1
            self._successes = 0
            self._wake()

    async def _acquire(self) -> None:
        while self._in_flight >= self._limit:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
                elif waiter.done() and not waiter.cancelled():
                    self._wake()  # pass the wake-up on to someone else
                raise
        self._in_flight += 1

    def _wake(self) -> None:
        free = self._limit - self._in_flight
        while free > 0 and self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                free -= 1
