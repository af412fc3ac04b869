"""One politeness budget per registry host, shared by every client of a process.

``HostBudgets`` is owned by the process (``SourceOptions``), not a module global.
Each host's ``HostBudget`` bounds the requests in flight to that host across all
clients, event loops and threads (a sync on the worker's loop, a validation on a
request thread), and shares the throttling state: one throttled answer slows every
caller of the host. Two controllers decide together: ``AimdController`` how many
requests may be in flight, ``RatePacer`` how fast they may start once a rate
limiter has shown its rate.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from ._aimd import AimdController, BudgetPolicy
from ._rate import RatePacer

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class Slot:
    """One held request slot; report how the request ended with ``done``."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.outcome: dict[str, object] | None = None

    def done(self, *, congested: bool = False, retry_after: float | None = None,
             remaining: int | None = None, reset: float | None = None,
             limited: bool = False) -> None:
        """Record the answer: throttled or not (``limited``: a 429), and the rate headers."""
        self.outcome = {"congested": congested, "retry_after": retry_after,
                        "remaining": remaining, "reset": reset, "limited": limited}


class HostBudget:
    """Bound concurrent requests to one host like a semaphore whose size adapts."""

    def __init__(self, host: str, policy: BudgetPolicy, *, clock: Clock = time.monotonic,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.host = host
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._ctl = AimdController(policy, clock())
        self._pacer = RatePacer()
        self._in_flight = 0
        self._peak = 0
        self._waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = deque()

    @property
    def limit(self) -> int:
        """Return the current in-flight limit."""
        return self._ctl.limit

    @property
    def in_flight(self) -> int:
        """Return how many slots are taken."""
        return self._in_flight

    @property
    def peak(self) -> int:
        """Return the most slots ever taken at once."""
        return self._peak

    @property
    def rate(self) -> float | None:
        """Return the learned pace in requests per second (None: not paced)."""
        return self._pacer.rate

    @property
    def throttled(self) -> int:
        """Return how many times throttling cut the in-flight limit or the pace."""
        return self._ctl.cuts + self._pacer.learned

    @asynccontextmanager
    async def slot(self, *, sleep: Sleep | None = None,
                   honour_pause: bool = True) -> AsyncIterator[Slot]:
        """Hold one in-flight slot for the duration of the block.

        A new request first waits out a host-wide pause (``Retry-After``) with ``sleep``;
        a retry whose caller already slept for its own ``Retry-After`` passes
        ``honour_pause=False``.
        """
        await self._acquire(sleep or self._sleep, honour_pause)
        try:
            with self._lock:
                wait = self._pacer.reserve(self._clock())
            if wait > 0:
                await (sleep or self._sleep)(wait)
        except BaseException:
            with self._lock:
                self._in_flight -= 1
            self._wake()
            raise
        slot = Slot(self._clock())
        try:
            yield slot
        finally:
            with self._lock:
                self._in_flight -= 1
                if slot.outcome is not None:
                    self._account(slot.started, slot.outcome)
            self._wake()

    def _account(self, started: float, outcome: dict[str, object]) -> None:
        now = self._clock()
        if not outcome["congested"]:
            self._pacer.succeeded(now)
        elif outcome["limited"]:
            self._pacer.throttled(started, now)
        # A 429 is the pacer's once it has a rate; before that (no answers to measure
        # yet) the in-flight limit backs off as for any congestion.
        limited = bool(outcome["limited"]) and self._pacer.rate is not None
        self._ctl.completed(started, now, **{**outcome, "limited": limited})  # type: ignore[arg-type]
        remaining, reset = outcome["remaining"], outcome["reset"]
        if isinstance(remaining, int) and isinstance(reset, float | int):
            self._pacer.quota(remaining, float(reset), now)

    async def _acquire(self, sleep: Sleep, honour_pause: bool) -> None:
        # Each pause is slept once (a fake sleep in tests must not spin); a pause that a
        # later 429 extends is slept again, also by requests already queued for a slot.
        slept_until = 0.0 if honour_pause else self._ctl.paused_until
        while True:
            until = self._ctl.paused_until
            if until > slept_until and until > self._clock():
                slept_until = until
                await sleep(until - self._clock())
                continue
            loop = asyncio.get_running_loop()
            with self._lock:
                if self._in_flight < self._ctl.limit:
                    self._in_flight += 1
                    self._peak = max(self._peak, self._in_flight)
                    return
                self._ctl.waited()
                waiter: asyncio.Future[None] = loop.create_future()
                self._waiters.append((loop, waiter))
            try:
                await waiter
            except asyncio.CancelledError:
                with self._lock:
                    if (loop, waiter) in self._waiters:
                        self._waiters.remove((loop, waiter))
                        woken = False
                    else:
                        woken = True
                if woken:
                    self._wake()  # pass the wake-up on to someone else
                raise

    def _wake(self) -> None:
        with self._lock:
            free = self._ctl.limit - self._in_flight
            woken = []
            while free > 0 and self._waiters:
                woken.append(self._waiters.popleft())
                free -= 1
        for loop, waiter in woken:
            if loop.is_closed():
                continue
            loop.call_soon_threadsafe(_release, waiter)


def _release(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class HostBudgets:
    """The process's budgets, one per registry host (``host:port``), made on first use."""

    def __init__(self, policy: BudgetPolicy | None = None, *,
                 clock: Clock = time.monotonic) -> None:
        self.policy = policy or BudgetPolicy()
        self._clock = clock
        self._lock = threading.Lock()
        self._hosts: dict[str, HostBudget] = {}

    def for_host(self, host: str) -> HostBudget:
        """Return the budget of ``host`` (case-insensitive), creating it once."""
        key = host.lower()
        with self._lock:
            budget = self._hosts.get(key)
            if budget is None:
                budget = HostBudget(key, self.policy, clock=self._clock)
                self._hosts[key] = budget
            return budget

    def snapshot(self) -> dict[str, dict[str, int]]:
        """Return each host's limit, in-flight count, peak, throttling cuts and pace (metrics)."""
        with self._lock:
            hosts = dict(self._hosts)
        return {host: {"limit": b.limit, "inFlight": b.in_flight, "peak": b.peak,
                       "throttled": b.throttled, "pace": round(b.rate or 0)}
                for host, b in hosts.items()}
