"""Egress guard (SSRF): endpoints, redirects and token realms never reach denied addresses."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chartyard.app import create_app
from chartyard.aws import EcrClient
from chartyard.oci import BasicCredentials, EgressDenied, EgressPolicy, RegistryClient
from chartyard.settings import Settings
from tests.hardening._hostile import HostileRegistry, Reply, Seen
from tests.hardening.conftest import FakeDNS
from tests.harness.app import ADMIN_PASSWORD, Api, basic_body
from tests.harness.oci_push import OciPusher
from tests.harness.registry import RegistryServer
from tests.sync.conftest import sync_now

METADATA = "169.254.169.254"


def _denied(reply: Any, address: str) -> dict[str, Any]:
    assert reply.status_code == 422, reply.text
    body: dict[str, Any] = reply.json()
    assert body["code"] == "EgressDenied", body
    assert body["details"]["address"] == address
    assert address in body["message"]
    return body


# ---- the policy on its own ---------------------------------------------------------------
@pytest.mark.parametrize("address", [
    "169.254.169.254", "169.254.10.1", "fe80::1", "fd00:ec2::254", "100.100.100.200",
    "0.0.0.0", "0.1.2.3", "::", "224.0.0.1", "239.255.255.250", "ff02::1", "255.255.255.255",
    "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe",  # IPv4-mapped and NAT64 metadata
])
def test_default_policy_refuses(address: str) -> None:
    with pytest.raises(EgressDenied) as caught:
        EgressPolicy().check("h", address)
    assert caught.value.details["rule"] == "always"


@pytest.mark.parametrize("address", [
    "127.0.0.1", "::1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "fd12::1", "100.64.0.1",
    "8.8.8.8", "2001:db8::1",
])
def test_default_policy_allows_loopback_private_and_public(address: str) -> None:
    EgressPolicy().check("h", address)


def test_lists_restrict_but_never_reopen() -> None:
    deny = EgressPolicy.from_cidrs(deny=["127.0.0.0/8"])
    with pytest.raises(EgressDenied, match="CHARTYARD_EGRESS_DENY"):
        deny.check("localhost", "127.0.0.1")
    deny.check("h", "10.0.0.1")
    allow = EgressPolicy.from_cidrs(allow=["10.0.0.0/8"])
    allow.check("h", "10.9.9.9")
    with pytest.raises(EgressDenied, match="outside CHARTYARD_EGRESS_ALLOW"):
        allow.check("h", "192.168.0.1")
    with pytest.raises(EgressDenied, match="metadata"):  # an allow list cannot re-open it
        EgressPolicy.from_cidrs(allow=["169.254.0.0/16"]).check("h", METADATA)
    with pytest.raises(ValueError, match="CHARTYARD_EGRESS_DENY: 'nonsense'"):
        EgressPolicy.from_cidrs(deny=["nonsense"])


def test_settings_read_comma_separated_cidrs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARTYARD_EGRESS_DENY", "127.0.0.0/8, 10.0.0.0/8")
    monkeypatch.setenv("CHARTYARD_EGRESS_ALLOW", '["192.168.0.0/16"]')
    settings = Settings()
    assert settings.egress_deny == ["127.0.0.0/8", "10.0.0.0/8"]
    assert settings.egress_allow == ["192.168.0.0/16"]
    monkeypatch.setenv("CHARTYARD_EGRESS_DENY", "10.0.0.0/8,not-a-cidr")
    with pytest.raises(ValueError, match="CHARTYARD_EGRESS_DENY: 'not-a-cidr'"):
        Settings()


# ---- endpoints through the API -------------------------------------------------------------
@pytest.mark.parametrize(("endpoint", "address"), [
    ("http://169.254.169.254/", METADATA),
    ("http://169.254.169.254:5000", METADATA),
    ("http://[fd00:ec2::254]/", "fd00:ec2::254"),
    ("http://[::ffff:169.254.169.254]:5000", "::ffff:169.254.169.254"),
    ("http://0.0.0.0:5000", "0.0.0.0"),
    ("https://224.0.0.1", "224.0.0.1"),
])
def test_denied_endpoint_is_a_422_naming_the_address(api: Api, endpoint: str,
                                                     address: str) -> None:
    body = basic_body("evil", endpoint, sync=True, base=["x"])
    _denied(api.post("/v1/registries/oci/basic/validate", body), address)
    _denied(api.post("/v1/registries/oci/basic", body), address)
    assert api.get("/v1/registries/oci/summary").json()["items"] == []


def test_saved_unvalidated_endpoint_is_refused_at_sync(api: Api) -> None:
    body = basic_body("evil", "http://169.254.169.254/", sync=True, base=["x"])
    uid = api.post("/v1/registries/oci/basic?skipValidation=true", body).json()["uid"]
    outcome = sync_now(api.ctx, uid)
    assert (outcome.status, outcome.error_code) == ("Failed", "EgressDenied")
    status = api.get(f"/v1/registries/oci/{uid}/basic/sync/status").json()
    assert status["status"] == "Failed" and METADATA in status["message"]
    _denied(api.post(f"/v1/registries/oci/{uid}/basic/validate"), METADATA)


def test_dns_rebinding_is_refused_at_connect_time(api: Api, plain_registry: RegistryServer,
                                                  fake_dns: FakeDNS, chart_factory: Any,
                                                  unique_repo_prefix: str) -> None:
    """The name resolves to the registry when saved, and to the metadata service later."""
    with OciPusher.for_registry(plain_registry) as pusher:
        pusher.push_chart(f"{unique_repo_prefix}/app", "1.0.0", chart_factory("app", "1.0.0"))
    host = "registry.rebind.test"
    fake_dns.answers[host] = ["127.0.0.1", METADATA]
    endpoint = f"http://{host}:{plain_registry.url.rsplit(':', 1)[1]}"
    created = api.post("/v1/registries/oci/basic",
                       basic_body("rebind", endpoint, sync=True, base=[unique_repo_prefix]))
    assert created.status_code == 201, created.text  # first answer: loopback, allowed
    assert fake_dns.lookups[host] == 1
    outcome = sync_now(api.ctx, created.json()["uid"])
    assert (outcome.status, outcome.error_code) == ("Failed", "EgressDenied")
    assert fake_dns.lookups[host] == 2  # resolved again when connecting, and refused
    _denied(api.post("/v1/registries/oci/basic/validate",
                     basic_body("again", endpoint, sync=True, base=[unique_repo_prefix])),
            METADATA)


def test_a_name_with_any_denied_address_is_refused(fake_dns: FakeDNS) -> None:
    fake_dns.answers["mixed.test"] = ["fe80::1"]

    async def ping() -> None:
        async with RegistryClient("http://mixed.test:5000") as client:
            await client.ping()

    with pytest.raises(EgressDenied) as caught:
        asyncio.run(ping())
    assert caught.value.details == {"host": "mixed.test", "address": "fe80::1",
                                    "network": "fe80::/10", "rule": "always"}


def test_blob_redirect_to_metadata_is_refused(api: Api, hostile: Callable[..., HostileRegistry],
                                              plain_registry: RegistryServer,
                                              chart_factory: Any,
                                              unique_repo_prefix: str) -> None:
    """A registry that redirects blob downloads to 169.254.169.254 gets nothing from there."""
    with OciPusher.for_registry(plain_registry) as pusher:
        pusher.push_chart(f"{unique_repo_prefix}/app", "1.0.0", chart_factory("app", "1.0.0"))
    evil = {"on": False}

    def redirect_blobs(seen: Seen, n: int) -> Reply | None:
        if evil["on"] and "/blobs/" in seen.path:
            return Reply(302, {"Location": f"http://{METADATA}/latest/meta-data/iam/"})
        return None

    front = hostile(plain_registry.url, redirect_blobs)
    uid = api.post("/v1/registries/oci/basic", basic_body(
        "redirector", front.url, sync=True, base=[unique_repo_prefix])).json()["uid"]
    assert sync_now(api.ctx, uid).status == "Completed"
    pack = api.get(f"/v1/packs/app/registries/{uid}").json()["tags"][0]["packUid"]

    evil["on"] = True
    _denied(api.get(f"/v1/packs/{pack}/values"), METADATA)  # values fetch
    with OciPusher.for_registry(plain_registry) as pusher:
        pusher.push_chart(f"{unique_repo_prefix}/app", "2.0.0", chart_factory("app", "2.0.0"))
    outcome = sync_now(api.ctx, uid)  # sync: the new version's config blob is redirected
    assert (outcome.status, outcome.error_code) == ("Failed", "EgressDenied")
    assert front.count("/blobs/") >= 2


@pytest.mark.parametrize(("realm", "address"), [
    (f"http://{METADATA}/token", METADATA), (f"https://{METADATA}/token", METADATA),
    ("https://[fe80::1]:8443/token", "fe80::1"), ("https://0.0.0.0/token", "0.0.0.0"),
])
def test_token_realm_at_denied_address_is_refused(api: Api,
                                                  hostile: Callable[..., HostileRegistry],
                                                  realm: str, address: str) -> None:
    challenge = f'Bearer realm="{realm}",service="registry"'
    front = hostile(None, lambda seen, n: Reply(401, {"WWW-Authenticate": challenge,
                                                      "Content-Type": "application/json"},
                                                b'{"errors":[]}'))
    bodies = [basic_body("anon", front.url, sync=True, base=["x"])]
    if realm.startswith("https"):  # credentials never go to a plain-HTTP realm elsewhere
        bodies.append(basic_body("creds", front.url, username="u", password="p", sync=True,
                                 base=["x"]))
    for body in bodies:
        _denied(api.post("/v1/registries/oci/basic/validate", body), address)


def test_operator_deny_list_blocks_loopback(tmp_path: Path, plain_registry: RegistryServer,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARTYARD_EGRESS_DENY", "127.0.0.0/8")
    settings = Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{tmp_path}/d.db",
                        admin_password=ADMIN_PASSWORD)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        api = Api(client, client.app.state.ctx)  # type: ignore[attr-defined]
        body = _denied(api.post("/v1/registries/oci/basic/validate",
                                basic_body("local", plain_registry.url)), "127.0.0.1")
        assert body["details"]["rule"] == "deny"
        assert "CHARTYARD_EGRESS_DENY" in body["message"]


def test_operator_allow_list_admits_only_its_ranges(tmp_path: Path,
                                                    plain_registry: RegistryServer) -> None:
    for allow, allowed in ((["10.0.0.0/8"], False), (["127.0.0.1/32"], True)):
        settings = Settings(data_dir=tmp_path / "data", admin_password=ADMIN_PASSWORD,
                            database_url=f"sqlite:///{tmp_path}/d.db", egress_allow=allow)
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            api = Api(client, client.app.state.ctx)  # type: ignore[attr-defined]
            reply = api.post("/v1/registries/oci/basic/validate",
                             basic_body("local", plain_registry.url))
            if allowed:
                assert reply.status_code == 204, reply.text
            else:
                assert _denied(reply, "127.0.0.1")["details"]["rule"] == "allow"


def test_ecr_registry_client_is_guarded(api: Api, fake_dns: FakeDNS,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """ECR's /v2/ client is built with the same egress policy as any other registry."""
    host = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
    fake_dns.answers[host] = [METADATA]
    monkeypatch.setattr(EcrClient, "registry_credentials",
                        lambda self: BasicCredentials("AWS", "token"))
    body = {"metadata": {"name": "ecr"},
            "spec": {"endpoint": host, "isPrivate": True, "isSyncSupported": True,
                     "providerType": "helm", "baseContentPath": ["team-a"],
                     "credentials": {"credentialType": "secret", "accessKey": "AKIAEXAMPLE",
                                     "secretKey": "secret"},
                     "tls": {"certificate": "", "insecureSkipVerify": False}}}
    body_json = _denied(api.post("/v1/registries/oci/ecr/validate", body), METADATA)
    assert body_json["details"]["host"] == host
