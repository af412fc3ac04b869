"""Parse registry notifications into push and delete events for repositories.

Two formats are understood:

- the CNCF distribution notification envelope
  (``application/vnd.docker.distribution.events.v1+json``): ``{"events": [...]}``,
  each with ``action`` and ``target.{repository, tag, digest, mediaType}``;
- Harbor webhooks: the default JSON (``{"type": "PUSH_ARTIFACT", "event_data":
  {"resources": [...], "repository": {"repo_full_name": ...}}}``) and its
  CloudEvents form (``{"specversion": "1.0", "type": "harbor.artifact.pushed",
  "data": {...}}``).

Not supported: Quay, GHCR and ECR (EventBridge) notifications; Harbor's other
event types (scans, quotas, replication) are read as "other" and ignored.
Blob events (layers and configs pushed before their manifest), manifest pushes by
digest alone and pulls are "other" too: only a tag names a chart version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from chartyard.limits import LimitExceeded, load_json_bounded

Action = Literal["push", "delete", "other"]

MAX_EVENTS = 1000

_BLOB_TYPES = frozenset({"application/octet-stream"})
_HARBOR_TYPES: dict[str, Action] = {
    "PUSH_ARTIFACT": "push", "DELETE_ARTIFACT": "delete",
    "harbor.artifact.pushed": "push", "harbor.artifact.deleted": "delete",
}


class EventParseError(ValueError):
    """The body is not a notification chartyard understands; the message says why."""


@dataclass(frozen=True)
class RegistryEvent:
    """One push or delete of a repository's tag or digest (``other`` for the rest)."""

    action: Action
    repository: str
    tag: str | None = None
    digest: str | None = None


def parse_events(body: bytes, *, max_bytes: int) -> list[RegistryEvent]:
    """Return the events in a notification body, or raise EventParseError."""
    try:
        data = load_json_bounded(body, max_bytes=max_bytes, max_depth=32)
    except LimitExceeded as exc:
        raise EventParseError(str(exc)) from exc
    except ValueError as exc:
        raise EventParseError(f"the body is not JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise EventParseError("the body is not a JSON object")
    if "events" in data:
        return _distribution(data["events"])
    if "event_data" in data or "data" in data:
        return _harbor(data)
    raise EventParseError(
        "expected a distribution envelope ({\"events\": [...]}) or a Harbor webhook "
        "({\"type\": ..., \"event_data\": ...})"
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _distribution(events: Any) -> list[RegistryEvent]:
    if not isinstance(events, list):
        raise EventParseError("'events' is not a list")
    if len(events) > MAX_EVENTS:
        raise EventParseError(f"more than {MAX_EVENTS} events in one envelope")
    out: list[RegistryEvent] = []
    for item in events:
        target = item.get("target") if isinstance(item, dict) else None
        if not isinstance(target, dict) or not _text(target.get("repository")):
            raise EventParseError("an event has no target.repository")
        repository = str(target["repository"])
        action = item.get("action")
        media = str(target.get("mediaType") or "").split(";", 1)[0].strip().lower()
        if action == "delete":
            # Deletes name a manifest digest (or a tag) and no media type.
            out.append(RegistryEvent("delete", repository, _text(target.get("tag")),
                                     _text(target.get("digest"))))
        elif action == "push" and _text(target.get("tag")) and media not in _BLOB_TYPES:
            # Only a tag makes a version: helm pushes the manifest by digest, then tags it.
            out.append(RegistryEvent("push", repository, _text(target.get("tag")),
                                     _text(target.get("digest"))))
        else:
            out.append(RegistryEvent("other", repository))
    return out


def _harbor(data: dict[str, Any]) -> list[RegistryEvent]:
    action = _HARBOR_TYPES.get(str(data.get("type", "")), "other")
    payload = data.get("event_data", data.get("data"))
    if not isinstance(payload, dict):
        raise EventParseError("the Harbor webhook has no event_data object")
    repo = payload.get("repository")
    name = _text(repo.get("repo_full_name")) if isinstance(repo, dict) else None
    if name is None and isinstance(repo, dict):
        namespace, short = _text(repo.get("namespace")), _text(repo.get("name"))
        name = f"{namespace}/{short}" if namespace and short else short
    if name is None:
        raise EventParseError("the Harbor webhook has no event_data.repository.repo_full_name")
    resources = payload.get("resources") or []
    if not isinstance(resources, list) or len(resources) > MAX_EVENTS:
        raise EventParseError("event_data.resources is not a list of at most "
                              f"{MAX_EVENTS} artifacts")
    if action == "other" or not resources:
        return [RegistryEvent(action if resources else "other", name)]
    return [RegistryEvent(action, name, _text(r.get("tag")) if isinstance(r, dict) else None,
                          _text(r.get("digest")) if isinstance(r, dict) else None)
            for r in resources]
