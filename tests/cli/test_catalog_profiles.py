"""`chartyard charts` and `chartyard profile` on the catalog of a registry synced by the CLI."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli.conftest import CHART_VALUES, OTHER_CHART, Cli, SyncedRegistry
from tests.profiles.export.flux_schema import validate_flux


@pytest.fixture
def registry(synced: SyncedRegistry) -> SyncedRegistry:
    """The synced registry; fails here, once, if adding or syncing it failed."""
    assert synced.added.code == 0, synced.added
    assert synced.synced.code == 0, synced.synced
    return synced


def test_search_versions_and_values(cli: Cli, registry: SyncedRegistry) -> None:
    chart = registry.charts.chart
    hits: Any = cli("charts", "search", chart[:4], "--registry", registry.name, "-o",
                    "json").json()
    assert [(h["name"], h["latestVersion"], h["versions"]) for h in hits] == [(chart, "1.1.0", 2)]
    assert hits[0]["repository"] == f"{registry.charts.prefix}/{chart}"
    assert cli("charts", "search", "no-chart-has-this-name", "-o", "json").json() == []

    table = cli("charts", "search", chart)
    assert table.code == 0, table
    assert chart in table.out and registry.name in table.out

    versions: Any = cli("charts", "versions", chart, "--registry", registry.name, "-o",
                        "json").json()
    assert [t["version"] for t in versions["tags"]] == ["1.1.0", "1.0.0"]

    values = cli("charts", "values", chart, "1.0.0", "--registry", registry.name)
    assert values.code == 0, values
    assert values.out == CHART_VALUES
    as_json: Any = cli("charts", "values", chart, "1.0.0", "-r", registry.name, "-o",
                       "json").json()
    assert as_json["values"] == CHART_VALUES and as_json["version"] == "1.0.0"

    missing = cli("charts", "values", chart, "9.9.9", "--registry", registry.name)
    assert missing.code == 1, missing
    assert "ResourceNotFound" in missing.err and "1.1.0" in missing.err


def test_profile_create_add_chart_show_and_export_flux(
        cli: Cli, registry: SyncedRegistry, tmp_path: Path) -> None:
    chart, prefix = registry.charts.chart, registry.charts.prefix
    name = f"web-{uuid.uuid4().hex[:6]}"
    created = cli("profile", "create", name, "--description", "web tier", "-o", "json")
    uid = created.json()["uid"]  # type: ignore[index]

    values = tmp_path / "values.yaml"
    values.write_text("pack:\n  namespace: web\ngreeting: hello from the cli\n")
    added = cli("profile", "add-chart", name, chart, "1.1.0", "--registry", registry.name,
                "--values-file", str(values))
    assert added.code == 0, added
    assert f"Added {chart} 1.1.0" in added.out

    shown: Any = cli("profile", "show", name, "-o", "json").json()
    assert shown["metadata"]["uid"] == uid
    assert shown["metadata"]["annotations"] == {"description": "web tier"}
    [pack] = shown["spec"]["draft"]["packs"]
    assert (pack["name"], pack["tag"], pack["namespace"]) == (chart, "1.1.0", "web")
    assert pack["values"] == values.read_text()
    assert pack["isInvalid"] is False

    listed: Any = cli("profile", "list", "-o", "json").json()
    assert any(p["metadata"]["uid"] == uid for p in listed)
    table = cli("profile", "show", uid)
    assert table.code == 0, table
    assert chart in table.out and registry.name in table.out

    exported = cli("profile", "export", name, "--format", "flux")
    assert exported.code == 0, exported
    docs = [d for d in yaml.safe_load_all(exported.out) if d]
    validate_flux(docs)
    repo = next(d for d in docs if d["kind"] == "OCIRepository")
    release = next(d for d in docs if d["kind"] == "HelmRelease")
    host = registry.charts.registry.host_port
    assert repo["spec"]["url"] == f"oci://{host}/{prefix}/{chart}"
    assert repo["spec"]["ref"] == {"tag": "1.1.0"}
    assert "certSecretRef" in repo["spec"]  # the registry has a custom CA
    assert release["spec"]["targetNamespace"] == "web"
    assert release["spec"]["values"] == {"greeting": "hello from the cli"}


def test_add_chart_twice_keeps_layer_order_and_versions_disambiguate(
        cli: Cli, registry: SyncedRegistry) -> None:
    chart = registry.charts.chart
    name = f"multi-{uuid.uuid4().hex[:6]}"
    assert cli("profile", "create", name, "--type", "cluster").code == 0
    assert cli("profile", "create", name, "--version", "2.0.0").code == 0
    ambiguous = cli("profile", "show", name)
    assert ambiguous.code == 1, ambiguous
    assert "1.0.0, 2.0.0" in ambiguous.err

    for chart_name, version in [(chart, "1.0.0"), OTHER_CHART]:
        r = cli("profile", "add-chart", f"{name}:2.0.0", chart_name, version, "-r",
                registry.name, "-o", "yaml")
        assert r.code == 0, r
    body = yaml.safe_load(r.out)
    assert body["spec"]["version"] == "2.0.0"
    assert [(p["name"], p["tag"]) for p in body["spec"]["draft"]["packs"]] == [
        (chart, "1.0.0"), OTHER_CHART]
    # No values given: they stay empty (the chart's defaults apply).
    assert body["spec"]["draft"]["packs"][0]["values"] == ""
    first: Any = cli("profile", "show", f"{name}:1.0.0", "-o", "json").json()
    assert first["spec"]["draft"]["type"] == "cluster"
    assert first["spec"]["draft"]["packs"] == []

    unknown = cli("profile", "add-chart", f"{name}:1.0.0", chart, "7.7.7", "-r", registry.name)
    assert unknown.code == 1, unknown
    assert "PackNotFound" in unknown.err and "no pack found with name" in unknown.err

    bad_format = cli("profile", "export", f"{name}:2.0.0", "--format", "kustomize")
    assert bad_format.code == 2, bad_format
