"""chartyard and real `helm template` agree on accept or reject, one case for one case.

Every case of `corpus.CASES` is rendered by helm 4 (the reference) with the chart's
values.yaml and values.schema.json and the case's values file, and checked by
chartyard's `check_layer`. helm 3.17's verdict is checked too, against the corpus'
record of where it differs from helm 4.

`corpus.UMBRELLA_CASES` do the same for charts with subcharts: the chart is written to
disk for helm, and packaged into an archive that chartyard reads as it reads a
registry's (`read_chart_archive`, then the tree the chart-contents cache stores).
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from chartyard.catalog.contents import subchart_tree
from chartyard.helm import read_chart_archive
from chartyard.profiles.schema_check import (
    SchemaUnusable,
    check_chart,
    check_layer,
    load_chart_tree,
    load_helm_yaml,
)
from tests.harness.charts import CONFIGMAP_TEMPLATE
from tests.harness.helm import Helm, HelmError
from tests.profiles.schema.corpus import CASES, UMBRELLA_CASES, Case, Sub, UmbrellaCase


def _chart(tmp_path: Path, case: Case) -> tuple[Path, Path]:
    chart = tmp_path / "c"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (chart / "templates" / "configmap.yaml").write_text(CONFIGMAP_TEMPLATE)
    (chart / "values.yaml").write_text(case.defaults)
    (chart / "values.schema.json").write_text(case.schema_text)
    values = tmp_path / "user.yaml"
    values.write_text(case.values)
    return chart, values


def _helm_verdict(helm: Helm, chart: Path, values: Path) -> str:
    try:
        helm.template(chart, values_file=values)
    except HelmError as exc:
        assert "schema" in exc.stderr, exc.stderr  # refused for its values, nothing else
        return "reject"
    return "accept"


def _chartyard_verdict(case: Case) -> str:
    try:
        report = check_layer(case.schema_text, case.defaults, case.values)
    except SchemaUnusable:
        return "reject"
    return "reject" if report.errors else "accept"


def test_the_corpus_is_large_and_mixed() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)) and len(CASES) >= 70
    verdicts = [_chartyard_verdict(c) for c in CASES]
    assert verdicts.count("accept") >= 20 and verdicts.count("reject") >= 30


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_chartyard_agrees_with_helm4(case: Case, helm: Helm, tmp_path: Path) -> None:
    chart, values = _chart(tmp_path, case)
    assert _chartyard_verdict(case) == _helm_verdict(helm, chart, values)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_helm3_differs_only_where_recorded(case: Case, helm: Helm, helm3: Helm,
                                           tmp_path: Path) -> None:
    chart, values = _chart(tmp_path, case)
    helm4 = _helm_verdict(helm, chart, values)
    assert _helm_verdict(helm3, chart, values) == (case.helm3 or helm4)


def _write_chart(root: Path, name: str, schema: Any, defaults: str,
                 deps: tuple[dict[str, Any], ...] | None, charts: tuple[Sub, ...]) -> None:
    (root / "charts").mkdir(parents=True)
    meta: dict[str, Any] = {"apiVersion": "v2", "name": name, "version": "1.0.0"}
    if deps is not None:
        meta["dependencies"] = list(deps)
    (root / "Chart.yaml").write_text(yaml.safe_dump(meta))
    (root / "values.yaml").write_text(defaults)
    if schema is not None:
        (root / "values.schema.json").write_text(json.dumps(schema, indent=1))
    for sub in charts:
        if sub.packed:
            (root / "charts" / f"{sub.name}-1.0.0.tgz").write_bytes(_package(sub))
        else:
            _write_chart(root / "charts" / sub.name, sub.name, sub.schema, sub.defaults,
                         sub.deps, sub.charts)


def _tgz_of(root: Path, top: str) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for path in sorted(root.rglob("*")):
            tar.add(path, arcname=f"{top}/{path.relative_to(root)}", recursive=False)
    return gzip.compress(raw.getvalue(), mtime=0)


def _package(sub: Sub) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        _write_chart(Path(tmp) / sub.name, sub.name, sub.schema, sub.defaults, sub.deps,
                     sub.charts)
        return _tgz_of(Path(tmp) / sub.name, sub.name)


def _umbrella(tmp_path: Path, case: UmbrellaCase) -> tuple[Path, Path]:
    chart = tmp_path / "u"
    _write_chart(chart, "u", case.schema, case.defaults, case.deps, case.charts)
    (chart / "templates").mkdir()
    (chart / "templates" / "configmap.yaml").write_text(CONFIGMAP_TEMPLATE)
    values = tmp_path / "user.yaml"
    values.write_text(case.values)
    return chart, values


def _chartyard_umbrella_verdict(chart: Path, values_text: str) -> str:
    files = read_chart_archive(_tgz_of(chart, "u"))
    try:
        tree = load_chart_tree(files.values_schema_json, files.values_yaml,
                               subchart_tree(files))
        report = check_chart(tree, load_helm_yaml(values_text))
    except SchemaUnusable:
        return "reject"
    return "reject" if report.errors else "accept"


def test_the_umbrella_corpus_is_mixed() -> None:
    ids = [c.id for c in UMBRELLA_CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 30


@pytest.mark.parametrize("case", UMBRELLA_CASES, ids=[c.id for c in UMBRELLA_CASES])
def test_chartyard_agrees_with_helm4_on_subcharts(case: UmbrellaCase, helm: Helm,
                                                  tmp_path: Path) -> None:
    chart, values = _umbrella(tmp_path, case)
    assert _chartyard_umbrella_verdict(chart, case.values) == _helm_verdict(helm, chart, values)


@pytest.mark.parametrize("case", UMBRELLA_CASES, ids=[c.id for c in UMBRELLA_CASES])
def test_helm3_differs_on_subcharts_only_where_recorded(case: UmbrellaCase, helm: Helm,
                                                        helm3: Helm, tmp_path: Path) -> None:
    chart, values = _umbrella(tmp_path, case)
    helm4 = _helm_verdict(helm, chart, values)
    assert _helm_verdict(helm3, chart, values) == (case.helm3 or helm4)
