"""A third kind, added at run time: its module, one registration, and these tests.

`PullThroughKind` (tests/registries/example/pullthrough.py) is registered the way a line in
``_KINDS`` would register it. Nothing else changes, and it gets its API routes, its place
in the Registry drop-down with its family's pack type, a catalog by sync, Private Pack and
drift checks, a ``chartyard registry add`` command, and its Add / Edit form from the
inputs it declares (no template). It opens its source its own way, and that way is used on
every path: validation, sync, pack checks and drift checks.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import chartyard.api.routes.registries
import chartyard.cli
import chartyard.cli.groups
import chartyard.cli.registry
from chartyard.app import create_app
from chartyard.registries.families import family_of_kind
from chartyard.registries.kinds import get_kind, register_kind
from chartyard.settings import Settings
from tests.harness.app import ADMIN_PASSWORD, Api, basic_body
from tests.harness.registry import RegistryServer
from tests.profiles.conftest import pack, profile, push
from tests.registries.example.pullthrough import PullThroughKind
from tests.sync.conftest import sync_now

KIND = PullThroughKind()


def _rebuild() -> None:
    """Rebuild what is built from the kinds at import: the API routes and CLI commands."""
    importlib.reload(chartyard.api.routes.registries)
    importlib.reload(chartyard.cli.registry)
    importlib.reload(chartyard.cli.groups)  # its loaders cache the command groups they built
    importlib.reload(chartyard.cli)


@pytest.fixture
def example_api(settings: Settings) -> Iterator[Api]:
    """The app with the example kind registered before it is built."""
    unregister = register_kind(KIND)
    _rebuild()
    KIND.opened.clear()
    try:
        app = create_app(settings)
        with TestClient(app, raise_server_exceptions=False) as client:
            yield Api(client, app.state.ctx)
    finally:
        unregister()
        _rebuild()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_new_kind_needs_only_its_module_and_one_registration(
        example_api: Api, plain_registry: RegistryServer, unique_repo_prefix: str) -> None:
    api, p = example_api, unique_repo_prefix
    assert get_kind("pullthrough") is KIND
    assert family_of_kind(KIND).pack_type == "oci"
    push(plain_registry, f"{p}/web", "1.0.0")

    body = basic_body("cache", plain_registry.url, sync=True, base=[p])
    r = api.post("/v1/registries/oci/pullthrough", body)
    assert r.status_code == 422 and r.json()["details"]["field"] == "spec.upstream", r.text
    body["spec"]["upstream"] = "docker.io"
    r = api.post("/v1/registries/oci/pullthrough", body)
    assert r.status_code == 201, r.text
    uid = r.json()["uid"]
    assert len(KIND.opened) == 1  # validation opened its source through the kind

    assert sync_now(api.ctx, uid).status == "Completed"
    assert len(KIND.opened) == 2  # so did the sync
    r = api.get(f"/v1/registries/oci/{uid}/pullthrough")
    assert r.status_code == 200 and r.json()["kind"] == "pullthrough", r.text
    drop_down = {i["uid"]: i for i in api.get("/v1/registries/metadata").json()["items"]}
    assert (drop_down[uid]["kind"], drop_down[uid]["packType"]) == ("oci-pullthrough", "oci")
    rows = api.get("/v1/registries/oci/summary").json()["items"]
    assert [row["spec"]["kindLabel"] for row in rows] == ["Pull-through · OCI"]

    r = api.post("/v1/clusterprofiles",
                 profile("p", [pack("web", "1.0.0", uid, source="private")]))
    assert r.status_code == 201, r.text
    assert len(KIND.opened) == 4  # the Private Pack check, and its chart's default values
    r = api.get(f"/v1/clusterprofiles/{r.json()['uid']}")
    assert r.status_code == 200, r.text
    assert len(KIND.opened) == 5  # the drift check
    assert r.json()["spec"]["draft"]["packs"][0].get("inValidReason") is None


def test_the_cli_offers_the_new_kind(example_api: Api) -> None:
    result = CliRunner().invoke(chartyard.cli.app, ["registry", "add", "--help"])
    assert result.exit_code == 0, result.output
    assert "pullthrough" in result.output
    result = CliRunner().invoke(chartyard.cli.app, ["registry", "add", "pullthrough", "--help"])
    assert result.exit_code == 0, result.output
    assert "pull-through cache" in result.output


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _csrf(html: str) -> str:
    match = _CSRF.search(html)
    assert match, html
    return match.group(1)


def _ui_login(api: Api) -> None:
    token = _csrf(api.client.get("/login").text)
    reply = api.client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD,
                                            "csrf_token": token, "next": "/settings/registries"},
                            follow_redirects=False)
    assert reply.status_code == 303, reply.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_web_form_shows_and_reads_the_new_kinds_declared_input(
        example_api: Api, plain_registry: RegistryServer) -> None:
    api = example_api
    _ui_login(api)
    page = api.client.get("/settings/registries/new", params={"kind": "pullthrough"})
    assert page.status_code == 200, page.text
    html = page.text
    assert 'id="kind-pullthrough" name="kind" value="pullthrough" checked' in html
    # Its own section, shown for it alone, with the declared input and help.
    section = re.search(r'<section class="card" aria-labelledby="cache-h" '
                        r'data-show-when="kind:pullthrough" (hidden)?>', html)
    assert section and not section.group(1), html
    assert '<label for="upstream">Upstream registry</label>' in html
    assert re.search(r'<input id="upstream" name="upstream" value="" [^>]*'
                     r'placeholder="docker.io" aria-describedby="upstream-help err-upstream">',
                     html), html
    assert "The registry this cache fronts, as <code>docker.io</code>." in html
    # The Basic kind's section is shared, not repeated: one Username input on the page.
    assert 'data-show-when="kind:basic,pullthrough"' in html
    assert html.count('id="username"') == 1
    # Shared inputs relabelled and hidden for it alone.
    assert re.search(r'<label for="endpoint"><span data-show-when="kind:basic,ecr" hidden>'
                     r'Endpoint</span><span data-show-when="kind:pullthrough">Cache endpoint'
                     r'</span></label>', html), html
    assert '<div class="field" data-show-when="kind:basic,ecr" hidden>' in html

    form = {"csrf_token": _csrf(html), "kind": "pullthrough", "name": "cache",
            "endpoint": plain_registry.url, "action": "confirm"}
    ajax = {"Accept": "application/json"}
    r = api.client.post("/settings/registries/new", data=form, headers=ajax)
    assert r.status_code == 422, r.text
    assert (r.json()["field"], r.json()["code"]) == ("upstream", "ValidationError")
    r = api.client.post("/settings/registries/new", data={**form, "upstream": " docker.io "},
                        headers=ajax)
    assert r.status_code == 200 and r.json()["ok"], r.text

    row = api.get("/v1/registries/oci/summary").json()["items"][0]
    uid = row["metadata"]["uid"]
    r = api.get(f"/v1/registries/oci/{uid}/pullthrough")
    assert r.json()["spec"]["upstream"] == "docker.io", r.text
    edit = api.client.get(f"/settings/registries/{uid}/edit")
    assert edit.status_code == 200, edit.text
    assert re.search(r'<input id="upstream" name="upstream" value="docker.io" ', edit.text)
