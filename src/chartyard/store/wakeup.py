"""Wake workers the moment a sync or a mirror is asked for, instead of at their next poll.

Any transaction that makes a registry due (creating or updating it, "Sync now", a
forced sync, a registry event, a new due time) is noticed when it flushes a change of
``SyncState.due_at``; one that queues other work (a mirror run) calls ``mark_due``:

- **in process**, its commit sets the wake-up of every worker loop of the process;
- **across processes on PostgreSQL**, the transaction also sends ``NOTIFY`` on
  ``chartyard_sync`` (delivered by PostgreSQL at commit, never for a rollback), and
  every worker process keeps one connection that ``LISTEN``\\ s on that channel and
  turns each notification into the same wake-up.

Polling (``worker_poll_seconds``) stays as the safety net: a lost notification, a
listener reconnecting, or a due time reached while nobody changed anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import Any

from sqlalchemy import Engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from chartyard.store.models import SyncState

log = logging.getLogger(__name__)

CHANNEL = "chartyard_sync"
_FLAG = "chartyard.sync_due"
_SENT = "chartyard.sync_notified"


class Wakeup:
    """The wake-up of every sync worker loop of one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def subscribe(self) -> asyncio.Event:
        """Return an event, on the running loop, that every wake-up sets."""
        woken = asyncio.Event()
        with self._lock:
            self._events.add((asyncio.get_running_loop(), woken))
        return woken

    def unsubscribe(self, woken: asyncio.Event) -> None:
        """Stop setting ``woken``."""
        with self._lock:
            self._events = {(loop, e) for loop, e in self._events if e is not woken}

    def notify(self) -> None:
        """Wake every subscribed loop (from any thread)."""
        with self._lock:
            events = list(self._events)
        for loop, woken in events:
            if not loop.is_closed():
                with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                    loop.call_soon_threadsafe(woken.set)


def mark_due(session: Session) -> None:
    """Note that this transaction makes work due: wake the workers when it commits."""
    session.info[_FLAG] = True
    _send_notify(session)


def _send_notify(session: Session) -> None:
    if session.info.get(_SENT) or session.get_bind().dialect.name != "postgresql":
        return
    session.info[_SENT] = True
    session.connection().execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})


def _due_changed(session: Session) -> bool:
    for obj in session.new:
        if isinstance(obj, SyncState) and obj.due_at is not None:
            return True
    for obj in session.dirty:
        if isinstance(obj, SyncState) and inspect(obj).attrs.due_at.history.has_changes():
            return True
    return False


def watch(sessions: sessionmaker[Session], wakeup: Wakeup) -> None:
    """Wake ``wakeup`` (and, on PostgreSQL, every listening process) on new due work."""

    def before_flush(session: Session, _context: Any, _instances: Any) -> None:
        if _due_changed(session):
            session.info[_FLAG] = True

    def after_flush(session: Session, _context: Any) -> None:
        if session.info.get(_FLAG):
            _send_notify(session)

    def after_commit(session: Session) -> None:
        if session.info.pop(_FLAG, False):
            wakeup.notify()
        session.info.pop(_SENT, None)

    def after_rollback(session: Session) -> None:
        session.info.pop(_FLAG, None)
        session.info.pop(_SENT, None)

    event.listen(sessions, "before_flush", before_flush)
    event.listen(sessions, "after_flush", after_flush)
    event.listen(sessions, "after_commit", after_commit)
    event.listen(sessions, "after_soft_rollback", lambda s, _t: after_rollback(s))


class Listener:
    """Turn PostgreSQL notifications on ``chartyard_sync`` into wake-ups, on a thread.

    One connection per process, outside the pool; it reconnects after a failure
    (polling covers the gap).
    """

    def __init__(self, engine: Engine, wakeup: Wakeup, *, tick: float = 1.0) -> None:
        self._url = engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False)
        self._wakeup = wakeup
        self._tick = tick
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name="chartyard-listen",
                                        daemon=True)
        self.listening = threading.Event()

    def start(self) -> None:
        """Start listening."""
        self._thread.start()

    def stop(self) -> None:
        """Stop listening and wait for the thread (at most one tick)."""
        self._stop.set()
        self._thread.join(self._tick * 5)

    def _main(self) -> None:
        import psycopg

        backoff = 0.5
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True, connect_timeout=10) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    backoff = 0.5
                    self._wakeup.notify()  # anything asked for while we were not listening
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=self._tick):
                            self._wakeup.notify()
            except psycopg.Error as exc:
                self.listening.clear()
                log.warning("cannot listen for sync requests; polling meanwhile",
                            extra={"error": str(exc).splitlines()[0] if str(exc) else ""})
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
