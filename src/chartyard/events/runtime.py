"""What the event endpoint keeps per process: a rate limit per registry and the refresher.

``EventRefresher`` coalesces: events for a registry wait in one pending map
(repository -> tags), and one task per registry drains it. While a sync (or a
refresh in another process) holds the registry's lease, the pending map keeps
collecting and is refreshed once the lease is free, so a burst of pushes during a
sync costs one refresh per repository afterwards.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Mapping

from chartyard.context import AppContext
from chartyard.events import service
from chartyard.sync.refresh import RefreshOutcome, RepositoryRefresh
from chartyard.sync.worker import worker_id

log = logging.getLogger(__name__)


class TokenBuckets:
    """A token bucket per key: ``rate`` per second, bursts up to ``burst``."""

    def __init__(self, rate: float, burst: int, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self._clock = rate, burst, clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> float | None:
        """Take one token; return None when granted, else the seconds until one is free."""
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return None
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate


class EventRefresher:
    """Run coalesced repository refreshes, one task per registry at a time."""

    def __init__(self, ctx: AppContext, *, busy_retry: float = 0.5) -> None:
        self.ctx = ctx
        self.worker = worker_id()
        self.busy_retry = busy_retry
        self.outcomes: list[RefreshOutcome] = []  # most recent last, bounded
        self._pending: dict[str, dict[str, dict[str, str]]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def submit(self, uid: str, refresh: Mapping[str, Mapping[str, str]]) -> None:
        """Queue repositories of a registry for refresh (call on the event loop)."""
        if not refresh:
            return
        pending = self._pending.setdefault(uid, {})
        for repo, tags in refresh.items():
            pending.setdefault(repo, {}).update(tags)
        if uid not in self._tasks:
            task = asyncio.get_running_loop().create_task(self._drain(uid))
            self._tasks[uid] = task

    def idle(self) -> bool:
        """Return True when nothing is pending or running."""
        return not self._tasks

    async def _drain(self, uid: str) -> None:
        wait = self.busy_retry
        try:
            while self._pending.get(uid):
                batch = self._pending.pop(uid)
                try:
                    outcome = await RepositoryRefresh(self.ctx, uid, batch, self.worker).run()
                except Exception:  # a bug must not stop later events; the sync is the net
                    log.exception("event refresh crashed", extra={"registry": uid})
                    return
                if outcome.status == "Busy":
                    # A sync holds the lease: put the batch back under newer events.
                    newer = self._pending.pop(uid, {})
                    for repo, tags in newer.items():
                        batch.setdefault(repo, {}).update(tags)
                    self._pending[uid] = batch
                    await asyncio.sleep(wait)
                    wait = min(wait * 2, 5.0)
                    continue
                wait = self.busy_retry
                await asyncio.to_thread(self._record, uid, outcome, len(batch))
        finally:
            self._tasks.pop(uid, None)

    def _record(self, uid: str, outcome: RefreshOutcome, repositories: int) -> None:
        self.outcomes = [*self.outcomes[-99:], outcome]
        log.info("event refresh", extra={
            "registry": uid, "status": outcome.status, "repositories": repositories,
            "requests": outcome.requests, "added": outcome.added, "removed": outcome.removed})
        if outcome.status == "Completed":
            with self.ctx.transaction() as session:
                service.count_refreshed(session, uid, repositories)
