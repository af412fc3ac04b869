"""One logical request: limit concurrency, send with auth, read a bounded body, retry."""

from __future__ import annotations

import random as _random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from ._aimd import BudgetPolicy
from ._body import read_capped
from ._budget import HostBudget, Slot
from ._config import ClientLimits
from ._errors import (
    OCIError,
    ProtocolError,
    RateLimited,
    RetryableStatus,
    ServerError,
    TruncatedBody,
)
from ._neterr import describe_transport_error
from ._retry import (
    RETRYABLE_EXCEPTIONS,
    RETRYABLE_STATUS,
    backoff_delay,
    parse_rate_limit,
    parse_retry_after,
)
from ._stats import RequestStats
from ._transport import KIND, SCOPE

ERROR_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class Fetched:
    """Hold a finished response: status, headers, the (bounded) body and the final URL."""

    status: int
    headers: httpx.Headers
    body: bytes
    url: httpx.URL


class Transfer:
    """Run requests for a client under its host's budget and the retry policy.

    ``budget`` is shared with every other client of the same host in the process; a
    client without one gets a private budget pinned at ``limits.max_in_flight``.
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        limits: ClientLimits,
        stats: RequestStats,
        *,
        sleep: Callable[[float], Awaitable[None]],
        random: Callable[[], float] = _random.random,
        budget: HostBudget | None = None,
        host: str = "",
    ) -> None:
        self._client = client
        self._limits = limits
        self._stats = stats
        self._sleep = sleep
        self._random = random
        self.budget = budget or HostBudget(host, BudgetPolicy.fixed(limits.max_in_flight))

    async def fetch(
        self,
        kind: str,
        method: str,
        url: str,
        *,
        what: str,
        max_bytes: int,
        scope: str | None = None,
        accept: str | None = None,
        follow_redirects: bool = False,
        truncate: bool = False,
    ) -> Fetched:
        """Send until a non-retryable answer arrives or the retry budget is spent."""
        extensions: dict[str, object] = {KIND: kind}
        if scope is not None:
            extensions[SCOPE] = scope
        headers = {"Accept": accept} if accept else {}
        attempt = throttled = 0
        slept_retry_after = False
        while True:
            async with self.budget.slot(sleep=self._sleep,
                                        honour_pause=not slept_retry_after) as slot:
                try:
                    request = self._client.build_request(
                        method, url, headers=headers, extensions=extensions
                    )
                    fetched = await self._attempt(
                        request, follow_redirects, max_bytes, what, truncate
                    )
                except RETRYABLE_EXCEPTIONS as exc:
                    outcome: Fetched | BaseException = exc
                except httpx.TransportError as exc:
                    raise await self._describe(exc) from exc
                else:
                    _report(slot, fetched)
                    if fetched.status not in RETRYABLE_STATUS:
                        return fetched
                    outcome = fetched
            retry_after = _retry_after(outcome)
            if retry_after is not None and _status(outcome) == 429 \
                    and throttled < self._limits.max_throttled_retries:
                # A 429 that says when to come back is pacing, not failure: it gets a
                # budget of its own, and the wait it asks for.
                throttled += 1
                self._stats.throttled += 1
                if retry_after > self._limits.max_retry_after:
                    raise self._rate_limited(f"{method} {what}", retry_after, asked=True)
                delay = retry_after
            else:
                if _status(outcome) == 429:
                    self._stats.throttled += 1
                delay = await self._plan_retry(outcome, attempt, f"{method} {what}")
                attempt += 1
            slept_retry_after = retry_after is not None
            self._stats.retries += 1
            await self._sleep(delay)

    async def _attempt(
        self,
        request: httpx.Request,
        follow_redirects: bool,
        max_bytes: int,
        what: str,
        truncate: bool,
    ) -> Fetched:
        response = await self._client.send(request, stream=True, follow_redirects=follow_redirects)
        try:
            self._note_rate_limit(response.headers)
            status = response.status_code
            body = b""
            if status in RETRYABLE_STATUS or request.method == "HEAD":
                pass  # nothing worth reading
            elif 200 <= status < 300:
                body = await read_capped(response, max_bytes, what=what, truncate=truncate)
            else:
                try:
                    body = await read_capped(response, ERROR_BODY_BYTES, what=what, truncate=True)
                except TruncatedBody:
                    body = b""  # an incomplete error body is still an error answer
            return Fetched(status, response.headers, body, response.url)
        finally:
            await response.aclose()

    async def _plan_retry(self, outcome: Fetched | BaseException, attempt: int, what: str) -> float:
        """Return how long to wait before the next attempt, or raise when giving up."""
        status: int | None = None
        retry_after: float | None = None
        if isinstance(outcome, Fetched):
            status = outcome.status
            retry_after = parse_retry_after(outcome.headers.get("retry-after"))
        elif isinstance(outcome, RetryableStatus):
            status = outcome.status
            retry_after = parse_retry_after(outcome.retry_after)
        if status == 429 and retry_after is not None \
                and retry_after > self._limits.max_retry_after:
            raise self._rate_limited(what, retry_after, asked=True)
        if attempt >= self._limits.max_retries:
            raise await self._give_up(outcome, status, retry_after, what)
        if retry_after is not None:
            return min(retry_after, self._limits.max_retry_after)
        return backoff_delay(
            attempt,
            base=self._limits.backoff_base,
            maximum=self._limits.backoff_max,
            random=self._random,
        )

    async def _give_up(
        self,
        outcome: Fetched | BaseException,
        status: int | None,
        retry_after: float | None,
        what: str,
    ) -> OCIError:
        tries = self._limits.max_retries + 1
        if status == 429:
            return self._rate_limited(what, retry_after, asked=False)
        if status is not None:
            return ServerError(
                f"the registry kept answering {status} to {what} ({tries} attempts); it "
                "may be overloaded or down; try again later",
                {"status": status, "attempts": tries},
            )
        if isinstance(outcome, httpx.RemoteProtocolError) and _no_answer(outcome):
            return await self._describe(outcome)
        if isinstance(outcome, TruncatedBody | httpx.RemoteProtocolError):
            return ProtocolError(
                f"the registry broke off its answer to {what} ({outcome}) on all {tries} "
                "attempts; check proxies or load balancers in front of it",
                {"attempts": tries},
            )
        assert isinstance(outcome, httpx.TransportError)
        return await self._describe(outcome)

    def _rate_limited(self, what: str, retry_after: float | None, *, asked: bool) -> RateLimited:
        wait = f"{retry_after:g} s" if retry_after is not None else "an unknown time"
        why = (
            f"asked us to wait {wait}, more than the {self._limits.max_retry_after:g} s we allow"
            if asked
            else f"kept throttling {what} after {self._limits.max_retries + 1} attempts"
        )
        return RateLimited(
            f"the registry is rate limiting us (429) and {why}; try again later or "
            "sync less often",
            retry_after=retry_after,
            details={"rateLimitRemaining": self._stats.rate_limit_remaining},
        )

    async def _describe(self, exc: httpx.TransportError) -> OCIError:
        timeout = self._limits.connect_timeout
        if isinstance(exc, httpx.ReadTimeout | httpx.WriteTimeout):
            timeout = self._limits.read_timeout
        return await describe_transport_error(exc, wait=timeout)

    def _note_rate_limit(self, headers: httpx.Headers) -> None:
        remaining = parse_rate_limit(headers.get("ratelimit-remaining"))
        if remaining is not None:
            self._stats.rate_limit_remaining = remaining
            self._stats.rate_limit_limit = parse_rate_limit(headers.get("ratelimit-limit"))


def _status(outcome: Fetched | BaseException) -> int | None:
    if isinstance(outcome, Fetched):
        return outcome.status
    return outcome.status if isinstance(outcome, RetryableStatus) else None


def _retry_after(outcome: Fetched | BaseException) -> float | None:
    if isinstance(outcome, Fetched):
        return parse_retry_after(outcome.headers.get("retry-after"))
    if isinstance(outcome, RetryableStatus):
        return parse_retry_after(outcome.retry_after)
    return None


def _report(slot: Slot, fetched: Fetched) -> None:
    """Tell the host budget how the answer went: throttled, and what rate limit remains."""
    headers = fetched.headers
    congested = fetched.status in (429, 503)
    reset = parse_rate_limit(headers.get("ratelimit-reset"))
    slot.done(
        congested=congested,
        retry_after=parse_retry_after(headers.get("retry-after")) if congested else None,
        remaining=parse_rate_limit(headers.get("ratelimit-remaining")),
        reset=float(reset) if reset is not None else None,
        limited=fetched.status == 429,
    )


def _no_answer(exc: httpx.RemoteProtocolError) -> bool:
    """Return True when the server hung up before sending any response at all."""
    return "without sending a response" in str(exc)
