"""The in-flight controller of one registry host: AIMD on throughput, latency and throttling.

A pure state machine: every method takes the current time, so tests drive it with a
fake clock. ``HostBudget`` (``_budget.py``) wraps it with slots and waiters.

- **Start polite** at ``initial`` requests in flight.
- Once per window (about one limit's worth of completions) the controller compares
  the window's mean latency with the *baseline*, the lowest window mean of the last
  ``baseline_seconds`` (the unloaded round trip), and estimates how many requests
  wait in a queue somewhere: ``queue = limit x (1 - baseline / mean)`` (TCP Vegas).
  A registry across a WAN is latency-bound: more in flight buys throughput at the
  same latency, the queue stays short and the limit **grows** (doubling until the
  first sign of queueing or throttling, then by one). A loaded registry answers later
  as more is in flight: the queue grows, the limit holds between ``alpha`` and
  ``beta`` queued requests and **shrinks by one** above ``beta``. Growth also needs a
  *saturated* window (someone waited for a slot) and a throughput that did not fall.
  Below ``latency_floor`` (16) latency is not consulted: a saturated window grows the
  limit (doubling from ``initial``), since a client short of CPU inflates latency too.
- **503** (an overloaded registry) multiplies the limit by ``decrease`` (at most once
  per round of requests: answers to requests sent before the cut do not cut again).
  **429** (a rate limiter) does not: the rate pacer (``_rate.py``) learns the rate and
  spaces requests to it, and halving the in-flight limit only to double it again a
  window later is what made throttled syncs slow. Either ends slow start.
- A ``Retry-After`` longer than ``short_retry_after`` pauses every new request to the
  host until it has passed; a short one (a whole-second hint from a token bucket) is
  waited out by the throttled request alone while the others go on at the learned pace.
- **RateLimit-Remaining** below the limit lowers the limit to what remains; zero
  pauses the host until ``RateLimit-Reset`` (when sent).
- **Hard cap** ``cap``; a **pinned** limit never grows past the pin (it still backs
  off on throttling and climbs back by one per clean window).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class BudgetPolicy:
    """How one host's in-flight limit starts, grows and shrinks."""

    initial: int = 4
    cap: int = 32
    pinned: int | None = None
    decrease: float = 0.5
    alpha: float = 3.0
    beta: float = 6.0
    # Latency alone never holds the limit below this (only 429/503 and RateLimit do):
    # latency cannot tell a loaded registry from a client short of CPU.
    latency_floor: int = 16
    min_window: int = 8
    baseline_seconds: float = 60.0
    max_pause: float = 60.0
    short_retry_after: float = 2.0

    def __post_init__(self) -> None:
        if self.pinned is not None and self.pinned < 1:
            raise ValueError("a pinned in-flight limit must be at least 1")
        if not 1 <= self.initial <= self.cap:
            raise ValueError("the initial in-flight limit must be between 1 and the cap")
        if not 0 < self.decrease < 1:
            raise ValueError("decrease must be between 0 and 1")

    @classmethod
    def fixed(cls, limit: int) -> BudgetPolicy:
        """Return a policy pinned at ``limit`` requests in flight."""
        return cls(initial=limit, cap=limit, pinned=limit)


@dataclass
class _Window:
    started: float
    count: int = 0
    latency: float = 0.0
    saturated: bool = False


class AimdController:
    """Decide how many requests may be in flight to one host."""

    def __init__(self, policy: BudgetPolicy, now: float) -> None:
        self.policy = policy
        self.limit = policy.pinned or policy.initial
        self.ceiling = policy.pinned or policy.cap
        self.slow_start = policy.pinned is None
        self.paused_until = 0.0
        self.cuts = 0
        self._cut_at = -math.inf
        self._window = _Window(now)
        self._means: deque[tuple[float, float]] = deque()  # (closed at, mean latency)
        self._throughput: float | None = None

    @property
    def baseline(self) -> float | None:
        """Return the lowest recent window mean latency (the unloaded round trip)."""
        return min(mean for _, mean in self._means) if self._means else None

    def waited(self) -> None:
        """Note that a request had to wait for a slot: the window is saturated."""
        self._window.saturated = True

    def completed(self, started: float, now: float, *, congested: bool = False,
                  retry_after: float | None = None, remaining: int | None = None,
                  reset: float | None = None, limited: bool = False) -> None:
        """Account one finished request that was sent at ``started``.

        ``limited`` marks a 429 (a rate limiter) among the ``congested`` answers.
        """
        if congested or retry_after is not None:
            self._congestion(started, now, retry_after, limited)
        else:
            self._window.count += 1
            self._window.latency += max(0.0, now - started)
        if remaining is not None:
            self._remaining(remaining, now, reset)
        if self._window.count >= max(self.policy.min_window, self.limit):
            self._close_window(now)

    def _congestion(self, started: float, now: float, retry_after: float | None,
                    limited: bool) -> None:
        if retry_after is not None and (not limited
                                        or retry_after > self.policy.short_retry_after):
            wait = min(max(0.0, retry_after), self.policy.max_pause)
            self.paused_until = max(self.paused_until, now + wait)
        if started < self._cut_at:
            return  # sent before the last cut: the cut already answered it
        self.slow_start = False
        self._cut_at = now
        self._window = _Window(now)
        if limited:
            return  # the pacer answers a rate limiter; the in-flight limit stands
        self.limit = max(1, math.floor(self.limit * self.policy.decrease))
        self.cuts += 1

    def _remaining(self, remaining: int, now: float, reset: float | None) -> None:
        if remaining < self.limit:
            self.limit = max(1, remaining)
            self.slow_start = False
        if remaining == 0 and reset is not None:
            self.paused_until = max(self.paused_until,
                                    now + min(max(0.0, reset), self.policy.max_pause))

    def _close_window(self, now: float) -> None:
        window, self._window = self._window, _Window(now)
        mean = window.latency / window.count
        elapsed = now - window.started
        throughput = window.count / elapsed if elapsed > 0 else None
        while self._means and self._means[0][0] < now - self.policy.baseline_seconds:
            self._means.popleft()
        self._means.append((now, mean))
        baseline = self.baseline or mean
        previous, self._throughput = self._throughput, throughput
        if self.policy.pinned is not None:
            if self.limit < self.ceiling:
                self.limit += 1  # climb back to the pin after a cut
            return
        queue = self.limit * (1 - baseline / mean) if mean > 0 else 0.0
        floor = min(self.policy.latency_floor, self.ceiling)
        if self.limit >= floor:
            if queue > self.policy.beta:
                self.slow_start = False
                self.limit = max(floor, self.limit - 1)
                return
            if queue > self.policy.alpha:
                self.slow_start = False
                return
        falling = (throughput is not None and previous is not None
                   and throughput < 0.9 * previous)
        if not window.saturated or (falling and self.limit >= floor):
            return  # the callers did not use the limit, or more did not help
        grown = self.limit * 2 if self.slow_start else self.limit + 1
        self.limit = min(self.ceiling, grown)
