"""A third kind, added at run time: its module, one registration, and these tests.

`PullThroughKind` (tests/registries/example/pullthrough.py) is registered the way a line in
``_KINDS`` would register it. Nothing else changes, and it gets its API routes, its place
in the Registry drop-down with its family's pack type, a catalog by sync, Private Pack and
drift checks, and a ``chartyard registry add`` command. It opens its source its own way,
and that way is used on every path: validation, sync, pack checks and drift checks.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import chartyard.api.routes.registries
import chartyard.cli
import chartyard.cli.registry
from chartyard.app import create_app
from chartyard.registries.families import family_of_kind
from chartyard.registries.kinds import get_kind, register_kind
from chartyard.settings import Settings
from tests.harness.app import Api, basic_body
from tests.harness.registry import RegistryServer
from tests.profiles.conftest import pack, profile, push
from tests.registries.example.pullthrough import PullThroughKind
from tests.sync.conftest import sync_now

KIND = PullThroughKind()


def _rebuild() -> None:
    """Rebuild what is built from the kinds at import: the API routes and CLI commands."""
    importlib.reload(chartyard.api.routes.registries)
    importlib.reload(chartyard.cli.registry)
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
