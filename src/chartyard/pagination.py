"""Offset pages behind opaque `continue` tokens, and LIKE patterns from user text."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

from chartyard.errors import InvalidInput

MAX_PAGE = 200
# A forged huge offset would overflow the database's integer type.
_MAX_OFFSET = 2**31 - 1  # PostgreSQL integer; search binds OFFSET as one


def page_limit(limit: int) -> int:
    """Clamp a requested page size to 1..MAX_PAGE."""
    return max(1, min(limit, MAX_PAGE))


def decode_cursor(token: str | None) -> int:
    """Return the offset a `continue` token stands for (0 for none)."""
    if not token:
        return 0
    try:
        return max(0, min(int(base64.urlsafe_b64decode(token.encode())), _MAX_OFFSET))
    except (ValueError, binascii.Error) as exc:
        raise InvalidInput("continue", "continue is not a token from a previous page") from exc


def page_body(items: Sequence[Any], *, offset: int, limit: int, more: bool) -> dict[str, Any]:
    """Return `{items, listmeta}` with the token of the next page, if there is one."""
    token = base64.urlsafe_b64encode(str(offset + limit).encode()).decode() if more else ""
    return {"items": list(items),
            "listmeta": {"continue": token, "count": len(items), "offset": offset,
                         "limit": limit}}


def like_pattern(text: str) -> str:
    """Return a `%text%` LIKE pattern with wildcards escaped by backslash."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
