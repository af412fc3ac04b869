"""One generic step builds every kind's spec from its declared CLI options."""

from __future__ import annotations

from typing import Any

import pytest

from chartyard.registries.kinds import CliOption, CliUsageError, RegistryKind, get_kind
from chartyard.registries.kinds.cli import spec_from_cli
from chartyard.registries.kinds.helm import HelmKind


def _secret(asked: list[tuple[bool, str]]) -> Any:
    def read(from_stdin: bool, prompt: str) -> str:
        asked.append((from_stdin, prompt))
        return "s3cret"
    return read


class DataOnlyKind(HelmKind):
    """A kind whose options are all data: no rules of its own."""

    name = "dataonly"
    cli_options = (
        CliOption("endpoint", ("--endpoint",), "URL.", spec_path="endpoint"),
        CliOption("mirror", ("--mirror",), "Mirrors.", multiple=True, spec_path="a.b.mirrors"),
        CliOption("fast", ("--fast",), "Fast.", bool, False, is_flag=True, spec_path="a.fast"),
        CliOption("label", ("--label",), "Label.", spec_path="a.label"),
        CliOption("ca_file", ("--ca-file",), "CA.", ca_file=True, spec_path="tls.certificate"),
    )
    cli_rules = RegistryKind.cli_rules


def test_a_kind_of_data_only_needs_no_rules() -> None:
    spec = spec_from_cli(DataOnlyKind(), {"endpoint": "https://x", "mirror": ("m1", "m2"),
                                          "fast": True, "label": "", "ca_pem": "PEM"},
                         _secret([]))
    assert spec == {"endpoint": "https://x", "a": {"b": {"mirrors": ["m1", "m2"]}, "fast": True},
                    "tls": {"certificate": "PEM"}}


def test_basic_maps_options_and_reads_the_password() -> None:
    asked: list[tuple[bool, str]] = []
    spec = spec_from_cli(get_kind("basic"), {
        "endpoint": "https://h", "username": "u", "password_stdin": True, "ca_pem": "",
        "insecure": True, "repository": ["a/b"]}, _secret(asked))
    assert spec == {"endpoint": "https://h", "repositories": ["a/b"],
                    "auth": {"type": "basic", "username": "u", "password": "s3cret",
                             "tls": {"certificate": "", "insecureSkipVerify": True}}}
    assert asked == [(True, "Password")]


def test_basic_without_username_is_anonymous_and_asks_nothing() -> None:
    asked: list[tuple[bool, str]] = []
    spec = spec_from_cli(get_kind("basic"), {"endpoint": "https://h"}, _secret(asked))
    assert spec["auth"] == {"type": "noAuth",
                            "tls": {"certificate": "", "insecureSkipVerify": False}}
    assert spec["repositories"] == [] and asked == []


@pytest.mark.parametrize(("options", "hint"), [
    ({"access_key": "AK", "role_arn": "arn:aws:iam::1:role/r"}, "--role-arn"),
    ({"public": True, "access_key": "AK"}, "--public"),
    ({"secret_key_stdin": True}, "--access-key"),
    ({}, "--access-key"),
])
def test_ecr_rules_refuse_contradictions(options: dict[str, Any], hint: str) -> None:
    with pytest.raises(CliUsageError) as caught:
        spec_from_cli(get_kind("ecr"), {"endpoint": "1.dkr.ecr.eu-west-1.amazonaws.com",
                                        **options}, _secret([]))
    assert caught.value.param_hint == hint


def test_ecr_static_keys_role_and_public() -> None:
    ecr, endpoint = get_kind("ecr"), "1.dkr.ecr.eu-west-1.amazonaws.com"
    asked: list[tuple[bool, str]] = []
    keys = spec_from_cli(ecr, {"endpoint": endpoint, "access_key": "AK"}, _secret(asked))
    assert keys["credentials"] == {"credentialType": "secret", "accessKey": "AK",
                                   "secretKey": "s3cret"}
    assert keys["isPrivate"] is True and asked == [(False, "Secret access key")]
    role = spec_from_cli(ecr, {"endpoint": endpoint, "role_arn": "arn:aws:iam::1:role/r"},
                         _secret([]))
    assert role["credentials"] == {"credentialType": "sts",
                                   "sts": {"arn": "arn:aws:iam::1:role/r"}}
    public = spec_from_cli(ecr, {"endpoint": "public.ecr.aws/x", "public": True}, _secret([]))
    assert public["isPrivate"] is False
    assert public["credentials"] == {"credentialType": "secret", "accessKey": ""}
