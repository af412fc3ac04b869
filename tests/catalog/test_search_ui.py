"""The catalog page filters by registry kind and newer-than, and explains bad input."""

from __future__ import annotations

import re

import pytest

from tests.catalog.corpus import seed
from tests.harness.app import ADMIN_PASSWORD, Api

_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def ui(api: Api) -> Api:
    seed(api.ctx)
    page = api.client.get("/login")
    match = _FIELD.search(page.text)
    assert match
    reply = api.client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD,
                                            "csrf_token": match.group(1), "next": "/catalog"},
                            follow_redirects=False)
    assert reply.status_code == 303, reply.text
    return api


def _titles(html: str) -> list[str]:
    return re.findall(r'<span class="chart-title">([^<]+)</span>', html)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_catalog_page_filters_and_reports_bad_versions(ui: Api) -> None:
    page = ui.client.get("/catalog", params={"q": "redis"})
    assert page.status_code == 200
    assert _titles(page.text)[:3] == ["redis", "redis", "redis-operator"]
    assert 'option value="oci-ecr"' in page.text
    page = ui.client.get("/catalog", params={"q": "redis", "kind": "oci-ecr"})
    assert _titles(page.text) == ["redis"]
    page = ui.client.get("/catalog", params={"q": "redis", "newer": "1.4.0", "kind": "oci-ecr"})
    assert _titles(page.text) == ["redis"]
    page = ui.client.get("/catalog", params={"q": "redis", "newer": "one point two"})
    assert page.status_code == 200
    assert "newerThan" in page.text and "semantic version" in page.text
    assert _titles(page.text) == []
