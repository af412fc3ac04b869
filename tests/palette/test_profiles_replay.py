"""Replay Palette clients' cluster profile calls with bodies as the Go SDK marshals them:
create → get → validate name → validate packs → publish → list (dashboard) → clone →
export json → update → delete, against a live registry synced into the catalog."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from chartyard.app import create_app
from chartyard.settings import Settings
from tests.harness.charts import build_chart
from tests.harness.oci_push import OciPusher
from tests.harness.registry import RegistryServer
from tests.palette import sdk
from tests.palette.conftest import load_spec

PASSWORD = "Profiles-Replay-Pass-1"
P = "/v1/clusterprofiles"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """chartyard with its embedded sync worker."""
    settings = Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path}/cy.db",
                        admin_password=PASSWORD, worker_poll_seconds=0.1)
    with TestClient(create_app(settings, with_worker=True),
                    raise_server_exceptions=False) as c:
        yield c


def _palette_valid(operation: tuple[str, str, str], body: Any) -> None:
    """Assert `body` validates against Palette's response schema of the operation."""
    spec = load_spec()
    path, method, status = operation
    schema = spec["paths"][path][method]["responses"][status]["schema"]
    jsonschema.validate(body, {**schema, "definitions": spec["definitions"]},
                        cls=jsonschema.Draft4Validator)


def _synced_registry(client: TestClient, h: dict[str, str], registry: RegistryServer,
                     prefix: str) -> str:
    with OciPusher.for_registry(registry) as pusher:
        for version in ("1.0.0", "1.1.0"):
            pusher.push_chart(f"{prefix}/web", version,
                              build_chart("web", version, values="replicas: 1\n"))
    reply = client.post("/v1/registries/oci/basic", headers=h, json={
        "metadata": {"name": f"charts-{uuid.uuid4().hex[:6]}"},
        "spec": {"endpoint": registry.url, "providerType": "helm", "isSyncSupported": True,
                 "baseContentPath": [prefix],
                 "auth": {"type": "noAuth", "tls": {"certificate": "",
                                                    "insecureSkipVerify": False}}}})
    assert reply.status_code == 201, reply.text
    uid: str = reply.json()["uid"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if client.get(f"/v1/packs/web/registries/{uid}", headers=h).status_code == 200:
            return uid
        time.sleep(0.2)
    raise AssertionError("the registry never synced")


def test_cluster_profile_palette_sequence(client: TestClient, plain_registry: RegistryServer,
                                          unique_repo_prefix: str) -> None:
    key, project = sdk.configure(client, "admin", PASSWORD)
    h = sdk.sdk_headers(key, project)
    reg = _synced_registry(client, h, plain_registry, unique_repo_prefix)
    name = f"obs-{uuid.uuid4().hex[:6]}"
    packs = [sdk.pack_manifest_entity("web", "1.0.0", reg, "pack:\n  namespace: web\n")]
    entity = sdk.cluster_profile_entity(name, "1.0.0", packs, description="replay",
                                        labels={"env": "prod"}, cloud_type="aws")
    assert entity["spec"]["variables"] is None and packs[0]["manifests"] is None

    # The provider checks the name first, then the packs, then creates.
    reply = client.get(f"{P}/validate/name", params={"name": name, "version": "1.0.0"},
                       headers=h)
    assert reply.status_code == 204, reply.text
    reply = client.post(f"{P}/validate/packs", json=entity["spec"]["template"], headers=h)
    assert reply.status_code == 200, reply.text
    _palette_valid((f"{P}/validate/packs", "post", "200"), reply.json())
    [result] = reply.json()["packs"]["results"]
    # chartyard adds `warnings` (an unsigned chart while signatures are not required).
    assert (result["name"], result["displayName"], result["errors"]) == ("web", "web", [])
    bad = sdk.pack_manifest_entity("web", "9.9.9", reg, "")
    reply = client.post(f"{P}/validate/packs", headers=h, json={
        "cloudType": "all", "type": "add-on", "packs": [bad]})
    [result] = reply.json()["packs"]["results"]
    assert result["errors"] and result["errors"][0]["code"] == "PackNotFound", reply.json()

    reply = client.post(P, json=entity, headers=h)
    assert reply.status_code == 201, reply.text
    _palette_valid((P, "post", "201"), reply.json())
    uid = reply.json()["uid"]
    taken = client.get(f"{P}/validate/name", params={"name": name, "version": "1.0.0"},
                       headers=h)
    assert (taken.status_code, taken.json()["code"]) == (409, "Conflict")

    got = client.get(f"{P}/{uid}", headers=h)
    assert got.status_code == 200, got.text
    body = got.json()
    _palette_valid((f"{P}/{{uid}}", "get", "200"), body)
    assert body["status"]["isPublished"] is False
    assert "published" not in body["spec"]  # never published: the draft only, as Palette
    [pack] = body["spec"]["draft"]["packs"]
    assert (pack["name"], pack["tag"], pack["layer"], pack["registryUid"]) == (
        "web", "1.0.0", "addon", reg)
    assert pack["values"] == "pack:\n  namespace: web\n" and "inValidReason" not in pack
    assert body["metadata"]["annotations"] == {"description": "replay"}

    reply = client.post(f"{P}/{uid}/validate/packs", json=entity["spec"]["template"],
                        headers=h)
    assert reply.status_code == 200 and not reply.json()["packs"]["results"][0]["errors"]

    assert client.patch(f"{P}/{uid}/publish", headers=h).status_code == 204
    published = client.get(f"{P}/{uid}", headers=h).json()
    assert published["status"]["isPublished"] is True and "draft" not in published["spec"]

    listed = client.post("/v1/dashboard/clusterprofiles", headers=h, params={"limit": 20},
                         json={"filter": {"profileName": {"contains": name[:7],
                                                          "ignoreCase": True},
                                          "profileType": ["add-on"],
                                          "tags": {"eq": ["env:prod"]}},
                               "sort": [{"field": "profileName", "order": "asc"}]})
    assert listed.status_code == 200, listed.text
    _palette_valid(("/v1/dashboard/clusterprofiles", "post", "200"), listed.json())
    [summary] = listed.json()["items"]
    assert summary["metadata"]["uid"] == uid and summary["status"]["isPublished"] is True
    assert summary["specSummary"]["published"]["packs"][0]["name"] == "web"
    none = client.post("/v1/dashboard/clusterprofiles", headers=h,
                       json={"filter": {"profileType": ["infra"]}, "sort": None})
    assert none.status_code == 200 and none.json()["items"] == []

    clone_name = f"{name}-copy"
    reply = client.post(f"{P}/{uid}/clone", headers=h, json={
        "metadata": {"name": clone_name, "target": {"scope": "tenant"}, "version": "2.0.0"}})
    assert reply.status_code == 201, reply.text
    clone_uid = reply.json()["uid"]
    clone = client.get(f"{P}/{clone_uid}", headers=h).json()
    assert (clone["metadata"]["name"], clone["spec"]["version"]) == (clone_name, "2.0.0")
    assert clone["spec"]["draft"]["packs"][0]["tag"] == "1.0.0"  # a clone starts as a draft
    assert "published" not in clone["spec"]

    exported = client.get(f"{P}/{uid}/export", params={"format": "json"}, headers=h)
    assert exported.status_code == 200, exported.text
    assert "attachment" in exported.headers["content-disposition"]
    profile_file = json.loads(exported.content)
    assert profile_file["metadata"]["name"] == name
    assert profile_file["spec"]["template"]["packs"][0]["values"] == "pack:\n  namespace: web\n"
    # The profile file is a create body: it imports back under a new name.
    profile_file["metadata"]["name"] = f"{name}-import"
    assert client.post(P, json=profile_file, headers=h).status_code == 201
    yaml_file = client.get(f"{P}/{uid}/export", params={"format": "yaml"}, headers=h)
    assert yaml_file.status_code == 200 and f"name: {name}" in yaml_file.text

    # Update as the SDK sends it (v1ClusterProfileUpdateEntity: no cloudType), then delete.
    update = sdk.cluster_profile_entity(
        name, "1.0.0", [sdk.pack_manifest_entity("web", "1.1.0", reg, "")], cloud_type="")
    assert "cloudType" not in update["spec"]["template"]
    reply = client.put(f"{P}/{uid}", json=update, headers=h)
    assert reply.status_code == 204, reply.text
    after = client.get(f"{P}/{uid}", headers=h).json()
    assert after["spec"]["published"]["packs"][0]["tag"] == "1.1.0"
    assert after["status"]["isPublished"] is True
    assert after["spec"]["published"]["cloudType"] == "aws"  # kept: the update has none
    # A PUT of what a GET returned is accepted too.
    assert client.put(f"{P}/{uid}", json=after, headers=h).status_code == 204
    for profile_uid in (uid, clone_uid):
        assert client.delete(f"{P}/{profile_uid}", headers=h).status_code == 204
    gone = client.get(f"{P}/{uid}", headers=h)
    assert (gone.status_code, gone.json()["code"]) == (404, "ResourceNotFound")
    route = client.get("/v1/no/such/route", headers=h)
    assert (route.status_code, route.json()["code"]) == (404, "RouteNotFound")
    assert route.json()["ref"]


def test_manifest_packs_are_refused_by_name(client: TestClient) -> None:
    key, _ = sdk.configure(client, "admin", PASSWORD)
    h = sdk.sdk_headers(key)
    pack = {"layer": "addon", "manifests": [{"name": "m", "content": "kind: ConfigMap"}],
            "name": "raw", "type": "manifest"}
    reply = client.post(P, headers=h, json=sdk.cluster_profile_entity("raw", "1.0.0", [pack]))
    assert reply.status_code == 422, reply.text
    # `tag` and `registryUid` are required for a chart; `manifest` is named when they exist.
    pack.update(tag="1.0.0", registryUid="x")
    reply = client.post(P, headers=h, json=sdk.cluster_profile_entity("raw", "1.0.0", [pack]))
    assert (reply.status_code, reply.json()["code"]) == (422, "PackTypeUnsupported")
    assert reply.json()["details"]["field"] == "spec.template.packs[0].type"


def test_profile_variables_round_trip_through_palette_models(
        client: TestClient, plain_registry: RegistryServer, unique_repo_prefix: str) -> None:
    key, project = sdk.configure(client, "admin", PASSWORD)
    h = sdk.sdk_headers(key, project)
    reg = _synced_registry(client, h, plain_registry, unique_repo_prefix)
    values = "greeting: '{{.spectro.var.greeting}}'\ncidr: '{{.spectro.var.podCidr}}'\n"
    entity = sdk.cluster_profile_entity(
        f"vars-{uuid.uuid4().hex[:6]}", "1.0.0", [sdk.pack_manifest_entity("web", "1.0.0", reg,
                                                                           values)])
    entity["spec"]["variables"] = [sdk.variable("greeting", default="hi"),
                                   sdk.variable("podCidr", fmt="ipv4cidr", required=True)]
    reply = client.post(P, json=entity, headers=h)
    assert reply.status_code == 201, reply.text
    url = f"{P}/{reply.json()['uid']}/variables"

    got = client.get(url, headers=h)
    assert got.status_code == 200, got.text
    _palette_valid((f"{P}/{{uid}}/variables", "get", "200"), got.json())
    assert [(v["name"], v["format"]) for v in got.json()["variables"]] == [
        ("greeting", "string"), ("podCidr", "ipv4cidr")]

    put = {"variables": [
        sdk.variable("greeting", default="hello", display_name="Greeting"),
        sdk.variable("podCidr", fmt="ipv4cidr", default="10.0.0.0/16", required=True),
        sdk.variable("token", fmt="base64", default="c2VjcmV0", sensitive=True)]}
    assert client.put(url, json=put, headers=h).status_code == 204
    patch = {"variables": [sdk.variable("greeting", default="hey")]}
    assert client.patch(url, json=patch, headers=h).status_code == 204
    bad = {"variables": [sdk.variable("podCidr", fmt="ipv4cidr", default="10.0.0.300/8")]}
    reply = client.patch(url, json=bad, headers=h)
    assert reply.status_code == 422 and reply.json()["details"]["field"] == (
        "variables[0].defaultValue")
    body = client.get(url, headers=h).json()
    _palette_valid((f"{P}/{{uid}}/variables", "get", "200"), body)
    assert {v["name"]: v["defaultValue"] for v in body["variables"]} == {
        "greeting": "hey", "podCidr": "10.0.0.0/16", "token": ""}
    reply = client.request("DELETE", url, json={"variables": ["token"]}, headers=h)
    assert reply.status_code == 204, reply.text
    assert [v["name"] for v in client.get(url, headers=h).json()["variables"]] == [
        "greeting", "podCidr"]
