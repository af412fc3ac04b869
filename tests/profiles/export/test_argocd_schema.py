"""The Argo CD check itself refuses what Argo CD's CRD refuses (so a pass means something)."""

from __future__ import annotations

import copy
from typing import Any

from tests.profiles.export.argocd_schema import argocd_problems

APP: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
    "metadata": {"name": "web"},
    "spec": {"project": "default",
             "destination": {"server": "https://kubernetes.default.svc", "namespace": "apps"},
             "source": {"repoURL": "harbor.example.com/team", "chart": "web",
                        "targetRevision": "1.0.0",
                        "helm": {"releaseName": "web", "valuesObject": {"any": {"x": 1}}}},
             "syncPolicy": {"syncOptions": ["CreateNamespace=true"]}}}


def _with(path: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(APP)
    *parents, last = path.split(".")
    node = doc
    for key in parents:
        node = node[key]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return doc


def test_a_valid_application_and_core_kinds_pass() -> None:
    assert argocd_problems([APP, {"apiVersion": "v1", "kind": "Secret"}]) == []


def test_missing_required_fields_wrong_types_and_unknown_fields_are_reported() -> None:
    cases = {
        "spec.project": (None, "must have required property project"),
        "spec.source.repoURL": (5, "repoURL must be string"),
        "spec.source.helm.releaseNam": ("web", ".spec.source.helm.releaseNam: not a field"),
        "spec.syncPolicy.automatd": ({}, ".spec.syncPolicy.automatd: not a field"),
    }
    for path, (value, expected) in cases.items():
        problems = argocd_problems([_with(path, value)])
        assert any(expected in p for p in problems), (path, problems)


def test_an_unknown_argo_kind_is_a_problem_not_a_pass() -> None:
    problems = argocd_problems([{**APP, "kind": "ApplicationThing"}])
    assert problems and "no Argo CD schema" in problems[0]
