"""Basic and Bearer auth flows, the per-scope token cache and its expiry."""

from __future__ import annotations

import asyncio
import base64

import httpx
import pytest

from chartyard.oci import (
    AuthenticationFailed,
    BasicCredentials,
    Forbidden,
    ProtocolError,
    RegistryClient,
    TooLarge,
)

from ._fakes import AUTH_HOST, REGISTRY, Clock, CountingStream, FakeRegistry, Sleeps, basic

CREDS = BasicCredentials("u", "p")


def client_for(
    fake: FakeRegistry, credentials: BasicCredentials | None = None, **kwargs: object
) -> RegistryClient:
    return RegistryClient(
        f"https://{REGISTRY}", credentials, transport=fake.transport(), _sleep=Sleeps(),
        **kwargs,  # type: ignore[arg-type]
    )


def charts(fake: FakeRegistry, repository: str, count: int) -> None:
    for i in range(count):
        fake.push(repository, f"1.0.{i}", b'{"name":"demo"}', f"layer-{i}".encode())


async def test_basic_flow_retries_with_credentials_then_sends_them_up_front() -> None:
    fake = FakeRegistry(auth="basic")
    charts(fake, "team/app", 2)
    async with client_for(fake, CREDS) as client:
        await client.ping()
        await client.get_manifest("team/app", "1.0.0")
        await client.get_manifest("team/app", "1.0.1")
    sent = fake.sent()
    # ping: 401 then retry; after that Basic is sent pre-emptively: 2 + 1 + 1
    assert len(sent) == 4
    assert "authorization" not in sent[0].headers
    assert all(r.headers["authorization"] == basic("u", "p") for r in sent[1:])
    assert client.stats.ping == 2 and client.stats.token == 0


async def test_basic_without_credentials_is_authentication_failed() -> None:
    fake = FakeRegistry(auth="basic")
    async with client_for(fake) as client:
        with pytest.raises(AuthenticationFailed, match="requires credentials"):
            await client.ping()


async def test_basic_wrong_password_names_the_user() -> None:
    fake = FakeRegistry(auth="basic")
    async with client_for(fake, BasicCredentials("u", "wrong")) as client:
        with pytest.raises(AuthenticationFailed) as info:
            await client.ping()
    assert "rejected the credentials for user 'u' (401)" in info.value.message
    assert "check the username and password or token" in info.value.message
    assert "wrong" not in info.value.message
    assert len(fake.sent()) == 2  # no retry storm


async def test_bearer_anonymous_ping_uses_a_scopeless_token() -> None:
    fake = FakeRegistry(auth="bearer")
    async with client_for(fake) as client:
        await client.ping()
    [token_request] = fake.sent(AUTH_HOST)
    assert token_request.url.params.get("service") == "fake"
    assert "scope" not in token_request.url.params
    assert "authorization" not in token_request.headers
    assert client.stats.as_dict() | {} == {
        "ping": 2, "catalog": 0, "tags": 0, "manifest": 0, "manifest_head": 0, "blob": 0,
        "token": 1, "retries": 0, "throttled": 0, "total": 3,
    }


async def test_bearer_with_credentials_sends_basic_to_the_realm() -> None:
    fake = FakeRegistry(auth="bearer", anonymous=False)
    charts(fake, "team/app", 1)
    async with client_for(fake, CREDS) as client:
        manifest = await client.get_manifest("team/app", "1.0.0")
    assert manifest.config is not None
    [token_request] = fake.sent(AUTH_HOST)
    assert token_request.headers["authorization"] == basic("u", "p")
    assert token_request.url.params.get_list("scope") == ["repository:team/app:pull"]
    assert token_request.headers["user-agent"] == "chartyard/0.1"
    assert "timeout" in token_request.extensions  # the client's timeouts apply
    final = fake.sent()[-1]
    assert final.headers["authorization"] == "Bearer tok-1"


async def test_token_server_rejecting_credentials_is_authentication_failed() -> None:
    fake = FakeRegistry(auth="bearer", users={"u": "other"})
    async with client_for(fake, CREDS) as client:
        with pytest.raises(AuthenticationFailed, match="rejected the credentials for user 'u'"):
            await client.ping()


async def test_token_cached_per_scope() -> None:
    fake = FakeRegistry(auth="bearer")
    charts(fake, "team/app", 50)
    charts(fake, "team/other", 1)
    async with client_for(fake, CREDS) as client:
        for i in range(50):
            await client.get_manifest("team/app", f"1.0.{i}")
        assert client.stats.token == 1
        assert client.stats.manifest == 51  # one 401 round trip, then pre-emptive tokens
        await client.get_manifest("team/other", "1.0.0")
        assert client.stats.token == 2
        await client.list_tags("team/app")  # same scope as the manifests
        assert client.stats.token == 2
    scopes = [r.url.params["scope"] for r in fake.sent(AUTH_HOST)]
    assert scopes == ["repository:team/app:pull", "repository:team/other:pull"]


async def test_concurrent_first_requests_share_one_token_fetch() -> None:
    fake = FakeRegistry(auth="bearer")
    charts(fake, "team/app", 20)

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.002)  # let the requests really interleave
        return fake.handle(request)

    client = RegistryClient(f"https://{REGISTRY}", CREDS, transport=httpx.MockTransport(slow))
    async with client:
        await asyncio.gather(*(client.get_manifest("team/app", f"1.0.{i}") for i in range(20)))
    assert client.stats.token == 1
    assert len(fake.sent(AUTH_HOST)) == 1


async def test_token_expiry_is_honoured() -> None:
    fake = FakeRegistry(auth="bearer", expires_in=300)
    charts(fake, "team/app", 3)
    clock = Clock()
    async with client_for(fake, CREDS, _clock=clock) as client:
        await client.get_manifest("team/app", "1.0.0")
        clock.now += 290  # inside 300 s minus the 5 s margin
        await client.get_manifest("team/app", "1.0.1")
        assert client.stats.token == 1
        clock.now += 6  # now past expires_in - margin
        await client.get_manifest("team/app", "1.0.2")
        assert client.stats.token == 2


async def test_default_expiry_is_60_seconds() -> None:
    fake = FakeRegistry(auth="bearer")
    charts(fake, "team/app", 2)
    clock = Clock()
    async with client_for(fake, CREDS, _clock=clock) as client:
        await client.get_manifest("team/app", "1.0.0")
        clock.now += 61
        await client.get_manifest("team/app", "1.0.1")
        assert client.stats.token == 2


async def test_access_token_form() -> None:
    fake = FakeRegistry(auth="bearer", token_field="access_token")
    charts(fake, "team/app", 1)
    async with client_for(fake) as client:
        await client.get_manifest("team/app", "1.0.0")
    assert fake.sent()[-1].headers["authorization"] == "Bearer tok-1"


async def test_rejected_cached_token_is_refreshed_once() -> None:
    fake = FakeRegistry(auth="bearer")
    charts(fake, "team/app", 2)
    async with client_for(fake) as client:
        await client.get_manifest("team/app", "1.0.0")
        fake._tokens.clear()  # the registry forgets every token (e.g. key rotation)
        await client.get_manifest("team/app", "1.0.1")
    assert client.stats.token == 2
    assert fake.sent()[-1].headers["authorization"] == "Bearer tok-1"  # re-issued numbering


async def test_granted_less_than_asked_with_credentials_is_forbidden() -> None:
    fake = FakeRegistry(auth="bearer", grant=lambda scope: "secret" not in scope)
    charts(fake, "team/secret", 1)
    async with client_for(fake, CREDS) as client:
        with pytest.raises(Forbidden) as info:
            await client.get_manifest("team/secret", "1.0.0")
    assert "user 'u'" in info.value.message
    assert client.stats.token == 1  # the token request itself was not an error


async def test_granted_less_than_asked_anonymously_is_authentication_failed() -> None:
    fake = FakeRegistry(auth="bearer", grant=lambda scope: False)
    charts(fake, "team/app", 1)
    async with client_for(fake) as client:
        with pytest.raises(AuthenticationFailed, match="requires credentials"):
            await client.list_tags("team/app")


async def test_credentials_never_go_to_a_plain_http_realm_on_another_host() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == REGISTRY:
            return httpx.Response(
                401, headers={"WWW-Authenticate": 'Bearer realm="http://evil.test/token"'}
            )
        raise AssertionError(f"unexpected request to {request.url}")

    transport = httpx.MockTransport(handler)
    async with RegistryClient(f"https://{REGISTRY}", CREDS, transport=transport) as client:
        with pytest.raises(AuthenticationFailed, match="will not send credentials"):
            await client.ping()


async def test_realm_on_another_host_never_sees_registry_requests_credentials() -> None:
    fake = FakeRegistry(auth="bearer")
    charts(fake, "team/app", 1)
    async with client_for(fake, CREDS) as client:
        await client.get_manifest("team/app", "1.0.0")
    encoded = base64.b64encode(b"u:p").decode()
    for request in fake.sent():
        assert encoded not in request.headers.get("authorization", "")


def test_credentials_repr_hides_the_password() -> None:
    creds = BasicCredentials("alice", "s3cret-value")
    assert "s3cret-value" not in repr(creds)
    assert "alice" in repr(creds)


@pytest.mark.parametrize("declared", [True, False])
async def test_oversized_token_answer_is_too_large(declared: bool) -> None:
    fake = FakeRegistry(auth="bearer")
    stream = CountingStream(b"x" * 1024, chunks=1024)  # 1 MiB

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == AUTH_HOST:
            headers = {"Content-Length": str(1024 * 1024)} if declared else {}
            return httpx.Response(200, stream=stream, headers=headers)
        return fake.handle(request)

    async with RegistryClient(
        f"https://{REGISTRY}", transport=httpx.MockTransport(handler)
    ) as client:
        with pytest.raises(TooLarge, match="65536-byte limit"):
            await client.ping()
    assert stream.pulled <= 65  # stopped near the cap, not after the whole MiB


async def test_token_request_asks_for_an_uncompressed_answer() -> None:
    fake = FakeRegistry(auth="bearer")
    async with client_for(fake) as client:
        await client.ping()
    [token_request] = fake.sent(AUTH_HOST)
    assert token_request.headers["accept-encoding"] == "identity"


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(200, json={"nothing": "here"}), "neither 'token' nor 'access_token'"),
        (httpx.Response(200, text="<html>"), "not valid JSON"),
        (httpx.Response(404), "answered 404 instead of a token"),
    ],
)
async def test_bad_token_answers_are_protocol_errors(answer: httpx.Response, error: str) -> None:
    fake = FakeRegistry(auth="bearer")

    def handler(request: httpx.Request) -> httpx.Response:
        return answer if request.url.host == AUTH_HOST else fake.handle(request)

    async with RegistryClient(
        f"https://{REGISTRY}", transport=httpx.MockTransport(handler)
    ) as client:
        with pytest.raises(ProtocolError, match=error):
            await client.ping()


def test_sync_clients_are_refused() -> None:
    from chartyard.oci import ClientLimits, RegistryAuth

    auth = RegistryAuth(None, origin="https://r.test", limits=ClientLimits(), user_agent="t")
    transport = httpx.MockTransport(lambda r: httpx.Response(200))
    with httpx.Client(transport=transport) as sync, pytest.raises(RuntimeError, match="Async"):
        sync.get("https://r.test/v2/", auth=auth)
