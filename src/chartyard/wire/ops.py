"""The liveness and readiness probes on the wire."""

from __future__ import annotations

from typing import Literal

from chartyard.wire.common import WireModel


class Health(WireModel):
    """The liveness answer."""

    status: Literal["ok"]


class Ready(WireModel):
    """The readiness answer (200)."""

    status: Literal["ready"]


class NotReady(WireModel):
    """The readiness answer while the database is unreachable or not migrated (503)."""

    status: Literal["unavailable"]
    reason: str
