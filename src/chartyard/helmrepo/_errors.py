"""Typed errors of the Helm repository client.

They extend `chartyard.oci.OCIError`, so the API maps them like any registry
error (422 with ``code``, ``message`` and ``details``). Transport, TLS, egress
and HTTP status failures reuse the OCI classes (``RegistryUnreachable``,
``TLSVerificationFailed``, ``EgressDenied``, ``AuthenticationFailed``,
``NotFound``, ``ServerError``, ...); only what is particular to an
``index.yaml`` repository is declared here:

- `InvalidIndex`: the index is not YAML, not a Helm index, or an entry is unusable;
- `IndexTooLarge`: a cap on the index was hit; ``details["limit"]`` names it;
- `ChartDigestMismatch`: a downloaded chart does not match the index's digest;
- `UnsupportedChartURL`: a chart URL whose scheme chartyard does not download.
"""

from __future__ import annotations

from collections.abc import Mapping

from chartyard.oci import OCIError


class InvalidIndex(OCIError):
    """Report an ``index.yaml`` that cannot be used; ``details["field"]`` names the culprit."""

    def __init__(self, message: str, field: str | None = None,
                 details: Mapping[str, object] | None = None) -> None:
        extra = {"field": field} if field else {}
        super().__init__(message, {**(details or {}), **extra})
        self.field = field


class IndexTooLarge(OCIError):
    """Report an index over one of the caps; ``limit`` names the cap, ``maximum`` its value."""

    def __init__(self, message: str, *, limit: str, maximum: int) -> None:
        super().__init__(message, {"limit": limit, "maximum": maximum})
        self.limit = limit
        self.maximum = maximum


class ChartDigestMismatch(OCIError):
    """Report a chart archive whose sha256 differs from the ``digest`` in the index."""


class UnsupportedChartURL(OCIError):
    """Report a chart URL chartyard will not download (not http or https)."""
