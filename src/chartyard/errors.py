"""Service-level errors that map onto the API's JSON error shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def error_body(code: str, message: str, details: Mapping[str, Any] | None = None,
               **extra: Any) -> dict[str, Any]:
    """Return the JSON error shape ``{code, message, details}`` (plus ``extra`` fields)."""
    return {"code": code, "message": message, "details": dict(details or {}), **extra}


class ServiceError(Exception):
    """Raise a typed failure with an HTTP status, a code and a message that says what to do."""

    status: int = 400
    code: str = "BadRequest"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}


class NotFoundError(ServiceError):
    """Report a missing object, or one owned by another tenant."""

    status = 404
    code = "ResourceNotFound"


class ConflictError(ServiceError):
    """Report a uniqueness conflict such as a duplicate name."""

    status = 409
    code = "Conflict"


class InvalidInput(ServiceError):
    """Report input that fails a rule; `field` names where to look."""

    status = 422
    code = "ValidationError"

    def __init__(self, field: str, message: str, details: dict[str, Any] | None = None) -> None:
        if not message.startswith(field):
            message = f"{field}: {message}"
        super().__init__(message, {"field": field, **(details or {})})
        self.field = field


class Unauthenticated(ServiceError):
    """Report missing or invalid credentials."""

    status = 401
    code = "Unauthorized"


class PermissionDenied(ServiceError):
    """Report an authenticated caller without the role an action needs."""

    status = 403
    code = "Forbidden"


class TooManyAttempts(ServiceError):
    """Report a login throttled after repeated failures."""

    status = 429
    code = "TooManyLoginAttempts"
