"""What the event endpoint keeps per process: a rate limit per registry and the refresher.

``EventRefresher`` coalesces: events for a registry wait in one pending map
(repository -> tags), and one task per registry drains it. While a sync (or a
refresh in another process) holds the registry's lease, the pending map keeps
collecting and is refreshed once the lease is free, so a burst of pushes during a
sync costs one refresh per repository afterwards.

A pushed tag the registry does not serve yet (docker-registry notifies before it
links the tag) is looked for again after `RETRY_DELAYS`, then left to the periodic
sync.
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

RETRY_DELAYS = (0.25, 0.5, 1.0, 2.0, 4.0)  # seconds before each new look for a pushed tag


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
        self._looks: dict[tuple[str, str, str], int] = {}  # (registry, repo, tag) -> retries
        self._scheduled = 0

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
        """Return True when nothing is pending, running or scheduled to be looked for again."""
        return not self._tasks and not self._scheduled

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
                self._look_again(uid, batch, outcome)
                await asyncio.to_thread(self._record, uid, outcome, len(batch))
        finally:
            self._tasks.pop(uid, None)

    def _look_again(self, uid: str, batch: Mapping[str, Mapping[str, str]],
                    outcome: RefreshOutcome) -> None:
        """Schedule another refresh for pushed tags the registry did not serve yet."""
        later: dict[str, dict[str, str]] = {}
        delay = RETRY_DELAYS[-1]
        for repo, tags in batch.items():
            unseen = outcome.unseen.get(repo, {})
            for tag, digest in tags.items():
                key = (uid, repo, tag)
                looks = self._looks.pop(key, 0)
                if tag not in unseen:
                    continue
                if looks < len(RETRY_DELAYS):
                    self._looks[key] = looks + 1
                    later.setdefault(repo, {})[tag] = digest
                    delay = min(delay, RETRY_DELAYS[looks])
                else:
                    log.info("pushed tag not in the registry; the periodic sync will look",
                             extra={"registry": uid, "repository": repo, "tag": tag})
        if later:
            self._scheduled += 1
            asyncio.get_running_loop().call_later(delay, self._retry, uid, later)

    def _retry(self, uid: str, refresh: Mapping[str, Mapping[str, str]]) -> None:
        self._scheduled -= 1
        self.submit(uid, refresh)

    def _record(self, uid: str, outcome: RefreshOutcome, repositories: int) -> None:
        self.outcomes = [*self.outcomes[-99:], outcome]
        log.info("event refresh", extra={
            "registry": uid, "status": outcome.status, "repositories": repositories,
            "requests": outcome.requests, "added": outcome.added, "removed": outcome.removed})
        if outcome.status == "Completed":
            with self.ctx.transaction() as session:
                service.count_refreshed(session, uid, repositories)
