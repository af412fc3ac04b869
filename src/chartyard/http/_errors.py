"""Typed errors raised by the HTTP layer; each message says what to do next.

``OCIError`` is the base of every error about a remote registry or repository (the
name predates the Helm-index family). Each public error also derives from one
category of ``chartyard.errors`` (transient, configuration or content); that
module's docstring shows the tree.
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
