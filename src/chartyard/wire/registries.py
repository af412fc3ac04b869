"""Registry wire models shared by every kind: request building blocks and responses.

Request parts follow Palette's Go SDK: unknown fields are ignored (never rejected), ``null``
means "not given", and a boolean the SDK omits means ``false``. Each kind declares its own
body and GET models from these in `chartyard.registries.kinds`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from chartyard.names import Name


def none_to(default: Any) -> Callable[[Any], Any]:
    """Return a before-validator that turns ``null`` into `default`."""
    return lambda value: default if value is None else value


# Go marshals nil pointers and slices as null: treat null as "not given".
Str = Annotated[str, BeforeValidator(none_to(""))]
Flag = Annotated[bool, BeforeValidator(none_to(False))]
StrList = Annotated[list[str], BeforeValidator(none_to([]))]
StrMap = Annotated[dict[str, str], BeforeValidator(none_to({}))]


class RequestModel(BaseModel):
    """A request body part: unknown fields ignored, ``null`` taken as "not given"."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: Any) -> Any:
        # Go marshals nil pointers (sts, tls, podIdentity...) as null.
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None}
        return data


class Metadata(RequestModel):
    """Object metadata: the name (`chartyard.names`), labels and annotations, kept as given.

    Timestamps are the server's and ignored.
    """

    name: Name
    uid: Str = ""
    labels: StrMap = Field(default_factory=dict)
    annotations: StrMap = Field(default_factory=dict)




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
    packType: str = Field(default="oci", description="the profile pack type of its charts "
                                                     "(oci, or helm for a Helm repository)")


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
