"""The Flux CRD check itself: it accepts what chartyard writes and rejects what Flux would."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from chartyard.profiles.export import FORMATS
from chartyard.profiles.export.model import ExportPack, RegistryInfo
from tests.profiles.export.flux_schema import flux_problems, validate_flux


def _docs() -> list[dict[str, Any]]:
    documents = FORMATS["flux"].documents
    assert documents is not None
    pack = ExportPack(name="web", host="harbor.example.com", repository="team/web",
                      oci_tag="1.0.0", version="1.0.0", digest=f"sha256:{'a' * 64}",
                      namespace="apps", priority=0, values={"replicas": 2},
                      registry=RegistryInfo(name="harbor"), pinned=True)
    docs = documents("p", [pack])
    validate_flux(docs)
    return docs


def _broken(kind: str, change: Any) -> dict[str, Any]:
    doc = copy.deepcopy(next(d for d in _docs() if d["kind"] == kind))
    change(doc)
    return doc


@pytest.mark.parametrize(("kind", "change", "problem"), [
    ("OCIRepository", lambda d: d["spec"].update(ref={"digests": d["spec"]["ref"]["digest"]}),
     "spec.ref.digests: not a field of the CRD here"),
    ("OCIRepository", lambda d: d["spec"].update(digest=d["spec"].pop("ref")["digest"]),
     "spec.digest: not a field of the CRD here"),
    ("OCIRepository", lambda d: d["spec"].update(insecure="true"), "valid boolean"),
    ("OCIRepository", lambda d: d["spec"].update(interval="10 minutes"), "match pattern"),
    ("OCIRepository", lambda d: d["spec"]["layerSelector"].update(operation="move"), "'copy'"),
    ("OCIRepository", lambda d: d.update(apiVersion="source.toolkit.fluxcd.io/v2"),
     "no Flux CRD model"),
    ("HelmRelease", lambda d: d["spec"]["chartRef"].update(kind="HelmRepository"),
     "'OCIRepository' or 'HelmChart'"),
    ("HelmRelease", lambda d: d["spec"].update(chartRef={"name": "x"}), "Field required"),
    ("HelmRelease", lambda d: d["spec"].pop("chartRef"), "either chart or chartRef"),
    ("HelmRelease", lambda d: d["metadata"].update(lables={}),
     "metadata.lables: not a field of the CRD here"),
    ("HelmRelease", lambda d: d.update(kind="Kustomization"), "no Flux CRD model"),
])
def test_misplaced_fields_and_wrong_types_are_rejected(kind: str, change: Any,
                                                       problem: str) -> None:
    problems = flux_problems(_broken(kind, change))
    assert any(problem in p for p in problems), problems
    with pytest.raises(AssertionError, match="document 0"):
        validate_flux([_broken(kind, change)])
