"""Repository names and references as the distribution spec allows them in URLs."""

from __future__ import annotations

import re

from ._body import check_digest_format
from ._errors import NotFound, ProtocolError

_COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
_REPOSITORY = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")


def check_repository(name: str) -> str:
    """Return ``name`` if it is a valid repository name, else raise ``NotFound``.

    Invalid names cannot exist in a registry, and rejecting them keeps them
    from changing the shape of request URLs.
    """
    if len(name) > 255 or not _REPOSITORY.match(name):
        raise NotFound(
            f"{name!r} is not a valid repository name (lowercase letters and digits "
            "separated by '.', '_', '__', '-' or '/')",
            {"repository": name, "reason": "invalid_name"},
        )
    return name


def check_reference(reference: str) -> str:
    """Return ``reference`` if it is a valid tag or digest, else raise ``NotFound``."""
    if ":" in reference:
        try:
            check_digest_format(reference)
        except ProtocolError as exc:
            raise NotFound(str(exc), {"reference": reference, "reason": "invalid_digest"}) from exc
        return reference
    if not _TAG.match(reference):
        raise NotFound(
            f"{reference!r} is not a valid tag (letters, digits, '_', '.', '-'; at most "
            "128 characters; helm writes '+' as '_')",
            {"reference": reference, "reason": "invalid_tag"},
        )
    return reference
