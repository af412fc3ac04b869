"""Per-request metrics and access log, keyed by route template, never by raw path or query."""

from __future__ import annotations

import logging
import re
import time

from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chartyard import metrics

access_log = logging.getLogger("chartyard.access")
_SECRET_PARAM = re.compile(r"token|secret|key|password|code", re.I)


def route_template(scope: Scope) -> str:
    """Return the matched route's template (`/v1/packs/{packUid}`), or a fixed placeholder."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    app = scope.get("app")
    # Mounts (static files) set no route in the scope: find the mount's prefix.
    for candidate in getattr(getattr(app, "router", None), "routes", []):
        if not isinstance(candidate, Mount):
            continue
        match, _ = candidate.matches(scope)
        if match is Match.FULL:
            return str(getattr(candidate, "path", metrics.UNMATCHED_ROUTE)) or "/"
    return metrics.UNMATCHED_ROUTE


def logged_path(scope: Scope, route: str) -> str:
    """Return the path to log: the template instead when a path parameter looks secret."""
    params = scope.get("path_params") or {}
    if any(_SECRET_PARAM.search(str(name)) for name in params):
        return route
    return str(scope.get("path", ""))


class ObserveMiddleware:
    """Count and time every HTTP request; write one access-log line without query or headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap `send` to see the status, then record once the response is done."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            seconds = time.perf_counter() - started
            route = route_template(scope)
            method = str(scope.get("method", ""))
            metrics.http_request(method, route, status, seconds)
            client = scope.get("client")
            path = logged_path(scope, route)
            access_log.info(
                "%s %s %d", method, path, status,
                extra={"method": method, "path": path, "route": route,
                       "status": status, "duration_ms": round(seconds * 1000, 1),
                       "client": client[0] if client else None})
