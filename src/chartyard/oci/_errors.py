"""Typed errors raised by the OCI client; each message says what to do next.

Each public error also derives from one category of ``chartyard.errors``
(transient, configuration or content); that module's docstring shows the tree.
"""

from __future__ import annotations

from collections.abc import Mapping

from chartyard import errors as _categories
from chartyard.errors import ChartyardError, ConfigurationError, ContentError


class OCIError(ChartyardError):
    """Report a failure talking to an OCI registry.

    ``code`` names the cause for API error bodies; ``message`` is for people;
    ``details`` holds machine-readable facts (never secrets).
    """

    code = "OCIError"

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        # Every subclass's code is its own class name unless it says otherwise.
        if "code" not in cls.__dict__:
            cls.code = cls.__name__

    def __str__(self) -> str:
        return self.message


class InvalidEndpoint(OCIError, ConfigurationError):
    """Reject an endpoint string that is not a registry address."""


class RegistryUnreachable(OCIError, _categories.TransientError):
    """Report that no HTTP exchange with the registry was possible."""

    def __init__(
        self, message: str, reason: str, details: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(message, {**(details or {}), "reason": reason})
        self.reason = reason


class TLSVerificationFailed(OCIError, ConfigurationError):
    """Report a server certificate that the configured trust store rejects."""

    def __init__(
        self,
        message: str,
        subject: str | None = None,
        issuer: str | None = None,
        details: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message, {**(details or {}), "subject": subject, "issuer": issuer})
        self.subject = subject
        self.issuer = issuer


class AuthenticationFailed(OCIError, ConfigurationError):
    """Report credentials that are missing or rejected (HTTP 401)."""


class Forbidden(OCIError, ConfigurationError):
    """Report credentials that are valid but lack access (HTTP 403)."""


class NotAnOCIRegistry(OCIError, ConfigurationError):
    """Report an endpoint that answers HTTP but does not speak the distribution API."""


class NotFound(OCIError, ContentError):
    """Report a repository, tag, manifest or blob the registry does not have."""

    lasting = False  # it may be pushed, or replicated, later


class RateLimited(OCIError, _categories.TransientError):
    """Report a registry that keeps throttling us or asks us to wait too long."""

    def __init__(
        self,
        message: str,
        retry_after: float | None = None,
        details: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message, {**(details or {}), "retryAfter": retry_after})
        self.retry_after = retry_after


class CatalogUnsupported(OCIError, ConfigurationError):
    """Report a registry that does not let us list repositories with ``_catalog``."""


class TooLarge(OCIError, ContentError):
    """Report a response body bigger than the configured cap."""


class ProtocolError(OCIError, ContentError):
    """Report a response that breaks the distribution or HTTP protocol."""

    lasting = False  # a proxy or a registry hiccup may have mangled it


class ServerError(OCIError, _categories.TransientError):
    """Report a registry that kept failing with 5xx after all retries."""


class RetryableStatus(Exception):
    """Signal a retryable failure from inside the auth flow (internal, not public)."""

    def __init__(self, what: str, status: int, retry_after: str | None = None) -> None:
        super().__init__(f"{what} answered {status}")
        self.what = what
        self.status = status
        self.retry_after = retry_after


class TruncatedBody(Exception):
    """Signal a body shorter than its Content-Length (internal, retryable)."""

    def __init__(self, received: int, expected: int) -> None:
        super().__init__(f"received {received} of {expected} bytes")
        self.received = received
        self.expected = expected

