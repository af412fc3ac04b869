"""Chart version compare: Chart.yaml field changes, the values diff, orphaned overrides;
and upgrade detection by major version."""

from __future__ import annotations

from chartyard.catalog.compare import chart_changes, missing_overrides, values_diff
from chartyard.profiles.editing import check_values, read_form
from chartyard.profiles.upgrades import upgrade_for
from chartyard.store.models import ChartVersion, ProfilePack


def test_chart_changes_lists_fields_and_dependencies() -> None:
    old = {"appVersion": "1.0", "kubeVersion": ">=1.21",
           "dependencies": [{"name": "redis", "version": "17.0.0"},
                            {"name": "pg", "version": "1.0.0", "alias": "db"}]}
    new = {"appVersion": "2.0", "kubeVersion": ">=1.21",
           "dependencies": [{"name": "redis", "version": "18.0.0", "repository": "oci://r"},
                            {"name": "mq", "version": "3.0.0"}]}
    assert chart_changes(old, new) == [
        {"field": "appVersion", "from": "1.0", "to": "2.0"},
        {"field": "dependencies.db", "from": "pg 1.0.0", "to": None},
        {"field": "dependencies.mq", "from": None, "to": "mq 3.0.0"},
        {"field": "dependencies.redis", "from": "redis 17.0.0", "to": "redis 18.0.0 (oci://r)"},
    ]
    assert chart_changes(old, old) == []


def test_values_diff_is_unified_and_empty_when_equal() -> None:
    diff = values_diff("a: 1\nb: 2\n", "a: 1\nb: 3", "x-1/values.yaml", "x-2/values.yaml")
    assert diff.splitlines()[:2] == ["--- x-1/values.yaml", "+++ x-2/values.yaml"]
    assert "-b: 2\n+b: 3\n" in diff
    assert values_diff("a: 1\n", "a: 1\n", "a", "b") == ""


def test_missing_overrides_walks_mappings_and_skips_the_pack_section() -> None:
    overrides = ("pack:\n  namespace: web\nreplicaCount: 3\nimage:\n  tag: x\n  digest: y\n"
                 "legacy:\n  on: true\nextra: {}\nlist: [1]\n")
    defaults = "replicaCount: 1\nimage:\n  tag: a\nlist: []\nextra: {}\n"
    assert missing_overrides(overrides, defaults) == ["image.digest", "legacy"]
    assert missing_overrides("", defaults) == []
    assert missing_overrides("a: 1\n", "not: [valid") == ["a"]


def _pack(version: str) -> ProfilePack:
    return ProfilePack(name="web", tag=version, chart_version=version)


def _rows(*versions: str) -> list[ChartVersion]:
    return [ChartVersion(version=v) for v in versions]


def test_upgrades_split_same_and_newer_major() -> None:
    rows = _rows("3.0.0", "2.1.0-rc.1", "2.0.0", "1.4.0", "1.3.0", "1.2.0")
    assert upgrade_for(_pack("1.2.0"), rows) == {"sameMajor": "1.4.0", "newerMajor": "3.0.0"}
    assert upgrade_for(_pack("3.0.0"), rows) == {"sameMajor": None, "newerMajor": None}
    assert upgrade_for(_pack("2.0.0"), rows) == {"sameMajor": None, "newerMajor": "3.0.0"}
    assert upgrade_for(_pack("latest"), rows) == {"sameMajor": None, "newerMajor": None}


def test_editor_form_orders_removes_adds_and_checks_values() -> None:
    form = read_form({
        "layers": "3",
        "name_0": "a", "version_0": "1.0.0", "registry_0": "r", "order_0": "2",
        "values_0": "x: 1\r\n",
        "name_1": "b", "version_1": "1.0.0", "registry_1": "r", "order_1": "1",
        "values_1": "y: [1\n",
        "name_2": "c", "version_2": "1.0.0", "registry_2": "r", "remove_2": "1",
        "add_chart": "d", "add_version": "", "add_registry": "r",
    })
    assert [layer.name for layer in form.layers] == ["b", "a", "d"]
    assert [layer.order for layer in form.layers] == [1, 2, 3]
    assert form.layers[1].values == "x: 1\n"
    assert form.layers[0].error_line == 2
    assert (form.layers[0].error or "").startswith("Invalid YAML: ")
    assert form.layers[2].error == "choose a version"
    assert not form.ok
    assert check_values("a: [1\n")[1] == 2
    assert check_values("- 1\n")[0] == "Values must be a YAML mapping of chart values, not a list"
    assert check_values("a: 1\n") == (None, None)
