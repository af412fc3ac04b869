"""Names the client's callers use for the API's bodies: the server's wire models (docs/API.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from chartyard.wire.auth import ApiKeyCreated
from chartyard.wire.common import Uid
from chartyard.wire.exports import FormatName
from chartyard.wire.profiles import ClusterProfile, PackRef
from chartyard.wire.registries import Progress as SyncProgress
from chartyard.wire.registries import SummaryItem
from chartyard.wire.registries import SyncStatus as RegistrySyncStatus
from chartyard.wire.users import Me

RegistryKind = str
"""A registry kind's name, as `GET /v1/registries/oci/summary` gives it (`spec.kind`)."""
ProfileType = Literal["add-on", "cluster", "infra", "system"]
ExportFormat = FormatName
TERMINAL_SYNC_STATES = frozenset({"Completed", "Failed"})


Created = Uid
"""The answer to a create (the server's wire model): the new object's uid and an optional
notice."""

ApiKey = ApiKeyCreated
"""A new API key (the server's wire model); `key` (and `apiKey`) is shown only once."""

Identity = Me
"""The caller as `GET /v1/users/me` reports it (the server's wire model)."""


Progress = SyncProgress
"""Live progress of a sync (the server's wire model)."""

SyncStatus = RegistrySyncStatus
"""The sync status of a registry (the server's wire model)."""

RegistrySummary = SummaryItem
"""One row of a registry family's summary (``GET /v1/registries/{family}/summary``)."""


@dataclass(frozen=True)
class RegistryRef:
    """A registry found by name or uid: what the kind-specific endpoints need."""

    uid: str
    name: str
    kind: RegistryKind


Pack = PackRef
"""One Helm chart layer of a cluster profile (the server's wire model); `pack` builds one."""

Profile = ClusterProfile
"""A cluster profile as the API returns it: the server's own wire model (Palette's
`v1ClusterProfile`, packs under `spec.published` and `spec.draft`)."""
