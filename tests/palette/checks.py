"""Content checks of Palette's spec that schemathesis's `content_type_conformance` makes too
strictly for empty answers.

Palette's spec declares `produces: application/json` for every operation, also for its
answers without content ("Ok response without content": 202 and 204 with no schema).
HTTP gives such an answer no body, so no `Content-Type` is due; this check wants exactly
that, and `application/json` on every answer that has a body.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    """Return a header's value from any client's headers (a string or a list of them)."""
    for key, value in headers.items():
        if key.lower() == name:
            return str(value[0] if isinstance(value, list) else value)
    return None


def content_problem(spec: dict[str, Any], method: str, path: str, status: int,
                    headers: Mapping[str, Any], body: bytes) -> str | None:
    """Return what is wrong with an answer's body and Content-Type, or None."""
    documented = spec["paths"][path][method.lower()]["responses"].get(str(status)) or {}
    content_type = _header(headers, "content-type")
    if "schema" not in documented:
        if body:
            return f"{status} is documented without content, but has a body: {body[:100]!r}"
        if content_type is not None:
            return f"{status} has no body, yet Content-Type {content_type!r}"
        return None
    if documented["schema"].get("format") == "binary":
        return None
    if content_type is None or not content_type.startswith("application/json"):
        return f"{status} has a body with Content-Type {content_type!r}, not application/json"
    return None
