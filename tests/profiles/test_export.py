"""Export to Flux, Argo CD and helmfile; real helm pulls and renders every exported pack."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from chartyard.helm import tag_to_version
from tests.harness.app import Api
from tests.harness.helm import Helm
from tests.harness.registry import RegistryServer
from tests.profiles.conftest import (
    Synced,
    create_profile,
    create_registry,
    pack,
    profile,
    push,
    sqlite_only,
)
from tests.profiles.export.argocd_schema import validate_argocd
from tests.profiles.export.flux_schema import validate_flux

HELM_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"


def _values(namespace: str, priority: int | None, greeting: str, extra: str = "") -> str:
    head = f"pack:\n  namespace: {namespace}\n"
    if priority is not None:
        head += f"  spectrocloud.com/install-priority: {priority}\n"
    return f"{head}greeting: {greeting}\n{extra}"


@dataclass
class Exported:
    """A profile spread over three registries, and how helm reaches each registry."""

    uid: str
    helm_options: dict[str, dict[str, Any]]  # by host:port
    greetings: dict[str, str]  # by release name

    def options(self, oci_ref: str) -> dict[str, Any]:
        host = oci_ref.removeprefix("oci://").split("/", 1)[0]
        return self.helm_options[host]


@pytest.fixture
def exported(api: Api, synced: Synced, ghcr_like_registry: RegistryServer,
             tls_registry: RegistryServer, unique_repo_prefix: str) -> Exported:
    p = unique_repo_prefix
    push(ghcr_like_registry, f"{p}/charts/flux-operator", "0.9.0")
    push(tls_registry, f"{p}/secure/vault", "0.28.0")
    ghcr = create_registry(api, f"{ghcr_like_registry.url}/{p}/charts", name="ghcr", sync=False)
    secure = create_registry(api, tls_registry.url, name="secure", sync=False,
                             username=tls_registry.username, password=tls_registry.password,
                             ca=tls_registry.ca_pem or "")
    greetings = {"nginx": "hello-nginx", "redis": "hello-redis",
                 "flux-operator": "hello-flux", "vault": "hello-vault"}
    body = profile("platform", [
        pack("nginx", "1.1.0", synced.uid,
             _values("web", 10, greetings["nginx"], "replicaCount: 3\n")),
        pack("redis", "7.0.0+build.1", synced.uid, _values("cache", 5, greetings["redis"])),
        pack("flux-operator", "0.9.0", ghcr, _values("flux", None, greetings["flux-operator"])),
        pack(f"{p}/secure/vault", "0.28.0", secure, _values("vault", 5, greetings["vault"])),
    ])
    uid = create_profile(api, body)
    options = {
        synced.registry.host_port: {"plain_http": True},
        ghcr_like_registry.host_port: {"plain_http": True},
        tls_registry.host_port: {"ca_file": tls_registry.ca_file,
                                 "username": tls_registry.username,
                                 "password": tls_registry.password},
    }
    return Exported(uid, options, greetings)


def _export(api: Api, uid: str, fmt: str) -> list[dict[str, Any]]:
    r = api.get(f"/v1/clusterprofiles/{uid}/export", params={"format": fmt})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/yaml")
    return [d for d in yaml.safe_load_all(r.text) if d]


def _pull_and_render(helm: Helm, exported: Exported, tmp: Path, release: str, oci_ref: str,
                     version: str, values: dict[str, Any]) -> None:
    """Pull the exact reference and version with helm, render it with the exported values."""
    assert "pack" not in values
    options = exported.options(oci_ref)
    tgz = helm.pull(oci_ref, version, tmp / release, **options)
    values_file = tmp / f"{release}-values.yaml"
    values_file.write_text(yaml.safe_dump(values))
    rendered = helm.template(tgz, values_file=values_file, release=release)
    [configmap] = [d for d in yaml.safe_load_all(rendered) if d and d["kind"] == "ConfigMap"]
    assert configmap["data"]["greeting"] == exported.greetings[release]
    if release == "nginx":
        assert configmap["data"]["replicaCount"] == "3"


@sqlite_only
def test_flux_export(api: Api, exported: Exported, helm: Helm, tmp_path: Path) -> None:
    docs = _export(api, exported.uid, "flux")
    validate_flux(docs)
    repos = {d["metadata"]["name"]: d for d in docs if d["kind"] == "OCIRepository"}
    releases = [d for d in docs if d["kind"] == "HelmRelease"]
    assert {d["apiVersion"] for d in repos.values()} == {"source.toolkit.fluxcd.io/v1"}
    assert {d["apiVersion"] for d in releases} == {"helm.toolkit.fluxcd.io/v2"}
    # Install order: flux-operator (0), then redis and vault (5, layer order), then nginx (10).
    assert [r["spec"]["releaseName"] for r in releases] == ["flux-operator", "redis", "vault",
                                                            "nginx"]
    by_release = {r["spec"]["releaseName"]: r for r in releases}
    deps = {name: [d["name"] for d in r["spec"].get("dependsOn", [])]
            for name, r in by_release.items()}
    assert deps == {"flux-operator": [], "redis": ["platform-flux-operator"],
                    "vault": ["platform-flux-operator"],
                    "nginx": ["platform-redis", "platform-vault"]}

    for name, release in by_release.items():
        spec = release["spec"]
        assert spec["chartRef"]["kind"] == "OCIRepository"
        repo = repos[spec["chartRef"]["name"]]["spec"]
        assert repo["url"].startswith("oci://") and repo["url"].endswith(f"/{name}")
        assert repo["layerSelector"] == {"mediaType": HELM_LAYER, "operation": "copy"}
        assert spec["install"] == {"createNamespace": True}
        assert spec["targetNamespace"] == {"nginx": "web", "redis": "cache",
                                           "flux-operator": "flux", "vault": "vault"}[name]
        _pull_and_render(helm, exported, tmp_path, name, repo["url"],
                         tag_to_version(repo["ref"]["tag"]), spec["values"])
        secure = name == "vault"
        assert repo.get("insecure", False) is not secure  # plain HTTP everywhere but vault
        assert ("secretRef" in repo, "certSecretRef" in repo) == (secure, secure)
        assert "provider" not in repo
    assert repos["platform-redis"]["spec"]["ref"] == {"tag": "7.0.0_build.1"}


@sqlite_only
def test_argocd_export(api: Api, exported: Exported, helm: Helm, tmp_path: Path) -> None:
    docs = _export(api, exported.uid, "argocd")
    validate_argocd(docs)
    apps = [d for d in docs if d["kind"] == "Application"]
    secrets = [d for d in docs if d["kind"] == "Secret"]
    assert {a["apiVersion"] for a in apps} == {"argoproj.io/v1alpha1"}
    waves = {a["spec"]["source"]["chart"]: a["metadata"]["annotations"][
        "argocd.argoproj.io/sync-wave"] for a in apps}
    assert waves == {"flux-operator": "0", "redis": "5", "vault": "5", "nginx": "10"}
    for app in apps:
        source = app["spec"]["source"]
        assert "://" not in source["repoURL"]
        assert app["spec"]["syncPolicy"]["syncOptions"] == ["CreateNamespace=true"]
        name = source["helm"]["releaseName"]
        assert app["spec"]["destination"]["namespace"] == {
            "nginx": "web", "redis": "cache", "flux-operator": "flux", "vault": "vault"}[name]
        _pull_and_render(helm, exported, tmp_path, name,
                         f"oci://{source['repoURL']}/{source['chart']}",
                         source["targetRevision"], source["helm"]["valuesObject"])
    redis = next(a for a in apps if a["spec"]["source"]["chart"] == "redis")
    assert redis["spec"]["source"]["targetRevision"] == "7.0.0+build.1"
    assert all(s["stringData"]["enableOCI"] == "true" for s in secrets)
    assert {s["stringData"]["url"] for s in secrets} == {
        a["spec"]["source"]["repoURL"] for a in apps}


@sqlite_only
def test_helmfile_export(api: Api, exported: Exported, helm: Helm, tmp_path: Path) -> None:
    [doc] = _export(api, exported.uid, "helmfile")
    repos = {r["name"]: r for r in doc["repositories"]}
    assert all(r["oci"] is True for r in repos.values())
    releases = doc["releases"]
    assert [r["name"] for r in releases] == ["flux-operator", "redis", "vault", "nginx"]
    needs = {r["name"]: r.get("needs", []) for r in releases}
    assert needs == {"flux-operator": [], "redis": ["flux/flux-operator"],
                     "vault": ["flux/flux-operator"], "nginx": ["cache/redis", "vault/vault"]}
    for release in releases:
        repo_name, chart = release["chart"].split("/", 1)
        assert release["createNamespace"] is True
        [values] = release["values"]
        _pull_and_render(helm, exported, tmp_path, release["name"],
                         f"oci://{repos[repo_name]['url']}/{chart}", release["version"], values)


@sqlite_only
def test_export_rejects_an_unknown_format(api: Api) -> None:
    uid = create_profile(api, profile("empty", []))
    r = api.get(f"/v1/clusterprofiles/{uid}/export", params={"format": "kustomize"})
    assert r.status_code == 422
    assert r.json()["details"]["field"] == "format"
    assert "flux" in r.json()["message"]
    # Without a format, Palette's default applies: the JSON profile file.
    assert api.get(f"/v1/clusterprofiles/{uid}/export").status_code == 200
