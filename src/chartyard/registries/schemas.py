"""Palette-shaped request and response bodies for OCI registries."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

NAME_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Metadata(_Model):
    """Object metadata; the name is unique per tenant."""

    name: str = Field(pattern=NAME_PATTERN, description="lowercase letters, digits and '-'")
    uid: str | None = None
    annotations: dict[str, str] = Field(default_factory=dict)


class TLSSpec(_Model):
    """TLS options: a PEM CA bundle and Insecure Skip TLS Verify."""

    certificate: str = ""
    insecure_skip_verify: bool = Field(default=False, alias="insecureSkipVerify")


class BasicAuthSpec(_Model):
    """Basic credentials, or none (`noAuth`)."""

    type: Literal["basic", "noAuth"] = "noAuth"
    username: str = ""
    password: str | None = None
    password_set: bool | None = Field(default=None, alias="passwordSet")
    tls: TLSSpec = Field(default_factory=TLSSpec)


def _as_list(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value.strip() else []
    return value


class _SyncSpec(_Model):
    provider_type: str = Field(default="helm", alias="providerType")
    is_sync_supported: bool = Field(default=True, alias="isSyncSupported")
    base_content_path: list[str] = Field(default_factory=list, alias="baseContentPath")
    repositories: list[str] = Field(default_factory=list)
    sync_interval_seconds: int | None = Field(
        default=None, alias="syncIntervalSeconds", ge=60, le=7 * 24 * 3600
    )

    @field_validator("base_content_path", "repositories", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        return _as_list(value)


class BasicRegistrySpec(_SyncSpec):
    """Spec of an OCI registry with Basic authentication or none."""

    endpoint: str
    auth: BasicAuthSpec = Field(default_factory=BasicAuthSpec)


class StsSpec(_Model):
    """The role chartyard assumes, and the tenant's external ID (read-only)."""

    arn: str = ""
    external_id: str | None = Field(default=None, alias="externalId")


class EcrCredentials(_Model):
    """ECR credentials: static keys (`secret`) or STS AssumeRole (`sts`)."""

    credential_type: Literal["secret", "sts"] = Field(default="secret", alias="credentialType")
    access_key: str = Field(default="", alias="accessKey")
    secret_key: str | None = Field(default=None, alias="secretKey")
    secret_key_set: bool | None = Field(default=None, alias="secretKeySet")
    sts: StsSpec = Field(default_factory=StsSpec)


class EcrRegistrySpec(_SyncSpec):
    """Spec of an Amazon ECR registry."""

    endpoint: str
    is_private: bool = Field(default=True, alias="isPrivate")
    credentials: EcrCredentials = Field(default_factory=EcrCredentials)
    tls: TLSSpec = Field(default_factory=TLSSpec)


class BasicRegistryBody(_Model):
    """Create or update body of a Basic registry."""

    metadata: Metadata
    spec: BasicRegistrySpec


class EcrRegistryBody(_Model):
    """Create or update body of an ECR registry."""

    metadata: Metadata
    spec: EcrRegistrySpec


class Progress(_Model):
    """Live progress of a sync."""

    repositories_total: int = Field(alias="repositoriesTotal")
    repositories_done: int = Field(alias="repositoriesDone")
    chart_versions: int = Field(alias="chartVersions")


class SyncStatus(_Model):
    """The sync status of DESIGN §2."""

    is_sync_supported: bool = Field(alias="isSyncSupported")
    status: str
    reason: str | None = None
    message: str
    last_run_time: str | None = Field(alias="lastRunTime")
    last_synced_time: str | None = Field(alias="lastSyncedTime")
    progress: Progress


class RegistryStatus(_Model):
    """Status block of a registry."""

    sync_status: SyncStatus = Field(alias="syncStatus")


class UidResponse(_Model):
    """The uid of a created object."""

    uid: str
    notice: str | None = None
