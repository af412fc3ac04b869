"""Export a profile as Flux objects: per pack an OCIRepository and a HelmRelease.

Packs from a classic Helm repository get a HelmRepository (HTTP, not ``type: oci``) per
repository instead, and their HelmRelease names the chart and version in it.
"""

from __future__ import annotations

from typing import Any

from chartyard.helm import HELM_CHART_LAYER_MEDIA_TYPE
from chartyard.profiles.export.model import ExportPack, k8s_name

NAMESPACE = "flux-system"
INTERVAL = "10m"


def documents(profile: str, packs: list[ExportPack]) -> list[dict[str, Any]]:
    """Return the OCIRepository and HelmRelease of every pack, in install order."""
    docs: list[dict[str, Any]] = []
    http_repos: set[str] = set()
    for pack in packs:
        if pack.registry.repo_url is None:
            docs.append(_repository(profile, pack))
        elif pack.registry.name not in http_repos:
            http_repos.add(pack.registry.name)
            docs.append(_helm_repository(profile, pack))
        docs.append(_release(profile, pack))
    return docs


def _helm_repository_name(profile: str, pack: ExportPack) -> str:
    return k8s_name(profile, "repo", pack.registry.name)


def _helm_repository(profile: str, pack: ExportPack) -> dict[str, Any]:
    reg = pack.registry
    spec: dict[str, Any] = {"interval": INTERVAL, "url": reg.repo_url}
    if reg.has_credentials:
        # Placeholder: a Secret with `username` and `password` keys.
        spec["secretRef"] = {"name": k8s_name(reg.name, "auth")}
        if reg.pass_credentials:
            spec["passCredentials"] = True
    if reg.custom_ca:
        # Placeholder: a Secret holding the repository's CA bundle as `ca.crt`.
        spec["certSecretRef"] = {"name": k8s_name(reg.name, "ca")}
    if reg.insecure_skip_verify:
        spec["insecure"] = True
    return {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "HelmRepository",
        "metadata": {"name": _helm_repository_name(profile, pack), "namespace": NAMESPACE,
                     "labels": _labels(profile)},
        "spec": spec,
    }


def _object_name(profile: str, pack: str) -> str:
    return k8s_name(profile, pack)


def _repository(profile: str, pack: ExportPack) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "interval": INTERVAL,
        "url": pack.oci_url,
        # A published version is pinned by its recorded manifest digest; a draft follows its tag.
        "ref": {"digest": pack.pin_digest} if pack.pin_digest else {"tag": pack.oci_tag},
        "layerSelector": {"mediaType": HELM_CHART_LAYER_MEDIA_TYPE, "operation": "copy"},
    }
    reg = pack.registry
    if reg.cloud_provider:
        spec["provider"] = reg.cloud_provider
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
        "releaseName": pack.release,
        **_chart_source(profile, pack),
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


def _chart_source(profile: str, pack: ExportPack) -> dict[str, Any]:
    if pack.registry.repo_url is None:
        return {"chartRef": {"kind": "OCIRepository", "name": _object_name(profile, pack.name),
                             "namespace": NAMESPACE}}
    return {"chart": {"spec": {"chart": pack.chart, "version": pack.version,
                               "sourceRef": {"kind": "HelmRepository",
                                             "name": _helm_repository_name(profile, pack),
                                             "namespace": NAMESPACE}}}}


def _labels(profile: str) -> dict[str, str]:
    return {"app.kubernetes.io/part-of": k8s_name(profile), "app.kubernetes.io/managed-by":
            "chartyard"}
