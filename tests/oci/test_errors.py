"""The error hierarchy: stable codes, readable messages, machine-readable details."""

from __future__ import annotations

import pytest

import chartyard.oci as oci
from chartyard.oci import OCIError, RateLimited, RegistryUnreachable, TLSVerificationFailed

ERRORS = [
    "InvalidEndpoint", "RegistryUnreachable", "TLSVerificationFailed", "AuthenticationFailed",
    "Forbidden", "NotAnOCIRegistry", "NotFound", "RateLimited", "CatalogUnsupported",
    "TooLarge", "ProtocolError", "ServerError",
]


@pytest.mark.parametrize("name", ERRORS)
def test_code_is_the_class_name(name: str) -> None:
    cls = getattr(oci, name)
    assert issubclass(cls, OCIError)
    assert cls.code == name
    assert name in oci.__all__


def test_message_and_details() -> None:
    error = OCIError("do this", {"a": 1})
    assert str(error) == "do this" and error.message == "do this"
    assert error.details == {"a": 1}
    assert OCIError.code == "OCIError"


def test_subclass_specific_fields_are_also_details() -> None:
    unreachable = RegistryUnreachable("x", "dns")
    assert unreachable.reason == "dns" and unreachable.details["reason"] == "dns"
    tls = TLSVerificationFailed("x", subject="CN=a", issuer="CN=b")
    assert tls.details == {"subject": "CN=a", "issuer": "CN=b"}
    assert RateLimited("x", retry_after=3.0).details["retryAfter"] == 3.0


def test_public_surface_is_importable() -> None:
    for name in oci.__all__:
        assert hasattr(oci, name), name
