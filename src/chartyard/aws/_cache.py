"""Cache short-lived AWS credentials and ECR tokens until shortly before they expire.

The caches are plain objects owned by the caller (one per process, say); no
state lives in module globals. They are thread-safe, and concurrent misses
for one key are coalesced into a single fetch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from chartyard.oci import BasicCredentials

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Clock = Callable[[], float]
# A fetch returns the value and its expiry as a UNIX timestamp.
Fetch = Callable[[], tuple[V, float]]


@dataclass(frozen=True)
class AwsCredentials:
    """Hold temporary AWS credentials; the secret parts never appear in repr."""

    access_key: str
    secret_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    expires_at: float | None = None


def refresh_time(issued_at: float, expires_at: float, margin: float, grace: float) -> float:
    """Return when a value issued at ``issued_at`` and expiring at ``expires_at`` is refreshed.

    Normally that is ``margin`` seconds before expiry. A value whose expiry
    is already past when it is issued (moto's ECR tokens expire in 2015;
    a skewed clock does the same) is used for ``grace`` seconds instead of
    being refetched on every call; a value expiring sooner than ``margin``
    is used until it expires, but never longer than ``grace``.
    """
    if expires_at <= issued_at:
        return issued_at + grace
    if expires_at - margin > issued_at:
        return expires_at - margin
    return issued_at + min(grace, expires_at - issued_at)


@dataclass
class _Entry(Generic[V]):
    value: V
    refresh_at: float


class _ExpiringCache(Generic[K, V]):
    """Map keys to values that are refetched ``margin`` seconds before they expire."""

    def __init__(self, *, margin_seconds: float, expired_grace_seconds: float) -> None:
        self.margin_seconds = margin_seconds
        self.expired_grace_seconds = expired_grace_seconds
        self._entries: dict[K, _Entry[V]] = {}
        self._key_locks: dict[K, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: K, now: float) -> V | None:
        """Return the cached value for ``key`` if it is not due for refresh."""
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or now >= entry.refresh_at:
            return None
        return entry.value

    def get_or_fetch(self, key: K, clock: Clock, fetch: Fetch[V]) -> V:
        """Return the cached value for ``key``, calling ``fetch`` once if it is missing or due."""
        value = self.get(key, clock())
        if value is not None:
            return value
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            issued_at = clock()
            value = self.get(key, issued_at)
            if value is not None:  # another thread fetched it while we waited
                return value
            value, expires_at = fetch()
            refresh_at = refresh_time(
                issued_at, expires_at, self.margin_seconds, self.expired_grace_seconds
            )
            with self._lock:
                self._purge(issued_at)
                self._entries[key] = _Entry(value, refresh_at)
            return value

    def invalidate(self, key: K) -> None:
        """Drop the cached value for ``key``, if any."""
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        """Drop every cached value."""
        with self._lock:
            self._entries.clear()

    def size(self) -> int:
        """Return the number of cached entries, including ones due for refresh.

        (Deliberately not ``__len__``: an empty cache must not be falsy, or
        ``cache or Cache()`` would silently replace a shared cache.)
        """
        with self._lock:
            return len(self._entries)

    def _purge(self, now: float) -> None:
        stale = [key for key, entry in self._entries.items() if now >= entry.refresh_at]
        for key in stale:
            del self._entries[key]


RoleKey = tuple[str, str, str, str]
"""(principal, role ARN, external ID or "", region)."""

TokenKey = tuple[str, str, str]
"""(registry account ID or "public", region, auth identity)."""


class AssumedRoleCache(_ExpiringCache[RoleKey, AwsCredentials]):
    """Cache STS AssumeRole credentials per (principal, role ARN, external ID, region)."""

    def __init__(
        self, *, margin_seconds: float = 300.0, expired_grace_seconds: float = 60.0
    ) -> None:
        super().__init__(margin_seconds=margin_seconds, expired_grace_seconds=expired_grace_seconds)


class EcrTokenCache(_ExpiringCache[TokenKey, BasicCredentials]):
    """Cache ECR authorization tokens (valid 12 h) per (registry, region, auth identity)."""

    def __init__(
        self, *, margin_seconds: float = 300.0, expired_grace_seconds: float = 600.0
    ) -> None:
        super().__init__(margin_seconds=margin_seconds, expired_grace_seconds=expired_grace_seconds)
