"""Export a profile as Argo CD Applications, ordered by sync waves from install priority.

Each distinct OCI chart repository also gets a repository Secret with
`enableOCI`, which Argo CD needs to read Helm charts from OCI registries;
its credentials are placeholders to fill in. A classic Helm repository gets a
plain `type: helm` repository Secret and `repoURL: https://...` with `chart:`.
"""

from __future__ import annotations

from typing import Any

from chartyard.profiles.export.model import ExportPack, k8s_name

NAMESPACE = "argocd"
PLACEHOLDER = "<fill in>"


def documents(profile: str, packs: list[ExportPack]) -> list[dict[str, Any]]:
    """Return repository Secrets, then one Application per pack in install order."""
    docs: list[dict[str, Any]] = []
    seen: set[str] = set()
    for pack in packs:
        if pack.repo_path not in seen:
            seen.add(pack.repo_path)
            docs.append(_repository_secret(profile, pack, len(seen)))
    docs.extend(_application(profile, pack) for pack in packs)
    return docs


def _repository_secret(profile: str, pack: ExportPack, index: int) -> dict[str, Any]:
    reg = pack.registry
    data: dict[str, str] = {"type": "helm", "name": k8s_name(reg.name, str(index)),
                            "url": pack.repo_path}
    if reg.repo_url is None:
        data["enableOCI"] = "true"
    if reg.pass_credentials:
        data["forceHttpBasicAuth"] = "true"
    if reg.plain_http and reg.repo_url is None:
        data["insecureOCIForceHttp"] = "true"
    if reg.insecure_skip_verify:
        data["insecure"] = "true"
    if reg.has_credentials or reg.token_username:
        data["username"] = reg.token_username or PLACEHOLDER
        data["password"] = PLACEHOLDER
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": k8s_name(profile, "repo", str(index)), "namespace": NAMESPACE,
                     "labels": {"argocd.argoproj.io/secret-type": "repository"}},
        "stringData": data,
    }


def _application(profile: str, pack: ExportPack) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": k8s_name(profile, pack.name),
            "namespace": NAMESPACE,
            "labels": {"app.kubernetes.io/part-of": k8s_name(profile)},
            "annotations": {"argocd.argoproj.io/sync-wave": str(pack.priority)},
        },
        "spec": {
            "project": "default",
            "source": {
                "repoURL": pack.repo_path,
                "chart": pack.chart,
                "targetRevision": pack.version,
                "helm": {"releaseName": pack.release, "valuesObject": pack.values},
            },
            "destination": {"server": "https://kubernetes.default.svc",
                            "namespace": pack.namespace},
            "syncPolicy": {"automated": {"prune": True, "selfHeal": True},
                           "syncOptions": ["CreateNamespace=true"]},
        },
    }
