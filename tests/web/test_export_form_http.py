"""The profile export form over HTTP: CSRF, the viewer role, tenant scoping, and sensitive
values that never come back in the page."""

from __future__ import annotations

import re
import uuid

from tests.harness.app import Api

from chartyard.auth import service as auth
from chartyard.auth.roles import Role

_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')
_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "ui-Export-Secret-1"
SECRET = "tok-Export-Sensitive-4b1c"


def _profile(api: Api) -> str:
    r = api.post("/v1/clusterprofiles", {
        "metadata": {"name": f"vars-{uuid.uuid4().hex[:6]}"},
        "spec": {"version": "1.0.0", "template": {"type": "add-on", "packs": []},
                 "variables": [
                     {"name": "replicas", "format": "number", "required": True},
                     {"name": "token", "isSensitive": True, "required": True,
                      "defaultValue": SECRET},
                     {"name": "zone", "hidden": True, "defaultValue": "eu-1"}]}})
    assert r.status_code == 201, r.text
    return str(r.json()["uid"])


def _login(api: Api, role: Role, tenant: str = "default") -> str:
    """Sign a new user of `role` in through the login form; return the page's CSRF token."""
    name = f"{role.value}-{uuid.uuid4().hex[:6]}"
    with api.ctx.transaction() as session:
        if tenant != "default":
            auth.create_tenant(session, tenant)
        auth.create_user(session, tenant, name, PASSWORD, role)
    api.client.cookies.clear()
    page = api.client.get("/login")
    match = _FIELD.search(page.text)
    assert match
    r = api.client.post("/login", data={"username": name, "password": PASSWORD,
                                        "csrf_token": match.group(1), "next": "/profiles"},
                        follow_redirects=False)
    assert r.status_code == 303, r.text
    found = _TOKEN.search(api.client.get("/profiles").text)
    assert found
    return found.group(1)


def test_a_viewer_exports_with_values_and_errors_come_back_on_the_form(api: Api) -> None:
    uid = _profile(api)
    token = _login(api, Role.VIEWER)
    page = api.client.get(f"/profiles/{uid}")
    assert f'href="/profiles/{uid}/export/flux"' in page.text
    assert SECRET not in page.text
    assert 'data-variable="zone"' in page.text and ">hidden<" in page.text  # as the API lists it
    form = api.client.get(f"/profiles/{uid}/export/flux")
    assert form.status_code == 200
    assert 'name="var.replicas"' in form.text and 'type="password"' in form.text
    assert SECRET not in form.text

    refused = api.client.post(f"/profiles/{uid}/export/flux", data={
        "csrf_token": token, "var.replicas": "three", "var.token": "typed-Secret-9"})
    assert refused.status_code == 422
    assert 'id="var-replicas-error"' in refused.text and "must be a number" in refused.text
    assert 'value="three"' in refused.text  # a non-sensitive value is kept
    assert "typed-Secret-9" not in refused.text and SECRET not in refused.text

    missing = api.client.post(f"/profiles/{uid}/export/flux",
                              data={"csrf_token": token, "var.replicas": "3"})
    assert missing.status_code == 422
    assert 'id="var-token-error"' in missing.text and "give a value for token" in missing.text

    ok = api.client.post(f"/profiles/{uid}/export/argocd", data={
        "csrf_token": token, "var.replicas": "3", "var.token": "typed-Secret-9"})
    assert ok.status_code == 200, ok.text
    assert ok.headers["content-type"].startswith("application/yaml")
    assert ok.headers["content-disposition"].endswith('-1.0.0-argocd.yaml"')


def test_the_export_post_needs_the_csrf_token(api: Api) -> None:
    uid = _profile(api)
    _login(api, Role.VIEWER)
    for data in ({}, {"csrf_token": "0" * 64}):
        r = api.client.post(f"/profiles/{uid}/export/flux", data={**data, "var.replicas": "3",
                                                                 "var.token": "x"})
        assert r.status_code == 403
        assert "CsrfTokenInvalid" in r.text


def test_another_tenants_profile_is_not_found(api: Api) -> None:
    uid = _profile(api)
    token = _login(api, Role.TENANT_ADMIN, tenant=f"other-{uuid.uuid4().hex[:6]}")
    assert api.client.get(f"/profiles/{uid}/export/flux").status_code == 404
    r = api.client.post(f"/profiles/{uid}/export/flux", data={
        "csrf_token": token, "var.replicas": "3", "var.token": "x"})
    assert r.status_code == 404


def test_a_palette_file_format_takes_no_values(api: Api) -> None:
    uid = _profile(api)
    token = _login(api, Role.VIEWER)
    r = api.client.post(f"/profiles/{uid}/export/json", data={"csrf_token": token})
    assert r.status_code == 422
    assert "format" in r.text


def test_palette_files_still_download_from_their_buttons(api: Api) -> None:
    uid = _profile(api)
    _login(api, Role.VIEWER)
    page = api.client.get(f"/profiles/{uid}")
    assert f'href="/profiles/{uid}/export?format=json"' in page.text
    r = api.client.get(f"/profiles/{uid}/export", params={"format": "json"})
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"].startswith("attachment")
    assert SECRET not in r.text
