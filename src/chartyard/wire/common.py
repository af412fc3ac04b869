"""Shapes shared by every resource: object metadata, uid answers, list metadata, errors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator


def rfc3339(value: datetime | None) -> str | None:
    """Return an RFC 3339 UTC timestamp, or None."""
    return value.isoformat().replace("+00:00", "Z") if value else None


def _is_none(value: Any) -> bool:
    return value is None


def omit(alias: str | None = None, description: str | None = None) -> Any:
    """Return a field that defaults to None and is left out of a response while None.

    Palette's schema has no nulls (Go's omitempty), so its optional fields are omitted.
    """
    return Field(default=None, alias=alias, description=description, exclude_if=_is_none)


class WireModel(BaseModel):
    """Base of every wire model: camelCase names as sent, unknown fields ignored, and
    `null` read as the field's default (Go marshals nil slices and maps as null)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    @field_validator("*", mode="before")
    @classmethod
    def _null_is_default(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields[info.field_name or ""]
        if value is None and not field.is_required():
            return field.get_default(call_default_factory=True)
        return value


class ObjectMeta(WireModel):
    """Palette's `v1ObjectMeta` as chartyard returns it."""

    uid: str | None = omit()
    name: str | None = omit()
    annotations: dict[str, str] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)
    creation_timestamp: str | None = omit("creationTimestamp")
    last_modified_timestamp: str | None = omit("lastModifiedTimestamp")


class Uid(WireModel):
    """Palette's `v1Uid`: the answer to a create."""

    uid: str
    notice: str | None = omit()


class ListMeta(WireModel):
    """Palette's `v1ListMetaData`: the `continue` token of the next page and counts."""

    continue_: str = Field(default="", alias="continue")
    count: int = 0
    offset: int = 0
    limit: int = 0


class ObjectEntity(WireModel):
    """Palette's `v1ObjectEntity`: a name and a uid."""

    uid: str
    name: str


class ErrorBody(WireModel):
    """Every error answer: `{code, message, details, ref}`."""

    code: str
    message: str
    details: dict[str, Any] = Field(default_factory=dict)
    ref: str = Field(description="request reference; the server log holds it too")
