"""Users, the caller's identity, their API keys, and the audit log on the wire."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from chartyard.wire.common import WireModel


class Me(WireModel):
    """The caller as `GET /v1/users/me` reports it."""

    uid: str
    username: str
    tenant_uid: str = Field(alias="tenantUid")
    role: str


class User(WireModel):
    """A user of the tenant (never the password hash)."""

    uid: str
    username: str
    role: str
    tenant_uid: str = Field(alias="tenantUid")
    disabled: bool
    created_at: str = Field(alias="createdAt")


class Users(WireModel):
    """The tenant's users."""

    items: list[User]


class UserApiKey(WireModel):
    """One of the caller's API keys, without its secret."""

    uid: str
    name: str
    prefix: str
    created_at: str = Field(alias="createdAt")
    revoked: bool


class UserApiKeys(WireModel):
    """The caller's own API keys."""

    items: list[UserApiKey]


class AuditEntry(WireModel):
    """One audit log entry: who did what to which object, and when."""

    id: int
    actor: str
    action: str
    target_kind: str = Field(alias="targetKind")
    target_uid: str | None = Field(alias="targetUid")
    target_name: str | None = Field(alias="targetName")
    details: dict[str, Any]
    at: str


class AuditLog(WireModel):
    """The tenant's audit log, newest first."""

    items: list[AuditEntry]
