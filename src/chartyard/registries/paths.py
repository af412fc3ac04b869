"""Validate and normalise repository paths relative to an endpoint."""

from __future__ import annotations

import re

# One path component of the OCI distribution spec's repository name grammar.
_COMPONENT = re.compile(r"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$")


def normalise_path(raw: str) -> str:
    """Return a path without surrounding slashes, or raise ValueError saying what is wrong."""
    path = raw.strip().strip("/")
    if not path:
        raise ValueError("is empty; remove it or give a path such as 'team-a'")
    for part in path.split("/"):
        if not _COMPONENT.match(part):
            raise ValueError(
                f"'{raw}' is not a valid repository path: each '/'-separated part must be "
                "lowercase letters and digits, optionally joined by '.', '_' or '-'"
            )
    return path


def is_under(repository: str, base: str) -> bool:
    """Return whether `repository` equals `base` or lies below it ('' covers all)."""
    return not base or repository == base or repository.startswith(base + "/")
