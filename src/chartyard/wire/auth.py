"""Authentication, API keys and projects: Palette's `v1AuthLogin`, `v1ApiKey*`, `v1Projects*`."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from chartyard.wire.common import ObjectEntity, ObjectMeta, WireModel, omit


class Login(WireModel):
    """Palette's `{emailId, password, org}` or chartyard's `{username, password}`."""

    username: str | None = Field(default=None, min_length=1, max_length=128)
    email_id: str | None = Field(default=None, alias="emailId", min_length=1, max_length=128)
    org: str | None = Field(default=None, max_length=128)
    password: str = Field(min_length=1, max_length=1024)

    @model_validator(mode="after")
    def _one_identity(self) -> Self:
        if not (self.username or self.email_id):
            raise ValueError("send 'emailId' (Palette) or 'username' with the password")
        return self

    @property
    def login(self) -> str:
        """Return the user name to check: `username`, else Palette's `emailId`."""
        return self.username or self.email_id or ""


class UserToken(WireModel):
    """Palette's `v1UserToken`."""

    authorization: str = Field(alias="Authorization")
    is_mfa: bool = Field(default=False, alias="isMfa")


class ApiKeyMetaIn(WireModel):
    """The metadata of an API key request; only the name is used."""

    name: str | None = Field(default=None, max_length=128)


class ApiKeySpecIn(WireModel):
    """`v1ApiKeySpecEntity` / `v1ApiKeySpecUpdate`: expiry (RFC 3339); `userUid` is ignored."""

    expiry: str | None = Field(default=None, max_length=64)


class ApiKeyIn(WireModel):
    """Palette's `v1ApiKeyEntity`, or chartyard's older `{"name": ...}`."""

    name: str | None = Field(default=None, max_length=128)
    metadata: ApiKeyMetaIn | None = None
    spec: ApiKeySpecIn | None = None

    @property
    def key_name(self) -> str:
        """Return the key's name from `metadata.name`, else `name`."""
        return (self.metadata.name if self.metadata else None) or self.name or "api-key"


class ApiKeyActiveState(WireModel):
    """Palette's `v1ApiKeyActiveState`; an omitted `isActive` means false, as the SDK omits it."""

    is_active: bool = Field(default=False, alias="isActive")


class ApiKeyCreated(WireModel):
    """Palette's `v1ApiKeyCreateResponse` plus chartyard's `key` (the same secret)."""

    uid: str
    api_key: str = Field(alias="apiKey")
    key: str


class ApiKeyUser(WireModel):
    """Palette's `v1ApiKeyUser`."""

    uid: str
    first_name: str = Field(default="", alias="firstName")
    last_name: str = Field(default="", alias="lastName")


class ApiKeySpec(WireModel):
    """Palette's `v1ApiKeySpec`; the key itself is never returned after creation."""

    expiry: str | None = omit()
    user: ApiKeyUser


class ApiKeyStatus(WireModel):
    """Palette's `v1ApiKeyStatus`."""

    is_active: bool = Field(alias="isActive")


class ApiKey(WireModel):
    """Palette's `v1ApiKey`, with chartyard's flat `uid, name, prefix, createdAt, revoked`."""

    metadata: ObjectMeta
    spec: ApiKeySpec
    status: ApiKeyStatus
    uid: str
    name: str
    prefix: str
    created_at: str | None = omit("createdAt")
    revoked: bool


class ApiKeys(WireModel):
    """Palette's `v1ApiKeys`."""

    items: list[ApiKey]


class ProjectMetadata(WireModel):
    """Palette's `v1ProjectMetadata`."""

    metadata: ObjectEntity


class ProjectsMetadata(WireModel):
    """Palette's `v1ProjectsMetadata`: a tenant has the one project "Default"."""

    items: list[ProjectMetadata]
