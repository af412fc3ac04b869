"""`chartyard registry add helm` and the Python client against a live server and nginx."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from chartyard.client import ChartyardClient, helm_registry_body
from tests.cli.conftest import Cli
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.helm import Helm
from tests.harness.helm_repo import publish
from tests.harness.nginx import NginxServer


def _row(rows: Any, name: str) -> dict[str, Any]:
    found = [r for r in rows if r["metadata"]["name"] == name]
    assert len(found) == 1, rows
    return dict(found[0])


def test_add_sync_list_show_delete(cli: Cli, tls_helm_repo: NginxServer, helm: Helm,
                                   tmp_path: Path) -> None:
    prefix = f"c{uuid.uuid4().hex[:10]}"
    publish(helm, tls_helm_repo.path(f"{prefix}/i").parent,
            [("podinfo", "6.6.0"), ("redis", "18.1.0")], tls_helm_repo.url + prefix)
    ca = tmp_path / "ca.pem"
    ca.write_text(tls_helm_repo.ca_pem or "")
    name = f"repo-{prefix}"
    added = cli("registry", "add", "helm", "--name", name,
                "--endpoint", tls_helm_repo.url + prefix, "--username",
                tls_helm_repo.username or "", "--password-stdin", "--ca-file", str(ca),
                input=tls_helm_repo.password)
    assert added.code == 0, added
    assert f"Registry '{name}' created" in added.out
    assert (tls_helm_repo.password or "x") not in added.out + added.err

    synced = cli("registry", "sync", name, "--wait")
    assert synced.code == 0, synced
    row = _row(cli("registry", "list", "-o", "json").json(), name)
    assert row["spec"]["kind"] == "helm" and row["spec"]["chartCount"] == 2
    shown = cli("registry", "show", name, "-o", "json").json()
    assert shown["status"]["helmSyncStatus"]["status"] == "Completed"  # type: ignore[index]
    assert shown["spec"]["auth"]["passwordSet"] is True  # type: ignore[index]
    assert cli("registry", "validate", name).code == 0
    hits = cli("charts", "search", "podinfo", "-o", "json").json()
    assert any(h["registryName"] == name for h in hits)  # type: ignore[union-attr]
    assert cli("registry", "delete", name).code == 0


def test_usage_and_help(cli: Cli) -> None:
    usage = cli("registry", "add", "helm", "--help")
    assert usage.code == 0 and "--pass-credentials" in usage.out
    assert "--base-path" not in usage.out
    wrong = cli("registry", "add", "helm", "--name", "x", "--endpoint", "https://a.example",
                "--password-stdin", input="p")
    assert wrong.code == 2 and "--password-stdin needs --username" in wrong.err


def test_python_client(cy_server: ChartyardServer, api_key: str, plain_helm_repo: NginxServer,
                       helm: Helm) -> None:
    prefix = f"c{uuid.uuid4().hex[:10]}"
    publish(helm, plain_helm_repo.path(f"{prefix}/i").parent, [("app", "1.0.0")], None)
    with ChartyardClient(cy_server.url, api_key=api_key) as client:
        created = client.registries.create(
            helm_registry_body(f"py-{prefix}", plain_helm_repo.url + prefix))
        uid = created.uid
        assert client.registries.kind_of(uid) == "helm"
        body = client.registries.get(uid)
        assert body["spec"]["endpoint"] == plain_helm_repo.url + prefix
        client.registries.sync(uid)
        assert client.registries.sync_status(uid).isSyncSupported is True
        assert any(m.uid == uid for m in client.registries.metadata())
        client.registries.delete(uid)
