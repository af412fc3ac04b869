"""Registry I/O on the catalog and profile paths runs with no database connection held.

Each chart source these paths open is wrapped so that every registry call records how
many pooled connections are checked out at that moment; all must be zero.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import chartyard.sources
from chartyard.sources import ChartSource
from tests.harness.app import Api
from tests.harness.registry import RegistryServer
from tests.profiles.conftest import (
    Synced,
    create_profile,
    create_registry,
    pack,
    profile,
    push,
    sqlite_only,
)

_CALLS = ("get_manifest", "head_manifest", "get_blob", "list_tags")


class _Watched:
    """Delegate to a chart source, noting the checked-out connections at each registry call."""

    def __init__(self, source: ChartSource, seen: list[tuple[str, int]],
                 checked_out: Callable[[], int]) -> None:
        self._source, self._seen, self._checked_out = source, seen, checked_out

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._source, name)
        if name not in _CALLS:
            return attr

        async def call(*args: Any, **kwargs: Any) -> Any:
            self._seen.append((name, self._checked_out()))
            return await attr(*args, **kwargs)

        return call


@pytest.fixture
def seen(api: Api, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Wrap `sources.open_source`, which kinds call (on every path: chart files, drift and pack
    checks) when they open an OCI source."""
    calls: list[tuple[str, int]] = []
    pool: Any = api.ctx.engine.pool
    for module in (chartyard.sources,):
        real = module.open_source

        def wrapped(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
            return _Watched(_real(*args, **kwargs), calls, pool.checkedout)

        monkeypatch.setattr(module, "open_source", wrapped)
    return calls


@sqlite_only
def test_private_pack_checks_defaults_and_drift_hold_no_connection(
        api: Api, plain_registry: RegistryServer, unique_repo_prefix: str,
        seen: list[tuple[str, int]]) -> None:
    p = unique_repo_prefix
    push(plain_registry, f"{p}/web", "1.0.0")
    reg = create_registry(api, f"{plain_registry.url}/{p}", name="nosync", sync=False)
    uid = create_profile(api, profile("p", [pack("web", "1.0.0", reg)]))  # verify + defaults
    assert api.get(f"/v1/clusterprofiles/{uid}").status_code == 200  # drift
    r = api.client.put(f"/v1/clusterprofiles/{uid}", json=profile("p", [pack("web", "1.0.0", reg)]),
                       headers=api.admin)
    assert r.status_code == 204, r.text
    assert {name for name, _ in seen} >= {"get_manifest", "head_manifest", "get_blob"}
    assert [n for _, n in seen] == [0] * len(seen), seen


@sqlite_only
def test_values_of_a_catalog_chart_hold_no_connection(
        api: Api, synced: Synced, seen: list[tuple[str, int]]) -> None:
    tag = api.get(f"/v1/packs/nginx/registries/{synced.uid}").json()["tags"][0]
    assert api.get(f"/v1/packs/{tag['packUid']}/values").status_code == 200
    assert seen == [("get_blob", 0)]
