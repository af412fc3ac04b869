"""Export a profile as Flux objects: per pack an OCIRepository and a HelmRelease."""

from __future__ import annotations

from typing import Any

from chartyard.helm import HELM_CHART_LAYER_MEDIA_TYPE
from chartyard.profiles.export.model import ExportPack, k8s_name

NAMESPACE = "flux-system"
INTERVAL = "10m"


def documents(profile: str, packs: list[ExportPack]) -> list[dict[str, Any]]:
    """Return the OCIRepository and HelmRelease of every pack, in install order."""
    docs: list[dict[str, Any]] = []
    for pack in packs:
        docs.append(_repository(profile, pack))
        docs.append(_release(profile, pack))
    return docs


def _object_name(profile: str, pack: str) -> str:
    return k8s_name(profile, pack)


def _repository(profile: str, pack: ExportPack) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "interval": INTERVAL,
        "url": pack.oci_url,
        "ref": {"tag": pack.oci_tag},
        "layerSelector": {"mediaType": HELM_CHART_LAYER_MEDIA_TYPE, "operation": "copy"},
    }
    reg = pack.registry
    if reg.ecr:
        spec["provider"] = "aws"
    elif reg.has_credentials:
        # Placeholder: create this docker-registry Secret with the registry's credentials.
        spec["secretRef"] = {"name": k8s_name(reg.name, "auth")}
    if reg.plain_http:
        spec["insecure"] = True
    if reg.custom_ca:
        # Placeholder: a Secret holding the registry's CA bundle as `ca.crt`.
        spec["certSecretRef"] = {"name": k8s_name(reg.name, "ca")}
    return {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "OCIRepository",
        "metadata": {"name": _object_name(profile, pack.name), "namespace": NAMESPACE,
                     "labels": _labels(profile),
                     **({"annotations": {"chartyard.io/digest": pack.digest}}
                        if pack.digest else {})},
        "spec": spec,
    }


def _release(profile: str, pack: ExportPack) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "interval": INTERVAL,
        "releaseName": pack.name,
        "chartRef": {"kind": "OCIRepository", "name": _object_name(profile, pack.name),
                     "namespace": NAMESPACE},
        "targetNamespace": pack.namespace,
        "install": {"createNamespace": True},
        "values": pack.values,
    }
    if pack.depends_on:
        spec["dependsOn"] = [{"name": _object_name(profile, name), "namespace": NAMESPACE}
                             for name in pack.depends_on]
    return {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": _object_name(profile, pack.name), "namespace": NAMESPACE,
                     "labels": _labels(profile)},
        "spec": spec,
    }


def _labels(profile: str) -> dict[str, str]:
    return {"app.kubernetes.io/part-of": k8s_name(profile), "app.kubernetes.io/managed-by":
            "chartyard"}
