"""chartyard and real `helm template` agree on accept or reject, one case for one case.

Every case of `corpus.CASES` is rendered by helm 4 (the reference) with the chart's
values.yaml and values.schema.json and the case's values file, and checked by
chartyard's `check_layer`. helm 3.17's verdict is checked too, against the corpus'
record of where it differs from helm 4.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chartyard.profiles.schema_check import SchemaUnusable, check_layer
from tests.harness.charts import CONFIGMAP_TEMPLATE
from tests.harness.helm import Helm, HelmError
from tests.profiles.schema.corpus import CASES, Case


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
