"""Profiles with packs of type helm from classic Helm repositories, end to end.

nginx serves the repositories (one TLS + basic auth, synchronized; one plain HTTP with
synchronization off); real helm packages, indexes and finally pulls every exported chart
with the exported repository URL and credentials.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import yaml

from tests.api.test_registries_helm import helm_body, secure_auth
from tests.harness.app import Api
from tests.harness.helm import Helm
from tests.harness.helm_repo import package, publish, repo_index
from tests.harness.nginx import NginxServer
from tests.profiles.conftest import create_profile, profile, sqlite_only
from tests.profiles.export.argocd_schema import validate_argocd
from tests.profiles.export.flux_schema import validate_flux
from tests.sync.conftest import sync_now


def helm_pack(name: str, tag: str, registry_uid: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "tag": tag, "registryUid": registry_uid,
            "values": f"pack:\n  namespace: apps\ngreeting: hi {name}\n", **extra}


def create(api: Api, body: dict[str, Any]) -> str:
    r = api.post("/v1/registries/helm", body)
    assert r.status_code == 201, r.text
    return str(r.json()["uid"])


def pull(helm: Helm, url: str, chart: str, version: str, dest: Path,
         server: NginxServer) -> None:
    args = ["pull", chart, "--repo", url, "--version", version, "-d", str(dest)]
    if server.ca_file:
        args += ["--ca-file", server.ca_file]
    if server.username:
        args += ["--username", server.username, "--password", server.password or ""]
    dest.mkdir(parents=True, exist_ok=True)
    helm.run(*args)
    assert (dest / f"{chart}-{version}.tgz").is_file()


@sqlite_only
def test_helm_packs_public_private_drift_and_export(
        api: Api, tls_helm_repo: NginxServer, plain_helm_repo: NginxServer, helm: Helm,
        tmp_path: Path) -> None:
    prefix = f"p{uuid.uuid4().hex[:10]}"
    secure_dir = tls_helm_repo.path(f"{prefix}/i").parent
    publish(helm, secure_dir, [("podinfo", "6.5.0"), ("podinfo", "6.6.0")],
            tls_helm_repo.url + prefix)
    plain_dir = plain_helm_repo.path(f"{prefix}/i").parent
    publish(helm, plain_dir, [("app", "1.0.0")], None)
    secure = create(api, helm_body("secure", tls_helm_repo.url + prefix,
                                   auth=secure_auth(tls_helm_repo)))
    assert sync_now(api.ctx, secure).status == "Completed"
    plain = create(api, helm_body("plain", plain_helm_repo.url + prefix,
                                  createOption={"skipSync": True}))

    # Wrong type, unknown version: clear errors naming the field.
    r = api.post("/v1/clusterprofiles", profile("bad", [
        helm_pack("podinfo", "6.6.0", secure, type="oci")]))
    assert r.status_code == 422 and r.json()["details"]["field"].endswith(".type")
    r = api.post("/v1/clusterprofiles", profile("bad", [helm_pack("app", "9.9.9", plain)]))
    assert r.status_code == 422 and r.json()["code"] == "PackNotFound"
    assert "1.0.0" in r.json()["message"]

    uid = create_profile(api, profile("web", [
        helm_pack("podinfo", "6.6.0", secure, type="helm"),
        helm_pack("app", "1.0.0", plain)]))
    got = api.get(f"/v1/clusterprofiles/{uid}").json()
    packs = got["spec"]["template"]["packs"]
    assert [(p["name"], p["type"], p["source"]) for p in packs] == [
        ("podinfo", "helm", "public"), ("app", "helm", "private")]
    assert all(p["digest"].startswith("sha256:") for p in packs)
    assert not any(p.get("isInvalid") for p in packs)

    servers = {tls_helm_repo.url + prefix: tls_helm_repo,
               plain_helm_repo.url + prefix: plain_helm_repo}
    refs: list[tuple[str, str, str]] = []
    flux = list(yaml.safe_load_all(api.get(f"/v1/clusterprofiles/{uid}/export",
                                           params={"format": "flux"}).text))
    validate_flux(flux)
    repos = {d["metadata"]["name"]: d["spec"] for d in flux if d["kind"] == "HelmRepository"}
    assert {s["url"] for s in repos.values()} == set(servers)
    secure_spec = next(s for s in repos.values() if s["url"] == tls_helm_repo.url + prefix)
    assert "secretRef" in secure_spec and "certSecretRef" in secure_spec
    assert all("type" not in s for s in repos.values())
    for rel in (d for d in flux if d["kind"] == "HelmRelease"):
        chart = rel["spec"]["chart"]["spec"]
        refs.append((repos[chart["sourceRef"]["name"]]["url"], chart["chart"], chart["version"]))
    argo = list(yaml.safe_load_all(api.get(f"/v1/clusterprofiles/{uid}/export",
                                           params={"format": "argocd"}).text))
    validate_argocd(argo)
    for app in (d for d in argo if d["kind"] == "Application"):
        src = app["spec"]["source"]
        refs.append((src["repoURL"], src["chart"], src["targetRevision"]))
    [helmfile] = yaml.safe_load_all(api.get(f"/v1/clusterprofiles/{uid}/export",
                                            params={"format": "helmfile"}).text)
    named = {r["name"]: r for r in helmfile["repositories"]}
    assert all("oci" not in r for r in named.values())
    for release in helmfile["releases"]:
        repo, chart = release["chart"].split("/", 1)
        refs.append((named[repo]["url"], chart, release["version"]))
    assert len(refs) == 6
    for i, (url, chart, version) in enumerate(refs):
        pull(helm, url, chart, version, tmp_path / str(i), servers[url])

    # Re-packaging a version under the same number is drift the GET reports.
    package(helm, "app", "1.0.0", plain_dir, description="changed content")
    repo_index(helm, plain_dir)
    packs = api.get(f"/v1/clusterprofiles/{uid}").json()["spec"]["template"]["packs"]
    app = next(p for p in packs if p["name"] == "app")
    assert app["isInvalid"] and "now has digest" in app["invalidReason"]

