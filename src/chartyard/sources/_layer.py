"""Where one chart version's archive lives, in any kind of registry."""

from __future__ import annotations

from dataclasses import dataclass

from chartyard.sources._base import RegistryTarget
from chartyard.sources._helmrepo import HelmRepoTarget


@dataclass(frozen=True)
class ChartLayer:
    """A chart archive to read: the registry, the repository (or chart) and its digest.

    OCI kinds read the blob ``digest`` from ``repository``; a Helm repository downloads
    ``urls`` (from its index) and checks them against ``digest`` when it is sha256.
    """

    target: RegistryTarget | HelmRepoTarget
    repository: str
    digest: str
    version: str = ""
    urls: tuple[str, ...] = ()
