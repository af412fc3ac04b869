"""The request rate one registry host sustains, learned from its throttling, and a pacer.

A pure state machine like ``AimdController``: every method takes the current time, so
tests drive it with a fake clock. ``HostBudget`` asks it when each request may go.

- **Unpaced until throttled.** A host that never throttles is never paced: the
  concurrency controller alone decides (a distant registry needs many in flight).
- **Learn on 429.** The sustainable rate is the rate of *successful* completions
  just before the throttle (over the last ``window`` seconds, or since the first
  request if that is shorter). A rate limiter lets exactly its rate through while the
  client sends faster, so that completion rate is the limiter's rate once its burst
  is spent. The pace becomes ``margin`` x that, at most once per round: answers to
  requests sent before the last cut do not cut again. A throttle *while paced* means
  the estimate still held some of the limiter's burst: the pace then also steps down
  to ``step_down`` x itself (15 %), never up. Without the step, a burst of 100 cost
  over a hundred 429s before the measured rate caught up; with it, a handful.
  Fewer than ``min_samples`` answers in that span measure nothing: the pace is left
  alone (and the in-flight limit backs off instead). A 503 is overload, not a rate
  limit: the in-flight limit answers it.
- **RateLimit-Remaining / RateLimit-Reset** give the rate outright: what remains of
  the quota spread over the time until it resets.
- **Pace as a token bucket.** Each request reserves the next send time
  (``1 / rate`` apart, a burst of ``burst_seconds`` worth of tokens when idle).
- **Probe upward gently.** After ``probe_seconds`` with no throttling during which the
  pace really held requests back, the pace grows by ``probe_step`` (5 %): it finds
  a raised limit again without running into the old one at twice the rate.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class RatePolicy:
    """How the pace of one host is learned and probed."""

    window: float = 1.0
    margin: float = 0.95
    probe_seconds: float = 1.0
    probe_step: float = 0.05
    burst_seconds: float = 0.05
    min_rate: float = 0.5
    min_samples: int = 5
    step_down: float = 0.85

    def __post_init__(self) -> None:
        if not 0 < self.margin <= 1:
            raise ValueError("the rate margin must be between 0 and 1")
        if self.window <= 0 or self.probe_seconds <= 0:
            raise ValueError("the rate window and probe interval must be positive")


class RatePacer:
    """Learn one host's sustainable request rate and space requests to it."""

    def __init__(self, policy: RatePolicy | None = None) -> None:
        self.policy = policy or RatePolicy()
        self.rate: float | None = None  # requests per second; None: not paced
        self.learned = 0  # how many times throttling set the pace
        self._next = -math.inf  # the earliest send time of the next request
        self._done: deque[float] = deque()  # successful completion times, last window
        self._first: float | None = None  # the first request ever sent
        self._cut_at = -math.inf
        self._probe_from = -math.inf
        self._held = False  # the pace held a request back since the last probe

    def reserve(self, now: float) -> float:
        """Reserve the next send slot; return how long the caller must wait for it."""
        if self._first is None:
            self._first = now
        if self.rate is None:
            return 0.0
        gap = 1.0 / self.rate
        burst = max(gap, self.policy.burst_seconds)
        at = max(self._next, now - burst + gap)
        self._next = at + gap
        wait = max(0.0, at - now)
        if wait > 0:
            self._held = True
        return wait

    def succeeded(self, now: float) -> None:
        """Account one answer that was not throttled; probe upward when it is time."""
        self._done.append(now)
        while self._done and self._done[0] < now - self.policy.window:
            self._done.popleft()
        if self.rate is not None and now - self._probe_from >= self.policy.probe_seconds:
            if self._held:
                self.rate *= 1 + self.policy.probe_step
            self._probe_from = now
            self._held = False

    def throttled(self, started: float, now: float) -> bool:
        """Account a 429 to a request sent at ``started``; return True if it set the pace."""
        if started < self._cut_at:
            return False  # sent before the last cut: that cut already answered it
        since = self._first if self._first is not None else now
        span = min(self.policy.window, max(now - since, 1e-3))
        recent = sum(1 for t in self._done if t >= now - span)
        if recent < self.policy.min_samples:
            return False
        measured = max(self.policy.min_rate, recent / span)
        paced = measured * self.policy.margin
        # Still throttled at the learned pace: the estimate included a burst; step down.
        self.rate = paced if self.rate is None else min(self.rate * self.policy.step_down,
                                                        paced)
        self.learned += 1
        self._cut_at = now
        self._probe_from = now
        self._held = False
        self._next = max(self._next, now)  # no burst straight after a throttle
        return True

    def quota(self, remaining: int, reset: float | None, now: float) -> None:
        """Pace at what remains of a ``RateLimit`` quota spread over the time to its reset."""
        if reset is None or reset <= 0 or remaining <= 0:
            return
        spread = max(self.policy.min_rate, remaining / reset)
        if self.rate is None or spread < self.rate:
            self.rate = spread
            self._probe_from = now
