"""Request counters: how tests and benchmarks see what a client did on the wire."""

from __future__ import annotations

from dataclasses import dataclass, fields

KINDS = ("ping", "catalog", "tags", "manifest", "manifest_head", "blob", "token")


@dataclass
class RequestStats:
    """Count HTTP requests by kind, plus retries, 429 answers and the last rate-limit headers seen.

    Every request that reaches the transport counts once, including auth
    retries, token requests and redirects (a redirected blob counts twice).
    """

    ping: int = 0
    catalog: int = 0
    tags: int = 0
    manifest: int = 0
    manifest_head: int = 0
    blob: int = 0
    token: int = 0
    retries: int = 0
    throttled: int = 0
    total: int = 0
    rate_limit_remaining: int | None = None
    rate_limit_limit: int | None = None

    def record(self, kind: str) -> None:
        """Count one request of ``kind`` (unknown kinds count only in ``total``)."""
        if kind in KINDS:
            setattr(self, kind, getattr(self, kind) + 1)
        self.total += 1

    def as_dict(self) -> dict[str, int]:
        """Return the request counters (not the rate-limit fields) as a plain dict."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if not f.name.startswith("rate_limit")
        }
