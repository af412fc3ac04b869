"""Check exported Flux documents against pydantic models generated from Flux's own CRDs.

The models come from ``cloudcoil-models-fluxcd`` 2.5.1.0 (Flux 2.5.1's CRDs, the newest
release on PyPI). They ignore unknown fields, so every document is validated in strict
mode and then dumped back (``exclude_unset``, by alias): a field the CRD does not have,
or has elsewhere, is dropped by the model and shows up as a difference.

Flux 2.5 has no ``source.toolkit.fluxcd.io/v1`` OCIRepository (it went GA in Flux 2.6,
source-controller v1.6.0). There, v1's spec schema is identical to v1beta2's, and the
newest v1 schema (source-controller v1.9.1) only adds the optional
``spec.verify.trustedRootSecretRef``; so a v1 OCIRepository is checked against the
v1beta2 model, with its apiVersion restored afterwards. Nothing else is aliased.

The models leave out the CRDs' CEL rules (x-kubernetes-validations); the one that bears on
what chartyard writes, HelmRelease's "either chart or chartRef must be set", is checked here.
"""

from __future__ import annotations

from typing import Any

from cloudcoil.models.fluxcd.helm import v2 as helm_v2
from cloudcoil.models.fluxcd.source import v1 as source_v1
from cloudcoil.models.fluxcd.source import v1beta2 as source_v1beta2
from cloudcoil.resources import Resource
from pydantic import ValidationError

# (apiVersion, kind) chartyard writes -> (model, the apiVersion the model is generated for).
MODELS: dict[tuple[str, str], tuple[type[Resource], str]] = {
    ("source.toolkit.fluxcd.io/v1", "HelmRepository"):
        (source_v1.HelmRepository, "source.toolkit.fluxcd.io/v1"),
    ("source.toolkit.fluxcd.io/v1", "OCIRepository"):
        (source_v1beta2.OCIRepository, "source.toolkit.fluxcd.io/v1beta2"),
    ("helm.toolkit.fluxcd.io/v2", "HelmRelease"):
        (helm_v2.HelmRelease, "helm.toolkit.fluxcd.io/v2"),
}


def flux_problems(doc: Any) -> list[str]:
    """Return what is wrong with one Flux document (empty when Flux's CRD accepts it)."""
    if not isinstance(doc, dict):
        return [f"not an object: {doc!r}"]
    key = (doc.get("apiVersion"), doc.get("kind"))
    if key not in MODELS:
        return [f"no Flux CRD model for apiVersion={key[0]!r} kind={key[1]!r}"]
    model, model_version = MODELS[key]
    try:
        parsed = model.model_validate({**doc, "apiVersion": model_version}, strict=True)
    except ValidationError as e:
        return [f"{doc['kind']}: {err['loc']}: {err['msg']}" for err in e.errors()]
    dumped = parsed.model_dump(mode="json", by_alias=True, exclude_unset=True)
    dumped["apiVersion"] = doc["apiVersion"]
    problems = _differences(doc, dumped, "")
    spec = doc.get("spec") or {}
    if doc["kind"] == "HelmRelease" and ("chart" in spec) == ("chartRef" in spec):
        problems.append("spec: either chart or chartRef must be set")
    return [f"{doc['kind']}: {p}" for p in problems]


def validate_flux(docs: list[Any]) -> None:
    """Fail unless every document of a Flux export is a Flux object its CRD accepts."""
    assert docs, "no documents"
    problems = [f"document {i}: {p}" for i, doc in enumerate(docs) for p in flux_problems(doc)]
    assert not problems, "\n".join(problems)


def _differences(doc: Any, dumped: Any, path: str) -> list[str]:
    if isinstance(doc, dict) and isinstance(dumped, dict):
        out = []
        for key in doc:
            where = f"{path}.{key}" if path else str(key)
            if key not in dumped:
                out.append(f"{where}: not a field of the CRD here")
            else:
                out += _differences(doc[key], dumped[key], where)
        out += [f"{path}.{key}: added by the model" for key in dumped if key not in doc]
        return out
    if isinstance(doc, list) and isinstance(dumped, list) and len(doc) == len(dumped):
        return [p for i, (a, b) in enumerate(zip(doc, dumped, strict=True))
                for p in _differences(a, b, f"{path}[{i}]")]
    if doc != dumped or type(doc) is not type(dumped):
        return [f"{path}: {doc!r} comes back as {dumped!r}"]
    return []
