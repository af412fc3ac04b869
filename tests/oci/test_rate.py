"""The rate pacer: learn a limiter's rate from the answers before a 429, pace, probe gently."""

from __future__ import annotations

import itertools

import httpx
import pytest

from chartyard.http import RatePacer, RatePolicy
from chartyard.oci import (
    AimdController,
    BudgetPolicy,
    HostBudget,
    RateLimited,
    RegistryClient,
)

from ._fakes import REGISTRY, FakeRegistry


class Clock:
    """A hand-moved monotonic clock whose sleeps move it."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.slept.append(delay)
        self.now += delay


def succeed(pacer: RatePacer, clock: Clock, count: int, per_second: float) -> None:
    """Complete ``count`` requests at ``per_second``, each reserved and answered."""
    for _ in range(count):
        clock.now += pacer.reserve(clock.now)
        clock.now += 1 / per_second
        pacer.succeeded(clock.now)


def test_unpaced_until_throttled() -> None:
    clock = Clock()
    pacer = RatePacer()
    succeed(pacer, clock, 500, 1000)
    assert pacer.rate is None and pacer.reserve(clock.now) == 0


def test_a_429_sets_the_pace_to_the_completion_rate_just_before_it() -> None:
    clock = Clock()
    pacer = RatePacer(RatePolicy(window=1.0, margin=0.95))
    succeed(pacer, clock, 300, 300)  # a second at 300/s: older answers leave the window
    succeed(pacer, clock, 100, 100)  # the limiter lets 100/s through
    assert pacer.throttled(clock.now - 0.001, clock.now)
    assert pacer.rate == pytest.approx(95, rel=0.03)
    waits = [pacer.reserve(clock.now) for _ in range(5)]
    gaps = [b - a for a, b in itertools.pairwise(waits)]
    assert waits[0] == pytest.approx(0, abs=1e-9)  # no burst right after a throttle...
    assert gaps == pytest.approx([1 / pacer.rate] * 4)  # ...then one request per 1/rate


def test_one_cut_per_round_and_the_pace_never_rises_on_a_throttle() -> None:
    clock = Clock()
    pacer = RatePacer()
    succeed(pacer, clock, 100, 100)
    sent = clock.now - 0.01
    assert pacer.throttled(sent, clock.now)
    first = pacer.rate
    assert not pacer.throttled(sent, clock.now + 0.001)  # sent before the cut
    succeed(pacer, clock, 200, 400)  # callers want 400/s: paced, and probed up a little
    before = pacer.rate
    assert first is not None and before is not None and first < before < first * 1.2
    assert pacer.throttled(clock.now, clock.now + 0.001)
    assert pacer.learned == 2
    assert pacer.rate == pytest.approx(before * 0.85)  # throttled while paced: step down


def test_too_few_answers_measure_nothing() -> None:
    clock = Clock()
    pacer = RatePacer(RatePolicy(min_samples=5))
    succeed(pacer, clock, 2, 10)
    assert not pacer.throttled(clock.now, clock.now)
    assert pacer.rate is None


def test_probing_is_gentle_and_only_when_the_pace_holds_requests_back() -> None:
    clock = Clock()
    pacer = RatePacer(RatePolicy(probe_seconds=1.0, probe_step=0.05))
    succeed(pacer, clock, 100, 100)
    pacer.throttled(clock.now, clock.now)
    paced = pacer.rate
    assert paced is not None
    succeed(pacer, clock, 100, 10_000)  # the callers want more than the pace: held back
    assert paced < pacer.rate <= paced * 1.05 ** 2  # a few percent a second, not double
    def slow(count: int) -> None:
        for _ in range(count):  # callers slower than the pace: nothing to probe for
            clock.now += 0.2
            pacer.reserve(clock.now)
            pacer.succeeded(clock.now)

    slow(10)  # the interval that was still held back may count once
    held = pacer.rate
    slow(30)
    assert pacer.rate == held


def test_ratelimit_quota_paces_at_what_remains_over_the_reset() -> None:
    clock = Clock()
    pacer = RatePacer()
    pacer.quota(120, 60.0, clock.now)
    assert pacer.rate == pytest.approx(2.0)
    pacer.quota(10_000, 1.0, clock.now)  # plenty: the headers never raise the pace
    assert pacer.rate == pytest.approx(2.0)


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="margin"):
        RatePolicy(margin=0)
    with pytest.raises(ValueError, match="positive"):
        RatePolicy(window=0)


def test_a_paced_429_keeps_the_in_flight_limit_and_only_a_long_retry_after_pauses() -> None:
    ctl = AimdController(BudgetPolicy(initial=16, cap=32, short_retry_after=2), 0.0)
    ctl.completed(0.0, 0.01, congested=True, retry_after=1, limited=True)
    assert ctl.limit == 16 and not ctl.slow_start and ctl.paused_until == 0.0
    ctl.completed(0.02, 0.03, congested=True, retry_after=30, limited=True)
    assert ctl.limit == 16 and ctl.paused_until == pytest.approx(30.03)
    ctl.completed(0.04, 0.05, congested=True)  # a 503: overload, the limit backs off
    assert ctl.limit == 8


async def test_host_budget_paces_every_caller_after_a_429() -> None:
    clock = Clock()
    budget = HostBudget("r", BudgetPolicy(initial=8, cap=8), clock=clock, sleep=clock.sleep)
    for _ in range(50):
        async with budget.slot() as slot:
            clock.now += 0.01  # 100 answers a second
            slot.done()
    async with budget.slot() as slot:
        clock.now += 0.01
        slot.done(congested=True, retry_after=1, limited=True)
    assert budget.rate == pytest.approx(95, rel=0.05) and budget.limit == 8
    clock.slept.clear()
    started = clock.now
    for _ in range(20):
        async with budget.slot() as slot:
            slot.done()
    assert max(clock.slept) < 0.05  # paced, not paused for the whole Retry-After
    assert clock.now - started == pytest.approx(19 / budget.rate, rel=0.05)


class Throttled:
    """A registry front that answers 429 with ``Retry-After`` to every ``every``-th request."""

    def __init__(self, retry_after: str, every: int) -> None:
        self.fake = FakeRegistry()
        self.fake.push("org/demo", "1.0.0", b'{"name":"demo"}', b"layer")
        self.retry_after, self.every, self.seen = retry_after, every, 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.seen += 1
        if self.seen % self.every == 0:
            return httpx.Response(429, headers={"Retry-After": self.retry_after})
        return self.fake.handle(request)


async def test_a_429_with_a_short_retry_after_paces_the_client() -> None:
    clock = Clock()
    front = Throttled("1", every=30)
    budget = HostBudget(REGISTRY, BudgetPolicy(initial=4, cap=4), clock=clock,
                        sleep=clock.sleep)
    async with RegistryClient(f"https://{REGISTRY}", transport=httpx.MockTransport(front.handle),
                              budget=budget, _sleep=clock.sleep) as client:
        for _ in range(40):
            clock.now += 0.01
            await client.get_manifest("org/demo", "1.0.0")
    assert budget.rate is not None  # learned from the answers before the 429
    assert 1.0 in clock.slept  # the throttled request waited what it was told
    assert client.stats.throttled >= 1


async def test_a_retry_after_beyond_the_bound_still_fails() -> None:
    front = Throttled("3600", every=1)
    clock = Clock()
    async with RegistryClient(f"https://{REGISTRY}", transport=httpx.MockTransport(front.handle),
                              _sleep=clock.sleep) as client:
        with pytest.raises(RateLimited) as info:
            await client.get_manifest("org/demo", "1.0.0")
    assert info.value.retry_after == 3600.0 and clock.slept == []
