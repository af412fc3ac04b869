"""Typed errors raised by the OCI client; each message says what to do next.

Errors of the transport (unreachable, TLS, 429, 5xx, protocol, size) live in
``chartyard.http``; this module adds the distribution-API ones.
"""

from __future__ import annotations

from chartyard.errors import ConfigurationError, ContentError
from chartyard.http import OCIError


class InvalidEndpoint(OCIError, ConfigurationError):
    """Reject an endpoint string that is not a registry address."""


class AuthenticationFailed(OCIError, ConfigurationError):
    """Report credentials that are missing or rejected (HTTP 401)."""


class Forbidden(OCIError, ConfigurationError):
    """Report credentials that are valid but lack access (HTTP 403)."""


class NotAnOCIRegistry(OCIError, ConfigurationError):
    """Report an endpoint that answers HTTP but does not speak the distribution API."""


class NotFound(OCIError, ContentError):
    """Report a repository, tag, manifest or blob the registry does not have."""

    lasting = False  # it may be pushed, or replicated, later


class CatalogUnsupported(OCIError, ConfigurationError):
    """Report a registry that does not let us list repositories with ``_catalog``."""
