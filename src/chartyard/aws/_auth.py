"""Describe how chartyard authenticates to AWS for one ECR registry."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Literal

AuthKind = Literal["anonymous", "secret", "sts", "default"]

_ROLE_ARN = re.compile(r"arn:aws(?:-cn|-us-gov)?:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}")
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}")


@dataclass(frozen=True)
class EcrAuth:
    """Hold the credentials of one ECR registry; the secret key never appears in repr.

    ``secret`` uses a static access key pair. ``sts`` makes the server's own
    AWS identity (the default boto3 credential chain) assume ``role_arn``,
    sending ``external_id``. ``default`` uses the server's own AWS identity directly (the
    default credential chain: pod identity, IRSA, instance role or ``AWS_*`` variables), with
    no AssumeRole. ``anonymous`` is only meaningful for ECR Public.
    """

    kind: AuthKind
    access_key: str | None = None
    secret_key: str | None = None
    role_arn: str | None = None
    external_id: str | None = None

    def __post_init__(self) -> None:
        """Reject field combinations that cannot authenticate."""
        if self.kind == "secret":
            if not self.access_key or not self.secret_key:
                raise ValueError("secret credentials need both an access key and a secret key")
            if self.role_arn or self.external_id:
                raise ValueError("secret credentials take no role ARN or external ID")
        elif self.kind == "sts":
            if not self.role_arn or not _ROLE_ARN.fullmatch(self.role_arn):
                raise ValueError(
                    f"{self.role_arn!r} is not an IAM role ARN "
                    "(arn:aws:iam::<account-id>:role/<name>)"
                )
            if self.external_id is not None and not _EXTERNAL_ID.fullmatch(self.external_id):
                raise ValueError(
                    "an external ID is 2 to 1224 characters of letters, digits and +=,.@:/-"
                )
            if self.access_key or self.secret_key:
                raise ValueError(
                    "sts credentials take no access key: the server's identity is used"
                )
        elif self.kind in ("anonymous", "default"):
            if any((self.access_key, self.secret_key, self.role_arn, self.external_id)):
                raise ValueError(f"{self.kind} access takes no credentials")
        else:
            raise ValueError(f"unknown ECR credential type {self.kind!r}")

    def __repr__(self) -> str:
        """Show the credential type and identifiers, never the secret key."""
        secret = "'***'" if self.secret_key else "None"
        return (
            f"EcrAuth(kind={self.kind!r}, access_key={self.access_key!r}, "
            f"secret_key={secret}, role_arn={self.role_arn!r}, "
            f"external_id={self.external_id!r})"
        )

    @property
    def identity(self) -> str:
        """Return a cache-key string for this identity that does not reveal the secret."""
        if self.kind == "secret":
            digest = hashlib.sha256(f"{self.access_key}\0{self.secret_key}".encode()).hexdigest()
            return f"secret:{self.access_key}:{digest[:32]}"
        if self.kind == "sts":
            return f"sts:{self.role_arn}:{self.external_id or ''}"
        return self.kind


def generate_external_id() -> str:
    """Return a new random external ID for a tenant's trust policies."""
    return secrets.token_hex(16)
