"""AWS guidance on the wire: the account and external ID to trust, ECR requirements."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from chartyard.wire.common import WireModel


class StsAccount(WireModel):
    """chartyard's AWS account and this tenant's external ID, for an IAM trust policy."""

    account_id: str = Field(alias="accountId")
    external_id: str = Field(alias="externalId")
    partition: str


class EcrRequirements(WireModel):
    """What an AWS admin configures for chartyard to read an ECR endpoint."""

    endpoint: str
    notice: str | None
    region: str
    partition: str
    iam_policy: dict[str, Any] = Field(alias="iamPolicy")
    trust_policy: dict[str, Any] | None = Field(
        alias="trustPolicy", description="null while chartyard's own account is unknown")
    external_id: str = Field(alias="externalId")
    principal_account_id: str | None = Field(alias="principalAccountId")
    s3_layer_endpoint: str = Field(alias="s3LayerEndpoint")
