"""The ``WWW-Authenticate`` header parser (RFC 7235 challenges)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from chartyard.http import ProtocolError

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_PARAM_START = re.compile(r"([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*=[ \t]*")
_TOKEN68 = re.compile(r"([A-Za-z0-9._~+/-]+=*)[ \t]*(?=,|$)")
_OWS = re.compile(r"[ \t]*")
_SEPARATORS = re.compile(r"[ \t,]*")


@dataclass(frozen=True)
class Challenge:
    """Hold one auth challenge: a lowercased scheme and its lowercased param names."""

    scheme: str
    params: Mapping[str, str] = field(default_factory=dict)
    token68: str | None = None


def parse_challenge(header: str) -> list[Challenge]:
    """Parse a ``WWW-Authenticate`` value into its challenges, in order.

    Handles several challenges in one header, quoted strings with backslash
    escapes, commas inside quotes, empty list elements and case-insensitive
    schemes and param names. A repeated param keeps its first value.

    Not supported: RFC 8187 extended (``name*=``) param decoding; such params
    are kept verbatim under their ``name*`` key. Raises ``ProtocolError`` on an
    unterminated quoted string or text that is neither a scheme nor a param.
    """
    challenges: list[Challenge] = []
    pos, end = 0, len(header)
    while True:
        pos = _skip(_SEPARATORS, header, pos)
        if pos >= end:
            return challenges
        scheme = _TOKEN.match(header, pos)
        if scheme is None:
            raise ProtocolError(f"malformed WWW-Authenticate header at offset {pos}: {header!r}")
        pos = _skip(_OWS, header, scheme.end())
        token68 = _TOKEN68.match(header, pos) if pos > scheme.end() else None
        params: dict[str, str] = {}
        if token68 is not None:
            pos = token68.end()
            challenges.append(Challenge(scheme.group().lower(), params, token68.group(1)))
            continue
        pos = _parse_params(header, pos, params)
        challenges.append(Challenge(scheme.group().lower(), params))


def _parse_params(header: str, pos: int, params: dict[str, str]) -> int:
    """Read ``name=value`` pairs into ``params``; stop before the next scheme."""
    while True:
        start = _PARAM_START.match(header, pos)
        if start is None:
            return pos
        pos = start.end()
        if pos < len(header) and header[pos] == '"':
            value, pos = _quoted(header, pos)
        else:
            token = _TOKEN.match(header, pos)
            value = token.group() if token else ""
            pos = token.end() if token else pos
        params.setdefault(start.group(1).lower(), value)
        pos = _skip(_OWS, header, pos)
        if pos >= len(header) or header[pos] != ",":
            if pos < len(header):
                raise ProtocolError(
                    f"malformed WWW-Authenticate header at offset {pos}: {header!r}"
                )
            return pos
        pos = _skip(_SEPARATORS, header, pos)


def _skip(pattern: re.Pattern[str], header: str, pos: int) -> int:
    """Return the index after the (possibly empty) run of ``pattern`` at ``pos``."""
    match = pattern.match(header, pos)
    return match.end() if match else pos


def _quoted(header: str, pos: int) -> tuple[str, int]:
    """Decode the quoted-string starting at ``pos``; return it and the index after it."""
    out: list[str] = []
    i = pos + 1
    while i < len(header):
        ch = header[i]
        if ch == "\\" and i + 1 < len(header):
            out.append(header[i + 1])
            i += 2
        elif ch == '"':
            return "".join(out), i + 1
        else:
            out.append(ch)
            i += 1
    raise ProtocolError(f"unterminated quoted string in WWW-Authenticate header: {header!r}")
