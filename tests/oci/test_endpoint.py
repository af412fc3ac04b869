"""Endpoint parsing: accepted forms, and a precise message for each rejected one."""

from __future__ import annotations

import dataclasses

import pytest

from chartyard.oci import Endpoint, InvalidEndpoint, parse_endpoint


@pytest.mark.parametrize(
    ("raw", "scheme", "host", "port", "path", "display"),
    [
        ("ghcr.io/org/charts", "https", "ghcr.io", None, "org/charts", "ghcr.io/org/charts"),
        ("https://harbor.example.com", "https", "harbor.example.com", None, "",
         "harbor.example.com"),
        ("https://harbor.example.com/", "https", "harbor.example.com", None, "",
         "harbor.example.com"),
        ("oci://registry.example.com:5000/team-a//", "https", "registry.example.com", 5000,
         "team-a", "registry.example.com:5000/team-a"),
        ("http://127.0.0.1:5000", "http", "127.0.0.1", 5000, "", "http://127.0.0.1:5000"),
        ("HTTPS://Registry.Example.COM/a_b/c.d/e-f", "https", "registry.example.com", None,
         "a_b/c.d/e-f", "registry.example.com/a_b/c.d/e-f"),
        ("  localhost:5000  ", "https", "localhost", 5000, "", "localhost:5000"),
        ("[::1]:5000/charts", "https", "[::1]", 5000, "charts", "[::1]:5000/charts"),
        ("https://[2001:db8::1]", "https", "[2001:db8::1]", None, "", "[2001:db8::1]"),
        ("123456789012.dkr.ecr.eu-west-1.amazonaws.com", "https",
         "123456789012.dkr.ecr.eu-west-1.amazonaws.com", None, "",
         "123456789012.dkr.ecr.eu-west-1.amazonaws.com"),
    ],
)
def test_valid_endpoints(
    raw: str, scheme: str, host: str, port: int | None, path: str, display: str
) -> None:
    endpoint = parse_endpoint(raw)
    assert (endpoint.scheme, endpoint.host, endpoint.port, endpoint.path) == (
        scheme, host, port, path,
    )
    assert endpoint.display == display
    # display is itself a valid endpoint that parses back to the same thing
    assert parse_endpoint(endpoint.display) == endpoint


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("ftp://example.com", "'ftp'"),
        ("ghcr.io/my org", "whitespace"),
        ("example.com:99999", "'99999' is not a number from 1 to 65535"),
        ("example.com:0", "from 1 to 65535"),
        ("example.com:http", "'http' is not a number"),
        ("example.com/charts?tab=1", "query string"),
        ("example.com/charts#top", "fragment"),
        ("https://u:p@example.com", "credentials"),
        ("exa_mple.com", "not a valid host name"),
        ("-bad.example.com", "not a valid host name"),
        ("bücher.example", "not a valid host name"),
        ("https://", "no host"),
        ("example.com/a/../b", "'..'"),
        ("example.com/a//b", "empty"),
        ("ghcr.io/Org/charts", "uppercase"),
        ("ghcr.io/org/-charts", "not a valid repository name component"),
        ("[::1", "IPv6"),
        ("[::1]5000", "after the IPv6 address"),
        ("::1", "IPv6 address in brackets"),
    ],
)
def test_invalid_endpoints_say_what_is_wrong(raw: str, fragment: str) -> None:
    with pytest.raises(InvalidEndpoint) as info:
        parse_endpoint(raw)
    assert fragment in info.value.message
    assert info.value.code == "InvalidEndpoint"


def test_invalid_endpoint_messages_show_the_expected_form() -> None:
    with pytest.raises(InvalidEndpoint, match=r"expected host\[:port\]\[/path\]"):
        parse_endpoint("ftp://example.com")


def test_endpoint_is_frozen() -> None:
    endpoint = parse_endpoint("ghcr.io/org")
    with pytest.raises(dataclasses.FrozenInstanceError):
        endpoint.path = "x"  # type: ignore[misc]


def test_repository_helpers_with_a_path() -> None:
    endpoint = parse_endpoint("ghcr.io/org/charts")
    assert endpoint.base_url == "https://ghcr.io"
    assert endpoint.authority == "ghcr.io"
    assert endpoint.repository("flux-operator") == "org/charts/flux-operator"
    assert endpoint.relative("org/charts/flux-operator") == "flux-operator"
    assert endpoint.relative("org/charts/team/app") == "team/app"
    assert endpoint.relative("org/chartsx/app") is None
    assert endpoint.relative("org/charts") is None
    assert endpoint.oci_ref("flux-operator") == "oci://ghcr.io/org/charts/flux-operator"


def test_repository_helpers_without_a_path() -> None:
    endpoint = Endpoint(scheme="http", host="127.0.0.1", port=5000, path="")
    assert endpoint.base_url == "http://127.0.0.1:5000"
    assert endpoint.repository("nginx") == "nginx"
    assert endpoint.relative("team/nginx") == "team/nginx"
    assert endpoint.oci_ref("nginx") == "oci://127.0.0.1:5000/nginx"
