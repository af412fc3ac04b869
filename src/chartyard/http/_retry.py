"""Retry policy: which failures are transient and how long to wait before trying again."""

from __future__ import annotations

import email.utils
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from ._errors import RetryableStatus, TruncatedBody

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})

# Failures after which a GET or HEAD is safe to resend. Connect errors (DNS,
# refused, TLS) and timeouts are not here: retrying them only delays the answer.
RETRYABLE_EXCEPTIONS: tuple[type[BaseException], ...] = (
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
    TruncatedBody,
    RetryableStatus,
)


def backoff_delay(
    attempt: int, *, base: float, maximum: float, random: Callable[[], float]
) -> float:
    """Return a full-jitter delay for retry ``attempt`` (0-based): U(0, min(max, base*2^n))."""
    ceiling = min(maximum, base * (2 ** min(attempt, 32)))
    return float(random() * ceiling)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Return the wait a ``Retry-After`` value asks for, in seconds, or None if unusable.

    Accepts delta-seconds and HTTP-dates; a date in the past means zero.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def parse_rate_limit(value: str | None) -> int | None:
    """Return the count in a ``RateLimit-*`` header such as ``76;w=21600``."""
    if not value:
        return None
    head = value.split(";", 1)[0].split(",", 1)[0].strip()
    return int(head) if head.isdigit() else None
