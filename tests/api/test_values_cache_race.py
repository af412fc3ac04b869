"""Concurrent first reads of a chart's values all succeed and share one cache row."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select

from chartyard.store.models import ChartContent
from tests.harness.app import Api, basic_body
from tests.harness.registry import RegistryServer
from tests.sync.conftest import sync_now


def test_concurrent_first_values_reads_do_not_fail(api: Api, plain_registry: RegistryServer,
                                                   helm: Any, chart_factory: Any,
                                                   unique_repo_prefix: str) -> None:
    versions = [f"1.{i}.0" for i in range(4)]
    for version in versions:  # each version is one fresh, uncached layer to race on
        helm.push(chart_factory.write("race", version, values=f"answer: {version}\n"),
                  f"{plain_registry.oci_url}/{unique_repo_prefix}", plain_http=True)
    uid = api.post("/v1/registries/oci/basic",
                   basic_body("race", plain_registry.url, sync=True,
                              base=[unique_repo_prefix])).json()["uid"]
    assert sync_now(api.ctx, uid).status == "Completed"
    tags = api.get(f"/v1/packs/race/registries/{uid}").json()["tags"]
    headers = api.admin
    with ThreadPoolExecutor(16) as pool:
        for tag in tags:
            url = f"/v1/packs/{tag['packUid']}/values"
            replies = list(pool.map(lambda u: api.client.get(u, headers=headers), [url] * 16))
            assert [r.status_code for r in replies] == [200] * 16, replies[0].text
            assert {r.text for r in replies} == {f"answer: {tag['version']}\n"}
    with api.ctx.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ChartContent)) == len(versions)
