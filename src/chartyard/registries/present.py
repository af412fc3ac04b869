"""Render the parts of registry bodies every kind shares; never secrets."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from chartyard.wire.common import rfc3339 as rfc3339  # re-exported for existing callers

if TYPE_CHECKING:  # the models load SQLAlchemy, which API clients never need
    from chartyard.store.models import Registry


def _times(**values: datetime | None) -> dict[str, str]:
    """Return the given timestamps that are set (Palette's ``v1Time`` is never null)."""
    return {k: text for k, v in values.items() if (text := rfc3339(v))}


def sync_status(registry: Registry) -> dict[str, Any]:
    """Return the sync status object (``v1RegistrySyncStatus`` plus progress)."""
    from chartyard.store.models import SyncState

    state = registry.sync or SyncState()
    return {
        "isSyncSupported": registry.is_sync_supported,
        "status": state.status or "Pending",
        "reason": state.reason,
        "message": state.message or "",
        **_times(lastRunTime=state.last_run_time, lastSyncedTime=state.last_synced_time),
        "progress": {
            "repositoriesTotal": state.repositories_total or 0,
            "repositoriesDone": state.repositories_done or 0,
            "chartVersions": state.chart_versions or 0,
        },
    }


def metadata_body(registry: Registry) -> dict[str, Any]:
    """Return ``v1ObjectMeta`` of a registry."""
    return {
        "name": registry.name,
        "uid": registry.uid,
        **({"labels": dict(registry.labels)} if registry.labels else {}),
        **({"annotations": dict(registry.annotations)} if registry.annotations else {}),
        **_times(creationTimestamp=registry.created_at,
                 lastModifiedTimestamp=registry.updated_at),
    }
