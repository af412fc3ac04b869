"""Request and response bodies of each registry kind (``basic``, ``ecr``, ``helm``).

Request parts follow Palette's Go SDK (unknown fields ignored, ``null`` means "not given",
see `chartyard.wire.registries`); response models are the kinds' GET bodies. The kinds in
`chartyard.registries.kinds` name these as their ``body_model``, ``spec_model`` and
``response_model``, and keep the rules and stored models themselves.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from chartyard.wire.registries import Flag, Metadata, RequestModel, Str, StrList, none_to

AuthType = Literal["basic", "noAuth", "token"]
CredentialType = Literal["secret", "sts", "pod-identity"]

# Shared parts


class TLSSpec(RequestModel):
    """Palette's ``v1TlsConfiguration``: a PEM CA bundle and Insecure Skip TLS Verify.

    ``ca`` is taken as the CA when ``certificate`` is empty; ``enabled`` and ``key`` (client
    certificates) are accepted and not used.
    """

    certificate: Str = ""
    ca: Str = ""
    insecure_skip_verify: Flag = Field(default=False, alias="insecureSkipVerify")


def _base_paths_text(value: Any) -> Any:
    """Accept Palette's comma-separated string, or a JSON list joined with commas."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return value


class SyncSpec(RequestModel):
    """The spec fields every OCI kind shares (Palette's names)."""

    endpoint: str
    provider_type: Annotated[str, BeforeValidator(none_to("helm"))] = Field(
        default="helm", alias="providerType")
    is_sync_supported: Flag = Field(default=False, alias="isSyncSupported")
    base_content_path: Annotated[str, BeforeValidator(_base_paths_text)] = Field(
        default="", alias="baseContentPath",
        description="base content paths, comma-separated (a JSON list is accepted too)")
    repositories: StrList = Field(default_factory=list)
    sync_interval_seconds: int | None = Field(
        default=None, alias="syncIntervalSeconds", ge=60, le=7 * 24 * 3600)
    contains_spectro_manifest: Flag = Field(default=False, alias="containsSpectroManifest")


class AuthSpec(RequestModel):
    """Palette's ``v1RegistryAuth``: Basic credentials, a token, or none (``noAuth``)."""

    type: AuthType = "noAuth"
    username: Str = ""
    password: str | None = None
    token: str | None = None
    tls: TLSSpec = Field(default_factory=TLSSpec)


class AuthBody(BaseModel):
    """``v1RegistryAuth`` as returned: secrets empty, with ``passwordSet``."""

    type: str
    username: str = ""
    password: str = ""
    passwordSet: bool = False
    tls: dict[str, Any] = Field(default_factory=dict)


# basic


class BasicRegistrySpec(SyncSpec):
    """Palette's ``v1BasicOciRegistrySpec``."""

    auth: AuthSpec = Field(default_factory=AuthSpec)


class BasicRegistryBody(RequestModel):
    """Create or update body of a Basic registry (Palette's ``v1BasicOciRegistry``)."""

    metadata: Metadata
    spec: BasicRegistrySpec


class OciSpecBody(BaseModel):
    """The spec fields every OCI registry kind returns (endpoint, sync, scope)."""

    endpoint: str
    providerType: str
    isSyncSupported: bool
    baseContentPath: str
    repositories: list[str] = Field(default_factory=list)
    syncIntervalSeconds: int | None = None
    containsSpectroManifest: bool = False
    scope: str = "tenant"


class BasicSpecBody(OciSpecBody):
    """``v1BasicOciRegistrySpec`` as returned."""

    auth: AuthBody


class BasicRegistryResponse(BaseModel):
    """``v1BasicOciRegistry`` as returned."""

    kind: str
    metadata: dict[str, Any]
    spec: BasicSpecBody
    status: dict[str, Any]


# ecr


class StsSpec(RequestModel):
    """The role chartyard assumes; the external ID is the tenant's (read-only)."""

    arn: Str = ""
    external_id: Str = Field(default="", alias="externalId")


class EcrCredentials(RequestModel):
    """Palette's ``v1AwsCloudAccount``; ``policyARNs``, ``podIdentity`` etc. are ignored."""

    credential_type: CredentialType = Field(default="secret", alias="credentialType")
    access_key: Str = Field(default="", alias="accessKey")
    secret_key: str | None = Field(default=None, alias="secretKey")
    partition: Str = ""
    sts: StsSpec = Field(default_factory=StsSpec)


class EcrRegistrySpec(SyncSpec):
    """Palette's ``v1EcrRegistrySpec``."""

    is_private: bool = Field(default=True, alias="isPrivate")
    default_region: Str = Field(default="", alias="defaultRegion")
    credentials: EcrCredentials = Field(default_factory=EcrCredentials)
    tls: TLSSpec = Field(default_factory=TLSSpec)


class EcrRegistryBody(RequestModel):
    """Create or update body of an ECR registry (Palette's ``v1EcrRegistry``)."""

    metadata: Metadata
    spec: EcrRegistrySpec


class EcrSpecBody(OciSpecBody):
    """``v1EcrRegistrySpec`` as returned."""

    isPrivate: bool
    defaultRegion: str = ""
    credentials: dict[str, Any]
    tls: dict[str, Any]


class EcrRegistryResponse(BaseModel):
    """``v1EcrRegistry`` as returned."""

    kind: str
    metadata: dict[str, Any]
    spec: EcrSpecBody
    status: dict[str, Any]


# helm


class HelmCreateOption(RequestModel):
    """Palette's ``v1HelmRegistryCreateOption``; ``charts`` is accepted and not used."""

    skip_sync: Flag = Field(default=False, alias="skipSync")


class HelmRegistrySpec(RequestModel):
    """Palette's ``v1HelmRegistrySpecEntity`` / ``v1HelmRegistrySpec``, plus chartyard's fields.

    ``isSyncSupported`` (chartyard) turns synchronization on or off; when it is omitted,
    synchronization is on unless ``createOption.skipSync`` (Palette) asks otherwise.
    ``passCredentialsAll`` sends the credentials to chart URLs on other hosts too.
    ``isPrivate``, ``name``, ``scope`` and ``registryUid`` are accepted and ignored.
    """

    endpoint: str
    auth: AuthSpec = Field(default_factory=AuthSpec)
    is_sync_supported: bool | None = Field(default=None, alias="isSyncSupported")
    create_option: HelmCreateOption | None = Field(default=None, alias="createOption")
    pass_credentials_all: Flag = Field(default=False, alias="passCredentialsAll")
    sync_interval_seconds: int | None = Field(
        default=None, alias="syncIntervalSeconds", ge=60, le=7 * 24 * 3600)

    @property
    def sync_on(self) -> bool:
        """Return whether synchronization is on."""
        if self.is_sync_supported is not None:
            return self.is_sync_supported
        return not (self.create_option and self.create_option.skip_sync)


class HelmRegistryBody(RequestModel):
    """Create or update body of a Helm registry (``v1HelmRegistryEntity``/``v1HelmRegistry``)."""

    metadata: Metadata
    spec: HelmRegistrySpec


class HelmSpecBody(BaseModel):
    """``v1HelmRegistrySpec`` as returned, plus chartyard's fields."""

    endpoint: str
    auth: AuthBody
    isPrivate: bool
    name: str
    registryUid: str
    scope: str = "tenant"
    isSyncSupported: bool
    passCredentialsAll: bool = False
    syncIntervalSeconds: int | None = None


class HelmStatusBody(BaseModel):
    """``v1HelmRegistryStatus``: the sync status at ``helmSyncStatus`` (Palette's place), and
    at ``syncStatus`` as for OCI registries."""

    helmSyncStatus: dict[str, Any]
    syncStatus: dict[str, Any]


class HelmRegistryResponse(BaseModel):
    """``v1HelmRegistry`` as returned."""

    apiVersion: str = "v1"
    kind: str = "helm"
    metadata: dict[str, Any]
    spec: HelmSpecBody
    status: HelmStatusBody


class ListMeta(BaseModel):
    """``v1ListMetaData``."""

    continue_: str = Field(alias="continue", serialization_alias="continue")
    count: int
    offset: int
    limit: int


class HelmRegistries(BaseModel):
    """``v1HelmRegistries``: a page of Helm registries."""

    items: list[HelmRegistryResponse]
    listmeta: ListMeta


class HelmSummarySpec(BaseModel):
    """``v1HelmRegistrySpecSummary`` plus chartyard's list fields."""

    model_config = ConfigDict(extra="allow")

    endpoint: str
    isPrivate: bool
    scope: str = "tenant"


class HelmSummaryStatus(BaseModel):
    """``v1HelmRegistryStatusSummary``; ``syncStatus`` repeats ``sync`` for chartyard's UI."""

    sync: dict[str, Any]
    syncStatus: dict[str, Any]


class HelmSummaryItem(BaseModel):
    """``v1HelmRegistrySummary``."""

    metadata: dict[str, Any]
    spec: HelmSummarySpec
    status: HelmSummaryStatus


class HelmRegistriesSummary(BaseModel):
    """``v1HelmRegistriesSummary``."""

    items: list[HelmSummaryItem]
