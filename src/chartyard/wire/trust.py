"""Trust on the wire: verdicts, trusted keys and the policy."""

from __future__ import annotations

from pydantic import Field

from chartyard.wire.common import WireModel


class Verification(WireModel):
    """A chart version's signature verdict."""

    status: str = Field(description="verified | untrusted | invalid | unsigned")
    method: str = Field(description="helm-provenance")
    signer: str | None = None
    fingerprint: str | None = None
    reason: str = ""
    checked_at: str | None = Field(default=None, alias="checkedAt")


class TrustedKeyCreate(WireModel):
    """A key to trust: a name and an ASCII-armored OpenPGP public key."""

    name: str = Field(min_length=1, max_length=128)
    public_key: str = Field(alias="publicKey", max_length=65536)


class TrustedKeyCreated(WireModel):
    """The uid and fingerprint of a key just added."""

    uid: str
    fingerprint: str


class TrustedKeyItem(WireModel):
    """One trusted key."""

    uid: str
    name: str
    fingerprint: str
    user_ids: list[str] = Field(alias="userIds")


class TrustedKeys(WireModel):
    """The tenant's trusted keys."""

    items: list[TrustedKeyItem]


class TrustPolicyBody(WireModel):
    """The tenant's signature policy."""

    require_verified: bool = Field(default=False, alias="requireVerified")
