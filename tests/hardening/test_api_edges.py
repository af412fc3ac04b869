"""Inputs found answering 500 (fuzzing, probing), pinned on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from tests.harness.app import Api


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Both databases: the NUL cases only ever failed on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'chartyard.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def _client_error(reply: Any) -> dict[str, Any]:
    assert 400 <= reply.status_code < 500, (reply.status_code, reply.text)
    body: dict[str, Any] = reply.json()
    assert set(body) == {"code", "message", "details", "ref"} and body["message"]
    return body


def _handled(reply: Any) -> None:
    """SQLite stores NUL, PostgreSQL refuses it: either a success or a JSON 4xx, never 5xx."""
    if reply.status_code >= 300:
        _client_error(reply)


def test_forged_huge_page_tokens_and_ids_are_not_server_errors(api: Api) -> None:
    huge = base64.urlsafe_b64encode(b"9" * 30).decode()
    for url in (f"/v1/packs?continue={huge}", f"/v1/clusterprofiles?continue={huge}"):
        reply = api.get(url)
        assert reply.status_code == 200, reply.text  # past the end: an empty page
        assert reply.json()["items"] == []
    body = _client_error(api.get("/v1/audit?before=99999999999999999999999"))
    assert body["code"] == "ValidationError" and body["details"]["field"] == "before"


@pytest.mark.parametrize("url", [
    "/v1/packs?q=%00", "/v1/clusterprofiles?name=%00", "/v1/packs/%00",
    "/v1/clusterprofiles/%00", "/v1/registries/oci/%00/basic",
])
def test_nul_characters_in_the_path_or_query_are_handled(api: Api, url: str) -> None:
    _handled(api.get(url))


def test_nul_characters_in_bodies_are_handled(api: Api) -> None:
    _client_error(api.client.post("/v1/auth/authenticate",
                                  json={"username": "ad\u0000min", "password": "x"}))
    _handled(api.post("/v1/apikeys", {"name": "a\u0000b"}))
    _client_error(api.delete("/v1/apikeys/%00"))
    assert api.get("/v1/users/me").status_code == 200  # and the server carries on
