"""A typed Python client for the chartyard REST API (what the `chartyard` CLI uses)."""

from chartyard.client._bodies import (
    basic_registry_body,
    ecr_registry_body,
    helm_registry_body,
    pack,
    profile_body,
    registry_body,
)
from chartyard.client._client import ChartyardClient
from chartyard.client._errors import ApiError, ServerUnreachable
from chartyard.client._profiles import writable
from chartyard.client._types import (
    TERMINAL_SYNC_STATES,
    ApiKey,
    Created,
    ExportFormat,
    Identity,
    Pack,
    Profile,
    ProfileType,
    Progress,
    RegistryKind,
    RegistryRef,
    RegistrySummary,
    SyncStatus,
)
from chartyard.wire.catalog import ChartHit, ChartTag, ChartVersions, SearchPage

__all__ = [
    "TERMINAL_SYNC_STATES",
    "ApiError",
    "ApiKey",
    "ChartHit",
    "ChartTag",
    "ChartVersions",
    "ChartyardClient",
    "Created",
    "ExportFormat",
    "Identity",
    "Pack",
    "Profile",
    "ProfileType",
    "Progress",
    "RegistryKind",
    "RegistryRef",
    "RegistrySummary",
    "SearchPage",
    "ServerUnreachable",
    "SyncStatus",
    "basic_registry_body",
    "ecr_registry_body",
    "helm_registry_body",
    "pack",
    "profile_body",
    "registry_body",
    "writable",
]
