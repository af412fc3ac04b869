"""ECR end to end: registries with STS or static keys sync helm-pushed charts into the catalog."""

from __future__ import annotations

import json
from typing import Any

from chartyard.store.models import Registry
from tests.ecr.conftest import ACCOUNT, BASE_PATH, ECR_HOST, ROLE_ARN, TOKEN_PASSWORD, EcrWorld
from tests.harness.app import Api
from tests.sync.conftest import catalog, sync_now

ECR = "/v1/registries/oci/ecr"
GET_TOKEN = "GetAuthorizationToken"
TENANT_ACCESS_KEY = "AKIATENANTSTATICKEY1"
TENANT_SECRET_KEY = "tenant-Static-Secret-9f3"


def ecr_body(name: str, world: EcrWorld, *, credential_type: str = "sts",
             endpoint: str = ECR_HOST, role_arn: str = ROLE_ARN,
             access_key: str = "", secret_key: str | None = None) -> dict[str, Any]:
    """Return an ECR registry body for the test world's registry."""
    credentials: dict[str, Any] = {"credentialType": credential_type}
    if credential_type == "sts":
        credentials["sts"] = {"arn": role_arn}
    else:
        credentials.update(accessKey=access_key, secretKey=secret_key)
    return {"metadata": {"name": name},
            "spec": {"endpoint": endpoint, "isPrivate": True, "isSyncSupported": True,
                     "providerType": "helm", "baseContentPath": [BASE_PATH],
                     "credentials": credentials,
                     "tls": {"certificate": world.ca_pem, "insecureSkipVerify": False}}}


def tenant_external_id(api: Api) -> str:
    """Return the tenant's external ID as served to the AWS admin."""
    reply = api.get("/v1/clouds/aws/account/sts")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["accountId"] == ACCOUNT
    assert body["partition"] == "aws"
    external_id: str = body["externalId"]
    assert external_id
    return external_id


def test_sts_registry_syncs_helm_pushed_charts(api: Api, world: EcrWorld) -> None:
    """Acceptance: an STS ECR registry synchronizes charts pushed by real helm."""
    external_id = tenant_external_id(api)
    body = ecr_body("ecr-sts", world)

    reply = api.post(f"{ECR}/validate", json=body)
    assert reply.status_code == 204, reply.text
    reply = api.post(ECR, json=body)
    assert reply.status_code == 201, reply.text
    uid = reply.json()["uid"]

    outcome = sync_now(api.ctx, uid)
    assert outcome.status == "Completed", outcome
    expected = world.expected_catalog()
    assert expected and all(repo.startswith(f"{BASE_PATH}/") for repo in expected)
    assert catalog(api, uid) == expected  # team-b/other is outside the base path
    status = api.get(f"/v1/registries/oci/{uid}/ecr/sync/status").json()
    assert status["status"] == "Completed", status
    assert status["progress"]["repositoriesTotal"] == len(expected)
    assert status["progress"]["chartVersions"] == 3

    # Every AssumeRole carried the tenant's external ID for the configured role.
    assumed = world.recorder.calls("AssumeRole")
    assert assumed, "no sts:AssumeRole call was recorded"
    for call in assumed:
        assert call.params["RoleArn"] == ROLE_ARN
        assert call.params["ExternalId"] == external_id
    # Listing went through the ECR API of the endpoint's account.
    listed = world.recorder.calls("DescribeRepositories")
    assert listed and all(c.params["registryId"] == ACCOUNT for c in listed)
    images = world.recorder.calls("ListImages")
    assert {c.params["repositoryName"] for c in images} >= set(expected)
    assert "team-b/other" not in {c.params["repositoryName"] for c in images}
    # The ECR calls were signed with the assumed role's credentials, not the server's own.
    server_key = world.recorder.calls("AssumeRole")[0].access_key
    assert all(c.access_key != server_key for c in images)

    # Chart contents are read through the registry's /v2/ API with the ECR token.
    alpha = world.charts[1]
    tags = api.get(f"/v1/packs/{alpha.name}/registries/{uid}").json()["tags"]
    assert [t["tag"] for t in tags] == ["1.2.0", "1.0.0"]
    pack = next(t for t in tags if t["tag"] == alpha.tag)
    assert pack["digest"] == alpha.digest
    detail = api.get(f"/v1/packs/{pack['packUid']}").json()
    assert detail["ociRef"] == f"oci://{ECR_HOST}/{alpha.repository}"
    values = api.get(f"/v1/packs/{pack['packUid']}/values")
    assert values.status_code == 200, values.text
    assert values.text == alpha.values


def test_static_keys_registry_hides_secret_and_syncs(api: Api, world: EcrWorld) -> None:
    body = ecr_body("ecr-keys", world, credential_type="secret",
                    access_key=TENANT_ACCESS_KEY, secret_key=TENANT_SECRET_KEY)
    reply = api.post(ECR, json=body)
    assert reply.status_code == 201, reply.text
    uid = reply.json()["uid"]

    reply = api.get(f"/v1/registries/oci/{uid}/ecr")
    assert reply.status_code == 200, reply.text
    shown = reply.json()
    credentials = shown["spec"]["credentials"]
    assert credentials["credentialType"] == "secret"
    assert credentials["accessKey"] == TENANT_ACCESS_KEY
    assert credentials["secretKey"] == ""
    assert credentials["secretKeySet"] is True
    assert TENANT_SECRET_KEY not in reply.text
    assert shown["spec"]["endpoint"] == ECR_HOST
    with api.ctx.transaction() as session:
        stored = session.get(Registry, uid)
        assert stored is not None
        assert TENANT_SECRET_KEY not in json.dumps(stored.spec)
        assert stored.secrets_enc and TENANT_SECRET_KEY not in stored.secrets_enc

    assert sync_now(api.ctx, uid).status == "Completed"
    assert catalog(api, uid) == world.expected_catalog()
    # No role was assumed: every AWS call was signed with the tenant's static key.
    calls = world.recorder.calls()
    assert not world.recorder.calls("AssumeRole")
    assert {c.access_key for c in calls} == {TENANT_ACCESS_KEY}


def test_token_and_role_reused_within_expiry_across_syncs(api: Api, world: EcrWorld) -> None:
    """One AssumeRole and one GetAuthorizationToken serve two syncs (moto's token is past
    its expiry when issued: it is used for a grace period, never refetched in a loop)."""
    reply = api.post(ECR, json=ecr_body("ecr-reuse", world), params={"skipValidation": "true"})
    assert reply.status_code == 201, reply.text
    uid = reply.json()["uid"]
    assert not world.recorder.calls(GET_TOKEN)

    first = sync_now(api.ctx, uid)
    second = sync_now(api.ctx, uid, force=True)  # forced: every known digest is re-checked

    assert first.status == second.status == "Completed"
    assert first.added == 3
    assert second.requests >= 3  # the second sync did use the registry, with the token
    assert len(world.recorder.calls(GET_TOKEN)) == 1
    assert len(world.recorder.calls("AssumeRole")) == 1
    assert api.ctx.sources.token_cache.size() == 1


def test_rejected_token_is_refreshed_once_then_reported(api: Api, world: EcrWorld) -> None:
    """A registry that rejects the ECR token gets one fresh token, then a clear error."""
    world.registry.set_user("AWS", "not-the-ecr-token")
    try:
        reply = api.post(f"{ECR}/validate", json=ecr_body("ecr-stale", world))
    finally:
        world.registry.set_user("AWS", TOKEN_PASSWORD)
    assert reply.status_code == 422, reply.text
    error = reply.json()
    assert error["code"] == "AuthenticationFailed"
    assert ECR_HOST in error["message"]
    assert "ECR authorization token" in error["message"]
    assert len(world.recorder.calls(GET_TOKEN)) == 2  # the first token and one refresh

    # With the registry accepting the token again, the same settings validate.
    reply = api.post(f"{ECR}/validate", json=ecr_body("ecr-stale", world))
    assert reply.status_code == 204, reply.text
