"""Map a registry's final HTTP answer to a typed error."""

from __future__ import annotations

from chartyard.http import Fetched, OCIError, ProtocolError, RateLimited, ServerError, loads_json

from ._challenge import parse_challenge
from ._errors import AuthenticationFailed, Forbidden, NotFound


def registry_error(body: bytes) -> tuple[str | None, str | None]:
    """Return (code, message) of the first entry of a distribution ``errors`` body."""
    try:
        data = loads_json(body, max_depth=8, what="the error body")
    except ProtocolError:
        return None, None
    errors = data.get("errors") if isinstance(data, dict) else None
    first = errors[0] if isinstance(errors, list) and errors else None
    if not isinstance(first, dict):
        return None, None
    code, message = first.get("code"), first.get("message")
    return (
        code if isinstance(code, str) else None,
        message[:300] if isinstance(message, str) else None,
    )


def insufficient_scope(fetched: Fetched) -> bool:
    """Return True when a 401 says the token lacked the scope (not bad credentials)."""
    try:
        challenges = parse_challenge(", ".join(fetched.headers.get_list("www-authenticate")))
    except ProtocolError:
        return False
    return any(c.params.get("error") == "insufficient_scope" for c in challenges)


def status_error(fetched: Fetched, *, what: str, username: str | None) -> OCIError:
    """Return the error for a non-2xx answer to a request about ``what``."""
    status = fetched.status
    code, text = registry_error(fetched.body)
    details: dict[str, object] = {"status": status, "registryCode": code}
    said = f": {code}" + (f" {text}" if text else "") if code else ""
    if status == 401 and username is not None and insufficient_scope(fetched):
        status = 403  # the token server accepted the user but granted no access
    if status == 401:
        if username is not None:
            return AuthenticationFailed(
                f"the registry rejected the credentials for user {username!r} (401) "
                f"for {what}; check the username and password or token",
                details,
            )
        return AuthenticationFailed(
            f"the registry requires credentials for {what} (401); set a username and "
            "password (some registries also answer 401 for repositories that do not exist)",
            details,
        )
    if status == 403:
        who = f"user {username!r}" if username is not None else "anonymous access"
        return Forbidden(
            f"the registry denied {who} access to {what} ({fetched.status}{said}); check "
            "the account's permissions and that the repository exists",
            details,
        )
    if status == 404:
        return NotFound(
            f"{what} was not found (404{said}); check the repository name and reference",
            details,
        )
    if status == 429:
        return RateLimited("the registry is rate limiting us (429); try again later")
    if status >= 500:
        return ServerError(f"the registry failed on {what} ({status}{said}); try again later",
                           details)
    return ProtocolError(f"the registry answered {status} to {what}{said}", details)
