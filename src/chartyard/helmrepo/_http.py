"""One bounded, retried GET that streams its body into a sink.

It shares the OCI client's plumbing: the egress-guarded transport, request
counting and sliced decoding (`MeteredTransport`), the retry policy (5xx, 429
with ``Retry-After``, broken connections) and the transport-error descriptions
(TLS subject and issuer, timeouts, DNS). Concurrency is bounded by the process's
per-host budget (`chartyard.oci.HostBudgets`, shared with every other client of the
same host, 429/503 and ``Retry-After`` included), or per client by
``limits.max_in_flight`` when no budgets are given.
"""

from __future__ import annotations

import hashlib
import random as _random
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import IO

import httpx

from chartyard.oci import (
    BudgetPolicy,
    ClientLimits,
    HostBudgets,
    OCIError,
    ProtocolError,
    RateLimited,
    RequestStats,
    ServerError,
    TooLarge,
)

# chartyard.helmrepo reuses the OCI client's HTTP building blocks; they are private to
# chartyard.oci only in the sense that they are not part of its registry-facing API.
from chartyard.oci._body import ensure_complete
from chartyard.oci._errors import TruncatedBody
from chartyard.oci._neterr import describe_transport_error
from chartyard.oci._retry import (
    RETRYABLE_EXCEPTIONS,
    RETRYABLE_STATUS,
    backoff_delay,
    parse_retry_after,
)
from chartyard.oci._transport import KIND

ERROR_BODY_BYTES = 16 * 1024
_SPOOL_IN_MEMORY = 1024 * 1024


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


@dataclass(frozen=True)
class Answer:
    """A finished GET: status, headers, final URL; a 2xx body is in the sink."""

    status: int
    headers: httpx.Headers
    url: httpx.URL
    error_body: bytes = b""


class TooLargeBody(Exception):
    """Signal that a body passed its cap; the caller words the error."""

    def __init__(self, declared: int | None) -> None:
        super().__init__("body over the cap")
        self.declared = declared


class Getter:
    """Run GETs for one client under its in-flight bound and retry policy."""

    def __init__(self, client: httpx.AsyncClient, limits: ClientLimits, stats: RequestStats,
                 *, sleep: Callable[[float], Awaitable[None]],
                 random: Callable[[], float] = _random.random,
                 budgets: HostBudgets | None = None) -> None:
        self._client = client
        self._limits = limits
        self._stats = stats
        self._sleep = sleep
        self._random = random
        self._budgets = budgets or HostBudgets(BudgetPolicy.fixed(limits.max_in_flight))

    async def get(self, url: str, *, kind: str, what: str, sink: Sink, max_bytes: int,
                  headers: dict[str, str] | None = None) -> Answer:
        """GET ``url`` (following redirects) until a final answer; 2xx bodies go to ``sink``."""
        attempt = 0
        slept_retry_after = False  # that wait also covers the host-wide pause
        while True:
            sink.reset()
            budget = self._budgets.for_host(httpx.URL(url).netloc.decode("ascii").lower())
            async with budget.slot(sleep=self._sleep,
                                   honour_pause=not slept_retry_after) as slot:
                try:
                    request = self._client.build_request("GET", url, headers=headers or {},
                                                         extensions={KIND: kind})
                    answer = await self._attempt(request, sink, max_bytes)
                except RETRYABLE_EXCEPTIONS as exc:
                    outcome: Answer | BaseException = exc
                except httpx.TransportError as exc:
                    raise await self._describe(exc) from exc
                else:
                    slot.done(congested=answer.status in (429, 503),
                              retry_after=parse_retry_after(answer.headers.get("retry-after")))
                    if answer.status not in RETRYABLE_STATUS:
                        return answer
                    outcome = answer
            delay = self._plan_retry(outcome, attempt, what)
            if isinstance(delay, OCIError):
                raise delay
            self._stats.retries += 1
            await self._sleep(delay)
            slept_retry_after = (isinstance(outcome, Answer)
                                 and "retry-after" in outcome.headers)
            attempt += 1

    async def _attempt(self, request: httpx.Request, sink: Sink, max_bytes: int) -> Answer:
        response = await self._client.send(request, stream=True, follow_redirects=True)
        try:
            status = response.status_code
            if 200 <= status < 300:
                await _stream(response, sink, max_bytes)
                return Answer(status, response.headers, response.url)
            body = b""
            if status not in RETRYABLE_STATUS and status != 304:
                body = await _head_of(response)
            return Answer(status, response.headers, response.url, body)
        finally:
            await response.aclose()

    def _plan_retry(self, outcome: Answer | BaseException, attempt: int,
                    what: str) -> float | OCIError:
        status = outcome.status if isinstance(outcome, Answer) else None
        retry_after = (parse_retry_after(outcome.headers.get("retry-after"))
                       if isinstance(outcome, Answer) else None)
        tries = self._limits.max_retries + 1
        too_long = retry_after is not None and retry_after > self._limits.max_retry_after
        if status == 429 and too_long:
            return RateLimited(f"the server is rate limiting us (429) and asked us to wait "
                               f"{retry_after:g} s for {what}; try again later",
                               retry_after=retry_after)
        if attempt < self._limits.max_retries:
            if retry_after is not None:
                return min(retry_after, self._limits.max_retry_after)
            return backoff_delay(attempt, base=self._limits.backoff_base,
                                 maximum=self._limits.backoff_max, random=self._random)
        if status == 429:
            return RateLimited(f"the server kept rate limiting {what} (429, {tries} attempts); "
                               "try again later or sync less often", retry_after=retry_after)
        if status is not None:
            return ServerError(f"the server kept answering {status} to {what} ({tries} "
                               "attempts); it may be overloaded or down; try again later",
                               {"status": status, "attempts": tries})
        return ProtocolError(f"the server broke off its answer to {what} ({outcome}) on all "
                             f"{tries} attempts; check proxies or load balancers in front of it",
                             {"attempts": tries})

    async def _describe(self, exc: httpx.TransportError) -> OCIError:
        timeout = self._limits.connect_timeout
        if isinstance(exc, httpx.ReadTimeout | httpx.WriteTimeout):
            timeout = self._limits.read_timeout
        return await describe_transport_error(exc, wait=timeout)


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


async def _head_of(response: httpx.Response) -> bytes:
    """Return at most the first 16 KiB of an error body (for messages only)."""
    data = b""
    try:
        async for chunk in response.aiter_raw():
            data += chunk
            if len(data) >= ERROR_BODY_BYTES:
                break
    except (httpx.HTTPError, TruncatedBody):
        pass
    return data[:ERROR_BODY_BYTES]


def too_large(what: str, cap: int, limit: str, declared: int | None) -> TooLarge:
    """Return the error for a body over ``cap``, naming the limit."""
    size = f"{declared} bytes" if declared is not None else "more than that"
    return TooLarge(f"{what} is larger than the {cap}-byte limit ({limit}; the server sent "
                    f"{size}); raise {limit} only if the repository is expected to be that big",
                    {"limit": limit, "maximum": cap, "declared": declared})
