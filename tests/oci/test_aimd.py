"""The per-host in-flight controller, driven by a fake clock; the shared host budget."""

from __future__ import annotations

import asyncio
import threading

import pytest

from chartyard.oci import AimdController, BudgetPolicy, HostBudget, HostBudgets


class Clock:
    """A hand-moved monotonic clock."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def window(ctl: AimdController, clock: Clock, *, latency: float, saturated: bool = True,
           **outcome: object) -> None:
    """Complete one full window of requests, each taking ``latency``."""
    count = max(ctl.policy.min_window, ctl.limit)
    for _ in range(count):
        if saturated:
            ctl.waited()
        clock.now += latency / count  # requests overlap: the window lasts one latency
        ctl.completed(clock.now - latency, clock.now, **outcome)  # type: ignore[arg-type]


def test_slow_start_doubles_while_latency_is_flat_then_caps() -> None:
    clock = Clock()
    ctl = AimdController(BudgetPolicy(initial=4, cap=32), clock.now)
    seen = [ctl.limit]
    for _ in range(5):
        window(ctl, clock, latency=0.030)
        seen.append(ctl.limit)
    assert seen == [4, 8, 16, 32, 32, 32]


def test_no_growth_when_callers_never_wait() -> None:
    clock = Clock()
    ctl = AimdController(BudgetPolicy(initial=4, cap=32), clock.now)
    for _ in range(5):
        window(ctl, clock, latency=0.030, saturated=False)
    assert ctl.limit == 4


def test_latency_inflation_stops_growth_and_backs_off() -> None:
    clock = Clock()
    ctl = AimdController(BudgetPolicy(initial=4, cap=64, latency_floor=4), clock.now)
    window(ctl, clock, latency=0.010)
    assert ctl.limit == 8
    window(ctl, clock, latency=0.011)
    assert ctl.limit == 16
    # A loaded registry: twice the in-flight, three times the latency, same throughput.
    window(ctl, clock, latency=0.040)
    assert ctl.limit == 15 and not ctl.slow_start
    window(ctl, clock, latency=0.012)
    assert ctl.limit == 16  # latency back to normal: additive growth resumes


def test_unpaced_congestion_cuts_multiplicatively_once_per_round() -> None:
    # A 503, or a 429 before the pacer could measure a rate (``limited`` False).
    clock = Clock()
    ctl = AimdController(BudgetPolicy(initial=16, cap=32), clock.now)
    sent = clock.now
    clock.now += 0.01
    for _ in range(16):  # a whole round of requests sent before the first 429 arrived
        ctl.completed(sent, clock.now, congested=True)
    assert ctl.limit == 8 and ctl.cuts == 1
    clock.now += 0.01
    ctl.completed(clock.now - 0.001, clock.now, congested=True)  # sent after the cut
    assert ctl.limit == 4 and ctl.cuts == 2
    for _ in range(10):
        clock.now += 0.01
        ctl.completed(clock.now - 0.001, clock.now, congested=True)
    assert ctl.limit == 1  # never below one


def test_503_cuts_and_growth_after_it_is_additive() -> None:
    clock = Clock()
    ctl = AimdController(BudgetPolicy(initial=8, cap=32), clock.now)
    ctl.completed(clock.now, clock.now + 0.01, congested=True)
    assert ctl.limit == 4
    window(ctl, clock, latency=0.010)
    window(ctl, clock, latency=0.010)
    assert ctl.limit == 6


def test_retry_after_pauses_the_host_and_is_bounded() -> None:
    clock = Clock()
    ctl = AimdController(BudgetPolicy(initial=8, max_pause=60), clock.now)
    ctl.completed(clock.now, clock.now, retry_after=3)
    assert ctl.paused_until == pytest.approx(clock.now + 3)
    ctl.completed(clock.now, clock.now, retry_after=3600)
    assert ctl.paused_until == pytest.approx(clock.now + 60)


def test_a_paced_429_with_a_short_retry_after_does_not_pause_the_host() -> None:
    clock = Clock()
    ctl = AimdController(BudgetPolicy(initial=8, short_retry_after=2), clock.now)
    ctl.completed(clock.now, clock.now, congested=True, retry_after=1, limited=True)
    assert ctl.paused_until == 0.0 and ctl.limit == 8 and ctl.cuts == 0
    ctl.completed(clock.now, clock.now, congested=True, retry_after=1)  # not paced yet
    assert ctl.paused_until == pytest.approx(clock.now + 1) and ctl.limit == 4


def test_ratelimit_remaining_lowers_the_limit_and_zero_waits_for_reset() -> None:
    clock = Clock()
    ctl = AimdController(BudgetPolicy(initial=16, cap=32), clock.now)
    ctl.completed(clock.now, clock.now + 0.01, remaining=5)
    assert ctl.limit == 5
    ctl.completed(clock.now - 0.01, clock.now, remaining=0, reset=7)
    assert ctl.limit == 1 and ctl.paused_until == pytest.approx(clock.now + 7)
    ctl.completed(clock.now, clock.now + 0.01, remaining=500)
    assert ctl.limit == 1  # plenty left: growth is the windows' business, not the header's


def test_pinned_limit_never_grows_past_the_pin_but_recovers_to_it() -> None:
    clock = Clock()
    ctl = AimdController(BudgetPolicy.fixed(6), clock.now)
    for _ in range(3):
        window(ctl, clock, latency=0.010)
    assert ctl.limit == 6
    ctl.completed(clock.now, clock.now + 0.01, congested=True)
    assert ctl.limit == 3
    for _ in range(5):
        window(ctl, clock, latency=0.010)
    assert ctl.limit == 6


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        BudgetPolicy(pinned=0)
    with pytest.raises(ValueError, match="between 1 and the cap"):
        BudgetPolicy(initial=64, cap=32)


def test_budgets_are_one_per_host_and_case_insensitive() -> None:
    budgets = HostBudgets(BudgetPolicy.fixed(2))
    assert budgets.for_host("Reg.example:5000") is budgets.for_host("reg.example:5000")
    assert budgets.for_host("a:1") is not budgets.for_host("a:2")
    assert set(budgets.snapshot()) == {"reg.example:5000", "a:1", "a:2"}


def test_one_budget_bounds_callers_on_several_event_loops() -> None:
    budget = HostBudget("r", BudgetPolicy.fixed(3))
    state = {"now": 0, "peak": 0}
    lock = threading.Lock()

    async def one() -> None:
        async with budget.slot() as slot:
            with lock:
                state["now"] += 1
                state["peak"] = max(state["peak"], state["now"])
            await asyncio.sleep(0.002)
            with lock:
                state["now"] -= 1
            slot.done()

    async def many() -> None:
        await asyncio.gather(*(one() for _ in range(40)))

    threads = [threading.Thread(target=asyncio.run, args=(many(),)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert state["peak"] == 3 and budget.peak == 3 and budget.in_flight == 0


def test_a_moderate_queue_holds_the_limit() -> None:
    clock = Clock()
    ctl = AimdController(BudgetPolicy(initial=8, cap=64, latency_floor=8), clock.now)
    window(ctl, clock, latency=0.010)
    assert ctl.limit == 16
    # 16 x (1 - 10/14) = 4.6 requests queued: between alpha (3) and beta (6): hold.
    for _ in range(3):
        window(ctl, clock, latency=0.014)
    assert ctl.limit == 16 and not ctl.slow_start


def test_the_baseline_forgets_old_windows() -> None:
    clock = Clock()
    ctl = AimdController(BudgetPolicy(initial=4, cap=64, baseline_seconds=60), clock.now)
    window(ctl, clock, latency=0.001)
    clock.now += 120
    window(ctl, clock, latency=0.030)
    assert ctl.baseline == pytest.approx(0.030)


def test_latency_alone_never_holds_the_limit_below_the_floor() -> None:
    clock = Clock()
    ctl = AimdController(BudgetPolicy(initial=4, cap=32), clock.now)
    window(ctl, clock, latency=0.010)
    window(ctl, clock, latency=0.050)  # a client short of CPU: latency x5 at 8 in flight
    assert ctl.limit == 16
    for _ in range(5):
        window(ctl, clock, latency=0.200)  # queueing above the floor: back to it, not below
    assert ctl.limit == 16
    ctl.completed(clock.now, clock.now + 0.01, congested=True)
    assert ctl.limit == 8  # throttling still cuts below it
