"""Database models: tenants and access, registries, sync state, catalog, profiles, audit."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from chartyard.names import MAX_NAME_LENGTH, name_key

NAME_KEY_LENGTH = 4 * MAX_NAME_LENGTH  # case folding can lengthen a name (ß -> ss)


def new_uid() -> str:
    """Return a new 24-hex-digit object id, as Palette uses."""
    return secrets.token_hex(12)


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Store datetimes in UTC and always load them timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Normalise to UTC before storing."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to values SQLite returns naive."""
        if value is None:
            return None
        return value if value.tzinfo else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base of all models."""

    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Tenant(Base):
    """A tenant owns every other object."""

    __tablename__ = "tenants"
    uid: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_uid)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    aws_external_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A user of one tenant, with one role."""

    __tablename__ = "users"
    uid: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_uid)
    tenant_uid: Mapped[str] = mapped_column(ForeignKey("tenants.uid", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(128), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(32))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    tenant: Mapped[Tenant] = relationship(lazy="joined")


class AuthToken(Base):
    """A session token, stored as a SHA-256 hash."""

    __tablename__ = "auth_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_uid: Mapped[str] = mapped_column(ForeignKey("users.uid", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class ApiKey(Base):
    """An API key, stored as a SHA-256 hash; revocable."""

    __tablename__ = "api_keys"
    uid: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_uid)
    user_uid: Mapped[str] = mapped_column(ForeignKey("users.uid", ondelete="CASCADE"), index=True)
    tenant_uid: Mapped[str] = mapped_column(ForeignKey("tenants.uid", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    # Palette's PATCH /v1/apiKeys/{uid} toggles `active`; `expires_at` is Palette's expiry.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    # The expiry as the client wrote it (precision, offset), returned as it was sent.
    expiry_text: Mapped[str | None] = mapped_column(String(64), default=None)


class Registry(Base):
    """An OCI Helm registry; `spec` holds non-secret settings, `secrets_enc` the encrypted rest."""

    __tablename__ = "registries"
    __table_args__ = (UniqueConstraint("tenant_uid", "name_key", name="uq_registries_name_key"),)
    uid: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_uid)
    tenant_uid: Mapped[str] = mapped_column(ForeignKey("tenants.uid", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH))
    # The name as uniqueness compares it (case folded); set whenever `name` is.
    name_key: Mapped[str] = mapped_column(String(NAME_KEY_LENGTH))
    labels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    annotations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    kind: Mapped[str] = mapped_column(String(16))  # basic | ecr
    endpoint: Mapped[str] = mapped_column(String(512))
    is_sync_supported: Mapped[bool] = mapped_column(Boolean)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    secrets_enc: Mapped[str | None] = mapped_column(Text, default=None)
    sync_interval_seconds: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sync: Mapped[SyncState] = relationship(
        lazy="joined", cascade="all, delete-orphan", passive_deletes=True
    )

    @validates("name")
    def _keyed(self, _key: str, name: str) -> str:
        self.name_key = name_key(name)
        return name


class SyncState(Base):
    """The sync status and the work lease of one registry."""

    __tablename__ = "sync_states"
    registry_uid: Mapped[str] = mapped_column(
        ForeignKey("registries.uid", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16), default="Pending")
    reason: Mapped[str | None] = mapped_column(String(64), default=None)
    message: Mapped[str] = mapped_column(Text, default="")
    last_run_time: Mapped[datetime | None] = mapped_column(default=None)
    last_synced_time: Mapped[datetime | None] = mapped_column(default=None)
    repositories_total: Mapped[int] = mapped_column(Integer, default=0)
    repositories_done: Mapped[int] = mapped_column(Integer, default=0)
    chart_versions: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    force_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    lease_owner: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    # What the last successful sync left to compare with (a Helm index's validators).
    cursor: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class SyncRun(Base):
    """One finished or running sync, kept as history."""

    __tablename__ = "sync_runs"
    uid: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_uid)
    registry_uid: Mapped[str] = mapped_column(
        ForeignKey("registries.uid", ondelete="CASCADE"), index=True
    )
    worker: Mapped[str] = mapped_column(String(64))
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(16), default="InProgress")
    requests: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[str | None] = mapped_column(String(64), default=None)
    error_message: Mapped[str | None] = mapped_column(Text, default=None)


class ChartVersionColumns:
    """The columns of a catalog chart version, in the catalog or staged for it."""

    repository: Mapped[str] = mapped_column(String(512))
    name: Mapped[str] = mapped_column(String(256))
    tag: Mapped[str] = mapped_column(String(128))
    version: Mapped[str] = mapped_column(String(128))
    digest: Mapped[str] = mapped_column(String(100))
    config_digest: Mapped[str] = mapped_column(String(100))
    chart_digest: Mapped[str | None] = mapped_column(String(100), default=None)
    app_version: Mapped[str | None] = mapped_column(String(128), default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    keywords: Mapped[str] = mapped_column(Text, default="")
    chart_metadata: Mapped[dict[str, Any]] = mapped_column(JSON)
    indexed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChartVersion(ChartVersionColumns, Base):
    """One chart version in the catalog: a tag of a repository whose manifest is a Helm chart."""

    __tablename__ = "chart_versions"
    __table_args__ = (
        UniqueConstraint("registry_uid", "repository", "tag"),
        Index("ix_chart_versions_tenant_name", "tenant_uid", "name"),
        Index("ix_chart_versions_registry_name", "registry_uid", "name"),
    )
    uid: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_uid)
    tenant_uid: Mapped[str] = mapped_column(ForeignKey("tenants.uid", ondelete="CASCADE"))
    registry_uid: Mapped[str] = mapped_column(ForeignKey("registries.uid", ondelete="CASCADE"))


class Chart(Base):
    """One chart repository in the catalog, with its newest version, for fast search."""

    __tablename__ = "charts"
    __table_args__ = (
        UniqueConstraint("registry_uid", "repository"),
        # Covers search: the LIKE on name and keywords is answered from the index alone.
        Index("ix_charts_tenant_search", "tenant_uid", "name", "keywords"),
    )
    uid: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_uid)
    tenant_uid: Mapped[str] = mapped_column(ForeignKey("tenants.uid", ondelete="CASCADE"))
    registry_uid: Mapped[str] = mapped_column(ForeignKey("registries.uid", ondelete="CASCADE"))
    repository: Mapped[str] = mapped_column(String(512))
    name: Mapped[str] = mapped_column(String(256))
    latest_version: Mapped[str] = mapped_column(String(128))
    latest_pack_uid: Mapped[str] = mapped_column(String(32))
    version_count: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    icon: Mapped[str | None] = mapped_column(String(1024), default=None)
    keywords: Mapped[str] = mapped_column(Text, default="")
    # Search: maintainers' names, the words full-text search indexes (see
    # store/search_index.py), and the newest version's SemVer order as a byte-ordered string.
    maintainers: Mapped[str] = mapped_column(Text, default="")
    search_terms: Mapped[str] = mapped_column(Text, default="")
    latest_version_key: Mapped[str] = mapped_column(Text, default="0")


class IgnoredTag(Base):
    """A tag that is not a chart (an image, a signature), remembered so it is not refetched."""

    __tablename__ = "ignored_tags"
    __table_args__ = (UniqueConstraint("registry_uid", "repository", "tag"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    registry_uid: Mapped[str] = mapped_column(
        ForeignKey("registries.uid", ondelete="CASCADE"), index=True
    )
    repository: Mapped[str] = mapped_column(String(512))
    tag: Mapped[str] = mapped_column(String(128))
    digest: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(256))


class ChartContent(Base):
    """Files read lazily from a chart layer, cached by the layer digest."""

    __tablename__ = "chart_contents"
    digest: Mapped[str] = mapped_column(String(100), primary_key=True)
    values_yaml: Mapped[str | None] = mapped_column(Text, default=None)
    readme: Mapped[str | None] = mapped_column(Text, default=None)
    values_schema: Mapped[str | None] = mapped_column(Text, default=None)
    # The chart's Chart.yaml and subchart tree as JSON (see `catalog.contents`);
    # NULL for rows cached before subcharts were read: read the archive again.
    subcharts: Mapped[str | None] = mapped_column(Text, default=None)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClusterProfile(Base):
    """A cluster profile: an ordered set of Helm chart layers with values."""

    __tablename__ = "cluster_profiles"
    __table_args__ = (UniqueConstraint("tenant_uid", "name_key", "version",
                                       name="uq_cluster_profiles_name_key"),)
    uid: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_uid)
    tenant_uid: Mapped[str] = mapped_column(ForeignKey("tenants.uid", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH))
    # The name as uniqueness compares it (case folded); set whenever `name` is.
    name_key: Mapped[str] = mapped_column(String(NAME_KEY_LENGTH))
    version: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    # Every metadata annotation as given (the description is one of them).
    annotations: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    profile_type: Mapped[str] = mapped_column(String(16))
    cloud_type: Mapped[str] = mapped_column(String(32), default="all")
    labels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Palette: a profile is a draft until PATCH /{uid}/publish (or POST ?publish=true).
    published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=true())
    # Palette's profile variables: definitions (no sensitive value), and the sensitive
    # values encrypted like registry secrets.
    variables: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=None)
    variables_enc: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    packs: Mapped[list[ProfilePack]] = relationship(
        order_by="ProfilePack.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
    )

    @validates("name")
    def _keyed(self, _key: str, name: str) -> str:
        self.name_key = name_key(name)
        return name


class ProfilePack(Base):
    """One Helm chart layer of a cluster profile."""

    __tablename__ = "profile_packs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    profile_uid: Mapped[str] = mapped_column(
        ForeignKey("cluster_profiles.uid", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(256))
    tag: Mapped[str] = mapped_column(String(128))
    registry_uid: Mapped[str | None] = mapped_column(
        ForeignKey("registries.uid", ondelete="SET NULL"), default=None
    )
    pack_type: Mapped[str] = mapped_column(String(16), default="oci")
    source: Mapped[str] = mapped_column(String(16))  # public | private
    values: Mapped[str] = mapped_column(Text, default="")
    pack_uid: Mapped[str | None] = mapped_column(String(32), default=None)
    digest: Mapped[str | None] = mapped_column(String(100), default=None)
    verified: Mapped[bool] = mapped_column(Boolean, default=True)
    # Where the chart was found: full repository on the host, the OCI tag, the chart version.
    repository: Mapped[str | None] = mapped_column(String(512), default=None)
    oci_tag: Mapped[str | None] = mapped_column(String(128), default=None)
    chart_version: Mapped[str | None] = mapped_column(String(128), default=None)
    layer: Mapped[str | None] = mapped_column(String(16), default=None)  # Palette's pack layer
    # The chart archive's own digest: its files (values.yaml, schemas) are cached by it.
    chart_digest: Mapped[str | None] = mapped_column(String(100), default=None)


class AuditEvent(Base):
    """Who changed what, and when; never secrets."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_tenant_at", "tenant_uid", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_uid: Mapped[str] = mapped_column(ForeignKey("tenants.uid", ondelete="CASCADE"))
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    target_kind: Mapped[str] = mapped_column(String(32))
    target_uid: Mapped[str | None] = mapped_column(String(32), default=None)
    target_name: Mapped[str | None] = mapped_column(String(256), default=None)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class RegistryEventHook(Base):
    """A registry's event endpoint: the hashed secret and what its events did."""

    __tablename__ = "registry_event_hooks"
    registry_uid: Mapped[str] = mapped_column(
        ForeignKey("registries.uid", ondelete="CASCADE"), primary_key=True
    )
    secret_hash: Mapped[str] = mapped_column(String(64))
    rotated_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_event_at: Mapped[datetime | None] = mapped_column(default=None)
    last_event: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    received: Mapped[int] = mapped_column(Integer, default=0)
    refreshed: Mapped[int] = mapped_column(Integer, default=0)
    ignored: Mapped[int] = mapped_column(Integer, default=0)
    out_of_scope: Mapped[int] = mapped_column(Integer, default=0)


class VerdictColumns:
    """The columns of a signature verdict, stored or staged."""

    method: Mapped[str] = mapped_column(String(32))
    # The .prov as served (capped), its sha256, and the chart digest it was checked against.
    provenance: Mapped[str | None] = mapped_column(Text, default=None)
    provenance_digest: Mapped[str | None] = mapped_column(String(100), default=None)
    chart_digest: Mapped[str | None] = mapped_column(String(100), default=None)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    signer: Mapped[str | None] = mapped_column(String(512), default=None)
    fingerprint: Mapped[str | None] = mapped_column(String(64), default=None)
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChartProvenance(VerdictColumns, Base):
    """A chart version's signature verdict and the material to re-check it without a download."""

    __tablename__ = "chart_provenance"
    chart_version_uid: Mapped[str] = mapped_column(
        ForeignKey("chart_versions.uid", ondelete="CASCADE"), primary_key=True
    )
    tenant_uid: Mapped[str] = mapped_column(
        ForeignKey("tenants.uid", ondelete="CASCADE"), index=True
    )


class TrustedKey(Base):
    """An OpenPGP public key a tenant trusts to sign charts."""

    __tablename__ = "trusted_keys"
    __table_args__ = (UniqueConstraint("tenant_uid", "fingerprint"),)
    uid: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_uid)
    tenant_uid: Mapped[str] = mapped_column(ForeignKey("tenants.uid", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    fingerprint: Mapped[str] = mapped_column(String(64))
    user_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    public_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TrustPolicy(Base):
    """A tenant's signature policy: whether profile layers must be verified."""

    __tablename__ = "trust_policies"
    tenant_uid: Mapped[str] = mapped_column(
        ForeignKey("tenants.uid", ondelete="CASCADE"), primary_key=True
    )
    require_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MirrorRun(Base):
    """One copy of a profile's charts (and images) into another registry, and its progress."""

    __tablename__ = "mirror_runs"
    __table_args__ = (Index("ix_mirror_runs_claim", "status", "lease_expires_at"),)
    uid: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_uid)
    tenant_uid: Mapped[str] = mapped_column(ForeignKey("tenants.uid", ondelete="CASCADE"))
    profile_uid: Mapped[str] = mapped_column(
        ForeignKey("cluster_profiles.uid", ondelete="CASCADE"), index=True)
    target_registry_uid: Mapped[str] = mapped_column(
        ForeignKey("registries.uid", ondelete="CASCADE"), index=True)
    base_path: Mapped[str] = mapped_column(String(512), default="")
    include_images: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="Pending")
    message: Mapped[str] = mapped_column(Text, default="")
    charts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    images: Mapped[list[Any]] = mapped_column(JSON, default=list)
    charts_total: Mapped[int] = mapped_column(Integer, default=0)
    charts_done: Mapped[int] = mapped_column(Integer, default=0)
    blobs_copied: Mapped[int] = mapped_column(Integer, default=0)
    blobs_skipped: Mapped[int] = mapped_column(Integer, default=0)
    bytes_copied: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_total: Mapped[int] = mapped_column(BigInteger, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    lease_owner: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(default=None)


class MirrorBlob(Base):
    """A blob a mirror run has finished with in one target repository (copied or present)."""

    __tablename__ = "mirror_blobs"
    mirror_uid: Mapped[str] = mapped_column(
        ForeignKey("mirror_runs.uid", ondelete="CASCADE"), primary_key=True)
    repository: Mapped[str] = mapped_column(String(512), primary_key=True)
    digest: Mapped[str] = mapped_column(String(100), primary_key=True)
    copied: Mapped[bool] = mapped_column(Boolean, default=False)
    size: Mapped[int] = mapped_column(BigInteger, default=0)


class IndexStagingRow(ChartVersionColumns, Base):
    """A chart version parsed from a Helm index during a sync, not yet in the catalog.

    A sync writes its new or changed versions here in batches as it parses, and one
    short transaction at the end moves them into ``chart_versions``; a failed sync
    deletes its rows and the catalog never saw them. The columns are those of
    ``ChartVersion``, plus the run that staged them.
    """

    __tablename__ = "index_staging"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_uid: Mapped[str] = mapped_column(String(32), index=True)
    uid: Mapped[str] = mapped_column(String(32))
    tenant_uid: Mapped[str] = mapped_column(ForeignKey("tenants.uid", ondelete="CASCADE"))
    registry_uid: Mapped[str] = mapped_column(
        ForeignKey("registries.uid", ondelete="CASCADE"), index=True)


class IndexStagingVerdict(VerdictColumns, Base):
    """The signature verdict of a staged index row, moved into ``chart_provenance`` with it.

    A sync judges its staged rows a batch at a time and writes their verdicts here, so
    nothing of the whole index is held in memory until the swap.
    """

    __tablename__ = "index_staging_verdicts"
    chart_version_uid: Mapped[str] = mapped_column(String(32), primary_key=True)
    run_uid: Mapped[str] = mapped_column(String(32), index=True)
    registry_uid: Mapped[str] = mapped_column(
        ForeignKey("registries.uid", ondelete="CASCADE"), index=True)
    tenant_uid: Mapped[str] = mapped_column(ForeignKey("tenants.uid", ondelete="CASCADE"))
