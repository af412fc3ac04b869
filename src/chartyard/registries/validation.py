"""Check that a registry target answers, accepts the credentials and can be listed."""

from __future__ import annotations

from chartyard.registries.families import RepositoryNotFound, family_of_target
from chartyard.registries.families.oci import MAX_REPOSITORIES_CHECKED
from chartyard.sources import AnyTarget, SourceOptions

__all__ = ["MAX_REPOSITORIES_CHECKED", "RepositoryNotFound", "validate_target"]


async def validate_target(target: AnyTarget, options: SourceOptions, *, sync_on: bool) -> None:
    """Raise a typed error naming the first problem; return when the registry is usable.

    What "usable" means is the family's: an OCI registry answers and lists, a Helm
    repository's whole index downloads and parses under the limits.
    """
    await family_of_target(target).validate(target, options, sync_on=sync_on)
