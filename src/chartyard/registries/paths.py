"""Validate and normalise repository paths relative to an endpoint."""

from __future__ import annotations


def normalise_path(raw: str) -> str:
    """Return a path without surrounding slashes, or raise ValueError saying what is wrong."""
    from chartyard.oci import is_path_component  # loads the OCI client: only when checking

    path = raw.strip().strip("/")
    if not path:
        raise ValueError("is empty; remove it or give a path such as 'team-a'")
    for part in path.split("/"):
        if not is_path_component(part):
            raise ValueError(
                f"'{raw}' is not a valid repository path: each '/'-separated part must be "
                "lowercase letters and digits, optionally joined by '.', '_' or '-'"
            )
    return path

