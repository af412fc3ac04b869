"""Response models of the registry routes shared by every kind (Palette's shapes).

Each kind declares its own request and GET models in `chartyard.registries.kinds`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class Progress(_Out):
    """Live progress of a sync (chartyard's addition)."""

    repositoriesTotal: int
    repositoriesDone: int
    chartVersions: int


class SyncStatus(_Out):
    """``v1RegistrySyncStatus`` plus chartyard's progress and reason."""

    isSyncSupported: bool
    status: str
    reason: str | None = None
    message: str = ""
    lastRunTime: str | None = Field(default=None, json_schema_extra={"format": "date-time"})
    lastSyncedTime: str | None = Field(default=None, json_schema_extra={"format": "date-time"})
    progress: Progress


class SummaryStatus(_Out):
    """``v1OciRegistryStatusSummary``; ``syncStatus`` repeats ``sync`` for chartyard's UI."""

    sync: SyncStatus
    syncStatus: SyncStatus


class SummaryItem(_Out):
    """``v1OciRegistry``: one row of the OCI registry summary."""

    metadata: dict[str, Any]
    spec: dict[str, Any]
    status: SummaryStatus


class Summary(BaseModel):
    """``v1OciRegistries``."""

    items: list[SummaryItem]


class MetadataItem(_Out):
    """``v1RegistryMetadata``: one entry of the Registry drop-down."""

    uid: str
    name: str
    kind: str
    isPrivate: bool
    isDefault: bool
    scope: str


class RegistriesMetadata(BaseModel):
    """``v1RegistriesMetadata``."""

    items: list[MetadataItem]


class OciRegistryEntity(_Out):
    """``v1OciRegistryEntity``: any OCI registry, whatever its kind (plus uid and name)."""

    type: str
    endpoint: str
    providerType: str
    scope: str = "tenant"


class SyncHistory(BaseModel):
    """The latest sync runs of a registry, newest first."""

    items: list[dict[str, Any]]


class UidResponse(_Out):
    """The uid of a created object (``v1Uid``), with a notice when the input was adjusted."""

    uid: str
