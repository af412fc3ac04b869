"""Retries, Retry-After, adaptive concurrency and truncated bodies."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from chartyard.http import backoff_delay, parse_rate_limit, parse_retry_after
from chartyard.oci import (
    BudgetPolicy,
    ClientLimits,
    HostBudget,
    NotFound,
    ProtocolError,
    RateLimited,
    RegistryClient,
    RegistryUnreachable,
    ServerError,
)

from ._fakes import REGISTRY, FakeRegistry, Handler, Sleeps

CONFIG = b'{"name":"demo"}'


def scripted(answers: list[httpx.Response | Exception], then: Handler) -> Handler:
    """Answer with ``answers`` in order (raising exceptions), then delegate to ``then``."""
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        if queue:
            answer = queue.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return then(request)

    return handler


def make(handler: Handler, sleeps: Sleeps, **limits: float) -> RegistryClient:
    return RegistryClient(
        f"https://{REGISTRY}", transport=httpx.MockTransport(handler),
        limits=ClientLimits(**limits),  # type: ignore[arg-type]
        _sleep=sleeps, _random=lambda: 1.0,
    )


def fake_with_chart() -> FakeRegistry:
    fake = FakeRegistry()
    fake.push("org/demo", "1.0.0", CONFIG, b"layer")
    return fake


async def test_429_honours_retry_after_seconds_and_http_date() -> None:
    fake = fake_with_chart()
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    handler = scripted(
        [httpx.Response(429, headers={"Retry-After": "3"}),
         httpx.Response(429, headers={"Retry-After": when})],
        fake.handle,
    )
    sleeps = Sleeps()
    async with make(handler, sleeps) as client:
        await client.get_manifest("org/demo", "1.0.0")
    assert sleeps.delays[0] == 3.0
    assert 27.0 <= sleeps.delays[1] <= 30.0
    assert client.stats.retries == 2 and client.stats.manifest == 3


async def test_retry_after_beyond_the_cap_raises_rate_limited_without_waiting() -> None:
    too_long = httpx.Response(429, headers={"Retry-After": "3600"})
    handler = scripted([too_long], fake_with_chart().handle)
    sleeps = Sleeps()
    async with make(handler, sleeps) as client:
        with pytest.raises(RateLimited) as info:
            await client.get_manifest("org/demo", "1.0.0")
    assert info.value.retry_after == 3600.0
    assert "3600 s" in info.value.message
    assert sleeps.delays == []


async def test_503_burst_then_success_backs_off_exponentially() -> None:
    handler = scripted([httpx.Response(503)] * 3, fake_with_chart().handle)
    sleeps = Sleeps()
    async with make(handler, sleeps) as client:
        manifest = await client.get_manifest("org/demo", "1.0.0")
    assert manifest.config is not None
    assert sleeps.delays == [0.25, 0.5, 1.0]  # base * 2^n with jitter pinned to its ceiling


async def test_backoff_is_capped_and_jittered() -> None:
    assert backoff_delay(10, base=0.25, maximum=8.0, random=lambda: 1.0) == 8.0
    assert backoff_delay(2, base=0.25, maximum=8.0, random=lambda: 0.5) == 0.5
    assert backoff_delay(500, base=0.25, maximum=8.0, random=lambda: 0.0) == 0.0


async def test_retry_bound_exceeded_is_server_error() -> None:
    handler = scripted([httpx.Response(502)] * 100, fake_with_chart().handle)
    sleeps = Sleeps()
    async with make(handler, sleeps, max_retries=2) as client:
        with pytest.raises(ServerError) as info:
            await client.get_manifest("org/demo", "1.0.0")
    assert client.stats.manifest == 3 and client.stats.retries == 2
    assert len(sleeps.delays) == 2
    assert "kept answering 502" in info.value.message and "3 attempts" in info.value.message


async def test_persistent_429_is_rate_limited() -> None:
    handler = scripted([httpx.Response(429)] * 100, fake_with_chart().handle)
    async with make(handler, Sleeps(), max_retries=1) as client:
        with pytest.raises(RateLimited, match="kept throttling"):
            await client.get_manifest("org/demo", "1.0.0")


async def test_4xx_is_not_retried() -> None:
    sleeps = Sleeps()
    async with make(fake_with_chart().handle, sleeps) as client:
        with pytest.raises(NotFound):
            await client.get_manifest("org/demo", "2.0.0")
    assert sleeps.delays == [] and client.stats.manifest == 1


async def test_truncated_body_is_retried() -> None:
    fake = fake_with_chart()
    body = fake.manifests[("org/demo", "1.0.0")]
    short = httpx.Response(200, content=body[:10], headers={"Content-Length": str(len(body))})
    handler = scripted([short], fake.handle)
    async with make(handler, Sleeps()) as client:
        manifest = await client.get_manifest("org/demo", "1.0.0")
    assert manifest.size == len(body)
    assert client.stats.retries == 1


async def test_always_truncated_body_is_protocol_error_not_a_crash() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'{"sche', headers={"Content-Length": "500"})

    async with make(handler, Sleeps(), max_retries=2) as client:
        with pytest.raises(ProtocolError, match="received 6 of 500 bytes"):
            await client.get_manifest("org/demo", "1.0.0")
    assert client.stats.manifest == 3


async def test_connection_reset_is_retried_then_reported() -> None:
    reset = httpx.ReadError("Connection reset by peer")
    handler = scripted([reset], fake_with_chart().handle)
    async with make(handler, Sleeps()) as client:
        await client.get_manifest("org/demo", "1.0.0")
        assert client.stats.retries == 1

    def always(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("Connection reset by peer", request=request)

    async with make(always, Sleeps(), max_retries=1) as client:
        with pytest.raises(RegistryUnreachable) as info:
            await client.get_manifest("org/demo", "1.0.0")
    assert info.value.reason == "reset"
    assert "connection reset" in info.value.message


async def test_token_server_5xx_is_retried() -> None:
    fake = FakeRegistry(auth="bearer")
    fake.push("org/demo", "1.0.0", CONFIG, b"layer")
    failures = [httpx.Response(503)]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token" and failures:
            return failures.pop()
        return fake.handle(request)

    sleeps = Sleeps()
    async with make(handler, sleeps) as client:
        await client.get_manifest("org/demo", "1.0.0")
    assert len(sleeps.delays) == 1 and client.stats.token == 2


async def test_429_halves_concurrency_and_successes_restore_it() -> None:
    handler = scripted([httpx.Response(429)] * 2, fake_with_chart().handle)
    async with make(handler, Sleeps(), max_in_flight=8) as client:
        await client.get_manifest("org/demo", "1.0.0")
        assert client.in_flight_limit == 2  # 8 -> 4 -> 2
        for _ in range(40):
            await client.get_manifest("org/demo", "1.0.0")
        assert 2 < client.in_flight_limit <= 8


async def test_in_flight_requests_are_bounded() -> None:
    fake = fake_with_chart()
    state = {"now": 0, "peak": 0}

    async def handler(request: httpx.Request) -> httpx.Response:
        state["now"] += 1
        state["peak"] = max(state["peak"], state["now"])
        await asyncio.sleep(0.005)
        state["now"] -= 1
        return fake.handle(request)

    client = RegistryClient(
        f"https://{REGISTRY}", transport=httpx.MockTransport(handler),
        limits=ClientLimits(max_in_flight=3),
    )
    async with client:
        await asyncio.gather(*(client.get_manifest("org/demo", "1.0.0") for _ in range(20)))
    assert state["peak"] == 3


async def test_limiter_never_drops_below_one_and_survives_cancellation() -> None:
    limiter = HostBudget("r", BudgetPolicy.fixed(2))
    for _ in range(5):
        async with limiter.slot() as slot:
            slot.done(congested=True)
    assert limiter.limit == 1
    async with limiter.slot():
        waiter = asyncio.create_task(_hold(limiter))
        await asyncio.sleep(0)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
    assert limiter.in_flight == 0
    await asyncio.wait_for(_hold(limiter), 30)  # the slot is still usable


async def _hold(limiter: HostBudget) -> None:
    async with limiter.slot():
        await asyncio.sleep(0)


async def test_rate_limit_remaining_is_recorded() -> None:
    fake = fake_with_chart()

    def handler(request: httpx.Request) -> httpx.Response:
        response = fake.handle(request)
        response.headers["RateLimit-Limit"] = "200;w=21600"
        response.headers["RateLimit-Remaining"] = "76;w=21600"
        return response

    async with make(handler, Sleeps()) as client:
        await client.get_manifest("org/demo", "1.0.0")
    assert client.stats.rate_limit_remaining == 76
    assert client.stats.rate_limit_limit == 200


def test_header_parsers() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert parse_rate_limit("76;w=21600") == 76
    assert parse_rate_limit("n/a") is None
