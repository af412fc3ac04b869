"""Typed errors raised by the OCI client; each message says what to do next."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar


class OCIError(Exception):
    """Report a failure talking to an OCI registry.

    ``code`` names the cause for API error bodies; ``message`` is for people;
    ``details`` holds machine-readable facts (never secrets).
    """

    code: ClassVar[str] = "OCIError"

    def __init__(self, message: str, details: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, object] = dict(details or {})

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        # Every subclass's code is its own class name unless it says otherwise.
        if "code" not in cls.__dict__:
            cls.code = cls.__name__

    def __str__(self) -> str:
        return self.message


class InvalidEndpoint(OCIError):
    """Reject an endpoint string that is not a registry address."""


class RegistryUnreachable(OCIError):
    """Report that no HTTP exchange with the registry was possible."""

    def __init__(
        self, message: str, reason: str, details: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(message, {**(details or {}), "reason": reason})
        self.reason = reason


class TLSVerificationFailed(OCIError):
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


class AuthenticationFailed(OCIError):
    """Report credentials that are missing or rejected (HTTP 401)."""


class Forbidden(OCIError):
    """Report credentials that are valid but lack access (HTTP 403)."""


class NotAnOCIRegistry(OCIError):
    """Report an endpoint that answers HTTP but does not speak the distribution API."""


class NotFound(OCIError):
    """Report a repository, tag, manifest or blob the registry does not have."""


class RateLimited(OCIError):
    """Report a registry that keeps throttling us or asks us to wait too long."""

    def __init__(
        self,
        message: str,
        retry_after: float | None = None,
        details: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message, {**(details or {}), "retryAfter": retry_after})
        self.retry_after = retry_after


class CatalogUnsupported(OCIError):
    """Report a registry that does not let us list repositories with ``_catalog``."""


class TooLarge(OCIError):
    """Report a response body bigger than the configured cap."""


class ProtocolError(OCIError):
    """Report a response that breaks the distribution or HTTP protocol."""


class ServerError(OCIError):
    """Report a registry that kept failing with 5xx after all retries."""


class TransientError(Exception):
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
