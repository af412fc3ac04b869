"""Prometheus series of one chartyard process, and the hooks that feed them.

Every hook is one call from the code it measures, for example
``metrics.sync_finished(registry_uid, outcome, seconds)``. Labels stay bounded:
route templates (never raw paths), registry uids (never repositories), request kinds.

With ``--workers N`` the API runs in several processes; ``chartyard serve`` then sets
``PROMETHEUS_MULTIPROC_DIR`` before any process imports ``prometheus_client``, and
``GET /metrics`` merges every process's files (see ``collect``). This module imports
nothing from the web or database layers, so the OCI client may call it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
UNMATCHED_ROUTE = "<unmatched>"

# Seconds; from a cached catalog read to a slow registry round trip.
_HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_SYNC_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)
_EVENT_ACTIONS = frozenset({"push", "delete"})

HTTP_REQUESTS = Counter(
    "chartyard_http_requests", "HTTP requests served, by method, route template and status.",
    ["method", "route", "status"])
HTTP_DURATION = Histogram(
    "chartyard_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"], buckets=_HTTP_BUCKETS)
SYNCS = Counter(
    "chartyard_syncs", "Registry syncs finished, by registry uid and outcome.",
    ["registry", "outcome"])
SYNC_DURATION = Histogram(
    "chartyard_sync_duration_seconds", "Duration of registry syncs, by registry uid.",
    ["registry"], buckets=_SYNC_BUCKETS)
REGISTRY_REQUESTS = Counter(
    "chartyard_registry_requests",
    "HTTP requests chartyard made to registries, by request kind and status (429 included; "
    "'error' when no answer came).", ["kind", "status"])
LEASE_TAKEOVERS = Counter(
    "chartyard_lease_takeovers",
    "Sync leases claimed from another worker whose lease had expired or was given up.")
EVENTS_RECEIVED = Counter(
    "chartyard_registry_events_received",
    "Registry push/delete notifications received, by registry uid and action.",
    ["registry", "action"])


def http_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered HTTP request under its route template."""
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_DURATION.labels(method, route).observe(seconds)


def sync_finished(registry_uid: str, outcome: str, seconds: float) -> None:
    """Count one finished sync (Completed, Failed, LeaseLost, Abandoned, Crashed...)."""
    SYNCS.labels(registry_uid, outcome).inc()
    SYNC_DURATION.labels(registry_uid).observe(seconds)


def registry_request(kind: str, status: int | str) -> None:
    """Count one request to a registry; `status` is the HTTP code or 'error'."""
    REGISTRY_REQUESTS.labels(kind or "other", str(status)).inc()


def lease_takeover() -> None:
    """Count one lease taken over from another worker."""
    LEASE_TAKEOVERS.inc()


def event_received(registry_uid: str, action: str) -> None:
    """Count one registry notification; actions other than push/delete count as 'other'."""
    EVENTS_RECEIVED.labels(registry_uid, action if action in _EVENT_ACTIONS else "other").inc()


def multiprocess_dir() -> Path | None:
    """Return the multiprocess directory when this process runs in multiprocess mode."""
    value = os.environ.get(MULTIPROC_ENV)
    return Path(value) if value else None


def prepare_multiprocess_dir(configured: str | None = None) -> Path:
    """Return an empty directory for multiprocess files: `configured` emptied, or a new one.

    Call before any process records a metric (files of an earlier run would be merged).
    """
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        for item in path.glob("*.db"):
            item.unlink()
        return path
    return Path(tempfile.mkdtemp(prefix="chartyard-metrics-"))


def remove_multiprocess_dir(path: Path) -> None:
    """Delete a directory made by `prepare_multiprocess_dir`."""
    shutil.rmtree(path, ignore_errors=True)


def collect(*extra: Collector) -> bytes:
    """Return the Prometheus text of this process, or of all processes in multiprocess mode."""
    directory = multiprocess_dir()
    if directory is None:
        registry: CollectorRegistry = REGISTRY
        text = generate_latest(registry)
        if not extra:
            return text
        registry = CollectorRegistry(auto_describe=False)
        for collector in extra:
            registry.register(collector)
        return text + generate_latest(registry)
    registry = CollectorRegistry(auto_describe=False)
    MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry)
