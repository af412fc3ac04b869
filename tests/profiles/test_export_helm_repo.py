"""Exports of packs from classic Helm repositories; real helm pulls every exported reference."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from chartyard.profiles.export import ExportPack, RegistryInfo, render
from tests.harness.helm import Helm
from tests.harness.helm_repo import publish
from tests.harness.nginx import NginxServer
from tests.profiles.export.argocd_schema import validate_argocd
from tests.profiles.export.flux_schema import validate_flux


def _pack(name: str, version: str, info: RegistryInfo, priority: int = 0) -> ExportPack:
    return ExportPack(name=name, host="", repository=name, oci_tag=version, version=version,
                      digest=None, namespace="apps", priority=priority,
                      values={"greeting": f"hi {name}"}, registry=info)


@pytest.fixture
def repos(tls_helm_repo: NginxServer, plain_helm_repo: NginxServer,
          helm: Helm) -> dict[str, tuple[NginxServer, RegistryInfo]]:
    prefix = f"x{uuid.uuid4().hex[:8]}"
    publish(helm, tls_helm_repo.path(f"{prefix}/i").parent, [("secure", "1.2.3")],
            tls_helm_repo.url + prefix)
    publish(helm, plain_helm_repo.path(f"{prefix}/i").parent, [("open", "0.1.0")], None)
    return {
        "secure": (tls_helm_repo, RegistryInfo(
            "private-charts", custom_ca=True, has_credentials=True,
            repo_url=tls_helm_repo.url + prefix)),
        "open": (plain_helm_repo, RegistryInfo(
            "public-charts", plain_http=True, repo_url=plain_helm_repo.url + prefix)),
    }


def _pull(helm: Helm, server: NginxServer, url: str, chart: str, version: str,
          dest: Path) -> None:
    args = ["pull", chart, "--repo", url, "--version", version, "-d", str(dest)]
    if server.ca_file:
        args += ["--ca-file", server.ca_file]
    if server.username:
        args += ["--username", server.username, "--password", server.password or ""]
    dest.mkdir(parents=True, exist_ok=True)
    helm.run(*args)
    assert (dest / f"{chart}-{version}.tgz").is_file()


def test_exports_use_http_repositories_that_helm_pulls(
        repos: dict[str, tuple[NginxServer, RegistryInfo]], helm: Helm, tmp_path: Path) -> None:
    packs = [_pack("secure", "1.2.3", repos["secure"][1]),
             _pack("open", "0.1.0", repos["open"][1], priority=10)]
    servers = {info.repo_url: server for server, info in repos.values()}
    pulled: list[tuple[str, str, str]] = []

    flux = list(yaml.safe_load_all(render("flux", "web", packs)))
    validate_flux(flux)
    helm_repos = {d["metadata"]["name"]: d for d in flux if d["kind"] == "HelmRepository"}
    assert not [d for d in flux if d["kind"] == "OCIRepository"]
    for doc in helm_repos.values():
        assert doc["apiVersion"] == "source.toolkit.fluxcd.io/v1"
        assert "type" not in doc["spec"]
    secure_repo = next(d for d in helm_repos.values()
                       if d["spec"]["url"] == repos["secure"][1].repo_url)
    assert secure_repo["spec"]["secretRef"] == {"name": "private-charts-auth"}
    assert secure_repo["spec"]["certSecretRef"] == {"name": "private-charts-ca"}
    open_repo = next(d for d in helm_repos.values()
                     if d["spec"]["url"] == repos["open"][1].repo_url)
    assert "secretRef" not in open_repo["spec"] and "certSecretRef" not in open_repo["spec"]
    for release in (d for d in flux if d["kind"] == "HelmRelease"):
        chart = release["spec"]["chart"]["spec"]
        source = helm_repos[chart["sourceRef"]["name"]]
        pulled.append((source["spec"]["url"], chart["chart"], chart["version"]))
    assert [r["spec"].get("dependsOn") for r in flux if r["kind"] == "HelmRelease"][1]

    argo = list(yaml.safe_load_all(render("argocd", "web", packs)))
    validate_argocd(argo)
    for secret in (d for d in argo if d["kind"] == "Secret"):
        assert secret["stringData"]["type"] == "helm"
        assert "enableOCI" not in secret["stringData"]
    for app in (d for d in argo if d["kind"] == "Application"):
        source = app["spec"]["source"]
        assert source["repoURL"].startswith(("https://", "http://"))
        pulled.append((source["repoURL"], source["chart"], source["targetRevision"]))

    [helmfile] = yaml.safe_load_all(render("helmfile", "web", packs))
    by_name = {r["name"]: r for r in helmfile["repositories"]}
    assert all("oci" not in r for r in helmfile["repositories"])
    for release in helmfile["releases"]:
        repo, chart = release["chart"].split("/", 1)
        pulled.append((by_name[repo]["url"], chart, release["version"]))

    assert len(pulled) == 6
    for i, (url, chart, version) in enumerate(pulled):
        _pull(helm, servers[url], url, chart, version, tmp_path / str(i))


def test_oci_packs_are_unchanged() -> None:
    info = RegistryInfo("harbor")
    pack = ExportPack(name="nginx", host="harbor.example.com", repository="team/nginx",
                      oci_tag="1.0.0", version="1.0.0", digest=None, namespace="web",
                      priority=0, values={}, registry=info)
    docs: list[dict[str, Any]] = list(yaml.safe_load_all(render("flux", "p", [pack])))
    assert [d["kind"] for d in docs] == ["OCIRepository", "HelmRelease"]
    validate_flux(docs)
    [helmfile] = yaml.safe_load_all(render("helmfile", "p", [pack]))
    assert helmfile["repositories"][0]["oci"] is True
