"""Issue and check CSRF tokens bound to the session (or, before login, to a pre-session cookie).

A token is the HMAC of the session token under a key derived from the server's secret
key, so it cannot be forged without the secret and dies with the session. Before login,
the binding is a random `chartyard_csrf` cookie (the login form is protected the same way).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

from chartyard.api.deps import SESSION_COOKIE, get_ctx
from chartyard.errors import PermissionDenied
from chartyard.store.crypto import load_keys

PRESESSION_COOKIE = "chartyard_csrf"
FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"


class CsrfRejected(PermissionDenied):
    """A state-changing request came without a valid CSRF token."""

    code = "CsrfTokenInvalid"


def _key(request: Request) -> bytes:
    cached: bytes | None = getattr(request.app.state, "csrf_key", None)
    if cached is None:
        settings = get_ctx(request).settings
        secret = settings.secret_key.get_secret_value() if settings.secret_key else None
        primary = load_keys(secret, settings.data_dir)[0]
        cached = hashlib.sha256(b"chartyard-csrf-v1:" + primary.encode()).digest()
        request.app.state.csrf_key = cached
    return cached


def binding(request: Request) -> str | None:
    """Return what the token is bound to: the session token, else the pre-session cookie."""
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRESESSION_COOKIE)


def new_presession() -> str:
    """Return a fresh random pre-session value."""
    return secrets.token_urlsafe(24)


def token_for(request: Request, bound_to: str) -> str:
    """Return the CSRF token for a binding value."""
    return hmac.new(_key(request), b"csrf:" + bound_to.encode(), hashlib.sha256).hexdigest()


async def require_csrf(request: Request) -> None:
    """Reject the request with 403 unless its form field or header carries a valid token."""
    sent = request.headers.get(HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(FORM_FIELD)
            sent = value if isinstance(value, str) else None
    bound_to = binding(request)
    if not sent or not bound_to or not hmac.compare_digest(sent, token_for(request, bound_to)):
        raise CsrfRejected("the form is missing a valid CSRF token; reload the page and retry")
