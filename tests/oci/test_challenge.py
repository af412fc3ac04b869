"""The WWW-Authenticate parser."""

from __future__ import annotations

import pytest

from chartyard.oci import Challenge, ProtocolError, parse_challenge


def test_docker_bearer_challenge() -> None:
    [challenge] = parse_challenge(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
        'scope="repository:library/nginx:pull"'
    )
    assert challenge.scheme == "bearer"
    assert dict(challenge.params) == {
        "realm": "https://auth.docker.io/token",
        "service": "registry.docker.io",
        "scope": "repository:library/nginx:pull",
    }


def test_several_challenges_in_one_header() -> None:
    challenges = parse_challenge(
        'Basic realm="harbor", Bearer realm="https://h/service/token",service="harbor-registry",'
        ' Negotiate abc+/def==, NTLM'
    )
    assert [c.scheme for c in challenges] == ["basic", "bearer", "negotiate", "ntlm"]
    assert challenges[0].params == {"realm": "harbor"}
    assert challenges[1].params["service"] == "harbor-registry"
    assert challenges[2].token68 == "abc+/def=="
    assert challenges[3] == Challenge("ntlm", {})


def test_commas_and_escaped_quotes_inside_quoted_strings() -> None:
    [challenge] = parse_challenge(
        r'Bearer realm="https://a/t?x=1,2",scope="repository:a:pull,push",'
        r'error_description="say \"hi\", then \\ leave"'
    )
    assert challenge.params["realm"] == "https://a/t?x=1,2"
    assert challenge.params["scope"] == "repository:a:pull,push"
    assert challenge.params["error_description"] == 'say "hi", then \\ leave'


def test_scheme_and_param_names_are_case_insensitive_values_are_not() -> None:
    [challenge] = parse_challenge('BEARER Realm = "X" , SERVICE=Svc')
    assert challenge.scheme == "bearer"
    assert dict(challenge.params) == {"realm": "X", "service": "Svc"}


def test_empty_elements_and_first_value_wins() -> None:
    [challenge] = parse_challenge(' , Basic realm="a",, realm="b" ,')
    assert challenge.params == {"realm": "a"}


def test_empty_header() -> None:
    assert parse_challenge("") == []


@pytest.mark.parametrize(
    "header",
    ['Bearer realm="unterminated', 'Bearer realm="a" service="b"', '"quoted"'],
)
def test_malformed_headers_raise_protocol_error(header: str) -> None:
    with pytest.raises(ProtocolError):
        parse_challenge(header)
