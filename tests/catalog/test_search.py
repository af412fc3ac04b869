"""Full-text, ranked catalog search on a fixed corpus, on SQLite and on real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chartyard.app import create_app
from chartyard.settings import Settings
from tests.catalog.corpus import PASSWORD, seed
from tests.harness.app import ADMIN_PASSWORD, Api


@pytest.fixture
def seeded(api: Api) -> tuple[Api, dict[str, str]]:
    uids, _ = seed(api.ctx)
    return api, uids


def _names(api: Api, headers: dict[str, str] | None = None, **params: Any) -> list[str]:
    """Return `chart@registry` of every result, following continue tokens."""
    found: list[str] = []
    token = ""
    while True:
        reply = api.get("/v1/packs", headers=headers,
                        params={**params, "limit": params.get("limit", 3), "continue": token})
        assert reply.status_code == 200, reply.text
        body = reply.json()
        found += [f"{i['name']}@{i['registryName']}" for i in body["items"]]
        token = body["listmeta"]["continue"]
        if not token:
            return found


def test_ranking_exact_then_prefix_then_name_keywords_and_the_rest(
        seeded: tuple[Api, dict[str, str]]) -> None:
    api, _ = seeded
    assert _names(api, q="redis") == [
        "redis@alpha", "redis@beta",          # the name is the query
        "redis-operator@alpha",               # the name starts with it
        "valkey-redis-compat@alpha",          # the name holds it
        "keydb@alpha",                        # a keyword
        "grafana@alpha", "postgres@alpha",    # description, maintainer
    ]
    assert _names(api, q="Red") == [
        "redis@alpha", "redis@beta", "redis-operator@alpha", "valkey-redis-compat@alpha",
        "keydb@alpha", "grafana@alpha", "postgres@alpha"]
    assert _names(api, q="redis operator") == ["redis-operator@alpha"]
    assert _names(api, q="jane") == ["redis@alpha"]           # maintainer
    assert _names(api, q="dashboards") == ["grafana@alpha"]   # keyword and description
    assert _names(api, q="database") == ["postgres@alpha", "redis@alpha"]
    assert _names(api, q="no-such-thing") == []
    assert _names(api, q="--") == []  # no word to search for
    assert len(_names(api)) == 9      # no text: everything, by name


def test_filters_registry_kind_and_newer_than(seeded: tuple[Api, dict[str, str]]) -> None:
    api, uids = seeded
    assert _names(api, q="redis", registryUid=uids["beta"]) == ["redis@beta"]
    assert _names(api, q="redis", registryKind="ecr") == ["redis@beta"]
    assert _names(api, registryKind="oci-ecr") == ["kafka@beta", "redis@beta"]
    assert _names(api, q="redis", registryKind="basic")[:2] == ["redis@alpha",
                                                                 "redis-operator@alpha"]
    # Latest versions: redis@alpha 1.2.0, redis@beta 2.0.0-rc.1, grafana 7.1.0-beta.1.
    assert _names(api, q="redis", newerThan="1.4.0") == ["redis@beta", "valkey-redis-compat@alpha",
                                                         "keydb@alpha", "grafana@alpha",
                                                         "postgres@alpha"]
    assert _names(api, q="redis", newerThan="2.0.0-beta.9", registryKind="ecr") == [
        "redis@beta"]
    assert _names(api, q="redis", newerThan="2.0.0", registryKind="ecr") == []
    assert _names(api, q="grafana", newerThan="7.1.0-alpha") == ["grafana@alpha"]
    assert _names(api, q="grafana", newerThan="7.1.0") == []


@pytest.mark.parametrize(("params", "field"), [
    ({"newerThan": "latest"}, "newerThan"),
    ({"registryKind": "Not A Kind"}, "registryKind"),
    ({"registryKind": "harbor"}, "registryKind"),  # well formed, but no such kind
    ({"q": "x" * 300}, "q"),
])
def test_bad_filters_name_the_field(seeded: tuple[Api, dict[str, str]],
                                    params: dict[str, str], field: str) -> None:
    api, _ = seeded
    reply = api.get("/v1/packs", params=params)
    assert reply.status_code == 422, reply.text
    assert reply.json()["details"]["field"] == field


def test_same_query_under_two_tenants_returns_each_tenants_rows(
        seeded: tuple[Api, dict[str, str]]) -> None:
    api, uids = seeded
    other = api.headers("other-admin", PASSWORD)
    assert _names(api, other, q="redis") == ["redis@gamma"]
    assert _names(api, other, q="jane") == ["redis@gamma"]
    assert _names(api, other) == ["redis@gamma"]
    assert "redis@gamma" not in _names(api, q="redis")
    assert _names(api, q="secret") == []  # a word only the other tenant's chart has
    # A registry of another tenant is not found, rather than filtered to nothing.
    reply = api.get("/v1/packs", params={"q": "redis", "registryUid": uids["gamma"]})
    assert reply.status_code == 404


QUERIES: tuple[dict[str, str], ...] = (
    {"q": "redis"}, {"q": "re"}, {"q": "r"}, {"q": "cache"}, {"q": "ops team"},
    {"q": "redis", "registryKind": "basic"}, {"q": "", "newerThan": "1.0.0"},
    {"q": "data"}, {"q": "st"}, {},
)


@pytest.fixture
def both_databases(tmp_path: Path, postgres_url: str) -> Iterator[list[Api]]:
    apis: list[Api] = []
    clients: list[TestClient] = []
    try:
        for i, url in enumerate((f"sqlite:///{tmp_path / 'search.db'}", postgres_url)):
            app = create_app(Settings(data_dir=tmp_path / f"data{i}", database_url=url,
                                      admin_password=ADMIN_PASSWORD))
            client = TestClient(app, raise_server_exceptions=False)
            client.__enter__()
            clients.append(client)
            apis.append(Api(client, app.state.ctx))
        yield apis
    finally:
        for client in clients:
            client.__exit__(None, None, None)


def test_sqlite_and_postgresql_return_the_same_results(both_databases: list[Api]) -> None:
    results = []
    for api in both_databases:
        seed(api.ctx)
        results.append([_names(api, None, **query) for query in QUERIES])
    sqlite, postgres = results
    assert sqlite == postgres
    assert all(sqlite[:3])  # the comparison is not between empty answers


def test_deleting_a_registry_takes_its_charts_out_of_search(
        seeded: tuple[Api, dict[str, str]]) -> None:
    from sqlalchemy import text

    api, uids = seeded
    with api.ctx.engine.begin() as conn:  # the database's ON DELETE CASCADE, as a delete does
        conn.execute(text("DELETE FROM registries WHERE uid = :uid"), {"uid": uids["beta"]})
    assert _names(api, q="redis")[:2] == ["redis@alpha", "redis-operator@alpha"]
    assert _names(api, q="kafka") == []
    with api.ctx.engine.begin() as conn:
        if conn.dialect.name == "sqlite":  # raises if the FTS index and charts disagree
            conn.execute(text("INSERT INTO charts_fts(charts_fts, rank) "
                              "VALUES ('integrity-check', 1)"))


# Page boundaries inside a tier ("r": several names start with it) and inside a name tie
# across four registries ("redis": written last in "aaa" and "zeta", so a cut that ignores
# the registry name keeps alpha's and beta's rows and loses aaa's, which sorts first).
TIED = (("zeta", "basic", "redis", ("4.0.0",), "cache", "Yet another redis", "Ops Team"),
        ("aaa", "basic", "redis", ("5.0.0",), "cache", "First by registry", "Ops Team"),
        ("aaa", "basic", "redis-operator", ("0.1.0",), "operator", "Tied too", "Ops Team"))
PAGED: tuple[dict[str, str], ...] = (
    {"q": "redis"}, {"q": "r"}, {"q": "re"}, {"q": "ops"}, {"q": "e"}, {},
    {"q": "team"},  # maintainers only: three "redis" tie in the last tier
    {"q": "redis", "registryKind": "basic"}, {"q": "d", "newerThan": "1.0.0"},
)


@pytest.mark.parametrize(("probe_per_row", "max_probe"), [(None, None), (1, None), (None, 60)])
def test_pages_concatenated_equal_one_big_page_on_both_databases(
        both_databases: list[Api], probe_per_row: int | None, max_probe: int | None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import select

    from chartyard.catalog import search

    if probe_per_row:  # PostgreSQL's walk stops short: the tiers' own indexes answer
        monkeypatch.setattr(search, "_PROBE_PER_ROW", probe_per_row)
    if max_probe:  # from the third row on, PostgreSQL pages come from the one-pass query
        monkeypatch.setattr(search, "_MAX_PROBE", max_probe)

    from chartyard.store.models import Tenant
    from tests.catalog.corpus import _seed_tenant

    whole: list[list[list[str]]] = []
    for api in both_databases:
        seed(api.ctx)
        with api.ctx.transaction() as session:
            default = session.scalar(select(Tenant.uid).where(Tenant.name == "default"))
            assert default is not None
            _seed_tenant(session, default, TIED)
        pages = []
        for query in PAGED:
            one_page = _names(api, None, **query, limit=100)
            for limit in (1, 2, 3, 4):
                assert _names(api, None, **query, limit=limit) == one_page, (query, limit)
            pages.append(one_page)
        whole.append(pages)
    sqlite, postgres = whole
    assert sqlite == postgres
    assert sqlite[0][:5] == ["redis@aaa", "redis@alpha", "redis@beta", "redis@zeta",
                             "redis-operator@aaa"]
    assert len(sqlite[1]) > 8  # "r" spans several tiers and pages
    assert sqlite[6][3:6] == ["redis@aaa", "redis@beta", "redis@zeta"]
