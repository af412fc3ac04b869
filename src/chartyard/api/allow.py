"""The ``Allow`` header of a 405: every method any route serves on the request's path.

Starlette answers with the methods of the first route whose path matched; chartyard
registers one route per method on many paths, so that would name one method of several.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Match

# Methods probed, in the order they are listed (as RFC 9110's examples list them).
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """Return every method some route serves on the request's path.

    Each method is probed through the routes' own matching, so included routers and
    path converters count as they do when a request is routed.
    """
    routes = request.app.router.routes
    allowed = []
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in routes):
            allowed.append(method)
    return allowed


def allow_header(request: Request) -> dict[str, str]:
    """Return the ``Allow`` header of a 405 on this request's path."""
    return {"Allow": ", ".join(allowed_methods(request))}
