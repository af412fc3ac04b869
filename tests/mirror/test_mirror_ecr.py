"""Mirror into Amazon ECR: moto answers the ECR API (repositories are created there by
chartyard), a real registry accepting moto's token serves the ECR host's /v2/."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import boto3
import pytest

from chartyard.mirror.runner import run_mirror
from tests.aws.conftest import ACCOUNT, REGION, aws_env, moto_server  # noqa: F401
from tests.harness.registry import RegistryServer
from tests.mirror.conftest import World
from tests.mirror.test_mirror import start, status
from tests.profiles.conftest import sqlite_only
from tests.profiles.test_ecr import ToLocalRegistry, _ecr_body

pytestmark = pytest.mark.usefixtures("aws_env")


@sqlite_only
def test_mirror_into_ecr_creates_the_repositories(
        make_world: Callable[..., World],
        registry_factory: Callable[..., RegistryServer]) -> None:
    world = make_world()
    # The ECR host's /v2/ is a TLS registry accepting moto's token (set up after the world:
    # the transport sends only *.amazonaws.com there, trusting that registry's CA alone).
    ecr_registry = registry_factory("htpasswd_tls", username="AWS",
                                    password=f"{ACCOUNT}-auth-token")
    world.api.ctx.sources.transport = ToLocalRegistry(ecr_registry.port, ecr_registry.verify)
    r = world.api.post("/v1/registries/oci/ecr", _ecr_body("ecr-target"))
    assert r.status_code == 201, r.text
    ecr = boto3.session.Session(region_name=REGION).client("ecr")
    before = {r["repositoryName"] for r in ecr.describe_repositories()["repositories"]}
    assert not before & {"offline/signed", "offline/classic"}

    world.dest_uid = r.json()["uid"]
    uid = start(world, basePath="offline")
    asyncio.run(run_mirror(world.api.ctx, uid))
    got = status(world, uid)
    assert got["status"] == "Completed", got
    names = {r["repositoryName"] for r in ecr.describe_repositories()["repositories"]}
    assert {"offline/signed", "offline/classic"} <= names
    assert got["charts"][0]["digest"] == world.oci_digest
    with ecr_registry.client(auth=ecr_registry.auth) as c:
        manifest = c.get("/v2/offline/signed/manifests/1.2.3",
                         headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
        assert manifest.headers["docker-content-digest"] == world.oci_digest

    # A second run finds the repositories there already and copies nothing.
    again = start(world, basePath="offline")
    asyncio.run(run_mirror(world.api.ctx, again))
    second = status(world, again)
    assert second["status"] == "Completed" and second["blobsCopied"] == 0, second
