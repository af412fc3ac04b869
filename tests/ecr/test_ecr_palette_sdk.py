"""The whole ECR family with bodies as Palette's Go SDK marshals them (tests/palette/sdk.py),
against moto and a TLS registry on the ECR host: static keys, and STS with the tenant's
external ID. validate → create → get → PUT of the GET body → sync → delete."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.ecr.conftest import ACCOUNT, BASE_PATH, ECR_HOST, ROLE_ARN, EcrWorld
from tests.ecr.test_ecr_sync import tenant_external_id
from tests.harness.app import Api
from tests.palette import sdk
from tests.sync.conftest import sync_now

ECR = "/v1/registries/oci/ecr"
LABELS = {"team": "Platform Ops", "env": "prod"}


def _static_keys(world: EcrWorld) -> tuple[str, str]:
    """Create a moto IAM user that may read ECR; return its access key pair."""
    iam = world.iam()
    name = f"palette-sdk-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["ecr:*"], "Resource": "*"}]}
    iam.put_user_policy(UserName=name, PolicyName="ecr", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def _spec(world: EcrWorld, credentials: str, external_id: str,
          keys: tuple[str, str]) -> dict[str, Any]:
    if credentials == "sts":
        return sdk.ecr_spec(ECR_HOST, role_arn=ROLE_ARN, external_id=external_id,
                            ca=world.ca_pem, sync=True, base_content_path=BASE_PATH)
    return sdk.ecr_secret_spec(ECR_HOST, access_key=keys[0], secret_key=keys[1],
                               ca=world.ca_pem, sync=True, base_content_path=BASE_PATH)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("credentials", ["static", "sts"])
def test_ecr_family_with_go_sdk_bodies(api: Api, world: EcrWorld, credentials: str) -> None:
    external_id = tenant_external_id(api)
    keys = _static_keys(world) if credentials == "static" else ("", "")
    spec = _spec(world, credentials, external_id, keys)
    name = f"ECR Prod {credentials} {uuid.uuid4().hex[:4]}"

    reply = api.post(f"{ECR}/validate", spec)  # the bare spec, as the SDK sends it
    assert reply.status_code == 204, reply.text
    assert reply.content == b"" and "content-type" not in reply.headers
    body = {"metadata": sdk.object_meta(name, labels=LABELS), "spec": spec}
    reply = api.post(ECR, body)
    assert reply.status_code == 201, reply.text
    uid = reply.json()["uid"]
    url = f"/v1/registries/oci/{uid}/ecr"

    read = api.get(url)
    assert read.status_code == 200, read.text
    got = read.json()
    assert got["metadata"]["name"] == name and got["metadata"]["labels"] == LABELS
    assert got["spec"]["endpoint"] == ECR_HOST
    assert got["spec"]["baseContentPath"] == BASE_PATH and got["spec"]["isSyncSupported"]
    assert got["spec"]["tls"] == {"certificate": world.ca_pem, "insecureSkipVerify": False,
                                  "enabled": True}
    creds = got["spec"]["credentials"]
    assert creds["credentialType"] == ("sts" if credentials == "sts" else "secret")
    assert creds["secretKey"] == ""  # never returned
    if credentials == "sts":
        assert creds["sts"] == {"arn": ROLE_ARN, "externalId": external_id}
    else:
        assert creds["accessKey"] == keys[0] and creds["secretKeySet"] is True

    # Terraform's refresh then apply: PUT back what was read, as the SDK re-marshals it.
    reply = api.put(url, sdk.go_roundtrip_ecr(got))
    assert reply.status_code == 204, reply.text
    assert reply.content == b""
    again = api.get(url).json()
    assert again["spec"] == got["spec"] and again["metadata"]["labels"] == LABELS

    reply = api.post(f"{url}/sync", params={"forceSync": "true"})
    assert reply.status_code == 202, reply.text
    assert reply.content == b"" and "content-type" not in reply.headers
    outcome = sync_now(api.ctx, uid, force=True)
    assert outcome.status == "Completed", outcome
    status = api.get(f"{url}/sync/status").json()
    assert status["status"] == "Completed", status
    assert status["progress"]["chartVersions"] == len(
        [v for tags in world.expected_catalog().values() for v in tags])
    # Every ECR call used the stored key (it survived the PUT), or the role assumed with
    # the tenant's external ID.
    listed = world.recorder.calls("DescribeRepositories")
    assert listed and all(c.params["registryId"] == ACCOUNT for c in listed)
    signed = {c.access_key for c in listed}
    if credentials == "static":
        assert signed == {keys[0]}
    else:
        assumed = world.recorder.calls("AssumeRole")
        assert assumed and all(c.params["ExternalId"] == external_id and
                               c.params["RoleArn"] == ROLE_ARN for c in assumed)
        assert keys[0] not in signed

    summary = api.get("/v1/registries/oci/summary").json()["items"]
    assert [i["spec"]["isPrivate"] for i in summary if i["metadata"]["uid"] == uid] == [True]
    drop_down = api.get("/v1/registries/metadata").json()["items"]
    assert [(i["isPrivate"], i["endpoint"]) for i in drop_down if i["uid"] == uid] == [
        (True, ECR_HOST)]

    reply = api.delete(url)
    assert reply.status_code == 204 and reply.content == b""
    gone = api.get(url)
    assert (gone.status_code, gone.json()["code"]) == (404, "ResourceNotFound")
