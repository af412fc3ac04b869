"""Export a profile as a helmfile.yaml: repositories and releases ordered by `needs`.

OCI registries are written with `oci: true`, classic Helm repositories as plain URLs.
Credentials are not written; run `helm registry login` (OCI) or set the repository's
`username`/`password` (classic) for private registries.
"""

from __future__ import annotations

from typing import Any

from chartyard.profiles.export.model import ExportPack, k8s_name


def documents(profile: str, packs: list[ExportPack]) -> list[dict[str, Any]]:
    """Return the single helmfile document."""
    repos: dict[str, dict[str, Any]] = {}
    for pack in packs:
        if pack.repo_path not in repos:
            entry: dict[str, Any] = {"name": k8s_name(pack.registry.name, str(len(repos) + 1)),
                                     "url": pack.repo_path}
            if pack.registry.repo_url is None:
                entry["oci"] = True
            elif pack.registry.pass_credentials:
                entry["passCredentials"] = True
            if pack.registry.plain_http and pack.registry.repo_url is None:
                entry["plainHttp"] = True
            if pack.registry.insecure_skip_verify:
                entry["skipTLSVerify"] = True
            repos[pack.repo_path] = entry
    by_name = {p.name: p for p in packs}
    releases = []
    for pack in packs:
        release: dict[str, Any] = {
            "name": pack.release,
            "namespace": pack.namespace,
            "createNamespace": True,
            "chart": f"{repos[pack.repo_path]['name']}/{pack.chart}",
            "version": pack.version,
            "labels": {"profile": k8s_name(profile)},
            "values": [pack.values],
        }
        if pack.depends_on:
            release["needs"] = [f"{by_name[n].namespace}/{by_name[n].release}"
                                for n in pack.depends_on]
        releases.append(release)
    return [{"repositories": list(repos.values()), "releases": releases}]
