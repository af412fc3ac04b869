"""Render stored registries as Palette-shaped response bodies; never secrets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chartyard.store.models import Registry, SyncState


def rfc3339(value: datetime | None) -> str | None:
    """Return an RFC 3339 UTC timestamp, or None."""
    return value.isoformat().replace("+00:00", "Z") if value else None


def sync_status(registry: Registry) -> dict[str, Any]:
    """Return the sync status object of DESIGN §2."""
    state = registry.sync or SyncState()
    return {
        "isSyncSupported": registry.is_sync_supported,
        "status": state.status or "Pending",
        "reason": state.reason,
        "message": state.message or "",
        "lastRunTime": rfc3339(state.last_run_time),
        "lastSyncedTime": rfc3339(state.last_synced_time),
        "progress": {
            "repositoriesTotal": state.repositories_total or 0,
            "repositoriesDone": state.repositories_done or 0,
            "chartVersions": state.chart_versions or 0,
        },
    }


def _metadata(registry: Registry) -> dict[str, Any]:
    return {
        "name": registry.name,
        "uid": registry.uid,
        "creationTimestamp": rfc3339(registry.created_at),
        "lastModifiedTimestamp": rfc3339(registry.updated_at),
    }


def _common(registry: Registry) -> dict[str, Any]:
    spec = registry.spec
    return {
        "endpoint": spec["endpoint"],
        "providerType": spec["providerType"],
        "isSyncSupported": registry.is_sync_supported,
        "baseContentPath": list(spec["baseContentPath"]),
        "repositories": list(spec["repositories"]),
        "syncIntervalSeconds": registry.sync_interval_seconds,
    }


def basic_body(registry: Registry, secret_names: set[str]) -> dict[str, Any]:
    """Return a Basic registry as the API shows it."""
    spec = registry.spec
    return {
        "metadata": _metadata(registry),
        "spec": {
            **_common(registry),
            "auth": {
                "type": spec["auth"]["type"],
                "username": spec["auth"]["username"],
                "password": "",
                "passwordSet": "password" in secret_names,
                "tls": dict(spec["tls"]),
            },
        },
        "status": {"syncStatus": sync_status(registry)},
    }


def ecr_body(registry: Registry, secret_names: set[str], external_id: str) -> dict[str, Any]:
    """Return an ECR registry as the API shows it."""
    spec = registry.spec
    creds = spec["credentials"]
    return {
        "metadata": _metadata(registry),
        "spec": {
            **_common(registry),
            "isPrivate": spec["isPrivate"],
            "credentials": {
                "credentialType": creds["credentialType"],
                "accessKey": creds["accessKey"],
                "secretKey": "",
                "secretKeySet": "secretKey" in secret_names,
                "sts": {"arn": creds["stsArn"], "externalId": external_id},
            },
            "tls": dict(spec["tls"]),
        },
        "status": {"syncStatus": sync_status(registry)},
    }


def auth_label(registry: Registry) -> str:
    """Return the authentication type as the registry list shows it."""
    if registry.kind == "ecr":
        if not registry.spec["isPrivate"]:
            return "ECR (public)"
        return "ECR (STS)" if registry.spec["credentials"]["credentialType"] == "sts" else "ECR"
    return "Basic" if registry.spec["auth"]["type"] == "basic" else "Anonymous"
