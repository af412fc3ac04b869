"""Expiry arithmetic and concurrency of the credential caches (no AWS involved)."""

from __future__ import annotations

import threading
import time

from chartyard.aws import AssumedRoleCache, EcrTokenCache
from chartyard.aws._cache import refresh_time
from chartyard.oci import BasicCredentials
from tests.aws.conftest import FakeClock


def test_refresh_time_rules() -> None:
    hour = 3600.0
    # Normal: margin before expiry.
    assert refresh_time(0.0, 12 * hour, 300.0, 600.0) == 12 * hour - 300
    # Already expired at issue (moto's 2015 expiry, or skew): a grace period, not a loop.
    assert refresh_time(1000.0, 10.0, 300.0, 600.0) == 1600.0
    assert refresh_time(1000.0, 1000.0, 300.0, 600.0) == 1600.0
    # Expires within the margin: used until it expires, never beyond the grace.
    assert refresh_time(1000.0, 1120.0, 300.0, 600.0) == 1120.0


def test_token_cache_refreshes_margin_before_expiry() -> None:
    clock = FakeClock(1_000.0)
    cache = EcrTokenCache()
    fetches: list[float] = []

    def fetch() -> tuple[BasicCredentials, float]:
        fetches.append(clock.now)
        return BasicCredentials("AWS", f"token-{len(fetches)}"), clock.now + 12 * 3600

    key = ("123456789012", "eu-west-1", "id")
    assert cache.get_or_fetch(key, clock, fetch).password == "token-1"
    clock.advance(12 * 3600 - 301)
    assert cache.get_or_fetch(key, clock, fetch).password == "token-1"
    clock.advance(2)
    assert cache.get_or_fetch(key, clock, fetch).password == "token-2"
    assert len(fetches) == 2
    cache.invalidate(key)
    assert cache.get_or_fetch(key, clock, fetch).password == "token-3"


def test_concurrent_misses_fetch_once() -> None:
    cache = AssumedRoleCache()
    calls = 0
    gate = threading.Event()
    entered = threading.Event()

    def fetch() -> tuple[str, float]:
        nonlocal calls
        calls += 1
        entered.set()
        gate.wait(60)
        return "credentials", time.time() + 3600

    key = ("AKIA", "arn:aws:iam::123456789012:role/r", "ext", "eu-west-1")
    results: list[object] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_fetch(key, time.time, fetch)))  # type: ignore[arg-type]
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    assert entered.wait(60)  # one thread fetches; the others queue behind it or hit the cache
    gate.set()
    for thread in threads:
        thread.join(60)
    assert calls == 1
    assert results == ["credentials"] * 8


def test_caches_are_independent_objects() -> None:
    """No process-wide state: two caches never see each other's entries."""
    clock = FakeClock(0.0)
    one, two = EcrTokenCache(), EcrTokenCache()
    key = ("a", "r", "i")
    one.get_or_fetch(key, clock, lambda: (BasicCredentials("AWS", "x"), 10_000.0))
    assert one.size() == 1
    assert two.size() == 0
    assert two.get(key, 0.0) is None
