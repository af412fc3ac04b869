"""The naming rule of registries, Helm registries and cluster profiles, and the Kubernetes
names derived from them.

**The rule.** A name is what Palette accepts: any printable text of 1 to 255 characters
(spaces, capitals, ``_`` and non-ASCII letters included), unique per tenant ignoring case
(``Harbor Prod`` and ``harbor prod`` are the same name). It may not be empty or blank and
may not hold control or other non-printable characters (newlines, tabs, NUL, bidi marks).
It is stored and returned exactly as given.

**The derivation.** Where a Kubernetes object name is needed (Flux, Argo CD and helmfile
exports), `k8s_name` derives a DNS-1123 label from one or more names. A name that already
is a valid label is used as it is; any other is turned into a slug (lowercase letters,
digits and '-') followed by '-' and eight hex digits of the SHA-256 of the original, so
``Harbor Prod`` becomes ``harbor-prod-<hash>`` and never meets ``harbor-prod`` itself.
The result depends only on the names, so every export of a profile names its objects
the same way.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field

from chartyard.errors import InvalidInput

MAX_NAME_LENGTH = 255
MAX_LABEL_LENGTH = 63
HASH_DIGITS = 8
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def name_problem(name: str) -> str | None:
    """Return why `name` is not a valid object name, or None when it is."""
    if not name or not name.strip():
        return "must not be empty or blank"
    if len(name) > MAX_NAME_LENGTH:
        return f"is {len(name)} characters long; the limit is {MAX_NAME_LENGTH}"
    for position, char in enumerate(name):
        if not char.isprintable():
            code = f"U+{ord(char):04X} {unicodedata.name(char, 'control character')}"
            return (f"holds a non-printable character ({code}) at position {position}; "
                    "use printable characters only")
    return None


def check_name(name: str, field: str = "metadata.name") -> str:
    """Return `name` unchanged, or raise `InvalidInput` saying why it is not valid."""
    problem = name_problem(name)
    if problem is not None:
        raise InvalidInput(field, f"{field} {problem} (any printable name up to "
                                  f"{MAX_NAME_LENGTH} characters is accepted)")
    return name


def _pydantic_check(name: str) -> str:
    problem = name_problem(name)
    if problem is not None:
        raise ValueError(f"the name {problem} (any printable name up to {MAX_NAME_LENGTH} "
                         "characters is accepted)")
    return name


Name = Annotated[str, Field(description="any printable name, 1 to 255 characters, unique per "
                                        "tenant ignoring case"),
                 AfterValidator(_pydantic_check)]
"""A request model's object name, checked by the rule above."""


def name_key(name: str) -> str:
    """Return the form of `name` that uniqueness compares (case folded)."""
    return name.casefold()


def is_dns_label(text: str, limit: int = MAX_LABEL_LENGTH) -> bool:
    """Return whether `text` is a DNS-1123 label of at most `limit` characters."""
    return len(text) <= limit and bool(_LABEL.match(text))


def k8s_name(*parts: str, limit: int = MAX_LABEL_LENGTH) -> str:
    """Return a DNS-1123 label for `parts` (names joined by '-'), at most `limit` long.

    Parts that are all valid labels and fit are joined as they are; otherwise the slug of
    the joined text is cut to fit and followed by a hash of the original parts.
    """
    joined = "-".join(parts)
    if all(_LABEL.match(p) for p in parts) and is_dns_label(joined, limit):
        return joined
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:HASH_DIGITS]
    slug = _NOT_SLUG.sub("-", _ascii(joined).lower()).strip("-")
    slug = slug[:limit - HASH_DIGITS - 1].rstrip("-")
    return f"{slug}-{digest}" if slug else f"x{digest}"


def _ascii(text: str) -> str:
    """Return `text` with accents removed where a letter has an ASCII base (é → e)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
