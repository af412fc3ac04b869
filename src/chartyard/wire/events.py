"""Registry events on the wire: what a notification did, the hook and its secret."""

from __future__ import annotations

from pydantic import Field

from chartyard.wire.common import WireModel


class EventsAccepted(WireModel):
    """The answer to a registry notification (202): what will be refreshed and ignored."""

    received: int
    repositories: list[str]
    ignored: int
    out_of_scope: int = Field(alias="outOfScope")


class EventSecret(WireModel):
    """A new event secret, shown this once, and how the registry must send it."""

    secret: str
    url: str
    header: str


class LastEvent(WireModel):
    """The last event a registry sent."""

    action: str
    repository: str
    tag: str | None
    digest: str | None


class EventHook(WireModel):
    """The URL to configure in the registry, whether a secret is set, and the counters."""

    url: str
    secret_set: bool = Field(alias="secretSet")
    secret_rotated_time: str | None = Field(alias="secretRotatedTime")
    last_event_time: str | None = Field(alias="lastEventTime")
    last_event: LastEvent | None = Field(alias="lastEvent")
    received: int
    refreshed: int
    ignored: int
    out_of_scope: int = Field(alias="outOfScope")
