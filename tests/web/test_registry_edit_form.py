"""The Edit registry form is filled from the kind's declared inputs; a stored secret is kept."""

from __future__ import annotations

import re

import pytest
from tests.harness.app import ADMIN_PASSWORD, Api, basic_body
from tests.harness.registry import RegistryServer

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _csrf(html: str) -> str:
    match = _CSRF.search(html)
    assert match, html
    return match.group(1)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_edit_form_shows_a_stored_password_and_keeps_it_when_left_empty(
        api: Api, tls_registry: RegistryServer) -> None:
    body = basic_body("harbor", tls_registry.url, username=tls_registry.username or "",
                      password=tls_registry.password, ca=tls_registry.ca_pem or "")
    r = api.post("/v1/registries/oci/basic", body)
    assert r.status_code == 201, r.text
    uid = r.json()["uid"]
    login = api.client.post("/login", data={
        "username": "admin", "password": ADMIN_PASSWORD, "next": "/settings/registries",
        "csrf_token": _csrf(api.client.get("/login").text)}, follow_redirects=False)
    assert login.status_code == 303, login.text

    page = api.client.get(f"/settings/registries/{uid}/edit")
    assert page.status_code == 200, page.text
    html = page.text
    assert re.search(rf'<input id="username" name="username" value="{tls_registry.username}" ',
                     html), html
    assert re.search(r'<input id="password" name="password" type="password" '
                     r'autocomplete="new-password" aria-describedby="password-help '
                     r'err-password"\s+placeholder="unchanged">', html), html
    assert "A password is stored; leave empty to keep it." in html
    assert "BEGIN CERTIFICATE" in html  # the CA, from auth.tls

    form = {"csrf_token": _csrf(html), "kind": "basic", "name": "harbor",
            "endpoint": tls_registry.url, "username": tls_registry.username or "",
            "password": "", "caCertificate": tls_registry.ca_pem or "", "action": "confirm"}
    r = api.client.post(f"/settings/registries/{uid}/edit", data=form,
                        headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.json()["ok"], r.text  # validated with the stored one
    auth = api.get(f"/v1/registries/oci/{uid}/basic").json()["spec"]["auth"]
    assert (auth["type"], auth["passwordSet"]) == ("basic", True)

    r = api.client.post(f"/settings/registries/{uid}/edit",
                        data={**form, "password": "wrong-password"},
                        headers={"Accept": "application/json"})
    assert r.status_code == 422, r.text
    assert (r.json()["code"], r.json()["field"]) == ("AuthenticationFailed", "password")
