"""The everyday flows from the CLI against a live server and a real registry: profile edits,
versions, chart diffs, upgrades, users and API keys, registry update, and `--help` at 80
columns."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from chartyard.client import ApiError, ChartyardClient, pack
from tests.cli.conftest import ADMIN_PASSWORD, CHART, CHART_VALUES, VERSIONS, Cli, PushedCharts
from tests.harness.charts import build_chart
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.helm import Helm

DIFF_CHART = "clidiff"
OLD_VALUES = "replicaCount: 1\nimage:\n  tag: old\nlegacy:\n  enabled: true\n"
NEW_VALUES = "replicaCount: 2\nimage:\n  tag: new\n"


@dataclass(frozen=True)
class DiffRegistry:
    """This module's own registry: `cliweb` 1.0.0/1.1.0 and `clidiff` 1.0.0/1.2.0/2.0.0."""

    name: str
    prefix: str
    chart: str


@pytest.fixture(scope="module")
def diffed(pushed: PushedCharts, helm_binary: Path, tmp_path_factory: pytest.TempPathFactory,
           cy_server: ChartyardServer, api_key: str) -> DiffRegistry:
    """Charts pushed by helm under a fresh prefix of the TLS registry, added and synced by
    the CLI as a registry of its own (the shared one keeps its chart count)."""
    reg, prefix = pushed.registry, f"diff{uuid.uuid4().hex[:8]}"
    assert reg.ca_file and reg.username and reg.password
    out = tmp_path_factory.mktemp("diff-charts")
    charts = [(CHART, v, CHART_VALUES, "1.0.0") for v in VERSIONS] + [
        (DIFF_CHART, v, values, app) for v, app, values in (
            ("1.0.0", "1.0", OLD_VALUES), ("1.2.0", "1.2", OLD_VALUES),
            ("2.0.0", "2.0", NEW_VALUES))]
    helm = Helm(helm_binary)
    try:
        for chart, version, values, app in charts:
            path = out / f"{chart}-{version}.tgz"
            path.write_bytes(build_chart(chart, version, app_version=app, values=values))
            helm.push(path, f"{reg.oci_url}/{prefix}", ca_file=reg.ca_file,
                      username=reg.username, password=reg.password)
    finally:
        helm.close()
    cli = Cli(tmp_path_factory.mktemp("diff-home"), cy_server.url, api_key)
    name = f"tls-{prefix}"
    added = cli("registry", "add", "basic", "--name", name, "--endpoint", reg.url,
                "--username", reg.username, "--password-stdin", "--ca-file", reg.ca_file,
                "--sync", "--base-path", prefix, input=reg.password + "\n")
    assert added.code == 0, added
    done = cli("registry", "sync", name, "--force", "--wait")
    assert done.code == 0, done
    return DiffRegistry(name, prefix, CHART)


def test_charts_diff(cli: Cli, diffed: DiffRegistry) -> None:
    body: Any = cli("charts", "diff", DIFF_CHART, "1.0.0", "2.0.0", "-r", diffed.name,
                    "-o", "json").json()
    assert {"field": "appVersion", "from": "1.0", "to": "2.0"} in body["chartChanges"]
    assert "-replicaCount: 1\n+replicaCount: 2\n" in body["valuesDiff"]
    assert "-legacy:" in body["valuesDiff"]
    shown = cli("charts", "diff", DIFF_CHART, "1.0.0", "2.0.0", "-r", diffed.name)
    assert shown.code == 0, shown
    assert "appVersion" in shown.out and "+  tag: new" in shown.out
    as_yaml = cli("charts", "diff", DIFF_CHART, "1.0.0", "1.2.0", "-r", diffed.name, "-o", "yaml")
    assert as_yaml.code == 0 and "valuesDiff: ''" in as_yaml.out


def test_profile_edit_flow(cli: Cli, diffed: DiffRegistry, tmp_path: Path) -> None:
    name = f"edit-{uuid.uuid4().hex[:6]}"
    chart = diffed.chart
    assert cli("profile", "create", name).code == 0
    assert cli("profile", "add-chart", name, chart, "1.0.0", "-r", diffed.name).code == 0
    # The layer's values override `legacy`, which the chart's 2.0.0 no longer has.
    old_values = tmp_path / "old.yaml"
    old_values.write_text(OLD_VALUES)
    assert cli("profile", "add-chart", name, DIFF_CHART, "1.0.0", "-r", diffed.name,
               "--values-file", str(old_values)).code == 0

    upgrades: Any = cli("profile", "upgrades", name, "-o", "json").json()
    assert upgrades == [
        {"index": 0, "name": chart, "version": "1.0.0", "versions": ["1.1.0", "1.0.0"],
         "sameMajor": "1.1.0", "newerMajor": None},
        {"index": 1, "name": DIFF_CHART, "version": "1.0.0",
         "versions": ["2.0.0", "1.2.0", "1.0.0"],
         "sameMajor": "1.2.0", "newerMajor": "2.0.0"}]

    compare: Any = cli("profile", "compare", name, DIFF_CHART, "2.0.0", "-o", "json").json()
    assert compare["missingOverrides"] == ["legacy"]
    assert compare["to"]["version"] == "2.0.0"

    moved: Any = cli("profile", "set-version", name, DIFF_CHART, "2.0.0", "-o", "json").json()
    packs = moved["spec"]["template"]["packs"]
    assert [(p["name"], p["tag"]) for p in packs] == [(chart, "1.0.0"), (DIFF_CHART, "2.0.0")]
    assert packs[1]["values"] == OLD_VALUES  # the layer's values stay

    values = tmp_path / "v.yaml"
    values.write_text("pack:\n  namespace: web\nreplicaCount: 3\n")
    set_values: Any = cli("profile", "set-values", name, chart, "-f", str(values),
                          "-o", "json").json()
    assert set_values["spec"]["template"]["packs"][0]["values"] == values.read_text()
    values.write_text("replicaCount: [1\n")
    broken = cli("profile", "set-values", name, chart, "-f", str(values))
    assert broken.code == 1 and "line 2" in broken.err, broken

    removed: Any = cli("profile", "remove-chart", name, chart, "-o", "json").json()
    assert [p["name"] for p in removed["spec"]["template"]["packs"]] == [DIFF_CHART]
    missing = cli("profile", "remove-chart", name, "nope")
    assert missing.code == 1 and "no layer of chart 'nope'" in missing.err

    created: Any = cli("profile", "version", "create", name, "1.1.0", "-o", "json").json()
    assert created["version"] == "1.1.0"
    versions: Any = cli("profile", "version", "list", f"{name}:1.1.0", "-o", "json").json()
    assert [v["version"] for v in versions] == ["1.0.0", "1.1.0"]
    deleted: Any = cli("profile", "delete", f"{name}:1.0.0", "--yes", "-o", "json").json()
    assert deleted["deleted"] is True
    shown: Any = cli("profile", "show", name, "-o", "json").json()
    assert shown["spec"]["version"] == "1.1.0"
    assert [p["tag"] for p in shown["spec"]["template"]["packs"]] == ["2.0.0"]


def test_users_and_api_keys(cli: Cli, cy_server: ChartyardServer) -> None:
    name = f"u{uuid.uuid4().hex[:6]}"
    made: Any = cli("user", "create", name, "--role", "profile-editor", "--password-stdin",
                    "-o", "json", input="Colleague-Pass-1\n").json()
    assert made["role"] == "profile-editor"
    listed: Any = cli("user", "list", "-o", "json").json()
    assert name in [u["username"] for u in listed]
    assert cli("user", "set-role", name, "viewer", "-o", "json").json()["role"] == "viewer"  # type: ignore[index]

    # The colleague logs in and makes a key; disabling them stops both at once.
    theirs = Cli(cli.home / "theirs", cy_server.url, None)
    (cli.home / "theirs").mkdir()
    login = theirs("login", "--username", name, "--password-stdin", input="Colleague-Pass-1\n")
    assert login.code == 0, login
    key: Any = theirs("apikey", "create", "laptop", "-o", "json").json()
    assert key["key"].startswith("cy_")
    mine: Any = theirs("apikey", "list", "-o", "json").json()
    assert [k["name"] for k in mine] == ["laptop"]
    with_key = Cli(cli.home / "k", cy_server.url, key["key"])
    assert with_key("profile", "list").code == 0

    disabled: Any = cli("user", "disable", name, "-o", "json").json()
    assert disabled["disabled"] is True
    assert theirs("profile", "list").code == 1
    after = with_key("profile", "list")
    assert after.code == 1 and "revoked" in after.err, after

    assert cli("user", "enable", name, "-o", "json").json()["disabled"] is False  # type: ignore[index]
    reset = cli("user", "reset-password", name, "--password-stdin", "-o", "yaml",
                input="Colleague-Pass-2\n")
    assert reset.code == 0 and "passwordReset: true" in reset.out, reset
    relog = theirs("login", "--username", name, "--password-stdin", input="Colleague-Pass-2\n")
    assert relog.code == 0, relog

    created: Any = cli("apikey", "create", "ci-rotate", "-o", "json").json()
    assert cli("apikey", "revoke", created["uid"], "-o", "json").json() == {  # type: ignore[comparison-overlap]
        "uid": created["uid"], "revoked": True}
    assert ADMIN_PASSWORD  # the tenant admin is the caller of `user` commands


def test_registry_update_keeps_secrets(cli: Cli, diffed: DiffRegistry) -> None:
    updated: Any = cli("registry", "update", diffed.name, "--base-path", diffed.prefix,
                       "--base-path", "elsewhere", "-o", "json").json()
    paths = updated["spec"]["baseContentPath"]  # a list today, Palette's string after #12
    paths = paths.split(",") if isinstance(paths, str) else paths
    assert paths == [diffed.prefix, "elsewhere"]
    assert updated["spec"]["auth"]["passwordSet"] is True
    valid = cli("registry", "validate", diffed.name)
    assert valid.code == 0, valid  # the stored password still works
    as_json: Any = cli("registry", "validate", diffed.name, "-o", "json").json()
    assert as_json == {"uid": updated["metadata"]["uid"], "name": diffed.name, "valid": True}
    back = cli("registry", "update", diffed.name, "--base-path", diffed.prefix)
    assert back.code == 0 and "updated" in back.out, back
    assert CHART_VALUES


@pytest.mark.parametrize("argv", [["profile", "set-version"], ["user", "create"]],
                         ids=lambda a: " ".join(a))
def test_help_fits_80_columns_in_a_real_terminal_run(tmp_path: Path, argv: list[str]) -> None:
    out = Cli(tmp_path, "http://127.0.0.1:9", None)(*argv, "--help", env={"COLUMNS": "80"})
    assert out.code == 0, out
    assert "<bool>" not in out.out
    assert max(len(line) for line in out.out.splitlines()) <= 80
    assert re.search(r"--output\s+-o", out.out), out.out


def test_python_client_compare_errors_name_the_fix(cy_server: ChartyardServer, api_key: str,
                                                    diffed: DiffRegistry) -> None:
    with ChartyardClient(cy_server.url, api_key=api_key) as client:
        reg = client.registries.resolve(diffed.name)
        a = client.charts.find_version(DIFF_CHART, "1.0.0", reg.uid)
        b = client.charts.find_version(diffed.chart, "1.1.0", reg.uid)
        with pytest.raises(ApiError) as other_chart:
            client.charts.compare(a.pack_uid, b.pack_uid)
        assert other_chart.value.status == 422 and "same chart" in other_chart.value.message
        same = client.charts.compare(a.pack_uid, a.pack_uid)
        assert same["valuesDiff"] == "" and same["chartChanges"] == []

        name = f"cmp-{uuid.uuid4().hex[:6]}"
        uid = client.profiles.create(name).uid
        client.profiles.add_chart(uid, pack(DIFF_CHART, "1.0.0", reg.uid, values=OLD_VALUES))
        with pytest.raises(ApiError) as no_pack:
            client.profiles.compare_upgrade(uid, 5, "2.0.0")
        assert no_pack.value.status == 404
        with pytest.raises(ApiError) as no_version:
            client.profiles.compare_upgrade(uid, 0, "9.9.9")
        assert no_version.value.status == 404 and "9.9.9" in no_version.value.message
        body = client.profiles.compare_upgrade(uid, 0, "2.0.0")
        # The layer's values override `legacy`, which is gone in 2.0.0.
        assert body["missingOverrides"] == ["legacy"]


def test_registry_events_secret_then_events_shows_what_arrived(
        cli: Cli, cy_server: ChartyardServer, diffed: DiffRegistry) -> None:
    created: Any = cli("registry", "events-secret", diffed.name, "-o", "json").json()
    secret, endpoint = created["secret"], created["endpoint"]
    assert endpoint.startswith(cy_server.url) and endpoint.endswith("/events")
    pull = {"events": [{"action": "pull", "target": {"repository": f"{diffed.prefix}/x"}}]}
    with httpx.Client() as http:
        sent = http.post(endpoint, json=pull, headers={"Authorization": f"Bearer {secret}"})
        assert sent.status_code == 202, sent.text
        shown: Any = cli("registry", "events", diffed.name, "-o", "json").json()
        assert shown["secretSet"] is True and shown["received"] >= 1
        assert shown["lastEvent"]["repository"] == f"{diffed.prefix}/x"
        table = cli("registry", "events", diffed.name)
        assert table.code == 0 and f"other {diffed.prefix}/x" in table.out, table
        # Rotating replaces the secret: the old one is refused from then on.
        cli("registry", "events-secret", diffed.name, "-o", "json").json()
        stale = http.post(endpoint, json=pull, headers={"Authorization": f"Bearer {secret}"})
        assert stale.status_code == 401, stale.text
