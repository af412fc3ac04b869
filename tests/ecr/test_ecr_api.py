"""ECR through the API: endpoint rules, AWS guidance, and errors that say what to fix."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from chartyard.wire.clouds import EcrRequirements, StsAccount
from tests.ecr.conftest import ACCOUNT, ECR_HOST, REGION, ROLE_ARN, EcrWorld
from tests.ecr.test_ecr_sync import ECR, ecr_body, tenant_external_id
from tests.harness.app import Api


def _iam_user(world: EcrWorld, actions: list[str], monkeypatch: pytest.MonkeyPatch | None = None
              ) -> tuple[str, str]:
    """Create a moto IAM user allowed only ``actions``; return its access key pair.

    With ``monkeypatch``, the key pair becomes the chartyard server's own AWS identity.
    """
    iam = world.iam()
    name = f"chartyard-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    policy = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
    iam.put_user_policy(UserName=name, PolicyName="only", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    if monkeypatch is not None:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    return key["AccessKeyId"], key["SecretAccessKey"]


NOT_ECR_ENDPOINTS = (
    "harbor.example.com",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example",
    "http://123456789012.dkr.ecr.us-east-1.amazonaws.com",
    f"{ECR_HOST}/team-a",
)


def test_endpoint_that_is_not_an_ecr_host_is_422(api: Api, world: EcrWorld) -> None:
    for endpoint in NOT_ECR_ENDPOINTS:
        reply = api.post(ECR, json=ecr_body("not-ecr", world, endpoint=endpoint))
        assert reply.status_code == 422, (endpoint, reply.text)
        error = reply.json()
        assert error["code"] == "ValidationError", endpoint
        assert error["details"]["field"] == "spec.endpoint", endpoint
        assert error["message"].startswith("spec.endpoint"), endpoint
        assert "not an ECR host" in error["message"], endpoint
    assert not world.recorder.calls()  # rejected before any AWS call


def test_pasted_https_scheme_is_stripped_with_a_notice(api: Api, world: EcrWorld) -> None:
    reply = api.post(ECR, json=ecr_body("pasted", world, endpoint=f"https://{ECR_HOST}/"))
    assert reply.status_code == 201, reply.text
    created = reply.json()
    assert "https://" in created["notice"] and "without a scheme" in created["notice"]
    shown = api.get(f"/v1/registries/oci/{created['uid']}/ecr").json()
    assert shown["spec"]["endpoint"] == f"https://{ECR_HOST}/"  # returned as it was sent
    assert shown["spec"]["credentials"]["sts"] == {"arn": ROLE_ARN,
                                                   "externalId": tenant_external_id(api)}


def test_requirements_fill_in_the_tenant(api: Api, world: EcrWorld) -> None:
    external_id = tenant_external_id(api)
    reply = api.get("/v1/registries/oci/ecr/requirements", params={"endpoint": ECR_HOST})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    # Exactly the declared wire models: nothing missing, nothing added.
    assert EcrRequirements.model_validate(body).model_dump(mode="json", by_alias=True) == body
    sts = api.get("/v1/clouds/aws/account/sts").json()
    assert StsAccount.model_validate(sts).model_dump(mode="json", by_alias=True) == sts
    assert body["region"] == REGION and body["partition"] == "aws"
    actions = {a for s in body["iamPolicy"]["Statement"] for a in s["Action"]}
    assert {"ecr:ListImages", "ecr:DescribeRepositories", "ecr:GetAuthorizationToken",
            "ecr:BatchGetImage", "ecr-public:GetRegistryCatalogData"} <= actions
    (trust,) = body["trustPolicy"]["Statement"]
    assert trust["Action"] == "sts:AssumeRole"
    assert trust["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": external_id}}
    assert body["s3LayerEndpoint"] == (
        "prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com"
    )

    other = api.get("/v1/registries/oci/ecr/requirements",
                    params={"endpoint": "111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn"})
    assert other.status_code == 200, other.text
    assert other.json()["s3LayerEndpoint"] == (
        "prod-cn-north-1-starport-layer-bucket.s3.cn-north-1.amazonaws.com.cn"
    )
    bad = api.get("/v1/registries/oci/ecr/requirements", params={"endpoint": "ghcr.io/org"})
    assert bad.status_code == 422, bad.text
    assert bad.json()["details"]["field"] == "endpoint"


def test_metadata_lists_the_ecr_registry(api: Api, world: EcrWorld) -> None:
    reply = api.post(ECR, json=ecr_body("ecr-meta", world), params={"skipValidation": "true"})
    assert reply.status_code == 201, reply.text
    uid = reply.json()["uid"]
    items = api.get("/v1/registries/metadata").json()["items"]
    (entry,) = [item for item in items if item["uid"] == uid]
    assert entry["name"] == "ecr-meta"
    assert entry["kind"] == "oci-ecr"
    assert entry["isPrivate"] is True
    assert entry["isSyncSupported"] is True
    summary = api.get("/v1/registries/oci/summary").json()["items"]
    (row,) = [item for item in summary if item["metadata"]["uid"] == uid]
    assert row["spec"]["authType"] == "ECR (STS)"


def test_assume_role_denied_names_role_principal_and_external_id(
    api: Api, world: EcrWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    external_id = tenant_external_id(api)
    _iam_user(world, ["ecr:*"], monkeypatch)  # the server may not call sts:AssumeRole
    with world.moto.iam_enforced():
        reply = api.post(f"{ECR}/validate", json=ecr_body("denied", world))
    assert reply.status_code == 422, reply.text
    error = reply.json()
    assert error["code"] == "AssumeRoleFailed"
    assert ROLE_ARN in error["message"]
    assert f"arn:aws:iam::{ACCOUNT}:root" in error["message"]
    assert external_id in error["message"]
    details: dict[str, Any] = error["details"]
    assert details["roleArn"] == ROLE_ARN
    assert details["principalAccount"] == ACCOUNT
    assert details["externalId"] == external_id
    (sent,) = world.recorder.calls("AssumeRole")
    assert sent.params["ExternalId"] == external_id
    assert not world.recorder.calls("GetAuthorizationToken")


def test_unknown_static_keys_are_authentication_failed(api: Api, world: EcrWorld) -> None:
    body = ecr_body("bad-keys", world, credential_type="secret",
                    access_key="AKIANOTKNOWNTOMOTO99", secret_key="wrong-secret")
    with world.moto.iam_enforced():
        reply = api.post(f"{ECR}/validate", json=body)
    assert reply.status_code == 422, reply.text
    error = reply.json()
    assert error["code"] == "AuthenticationFailed"
    assert "AKIANOTKNOWNTOMOTO99" in error["message"]
    assert error["details"]["action"] == "ecr:GetAuthorizationToken"
    assert "wrong-secret" not in reply.text


def test_missing_permission_names_the_action(api: Api, world: EcrWorld) -> None:
    access_key, secret_key = _iam_user(world, ["ecr:GetAuthorizationToken"])
    body = ecr_body("no-list", world, credential_type="secret",
                    access_key=access_key, secret_key=secret_key)
    with world.moto.iam_enforced():
        reply = api.post(f"{ECR}/validate", json=body)
    assert reply.status_code == 422, reply.text
    error = reply.json()
    assert error["code"] == "MissingPermission"
    assert error["details"]["action"] == "ecr:DescribeRepositories"
    assert "grant ecr:DescribeRepositories" in error["message"]


def test_pod_identity_uses_the_servers_own_identity_without_assume_role(
    api: Api, world: EcrWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    _iam_user(world, ["ecr:*"], monkeypatch)  # the server's own identity reads ECR directly
    body = ecr_body("pod-identity", world, credential_type="pod-identity")
    body["spec"]["credentials"]["podIdentity"] = {"roleArn": ROLE_ARN}  # accepted, not used
    with world.moto.iam_enforced():
        reply = api.post(f"{ECR}/validate", json=body["spec"])  # the bare spec, as Palette
    assert reply.status_code == 204, reply.text
    assert world.recorder.calls("GetAuthorizationToken")
    assert not world.recorder.calls("AssumeRole")
