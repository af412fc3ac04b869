"""Palette-shaped request bodies of cluster profiles (`v1ClusterProfileEntity`).

Fields chartyard does not use are ignored, never rejected: Palette's Go SDK sends
`variables: null`, `manifests: null` and zero timestamps, and a client may PUT back
what it read. `null` stands for the field's default.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from chartyard.names import Name
from chartyard.wire.profiles import Layer
from chartyard.wire.variables import MAX_VARIABLES, Variable

MAX_PACKS = 50
MAX_VALUES_CHARS = 1024 * 1024


PackType = Literal["oci", "helm", "spectro", "manifest"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    @field_validator("*", mode="before")
    @classmethod
    def _null_is_default(cls, value: Any, info: ValidationInfo) -> Any:
        # Go marshals a nil slice or map as null: read it as the field's default.
        field = cls.model_fields[info.field_name or ""]
        if value is None and not field.is_required():
            return field.get_default(call_default_factory=True)
        return value


class PackBody(_Model):
    """One Helm chart layer: chart name, tag (version), registry and values YAML."""

    name: str = Field(min_length=1, max_length=256)
    tag: str = Field(min_length=1, max_length=128)
    registry_uid: str = Field(alias="registryUid", min_length=1, max_length=64)
    type: PackType | None = Field(
        default=None, description="oci, or helm for a classic Helm repository; defaults to "
                                  "the registry's")
    layer: Layer | None = None
    values: str = Field(default="", max_length=MAX_VALUES_CHARS)
    source: Literal["public", "private"] | None = None
    # Read-only, returned by GET; ignored on input.
    pack_uid: str | None = Field(default=None, alias="packUid")
    digest: str | None = None
    verified: bool | None = None
    repository: str | None = None
    version: str | None = None
    namespace: str | None = None
    install_priority: int | None = Field(default=None, alias="installPriority")
    is_invalid: bool | None = Field(default=None, alias="isInvalid")
    invalid_reason: str | None = Field(default=None, alias="invalidReason")
    drift_unknown: bool | None = Field(default=None, alias="driftUnknown")
    drift_message: str | None = Field(default=None, alias="driftMessage")
    registry_name: str | None = Field(default=None, alias="registryName")


class TemplateBody(_Model):
    """The profile's type, cloud type and ordered packs (layer order)."""

    type: str = "add-on"
    cloud_type: str = Field(default="all", alias="cloudType", min_length=1, max_length=32)
    packs: list[PackBody] = Field(default_factory=list, max_length=MAX_PACKS)


class ProfileSpec(_Model):
    """The profile's version (semver) and template."""

    version: str = Field(default="1.0.0", max_length=64)
    template: TemplateBody = Field(default_factory=TemplateBody)
    variables: list[Variable] | None = Field(
        default=None, max_length=MAX_VARIABLES,
        description="Palette's profile variables; omitted or null keeps the stored ones")
    # Read-only, returned by GET; ignored on input.
    versions: list[dict[str, Any]] | None = None


class ProfileMetadata(_Model):
    """Name, description (annotation) and labels (tags)."""

    name: Name
    annotations: dict[str, str] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)
    # Read-only, returned by GET; ignored on input.
    uid: str | None = None
    creation_timestamp: str | None = Field(default=None, alias="creationTimestamp")
    last_modified_timestamp: str | None = Field(default=None, alias="lastModifiedTimestamp")


class ProfileBody(_Model):
    """Create or update body of a cluster profile."""

    metadata: ProfileMetadata
    spec: ProfileSpec = Field(default_factory=ProfileSpec)
    status: dict[str, Any] | None = None


class VersionBody(_Model):
    """Body of `POST /v1/clusterprofiles/{uid}/versions`: the new version."""

    version: str = Field(max_length=64)
