"""Check that a registry target answers, accepts the credentials and can be listed."""

from __future__ import annotations

from chartyard.errors import ServiceError
from chartyard.oci import NotFound
from chartyard.registries.kinds import get_kind
from chartyard.sources import HelmRepoTarget, RegistryTarget, SourceOptions, open_helm_repo

MAX_REPOSITORIES_CHECKED = 20


class RepositoryNotFound(ServiceError):
    """An explicit repository does not exist in the registry."""

    status = 422
    code = "RepositoryNotFound"


async def validate_target(target: RegistryTarget | HelmRepoTarget, options: SourceOptions, *,
                          sync_on: bool) -> None:
    """Raise a typed error naming the first problem; return when the registry is usable.

    A Helm repository is usable when its whole index downloads and parses under the limits.
    """
    if isinstance(target, HelmRepoTarget):
        helm = open_helm_repo(target, options)
        try:
            await helm.ping()
        finally:
            await helm.aclose()
        return
    source = get_kind(target.kind).open_source(target, options)
    try:
        await source.ping()
        for name in target.repositories[:MAX_REPOSITORIES_CHECKED]:
            repo = target.endpoint.repository(name)
            try:
                await source.list_tags(repo)
            except NotFound as exc:
                raise RepositoryNotFound(
                    f"repository '{repo}' was not found in the registry; check "
                    "spec.repositories (names are relative to the endpoint path)",
                    {"field": "spec.repositories", "repository": repo},
                ) from exc
        if sync_on and target.base_paths:
            repos = await source.list_repositories()
            listed = [r for r in repos if target.endpoint.relative(r) not in target.repositories]
            if listed:
                # One tags/list proves pull access under the base paths.
                await source.list_tags(listed[0])
    finally:
        await source.aclose()
