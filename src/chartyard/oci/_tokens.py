"""Bearer tokens: parse token-server answers and cache them per (realm, service, scope)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from chartyard.http import ProtocolError, loads_json

DEFAULT_EXPIRES_IN = 60.0


@dataclass(frozen=True)
class TokenKey:
    """Identify a token: who issued it (realm, service) and what it grants (scope)."""

    realm: str
    service: str
    scope: str


@dataclass(frozen=True)
class _Entry:
    token: str
    expires_at: float


def parse_token_response(body: bytes, *, max_depth: int) -> tuple[str, float]:
    """Return (token, expires_in seconds) from a token server's JSON answer.

    Accepts ``token`` or ``access_token``; a missing or non-positive
    ``expires_in`` means 60 s. Not supported: ``issued_at`` (expiry is counted
    from when the answer arrived) and refresh tokens.
    """
    data = loads_json(body, max_depth=max_depth, what="the token server's answer")
    if not isinstance(data, dict):
        raise ProtocolError("the token server's answer is not a JSON object")
    token = data.get("token") or data.get("access_token")
    if not isinstance(token, str) or not token:
        raise ProtocolError("the token server's answer has neither 'token' nor 'access_token'")
    expires_in = data.get("expires_in")
    if isinstance(expires_in, bool) or not isinstance(expires_in, int | float) or expires_in <= 0:
        expires_in = DEFAULT_EXPIRES_IN
    return token, float(expires_in)


class TokenCache:
    """Keep tokens until shortly before they expire; one fetch lock per key."""

    def __init__(self, clock: Callable[[], float], *, max_entries: int = 512) -> None:
        self._clock = clock
        self._max_entries = max_entries
        self._entries: dict[TokenKey, _Entry] = {}
        self._locks: dict[TokenKey, asyncio.Lock] = {}

    def __repr__(self) -> str:
        return f"TokenCache(entries={len(self._entries)})"

    def get(self, key: TokenKey) -> str | None:
        """Return a still-valid token for ``key``, or None."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self._clock() >= entry.expires_at:
            del self._entries[key]
            return None
        return entry.token

    def put(self, key: TokenKey, token: str, expires_in: float) -> None:
        """Store ``token``; it is dropped a margin (10 %, at most 5 s) before it expires."""
        margin = min(5.0, expires_in * 0.1)
        if len(self._entries) >= self._max_entries:
            self._evict()
        self._entries[key] = _Entry(token, self._clock() + expires_in - margin)

    def discard(self, key: TokenKey, token: str) -> None:
        """Forget ``token`` if it is still the cached one (the registry rejected it)."""
        entry = self._entries.get(key)
        if entry is not None and entry.token == token:
            del self._entries[key]

    def lock(self, key: TokenKey) -> asyncio.Lock:
        """Return the lock that serialises token fetches for ``key``."""
        lock = self._locks.get(key)
        if lock is None:
            if len(self._locks) >= self._max_entries:
                self._locks = {k: v for k, v in self._locks.items() if v.locked()}
            lock = self._locks[key] = asyncio.Lock()
        return lock

    def _evict(self) -> None:
        now = self._clock()
        self._entries = {k: v for k, v in self._entries.items() if v.expires_at > now}
        while len(self._entries) >= self._max_entries:
            # dicts keep insertion order: drop the oldest token.
            del self._entries[next(iter(self._entries))]
