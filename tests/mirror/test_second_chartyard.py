"""Sneakernet end to end: a bundle from one chartyard is pushed with the CLI into a second
chartyard (a real `chartyard serve`), whose profile then points at its own registry; that
profile is bundled again and mirrored by the second server's worker (`--wait`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cli.conftest import Cli
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.helm import Helm
from tests.harness.registry import RegistryServer
from tests.mirror.conftest import World
from tests.mirror.test_bundle import download, skopeo_archive
from tests.mirror.test_mirror import sha
from tests.profiles.conftest import sqlite_only

PASSWORD = "Second-admin-Pass-123"


@pytest.fixture
def second(tmp_path: Path) -> Iterator[ChartyardServer]:
    server = ChartyardServer(tmp_path / "second", admin_password=PASSWORD)
    try:
        yield server
    finally:
        server.close()


def basic(name: str, reg: RegistryServer) -> dict[str, Any]:
    return {"metadata": {"name": name},
            "spec": {"endpoint": reg.url, "providerType": "helm", "isSyncSupported": False,
                     "auth": {"type": "basic", "username": reg.username,
                              "password": reg.password,
                              "tls": {"certificate": reg.ca_pem or "",
                                      "insecureSkipVerify": False}}}}


@sqlite_only
def test_bundle_push_into_a_second_chartyard_then_mirror_there(
        make_world: Callable[..., World], registry_factory: Callable[..., RegistryServer],
        second: ChartyardServer, helm: Helm, tmp_path: Path) -> None:
    world = make_world()
    archive = tmp_path / "carry.tar"
    download(world, archive)
    landing, onward = registry_factory("htpasswd_tls"), registry_factory("htpasswd_tls")
    headers = {"Authorization": f"Bearer {second.token()}"}
    for name, reg in (("landing", landing), ("onward", onward)):
        r = httpx.post(f"{second.url}/v1/registries/oci/basic", json=basic(name, reg),
                       headers=headers)
        assert r.status_code == 201, r.text
    home = tmp_path / "home"
    home.mkdir()
    cli = Cli(home, second.url, None)
    cli.env["CHARTYARD_API_KEY"] = httpx.post(
        f"{second.url}/v1/apikeys", json={"name": "t"}, headers=headers).json()["key"]

    pushed = cli("bundle", "push", str(archive), "--to", "landing", "-o", "json").json()
    assert isinstance(pushed, dict) and pushed["manifests"] == 2
    profile = httpx.get(f"{second.url}/v1/clusterprofiles/{pushed['profileUid']}",
                        headers=headers).json()
    packs = profile["spec"]["draft"]["packs"] if profile["spec"].get("draft") else \
        profile["spec"]["published"]["packs"]
    assert [(p["name"], p["registryName"]) for p in packs] == [
        ("signed", "landing"), ("classic", "landing")]

    # The landing registry serves the chart helm pushed at the source, byte for byte.
    out = tmp_path / "pulled"
    out.mkdir()
    helm.login(landing.oci_url, landing.username or "", landing.password or "",
               ca_file=landing.ca_file)
    helm.run("pull", f"{landing.oci_url}/signed", "--version", "1.2.3", "-d", str(out),
             "--ca-file", landing.ca_file or "")
    assert (out / "signed-1.2.3.tgz").read_bytes() == world.oci_tgz.read_bytes()

    # The second chartyard bundles its profile again: the same digests.
    again = tmp_path / "again.tar"
    name = profile["metadata"]["name"]
    result = cli("profile", "bundle", name, "-o", str(again))
    assert result.code == 0, result
    assert sha(skopeo_archive(again, "signed:1.2.3")) == world.oci_digest

    # And its worker mirrors the profile onward, the CLI waiting with a progress bar.
    mirrored = cli("profile", "mirror", name, "--to", "onward", "--base-path", "next",
                   "--wait", "-o", "json").json()
    assert isinstance(mirrored, dict) and mirrored["status"] == "Completed", mirrored
    assert mirrored["charts"][0]["digest"] == world.oci_digest
    assert mirrored["charts"][0]["target"] == f"oci://{onward.host_port}/next/signed:1.2.3"
