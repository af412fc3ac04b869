"""Pagination by the ``Link`` header, followed exactly as the registry gives it."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable

import httpx

from chartyard.http import Fetched, ProtocolError


def next_link(values: list[str]) -> str | None:
    """Return the target of the ``rel="next"`` link in ``Link`` header values.

    Targets are taken verbatim between ``<`` and ``>`` (they may hold commas
    and opaque tokens). Not supported: RFC 8288 ``anchor`` and ``rel*`` params;
    links without angle brackets are ignored.
    """
    for value in values:
        pos = 0
        while (start := value.find("<", pos)) >= 0:
            end = value.find(">", start)
            if end < 0:
                return None
            target = value[start + 1 : end]
            params, pos = _params(value, end + 1)
            if "next" in params.get("rel", "").lower().split():
                return target
    return None


def _params(value: str, pos: int) -> tuple[dict[str, str], int]:
    """Read ``; name=value`` params up to the next top-level comma."""
    params: dict[str, str] = {}
    buf: list[str] = []
    parts: list[str] = []
    quoted = False
    while pos < len(value) and (quoted or value[pos] != ","):
        ch = value[pos]
        if ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        pos += 1
    parts.append("".join(buf))
    for part in parts:
        name, sep, val = part.partition("=")
        if sep:
            params.setdefault(name.strip().lower(), val.strip())
    return params, pos


async def follow(
    fetch: Callable[[str], Awaitable[Fetched]],
    first: str,
    *,
    origin: str,
    max_pages: int,
    what: str,
) -> AsyncGenerator[Fetched]:
    """Fetch ``first`` and every ``next`` link after it; stop on loops or too many pages.

    Links must stay on the registry's origin: a credentialed client is never
    sent elsewhere by a ``Link`` header.
    """
    base = httpx.URL(origin)
    url = str(httpx.URL(first))
    seen: set[str] = set()
    while True:
        if url in seen:
            raise ProtocolError(f"the registry's Link header for {what} loops back to {url}")
        if len(seen) >= max_pages:
            raise ProtocolError(f"{what} has more than {max_pages} pages; giving up")
        seen.add(url)
        fetched = await fetch(url)
        yield fetched
        link = next_link(fetched.headers.get_list("link"))
        if link is None:
            return
        target = fetched.url.join(link)
        if (target.scheme, target.host, target.port) != (base.scheme, base.host, base.port):
            raise ProtocolError(f"the registry's Link header for {what} points off-site")
        url = str(target)
