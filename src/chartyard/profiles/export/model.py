"""What an exporter needs to know about one pack, and the install order between packs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from chartyard.names import k8s_name
from chartyard.oci import chart_name, oci_reference

__all__ = ["ExportPack", "RegistryInfo", "k8s_name", "with_dependencies"]

# Helm's release names (chartutil.ValidateReleaseName); HelmRelease spec.releaseName has the
# same maxLength of 53.
MAX_RELEASE_NAME = 53
_RELEASE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


@dataclass(frozen=True)
class RegistryInfo:
    """How a pack's registry is reached: scheme, trust, credentials, cloud provider.

    ``repo_url`` is set for a classic Helm repository (an ``index.yaml`` over HTTP): the
    URL ``helm repo add`` takes; exports then use an HTTP repository, never ``oci://``.
    """

    name: str
    plain_http: bool = False
    custom_ca: bool = False
    insecure_skip_verify: bool = False
    has_credentials: bool = False
    cloud_provider: str | None = None
    token_username: str | None = None
    repo_url: str | None = None
    pass_credentials: bool = False


@dataclass(frozen=True)
class ExportPack:
    """One pack as exporters see it; `depends_on` names packs of the previous priority group."""

    name: str
    host: str
    repository: str
    oci_tag: str
    version: str
    digest: str | None
    namespace: str
    priority: int
    values: dict[str, Any]
    registry: RegistryInfo
    depends_on: tuple[str, ...] = field(default=())
    # A published version: pin by `digest` wherever the target can.
    pinned: bool = False

    @property
    def pin_digest(self) -> str | None:
        """Return the digest to pin an OCI chart by, or None (a draft, or a classic repo)."""
        if not self.pinned or self.registry.repo_url or not self.digest:
            return None
        return self.digest if self.digest.startswith("sha256:") else None

    @property
    def release(self) -> str:
        """Return the Helm release name: the pack's name when Helm takes it as one, else a
        DNS label of at most 53 characters derived from it (a chart name may be 250 long)."""
        if len(self.name) <= MAX_RELEASE_NAME and _RELEASE_NAME.match(self.name):
            return self.name
        return k8s_name(self.name, limit=MAX_RELEASE_NAME)

    @property
    def chart(self) -> str:
        """Return the chart's name: the repository's last segment."""
        return chart_name(self.repository)

    @property
    def repo_path(self) -> str:
        """Return `host/parent-path` of an OCI chart repository (no scheme), or the URL of a
        classic Helm repository."""
        if self.registry.repo_url:
            return self.registry.repo_url
        parent = self.repository.rpartition("/")[0]
        return f"{self.host}/{parent}" if parent else self.host

    @property
    def oci_url(self) -> str:
        """Return `oci://host/repository` of the chart."""
        return oci_reference(self.host, self.repository)


def with_dependencies(packs: list[ExportPack]) -> list[ExportPack]:
    """Return the packs in install order, each depending on the previous priority group.

    Lower priorities install first; packs of equal priority form a group that
    may install together, kept in layer order.
    """
    ordered = sorted(enumerate(packs), key=lambda item: (item[1].priority, item[0]))
    out: list[ExportPack] = []
    previous: tuple[str, ...] = ()
    current: list[str] = []
    current_priority: int | None = None
    for _, pack in ordered:
        if pack.priority != current_priority:
            if current:
                previous = tuple(current)
            current, current_priority = [], pack.priority
        current.append(pack.name)
        out.append(replace(pack, depends_on=previous))
    return out
