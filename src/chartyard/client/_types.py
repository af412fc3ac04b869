"""Typed shapes of the API's JSON bodies (docs/API.md), as plain dicts at runtime."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NotRequired, TypedDict

from chartyard.wire.auth import ApiKeyCreated
from chartyard.wire.exports import FormatName
from chartyard.wire.profiles import ClusterProfile
from chartyard.wire.users import Me

RegistryKind = str
"""A registry kind's name, as `GET /v1/registries/oci/summary` gives it (`spec.kind`)."""
ProfileType = Literal["add-on", "cluster", "infra", "system"]
ExportFormat = FormatName
TERMINAL_SYNC_STATES = frozenset({"Completed", "Failed"})


class Created(TypedDict):
    """The answer to a create: the new object's uid and an optional notice."""

    uid: str
    notice: NotRequired[str]


ApiKey = ApiKeyCreated
"""A new API key (the server's wire model); `key` (and `apiKey`) is shown only once."""

Identity = Me
"""The caller as `GET /v1/users/me` reports it (the server's wire model)."""


class Progress(TypedDict):
    """Live progress of a sync."""

    repositoriesTotal: int
    repositoriesDone: int
    chartVersions: int


class SyncStatus(TypedDict):
    """The sync status of a registry."""

    isSyncSupported: bool
    status: str
    reason: NotRequired[str | None]
    message: str
    lastRunTime: NotRequired[str]
    lastSyncedTime: NotRequired[str]
    progress: Progress


class _SummaryMeta(TypedDict):
    uid: str
    name: str


class _SummarySpec(TypedDict):
    kind: RegistryKind
    endpoint: str
    authType: str
    isSyncSupported: bool
    chartCount: int
    baseContentPath: str


class _SummaryStatus(TypedDict):
    sync: SyncStatus
    syncStatus: SyncStatus


class RegistrySummary(TypedDict):
    """One row of `GET /v1/registries/oci/summary`."""

    metadata: _SummaryMeta
    spec: _SummarySpec
    status: _SummaryStatus


@dataclass(frozen=True)
class RegistryRef:
    """A registry found by name or uid: what the kind-specific endpoints need."""

    uid: str
    name: str
    kind: RegistryKind


class Pack(TypedDict):
    """One Helm chart layer of a cluster profile, as written."""

    name: str
    tag: str
    registryUid: str
    type: NotRequired[str]
    values: str
    source: NotRequired[str]


Profile = ClusterProfile
"""A cluster profile as the API returns it: the server's own wire model (Palette's
`v1ClusterProfile`, packs under `spec.published` and `spec.draft`)."""
