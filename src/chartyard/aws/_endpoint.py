"""Parse the endpoint of an Amazon ECR registry.

Supported forms (entered without a scheme):

- ``<account>.dkr.ecr.<region>.amazonaws.com`` (partitions ``aws`` and ``aws-us-gov``);
- ``<account>.dkr.ecr.<region>.amazonaws.com.cn`` (partition ``aws-cn``);
- ``<account>.dkr.ecr-fips.<region>.amazonaws.com`` (FIPS);
- ``public.ecr.aws/<alias>`` (ECR Public, whose API lives in ``us-east-1``).

Not supported: the dual-stack ``dkr-ecr`` hosts under ``on.aws``, the ISO
partitions, VPC endpoint DNS names, ports, and a path after a private host
or after a public alias (put those in the base content paths instead).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PUBLIC_HOST = "public.ecr.aws"
PUBLIC_API_REGION = "us-east-1"

EXPECTED_FORMS = (
    "<account-id>.dkr.ecr.<region>.amazonaws.com, "
    "<account-id>.dkr.ecr-fips.<region>.amazonaws.com, "
    "<account-id>.dkr.ecr.<region>.amazonaws.com.cn or "
    "public.ecr.aws/<alias>"
)

_PRIVATE_HOST = re.compile(
    r"(?P<account>[0-9]+)\.dkr\.ecr(?P<fips>-fips)?\."
    r"(?P<region>[a-z]{2}(?:-[a-z]+)+-[0-9]+)\."
    r"(?P<suffix>amazonaws\.com(?:\.cn)?)"
)
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_ALIAS = re.compile(r"[a-z0-9](?:[a-z0-9._-]{0,48}[a-z0-9])?")
_STRIPPED_SCHEMES = ("https://", "oci://")


class InvalidEcrEndpoint(ValueError):
    """Report an endpoint that is not an Amazon ECR registry host."""

    code = "InvalidEcrEndpoint"


@dataclass(frozen=True)
class EcrEndpoint:
    """Describe a parsed ECR registry endpoint."""

    host: str
    account_id: str | None
    region: str
    partition: str
    fips: bool = False
    public: bool = False
    alias: str | None = None
    notice: str | None = None

    @property
    def registry_path(self) -> str:
        """Return the repository path prefix the endpoint carries ("" or the alias)."""
        return self.alias or ""

    @property
    def oci_endpoint(self) -> str:
        """Return the endpoint as the OCI client takes it, e.g. ``https://public.ecr.aws/x``."""
        path = f"/{self.alias}" if self.alias else ""
        return f"https://{self.host}{path}"


def partition_for_region(region: str) -> str:
    """Return the AWS partition a region belongs to."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def parse_ecr_endpoint(raw: str) -> EcrEndpoint:
    """Parse an ECR endpoint as a user typed it; raise InvalidEcrEndpoint if it is not one."""
    text = raw.strip()
    notice: str | None = None
    lowered = text.lower()
    for scheme in _STRIPPED_SCHEMES:
        if lowered.startswith(scheme):
            text = text[len(scheme) :]
            notice = f"removed the {scheme} scheme: ECR endpoints are entered without a scheme"
            break
    else:
        if "://" in text:
            scheme = text.split("://", 1)[0]
            raise _invalid(raw, f"the {scheme}:// scheme is not allowed (ECR is HTTPS only)")
    text = text.rstrip("/")
    host, _, path = text.partition("/")
    host = host.lower()
    if host == PUBLIC_HOST:
        return _parse_public(raw, path, notice)
    return _parse_private(raw, host, path, notice)


def _parse_public(raw: str, path: str, notice: str | None) -> EcrEndpoint:
    if not path:
        raise _invalid(
            raw, "a public ECR endpoint needs the registry alias: public.ecr.aws/<alias>"
        )
    alias, _, rest = path.partition("/")
    if rest:
        raise _invalid(
            raw,
            f"only the alias may follow public.ecr.aws; put {rest!r} in the base content paths",
        )
    if not _ALIAS.fullmatch(alias):
        raise _invalid(raw, f"{alias!r} is not a valid ECR Public registry alias")
    return EcrEndpoint(
        host=PUBLIC_HOST,
        account_id=None,
        region=PUBLIC_API_REGION,
        partition="aws",
        public=True,
        alias=alias,
        notice=notice,
    )


def _parse_private(raw: str, host: str, path: str, notice: str | None) -> EcrEndpoint:
    match = _PRIVATE_HOST.fullmatch(host)
    if match is None:
        raise _invalid(raw)
    account, region, suffix = match["account"], match["region"], match["suffix"]
    if not _ACCOUNT_ID.fullmatch(account):
        raise _invalid(raw, f"the account ID {account!r} must be exactly 12 digits")
    partition = partition_for_region(region)
    if (partition == "aws-cn") != suffix.endswith(".cn"):
        raise _invalid(raw, f"region {region} does not belong under {suffix}")
    fips = match["fips"] is not None
    if fips and partition == "aws-cn":
        raise _invalid(raw, "there are no FIPS ECR endpoints in the China regions")
    if path:
        raise _invalid(
            raw,
            f"a private ECR endpoint has no path; put {path!r} in the base content paths",
        )
    return EcrEndpoint(
        host=host,
        account_id=account,
        region=region,
        partition=partition,
        fips=fips,
        notice=notice,
    )


def _invalid(raw: str, reason: str | None = None) -> InvalidEcrEndpoint:
    because = f" ({reason})" if reason else ""
    return InvalidEcrEndpoint(
        f"{raw.strip()!r} is not an ECR host{because}; expected {EXPECTED_FORMS}"
    )
