"""Parsing ECR endpoints as users type them."""

from __future__ import annotations

import pytest

from chartyard.aws import EcrEndpoint, InvalidEcrEndpoint, parse_ecr_endpoint

A = "123456789012"


def _private(host: str, region: str, partition: str = "aws", fips: bool = False) -> EcrEndpoint:
    return EcrEndpoint(host, A, region, partition, fips=fips)


VALID = [
    (
        f"{A}.dkr.ecr.us-east-1.amazonaws.com",
        _private(f"{A}.dkr.ecr.us-east-1.amazonaws.com", "us-east-1"),
    ),
    (
        f"{A}.dkr.ecr.cn-north-1.amazonaws.com.cn",
        _private(f"{A}.dkr.ecr.cn-north-1.amazonaws.com.cn", "cn-north-1", "aws-cn"),
    ),
    (
        f"{A}.dkr.ecr-fips.us-gov-west-1.amazonaws.com",
        _private(
            f"{A}.dkr.ecr-fips.us-gov-west-1.amazonaws.com", "us-gov-west-1", "aws-us-gov", True
        ),
    ),
    (
        f"{A}.dkr.ecr-fips.us-east-2.amazonaws.com/",
        _private(f"{A}.dkr.ecr-fips.us-east-2.amazonaws.com", "us-east-2", fips=True),
    ),
    (
        "public.ecr.aws/my-alias",
        EcrEndpoint("public.ecr.aws", None, "us-east-1", "aws", public=True, alias="my-alias"),
    ),
    (
        f"  {A}.DKR.ECR.eu-west-1.amazonaws.com  ",
        _private(f"{A}.dkr.ecr.eu-west-1.amazonaws.com", "eu-west-1"),
    ),
]


@pytest.mark.parametrize(("raw", "expected"), VALID, ids=[raw.strip() for raw, _ in VALID])
def test_valid_endpoints(raw: str, expected: EcrEndpoint) -> None:
    assert parse_ecr_endpoint(raw) == expected


def test_registry_path_and_oci_endpoint() -> None:
    private = parse_ecr_endpoint("123456789012.dkr.ecr.us-east-1.amazonaws.com")
    public = parse_ecr_endpoint("public.ecr.aws/my-alias/")
    assert private.registry_path == ""
    assert private.oci_endpoint == "https://123456789012.dkr.ecr.us-east-1.amazonaws.com"
    assert public.registry_path == "my-alias"
    assert public.oci_endpoint == "https://public.ecr.aws/my-alias"


@pytest.mark.parametrize("scheme", ["https://", "HTTPS://", "oci://"])
def test_pasted_scheme_is_stripped_with_notice(scheme: str) -> None:
    endpoint = parse_ecr_endpoint(f"{scheme}123456789012.dkr.ecr.us-west-2.amazonaws.com/")
    assert endpoint.host == "123456789012.dkr.ecr.us-west-2.amazonaws.com"
    assert endpoint.region == "us-west-2"
    assert endpoint.notice == (
        f"removed the {scheme.lower()} scheme: ECR endpoints are entered without a scheme"
    )
    public = parse_ecr_endpoint(f"{scheme}public.ecr.aws/my-alias")
    assert public.alias == "my-alias"
    assert public.notice is not None


def test_no_notice_without_scheme() -> None:
    assert parse_ecr_endpoint("123456789012.dkr.ecr.us-east-1.amazonaws.com").notice is None


INVALID = [
    ("harbor.example.com", "is not an ECR host"),
    ("http://123456789012.dkr.ecr.us-east-1.amazonaws.com", "http:// scheme is not allowed"),
    ("ftp://123456789012.dkr.ecr.us-east-1.amazonaws.com", "ftp:// scheme is not allowed"),
    ("12345678901.dkr.ecr.us-east-1.amazonaws.com", "must be exactly 12 digits"),
    ("1234567890123.dkr.ecr.us-east-1.amazonaws.com", "must be exactly 12 digits"),
    ("abcdefghijkl.dkr.ecr.us-east-1.amazonaws.com", "is not an ECR host"),
    (f"{A}.dkr.ecr.us-east-1.amazonaws.com/team-a", "put 'team-a' in the base content paths"),
    ("123456789012.dkr.ecr.us-east-1.amazonaws.com:443", "is not an ECR host"),
    ("123456789012.dkr.ecr.cn-north-1.amazonaws.com", "does not belong under amazonaws.com"),
    ("123456789012.dkr.ecr.us-east-1.amazonaws.com.cn", "does not belong under amazonaws.com.cn"),
    ("123456789012.dkr.ecr-fips.cn-north-1.amazonaws.com.cn", "no FIPS ECR endpoints"),
    ("123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example", "is not an ECR host"),
    ("ecr.us-east-1.amazonaws.com", "is not an ECR host"),
    ("public.ecr.aws", "needs the registry alias"),
    ("public.ecr.aws/my-alias/charts", "put 'charts' in the base content paths"),
    ("public.ecr.aws/Bad_Alias!", "not a valid ECR Public registry alias"),
    ("", "is not an ECR host"),
]


@pytest.mark.parametrize(("raw", "reason"), INVALID, ids=[raw or "<empty>" for raw, _ in INVALID])
def test_invalid_endpoints(raw: str, reason: str) -> None:
    with pytest.raises(InvalidEcrEndpoint) as excinfo:
        parse_ecr_endpoint(raw)
    message = str(excinfo.value)
    assert "is not an ECR host" in message
    assert reason in message
    # The message shows every accepted form.
    assert "<account-id>.dkr.ecr.<region>.amazonaws.com" in message
    assert "public.ecr.aws/<alias>" in message
    assert isinstance(excinfo.value, ValueError)
