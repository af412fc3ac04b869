"""ECR Public end to end: an anonymous registry syncs helm-pushed charts with no AWS call."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ecr.conftest import PUBLIC_HOST
from tests.harness.app import Api
from tests.harness.charts import build_chart
from tests.harness.helm import Helm
from tests.harness.registry import RegistryServer
from tests.sync.conftest import catalog, sync_now

ECR = "/v1/registries/oci/ecr"
ALIAS = "myalias"
# (chart name, version); helm pushes each to oci://public.ecr.aws/myalias/<name>.
CHARTS = (("podinfo", "6.5.0"), ("podinfo", "6.6.1"), ("other", "1.0.0"))


@pytest.fixture
def aws_unreachable() -> Iterator[socket.socket]:
    """Point boto3 at a listening socket nobody answers; no other AWS settings exist.

    A test asserts afterwards that nothing connected to it (no AWS API call was tried).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        sock.setblocking(False)
        with pytest.MonkeyPatch.context() as env:
            for name in list(os.environ):
                if name.startswith("AWS_"):
                    env.delenv(name)
            env.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{sock.getsockname()[1]}")
            env.setenv("AWS_EC2_METADATA_DISABLED", "true")
            env.setenv("AWS_CONFIG_FILE", os.devnull)
            env.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
            yield sock


def _connected(sock: socket.socket) -> bool:
    """Return whether anything connected to the listening socket."""
    try:
        conn, _ = sock.accept()
    except BlockingIOError:
        return False
    conn.close()
    return True


def test_public_registry_syncs_anonymously(api: Api, helm: Helm, tmp_path: Path,
                                           public_ecr_registry: RegistryServer,
                                           aws_unreachable: socket.socket) -> None:
    """Acceptance: public.ecr.aws/<alias> validates, syncs and lists charts anonymously."""
    registry = public_ecr_registry
    assert registry.token_server is not None and registry.username and registry.password
    digests: dict[tuple[str, str], str] = {}
    for name, version in CHARTS:
        tgz = tmp_path / f"{name}-{version}.tgz"
        tgz.write_bytes(build_chart(name, version))
        digests[name, version] = helm.push(
            tgz, f"oci://{PUBLIC_HOST}/{ALIAS}", ca_file=registry.ca_file,
            username=registry.username, password=registry.password)
    registry.token_server.reset_counters()

    body = {"metadata": {"name": "ecr-public"},
            "spec": {"endpoint": f"{PUBLIC_HOST}/{ALIAS}", "isPrivate": False,
                     "isSyncSupported": True, "providerType": "helm",
                     "repositories": ["podinfo"], "baseContentPath": [],
                     "tls": {"certificate": registry.ca_pem, "insecureSkipVerify": False}}}
    reply = api.post(ECR, json=body)  # validated on the way in
    assert reply.status_code == 201, reply.text
    uid = reply.json()["uid"]
    # Validation went through the registry's Bearer token flow, as an anonymous client.
    validated = list(registry.token_server.requests)
    assert validated, "creating the registry did not ask the token server for a token"
    assert all(user is None for user, _ in validated), validated

    outcome = sync_now(api.ctx, uid)
    assert outcome.status == "Completed", outcome
    requests = registry.token_server.requests
    assert len(requests) > len(validated), "the sync used no token"
    assert all(user is None for user, _ in requests), requests
    scopes = {s for _, params in requests for param in params for s in param.split()}
    assert f"repository:{ALIAS}/podinfo:pull" in scopes, scopes
    assert not any("catalog" in s or "/other" in s for s in scopes), scopes

    # Only the explicit repository was listed: "other" sits in the registry, not the catalog.
    assert catalog(api, uid) == {f"{ALIAS}/podinfo": {"6.6.1": "6.6.1", "6.5.0": "6.5.0"}}
    tags = api.get(f"/v1/packs/podinfo/registries/{uid}").json()["tags"]
    assert [(t["tag"], t["digest"]) for t in tags] == [
        ("6.6.1", digests["podinfo", "6.6.1"]), ("6.5.0", digests["podinfo", "6.5.0"])]
    detail = api.get(f"/v1/packs/{tags[0]['packUid']}").json()
    assert detail["ociRef"] == f"oci://{PUBLIC_HOST}/{ALIAS}/podinfo"

    items = api.get("/v1/registries/metadata").json()["items"]
    (row,) = [item for item in items if item["uid"] == uid]
    assert row["kind"] == "oci-ecr"
    assert row["isPrivate"] is False
    assert row["endpoint"] == f"{PUBLIC_HOST}/{ALIAS}"

    assert not _connected(aws_unreachable), "chartyard called the AWS API for a public registry"
