"""Repository names, tags and references: the one owner of the distribution spec's grammar.

Everything that checks a repository name, a path component or a tag, tells
whether a repository lies under a base path, names a chart after its
repository, or writes an ``oci://`` reference asks this module.
"""

from __future__ import annotations

import re

from chartyard.http import ProtocolError, check_digest_format

from ._errors import NotFound

_COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
_COMPONENT_RE = re.compile(rf"^{_COMPONENT}$")
_REPOSITORY = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
MAX_REPOSITORY_LENGTH = 255


def is_path_component(part: str) -> bool:
    """Tell whether ``part`` is one '/'-separated component of a repository name."""
    return bool(_COMPONENT_RE.match(part))


def is_repository_name(name: str) -> bool:
    """Tell whether ``name`` is a whole valid repository name."""
    return len(name) <= MAX_REPOSITORY_LENGTH and bool(_REPOSITORY.match(name))


def is_tag(tag: str) -> bool:
    """Tell whether ``tag`` is a valid OCI tag (helm writes a version's '+' as '_')."""
    return bool(_TAG.match(tag))


def is_under(repository: str, base: str) -> bool:
    """Tell whether ``repository`` equals ``base`` or lies below it ('' covers all)."""
    return not base or repository == base or repository.startswith(base + "/")


def chart_name(repository: str) -> str:
    """Return the chart name a repository (or pack name) stands for: its last segment."""
    return repository.strip("/").rsplit("/", 1)[-1]


def oci_reference(authority: str, repository: str) -> str:
    """Return the ``oci://host[:port]/repository`` reference helm pulls a chart from."""
    return f"oci://{authority}/{repository.strip('/')}"


def check_repository(name: str) -> str:
    """Return ``name`` if it is a valid repository name, else raise ``NotFound``.

    Invalid names cannot exist in a registry, and rejecting them keeps them
    from changing the shape of request URLs.
    """
    if not is_repository_name(name):
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
    if not is_tag(reference):
        raise NotFound(
            f"{reference!r} is not a valid tag (letters, digits, '_', '.', '-'; at most "
            "128 characters; helm writes '+' as '_')",
            {"reference": reference, "reason": "invalid_tag"},
        )
    return reference
