"""Names Palette accepts ("Harbor Prod", "harbor_prod") become valid Kubernetes names in every
export: checked against Kubernetes' own schemas (kubernetes-validate) and its DNS-1123 rules."""

from __future__ import annotations

import re
from typing import Any

import kubernetes_validate
import pytest

from chartyard.errors import InvalidInput
from chartyard.names import check_name, k8s_name, name_key, name_problem
from chartyard.profiles.export import FORMATS
from chartyard.profiles.export.model import ExportPack, RegistryInfo, with_dependencies
from tests.profiles.export.argocd_schema import validate_argocd
from tests.profiles.export.flux_schema import validate_flux

K8S_VERSION = kubernetes_validate.latest_version()  # newest schemas this release ships
# Kubernetes' IsDNS1123Label / IsDNS1123Subdomain and label values (apimachinery validation).
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")

PALETTE_NAMES = ["Harbor Prod", "harbor_prod", "Harbor-x", "Bitnami charts", "ProdAddOns_x",
                 "harbor-prod", "Pack Registry", "Équipe données", "x" * 255, "1", "-lead"]


def _packs(registry: str) -> list[ExportPack]:
    regs = [RegistryInfo(name=registry, has_credentials=True, custom_ca=True),
            RegistryInfo(name=registry, cloud_provider="aws", token_username="AWS")]
    return with_dependencies([
        ExportPack(name=name, host="harbor.example.com", repository=f"team/{name}",
                   oci_tag="1.0.0", version="1.0.0", digest=None, namespace="apps",
                   priority=i, values={}, registry=regs[i % 2])
        for i, name in enumerate(("web", "api"))])


def _references(doc: dict[str, Any]) -> list[str]:
    """Return every object name a document defines or refers to."""
    spec = doc.get("spec") or {}
    names = [doc["metadata"]["name"]] if "metadata" in doc else []
    for key in ("secretRef", "certSecretRef", "sourceRef"):
        if isinstance(spec.get(key), dict):
            names.append(spec[key]["name"])
    chart = (spec.get("chart") or {}).get("spec") or {}
    if "sourceRef" in chart:
        names.append(chart["sourceRef"]["name"])
    if "chartRef" in spec:
        names.append(spec["chartRef"]["name"])
    names += [d["name"] for d in spec.get("dependsOn") or []]
    return names


def _as_configmap(doc: dict[str, Any]) -> dict[str, Any]:
    """Return a ConfigMap with the document's metadata: Kubernetes' ObjectMeta schema checks it."""
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": doc["metadata"]}


@pytest.mark.parametrize("profile", PALETTE_NAMES)
@pytest.mark.parametrize("fmt", ["flux", "argocd"])
def test_gitops_objects_have_valid_kubernetes_names(fmt: str, profile: str) -> None:
    documents = FORMATS[fmt].documents
    assert documents is not None
    docs = documents(profile, _packs(profile))
    defined = [d["metadata"]["name"] for d in docs]
    assert len(set(zip(defined, (d["kind"] for d in docs), strict=True))) == len(docs)
    if fmt == "flux":
        validate_flux(docs)  # the custom resources against Flux's CRDs
    else:
        validate_argocd(docs)  # the Applications against Argo CD's CRD
    for doc in docs:
        for name in _references(doc):
            assert DNS_LABEL.match(name) and len(name) <= 63, (doc["kind"], name)
        for value in (doc["metadata"].get("labels") or {}).values():
            assert LABEL_VALUE.match(value) and len(value) <= 63, value
        # Core kinds against their own schema; custom resources' metadata against ObjectMeta.
        target = doc if doc["kind"] == "Secret" else _as_configmap(doc)
        kubernetes_validate.validate(target, K8S_VERSION, strict=True)


# Helm's release names (chartutil.ValidateReleaseName): at most 53 characters.
RELEASE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LONG_CHART = "a-chart-name-within-helms-250-characters-but-past-53-for-a-release"


@pytest.mark.parametrize("chart", [LONG_CHART, "My_Chart", "c" * 250])
def test_release_names_helm_and_flux_accept(chart: str) -> None:
    packs = with_dependencies([
        ExportPack(name=name, host="harbor.example.com", repository=f"team/{name}",
                   oci_tag="1.0.0", version="1.0.0", digest=None, namespace="apps",
                   priority=i, values={}, registry=RegistryInfo(name="harbor"))
        for i, name in enumerate((chart, "web"))])
    flux = FORMATS["flux"].documents
    argocd = FORMATS["argocd"].documents
    helmfile = FORMATS["helmfile"].documents
    assert flux is not None and argocd is not None and helmfile is not None
    docs = flux("p", packs)
    validate_flux(docs)  # spec.releaseName is at most 53 characters in the HelmRelease CRD
    [helmfile_doc] = helmfile("p", packs)
    names = [d["spec"]["releaseName"] for d in docs if d["kind"] == "HelmRelease"]
    names += [d["spec"]["source"]["helm"]["releaseName"] for d in argocd("p", packs)
              if d["kind"] == "Application"]
    names += [r["name"] for r in helmfile_doc["releases"]]
    for name in names:
        assert RELEASE_NAME.match(name) and len(name) <= 53, name
    assert names[1::2] == ["web"] * 3 and len(set(names[0::2])) == 1
    assert helmfile_doc["releases"][1]["needs"] == [f"apps/{names[0]}"]


@pytest.mark.parametrize("profile", PALETTE_NAMES)
def test_helmfile_names_are_valid(profile: str) -> None:
    documents = FORMATS["helmfile"].documents
    assert documents is not None
    [doc] = documents(profile, _packs(profile))
    for repo in doc["repositories"]:
        assert DNS_LABEL.match(repo["name"]), repo
    for release in doc["releases"]:
        assert LABEL_VALUE.match(release["labels"]["profile"]), release


def test_derived_names_do_not_collide() -> None:
    names = [*PALETTE_NAMES, "HARBOR PROD", "harbor prod", "harbor--prod", "harbor.prod"]
    derived = {k8s_name(n) for n in names}
    assert len(derived) == len(names)
    # Deterministic: the same name always gives the same object name.
    assert k8s_name("Harbor Prod") == k8s_name("Harbor Prod")
    # A name that already is a label is used as it is; others get slug + hash.
    assert k8s_name("harbor-prod") == "harbor-prod"
    assert re.fullmatch(r"harbor-prod-[0-9a-f]{8}", k8s_name("Harbor Prod"))
    assert re.fullmatch(r"equipe-donnees-[0-9a-f]{8}", k8s_name("Équipe données"))
    assert len(k8s_name("x" * 255)) == 63 and DNS_SUBDOMAIN.match(k8s_name("x" * 255))
    assert re.fullmatch(r"x[0-9a-f]{8}", k8s_name("日本"))  # nothing ASCII left


def test_name_rule() -> None:
    for name in PALETTE_NAMES:
        assert check_name(name) == name
    assert name_key("Harbor Prod") == name_key("harbor prod")
    cases = {"": "empty", "   ": "blank", "x" * 256: "256 characters",
             "a\nb": "U+000A", "tab\there": "U+0009", "nul\x00": "U+0000",
             "bidi\u202e": "U+202E"}
    for name, why in cases.items():
        problem = name_problem(name)
        assert problem is not None and why in problem, (name, problem)
        with pytest.raises(InvalidInput, match=r"metadata\.name"):
            check_name(name)
