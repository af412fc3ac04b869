"""Every error chartyard raises on purpose, in one tree, sorted by what the caller should do.

Modelled on httpx's ``_exceptions.py``. Each error carries ``code`` (the API's
``code`` string, a contract), ``message`` (for people: what happened and what
to do) and ``details`` (machine-readable facts, never secrets). The three
category bases answer "what now?", so callers such as sync ask the category
instead of listing concrete classes::

    ChartyardError                      code, message, details
    ├── TransientError                  retry later; nothing for the user to change
    │   ├── oci.RegistryUnreachable     DNS, refused, reset, timeout
    │   ├── oci.RateLimited             429 / throttled past the retry budget
    │   ├── oci.ServerError             5xx past the retry budget
    │   └── TooManyAttempts             login throttled
    ├── ConfigurationError              tell the user: settings, credentials or input must change
    │   ├── oci.InvalidEndpoint
    │   ├── oci.TLSVerificationFailed
    │   ├── oci.AuthenticationFailed
    │   ├── oci.Forbidden
    │   │   └── aws.MissingPermission
    │   ├── oci.NotAnOCIRegistry
    │   ├── oci.CatalogUnsupported      list explicit repositories instead
    │   ├── oci.EgressDenied
    │   ├── aws.AssumeRoleFailed
    │   ├── InvalidInput                422, names the field
    │   ├── NotFoundError               404 ResourceNotFound
    │   ├── ConflictError               409
    │   ├── Unauthenticated             401
    │   └── PermissionDenied            403
    ├── ContentError                    one item in a registry is missing or unreadable:
    │   │                               skip it, keep the rest (``lasting``: the same
    │   │                               digest fails the same way next time)
    │   ├── oci.NotFound                (not lasting)
    │   │   └── aws.RepositoryNotFound
    │   ├── oci.ProtocolError           (not lasting: a proxy may have mangled it)
    │   ├── oci.TooLarge
    │   ├── helm.InvalidChartMetadata
    │   ├── helm.ChartArchiveError      code InvalidChartArchive
    │   └── limits.LimitExceeded
    ├── oci.OCIError                    base of every registry error (also in a category above)
    │   └── aws.EcrError                an ECR/STS failure with no more specific type
    └── ServiceError                    base of the service errors, with an HTTP ``status``

Foreign errors are mapped in one place each: httpx transport errors in
``chartyard.http._neterr`` (``describe_transport_error``), botocore errors in
``chartyard.aws._errors`` (the ``_CLIENT_ERRORS`` table). ``error_body`` builds
the JSON error shape every API and UI response uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


def error_body(code: str, message: str, details: Mapping[str, Any] | None = None,
               **extra: Any) -> dict[str, Any]:
    """Return the JSON error shape ``{code, message, details}`` (plus ``extra`` fields)."""
    return {"code": code, "message": message, "details": dict(details or {}), **extra}


class ChartyardError(Exception):
    """Raise a failure chartyard understands: ``code``, ``message`` and ``details``."""

    code: str = "Error"
    status: int = 422

    def __init__(self, message: str, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})


class TransientError(ChartyardError):
    """Report a failure that may pass by itself: retry later, change nothing."""


class ConfigurationError(ChartyardError):
    """Report a failure the user must fix (settings, credentials or input) before a retry."""


class ContentError(ChartyardError):
    """Report one missing or unreadable item; skip it and keep the rest.

    ``lasting`` says whether the same content fails the same way next time (so a
    sync may remember to skip it until its digest changes).
    """

    lasting: ClassVar[bool] = True


def category(exc: BaseException) -> str:
    """Return ``transient``, ``configuration``, ``content`` or ``other`` for ``exc``."""
    for base, name in ((TransientError, "transient"), (ConfigurationError, "configuration"),
                       (ContentError, "content")):
        if isinstance(exc, base):
            return name
    return "other"


class ServiceError(ChartyardError):
    """Raise a typed failure with an HTTP status, a code and a message that says what to do."""

    status = 400
    code = "BadRequest"


class NotFoundError(ServiceError, ConfigurationError):
    """Report a missing object, or one owned by another tenant."""

    status = 404
    code = "ResourceNotFound"


class ConflictError(ServiceError, ConfigurationError):
    """Report a uniqueness conflict such as a duplicate name."""

    status = 409
    code = "Conflict"


class InvalidInput(ServiceError, ConfigurationError):
    """Report input that fails a rule; `field` names where to look."""

    status = 422
    code = "ValidationError"

    def __init__(self, field: str, message: str, details: dict[str, Any] | None = None) -> None:
        if not message.startswith(field):
            message = f"{field}: {message}"
        super().__init__(message, {"field": field, **(details or {})})
        self.field = field


class Unauthenticated(ServiceError, ConfigurationError):
    """Report missing or invalid credentials."""

    status = 401
    code = "Unauthorized"


class PermissionDenied(ServiceError, ConfigurationError):
    """Report an authenticated caller without the role an action needs."""

    status = 403
    code = "Forbidden"


class TooManyAttempts(ServiceError, TransientError):
    """Report a login throttled after repeated failures."""

    status = 429
    code = "TooManyLoginAttempts"
