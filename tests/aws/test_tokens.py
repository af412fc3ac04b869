"""ECR registry tokens against a real moto server: decoding, caching, refreshing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from chartyard.aws import EcrAuth, EcrClient, EcrTokenCache
from tests.aws.conftest import ACCOUNT, MOTO_EXPIRY, CallCounter, FakeClock

HookedSession = Callable[..., tuple[Any, CallCounter]]
TOKEN_EVENT = "ecr.GetAuthorizationToken"


def test_static_keys_give_decoded_token(make_client: Callable[..., EcrClient]) -> None:
    credentials = make_client().registry_credentials()
    assert credentials is not None
    assert credentials.username == "AWS"
    assert credentials.password == f"{ACCOUNT}-auth-token"  # moto: base64("AWS:<acct>-auth-token")
    assert "auth-token" not in repr(credentials)


def test_token_reused_within_expiry(
    make_client: Callable[..., EcrClient], hooked_session: HookedSession
) -> None:
    session, calls = hooked_session(TOKEN_EVENT)
    clock = FakeClock(MOTO_EXPIRY - 12 * 3600)  # as if moto's token were issued just now
    client = make_client(boto_session=session, clock=clock)
    tokens = set()
    for _ in range(20):
        credentials = client.registry_credentials()
        assert credentials is not None
        tokens.add(credentials.password)
        clock.advance(60)
    assert len(calls) == 1
    assert len(tokens) == 1


def test_token_refreshed_five_minutes_before_expiry(
    make_client: Callable[..., EcrClient], hooked_session: HookedSession
) -> None:
    session, calls = hooked_session(TOKEN_EVENT)
    clock = FakeClock(MOTO_EXPIRY - 12 * 3600)
    client = make_client(boto_session=session, clock=clock)
    client.registry_credentials()
    clock.now = MOTO_EXPIRY - 301
    client.registry_credentials()
    assert len(calls) == 1
    clock.now = MOTO_EXPIRY - 299
    client.registry_credentials()
    assert len(calls) == 2


def test_already_expired_token_is_used_not_refetched_in_a_loop(
    make_client: Callable[..., EcrClient], hooked_session: HookedSession
) -> None:
    """moto's expiresAt is 2015: the token gets a 10-minute grace period from issue."""
    session, calls = hooked_session(TOKEN_EVENT)
    clock = FakeClock(time.time())
    client = make_client(boto_session=session, clock=clock)
    for _ in range(50):
        assert client.registry_credentials() is not None
    assert len(calls) == 1
    clock.advance(599)
    client.registry_credentials()
    assert len(calls) == 1
    clock.advance(2)
    for _ in range(50):
        client.registry_credentials()
    assert len(calls) == 2


def test_invalidate_token_refetches_once(
    make_client: Callable[..., EcrClient], hooked_session: HookedSession
) -> None:
    session, calls = hooked_session(TOKEN_EVENT)
    client = make_client(boto_session=session)
    client.registry_credentials()
    client.invalidate_token()
    client.registry_credentials()
    client.registry_credentials()
    assert len(calls) == 2


def test_token_cache_is_shared_by_clients_of_one_identity(
    make_client: Callable[..., EcrClient], hooked_session: HookedSession
) -> None:
    session, calls = hooked_session(TOKEN_EVENT)
    cache = EcrTokenCache()
    for _ in range(3):
        make_client(boto_session=session, token_cache=cache).registry_credentials()
    assert len(calls) == 1
    other = EcrAuth("secret", access_key="AKIATENANTKEY0000001", secret_key="another-secret")
    make_client(other, boto_session=session, token_cache=cache).registry_credentials()
    assert len(calls) == 2


def test_concurrent_callers_fetch_one_token(
    make_client: Callable[..., EcrClient], hooked_session: HookedSession
) -> None:
    session, calls = hooked_session(TOKEN_EVENT)
    client = make_client(boto_session=session)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            assert client.registry_credentials() is not None
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert len(calls) == 1


def test_secret_never_logged(
    make_client: Callable[..., EcrClient], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="chartyard")
    client = make_client()
    credentials = client.registry_credentials()
    client.list_repositories([])
    assert credentials is not None
    assert "tenant-s3cret" not in caplog.text
    assert credentials.password not in caplog.text
    assert "tenant-s3cret" not in repr(client)
