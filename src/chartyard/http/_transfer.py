"""The one retry loop: limit concurrency per host, send, read a bounded body, retry.

Every client (OCI, Helm index) sends through `Transfer`: 5xx and broken
connections are retried with jittered back-off, a 429 that says when to come
back (``Retry-After``) gets its own budget of waits, and every answer is reported
to the host's shared `HostBudget` (429/503, ``Retry-After``, ``RateLimit-*``).
"""

from __future__ import annotations

import hashlib
import random as _random
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import IO

import httpx

from ._aimd import BudgetPolicy
from ._body import ensure_complete, read_capped
from ._budget import HostBudget, HostBudgets, Slot
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
_SPOOL_IN_MEMORY = 1024 * 1024


@dataclass(frozen=True)
class Fetched:
    """Hold a finished response: status, headers, the (bounded) body and the final URL.

    When the request streamed into a `Sink`, a 2xx body is in the sink and ``body``
    is empty; other bodies (errors, for messages) are always in ``body``.
    """

    status: int
    headers: httpx.Headers
    body: bytes
    url: httpx.URL


class Sink:
    """Collect a body: sha256 as it arrives, in memory up to 1 MiB, then in a temp file."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        """Append a chunk."""
        self.file.write(chunk)
        self._hash.update(chunk)
        self.size += len(chunk)

    def reset(self) -> None:
        """Forget what was written (before a retry)."""
        self.file.seek(0)
        self.file.truncate()
        self._hash = hashlib.sha256()
        self.size = 0

    @property
    def digest(self) -> str:
        """Return ``sha256:<hex>`` of everything written."""
        return "sha256:" + self._hash.hexdigest()

    def getvalue(self) -> bytes:
        """Return the whole body (only for bodies known to be small)."""
        self.file.seek(0)
        return self.file.read()

    def rewind(self) -> IO[bytes]:
        """Return the file positioned at its start, for reading."""
        self.file.seek(0)
        return self.file

    def close(self) -> None:
        """Delete the temp file."""
        self.file.close()


class TooLargeBody(Exception):
    """Signal that a body streamed into a `Sink` passed its cap; the caller words the error."""

    def __init__(self, declared: int | None) -> None:
        super().__init__("body over the cap")
        self.declared = declared


class Transfer:
    """Run requests for a client under its hosts' budgets and the retry policy.

    ``budgets`` (the process's, shared with every other client) gives each URL's
    host its budget; ``budget`` pins one host's budget for a single-host client.
    With neither, the client gets private budgets pinned at ``limits.max_in_flight``.
    ``peer`` names the other side in messages ("registry", "server").
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
        budgets: HostBudgets | None = None,
        host: str = "",
        peer: str = "registry",
    ) -> None:
        self._client = client
        self._limits = limits
        self._stats = stats
        self._sleep = sleep
        self._random = random
        self._peer = peer
        self._host = host
        self._pinned = budget
        self._budgets = budgets
        if budget is None and budgets is None:
            fixed = BudgetPolicy.fixed(limits.max_in_flight)
            if host:
                self._pinned = HostBudget(host, fixed)
            else:
                self._budgets = HostBudgets(fixed)

    @property
    def budget(self) -> HostBudget:
        """Return the budget of the client's own host (the pinned one, if any)."""
        if self._pinned is not None:
            return self._pinned
        assert self._budgets is not None
        return self._budgets.for_host(self._host)

    def budget_for(self, url: str) -> HostBudget:
        """Return the budget the request to ``url`` counts against."""
        if self._pinned is not None or self._budgets is None:
            return self.budget
        return self._budgets.for_host(httpx.URL(url).netloc.decode("ascii").lower())

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
        headers: dict[str, str] | None = None,
        sink: Sink | None = None,
        content: bytes | None = None,
    ) -> Fetched:
        """Send until a non-retryable answer arrives or the retry budget is spent.

        With ``sink``, a 2xx body streams into it (reset before each attempt) and a
        body over ``max_bytes`` raises `TooLargeBody` for the caller to word. ``content``
        is a request body small enough to send again on a retry.
        """

        async def attempt(request: httpx.Request) -> Fetched:
            if sink is not None:
                sink.reset()
            return await self._attempt(request, follow_redirects, max_bytes, what, truncate,
                                       sink)

        return await self._retrying(kind, method, url, what=what, scope=scope, accept=accept,
                                    headers=headers, content=content, attempt=attempt)

    @asynccontextmanager
    async def open_stream(
        self,
        kind: str,
        url: str,
        *,
        what: str,
        scope: str | None = None,
        accept: str | None = None,
        follow_redirects: bool = True,
    ) -> AsyncIterator[httpx.Response]:
        """Open a GET with fetch's retry loop; yield the answer with its body unread.

        A 2xx body is the caller's to stream (nothing holds it whole); for any other
        answer the caller reads at most what it needs. The response is closed on exit.
        """
        opened: list[httpx.Response] = []

        async def attempt(request: httpx.Request) -> Fetched:
            response = await self._client.send(request, stream=True,
                                               follow_redirects=follow_redirects)
            self._note_rate_limit(response.headers)
            if response.status_code in RETRYABLE_STATUS:
                await response.aclose()
            else:
                opened.append(response)
            return Fetched(response.status_code, response.headers, b"", response.url)

        await self._retrying(kind, "GET", url, what=what, scope=scope, accept=accept,
                             headers=None, content=None, attempt=attempt)
        try:
            yield opened[-1]
        finally:
            await opened[-1].aclose()

    async def _retrying(
        self,
        kind: str,
        method: str,
        url: str,
        *,
        what: str,
        scope: str | None,
        accept: str | None,
        headers: dict[str, str] | None,
        content: bytes | None,
        attempt: Callable[[httpx.Request], Awaitable[Fetched]],
    ) -> Fetched:
        """Run ``attempt`` under the host's budget until its answer is not retryable."""
        extensions: dict[str, object] = {KIND: kind}
        if scope is not None:
            extensions[SCOPE] = scope
        sent = dict(headers or {})
        if accept:
            sent["Accept"] = accept
        tries = throttled = 0
        slept_retry_after = False  # that wait also covers the host-wide pause
        budget = self.budget_for(url)
        while True:
            async with budget.slot(sleep=self._sleep,
                                   honour_pause=not slept_retry_after) as slot:
                try:
                    request = self._client.build_request(
                        method, url, headers=sent, content=content, extensions=extensions
                    )
                    fetched = await attempt(request)
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
                delay = await self._plan_retry(outcome, tries, f"{method} {what}")
                tries += 1
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
        sink: Sink | None,
    ) -> Fetched:
        response = await self._client.send(request, stream=True, follow_redirects=follow_redirects)
        try:
            self._note_rate_limit(response.headers)
            status = response.status_code
            body = b""
            if status in RETRYABLE_STATUS or request.method == "HEAD" or status == 304:
                pass  # nothing worth reading
            elif 200 <= status < 300 and sink is not None:
                await _stream(response, sink, max_bytes)
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
                f"the {self._peer} kept answering {status} to {what} ({tries} attempts); it "
                "may be overloaded or down; try again later",
                {"status": status, "attempts": tries},
            )
        if isinstance(outcome, httpx.RemoteProtocolError) and _no_answer(outcome):
            return await self._describe(outcome)
        if isinstance(outcome, TruncatedBody | httpx.RemoteProtocolError):
            return ProtocolError(
                f"the {self._peer} broke off its answer to {what} ({outcome}) on all {tries} "
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
            f"the {self._peer} is rate limiting us (429) and {why}; try again later or "
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


async def _stream(response: httpx.Response, sink: Sink, cap: int) -> None:
    """Copy the decoded body into ``sink``; raise `TooLargeBody` past ``cap`` bytes."""
    declared = response.headers.get("content-length", "")
    encoded = response.headers.get("content-encoding", "identity").lower() not in ("", "identity")
    if declared.isdigit() and int(declared) > cap and not encoded:
        raise TooLargeBody(int(declared))
    async for chunk in response.aiter_bytes():
        if sink.size + len(chunk) > cap:
            raise TooLargeBody(int(declared) if declared.isdigit() else None)
        sink.write(chunk)
    ensure_complete(response, sink.size)
