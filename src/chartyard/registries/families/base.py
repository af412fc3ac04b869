"""What a registry family is: the protocol a set of kinds speaks (OCI distribution, Helm index).

A family owns everything that depends on how charts are stored, not on how one registry is
reached: validation, its chart source, pack checks and drift, which sync pipeline runs, its
list models, route paths and UI tab, its pack ``type``, reading a chart's files, finding a
chart version's signature material, pushing a chart, and how its charts are copied into an
OCI registry (``open_chart``, ``open_registry``: mirrors and bundles use only these). Kinds
(``basic``, ``ecr``, ``helm``) belong to one family each and carry the connection protocol
only; the rest of chartyard asks the family of a registry, a target or a kind, and never
compares family names.

Work that lives in a higher layer (a sync's database stages, a profile's pack rows) is passed
in as a *host* object: the family picks the host's method for its shape of work and gives it
the opened source (see `SyncHost`, `PackHost`, `DriftHost`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

from pydantic import BaseModel

if TYPE_CHECKING:
    from chartyard.helm import ChartFiles
    from chartyard.oci import ArtifactReader, Endpoint, RegistryWriter
    from chartyard.registries.kinds import RegistryKind
    from chartyard.sources import ChartLayer, SourceOptions

TargetT = TypeVar("TargetT")
SourceT = TypeVar("SourceT")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class PushUnsupported(Exception):
    """A family cannot receive charts (a Helm index is read-only over HTTP)."""

    code = "PushUnsupported"

    def __init__(self, family: str, message: str) -> None:
        super().__init__(message)
        self.family = family
        self.message = message


@dataclass(frozen=True)
class SignatureMaterial:
    """A chart version's provenance: the ``.prov`` bytes and where they were found."""

    method: str
    """``helm-provenance``."""
    location: str
    """The ``.prov`` layer digest (OCI) or URL (classic repository)."""
    data: bytes


@dataclass(frozen=True)
class PushedChart:
    """Where a pushed chart landed: repository, tag and manifest digest."""

    repository: str
    tag: str
    digest: str


@dataclass(frozen=True)
class ChartContent:
    """A chart version readable as OCI content: the reader, and its manifest's address."""

    reader: ArtifactReader
    """Reads manifests and blobs (the source registry, or a chart packaged on the fly)."""
    repository: str
    reference: str
    """The manifest's digest."""


@dataclass(frozen=True)
class OpenRegistry:
    """A registry open for reading and writing OCI content."""

    writer: RegistryWriter
    ensure_repository: Callable[[str], Awaitable[None]]
    """Create a repository where the registry needs it first (ECR); a no-op elsewhere."""


class SyncHost(Protocol[R_co]):
    """The sync job's pipelines; a family picks the one that fits its layout."""

    async def run_catalog(self, source: Any) -> R_co:
        """Discover repositories, list tags, fetch new manifests (an OCI-style registry)."""
        ...

    async def run_index(self, source: Any) -> R_co:
        """Download one index document and diff it by entry (a Helm-style repository)."""
        ...


class PackHost(Protocol[R_co]):
    """A profile's pack checks against a live registry."""

    async def in_registry(self, source: Any, target: Any) -> R_co:
        """Check each pack's manifest, one repository at a time."""
        ...

    async def in_index(self, source: Any) -> R_co:
        """Check every pack against one streaming pass over an index."""
        ...


class RegistryFamily(ABC, Generic[TargetT, SourceT]):
    """One family of registries. Instances are registered in ``chartyard.registries.families``.

    ``TargetT`` is the connectable target its kinds build, ``SourceT`` the chart source the
    kinds open from it.
    """

    name: ClassVar[str]
    """The family in URLs (``/v1/registries/{name}/...``) and on its kinds."""
    pack_type: ClassVar[str]
    """The profile pack ``type`` of this family's charts."""
    title: ClassVar[str]
    """The family as the UI names one registry ("Add New OCI Registry")."""
    tab: ClassVar[str]
    """The family's tab in Tenant Settings > Registries."""
    list_model: ClassVar[type[BaseModel] | None] = None
    """Palette's paged list (``GET /v1/registries/{name}``), when the family has one."""
    summary_model: ClassVar[type[BaseModel] | None] = None
    """The summary (``GET /v1/registries/{name}/summary``) when the family registers it."""
    serves_entity: ClassVar[bool] = False
    """Whether ``GET /v1/registries/oci/{uid}`` returns its registries."""
    takes_events: ClassVar[bool] = False
    """Whether its registries take push/delete notifications (``/events``)."""
    accepts_pushes: ClassVar[bool] = False
    """Whether charts can be pushed into its registries (a mirror's or bundle's target)."""

    def collection_path(self, kind: str) -> str:
        """Return a kind's create/validate path under ``/v1/registries``."""
        return f"/{self.name}/{kind}"

    def item_path(self, kind: str) -> str:
        """Return the path of one registry under ``/v1/registries``."""
        return f"/{self.name}/{{uid}}/{kind}"

    # The source: always through the kind, so a kind that overrides it is used everywhere.

    def open(self, target: TargetT, options: SourceOptions) -> SourceT:
        """Open the chart source of a target through its kind; the caller closes it."""
        from chartyard.registries.kinds import get_kind

        kind: RegistryKind = get_kind(_kind_name(target))
        source: SourceT = kind.open_source(target, options)
        return source

    @abstractmethod
    async def validate(self, target: TargetT, options: SourceOptions, *, sync_on: bool) -> None:
        """Raise a typed error naming the first problem; return when the registry is usable."""

    @abstractmethod
    async def sync(self, host: SyncHost[R], target: TargetT, options: SourceOptions) -> R:
        """Run one sync of a registry through the host's pipeline for this family."""

    def refreshes(self) -> bool:
        """Return whether an event may refresh single repositories of its registries."""
        return self.takes_events

    @abstractmethod
    async def verify_packs(self, host: PackHost[R], target: TargetT,
                           options: SourceOptions) -> R:
        """Check Private Packs live through the host's check for this family."""

    @abstractmethod
    async def drift(self, host: PackHost[R], target: TargetT, options: SourceOptions) -> R:
        """Check recorded digests live through the host's check for this family."""

    @abstractmethod
    async def chart_files(self, layer: ChartLayer, options: SourceOptions) -> ChartFiles:
        """Download a chart version's archive and read its files under the archive limits."""

    @abstractmethod
    async def signature_material(self, layer: ChartLayer,
                                 options: SourceOptions) -> SignatureMaterial | None:
        """Return the chart version's provenance, or None when it is unsigned."""

    def copy_tag(self, tag: str, version: str) -> str:
        """Return the tag a chart version gets when it is copied into an OCI registry."""
        return tag

    def chart_address(self, target: TargetT, repository: str, tag: str,
                      urls: Sequence[str]) -> str:
        """Return where a chart version lives, as a user would name it."""
        return f"{repository}:{tag}"

    def oci_endpoint(self, target: TargetT) -> Endpoint | None:
        """Return where a registry serves OCI content (images, copies); None if it does not."""
        return None

    def open_chart(self, target: TargetT, options: SourceOptions, repository: str,
                   digest: str, *, version: str, urls: Sequence[str],
                   ) -> AbstractAsyncContextManager[ChartContent]:
        """Open a chart version as OCI content, the way it is copied into an OCI registry.

        ``digest`` is the one the catalog recorded (a manifest, or an index entry's archive).
        A family that cannot hand its charts over refuses with `PushUnsupported`.
        """
        raise PushUnsupported(self.name, f"charts of the {self.name} family cannot be "
                                         "copied into an OCI registry")

    def open_registry(self, target: TargetT,
                      options: SourceOptions) -> AbstractAsyncContextManager[OpenRegistry]:
        """Open a registry of this family to copy OCI content into or out of it."""
        raise PushUnsupported(self.name, f"registries of the {self.name} family do not "
                                         "store OCI content; pick an OCI registry")

    @abstractmethod
    async def push_chart(self, target: TargetT, options: SourceOptions, repository: str,
                         version: str, archive: bytes,
                         provenance: bytes | None = None) -> PushedChart:
        """Push a chart archive (and its ``.prov``) to a registry of this family."""

    def kinds(self) -> Sequence[RegistryKind]:
        """Return the kinds of this family, in the order the UI offers them."""
        from chartyard.registries.kinds import all_kinds

        return [k for k in all_kinds() if k.family == self.name]


def _kind_name(target: Any) -> str:
    name = getattr(target, "kind", None)
    if not isinstance(name, str):
        raise TypeError(f"{target!r} is not a registry target (it has no kind)")
    return name
