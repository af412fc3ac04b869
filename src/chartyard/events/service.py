"""The event endpoint's rules: its secret, who may rotate it, and what an event refreshes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from chartyard import audit, metrics
from chartyard.auth.roles import Principal, Role
from chartyard.errors import PermissionDenied, ServiceError, Unauthenticated
from chartyard.events.parse import EventParseError, RegistryEvent, parse_events
from chartyard.registries.kinds import kind_of
from chartyard.registries.present import rfc3339
from chartyard.store.models import Registry, RegistryEventHook, utcnow
from chartyard.wire.events import EventsAccepted

SECRET_PREFIX = "cye_"  # noqa: S105 - a marker, not a secret


class EventsRateLimited(ServiceError):
    """Too many event requests for one registry; the registry retries later."""

    status = 429
    code = "TooManyRequests"


class EventBodyTooLarge(ServiceError):
    """An event body over the cap."""

    status = 413
    code = "PayloadTooLarge"


class InvalidEvent(ServiceError):
    """An event body chartyard cannot read."""

    status = 400
    code = "InvalidEvent"


def events_path(uid: str) -> str:
    """Return the path a registry's notifications are sent to."""
    return f"/v1/registries/{uid}/events"


def _hash(secret: str) -> str:
    # The secret is 256 random bits: a plain SHA-256 is enough (as for API keys).
    return hashlib.sha256(secret.encode()).hexdigest()


def rotate_secret(session: Session, principal: Principal, reg: Registry) -> str:
    """Create or replace the registry's event secret and return it (shown once)."""
    if not principal.has(Role.TENANT_ADMIN):
        raise PermissionDenied("setting a registry's event secret needs the tenant-admin role")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    hook = session.get(RegistryEventHook, reg.uid)
    if hook is None:
        hook = RegistryEventHook(registry_uid=reg.uid, secret_hash=_hash(secret), received=0,
                                 refreshed=0, ignored=0, out_of_scope=0)
        session.add(hook)
    hook.secret_hash = _hash(secret)
    hook.rotated_at = utcnow()
    audit.record(session, principal, "registry.events.secret", reg.kind, reg.uid, reg.name)
    return secret


def authenticate(session: Session, uid: str, authorization: str | None) -> Registry:
    """Return the registry whose event secret the header carries, or raise 401.

    A missing registry, a registry without a secret and a wrong secret all give the
    same answer, so the endpoint tells nothing about which registries exist.
    """
    scheme, _, value = (authorization or "").partition(" ")
    reg = session.get(Registry, uid)
    hook = session.get(RegistryEventHook, uid) if reg is not None else None
    given = value.strip() if scheme.lower() == "bearer" else ""
    expected = hook.secret_hash if hook is not None else _hash(secrets.token_hex(8))
    if not hmac.compare_digest(_hash(given), expected) or reg is None or not given:
        raise Unauthenticated(
            "send the registry's event secret as 'Authorization: Bearer <secret>'; "
            "POST /v1/registries/{uid}/events/secret (tenant-admin) creates or rotates it"
        )
    return reg


@dataclass
class Accepted:
    """What one notification did: repositories to refresh, and what was ignored."""

    refresh: dict[str, dict[str, str]] = field(default_factory=dict)
    received: int = 0
    ignored: int = 0
    out_of_scope: int = 0

    def answer(self) -> EventsAccepted:
        """Return the API answer."""
        return EventsAccepted(received=self.received, repositories=sorted(self.refresh),
                              ignored=self.ignored, out_of_scope=self.out_of_scope)


def accept(session: Session, reg: Registry, events: list[RegistryEvent]) -> Accepted:
    """Sort events into refreshes and ignored ones; record them on the registry's hook."""
    result = Accepted(received=len(events))
    for event in events:
        metrics.event_received(reg.uid, event.action)
        if event.action == "other" or not reg.is_sync_supported:
            result.ignored += 1
        elif not kind_of(reg).covers(reg, event.repository):
            result.out_of_scope += 1
        else:
            tags = result.refresh.setdefault(event.repository, {})
            if event.action == "push" and event.tag and event.digest:
                tags[event.tag] = event.digest
    hook = session.get(RegistryEventHook, reg.uid)
    if hook is not None:
        hook.received += result.received
        hook.ignored += result.ignored
        hook.out_of_scope += result.out_of_scope
        if events:
            last = events[-1]
            hook.last_event_at = utcnow()
            hook.last_event = {"action": last.action, "repository": last.repository,
                               "tag": last.tag, "digest": last.digest}
    return result


def receive(session: Session, uid: str, authorization: str | None, body: bytes,
            max_bytes: int) -> Accepted:
    """Authenticate a notification, parse it and record what it asks (401/422 change nothing)."""
    reg = authenticate(session, uid, authorization)
    try:
        events = parse_events(body, max_bytes=max_bytes)
    except EventParseError as exc:
        raise InvalidEvent(f"the event body is not a registry notification: {exc}") from exc
    return accept(session, reg, events)


def count_refreshed(session: Session, uid: str, repositories: int) -> None:
    """Add refreshed repositories to the hook's counter."""
    hook = session.get(RegistryEventHook, uid)
    if hook is not None:
        hook.refreshed += repositories


def hook_info(session: Session, reg: Registry, base_url: str) -> dict[str, Any]:
    """Return the URL to configure, whether a secret is set, and the last event received."""
    hook = session.get(RegistryEventHook, reg.uid)
    return {
        "url": base_url.rstrip("/") + events_path(reg.uid),
        "secretSet": hook is not None,
        "secretRotatedTime": rfc3339(hook.rotated_at) if hook else None,
        "lastEventTime": rfc3339(hook.last_event_at) if hook else None,
        "lastEvent": hook.last_event if hook else None,
        "received": hook.received if hook else 0,
        "refreshed": hook.refreshed if hook else 0,
        "ignored": hook.ignored if hook else 0,
        "outOfScope": hook.out_of_scope if hook else 0,
    }


def counters(session: Session) -> list[dict[str, Any]]:
    """Return every hook's counters, for metrics (registry uid, received, refreshed, ...)."""
    return [{"registry": h.registry_uid, "received": h.received, "refreshed": h.refreshed,
             "ignored": h.ignored, "outOfScope": h.out_of_scope}
            for h in session.query(RegistryEventHook).all()]
