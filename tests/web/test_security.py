"""UI security over plain HTTP against a live server: CSRF, cookies, headers, redirects."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from tests.harness.chartyard_server import ChartyardServer
from tests.harness.pki import make_ca
from tests.web.conftest import ADMIN_PASSWORD

_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
_META = re.compile(r'name="csrf-token" content="([^"]+)"')


@pytest.fixture
def client(server: ChartyardServer) -> Iterator[httpx.Client]:
    """A cookie-keeping client that does not follow redirects."""
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=30) as c:
        yield c


def _login_form_token(client: httpx.Client) -> str:
    page = client.get("/login")
    assert page.status_code == 200
    match = _FIELD.search(page.text)
    assert match
    return match.group(1)


def _login(client: httpx.Client, **headers: str) -> httpx.Response:
    token = _login_form_token(client)
    return client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD,
                                       "csrf_token": token, "next": "/catalog"},
                       headers=headers)


def test_ui_pages_carry_security_headers(client: httpx.Client) -> None:
    r = client.get("/login")
    assert r.headers["content-security-policy"].startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"


def test_post_without_or_with_a_wrong_csrf_token_is_refused(client: httpx.Client) -> None:
    _login_form_token(client)
    for data in ({}, {"csrf_token": "0" * 64}):
        r = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD,
                                        **data})
        assert r.status_code == 403
        assert "CsrfTokenInvalid" in r.text
        assert "chartyard_session" not in r.headers.get("set-cookie", "")


def test_login_sets_a_hardened_session_cookie_and_continues(client: httpx.Client) -> None:
    r = _login(client)
    assert r.status_code == 303
    assert r.headers["location"] == "/catalog"
    cookie = next(c for c in r.headers.get_list("set-cookie")
                  if c.startswith("chartyard_session="))
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # served over plain HTTP here
    assert client.get("/catalog").status_code == 200


def test_cookie_is_secure_behind_an_https_proxy(client: httpx.Client) -> None:
    r = _login(client, **{"X-Forwarded-Proto": "https"})
    cookie = next(c for c in r.headers.get_list("set-cookie")
                  if c.startswith("chartyard_session="))
    assert "Secure" in cookie


def test_next_cannot_leave_the_site(client: httpx.Client) -> None:
    token = _login_form_token(client)
    r = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD,
                                    "csrf_token": token, "next": "//evil.example/x"})
    assert r.headers["location"] == "/settings/registries"


def test_signed_out_pages_redirect_to_login(client: httpx.Client) -> None:
    r = client.get("/settings/registries")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/settings/registries"


def test_the_pre_login_token_is_useless_after_login_and_logout_ends_the_session(
        client: httpx.Client) -> None:
    old_token = _login_form_token(client)
    assert _login(client).status_code == 303
    assert client.post("/logout", data={"csrf_token": old_token}).status_code == 403
    token = _META.search(client.get("/settings/registries").text)
    assert token
    session = client.cookies["chartyard_session"]
    r = client.post("/logout", data={"csrf_token": token.group(1)})
    assert r.status_code == 303
    assert r.headers["location"] == "/login"
    # The token is invalid on the server, not just forgotten by the browser.
    me = httpx.get(str(client.base_url.join("/v1/users/me")),
                   cookies={"chartyard_session": session})
    assert me.status_code == 401


def test_certificate_parse_describes_a_ca_and_refuses_a_private_key(
        client: httpx.Client) -> None:
    _login(client)
    token = _META.search(client.get("/settings/registries").text)
    assert token
    headers = {"X-CSRF-Token": token.group(1), "Content-Type": "text/plain"}
    ca = make_ca("web-test-ca")
    r = client.post("/ui/certificates/parse", content=ca.cert_pem, headers=headers)
    assert r.status_code == 200, r.text
    [info] = r.json()["items"]
    assert info["subject"] == "CN=web-test-ca"
    assert info["isCA"] is True
    r = client.post("/ui/certificates/parse", headers=headers,
                    content="-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n")
    assert r.status_code == 422
    assert "private key" in r.json()["message"]
    no_token = client.post("/ui/certificates/parse", content=ca.cert_pem,
                           headers={"Content-Type": "text/plain"})
    assert no_token.status_code == 403


def test_without_javascript_the_form_is_rendered_again_with_the_error_at_its_field(
        client: httpx.Client) -> None:
    _login(client)
    page = client.get("/settings/registries/new")
    token = _FIELD.search(page.text)
    assert token
    r = client.post("/settings/registries/new", files={"caFile": ("", b"")}, data={
        "csrf_token": token.group(1), "kind": "basic", "name": "Not\ta name",
        "endpoint": "https://registry.example.com", "sync": "on",
        "baseContentPathEntry": "team-a, team-b", "action": "validate"})
    assert r.status_code == 422
    slot = re.search(r'<p class="field-error" id="err-name"[^>]*>(.*?)</p>', r.text, re.S)
    assert slot, r.text
    assert "ValidationError" in slot.group(1)
    assert "metadata.name" in slot.group(1) and "U+0009" in slot.group(1)
    # What was typed is kept, chips included.
    assert 'value="Not\ta name"' in r.text
    assert r.text.count('name="baseContentPath" value="team-') == 2
