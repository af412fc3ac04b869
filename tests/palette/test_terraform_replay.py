"""Replay the Terraform provider's `spectrocloud_registry_oci` sequence against chartyard,
with bodies as Palette's Go SDK marshals them (tests/palette/sdk.py):

configure (login, API key, projects metadata) → validate (bare spec) → create with sync
on and a CA against a real TLS `docker-registry` → wait for sync → read → PUT back what
was read → update → import by name through the summary → delete.

Once for a basic registry, once for ECR (moto + the TLS registry of tests/ecr), and once
more each with sync off (`isSyncSupported` omitted, as the SDK omits false). Each step
asserts no drift: endpoint, base path and external ID come back as they were sent.

These depend on the registry body shapes of the wire contract (baseContentPath as a
string, isSyncSupported omitted = false, bare-spec validate).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chartyard.app import create_app
from chartyard.settings import Settings
from tests.ecr.conftest import BASE_PATH, ECR_HOST, ROLE_ARN, EcrWorld
from tests.harness.charts import build_chart
from tests.harness.oci_push import OciPusher
from tests.harness.registry import RegistryServer
from tests.palette import sdk

PASSWORD = "Terraform-Replay-Pass-1"
BASIC = "/v1/registries/oci/basic"
ECR = "/v1/registries/oci/ecr"


def _client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path}/cy.db",
                        admin_password=PASSWORD, worker_poll_seconds=0.1)
    with TestClient(create_app(settings, with_worker=True),
                    raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """chartyard with its embedded sync worker, as `chartyard serve` runs it."""
    yield from _client(tmp_path)


@pytest.fixture
def ecr_client(ecr_world: EcrWorld, tmp_path: Path) -> Iterator[TestClient]:
    """As `client`, started inside the ECR world's AWS environment."""
    yield from _client(tmp_path)


@pytest.fixture
def tls_auth_registry(registry_factory: Any, unique_repo_prefix: str) -> RegistryServer:
    """A TLS, htpasswd `docker-registry` holding one chart under `<prefix>/`."""
    registry: RegistryServer = registry_factory("htpasswd_tls")
    with OciPusher.for_registry(registry) as pusher:
        pusher.push_chart(f"{unique_repo_prefix}/app", "1.0.0", build_chart("app", "1.0.0"))
    return registry


def _wait_synced(client: TestClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        reply = client.get(url, headers=headers)
        assert reply.status_code == 200, reply.text
        status: dict[str, Any] = reply.json()
        if status["status"] in ("Completed", "Failed"):
            assert status["status"] == "Completed", status
            return status
        time.sleep(0.2)
    raise AssertionError(f"sync did not finish: {status}")


def _import_by_name(client: TestClient, name: str, headers: dict[str, str]) -> dict[str, Any]:
    """What `terraform import` does by name: find the registry in the OCI summary."""
    reply = client.get("/v1/registries/oci/summary", headers=headers)
    assert reply.status_code == 200, reply.text
    found = [i for i in reply.json()["items"] if i["metadata"]["name"] == name]
    assert len(found) == 1, reply.json()
    item: dict[str, Any] = found[0]
    return item


def _delete(client: TestClient, url: str, name: str, headers: dict[str, str]) -> None:
    assert client.delete(url, headers=headers).status_code == 204
    gone = client.get(url, headers=headers)
    assert (gone.status_code, gone.json()["code"]) == (404, "ResourceNotFound")
    items = client.get("/v1/registries/oci/summary", headers=headers).json()["items"]
    assert name not in {i["metadata"]["name"] for i in items}


@pytest.mark.parametrize("sync", [True, False], ids=["sync-on", "sync-off"])
def test_basic_registry_terraform_sequence(client: TestClient, tls_auth_registry: RegistryServer,
                                           unique_repo_prefix: str, sync: bool) -> None:
    key, project = sdk.configure(client, "admin", PASSWORD)
    h = sdk.sdk_headers(key, project)
    registry = tls_auth_registry
    assert registry.ca_pem and registry.auth
    username, password = registry.auth
    base = unique_repo_prefix if sync else ""
    name = f"tf-basic-{uuid.uuid4().hex[:6]}"
    spec = sdk.basic_spec(registry.url, username=username, password=password,
                          ca=registry.ca_pem, sync=sync, base_content_path=base)
    assert ("isSyncSupported" in spec) is sync  # the SDK omits false

    reply = client.post(f"{BASIC}/validate", json=spec, headers=h)
    assert reply.status_code == 204, reply.text
    reply = client.post(BASIC, json=sdk.basic_registry(name, spec), headers=h)
    assert reply.status_code == 201, reply.text
    uid = reply.json()["uid"]
    url = f"/v1/registries/oci/{uid}/basic"
    if sync:
        status = _wait_synced(client, f"{url}/sync/status", h)
        assert status["progress"]["chartVersions"] == 1

    read = client.get(url, headers=h)
    assert read.status_code == 200, read.text
    got = read.json()
    assert got["metadata"]["uid"] == uid and got["metadata"]["name"] == name
    assert got["spec"]["endpoint"] == registry.url
    assert got["spec"].get("baseContentPath", "") == base
    assert got["spec"].get("isSyncSupported", False) is sync
    assert got["spec"]["auth"]["username"] == username
    assert got["spec"]["auth"].get("password", "") == ""  # never returned
    assert got["spec"]["auth"]["tls"]["certificate"].strip() == registry.ca_pem.strip()

    # Terraform's refresh then apply: PUT back exactly what was read (no password).
    reply = client.put(url, json=sdk.go_roundtrip_basic(got), headers=h)
    assert reply.status_code == 204, reply.text
    again = client.get(url, headers=h).json()
    assert again["spec"] == got["spec"], "a PUT of what was read changed the registry"
    reply = client.post(f"{BASIC}/validate", json=sdk.go_roundtrip_basic(again)["spec"] | {
        "auth": again["spec"]["auth"] | {"password": password}}, headers=h)
    assert reply.status_code == 204, reply.text

    # Update: a second base path, given comma-separated as Palette does.
    second = f"{unique_repo_prefix}-more" if sync else ""
    new_base = f"{base},{second}" if sync else ""
    updated = sdk.basic_spec(registry.url, username=username, password=password,
                             ca=registry.ca_pem, sync=sync, base_content_path=new_base)
    reply = client.put(url, json=sdk.basic_registry(name, updated, uid), headers=h)
    assert reply.status_code == 204, reply.text
    after = client.get(url, headers=h).json()
    assert after["spec"]["endpoint"] == registry.url
    assert after["spec"].get("baseContentPath", "") == new_base
    if sync:
        reply = client.post(f"{url}/sync", params={"forceSync": "true"}, headers=h)
        assert reply.status_code == 202, reply.text
        _wait_synced(client, f"{url}/sync/status", h)  # the stored password still works

    item = _import_by_name(client, name, h)
    assert item["metadata"]["uid"] == uid
    assert item["spec"]["endpoint"] == registry.url
    imported = client.get(f"/v1/registries/oci/{uid}", headers=h)  # v1OciRegistryEntity
    assert imported.status_code == 200, imported.text
    assert imported.json()["endpoint"] == registry.url

    _delete(client, url, name, h)


@pytest.mark.parametrize("sync", [True, False], ids=["sync-on", "sync-off"])
def test_ecr_registry_terraform_sequence(ecr_client: TestClient, ecr_world: EcrWorld,
                                         sync: bool) -> None:
    client = ecr_client
    key, project = sdk.configure(client, "admin", PASSWORD)
    h = sdk.sdk_headers(key, project)
    sts = client.get("/v1/clouds/aws/account/sts", headers=h)
    assert sts.status_code == 200, sts.text
    external_id = sts.json()["externalId"]
    base = BASE_PATH if sync else ""
    name = f"tf-ecr-{uuid.uuid4().hex[:6]}"
    spec = sdk.ecr_spec(ECR_HOST, role_arn=ROLE_ARN, external_id=external_id,
                        ca=ecr_world.ca_pem, sync=sync, base_content_path=base)

    reply = client.post(f"{ECR}/validate", json=spec, headers=h)
    assert reply.status_code == 204, reply.text
    reply = client.post(ECR, json={"metadata": sdk.object_meta(name), "spec": spec}, headers=h)
    assert reply.status_code == 201, reply.text
    uid = reply.json()["uid"]
    url = f"/v1/registries/oci/{uid}/ecr"
    if sync:
        status = _wait_synced(client, f"{url}/sync/status", h)
        assert status["progress"]["chartVersions"] == len(
            [v for tags in ecr_world.expected_catalog().values() for v in tags])

    got = client.get(url, headers=h)
    assert got.status_code == 200, got.text
    read = got.json()
    assert read["spec"]["endpoint"] == ECR_HOST
    assert read["spec"].get("baseContentPath", "") == base
    assert read["spec"].get("isSyncSupported", False) is sync
    assert read["spec"]["credentials"]["sts"] == {"arn": ROLE_ARN, "externalId": external_id}
    assert read["spec"]["credentials"].get("secretKey", "") == ""

    reply = client.put(url, json=sdk.go_roundtrip_ecr(read), headers=h)
    assert reply.status_code == 204, reply.text
    again = client.get(url, headers=h).json()
    assert again["spec"] == read["spec"], "a PUT of what was read changed the registry"

    updated = sdk.ecr_spec(ECR_HOST, role_arn=ROLE_ARN, external_id=external_id,
                           ca=ecr_world.ca_pem, sync=sync,
                           base_content_path=f"{base},team-b" if sync else "")
    reply = client.put(url, json={"metadata": sdk.object_meta(name, uid), "spec": updated},
                       headers=h)
    assert reply.status_code == 204, reply.text
    after = client.get(url, headers=h).json()
    assert after["spec"]["endpoint"] == ECR_HOST
    assert after["spec"].get("baseContentPath", "") == (f"{base},team-b" if sync else "")
    assert after["spec"]["credentials"]["sts"]["externalId"] == external_id

    item = _import_by_name(client, name, h)
    assert item["metadata"]["uid"] == uid
    imported = client.get(f"/v1/registries/oci/{uid}", headers=h)  # v1OciRegistryEntity
    assert imported.status_code == 200, imported.text
    assert imported.json()["endpoint"] == ECR_HOST

    _delete(client, url, name, h)
