"""ping(): what counts as a registry, and how unreachable ones are described."""

from __future__ import annotations

import socket

import httpx
import pytest

from chartyard.oci import (
    AuthenticationFailed,
    Forbidden,
    NotAnOCIRegistry,
    RegistryClient,
    RegistryUnreachable,
    ServerError,
)

from ._fakes import REGISTRY, Handler, Sleeps


def client_with(handler: Handler) -> RegistryClient:
    return RegistryClient(
        f"https://{REGISTRY}", transport=httpx.MockTransport(handler), _sleep=Sleeps()
    )


async def test_ping_ok_with_empty_json() -> None:
    async with client_with(lambda request: httpx.Response(200, json={})) as client:
        await client.ping()
        assert client.stats.ping == 1


@pytest.mark.parametrize(
    ("response", "fragment"),
    [
        (httpx.Response(404, text="not here"), "HTTP 404"),
        (httpx.Response(200, html="<html><body>Welcome</body></html>"), "an HTML page"),
        (httpx.Response(302, headers={"Location": "/login"}), "HTTP 302"),
    ],
)
async def test_non_registries_are_not_an_oci_registry(
    response: httpx.Response, fragment: str
) -> None:
    async with client_with(lambda request: response) as client:
        with pytest.raises(NotAnOCIRegistry) as info:
            await client.ping()
    assert fragment in info.value.message
    assert "check the endpoint" in info.value.message


async def test_ping_403_is_forbidden() -> None:
    async with client_with(lambda request: httpx.Response(403)) as client:
        with pytest.raises(Forbidden):
            await client.ping()


async def test_ping_401_without_challenge_is_authentication_failed() -> None:
    async with client_with(lambda request: httpx.Response(401)) as client:
        with pytest.raises(AuthenticationFailed):
            await client.ping()


async def test_ping_persistent_500_is_server_error() -> None:
    async with client_with(lambda request: httpx.Response(500)) as client:
        with pytest.raises(ServerError):
            await client.ping()
        assert client.stats.ping == 5


async def test_connection_refused() -> None:
    with socket.socket() as sock:  # grab a free port, then close it
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with RegistryClient(f"http://127.0.0.1:{port}") as client:
        with pytest.raises(RegistryUnreachable) as info:
            await client.ping()
    assert info.value.reason == "refused"
    assert "connection refused" in info.value.message
    assert f"127.0.0.1:{port}" in info.value.message
    assert client.stats.retries == 0  # refused is not retried


async def test_dns_failure() -> None:
    async with RegistryClient("https://no-such-host.invalid") as client:
        with pytest.raises(RegistryUnreachable) as info:
            await client.ping()
    assert info.value.reason == "dns"
    assert "DNS" in info.value.message and "no-such-host.invalid" in info.value.message


async def test_timeout() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    async with client_with(handler) as client:
        with pytest.raises(RegistryUnreachable) as info:
            await client.ping()
    assert info.value.reason == "timeout"
    assert "timeout after 5 s" in info.value.message


async def test_other_transport_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ProxyError("proxy said no", request=request)

    async with client_with(handler) as client:
        with pytest.raises(RegistryUnreachable) as info:
            await client.ping()
    assert info.value.reason == "other"
    assert "proxy said no" in info.value.message


async def test_ping_redirect_names_the_target() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"Location": "https://registry.test/v2/"})

    async with client_with(handler) as client:
        with pytest.raises(NotAnOCIRegistry, match=r"redirecting to https://registry\.test/v2/"):
            await client.ping()
