"""Kinds' forms as data: reading a submitted form, filling an edit form, sharing sections."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.datastructures import FormData

from chartyard.registries.families import all_families
from chartyard.registries.kinds import all_kinds, get_kind, register_kind
from chartyard.registries.kinds.form import (
    HIDEABLE_INPUTS,
    SHARED_INPUTS,
    Group,
    Input,
    KindForm,
    Section,
    shared_sections,
    shown,
)
from chartyard.web.forms import RegistryForm, read_registry_form
from tests.registries.example.pullthrough import PullThroughKind

BASIC, ECR, HELM = get_kind("basic"), get_kind("ecr"), get_kind("helm")


def _spec(kind_name: str, typed: dict[str, str], ca: str = "", insecure: bool = False
          ) -> dict[str, Any]:
    kind = get_kind(kind_name)
    values = kind.form.read(typed.get)
    spec = kind.form.spec(values, ca, insecure)
    kind.finish_form_spec(spec, values)
    return spec


def test_basic_form_builds_auth_from_what_is_typed() -> None:
    assert _spec("basic", {"username": " robot ", "password": " p w "}, "PEM", True) == {
        "auth": {"type": "basic", "username": "robot", "password": " p w ",
                 "tls": {"certificate": "PEM", "insecureSkipVerify": True}}}
    assert _spec("basic", {})["auth"] == {
        "type": "noAuth", "username": "", "password": None,
        "tls": {"certificate": "", "insecureSkipVerify": False}}
    assert len(BASIC.form.read({"username": "u" * 5000}.get)["username"]) == 256


def test_ecr_form_reads_credentials_and_falls_back_to_an_offered_choice() -> None:
    spec = _spec("ecr", {"ecrAuth": "on", "credentialType": "sts", "accessKey": "AKIA",
                         "stsArn": "arn:aws:iam::1:role/r"})
    assert spec == {"isPrivate": True,
                    "credentials": {"credentialType": "sts", "accessKey": "AKIA",
                                    "secretKey": None, "sts": {"arn": "arn:aws:iam::1:role/r"}},
                    "tls": {"certificate": "", "insecureSkipVerify": False}}
    spec = _spec("ecr", {"credentialType": "anything-else"})
    assert spec["isPrivate"] is False
    assert spec["credentials"]["credentialType"] == "secret"


def test_an_edit_form_is_filled_from_the_get_body_without_secrets() -> None:
    body = {"metadata": {"name": "prod"}, "spec": {
        "endpoint": "1.dkr.ecr.eu-west-1.amazonaws.com", "providerType": "helm",
        "isSyncSupported": True, "isPrivate": True, "baseContentPath": "a, b",
        "credentials": {"credentialType": "secret", "accessKey": "AKIA", "secretKey": "",
                        "secretKeySet": True, "sts": {"arn": "", "externalId": "x"}},
        "tls": {"certificate": "", "ca": "CA PEM", "insecureSkipVerify": True}}}
    form = RegistryForm.from_body(ECR, body)
    assert form.values == {"ecrAuth": True, "credentialType": "secret", "accessKey": "AKIA",
                           "secretKey": "", "stsArn": ""}
    assert form.secrets_set == {"secretKey"}
    assert (form.ca_pem, form.insecure, form.base_paths) == ("CA PEM", True, ("a", "b"))
    # Saving it unchanged keeps the stored secret key (None) and sends the rest back.
    assert form.body()["spec"]["credentials"] == {
        "credentialType": "secret", "accessKey": "AKIA", "secretKey": None, "sts": {"arn": ""}}

    helm = RegistryForm.from_body(HELM, {"metadata": {"name": "h"}, "spec": {
        "endpoint": "https://c.example.com", "isSyncSupported": False,
        "passCredentialsAll": True,
        "auth": {"type": "basic", "username": "u", "password": "", "passwordSet": True,
                 "tls": {"certificate": "PEM", "insecureSkipVerify": False}}}})
    assert helm.values == {"helmAuth": "basic", "username": "u", "password": "",
                           "passCredentialsAll": True}
    assert (helm.secrets_set, helm.ca_pem) == ({"password"}, "PEM")


def test_errors_name_the_input_that_shows_them() -> None:
    assert BASIC.form.error_inputs()["spec.auth.token"] == "password"
    assert BASIC.form.error_inputs()["spec.auth.tls.certificate"] == "caCertificate"
    assert ECR.form.error_inputs()["spec.tls.certificate"] == "caCertificate"
    assert ECR.form.error_inputs()["spec.credentials.sts.arn"] == "stsArn"
    assert ECR.error_input("AuthenticationFailed", {"credentialType": "sts"}) == "stsArn"
    assert ECR.error_input("AuthenticationFailed", {"credentialType": "secret"}) == "secretKey"


def test_conditions_need_every_part_and_accept_alternatives() -> None:
    values = {"kind": "basic", "sync": True, "auth": "sts"}
    assert shown("", values)
    assert shown("kind:basic,pullthrough;sync:on", values)
    assert not shown("kind:ecr,pullthrough", values)
    assert not shown("kind:basic;sync:off", values)
    assert not shown("auth:secret", values)


def test_each_familys_kinds_render_together() -> None:
    for family in all_families():
        kinds = family.kinds()
        sections = shared_sections((k.name, k.form) for k in kinds)
        ids = [s.section.id for s in sections]
        assert len(ids) == len(set(ids)), family.name


def test_a_kind_built_on_another_shares_its_sections() -> None:
    example = PullThroughKind()
    shared = shared_sections([("basic", BASIC.form), ("pullthrough", example.form)])
    assert [(s.section.id, s.kinds) for s in shared] == [
        ("auth-basic", ("basic", "pullthrough")), ("cache", ("pullthrough",))]


def test_clashing_sections_or_inputs_are_refused() -> None:
    one = KindForm(sections=(Section("auth", "A", (Input("user", "User", "u"),)),))
    other_section = KindForm(sections=(Section("auth", "B", (Input("x", "X", "x"),)),))
    same_input = KindForm(sections=(Section("more", "M", (Group((Input("user", "U"),)),)),))
    with pytest.raises(ValueError, match="another section 'auth'"):
        shared_sections([("a", one), ("b", other_section)])
    with pytest.raises(ValueError, match="input 'user'"):
        shared_sections([("a", one), ("b", same_input)])


def test_kinds_relabel_and_hide_only_shared_inputs() -> None:
    for kind in (*all_kinds(), PullThroughKind()):
        assert set(kind.form.labels) <= set(SHARED_INPUTS), kind.name
        assert kind.form.hidden <= set(HIDEABLE_INPUTS), kind.name


async def test_a_submitted_form_drops_shared_inputs_the_kind_hides() -> None:
    unregister = register_kind(PullThroughKind())
    try:
        sent = FormData([("kind", "pullthrough"), ("name", "c"), ("endpoint", "r.example"),
                         ("sync", "on"), ("repositories", "typed-before-switching"),
                         ("baseContentPath", "charts"), ("upstream", "docker.io")])
        form = await read_registry_form(sent)
        spec = form.body()["spec"]
    finally:
        unregister()
    assert (form.repositories, form.base_paths) == ((), ("charts",))
    assert form.values == {"username": "", "password": "", "upstream": "docker.io"}
    assert (spec["upstream"], spec["repositories"]) == ("docker.io", [])
